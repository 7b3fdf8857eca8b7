"""Maintenance is not an outage: SystemUpdating serves and blocks updates (issue 12.2)."""

from __future__ import annotations

from collections import Counter

from tests.handlers.test_router import ASYNC_HEADERS
from tests.support.harness import body
from tests.support.runtime_spy import install_runtime_spy


def test_system_updating_endpoint_keeps_its_capacity_and_its_traffic(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 2, "demo-g6": 0, "demo-g4dn": 0}, strategy="race")
    fleet.get()
    fleet.sm.set_status("demo-g5", "SystemUpdating")
    fleet.event("demo-g5", "SYSTEM_UPDATING")
    answer = body(fleet.get())
    assert (answer["actualCapacity"], answer["scalingStatus"]) == (2.0, "Successful")
    assert fleet.sm.calls == []  # the reported defect: g6+2 and g4dn+2
    spy = install_runtime_spy()
    for _ in range(3):
        assert fleet.route(ASYNC_HEADERS)["statusCode"] == 200
    assert Counter(spy.endpoints) == {"demo-g5": 3}


def test_an_update_for_an_endpoint_in_maintenance_waits_until_it_is_in_service(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 2, "demo-g6": 0, "demo-g4dn": 0}, strategy="priority")
    fleet.get()
    fleet.sm.set_status("demo-g5", "SystemUpdating")
    fleet.event("demo-g5", "SYSTEM_UPDATING")
    assert body(fleet.patch(3))["scalingStatus"] == "Pending"
    assert fleet.sm.calls == []
    fleet.sm.set_status("demo-g5", "InService")
    fleet.event("demo-g5", "IN_SERVICE")
    assert fleet.sm.calls == [("demo-g5", 3)]
