"""A new endpoint configuration (UpdateEndpoint, e.g. `terraform apply` with a changed model)
resets the endpoint to the configuration's initial instance count, and the control plane's
updates are rejected while the endpoint is Updating (issue 10, item 10). The reconciler must
bring the counts back to what the fleet's desired capacity plans."""

from __future__ import annotations

from tests.support.harness import Fleet, body

INITIAL = {"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 1}


def _redeploy(fleet: Fleet, endpoint: str) -> None:
    """UpdateEndpoint with a new configuration: the endpoint is Updating."""
    fleet.sm.set_status(endpoint, "Updating")


def _finish_redeploy(fleet: Fleet, endpoint: str, initial_count: int) -> None:
    """The new configuration is in service with its initial instance count; no event arrives."""
    fleet.sm.set_instances(endpoint, initial_count)
    fleet.sm.set_status(endpoint, "InService")


def test_reconciler_restores_counts_after_a_new_endpoint_configuration(make_fleet):
    fleet = make_fleet(instances=INITIAL, strategy="priority")
    fleet.patch(6)  # g5 1 -> 4
    fleet.settle()
    assert fleet.instances() == {"demo-g5": 4, "demo-g6": 1, "demo-g4dn": 1}

    _redeploy(fleet, "demo-g5")
    _finish_redeploy(fleet, "demo-g5", 1)  # the EventBridge event is lost
    assert fleet.instances()["demo-g5"] == 1

    fleet.reconcile()
    assert fleet.sm.calls[-1] == ("demo-g5", 4)
    fleet.settle()
    assert fleet.instances() == {"demo-g5": 4, "demo-g6": 1, "demo-g4dn": 1}
    answer = body(fleet.get())
    assert (answer["desiredCapacity"], answer["actualCapacity"]) == (6.0, 6.0)
    assert answer["scalingStatus"] == "Successful"


def test_scaling_during_a_redeploy_is_applied_once_the_endpoint_is_back(make_fleet):
    fleet = make_fleet(instances=INITIAL, strategy="priority")
    fleet.patch(3)
    fleet.settle()
    before = list(fleet.sm.calls)

    _redeploy(fleet, "demo-g5")
    fleet.patch(7)  # arrives while g5 is Updating: SageMaker would reject an update now
    assert ("demo-g5", 4) not in fleet.sm.calls[len(before) :]
    _finish_redeploy(fleet, "demo-g5", 1)

    for _ in range(3):
        fleet.reconcile()
        fleet.settle()
    counts = fleet.instances()
    assert sum(counts.values()) == 7, counts
    answer = body(fleet.get())
    assert (answer["desiredCapacity"], answer["actualCapacity"]) == (7.0, 7.0)
    assert answer["scalingStatus"] == "Successful"
