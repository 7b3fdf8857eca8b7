"""Endpoint state changes turn into capacity and routing updates (DESIGN 3.6, events)."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.support.harness import body

IN_SYNC = {"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 1}
ALL_EVENT_STATUSES = [
    "IN_SERVICE",
    "UPDATING",
    "CREATING",
    "SYSTEM_UPDATING",
    "ROLLING_BACK",
    "FAILED",
    "OUT_OF_SERVICE",
    "DELETING",
]


@pytest.mark.parametrize("name", ["demo-g5-canary", "demo", "xdemo-g5", "demo-g5 ", "DEMO-G5"])
def test_events_for_other_endpoints_are_ignored(make_fleet, name):
    fleet = make_fleet(instances=IN_SYNC, extra_endpoints={"demo-g5-canary": 1})
    fleet.get()
    before = fleet.item()
    result = fleet.event(name, "IN_SERVICE")
    assert result["handled"] is False
    assert fleet.item() == before


@pytest.mark.parametrize(
    "event",
    [
        None,
        "text",
        {},
        {"detail": "x"},
        {"detail-type": "Scheduled Event", "detail": {"EndpointName": "demo-g5"}},
        {"detail-type": "SageMaker Endpoint State Change", "detail": {"EndpointName": "demo-g5"}},
        {
            "detail-type": "SageMaker Endpoint State Change",
            "detail": {"EndpointName": "demo-g5", "EndpointStatus": "EXPLODED"},
        },
    ],
)
def test_malformed_events_are_ignored(make_fleet, event):
    from fleet_autoscaler.handlers import endpoint_events

    make_fleet(instances=IN_SYNC)
    assert endpoint_events.handler(event, None)["handled"] is False


@pytest.mark.parametrize("status", ALL_EVENT_STATUSES)
def test_every_endpoint_status_is_handled(make_fleet, status):
    fleet = make_fleet(instances=IN_SYNC)
    fleet.get()
    result = fleet.event("demo-g6", status)
    assert result["handled"] is True
    assert body(fleet.get())["actualCapacity"] == 3.0


def test_race_asks_every_endpoint_then_trims_each_surplus_in_one_update(make_fleet):
    fleet = make_fleet(instances=IN_SYNC, strategy="race")
    fleet.patch(6)
    # Every endpoint races for the whole missing capacity (3), capped at its max.
    assert sorted(fleet.sm.calls) == [("demo-g4dn", 4), ("demo-g5", 4), ("demo-g6", 4)]
    fleet.clock.advance(300)
    fleet.complete("demo-g5")  # g5 wins: 4 + 1 + 1 serving = 6, enough
    answer = body(fleet.get())
    assert answer["actualCapacity"] == 6.0
    fleet.settle()
    answer = body(fleet.get())
    assert (answer["actualCapacity"], answer["scalingStatus"]) == (6.0, "Successful")
    assert sum(fleet.instances().values()) == 6
    updates = Counter(name for name, _ in fleet.sm.calls)
    # One race update and at most one trimming update per endpoint.
    assert max(updates.values()) <= 2
    assert fleet.instances()["demo-g5"] == 4


def test_deferred_update_is_issued_when_the_endpoint_is_back_in_service(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 3, "demo-g6": 0, "demo-g4dn": 0}, strategy="priority")
    fleet.patch(4)  # g5 3 -> 4
    assert fleet.sm.calls == [("demo-g5", 4)]
    fleet.patch(1)  # g5 is Updating: SageMaker would reject a second update
    assert fleet.sm.calls == [("demo-g5", 4)]
    assert fleet.sm.rejected == []
    fleet.event("demo-g5", "UPDATING")
    assert fleet.sm.calls == [("demo-g5", 4)]
    fleet.complete("demo-g5")
    assert fleet.sm.calls == [("demo-g5", 4), ("demo-g5", 1)]
    fleet.settle()
    assert fleet.instances()["demo-g5"] == 1
    assert body(fleet.get())["scalingStatus"] == "Successful"


def test_rejected_update_is_released_and_issued_again(make_fleet):
    fleet = make_fleet(instances=IN_SYNC, strategy="priority")
    fleet.get()
    fleet.sm.reject_next.add("demo-g5")  # another update slipped in first
    fleet.patch(4)
    assert fleet.sm.rejected == ["demo-g5"]
    item = fleet.item()
    assert item["endpoints"]["demo-g5"]["last_error"].startswith("ValidationException")
    assert item["endpoints"]["demo-g5"]["requested"] is None
    assert body(fleet.get())["scalingStatus"] == "Pending"
    fleet.reconcile()
    assert fleet.sm.calls == [("demo-g5", 2)]
    fleet.settle()
    answer = body(fleet.get())
    assert (answer["actualCapacity"], answer["scalingStatus"]) == (4.0, "Successful")


def test_capacity_shortage_rollback_moves_capacity_to_other_endpoints(make_fleet):
    fleet = make_fleet(instances=IN_SYNC, strategy="priority")
    fleet.patch(7)  # fill g5 first: g5 1 -> 4, then g6 1 -> 2
    assert sorted(fleet.sm.calls) == [("demo-g5", 4), ("demo-g6", 2)]
    fleet.roll_back("demo-g5")  # no ml.g5 capacity
    item = fleet.item()
    assert item["endpoints"]["demo-g5"]["blocked_until"] > fleet.clock.now
    assert ("demo-g4dn", 2) in fleet.sm.calls  # g4dn takes over right away
    fleet.settle()
    answer = body(fleet.get())
    assert (answer["actualCapacity"], answer["scalingStatus"]) == (7.0, "Successful")
    assert fleet.instances() == {"demo-g5": 1, "demo-g6": 4, "demo-g4dn": 2}


def test_failed_endpoint_capacity_is_replanned_onto_the_others(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 3, "demo-g6": 2, "demo-g4dn": 0}, strategy="priority")
    fleet.get()
    fleet.sm.set_status("demo-g5", "Failed")
    fleet.event("demo-g5", "FAILED")
    answer = body(fleet.get())
    assert answer["actualCapacity"] == 2.0
    assert ("demo-g6", 4) in fleet.sm.calls
    assert ("demo-g4dn", 1) in fleet.sm.calls
    fleet.settle()
    answer = body(fleet.get())
    assert (answer["actualCapacity"], answer["scalingStatus"]) == (5.0, "Successful")
    assert all(name != "demo-g5" for name, _ in fleet.sm.calls)


def test_deleted_endpoint_counts_zero_and_is_never_updated(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 2, "demo-g6": 1, "demo-g4dn": 0}, strategy="priority")
    fleet.get()
    fleet.sm.delete("demo-g5")
    fleet.event("demo-g5", "DELETING")
    fleet.settle()
    answer = body(fleet.get())
    assert answer["actualCapacity"] == 3.0
    assert fleet.item()["endpoints"]["demo-g5"]["status"] == "Deleted"
    assert all(name != "demo-g5" for name, _ in fleet.sm.calls)


def test_system_updating_endpoint_gets_its_update_afterwards(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0}, strategy="priority")
    fleet.get()
    fleet.sm.set_status("demo-g5", "SystemUpdating")
    fleet.event("demo-g5", "SYSTEM_UPDATING")
    fleet.patch(2)
    assert fleet.sm.calls == []
    assert body(fleet.get())["scalingStatus"] == "Pending"
    fleet.sm.set_status("demo-g5", "InService")
    fleet.event("demo-g5", "IN_SERVICE")
    assert fleet.sm.calls == [("demo-g5", 2)]


def test_duplicate_events_issue_no_duplicate_updates(make_fleet):
    fleet = make_fleet(instances=IN_SYNC, strategy="priority")
    fleet.patch(5)
    for _ in range(3):
        fleet.event("demo-g5", "UPDATING")
    fleet.sm.complete("demo-g5")
    for _ in range(3):
        fleet.event("demo-g5", "IN_SERVICE")
    assert fleet.sm.calls == [("demo-g5", 3)]
    assert body(fleet.get())["scalingStatus"] == "Successful"


def test_proportional_keeps_each_endpoint_near_its_share(make_fleet):
    fleet = make_fleet(
        instances={"demo-g5": 0, "demo-g6": 0, "demo-g4dn": 0},
        strategy="proportional",
        endpoints=[
            {"name": "demo-g5", "max_instances": 8, "share": 2, "priority": 1},
            {"name": "demo-g6", "max_instances": 8, "share": 1, "priority": 2},
            {"name": "demo-g4dn", "max_instances": 8, "share": 1, "priority": 3},
        ],
    )
    fleet.patch(8)
    fleet.settle()
    assert fleet.instances() == {"demo-g5": 4, "demo-g6": 2, "demo-g4dn": 2}
    fleet.patch(5)
    fleet.settle()
    assert fleet.instances() == {"demo-g5": 3, "demo-g6": 1, "demo-g4dn": 1}
    assert body(fleet.get())["scalingStatus"] == "Successful"
