"""The fleet state machine (pure): observations and commands in, state and updates out."""

from __future__ import annotations

import json

import pytest

from fleet_autoscaler.config import parse_config
from fleet_autoscaler.control import (
    UPDATE_GRACE_SECONDS,
    classify_rejection,
    endpoint_limits,
    initial_state,
    record_results,
    step,
)
from fleet_autoscaler.model import EndpointObservation, UpdateAction, UpdateRejection
from tests.support.harness import default_config

NOW = 10_000.0


def config(**overrides):
    return parse_config(json.dumps(default_config(**overrides)))


def observe(name, status="InService", current=1, desired=None, reason=None):
    return EndpointObservation(name, status, current, desired, reason)


def fleet_state(cfg, **counts):
    observations = {
        spec.name: observe(spec.name, current=counts.get(spec.name.removeprefix("demo-"), 0))
        for spec in cfg.endpoints
    }
    return step(initial_state(cfg, observations, NOW), cfg, NOW).state


def test_initial_state_takes_observed_capacity_as_desired():
    cfg = config()
    state = fleet_state(cfg, g5=2, g6=1)
    assert (state.desired, state.actual, state.planned) == (3, 3, 3)
    assert state.activity.status == "Successful"


def test_initial_desired_is_clamped_into_the_configured_range():
    cfg = config(min_capacity=4)
    state = initial_state(cfg, {"demo-g5": observe("demo-g5", current=1)}, NOW)
    assert state.desired == 4


def test_new_desired_claims_updates_before_they_are_issued():
    cfg = config(strategy="priority")
    decision = step(fleet_state(cfg, g5=1), cfg, NOW + 1, desired=3)
    assert decision.actions == (UpdateAction("demo-g5", "AllTraffic", 3),)
    g5 = decision.state.endpoints["demo-g5"]
    assert (g5.target, g5.requested, g5.requested_at) == (3, 3, NOW + 1)
    assert decision.state.activity.status == "InProgress"
    assert decision.state.activity.number == 2


def test_claimed_update_is_not_issued_twice():
    cfg = config(strategy="priority")
    first = step(fleet_state(cfg, g5=1), cfg, NOW, desired=3)
    again = step(first.state, cfg, NOW + 5, observations={"demo-g5": observe("demo-g5", current=1)})
    assert again.actions == ()


def test_shrinking_waits_until_growth_elsewhere_has_landed():
    cfg = config(strategy="proportional")
    observations = {
        "demo-g5": observe("demo-g5", current=0),
        "demo-g6": observe("demo-g6", current=0),
        "demo-g4dn": observe("demo-g4dn", current=3),
    }
    decision = step(initial_state(cfg, observations, NOW), cfg, NOW)
    # Proportional moves two instances off g4dn, but only after g5 and g6 have them.
    assert {a.endpoint for a in decision.actions} == {"demo-g5", "demo-g6"}
    assert decision.state.endpoints["demo-g4dn"].target == 1
    landed = {
        "demo-g5": observe("demo-g5", current=1),
        "demo-g6": observe("demo-g6", current=1),
    }
    after = step(decision.state, cfg, NOW + 600, observations=landed)
    assert after.actions == (UpdateAction("demo-g4dn", "AllTraffic", 1),)


def test_rollback_blocks_growth_for_the_retry_period():
    cfg = config(strategy="priority", capacity_retry_seconds=600)
    claimed = step(fleet_state(cfg, g5=1), cfg, NOW, desired=3).state
    back = step(
        claimed,
        cfg,
        NOW + 300,
        observations={"demo-g5": observe("demo-g5", current=1, reason="InsufficientCapacity")},
    )
    g5 = back.state.endpoints["demo-g5"]
    assert g5.requested is None
    assert g5.blocked_until == NOW + 900
    assert back.actions == (UpdateAction("demo-g6", "AllTraffic", 2),)


def test_an_unconfirmed_claim_is_released_after_the_grace_period():
    cfg = config(strategy="priority")
    claimed = step(fleet_state(cfg, g5=1), cfg, NOW, desired=3).state
    quiet = observe("demo-g5", current=1)
    early = step(claimed, cfg, NOW + 10, observations={"demo-g5": quiet})
    assert early.actions == ()
    late = step(claimed, cfg, NOW + UPDATE_GRACE_SECONDS + 1, observations={"demo-g5": quiet})
    assert late.actions == (UpdateAction("demo-g5", "AllTraffic", 3),)


def test_an_update_nobody_recorded_is_tracked_from_describe_endpoint():
    cfg = config(strategy="priority")
    state = fleet_state(cfg, g5=1)
    seen = observe("demo-g5", status="Updating", current=1, desired=4)
    decision = step(state, cfg, NOW, observations={"demo-g5": seen})
    assert decision.state.endpoints["demo-g5"].requested == 4


