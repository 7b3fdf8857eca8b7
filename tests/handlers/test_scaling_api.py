"""The Application Auto Scaling custom-resource protocol (DESIGN 3.4)."""

from __future__ import annotations

import pytest

from tests.support.harness import body
from tests.support.sagemaker_emulator import SlowSageMaker

IN_SYNC = {"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 1}


def test_get_answers_the_dimension_in_the_protocol_shape(make_fleet):
    fleet = make_fleet(instances=IN_SYNC)
    response = fleet.get()
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "application/json"
    answer = body(response)
    assert answer == {
        "actualCapacity": 3.0,
        "desiredCapacity": 3.0,
        "dimensionName": "DesiredCapacity",
        "resourceName": "demo",
        "scalableTargetDimensionId": "demo",
        "scalingStatus": "Successful",
        "version": answer["version"],
    }
    assert isinstance(answer["version"], str) and answer["version"]


def test_first_get_creates_the_state_item_from_describe_endpoint(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 2, "demo-g6": 0, "demo-g4dn": 1})
    assert fleet.item() == {}
    fleet.get()
    item = fleet.item()
    assert item["desired"] == 3
    assert item["actual"] == 3
    assert fleet.sm.calls == []


def test_patch_scales_out_and_reports_progress_until_successful(make_fleet):
    fleet = make_fleet(instances=IN_SYNC, strategy="priority")
    answer = body(fleet.patch(5))
    assert answer["desiredCapacity"] == 5.0
    assert answer["actualCapacity"] == 3.0
    assert answer["scalingStatus"] == "InProgress"
    assert fleet.sm.calls == [("demo-g5", 3)]
    fleet.settle()
    answer = body(fleet.get())
    assert answer["scalingStatus"] == "Successful"
    assert answer["actualCapacity"] == 5.0
    assert fleet.instances() == {"demo-g5": 3, "demo-g6": 1, "demo-g4dn": 1}


def test_patch_accepts_an_integral_float(make_fleet):
    fleet = make_fleet(instances=IN_SYNC)
    response = fleet.patch(4.0)
    assert response["statusCode"] == 200
    assert body(response)["desiredCapacity"] == 4.0


def test_unknown_dimension_is_404_with_a_message(make_fleet):
    from fleet_autoscaler.handlers import scaling_api
    from tests.support.events import scaling_event

    fleet = make_fleet(instances=IN_SYNC)
    response = scaling_api.handler(scaling_event("GET", "other-fleet"), None)
    assert response["statusCode"] == 404
    assert isinstance(body(response)["message"], str)
    response = scaling_api.handler(scaling_event("PATCH", "other", {"desiredCapacity": 2}), None)
    assert response["statusCode"] == 404
    assert fleet.sm.calls == []


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "HEAD", "OPTIONS"])
def test_methods_other_than_get_and_patch_are_405(make_fleet, method):
    from fleet_autoscaler.handlers import scaling_api
    from tests.support.events import scaling_event

    make_fleet(instances=IN_SYNC)
    response = scaling_api.handler(scaling_event(method, "demo", {"desiredCapacity": 2}), None)
    assert response["statusCode"] == 405
    assert "message" in body(response)


@pytest.mark.parametrize(
    ("raw_body", "why"),
    [
        ("{not json", "malformed JSON"),
        ("", "empty body"),
        ("[1, 2]", "a list"),
        ('"5"', "a string document"),
        ("{}", "missing desiredCapacity"),
        ('{"desiredCapacity": "5"}', "a string"),
        ('{"desiredCapacity": true}', "a boolean"),
        ('{"desiredCapacity": 2.5}', "a fraction"),
        ('{"desiredCapacity": null}', "null"),
        ('{"desiredCapacity": NaN}', "NaN"),
        ('{"desiredCapacity": Infinity}', "infinity"),
        ('{"desiredCapacity": -1}', "below min_capacity"),
        ('{"desiredCapacity": 13}', "above max_capacity"),
    ],
)
def test_bad_patch_is_400_and_changes_nothing(make_fleet, raw_body, why):
    fleet = make_fleet(instances=IN_SYNC)
    fleet.get()
    before = fleet.item()
    response = fleet.patch(None, raw_body=raw_body)
    assert response["statusCode"] == 400, why
    message = body(response)["message"]
    assert isinstance(message, str) and message
    assert fleet.item() == before
    assert fleet.sm.calls == []


def test_bad_patch_on_a_fleet_without_state_creates_nothing(make_fleet):
    fleet = make_fleet(instances=IN_SYNC)
    response = fleet.patch(None, raw_body='{"desiredCapacity": 99}')
    assert response["statusCode"] == 400
    assert fleet.item() == {}


def test_repeated_patch_makes_no_sagemaker_call(make_fleet):
    fleet = make_fleet(instances=IN_SYNC, strategy="priority")
    fleet.patch(6)
    calls = list(fleet.sm.calls)
    version = fleet.item()["version"]
    desired_counts = {name: fleet.sm.desired(name) for name in fleet.endpoint_names}
    for _ in range(3):
        answer = body(fleet.patch(6))
        assert answer["desiredCapacity"] == 6.0
    assert fleet.sm.calls == calls
    assert fleet.item()["version"] == version
    assert {name: fleet.sm.desired(name) for name in fleet.endpoint_names} == desired_counts


def test_repeated_patch_after_success_is_a_no_op(make_fleet):
    fleet = make_fleet(instances=IN_SYNC, strategy="priority")
    fleet.patch(4)
    fleet.settle()
    calls = list(fleet.sm.calls)
    answer = body(fleet.patch(4))
    assert answer["scalingStatus"] == "Successful"
    assert fleet.sm.calls == calls


