"""Drain before scale-in and make-before-break (pure; issue 11 part 2)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from fleet_autoscaler.config import parse_config
from fleet_autoscaler.control import (
    apply_observations,
    drain_holds,
    initial_state,
    record_results,
    step,
    with_backlog,
)
from fleet_autoscaler.model import BacklogSample, EndpointObservation, UpdateAction
from tests.support.harness import default_config

NOW = 50_000.0


def config(**overrides):
    return parse_config(json.dumps(default_config(**overrides)))


def observe(name, status="InService", current=1, desired=None):
    return EndpointObservation(name, status, current, desired)


def fleet(cfg, g5=0, g6=0, g4dn=0, backlog=None, at=NOW - 60):
    counts = {"demo-g5": g5, "demo-g6": g6, "demo-g4dn": g4dn}
    state = initial_state(
        cfg, {name: observe(name, current=n) for name, n in counts.items()}, NOW - 600
    )
    samples = {name: BacklogSample(value, at) for name, value in (backlog or {}).items()}
    return with_backlog(state, samples)


@pytest.mark.parametrize(
    ("case", "current", "backlog", "age", "started", "planned", "floor", "drain_start", "emptied"),
    [
        ("no backlog: leaves", 1, 0.0, 60, 0.0, 0, None, 0.0, 0.0),
        ("unknown backlog: leaves", 1, None, 60, 0.0, 0, None, 0.0, 0.0),
        ("stale backlog: leaves", 1, 5.0, 301, 0.0, 0, None, 0.0, 0.0),
        ("backlog: last instance held", 1, 5.0, 60, 0.0, 0, 1, NOW, 0.0),
        ("still draining", 1, 5.0, 60, NOW - 899, 0, 1, NOW - 899, 0.0),
        ("drain timed out: leaves", 1, 5.0, 60, NOW - 900, 0, None, NOW - 900, 0.0),
        ("plan keeps it anyway", 2, 5.0, 60, NOW - 100, 1, None, 0.0, 0.0),
        ("work waiting, no instance", 0, 3.0, 60, 0.0, 0, 1, NOW, NOW - 600),
        # The datapoint's minute began before the last instance left: what it counted was
        # in flight on instances that are gone, not work waiting where nothing serves.
        ("backlog measured before it emptied", 0, 3.0, 60, 0.0, 0, None, 0.0, NOW - 30),
        ("backlog measured as it emptied", 0, 3.0, 60, 0.0, 0, None, 0.0, NOW - 59),
        ("backlog measured since it emptied", 0, 3.0, 60, 0.0, 0, 1, NOW, NOW - 60),
    ],
)
def test_drain_holds(case, current, backlog, age, started, planned, floor, drain_start, emptied):
    cfg = config(drain_timeout_seconds=900, backlog_max_age_seconds=300)
    state = fleet(cfg, g4dn=current)
    g4dn = replace(
        state.endpoints["demo-g4dn"],
        backlog=backlog,
        backlog_at=NOW - age,
        drain_started_at=started,
        emptied_at=emptied,
    )
    endpoints = dict(state.endpoints) | {"demo-g4dn": g4dn}
    counts = {"demo-g5": 0, "demo-g6": 0, "demo-g4dn": planned}
    floors, starts = drain_holds(cfg, endpoints, counts, NOW)
    assert floors.get("demo-g4dn") == floor, case
    assert starts["demo-g4dn"] == drain_start, case


def test_realtime_fleets_have_no_drain_holds():
    cfg = config(
        invocation_mode="realtime",
        min_capacity=3,
        endpoints=[{"name": n, "min_instances": 1} for n in ("demo-g5", "demo-g6", "demo-g4dn")],
    )
    state = fleet(cfg, g5=1, g6=1, g4dn=1, backlog={"demo-g4dn": 9})
    assert drain_holds(cfg, state.endpoints, {"demo-g4dn": 0}, NOW) == ({}, {})


def test_a_blocked_endpoint_at_zero_gets_no_instance_for_its_queue():
    cfg = config()
    state = fleet(cfg, backlog={"demo-g5": 4})
    g5 = replace(state.endpoints["demo-g5"], blocked_until=NOW + 100)
    floors, _ = drain_holds(cfg, dict(state.endpoints) | {"demo-g5": g5}, {"demo-g5": 0}, NOW)
    assert floors == {}


def test_scale_in_keeps_the_last_instance_of_an_endpoint_with_waiting_work():
    cfg = config(strategy="priority")
    state = fleet(cfg, g5=2, g4dn=1, backlog={"demo-g5": 0, "demo-g4dn": 6})
    decision = step(state, cfg, NOW, desired=2)
    assert decision.state.endpoints["demo-g4dn"].target == 1
    assert decision.state.endpoints["demo-g4dn"].drain_started_at == NOW
    assert decision.actions == ()
    assert decision.state.activity.status == "Successful"  # 3 is the plan while g4dn drains
    # The backlog reaches 0: now it leaves, and nothing else moved meanwhile.
    drained = step(
        decision.state,
        cfg,
        NOW + 60,
        backlog={"demo-g5": BacklogSample(0, NOW), "demo-g4dn": BacklogSample(0, NOW)},
    )
    assert drained.actions == (UpdateAction("demo-g4dn", "AllTraffic", 0),)


def test_a_drain_ends_after_the_timeout_even_with_work_waiting():
    cfg = config(strategy="priority", drain_timeout_seconds=600)
    state = fleet(cfg, g5=2, g4dn=1, backlog={"demo-g4dn": 6})
    held = step(state, cfg, NOW, desired=2).state
    samples = {"demo-g4dn": BacklogSample(6, NOW + 540)}
    assert step(held, cfg, NOW + 599, backlog=samples).actions == ()
    late = step(held, cfg, NOW + 600, backlog=samples)
    assert late.actions == (UpdateAction("demo-g4dn", "AllTraffic", 0),)
    # Timed out: it does not come back while that backlog lasts.
    landed = record_results(late.state, cfg, {"demo-g4dn": None}, NOW + 600)
    gone = step(
        landed,
        cfg,
        NOW + 700,
        observations={"demo-g4dn": observe("demo-g4dn", current=0)},
        backlog=samples,
    )
    assert gone.actions == ()


def test_work_queued_where_no_instance_serves_gets_capacity_there():
    cfg = config(strategy="priority")
    state = fleet(cfg, g5=2, backlog={"demo-g6": 5})
    decision = step(state, cfg, NOW, desired=2)
    assert decision.actions == (UpdateAction("demo-g6", "AllTraffic", 1),)
    assert decision.state.endpoints["demo-g5"].target == 2  # nothing else moves


# -- make-before-break ----------------------------------------------------------------------


def test_no_decrease_while_the_increase_it_waits_for_is_pending():
    cfg = config(strategy="proportional")
    state = fleet(cfg, g4dn=3)
    decision = step(state, cfg, NOW)
    assert {a.endpoint for a in decision.actions} == {"demo-g5", "demo-g6"}
    # g5 landed, g6 has not: g4dn may only lose what g5 brought.
    partial = step(
        decision.state, cfg, NOW + 300, observations={"demo-g5": observe("demo-g5", current=1)}
    )
    assert partial.actions == ()


def test_an_activity_never_lowers_actual_capacity_while_desired_is_at_least_actual():
    cfg = config(strategy="race")
    state = fleet(cfg, g5=1, g6=1, g4dn=1)
    grow = step(state, cfg, NOW, desired=6)
    for action in grow.actions:
        assert action.instances >= 1
    # g5 delivers first; g6 and g4dn are still Updating toward 4. No endpoint loses an
    # instance before the fleet serves the desired capacity.
    landed = step(
        record_results(grow.state, cfg, {a.endpoint: None for a in grow.actions}, NOW),
        cfg,
        NOW + 300,
        observations={"demo-g5": observe("demo-g5", current=4)},
    )
    assert landed.state.actual == 6
    for action in landed.actions:
        current = landed.state.endpoints[action.endpoint].current
        assert action.instances >= current or landed.state.actual > landed.state.desired


def test_a_trim_in_flight_does_not_block_the_next_scale_out():
    cfg = config(strategy="priority")
    state = fleet(cfg, g5=4)
    trim = step(state, cfg, NOW, desired=2)
    assert trim.actions == (UpdateAction("demo-g5", "AllTraffic", 2),)
    trimming = record_results(trim.state, cfg, {"demo-g5": None}, NOW)
    trimming = step(
        trimming,
        cfg,
        NOW + 10,
        observations={"demo-g5": observe("demo-g5", "Updating", current=4, desired=2)},
    ).state
    # Demand comes back while g5 is still Updating toward 2: g6 takes it now.
    again = step(trimming, cfg, NOW + 20, desired=4)
    assert again.actions == (UpdateAction("demo-g6", "AllTraffic", 2),)


@pytest.mark.parametrize(
    ("case", "before", "emptied_before", "observed", "emptied_after"),
    [
        ("instances stay: none", 2, 0.0, 1, 0.0),
        ("last instance leaves: now", 1, 0.0, 0, NOW),
        ("still empty: unchanged", 0, NOW - 300, 0, NOW - 300),
        ("first seen empty: now", 0, 0.0, 0, NOW),
        ("instances again: none", 0, NOW - 300, 1, 0.0),
    ],
)
def test_when_an_endpoint_emptied(case, before, emptied_before, observed, emptied_after):
    cfg = config()
    state = fleet(cfg, g4dn=before)
    g4dn = replace(state.endpoints["demo-g4dn"], emptied_at=emptied_before)
    state = replace(state, endpoints=dict(state.endpoints) | {"demo-g4dn": g4dn})
    after, _ = apply_observations(
        state, cfg, {"demo-g4dn": observe("demo-g4dn", current=observed)}, NOW
    )
    assert after.endpoints["demo-g4dn"].emptied_at == emptied_after, case
