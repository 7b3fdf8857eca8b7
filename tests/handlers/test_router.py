"""The weighted front door (DESIGN 3.5)."""

from __future__ import annotations

import base64
import json
import logging
from collections import Counter

import pytest

from local_api.runtime_errors import endpoint_not_found
from tests.support.harness import body
from tests.support.runtime_spy import CallCounter, install_runtime_spy

ASYNC_HEADERS = {"InputLocation": "s3://bucket/requests/1.csv", "ContentType": "text/csv"}
DYNAMODB_WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


def realtime_config(**overrides):
    config = {
        "invocation_mode": "realtime",
        "min_capacity": 3,
        "endpoints": [
            {"name": "demo-g5", "min_instances": 1, "max_instances": 4, "priority": 1},
            {"name": "demo-g6", "min_instances": 1, "max_instances": 4, "priority": 2},
            {"name": "demo-g4dn", "min_instances": 1, "max_instances": 4, "priority": 3},
        ],
    }
    config.update(overrides)
    return config


def test_async_request_is_routed_and_answers_where_the_result_will_be(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    spy = install_runtime_spy()
    response = fleet.route(ASYNC_HEADERS | {"InferenceId": "req-1"})
    assert response["statusCode"] == 200
    answer = body(response)
    assert answer["EndpointName"] == "demo-g5"
    assert answer["InferenceId"]
    assert answer["OutputLocation"]
    assert spy.calls == [
        {
            "operation": "InvokeEndpointAsync",
            "EndpointName": "demo-g5",
            "InputLocation": "s3://bucket/requests/1.csv",
            "ContentType": "text/csv",
            "InferenceId": "req-1",
        }
    ]


def test_weights_follow_in_service_capacity_without_bursts(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 2, "demo-g6": 1, "demo-g4dn": 1})
    spy = install_runtime_spy()
    for _ in range(40):
        assert fleet.route(ASYNC_HEADERS)["statusCode"] == 200
    assert Counter(spy.endpoints) == {"demo-g5": 20, "demo-g6": 10, "demo-g4dn": 10}
    # Smooth: after every request each endpoint's share is within one request of its weight.
    weights = {"demo-g5": 2, "demo-g6": 1, "demo-g4dn": 1}
    seen: Counter[str] = Counter()
    for n, endpoint in enumerate(spy.endpoints, start=1):
        seen[endpoint] += 1
        for name, weight in weights.items():
            assert abs(seen[name] - n * weight / 4) <= 1


def test_headers_are_case_insensitive_and_content_type_is_accepted(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    spy = install_runtime_spy()
    headers = {
        "inputlocation": "s3://bucket/x",
        "Content-Type": "application/json",
        "ACCEPT": "application/json",
        "customAttributes": "trace=1",
        "InvocationTimeoutSeconds": "900",
        "requestttlseconds": "3600",
    }
    assert fleet.route(headers)["statusCode"] == 200
    call = spy.calls[0]
    assert call["InputLocation"] == "s3://bucket/x"
    assert call["ContentType"] == "application/json"
    assert call["Accept"] == "application/json"
    assert call["CustomAttributes"] == "trace=1"
    assert call["InvocationTimeoutSeconds"] == 900
    assert call["RequestTTLSeconds"] == 3600


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (None, 400),
        ({}, 400),
        ({"ContentType": "text/csv"}, 400),
        ({"InputLocation": "https://example.com/x"}, 400),
        ({"InputLocation": "s3://bucket/k", "InvocationTimeoutSeconds": "0"}, 400),
        ({"InputLocation": "s3://bucket/k", "InvocationTimeoutSeconds": "abc"}, 400),
        ({"InputLocation": "s3://bucket/k", "RequestTTLSeconds": "59"}, 400),
        ({"InputLocation": "s3://bucket/k", "InferenceId": "x" * 65}, 400),
        # Issue 12.6: digits that are not ASCII, and numbers too long for int().
        ({"InputLocation": "s3://bucket/k", "InvocationTimeoutSeconds": "\u00b2"}, 400),
        ({"InputLocation": "s3://bucket/k", "InvocationTimeoutSeconds": "\u0663\u0660"}, 400),
        ({"InputLocation": "s3://bucket/k", "RequestTTLSeconds": "9" * 5000}, 400),
        ({"InputLocation": "s3://bucket/k", "RequestTTLSeconds": "0" * 30 + "60"}, 400),
        ({"InputLocation": "s3://bucket/k", "RequestTTLSeconds": "+60"}, 400),
        ({"InputLocation": "s3://bucket/k", "RequestTTLSeconds": "6_000"}, 400),
        # InputLocation must be s3://bucket/key with a valid bucket and a key.
        ({"InputLocation": "s3://"}, 400),
        ({"InputLocation": "s3://b"}, 400),
        ({"InputLocation": "s3://bucket"}, 400),
        ({"InputLocation": "s3://bucket/"}, 400),
        ({"InputLocation": "s3:///key"}, 400),
        ({"InputLocation": "s3://ab/key"}, 400),
        ({"InputLocation": "s3://Bucket/key"}, 400),
        ({"InputLocation": "s3://my_bucket/key"}, 400),
        ({"InputLocation": "s3://-bucket/key"}, 400),
        ({"InputLocation": "s3://bucket-/key"}, 400),
        ({"InputLocation": "s3://my..bucket/key"}, 400),
        ({"InputLocation": "s3://192.168.1.1/key"}, 400),
        ({"InputLocation": "s3://" + "a" * 64 + "/key"}, 400),
        ({"InputLocation": "S3://bucket/key"}, 400),
    ],
)
def test_bad_requests_are_400_and_invoke_nothing(make_fleet, headers, status):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    spy = install_runtime_spy()
    response = fleet.route(headers)
    assert response["statusCode"] == status
    assert isinstance(body(response)["message"], str)
    assert spy.calls == []


