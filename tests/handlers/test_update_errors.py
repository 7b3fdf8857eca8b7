"""SageMaker refuses an update: classify, block, spill at once, fail with reasons (issue 12.1)."""

from __future__ import annotations

import pytest

from tests.support.harness import body

ZERO = {"demo-g5": 0, "demo-g6": 0, "demo-g4dn": 0}
QUOTA = (
    "ResourceLimitExceeded",
    "The account-level service limit 'ml.g5.2xlarge for endpoint usage' is 2 Instances",
)
DENIED = ("AccessDeniedException", "not authorized to perform UpdateEndpointWeightsAndCapacities")
BAD_REQUEST = ("ValidationException", "The variant name AllTraffic is not present.")
THROTTLED = ("ThrottlingException", "Rate exceeded")


@pytest.mark.parametrize("refusal", [QUOTA, DENIED, BAD_REQUEST], ids=lambda r: r[0])
def test_refused_growth_spills_to_the_next_endpoint_in_the_same_call(make_fleet, refusal):
    fleet = make_fleet(instances=ZERO, strategy="priority", capacity_retry_seconds=900)
    fleet.get()
    fleet.sm.refuse["demo-g5"] = refusal
    answer = body(fleet.patch(3))
    assert fleet.sm.refused == [("demo-g5", 3)]
    assert fleet.sm.calls == [("demo-g6", 3)]
    assert answer["scalingStatus"] == "InProgress"
    g5 = fleet.item()["endpoints"]["demo-g5"]
    assert g5["last_error"].startswith(refusal[0])
    assert g5["blocked_until"] == fleet.clock.now + 900
    fleet.settle()
    answer = body(fleet.get())
    assert (answer["actualCapacity"], answer["scalingStatus"]) == (3.0, "Successful")


def test_proportional_spreads_what_a_refused_endpoint_cannot_take(make_fleet):
    fleet = make_fleet(instances=ZERO, strategy="proportional")
    fleet.get()
    fleet.sm.refuse["demo-g5"] = QUOTA
    fleet.patch(6)
    # Re-planned in the same call: g6 and g4dn are Updating toward 2 each, so their
    # new targets of 3 are issued as soon as those updates land.
    targets = {name: ep["target"] for name, ep in fleet.item()["endpoints"].items()}
    assert targets == {"demo-g5": 0, "demo-g6": 3, "demo-g4dn": 3}
    fleet.settle()
    assert fleet.instances() == {"demo-g5": 0, "demo-g6": 3, "demo-g4dn": 3}
    assert body(fleet.get())["scalingStatus"] == "Successful"


def test_no_endpoint_can_take_the_capacity_fails_naming_each_endpoint(make_fleet):
    fleet = make_fleet(instances=ZERO, strategy="priority")
    fleet.get()
    fleet.sm.refuse.update({"demo-g5": QUOTA, "demo-g6": DENIED, "demo-g4dn": QUOTA})
    answer = body(fleet.patch(3))
    assert answer["scalingStatus"] == "Failed"
    reason = answer["failureReason"]
    for name, code in (
        ("demo-g5", "ResourceLimitExceeded"),
        ("demo-g6", "AccessDeniedException"),
        ("demo-g4dn", "ResourceLimitExceeded"),
    ):
        assert f"{name}: may not grow" in reason
        assert code in reason.split(f"{name}:")[1]
    # Every endpoint was asked exactly once in that call.
    assert sorted(name for name, _ in fleet.sm.refused) == ["demo-g4dn", "demo-g5", "demo-g6"]


def test_refusals_do_not_keep_a_priority_activity_pending_forever(make_fleet):
    """The reported defect: 2 h of reconciles stayed Pending at actual 0 / desired 3."""
    fleet = make_fleet(instances=ZERO, strategy="priority", max_capacity=4)
    fleet.config["endpoints"][1]["max_instances"] = 0
    fleet.config["endpoints"][2]["max_instances"] = 0
    fleet.reapply_config()
    fleet.get()
    fleet.sm.refuse["demo-g5"] = QUOTA
    statuses = {body(fleet.patch(3))["scalingStatus"]}
    for _ in range(10):
        fleet.clock.advance(60)
        statuses.add(fleet.reconcile()["scalingStatus"])
    assert statuses == {"Failed"}
    # Blocked: the doomed call is not repeated on every reconcile.
    assert len(fleet.sm.refused) == 1


def test_only_an_accepted_call_counts_as_progress(make_fleet):
    fleet = make_fleet(instances=ZERO, strategy="priority", activity_timeout_seconds=600)
    fleet.get()
    fleet.sm.refuse.update({"demo-g5": THROTTLED, "demo-g6": THROTTLED, "demo-g4dn": THROTTLED})
    assert body(fleet.patch(2))["scalingStatus"] == "Pending"
    statuses = []
    for _ in range(12):
        fleet.clock.advance(60)
        statuses.append(fleet.reconcile()["scalingStatus"])
    # Throttling is transient (retried, not blocked), but retries are not progress.
    assert statuses[:10] == ["Pending"] * 10
    assert statuses[10] == "Failed"  # 660 s after the PATCH, past the 600 s timeout
    assert len(fleet.sm.refused) > 3


def test_a_busy_endpoint_is_deferred_not_blocked(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0}, strategy="priority")
    fleet.get()
    fleet.sm.reject_next.add("demo-g5")  # 'Cannot update in-progress endpoint'
    fleet.patch(3)
    g5 = fleet.item()["endpoints"]["demo-g5"]
    assert g5["blocked_until"] == 0
    assert fleet.sm.calls == []  # nothing spilled: g5 gets its update once InService
    fleet.event("demo-g5", "IN_SERVICE")
    assert fleet.sm.calls == [("demo-g5", 3)]


def test_configured_variant_missing_is_a_configuration_error(make_fleet, logs):
    fleet = make_fleet(
        instances={"demo-g5": 2, "demo-g6": 0, "demo-g4dn": 0}, strategy="priority", max_capacity=4
    )
    fleet.config["endpoints"][0]["variant"] = "Blue"
    fleet.config["endpoints"][1]["max_instances"] = 0
    fleet.config["endpoints"][2]["max_instances"] = 0
    fleet.reapply_config()
    answer = body(fleet.patch(2))
    assert answer["scalingStatus"] == "Failed"
    assert "demo-g5: configuration error: variant 'Blue'" in answer["failureReason"]
    assert fleet.sm.calls == []
    errors = [line for line in logs if line.get("message", "") == "endpoint configuration error"]
    assert errors and errors[0]["endpoint"] == "demo-g5"
    assert "AllTraffic" in errors[0]["error"]
