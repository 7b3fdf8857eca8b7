"""Queue mode's keep-up cap (``load_keep_up_waiting``): while fewer requests wait than k per
in-service unit, target tracking reads the load at most at its target (README, "Queue mode",
the load; modules/fleet-autoscaling/main.tf, the ``tracked`` query)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.autoscaling import fleet_target, keep_up_cap, load_metric, waiting_work
from simulator.controls import Published, arrivals_key, capacity_key, endpoint_key, queue_waiting
from simulator.engine import simulate
from simulator.fleet_queue import sqs_depth_key
from simulator.scenario import load
from tests.simulator.conftest import published_minute

SETTINGS = load("step").autoscaling
TARGET = SETTINGS.load_target_value_queue
KEEP_UP = SETTINGS.load_keep_up_waiting_queue


def test_the_default_caps_below_one_waiting_request_per_unit():
    assert KEEP_UP == 1


def test_the_cap_holds_the_load_at_the_target_only_while_little_waits():
    assert keep_up_cap(7.0, waiting=7.9, capacity=8, target=5.5, keep_up=1) == 5.5
    assert keep_up_cap(7.0, waiting=8.0, capacity=8, target=5.5, keep_up=1) == 7.0  # W >= k c
    assert keep_up_cap(7.0, waiting=15.0, capacity=8, target=5.5, keep_up=2) == 5.5
    assert keep_up_cap(4.0, waiting=0.0, capacity=8, target=5.5, keep_up=1) == 4.0  # below T
    assert keep_up_cap(7.0, waiting=0.0, capacity=8, target=5.5, keep_up=0) == 7.0  # off
    # IF(FILL(c, 0) < 1, 1, FILL(c, 0)): no capacity in service counts as one unit.
    assert keep_up_cap(9.0, waiting=0.5, capacity=0, target=5.5, keep_up=1) == 5.5
    assert keep_up_cap(9.0, waiting=1.0, capacity=0, target=5.5, keep_up=1) == 9.0


@given(
    load_=st.floats(min_value=0, max_value=500),
    waiting=st.floats(min_value=0, max_value=500),
    capacity=st.integers(min_value=0, max_value=100),
    target=st.floats(min_value=0.5, max_value=50),
    keep_up=st.floats(min_value=0, max_value=10),
)
def test_the_cap_never_raises_the_load_nor_changes_it_below_the_target(
    load_, waiting, capacity, target, keep_up
):
    capped = keep_up_cap(load_, waiting, capacity, target, keep_up)
    assert capped <= load_
    assert capped >= min(load_, target)
    if load_ <= target:
        assert capped == load_  # scale-in reads what it read before


def test_waiting_is_the_loads_w_in_both_modes():
    # Queue mode: the endpoints' backlog beyond one in service per unit, plus the queue.
    assert waiting_work([6.0, 5.0], capacity=8, queue_depth=3.0) == 3.0 + 3.0
    assert waiting_work([2.0, 1.0], capacity=8, queue_depth=0.0) == 0.0
    assert waiting_work([6.0, 5.0], capacity=8, queue_depth=None) == 11.0  # direct
    assert load_metric(40, [6.0, 5.0], 8, 1.0, 3.0) == (40 + 6.0) / 8


def test_queue_waiting_reads_the_published_datapoints_with_fill_zero():
    cloudwatch = published_minute(
        {
            arrivals_key(): 40.0,
            capacity_key("demo"): 8.0,
            endpoint_key("ApproximateBacklogSize", "e1"): 7.0,
            endpoint_key("ApproximateBacklogSize", "e2"): 4.0,
            sqs_depth_key("q"): 2.0,
        }
    )
    # "gone" published nothing: FILL(b, 0)
    assert queue_waiting(Published(cloudwatch, 0), ["e1", "e2", "gone"], "demo", "q") == 5.0
    assert queue_waiting(Published(cloudwatch, 1), ["e1"], "demo", "q") == 0.0  # nothing yet


def steady(target, minutes, load_, waiting, actual=8):
    """Minutes of one datapoint each; the decisions taken."""
    decisions = []
    for minute in range(1, minutes + 1):
        decision = target.evaluate(
            minute * 60.0,
            load_,
            0.0,
            actual=actual,
            desired=actual,
            capacity=actual,
            waiting=waiting,
        )
        if decision is not None:
            decisions.append(decision)
    return decisions


def test_target_tracking_does_not_scale_out_on_a_load_above_target_while_the_fleet_keeps_up():
    queue = fleet_target(SETTINGS, 0, 12, "load", mode="queue")
    assert queue.keep_up == KEEP_UP
    assert steady(queue, 5, TARGET * 1.15, waiting=7.0) == []
    # The same load once a request per unit waits: target tracking scales out.
    queue = fleet_target(SETTINGS, 0, 12, "load", mode="queue")
    decisions = steady(queue, 5, TARGET * 1.15, waiting=8.0)
    assert decisions and decisions[0].reason.startswith("target tracking")
    assert decisions[0].desired == 10  # ceil(8 x 1.15)


def test_the_cap_is_queue_modes_and_off_at_zero():
    direct = fleet_target(SETTINGS, 0, 12, "load", mode="direct")
    assert direct.keep_up == 0
    assert steady(direct, 5, SETTINGS.load_target_value_direct * 1.15, waiting=0.0)
    off = fleet_target(
        dataclasses.replace(SETTINGS, load_keep_up_waiting_queue=0.0), 0, 12, "load", mode="queue"
    )
    assert steady(off, 5, TARGET * 1.15, waiting=0.0)


def test_the_step_alarms_read_the_load_uncapped():
    queue = fleet_target(SETTINGS, 0, 12, "load", mode="queue")
    surge = SETTINGS.fast_scale_out_ratio * TARGET * 1.2
    decisions = steady(queue, 1, surge, waiting=0.0)
    assert decisions and decisions[0].reason.startswith("fast scale-out")
    # Scale-in: the fast step below 0.6 x T acts as before (the cap never lowers a low load).
    queue = fleet_target(SETTINGS, 0, 12, "load", mode="queue")
    low = steady(queue, SETTINGS.fast_scale_in_evaluation_periods, 0.1, waiting=0.0)
    assert low and low[0].reason.startswith("fast scale-in")


@pytest.mark.parametrize("seed", [2])
def test_a_steady_scheduled_peak_no_longer_ratchets_capacity_up(seed):
    """scheduled-peak: the scheduled action holds 8 units through a steady peak that 8 units
    serve. Without the cap the noise of each minute's arrivals crosses the target three
    minutes in a row now and then, and target tracking adds units that stay (scale-in needs
    fifteen datapoints below 90 % of the target)."""
    scenario = load("scheduled-peak", seed=seed)
    capped = simulate(scenario, dispatch="queue")
    uncapped = simulate(
        dataclasses.replace(
            scenario,
            autoscaling=dataclasses.replace(scenario.autoscaling, load_keep_up_waiting_queue=0.0),
        ),
        dispatch="queue",
    )

    def tracking_scale_outs(outcome):
        return [
            row.minute
            for row in outcome.timeline
            if "target tracking" in row.reason and ">" in row.reason
        ]

    assert tracking_scale_outs(uncapped)  # the ratchet the cap removes
    assert tracking_scale_outs(capped) == []
    assert capped.lost == uncapped.lost == 0
    cost = [sum(row.actual for row in o.timeline) for o in (capped, uncapped)]
    assert cost[0] < cost[1]
