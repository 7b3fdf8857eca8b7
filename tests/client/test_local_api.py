"""LocalApi with stand-in handlers: auth like AWS_IAM, stages, errors, listener, retries."""

from __future__ import annotations

import io
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fleet_client.cli import main
from local_api import LocalApi, RoutedInvocation


class Recorder:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.answers: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.events.append(event)
        if self.answers:
            return self.answers.pop(0)
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps(
                {"EndpointName": "e1", "InferenceId": "i1", "OutputLocation": "s3://b/out"}
            ),
        }


@pytest.fixture
def stub() -> Iterator[tuple[LocalApi, Recorder, list[RoutedInvocation]]]:
    router = Recorder()
    seen: list[RoutedInvocation] = []
    api = LocalApi(
        router,
        lambda event, context: 1 / 0,
        authorize=lambda key, method, path: key != "blocked",
        credentials={"testing": "testing", "blocked": "blocked"},
        on_invocation=seen.append,
    )
    api.start()
    yield api, router, seen
    api.stop()


def http(method: str, url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def test_unsigned_and_unknown_requests_get_403(stub: tuple[LocalApi, Recorder, Any]) -> None:
    api, router, _ = stub
    assert http("POST", api.url + "/endpoints/demo") == (
        403,
        {"message": "Missing Authentication Token"},
    )
    assert http("POST", api.root_url + "/nowhere")[0] == 403
    forged = {"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/"}
    assert http("POST", api.url + "/endpoints/demo", forged)[0] == 403
    assert router.events == []


def cli(api: LocalApi, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([*args, "--url", api.url, "--fleet", "demo", "--region", "us-east-1"], out, err)
    return code, out.getvalue(), err.getvalue()


def test_signed_request_reaches_the_handler_as_a_proxy_event(
    stub: tuple[LocalApi, Recorder, list[RoutedInvocation]],
) -> None:
    api, router, seen = stub
    code, out, _ = cli(api, "invoke", "--input-location", "s3://b/in", "--inference-id", "i1")
    assert code == 0
    assert json.loads(out)["EndpointName"] == "e1"
    event = router.events[-1]
    assert event["path"] == "/endpoints/demo"
    assert event["pathParameters"] == {"fleet": "demo"}
    assert event["requestContext"]["stage"] == "v1"
    headers = {name.lower(): value for name, value in event["headers"].items()}
    assert headers["inputlocation"] == "s3://b/in"
    assert [(s.endpoint_name, s.input_location, s.output_location) for s in seen] == [
        ("e1", "s3://b/in", "s3://b/out")
    ]


def test_503_retry_after_is_retried_then_succeeds(
    stub: tuple[LocalApi, Recorder, Any],
) -> None:
    api, router, _ = stub
    busy = {
        "statusCode": 503,
        "headers": {"Retry-After": "60", "Content-Type": "application/json"},
        "body": json.dumps({"message": "the fleet has no in-service capacity; retry later"}),
    }
    router.answers = [busy, busy]
    code, _, err = cli(api, "invoke", "--input-location", "s3://b/in", "--max-retry-wait", "0.01")
    assert code == 0, err
    assert err.count("503 the fleet has no in-service capacity") == 2
    router.answers = [busy, busy, busy]
    code, _, err = cli(
        api, "invoke", "--input-location", "s3://b/in", "--retries", "2", "--max-retry-wait", "0"
    )
    assert code == 6
    assert "gave up after 3 attempts" in err


def test_a_denied_caller_is_told_the_permission(
    stub: tuple[LocalApi, Recorder, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    api, _, _ = stub
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "blocked")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "blocked")
    code, _, err = cli(api, "invoke", "--input-location", "s3://b/in")
    assert code == 4
    assert "lacks permission execute-api:Invoke on arn:aws:execute-api:us-east-1:" in err
    assert "/v1/POST/endpoints/demo" in err


def test_a_crashing_handler_is_a_502_not_a_dead_server(
    stub: tuple[LocalApi, Recorder, Any],
) -> None:
    api, _, _ = stub
    code, _, err = cli(api, "status")
    assert code == 1
    assert "502" in err
    assert cli(api, "invoke", "--input-location", "s3://b/in")[0] == 0


def raw_exchange(api: LocalApi, request: bytes, timeout: float = 10) -> bytes:
    """Send bytes as they are (no client fixes the headers) and read until the server closes."""
    with socket.create_connection((api.host, api.port), timeout=timeout) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("length", ["abc", "-5", "1e3", ""])
def test_a_malformed_content_length_is_a_400_and_the_server_carries_on(
    stub: tuple[LocalApi, Recorder, Any], capfd: pytest.CaptureFixture[str], length: str
) -> None:
    api, router, _ = stub
    answer = raw_exchange(
        api,
        b"POST /v1/endpoints/demo HTTP/1.1\r\nHost: local\r\n"
        + f"Content-Length: {length}\r\n\r\n".encode(),
    )
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 "), answer
    assert json.loads(body) == {"message": "Invalid Content-Length header"}
    assert router.events == []
    assert "Traceback" not in capfd.readouterr().err
    assert cli(api, "invoke", "--input-location", "s3://b/in")[0] == 0


def test_an_oversized_body_gets_a_413_that_the_client_reads(
    stub: tuple[LocalApi, Recorder, Any], tmp_path: Path
) -> None:
    api, router, _ = stub
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * (11 * 1024 * 1024))
    code, _, err = cli(api, "invoke", "--body", str(big), "--retries", "0")
    assert code == 8, err  # request rejected, as documented; not 9 (connection failed)
    assert "413" in err and "Request Too Long" in err
    assert router.events == []
    assert cli(api, "invoke", "--input-location", "s3://b/in")[0] == 0


@pytest.mark.parametrize("path", ["/v9/endpoints/demo", "/endpoints/demo", "/v1/v1/endpoints/demo"])
def test_a_wrong_or_missing_stage_is_missing_authentication_token(
    stub: tuple[LocalApi, Recorder, Any], path: str
) -> None:
    api, router, _ = stub
    signed = main(
        ["invoke", "--input-location", "s3://b/in", "--url", api.root_url + path.rsplit("/", 2)[0],
         "--fleet", "demo", "--region", "us-east-1", "--retries", "0"],
        io.StringIO(), err := io.StringIO(),
    )  # fmt: skip
    assert signed == 4, err.getvalue()
    assert "Missing Authentication Token" in err.getvalue()
    assert http("POST", api.root_url + path) == (403, {"message": "Missing Authentication Token"})
    assert router.events == []