@pytest.mark.parametrize("status", ["Failed", "OutOfService", "Deleting", "Deleted"])
def test_gone_endpoints_count_zero_and_get_no_target(status):
    cfg = config(strategy="priority")
    state = fleet_state(cfg, g5=2, g6=1)
    decision = step(state, cfg, NOW, observations={"demo-g5": observe("demo-g5", status, 2)})
    assert decision.state.actual == 1
    assert decision.state.endpoints["demo-g5"].target is None
    assert all(a.endpoint != "demo-g5" for a in decision.actions)


BUSY = UpdateRejection("ValidationException", 'Cannot update in-progress endpoint "arn:x".')
QUOTA = UpdateRejection("ResourceLimitExceeded", "account-level service limit")


def test_rejected_results_release_claims_and_leave_the_activity_pending():
    cfg = config(strategy="priority")
    claimed = step(fleet_state(cfg, g5=1), cfg, NOW, desired=3).state
    after = record_results(claimed, cfg, {"demo-g5": BUSY}, NOW)
    assert after.endpoints["demo-g5"].requested is None
    assert after.endpoints["demo-g5"].last_error == str(BUSY)
    assert after.activity.status == "Pending"
    accepted = record_results(claimed, cfg, {"demo-g5": None}, NOW)
    assert accepted.endpoints["demo-g5"].requested == 3
    assert accepted.activity.status == "InProgress"


@pytest.mark.parametrize(
    ("code", "message", "kind"),
    [
        ("ResourceLimitExceeded", "The account-level service limit is 2 Instances", "blocking"),
        ("AccessDeniedException", "not authorized", "blocking"),
        ("AccessDenied", "not authorized", "blocking"),
        ("ValidationException", "The variant name AllTraffic is not present.", "blocking"),
        ("ValidationException", "Could not find endpoint demo-g5.", "blocking"),
        ("ValidationException", 'Cannot update in-progress endpoint "arn:x".', "busy"),
        ("ValidationException", "Endpoint is currently Updating", "busy"),
        ("ValidationException", "the endpoint is busy", "busy"),
        ("ThrottlingException", "Rate exceeded", "transient"),
        ("InternalFailure", "", "transient"),
        ("ServiceUnavailable", "", "transient"),
        ("", "", "transient"),
    ],
)
def test_update_errors_are_classified(code, message, kind):
    assert classify_rejection(UpdateRejection(code, message)) == kind


@pytest.mark.parametrize(
    ("rejection", "status", "blocked_until"),
    [
        (BUSY, "Updating", 0.0),
        (QUOTA, "InService", NOW + 600),
        (UpdateRejection("ThrottlingException", "slow down"), "InService", 0.0),
    ],
)
def test_a_rejection_defers_blocks_or_retries(rejection, status, blocked_until):
    cfg = config(strategy="priority", capacity_retry_seconds=600)
    claimed = step(fleet_state(cfg, g5=1), cfg, NOW, desired=3).state
    g5 = record_results(claimed, cfg, {"demo-g5": rejection}, NOW).endpoints["demo-g5"]
    assert (g5.status, g5.blocked_until, g5.requested) == (status, blocked_until, None)
    assert g5.last_error == str(rejection)


def test_claiming_is_not_progress_but_acceptance_is():
    cfg = config(strategy="priority")
    state = fleet_state(cfg, g5=1)
    claimed = step(state, cfg, NOW + 10, desired=3).state
    retried = step(claimed, cfg, NOW + 500, desired=4).state  # new activity: starts now
    assert retried.activity.progress_at == NOW + 500
    again = step(
        record_results(retried, cfg, {"demo-g5": QUOTA}, NOW + 500),
        cfg,
        NOW + 560,
        observations={"demo-g5": observe("demo-g5", current=1)},
    )
    assert again.state.activity.progress_at == NOW + 500
    assert record_results(claimed, cfg, {"demo-g5": None}, NOW + 20).activity.progress_at == (
        NOW + 20
    )


def test_blocked_endpoint_is_replanned_onto_the_others_and_skip_is_respected():
    cfg = config(strategy="priority")
    claimed = step(fleet_state(cfg), cfg, NOW, desired=3).state
    blocked = record_results(claimed, cfg, {"demo-g5": QUOTA}, NOW)
    replanned = step(blocked, cfg, NOW, skip={"demo-g5"})
    assert replanned.actions == (UpdateAction("demo-g6", "AllTraffic", 3),)
    skipped = step(blocked, cfg, NOW, skip={"demo-g5", "demo-g6"})
    assert skipped.actions == ()


def test_endpoint_limits_say_why_each_endpoint_cannot_take_more():
    cfg = config(strategy="priority", capacity_retry_seconds=600)
    state = fleet_state(cfg, g6=4)
    state = record_results(step(state, cfg, NOW, desired=5).state, cfg, {"demo-g5": QUOTA}, NOW)
    state = step(
        state,
        cfg,
        NOW,
        observations={
            "demo-g4dn": EndpointObservation(
                "demo-g4dn", "InService", 0, config_error="variant 'X' is not in DescribeEndpoint"
            )
        },
    ).state
    limits = endpoint_limits(cfg, state, NOW + 100)
    assert limits["demo-g5"] == f"may not grow for 500s after: {QUOTA}"
    assert limits["demo-g6"] == "at max_instances (4)"
    assert limits["demo-g4dn"].startswith("configuration error: variant 'X'")
    assert state.activity.status == "Failed"
    assert "demo-g5: may not grow" in state.activity.failure_reason