def test_unknown_fleet_is_404(make_fleet):
    from fleet_autoscaler.handlers import router
    from tests.support.events import router_event

    make_fleet(instances={"demo-g5": 1})
    spy = install_runtime_spy()
    response = router.handler(router_event("other", ASYNC_HEADERS), None)
    assert response["statusCode"] == 404
    assert "message" in body(response)
    assert spy.calls == []


def test_only_post_is_allowed(make_fleet):
    from fleet_autoscaler.handlers import router
    from tests.support.events import router_event

    make_fleet(instances={"demo-g5": 1})
    response = router.handler(router_event("demo", ASYNC_HEADERS, method="GET"), None)
    assert response["statusCode"] == 405


def test_errors_never_echo_the_request_or_its_headers(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 1})
    marker = "SECRET-MARKER-42"
    for headers in (
        {"InputLocation": f"file:///{marker}"},
        {"InputLocation": "s3://bucket/k", "InferenceId": marker * 10},
        {"InputLocation": "s3://bucket/k", "RequestTTLSeconds": marker},
    ):
        response = fleet.route(headers)
        assert response["statusCode"] == 400
        assert marker not in json.dumps(response)


def test_async_fleet_at_zero_routes_to_the_wake_endpoint(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 0, "demo-g6": 0, "demo-g4dn": 0})
    spy = install_runtime_spy()
    response = fleet.route(ASYNC_HEADERS)
    assert response["statusCode"] == 200
    assert body(response)["EndpointName"] == "demo-g5"
    assert spy.endpoints == ["demo-g5"]


def test_wake_endpoint_skips_an_endpoint_that_cannot_grow(make_fleet):
    fleet = make_fleet(
        instances={"demo-g5": 0, "demo-g6": 0, "demo-g4dn": 0},
        strategy="priority",
        endpoints=[
            {"name": "demo-g5", "max_instances": 0, "priority": 1},
            {"name": "demo-g6", "max_instances": 4, "priority": 2},
            {"name": "demo-g4dn", "max_instances": 4, "priority": 3},
        ],
        max_capacity=8,
    )
    fleet.get()
    fleet.patch(1)
    fleet.roll_back("demo-g6")  # g6 cannot get capacity: blocked
    fleet.sm.set_instances("demo-g4dn", 0)
    fleet.reconcile()
    spy = install_runtime_spy()
    fleet.clock.advance(60)
    response = fleet.route(ASYNC_HEADERS)
    assert body(response)["EndpointName"] == "demo-g4dn"
    assert spy.endpoints == ["demo-g4dn"]


def test_failover_to_another_endpoint_on_a_retryable_error(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 1})
    spy = install_runtime_spy()
    spy.failures["demo-g5"] = "ServiceUnavailable"
    for _ in range(6):
        response = fleet.route(ASYNC_HEADERS)
        assert response["statusCode"] == 200
        assert body(response)["EndpointName"] != "demo-g5"


def test_failover_is_bounded_and_ends_in_503_with_retry_after(make_fleet):
    fleet = make_fleet(
        instances={"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 1}, max_failover_attempts=1
    )
    spy = install_runtime_spy()
    for name in fleet.endpoint_names:
        spy.failures[name] = "ThrottlingException"
    response = fleet.route(ASYNC_HEADERS)
    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"]
    assert len(spy.calls) == 2


def test_non_retryable_errors_do_not_fail_over(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 1})
    spy = install_runtime_spy()
    for name in fleet.endpoint_names:
        spy.failures[name] = "ValidationError"  # the runtime API's code for a bad request
    response = fleet.route(ASYNC_HEADERS)
    assert response["statusCode"] == 400
    assert len(spy.calls) == 1


