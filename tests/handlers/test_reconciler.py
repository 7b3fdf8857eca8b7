"""Self-healing: lost events, lost state, drift, stalled activities (DESIGN 3.6)."""

from __future__ import annotations

from tests.support.harness import body

IN_SYNC = {"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 1}
TIMEOUT = 1500


def test_lost_state_item_is_rebuilt_with_desired_equal_to_actual(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 2, "demo-g6": 1, "demo-g4dn": 0})
    fleet.patch(3)
    fleet.delete_item()
    result = fleet.reconcile()
    assert result["desiredCapacity"] == 3
    assert result["actualCapacity"] == 3
    assert result["scalingStatus"] == "Successful"
    assert fleet.item()["desired"] == 3
    assert fleet.sm.calls == []


def test_lost_state_item_during_scale_out_keeps_observed_capacity(make_fleet):
    fleet = make_fleet(instances=IN_SYNC, strategy="priority")
    fleet.patch(6)
    fleet.settle()
    fleet.delete_item()
    answer = body(fleet.get())
    assert answer["desiredCapacity"] == 6.0
    assert answer["actualCapacity"] == 6.0


def test_lost_in_service_event_is_repaired(make_fleet):
    fleet = make_fleet(instances=IN_SYNC, strategy="priority")
    fleet.patch(5)
    fleet.sm.complete("demo-g5")  # EventBridge never delivers IN_SERVICE
    assert body(fleet.get())["scalingStatus"] == "InProgress"
    fleet.reconcile()
    answer = body(fleet.get())
    assert (answer["actualCapacity"], answer["scalingStatus"]) == (5.0, "Successful")


def test_lost_event_of_a_deferred_update_is_repaired(make_fleet):
    fleet = make_fleet(instances=IN_SYNC, strategy="priority")
    fleet.patch(5)  # g5 1 -> 3
    fleet.patch(1)  # deferred: g5 busy
    fleet.sm.complete("demo-g5")  # event lost
    fleet.reconcile()
    assert fleet.sm.calls[-1] == ("demo-g5", 1)
    fleet.settle()
    answer = body(fleet.get())
    assert (answer["actualCapacity"], answer["scalingStatus"]) == (1.0, "Successful")


def test_lost_instance_is_replaced_on_the_next_reconcile(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 3, "demo-g6": 1, "demo-g4dn": 0}, strategy="priority")
    fleet.get()
    fleet.sm.set_instances("demo-g5", 2)
    result = fleet.reconcile()
    assert result["actualCapacity"] == 3
    assert result["scalingStatus"] == "InProgress"
    assert fleet.sm.calls == [("demo-g5", 3)]
    fleet.settle()
    assert body(fleet.get())["actualCapacity"] == 4.0


def test_manual_scale_up_is_trimmed_back_to_desired(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 2, "demo-g6": 0, "demo-g4dn": 0}, strategy="priority")
    fleet.get()
    fleet.sm.set_instances("demo-g4dn", 3)
    fleet.reconcile()
    assert fleet.sm.calls == [("demo-g4dn", 0)]
    fleet.settle()
    assert fleet.instances() == {"demo-g5": 2, "demo-g6": 0, "demo-g4dn": 0}


def test_stalled_activity_fails_after_the_timeout_then_is_redriven(make_fleet):
    fleet = make_fleet(instances=IN_SYNC, strategy="priority", activity_timeout_seconds=TIMEOUT)
    fleet.patch(5)  # g5 1 -> 3 and it never finishes
    fleet.clock.advance(TIMEOUT - 10)
    assert fleet.reconcile()["scalingStatus"] == "InProgress"
    fleet.clock.advance(20)
    result = fleet.reconcile()
    assert result["scalingStatus"] == "Failed"
    answer = body(fleet.get())
    assert answer["scalingStatus"] == "Failed"
    assert "demo-g5" in answer["failureReason"]
    assert fleet.sm.calls == [("demo-g5", 3)]
    # The next reconcile re-drives the plan over the endpoints that can take capacity.
    fleet.clock.advance(60)
    assert fleet.reconcile()["scalingStatus"] == "InProgress"
    assert ("demo-g6", 3) in fleet.sm.calls
    fleet.complete("demo-g6")
    answer = body(fleet.get())
    assert (answer["actualCapacity"], answer["scalingStatus"]) == (5.0, "Successful")


def test_progress_restarts_the_timeout(make_fleet):
    fleet = make_fleet(instances=IN_SYNC, strategy="race", activity_timeout_seconds=TIMEOUT)
    fleet.patch(9)  # every endpoint races for +6, capped at 4
    fleet.clock.advance(TIMEOUT - 100)
    fleet.complete("demo-g5")  # progress: actual 3 -> 6
    fleet.clock.advance(TIMEOUT - 100)
    assert fleet.reconcile()["scalingStatus"] == "InProgress"
    fleet.clock.advance(200)
    assert fleet.reconcile()["scalingStatus"] == "Failed"


def test_repeated_patch_after_failure_redrives_the_plan(make_fleet):
    fleet = make_fleet(instances=IN_SYNC, strategy="priority", activity_timeout_seconds=TIMEOUT)
    fleet.patch(5)
    fleet.clock.advance(TIMEOUT + 1)
    fleet.reconcile()
    assert body(fleet.get())["scalingStatus"] == "Failed"
    answer = body(fleet.patch(5))
    assert answer["scalingStatus"] == "InProgress"
    assert ("demo-g6", 3) in fleet.sm.calls


def test_blocked_endpoint_may_grow_again_after_the_retry_period(make_fleet):
    fleet = make_fleet(
        instances={"demo-g5": 0, "demo-g6": 0, "demo-g4dn": 0},
        strategy="priority",
        capacity_retry_seconds=600,
    )
    fleet.get()
    fleet.patch(2)
    fleet.roll_back("demo-g5")
    fleet.settle()
    assert fleet.instances() == {"demo-g5": 0, "demo-g6": 2, "demo-g4dn": 0}
    fleet.clock.advance(601)
    fleet.patch(4)  # g5 is allowed again and is the highest priority
    assert fleet.sm.calls[-1] == ("demo-g5", 2)
    fleet.settle()
    assert fleet.instances() == {"demo-g5": 2, "demo-g6": 2, "demo-g4dn": 0}


def test_reconcile_of_a_quiet_fleet_writes_nothing(make_fleet):
    fleet = make_fleet(instances=IN_SYNC)
    fleet.reconcile()
    version = fleet.item()["version"]
    for _ in range(3):
        fleet.clock.advance(300)
        fleet.reconcile()
    assert fleet.item()["version"] == version
    assert fleet.sm.calls == []


def test_new_endpoint_status_is_picked_up_by_the_reconciler(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 2, "demo-g6": 2, "demo-g4dn": 0}, strategy="priority")
    fleet.get()
    fleet.sm.set_status("demo-g6", "OutOfService")  # event lost
    result = fleet.reconcile()
    assert result["endpoints"]["demo-g6"]["status"] == "OutOfService"
    assert ("demo-g5", 4) in fleet.sm.calls
