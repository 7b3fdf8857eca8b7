"""Resource matching under a stage and the proxy events built from HTTP requests."""

from __future__ import annotations

import base64
import json

from local_api.events import HttpRequest, http_reply, proxy_event
from local_api.routes import ROUTER_RESOURCE, SCALING_RESOURCE, Route, match

ROUTES = [
    Route("router", ROUTER_RESOURCE, lambda event, context: None),
    Route("scaling", SCALING_RESOURCE, lambda event, context: None),
]


def test_paths_match_under_the_stage_only() -> None:
    staged = match(ROUTES, "/v1/endpoints/demo", "v1")
    assert staged is not None
    assert (staged.route.name, staged.stage, staged.path) == ("router", "v1", "/endpoints/demo")
    assert staged.parameters == {"fleet": "demo"}
    scaling = match(ROUTES, "/local/scalableTargetDimensions/my%20dim", "local")
    assert scaling is not None
    assert (scaling.stage, scaling.parameters) == ("local", {"scalableTargetDimensionId": "my dim"})


def test_unknown_paths_and_other_stages_do_not_match() -> None:
    for path in (
        "/",
        "/v1",
        "/v1/endpoints",
        "/v1/endpoints/demo/x",
        "/a/b/endpoints/demo",
        "/v9/endpoints/demo",
        "/endpoints/demo",
        "/scalableTargetDimensions/d",
    ):
        assert match(ROUTES, path, "v1") is None, path


def test_proxy_event_shape() -> None:
    request = HttpRequest(
        method="POST",
        raw_path="/v1/endpoints/demo",
        raw_query="a=1&a=2&b=",
        headers=[("InputLocation", "s3://b/k"), ("X-Multi", "1"), ("X-Multi", "2")],
        body=b"\xff\x00binary",
        source_ip="127.0.0.1",
    )
    event = proxy_event(request, ROUTER_RESOURCE, "/endpoints/demo", {"fleet": "demo"}, "v1", "AK")
    assert event["resource"] == ROUTER_RESOURCE
    assert event["path"] == "/endpoints/demo"
    assert event["pathParameters"] == {"fleet": "demo"}
    assert event["headers"]["X-Multi"] == "2"
    assert event["multiValueHeaders"]["X-Multi"] == ["1", "2"]
    assert event["queryStringParameters"] == {"a": "2", "b": ""}
    assert event["multiValueQueryStringParameters"]["a"] == ["1", "2"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\x00binary"
    assert event["requestContext"]["stage"] == "v1"
    assert event["requestContext"]["identity"]["accessKey"] == "AK"


def test_text_bodies_stay_text_and_empty_bodies_are_none() -> None:
    text = HttpRequest("PATCH", "/x", "", [], b'{"desiredCapacity": 3}', "::1")
    empty = HttpRequest("GET", "/x", "", [], b"", "::1")
    assert proxy_event(text, "/x", "/x", {}, "v1", None)["body"] == '{"desiredCapacity": 3}'
    assert proxy_event(empty, "/x", "/x", {}, "v1", None)["body"] is None


def test_http_reply_from_proxy_responses() -> None:
    reply = http_reply(
        {
            "statusCode": 503,
            "headers": {"Retry-After": "60"},
            "body": json.dumps({"message": "later"}),
        }
    )
    assert (reply.status, ("Retry-After", "60") in reply.headers) == (503, True)
    binary = http_reply({"statusCode": 200, "body": "AAE=", "isBase64Encoded": True})
    assert binary.body == b"\x00\x01"
    assert http_reply({"body": "no status"}).status == 502
    assert http_reply(None).status == 502
