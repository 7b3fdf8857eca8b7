"""URLs, retries and error messages of the client, with a fake transport."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping

import pytest
from botocore.credentials import ReadOnlyCredentials

from fleet_client.cli import main
from fleet_client.client import AsyncRequest, FleetClient
from fleet_client.errors import AccessDenied, FleetClientError, NotFound, Unavailable, UsageError
from fleet_client.retry import RetryPolicy
from fleet_client.signing import Identity
from fleet_client.transport import HttpResponse
from fleet_client.urls import parse_api_url

REAL = "https://abc123def4.execute-api.eu-west-1.amazonaws.com/prod"


def test_a_real_invoke_url_names_region_api_and_stage() -> None:
    api, named = parse_api_url(REAL + "/endpoints/demo/")
    assert (api.base, api.region, api.api_id, api.stage, named) == (
        REAL,
        "eu-west-1",
        "abc123def4",
        "prod",
        "demo",
    )
    assert api.router_url("a b") == REAL + "/endpoints/a%20b"
    local, none = parse_api_url("http://127.0.0.1:8787/v1")
    assert (local.region, local.stage, none) == (None, "v1", None)
    with pytest.raises(UsageError):
        parse_api_url("ftp://x")


def test_retry_after_is_honoured_and_capped_and_backoff_is_bounded() -> None:
    policy = RetryPolicy(base_seconds=1.0, max_wait_seconds=10.0, rand=lambda: 1.0)
    assert policy.delay(1, "3") == 3.0
    assert policy.delay(1, "600") == 10.0
    assert [policy.delay(n, None) for n in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 8.0, 10.0]
    assert policy.delay(1, "Wed, 21 Oct 2026 07:28:00 GMT") == 1.0


class FakeApi:
    def __init__(self, *responses: HttpResponse) -> None:
        self.responses = list(responses)
        self.requests: list[tuple[str, str, Mapping[str, str]]] = []

    def __call__(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None, timeout: float
    ) -> HttpResponse:
        self.requests.append((method, url, headers))
        return self.responses.pop(0)


def reply(status: int, body: object, **headers: str) -> HttpResponse:
    return HttpResponse(status, headers, json.dumps(body).encode())


def make_client(api: FakeApi, sleeps: list[float]) -> FleetClient:
    identity = Identity(ReadOnlyCredentials("AKID", "secret", None), "eu-west-1")
    return FleetClient(
        router=parse_api_url(REAL)[0],
        identity=identity,
        retry=RetryPolicy(attempts=3, sleep=sleeps.append, rand=lambda: 0.5),
        sender=api,
    )


def test_async_invoke_sends_signed_async_headers() -> None:
    ok = reply(200, {"EndpointName": "e1", "InferenceId": "i", "OutputLocation": "s3://b/o"})
    api = FakeApi(ok)
    result = make_client(api, []).invoke_async(
        "demo", AsyncRequest("s3://b/in", content_type="text/csv", request_ttl_seconds=120)
    )
    method, url, headers = api.requests[0]
    assert (method, url) == ("POST", REAL + "/endpoints/demo")
    assert headers["InputLocation"] == "s3://b/in"
    assert headers["ContentType"] == "text/csv"
    assert headers["RequestTTLSeconds"] == "120"
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKID/")
    assert "/eu-west-1/execute-api/aws4_request" in headers["Authorization"]
    assert (result.endpoint_name, result.output_location) == ("e1", "s3://b/o")


def test_a_queued_answer_names_no_endpoint_and_keeps_the_promised_location() -> None:
    queued = {
        "InferenceId": "q-1",
        "OutputLocation": "s3://b/results/q-1.out",
        "FailureLocation": "s3://b/failures/q-1.out",
        "EndpointName": None,
        "Dispatch": "queued",
    }
    result = make_client(FakeApi(reply(200, queued)), []).invoke_async(
        "demo", AsyncRequest("s3://b/in", inference_id="q-1")
    )
    assert result.queued and result.endpoint_name is None
    assert result.output_location == "s3://b/results/q-1.out"
    assert result.failure_location == "s3://b/failures/q-1.out"


@pytest.mark.parametrize(
    "body",
    [
        {"InferenceId": "i", "OutputLocation": "s3://b/o"},  # no EndpointName at all
        {"EndpointName": None, "InferenceId": "i"},  # queued but nothing to wait for
        {"EndpointName": "", "OutputLocation": "s3://b/o"},
    ],
)
def test_an_answer_without_endpoint_or_queued_location_is_an_error(body: dict) -> None:
    with pytest.raises(FleetClientError, match="naming the endpoint"):
        make_client(FakeApi(reply(200, body)), []).invoke_async("demo", AsyncRequest("s3://b"))


def test_503_is_retried_with_backoff_then_succeeds() -> None:
    busy = reply(503, {"message": "no capacity"}, **{"Retry-After": "2"})
    ok = reply(200, {"EndpointName": "e1"})
    sleeps: list[float] = []
    api = FakeApi(busy, reply(429, {"message": "slow down"}), ok)
    make_client(api, sleeps).invoke_async("demo", AsyncRequest("s3://b/in"))
    assert sleeps == [2.0, 1.0]  # Retry-After, then full jitter of 2 s
    assert len(api.requests) == 3


def test_retries_are_bounded() -> None:
    busy = reply(503, {"message": "no capacity"}, **{"Retry-After": "1"})
    sleeps: list[float] = []
    with pytest.raises(Unavailable, match="gave up after 3 attempts") as raised:
        make_client(FakeApi(busy, busy, busy), sleeps).invoke_async("demo", AsyncRequest("s3://b"))
    assert raised.value.exit_code == 6
    assert sleeps == [1.0, 1.0]


def test_403_names_the_missing_permission() -> None:
    denied = reply(
        403,
        {
            "Message": "User: arn:aws:sts::111122223333:assumed-role/app/x is not authorized to "
            "perform: execute-api:Invoke on resource: "
            "arn:aws:execute-api:eu-west-1:111122223333:abc123def4/prod/POST/endpoints/demo"
        },
    )
    with pytest.raises(AccessDenied) as raised:
        make_client(FakeApi(denied), []).invoke_async("demo", AsyncRequest("s3://b/in"))
    text = raised.value.message
    assert (
        "lacks permission execute-api:Invoke on arn:aws:execute-api:eu-west-1:111122223333:" in text
    )
    assert raised.value.exit_code == 4
    plain = reply(403, {"message": "Forbidden"})
    with pytest.raises(AccessDenied, match="abc123def4/prod/GET/scalableTargetDimensions/demo"):
        make_client(FakeApi(plain), []).dimension("demo")


def test_404_is_a_missing_fleet() -> None:
    with pytest.raises(NotFound, match="no fleet named 'other'"):
        make_client(FakeApi(reply(404, {"message": "no such fleet"})), []).invoke_async(
            "other", AsyncRequest("s3://b/in")
        )


def test_missing_credentials_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    out, err = io.StringIO(), io.StringIO()
    code = main(["status", "--url", REAL, "--fleet", "demo"], out, err)
    assert code == 3
    assert "no AWS credentials found" in err.getvalue()
    assert "Traceback" not in err.getvalue()


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    err = io.StringIO()
    assert main(["status", "--url", "http://127.0.0.1:1/v1"], io.StringIO(), err) == 2
    assert "no fleet" in err.getvalue()
    with pytest.raises(SystemExit) as raised:
        main(["invoke", "--url", REAL])
    assert raised.value.code == 2