def test_state_round_trips_through_json():
    cfg = config(strategy="priority")
    state = step(fleet_state(cfg, g5=1), cfg, NOW, desired=3).state
    from fleet_autoscaler.model import FleetState

    assert FleetState.from_json(state.to_json()) == state


@pytest.mark.parametrize(
    ("status", "actual", "updatable"),
    [
        ("InService", 5, True),
        ("Updating", 5, False),
        ("SystemUpdating", 5, False),  # maintenance: same instances, still serving
        ("RollingBack", 5, False),  # the old instances serve until the rollback ends
        ("Creating", 3, False),
        ("UpdateRollbackFailed", 3, False),
        ("Failed", 3, False),
        ("OutOfService", 3, False),
    ],
)
def test_what_each_endpoint_status_counts_for(status, actual, updatable):
    cfg = config(strategy="race")
    state = fleet_state(cfg, g5=2, g6=2, g4dn=1)
    seen = step(state, cfg, NOW, observations={"demo-g5": observe("demo-g5", status, 2)})
    assert seen.state.actual == actual
    # While g5 is busy or counts 0, race must not ask the others for its capacity twice.
    grown = step(seen.state, cfg, NOW + 1, desired=6)
    assert any(a.endpoint == "demo-g5" for a in grown.actions) is updatable


def test_maintenance_does_not_make_race_replace_the_endpoint():
    cfg = config(strategy="race")
    state = fleet_state(cfg, g5=2)
    decision = step(
        state, cfg, NOW, observations={"demo-g5": observe("demo-g5", "SystemUpdating", 2)}
    )
    assert decision.actions == ()
    assert (decision.state.actual, decision.state.activity.status) == (2, "Successful")


def test_state_from_a_newer_release_loads_ignoring_fields_it_does_not_know():
    from fleet_autoscaler.model import FleetState

    cfg = config(strategy="priority")
    state = step(fleet_state(cfg, g5=1), cfg, NOW, desired=3).state
    raw = json.loads(state.to_json())
    raw["dispatch"] = {"queue": "x"}
    raw["activity"]["eta"] = 12
    raw["endpoints"]["demo-g5"]["backlog_trend"] = [1, 2]
    assert FleetState.from_json(json.dumps(raw)) == state


def _race_to_eight(cfg):
    """A race for 8 from 1 instance: g6 and g4dn deliver 4 each, g5's growth lands last."""
    start = step(fleet_state(cfg, g5=1), cfg, NOW + 60, desired=8).state
    half = {
        "demo-g5": observe("demo-g5", status="Updating", current=1, desired=4),
        "demo-g6": observe("demo-g6", current=4),
        "demo-g4dn": observe("demo-g4dn", current=4),
    }
    state = step(start, cfg, NOW + 300, observations=half).state
    landed = {**half, "demo-g5": observe("demo-g5", current=4)}
    return step(state, cfg, NOW + 360, observations=landed)


def test_a_trim_waits_trim_hold_seconds_after_the_fleet_last_grew():
    # The desired count a race trims to was computed from datapoints older than the
    # capacity that just arrived: trimming at once put g4dn in Updating just before a
    # burst (simulator, spike seed 2, minute 22) and the burst's order waited for it.
    cfg = config()
    assert cfg.trim_hold_seconds == 120
    won = _race_to_eight(cfg)
    assert won.state.actual == 12 and won.actions == ()
    assert won.state.endpoints["demo-g4dn"].target == 0  # planned, held back
    assert step(won.state, cfg, NOW + 420).actions == ()
    later = step(won.state, cfg, NOW + 360 + 120)
    assert later.actions == (UpdateAction("demo-g4dn", "AllTraffic", 0),)


def test_a_rise_during_the_trim_hold_keeps_every_instance_and_issues_no_trim():
    cfg = config()
    won = _race_to_eight(cfg)
    rise = step(won.state, cfg, NOW + 400, desired=12)
    assert rise.actions == () and rise.state.activity.status == "Successful"
    assert step(rise.state, cfg, NOW + 600).actions == ()


def test_trim_hold_zero_trims_as_soon_as_the_race_is_won():
    cfg = config(trim_hold_seconds=0)
    assert _race_to_eight(cfg).actions == (UpdateAction("demo-g4dn", "AllTraffic", 0),)


def test_a_scale_in_long_after_the_last_growth_is_not_held():
    cfg = config(strategy="priority")
    state = fleet_state(cfg, g5=4, g6=2)
    decision = step(state, cfg, NOW + 600, desired=4)
    assert decision.actions == (UpdateAction("demo-g6", "AllTraffic", 0),)
