"""Control that serves (issue 11): no scale to zero under load, drain before scale-in,
wake-up without flapping, and a burst spread over the capacity on its way."""

from __future__ import annotations

from itertools import pairwise

from simulator.engine import simulate
from simulator.scenario import load
from tests.simulator.conftest import BURST, write_scenario

# Idle with one instance, then a burst that needs every endpoint, then quiet.
WAKE = """
duration_minutes = 60
[[demand]]
at_minute = 0
rate = 3
[[demand]]
at_minute = 5
rate = 40
[[demand]]
at_minute = 30
rate = 3
"""


def _wake_up(outcome):
    """Minutes from the burst's start until the fleet first reaches its peak capacity."""
    peak = max(row.actual for row in outcome.timeline)
    end = next(row.minute for row in outcome.timeline if row.actual == peak)
    return [row for row in outcome.timeline if 5 <= row.minute <= end]


def test_wake_up_without_flapping(tmp_path):
    # Issue 11 (step, minutes 86-102): with desired 3, race drained g6 and g4dn before
    # g5's growth landed (actual 3 -> 2 -> 1, then 6; targets flipped four times).
    # While the fleet grows toward its peak, no endpoint loses an instance and the
    # fleet's actual capacity never falls.
    outcome = simulate(load(write_scenario(tmp_path, "wake", WAKE), strategy="race", seed=1))
    rows = _wake_up(outcome)
    assert len(rows) >= 3
    for before, after in pairwise(rows):
        assert after.actual >= before.actual, (before.minute, before.actual, after.actual)
        for name, count in before.instances.items():
            assert after.instances[name] >= count, (after.minute, name)
    # The control plane asks for more only: no PATCH lowers the desired capacity.
    patched = [row.patched for row in rows if row.patched is not None]
    assert patched == sorted(patched)


def test_the_burst_is_spread_over_the_capacity_on_its_way(tmp_path):
    # While g6 and g4dn provision, their queues take work in proportion to the
    # instances on their way, instead of every request queueing on g5.
    outcome = simulate(load(write_scenario(tmp_path, "wake", WAKE), strategy="race", seed=1))
    rows = [row for row in outcome.timeline if 5 <= row.minute <= 20]
    for name in ("demo-g6", "demo-g4dn"):
        assert max(row.backlog[name] for row in rows) > 0
    g5 = max(row.backlog["demo-g5"] for row in rows)
    assert g5 < 0.6 * sum(max(row.backlog[n] for row in rows) for n in rows[0].backlog)


def test_no_endpoint_is_drained_to_zero_while_its_queue_waits(tmp_path):
    # Drain before scale-in: an endpoint's last instance leaves only when its backlog
    # is 0 (drain_timeout_seconds, 900 s, is not reached in this scenario).
    outcome = simulate(load(write_scenario(tmp_path, "burst", BURST), strategy="race", seed=2))
    rows = outcome.timeline
    drained = [
        (after.minute, name)
        for before, after in pairwise(rows)
        for name, count in before.instances.items()
        if count > 0 and after.instances[name] == 0 and before.backlog[name] > 0
    ]
    assert drained == []
    assert outcome.extras["stranded_beyond_drain_request_minutes"] == 0
    assert outcome.timeline[-1].actual <= 1  # it did scale in once the queues emptied
    assert sum(outcome.timeline[-1].backlog.values()) == 0


def test_scale_to_zero_never_happens_under_load(tmp_path):
    outcome = simulate(load(write_scenario(tmp_path, "wake", WAKE), strategy="priority", seed=3))
    assert outcome.extras["zero_capacity_minutes"] == 0
    assert all(row.actual >= 1 for row in outcome.timeline if row.arrivals > 0)


def test_work_left_where_nothing_serves_counts_as_stranded_beyond_the_drain_timeout():
    # The measure behind issue 11's "0 stranded request-minutes beyond
    # drain_timeout_seconds" is not vacuous: with equal weights the AWS sample routes a
    # third of the traffic to endpoints whose updates it sent while they were Updating
    # were dropped (make bench-scaling, step: about 40,000 stranded request-minutes).
    outcome = simulate(load("step", seed=1), control="aws-sample-equal")
    beyond = outcome.extras["stranded_beyond_drain_request_minutes"]
    assert 0 < beyond < outcome.extras["stranded_request_minutes"]
    fleet = simulate(load("step", seed=1))
    assert fleet.extras["stranded_beyond_drain_request_minutes"] == 0