def test_an_endpoint_deleted_behind_the_state_fails_over(make_fleet):
    # SageMaker's answer for a missing endpoint is a ValidationError "... not found."
    # (botocore's service model names the code ValidationError, not ValidationException).
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 1})
    spy = install_runtime_spy()
    spy.raises["demo-g5"] = endpoint_not_found("demo-g5")
    for _ in range(6):
        response = fleet.route(ASYNC_HEADERS)
        assert response["statusCode"] == 200
        assert body(response)["EndpointName"] != "demo-g5"


def test_router_never_writes_to_dynamodb_even_without_a_state_item(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 2, "demo-g4dn": 0})
    counter = CallCounter().attach("dynamodb", "sagemaker")
    for _ in range(5):
        assert fleet.route(ASYNC_HEADERS)["statusCode"] == 200
    assert counter.count("dynamodb", DYNAMODB_WRITES) == 0
    assert counter.count("sagemaker", ("DescribeEndpoint",)) == 3  # one snapshot, 3 endpoints
    assert fleet.item() == {}


def test_router_never_invokes_an_endpoint_outside_the_fleet(make_fleet):
    fleet = make_fleet(
        instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0}, extra_endpoints={"demo-g5-x": 5}
    )
    spy = install_runtime_spy()
    for _ in range(10):
        fleet.route(ASYNC_HEADERS)
    assert set(spy.endpoints) == {"demo-g5"}


def test_weights_are_cached_for_the_ttl_then_refreshed(make_fleet):
    fleet = make_fleet(
        instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0},
        strategy="priority",
        router_cache_ttl_seconds=5,
    )
    fleet.get()
    spy = install_runtime_spy()
    fleet.route(ASYNC_HEADERS)
    fleet.patch(2)
    fleet.sm.set_instances("demo-g5", 0)
    fleet.sm.set_instances("demo-g6", 2)
    # g5 fails: otherwise the plan grows it back to 2, and an async request queues
    # where capacity is on its way (routing.queue_weights), which would be g5 again.
    fleet.sm.set_status("demo-g5", "Failed")
    fleet.reconcile()
    fleet.route(ASYNC_HEADERS)
    assert spy.endpoints == ["demo-g5", "demo-g5"]  # still the cached view
    fleet.clock.advance(5)
    fleet.route(ASYNC_HEADERS)
    assert spy.endpoints[-1] == "demo-g6"


def test_realtime_request_passes_the_body_and_returns_the_model_response(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 1}, **realtime_config())
    spy = install_runtime_spy()
    response = fleet.route(
        {"Content-Type": "text/csv", "Accept": "application/json"}, body="100,50"
    )
    assert response["statusCode"] == 200
    # moto's canned model response: Body "body" with ContentType "content_type", which
    # is no text type, so the router returns it base64-encoded.
    assert response["isBase64Encoded"] is True
    assert base64.b64decode(response["body"]) == b"body"
    assert response["headers"]["X-Fleet-Endpoint"] in fleet.endpoint_names
    assert spy.calls[0]["Body"] == b"100,50"
    assert spy.calls[0]["ContentType"] == "text/csv"


def test_realtime_binary_body_is_decoded(make_fleet):
    make_fleet(instances={"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 1}, **realtime_config())
    spy = install_runtime_spy()
    from fleet_autoscaler.handlers import router
    from tests.support.events import router_event

    event = router_event(
        "demo",
        {"Content-Type": "application/octet-stream"},
        body=base64.b64encode("café".encode()).decode(),
    )
    event["isBase64Encoded"] = True
    assert router.handler(event, None)["statusCode"] == 200
    assert spy.calls[0]["Body"] == "café".encode()


def test_realtime_fleet_without_capacity_is_503_with_retry_after(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 1}, **realtime_config())
    for name in fleet.endpoint_names:
        fleet.sm.set_status(name, "OutOfService")
    spy = install_runtime_spy()
    response = fleet.route({"Content-Type": "text/csv"}, body="1,1")
    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"]
    assert "message" in body(response)
    assert spy.calls == []


def test_realtime_request_without_body_is_400(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 1}, **realtime_config())
    assert fleet.route({"Content-Type": "text/csv"})["statusCode"] == 400


