"""The whole surface on loopback: real handlers, moto server, simulated async endpoint."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest

from fleet_client.cli import main
from local_api.world import LocalWorld

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def test_upload_invoke_and_wait_for_the_result(client_env: LocalWorld, tmp_path: Path) -> None:
    payload = tmp_path / "payload.json"
    payload.write_text('{"prompt": "hello"}')
    result = tmp_path / "result.json"
    code, _, err = cli(
        "invoke", "--upload", str(payload), "--content-type", "application/json",
        "--inference-id", "e2e-1", "--wait", "--timeout", "30", "--poll-interval", "0.1",
        "--output", str(result),
    )  # fmt: skip
    assert code == 0, err
    assert "uploaded" in err and "routed to demo-" in err
    document = json.loads(result.read_text())
    assert document["inferenceId"] == "e2e-1"
    assert document["input"] == '{"prompt": "hello"}'
    assert document["inputLocation"].startswith("s3://fleet-payloads/in/e2e-1/")
    assert document["endpoint"] in {"demo-g5", "demo-g6"}


def test_a_failure_object_is_reported(client_env: LocalWorld, tmp_path: Path) -> None:
    payload = tmp_path / "bad.txt"
    payload.write_text("FAIL on purpose")
    code, out, err = cli("invoke", "--upload", str(payload), "--wait", "--poll-interval", "0.1")
    assert code == 10
    assert "wrote a failure" in err and "the payload asked to fail" in err
    assert out == ""


def test_wait_gives_up_after_the_timeout(client_env: LocalWorld) -> None:
    # Far beyond the wait, however slow a busy machine makes the client; requests are
    # completed as they fall due, so later tests do not wait this out.
    client_env.endpoint.latency_seconds = 600.0
    try:
        code, _, err = cli(
            "invoke", "--input-location", client_env.example_input, "--wait",
            "--timeout", "0.3", "--poll-interval", "0.1",
        )  # fmt: skip
    finally:
        client_env.endpoint.latency_seconds = 0.2
    assert code == 7
    assert "no result at s3://" in err


def test_unknown_fleet_is_404(client_env: LocalWorld) -> None:
    code, _, err = cli("invoke", "--fleet", "nope", "--input-location", client_env.example_input)
    assert code == 5
    assert "no fleet named 'nope'" in err


def test_status_and_scale(client_env: LocalWorld) -> None:
    code, out, err = cli("status")
    assert code == 0, err
    lines = dict(line.split(None, 1) for line in out.splitlines())
    assert lines["fleet"] == "demo"
    assert lines["actual"] == "2"
    assert lines["status"] in {"Successful", "InProgress", "Pending"}
    code, out, err = cli("scale", "--desired", "3", "--json")
    assert code == 0, err
    assert json.loads(out)["desiredCapacity"] == 3.0
    code, _, err = cli("scale", "--desired", "99")
    assert code == 8
    assert "between 0 and 12" in err


def test_unsigned_requests_get_403(client_env: LocalWorld) -> None:
    for method, path in (("POST", "/endpoints/demo"), ("GET", "/scalableTargetDimensions/demo")):
        request = urllib.request.Request(
            client_env.api_url + path, method=method, headers={"InputLocation": "s3://x/y"}
        )
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(request, timeout=10)
        with raised.value as error:
            assert error.code == 403
            assert json.loads(error.read()) == {"message": "Missing Authentication Token"}


def awscurl() -> str:
    found = shutil.which("awscurl", path=str(Path(sys.executable).parent))
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("awscurl is not installed (make installs requirements/client.txt)")
        pytest.skip("awscurl is not installed: pip install -r requirements/client.txt")
    return found


def test_awscurl_reaches_the_router_and_the_result_appears(client_env: LocalWorld) -> None:
    # moto answers InvokeEndpointAsync with the same OutputLocation for the same
    # InputLocation, so this request gets an input of its own.
    source_bucket, _, source_key = client_env.example_input.removeprefix("s3://").partition("/")
    own_key = f"awscurl/{uuid.uuid4()}.json"
    boto3.client("s3").copy_object(
        Bucket=source_bucket, Key=own_key, CopySource={"Bucket": source_bucket, "Key": source_key}
    )
    own_input = f"s3://{source_bucket}/{own_key}"
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    run = subprocess.run(
        [
            awscurl(), "--service", "execute-api", "--region", "us-east-1", "-X", "POST",
            "-H", f"InputLocation: {own_input}", "-H", "InferenceId: via-awscurl",
            f"{client_env.api_url}/endpoints/{client_env.fleet}",
        ],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["InferenceId"] == "via-awscurl"
    bucket, _, key = answer["OutputLocation"].removeprefix("s3://").partition("/")
    s3 = boto3.client("s3")
    waiter = s3.get_waiter("object_exists")
    waiter.wait(Bucket=bucket, Key=key, WaiterConfig={"Delay": 0.1, "MaxAttempts": 300})
    body = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    assert body["inferenceId"] == "via-awscurl"


def test_the_console_command_runs_as_a_process(client_env: LocalWorld) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "fleet_client", "status", "--json"],
        capture_output=True, text=True, timeout=60, cwd=REPO, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["resourceName"] == "demo"
    denied = subprocess.run(
        [sys.executable, "-m", "fleet_client", "status"],
        capture_output=True, text=True, timeout=60, cwd=REPO, check=False,
        env={**os.environ, "AWS_SECRET_ACCESS_KEY": "wrong"},
    )  # fmt: skip
    assert denied.returncode == 3
    assert "signature was rejected" in denied.stderr
    assert "Traceback" not in denied.stderr
