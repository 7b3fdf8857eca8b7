"""A claim write that DynamoDB applied but the client saw fail must not lose the call (12.3)."""

from __future__ import annotations

from typing import Any

from fleet_autoscaler import runtime
from fleet_autoscaler.config import load_config
from fleet_autoscaler.controller import FleetController
from fleet_autoscaler.model import FleetState
from fleet_autoscaler.state import StateStore, VersionConflict
from tests.support.harness import body


class AppliedThenFailed:
    """A store whose next ``failures`` saves are applied and then reported as conflicts.

    That is what a PutItem looks like when DynamoDB applied it, the response was
    lost (a 500 or a timeout) and botocore's retry met its own write's condition.
    """

    def __init__(self, real: StateStore, failures: int = 1) -> None:
        self._real = real
        self.failures = failures
        self.saves = 0

    def load(self, consistent: bool = True) -> FleetState | None:
        return self._real.load(consistent)

    def create(self, state: FleetState, now: float) -> FleetState:
        return self._real.create(state, now)

    def save(self, state: FleetState, expected_version: int, now: float) -> FleetState:
        self.saves += 1
        stored = self._real.save(state, expected_version, now)
        if self.failures > 0:
            self.failures -= 1
            raise VersionConflict("applied, but the answer was lost")
        return stored


def controller_with(store: Any, fleet: Any) -> FleetController:
    return FleetController(
        load_config(), store, runtime.gateway(), fleet.clock, sleep=lambda _: None
    )


def test_an_applied_claim_reported_as_a_conflict_still_issues_the_update(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0}, strategy="priority")
    fleet.get()
    store = AppliedThenFailed(runtime.store())
    state = controller_with(store, fleet).set_desired(3)
    assert fleet.sm.calls == [("demo-g5", 3)]
    assert state.activity.status == "InProgress"
    assert fleet.item()["endpoints"]["demo-g5"]["requested"] == 3
    fleet.settle()
    assert body(fleet.get())["scalingStatus"] == "Successful"


def test_someone_elses_claim_is_not_issued_twice(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0}, strategy="priority")
    fleet.get()
    fleet.patch(3)
    assert fleet.sm.calls == [("demo-g5", 3)]
    # Another function, same desired capacity, finds the claim made by the first one.
    controller_with(AppliedThenFailed(runtime.store()), fleet).reconcile()
    assert fleet.sm.calls == [("demo-g5", 3)]


def test_an_applied_result_write_reported_as_a_conflict_is_folded_once(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0}, strategy="priority")
    fleet.get()
    fleet.sm.reject_next.add("demo-g5")
    store = AppliedThenFailed(runtime.store(), failures=2)
    state = controller_with(store, fleet).set_desired(3)
    assert fleet.sm.calls == []
    assert state.endpoints["demo-g5"].requested is None
    assert state.activity.status == "Pending"


class ConflictOnSave(AppliedThenFailed):
    """Save number ``at`` is refused (not applied), as when another writer got there first."""

    def __init__(self, real: StateStore, at: int) -> None:
        super().__init__(real, failures=0)
        self.at = at

    def save(self, state: FleetState, expected_version: int, now: float) -> FleetState:
        self.saves += 1
        if self.saves == self.at:
            raise VersionConflict("someone else wrote first")
        return self._real.save(state, expected_version, now)


def test_a_real_conflict_on_the_result_write_does_not_repeat_the_call(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0}, strategy="priority")
    fleet.get()
    state = controller_with(ConflictOnSave(runtime.store(), at=2), fleet).set_desired(3)
    assert fleet.sm.calls == [("demo-g5", 3)]
    assert state.endpoints["demo-g5"].claim is None
    assert state.activity.status == "InProgress"