def test_latest_patch_wins_during_an_activity(make_fleet):
    fleet = make_fleet(instances=IN_SYNC, strategy="priority")
    fleet.patch(5)  # g5 1 -> 3, now Updating
    assert fleet.sm.calls == [("demo-g5", 3)]
    answer = body(fleet.patch(8))  # g5 is busy: g6 can take its share now
    assert answer["desiredCapacity"] == 8.0
    fleet.settle()
    answer = body(fleet.get())
    assert answer["desiredCapacity"] == 8.0
    assert answer["actualCapacity"] == 8.0
    assert answer["scalingStatus"] == "Successful"
    assert fleet.instances() == {"demo-g5": 4, "demo-g6": 3, "demo-g4dn": 1}


def test_patch_lower_while_scaling_out_converges_to_the_lower_value(make_fleet):
    fleet = make_fleet(instances=IN_SYNC, strategy="priority")
    fleet.patch(6)
    fleet.patch(2)
    fleet.settle()
    answer = body(fleet.get())
    assert (answer["desiredCapacity"], answer["actualCapacity"]) == (2.0, 2.0)
    assert answer["scalingStatus"] == "Successful"
    assert fleet.instances() == {"demo-g5": 2, "demo-g6": 0, "demo-g4dn": 0}


def test_pending_when_every_target_endpoint_is_updating(make_fleet):
    fleet = make_fleet(
        instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0},
        strategy="priority",
        endpoints=[
            {"name": "demo-g5", "max_instances": 4, "priority": 1},
            {"name": "demo-g6", "max_instances": 0, "priority": 2},
            {"name": "demo-g4dn", "max_instances": 0, "priority": 3},
        ],
        max_capacity=4,
    )
    fleet.patch(2)
    assert fleet.sm.status("demo-g5") == "Updating"
    answer = body(fleet.patch(3))
    assert answer["scalingStatus"] == "Pending"
    fleet.settle()
    assert body(fleet.get())["scalingStatus"] == "Successful"
    assert fleet.instances()["demo-g5"] == 3


def test_scale_to_zero_and_back(make_fleet):
    fleet = make_fleet(instances=IN_SYNC)
    answer = body(fleet.patch(0))
    assert answer["desiredCapacity"] == 0.0
    fleet.settle()
    answer = body(fleet.get())
    assert (answer["actualCapacity"], answer["scalingStatus"]) == (0.0, "Successful")
    assert fleet.instances() == {"demo-g5": 0, "demo-g6": 0, "demo-g4dn": 0}
    fleet.patch(2)
    fleet.settle()
    answer = body(fleet.get())
    assert (answer["actualCapacity"], answer["scalingStatus"]) == (2.0, "Successful")


def test_unreachable_capacity_reports_failed_with_a_reason(make_fleet):
    fleet = make_fleet(instances=IN_SYNC, strategy="priority")
    fleet.sm.set_status("demo-g6", "Failed")
    fleet.sm.set_status("demo-g4dn", "OutOfService")
    fleet.reconcile()
    fleet.patch(6)
    fleet.settle()
    answer = body(fleet.get())
    assert answer["actualCapacity"] == 4.0
    assert answer["scalingStatus"] == "Failed"
    assert "demo-g6" in answer["failureReason"]


def test_capacity_units_take_the_nearest_reachable_capacity_above(make_fleet):
    fleet = make_fleet(
        instances={"demo-g5": 0, "demo-g6": 0, "demo-g4dn": 0},
        strategy="priority",
        endpoints=[
            {"name": "demo-g5", "capacity_per_instance": 4, "max_instances": 2, "priority": 1},
            {"name": "demo-g6", "capacity_per_instance": 4, "max_instances": 2, "priority": 2},
            {"name": "demo-g4dn", "capacity_per_instance": 4, "max_instances": 2, "priority": 3},
        ],
        max_capacity=24,
    )
    fleet.patch(5)
    fleet.settle()
    answer = body(fleet.get())
    assert answer["desiredCapacity"] == 5.0
    assert answer["actualCapacity"] == 8.0
    assert answer["scalingStatus"] == "Successful"
    assert fleet.instances() == {"demo-g5": 2, "demo-g6": 0, "demo-g4dn": 0}


def test_error_bodies_never_echo_the_request(make_fleet):
    fleet = make_fleet(instances=IN_SYNC)
    secret = "s3cr3t-payload-marker"
    response = fleet.patch(None, raw_body='{"desiredCapacity": "' + secret + '"}')
    assert response["statusCode"] == 400
    assert secret not in response["body"]


def test_isolated_from_the_other_fleets_endpoints(make_fleet):
    fleet = make_fleet(instances=IN_SYNC, extra_endpoints={"demo-g5-canary": 2})
    fleet.patch(0)
    fleet.settle()
    assert SlowSageMaker().instances("demo-g5-canary") == 2
    assert all(name != "demo-g5-canary" for name, _ in fleet.sm.calls)


def test_version_stays_fixed_for_the_life_of_the_dimension(make_fleet):
    """AAS uses version to recognise the registered dimension; it is not a lock (12.4)."""
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 1}, strategy="priority")
    first = body(fleet.get())["version"]
    fleet.patch(5)
    fleet.settle()
    fleet.reconcile()
    fleet.patch(2)
    fleet.settle()
    answer = body(fleet.get())
    assert fleet.item()["version"] > 3  # the lock counter moved on every write
    assert answer["version"] == first
    assert answer["scalingStatus"] == "Successful"
    assert body(fleet.patch(2))["version"] == first


def test_a_recreated_dimension_gets_a_new_version(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    first = body(fleet.get())["version"]
    fleet.delete_item()
    fleet.clock.advance(60)
    assert body(fleet.get())["version"] != first