@pytest.mark.parametrize(
    "location",
    ["s3://abc/k", "s3://my.bucket-1/a/b/c.csv", "s3://" + "a" * 63 + "/key", "s3://b-1/ä.json"],
)
def test_valid_input_locations_are_accepted(make_fleet, location):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    spy = install_runtime_spy()
    headers = {"InputLocation": location, "RequestTTLSeconds": "000060"}
    assert fleet.route(headers)["statusCode"] == 200
    assert spy.calls[0]["InputLocation"] == location
    assert spy.calls[0]["RequestTTLSeconds"] == 60


def test_an_async_fleet_without_input_location_says_it_takes_an_s3_input(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    response = fleet.route({"Content-Type": "text/csv"}, body="1,2,3")
    assert response["statusCode"] == 400
    message = body(response)["message"]
    assert "async fleet takes an S3 input" in message
    assert "--upload" in message and "--input-location" in message


def test_an_unhandled_error_logs_message_and_traceback_but_no_payload(
    make_fleet, monkeypatch, logs
):
    from fleet_autoscaler import runtime

    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    marker = "SECRET-MARKER-42"

    def broken() -> None:
        raise RuntimeError("view is broken")

    monkeypatch.setattr(runtime.fleet_view(), "snapshot", broken)
    response = fleet.route(ASYNC_HEADERS | {"CustomAttributes": marker}, body=marker)
    assert response["statusCode"] == 500
    errors = [line for line in logs if line.get("message", "") == "unhandled error"]
    assert errors[0]["error"] == "RuntimeError"
    assert errors[0]["error_message"] == "view is broken"
    assert "in broken" in errors[0]["traceback"]
    assert marker not in json.dumps(logs)


def _routed(logs):
    return [line for line in logs if line.get("message") == "routed"]


def test_each_routed_async_request_carries_the_burst_signal_in_emf(make_fleet, logs):
    fleet = make_fleet(instances={"demo-g5": 2, "demo-g6": 2, "demo-g4dn": 0})  # 4 units
    install_runtime_spy()
    fleet.clock.advance(12.5)
    assert fleet.route(ASYNC_HEADERS)["statusCode"] == 200
    [line] = _routed(logs)
    assert line["RoutedPerCapacity"] == 0.25 and line["Fleet"] == "demo"
    assert line["endpoint"] in {"demo-g5", "demo-g6"} and line["fleet_capacity"] == 4
    [directive] = line["_aws"]["CloudWatchMetrics"]
    assert directive == {
        "Namespace": fleet.config.get("metrics_namespace", "SageMakerFleet"),
        "Dimensions": [["Fleet"]],
        "Metrics": [{"Name": "RoutedPerCapacity", "Unit": "None", "StorageResolution": 1}],
    }
    assert line["_aws"]["Timestamp"] == int(fleet.clock.now * 1000)


def test_the_burst_signal_is_written_whatever_the_log_level(make_fleet, logs):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    install_runtime_spy()
    logging.getLogger("fleet_autoscaler").setLevel(logging.WARNING)
    assert fleet.route(ASYNC_HEADERS)["statusCode"] == 200
    assert [line["RoutedPerCapacity"] for line in _routed(logs)] == [1.0]


def test_no_burst_signal_when_the_config_turns_it_off(make_fleet, logs):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0}, burst_signal=False)
    install_runtime_spy()
    assert fleet.route(ASYNC_HEADERS)["statusCode"] == 200
    [line] = _routed(logs)
    assert "_aws" not in line and "RoutedPerCapacity" not in line


def test_no_burst_signal_for_a_realtime_fleet(make_fleet, logs):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 1}, **realtime_config())
    install_runtime_spy()
    assert fleet.route({"ContentType": "text/csv"}, body="1,2")["statusCode"] == 200
    [line] = _routed(logs)
    assert "_aws" not in line and "RoutedPerCapacity" not in line


def test_the_burst_signal_divides_by_capacity_in_service_not_capacity_on_its_way(make_fleet, logs):
    # A burst that arrives while the plan grows the fleet must read at full strength: the
    # async routing weights count the growth's targets (routing.queue_weights), but only
    # instances in service serve the burst now. Divided by the targets, the burst alarm
    # sized its first step for a quarter of a spike (simulator, spike seed 1).
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    install_runtime_spy()
    assert fleet.patch(4)["statusCode"] == 200  # desired 4: the plan grows, nothing new serves
    fleet.clock.advance(30)  # past the router's cache TTL
    assert fleet.route(ASYNC_HEADERS)["statusCode"] == 200
    [line] = _routed(logs)
    assert line["fleet_capacity"] == 1
    assert line["RoutedPerCapacity"] == 1.0
