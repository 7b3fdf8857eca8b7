"""The router under real limits: one attempt, a time budget, binary bodies, sizes (12.5)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from fleet_autoscaler import aws
from fleet_autoscaler.handlers import router
from tests.handlers.test_router import ASYNC_HEADERS, realtime_config
from tests.support.events import router_event
from tests.support.harness import body
from tests.support.runtime_spy import CallCounter, install_runtime_spy

ALL_ONE = {"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 1}
SIX_MB = 6 * 1024 * 1024


@dataclass
class LambdaContext:
    remaining_ms: int

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


class _Raw:
    def stream(self, **_: Any) -> Any:
        yield b'{"message": "service unavailable"}'


def test_the_runtime_client_makes_one_attempt_per_call(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    sent: list[str] = []

    def unavailable(request: Any, **_: Any) -> AWSResponse:
        sent.append(request.url)
        return AWSResponse(request.url, 503, {"x-amzn-ErrorType": "ServiceUnavailable"}, _Raw())

    aws.on_new_client(
        lambda service, client: (
            service == "sagemaker-runtime"
            and client.meta.events.register("before-send.sagemaker-runtime.*", unavailable)
        )
    )
    response = fleet.route(ASYNC_HEADERS)
    # Standard retries would send each attempt three times; failover moved on instead.
    assert response["statusCode"] == 503
    assert len(sent) == 1  # g5 is the only endpoint with capacity and weight


def test_read_timeout_comes_from_the_time_the_function_has_left(make_fleet, monkeypatch):
    make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    spy = install_runtime_spy()
    timeouts: list[int] = []

    def runtime_client(read_timeout: int) -> Any:
        timeouts.append(read_timeout)
        return spy

    monkeypatch.setattr(aws, "runtime_client", runtime_client)
    event = router_event("demo", ASYNC_HEADERS)
    assert router.handler(event, LambdaContext(29_000))["statusCode"] == 200
    assert router.handler(event, LambdaContext(9_000))["statusCode"] == 200
    assert timeouts == [25, 7]


def test_no_attempt_starts_without_time_to_answer(make_fleet):
    make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    spy = install_runtime_spy()
    response = router.handler(router_event("demo", ASYNC_HEADERS), LambdaContext(1_500))
    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"]
    assert spy.calls == []


def test_a_read_timeout_is_504_and_is_not_sent_to_another_endpoint(make_fleet):
    fleet = make_fleet(instances=ALL_ONE, **realtime_config())
    spy = install_runtime_spy()
    for name in fleet.endpoint_names:
        spy.raises[name] = ReadTimeoutError(endpoint_url=f"https://runtime/{name}")
    response = fleet.route({"Content-Type": "text/csv"}, body="1,2")
    assert response["statusCode"] == 504
    assert len(spy.calls) == 1  # the model may be running it: never twice


def test_a_connection_error_fails_over(make_fleet):
    fleet = make_fleet(instances=ALL_ONE, **realtime_config())
    spy = install_runtime_spy()
    first = fleet.endpoint_names[0]
    spy.raises[first] = EndpointConnectionError(endpoint_url="https://runtime")
    spy.replies = {
        name: {"Body": b"ok", "ContentType": "text/plain"} for name in fleet.endpoint_names
    }
    statuses = [fleet.route({"Content-Type": "text/csv"}, body="1")["statusCode"] for _ in range(3)]
    assert statuses == [200, 200, 200]


def test_binary_responses_are_base64_encoded_and_text_is_not(make_fleet):
    fleet = make_fleet(instances=ALL_ONE, **realtime_config())
    spy = install_runtime_spy()
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    ascii_binary = b"GIF89a-looks-like-text"
    replies = {
        "demo-g5": {"Body": png, "ContentType": "image/png"},
        "demo-g6": {"Body": ascii_binary, "ContentType": "image/gif"},
        "demo-g4dn": {"Body": '{"a": "é"}'.encode(), "ContentType": "application/json"},
    }
    spy.replies = replies
    seen = {}
    for _ in range(3):
        response = fleet.route({"Content-Type": "application/octet-stream"}, body="x")
        seen[response["headers"]["X-Fleet-Endpoint"]] = response
    assert seen["demo-g5"]["isBase64Encoded"] is True
    assert base64.b64decode(seen["demo-g5"]["body"]) == png
    assert seen["demo-g6"]["isBase64Encoded"] is True  # binary type, even if it decodes
    assert base64.b64decode(seen["demo-g6"]["body"]) == ascii_binary
    assert seen["demo-g4dn"]["isBase64Encoded"] is False
    assert seen["demo-g4dn"]["body"] == '{"a": "é"}'


def test_a_binary_request_body_reaches_the_model_unchanged(make_fleet):
    fleet = make_fleet(instances=ALL_ONE, **realtime_config())
    spy = install_runtime_spy()
    ok = {"Body": b"ok", "ContentType": "text/plain"}
    spy.replies = {name: ok for name in fleet.endpoint_names}
    payload = bytes(range(256)) * 4
    event = router_event(
        "demo",
        {"Content-Type": "application/octet-stream"},
        body=base64.b64encode(payload).decode(),
    )
    event["isBase64Encoded"] = True
    assert router.handler(event, None)["statusCode"] == 200
    assert spy.calls[0]["Body"] == payload


def test_a_response_over_the_lambda_limit_is_413_not_502(make_fleet):
    fleet = make_fleet(instances=ALL_ONE, **realtime_config())
    spy = install_runtime_spy()
    big = {"Body": b"\x00" * (5 * 1024 * 1024), "ContentType": "application/octet-stream"}
    spy.replies = {name: big for name in fleet.endpoint_names}  # 5 MB -> 6.7 MB as base64
    response = fleet.route({"Content-Type": "text/csv"}, body="1")
    assert response["statusCode"] == 413
    assert "6 MB" in body(response)["message"]


def test_a_request_over_the_lambda_limit_is_413(make_fleet):
    fleet = make_fleet(instances=ALL_ONE, **realtime_config())
    spy = install_runtime_spy()
    response = fleet.route({"Content-Type": "text/csv"}, body="1" * SIX_MB)
    assert response["statusCode"] == 413
    assert "6 MB" in body(response)["message"]
    assert spy.calls == []


def test_a_failed_state_read_serves_from_the_last_snapshot(make_fleet, monkeypatch, logs):
    fleet = make_fleet(instances={"demo-g5": 2, "demo-g6": 0, "demo-g4dn": 0})
    fleet.get()
    spy = install_runtime_spy()
    assert fleet.route(ASYNC_HEADERS)["statusCode"] == 200
    client = aws.client("dynamodb")

    def failing_get_item(**_: Any) -> Any:
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "boom"}}, "GetItem")

    monkeypatch.setattr(client, "get_item", failing_get_item)
    fleet.clock.advance(60)
    for _ in range(3):
        assert fleet.route(ASYNC_HEADERS)["statusCode"] == 200
    assert spy.endpoints == ["demo-g5"] * 4
    warnings = [line for line in logs if line.get("message", "").startswith("state read failed")]
    assert warnings and warnings[0]["error"] == "ClientError"


def test_a_missing_item_does_not_make_every_request_describe_the_fleet(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 2, "demo-g4dn": 0})
    counter = CallCounter().attach("dynamodb", "sagemaker")
    for _ in range(60):  # one request every 5 s for 5 minutes, TTL 5 s
        assert fleet.route(ASYNC_HEADERS)["statusCode"] == 200
        fleet.clock.advance(5)
    rebuilds = counter.count("sagemaker", ("DescribeEndpoint",)) // 3
    assert rebuilds == 6  # at 0, 10, 30, 70, 150 and 270 s instead of 60 rebuilds
    assert counter.count("dynamodb", ("GetItem",)) == 60  # the item is still looked for
    fleet.get()  # another function creates the item: the router uses it at once
    fleet.clock.advance(5)
    before = counter.count("sagemaker", ("DescribeEndpoint",))
    fleet.route(ASYNC_HEADERS)
    assert counter.count("sagemaker", ("DescribeEndpoint",)) == before
