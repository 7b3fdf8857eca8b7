"""Queue mode on loopback: the real router queues on SQS (moto server), the real dispatcher
sends the work on, the local async endpoint writes the result where the router promised
and publishes its notification, and ``fleet-client invoke --wait`` finds it there."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from fleet_client.cli import main
from local_api.world import FAILURE_PATH, OUTPUT_PATH, LocalWorld
from tests.client.conftest import export_banner_variables

pytestmark = pytest.mark.shared_runtime

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def queue_world() -> Iterator[LocalWorld]:
    local = LocalWorld(
        latency_seconds=0.2, reconcile_seconds=0, dispatch="queue", dispatch_seconds=0.2
    )
    local.start()
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture
def queue_env(queue_world: LocalWorld, monkeypatch: pytest.MonkeyPatch) -> LocalWorld:
    return export_banner_variables(queue_world, monkeypatch)


def test_the_router_answers_at_once_with_the_promised_location_and_no_endpoint(
    queue_env: LocalWorld,
) -> None:
    code, out, err = cli(
        "invoke", "--input-location", queue_env.example_input, "--inference-id", "q-answer"
    )
    assert code == 0, err
    answer = json.loads(out)
    assert answer["EndpointName"] is None and answer["Dispatch"] == "queued"
    assert answer["OutputLocation"] == f"{OUTPUT_PATH}q-answer.out"
    assert answer["FailureLocation"] == f"{FAILURE_PATH}q-answer.out"


def test_invoke_wait_gets_the_result_at_the_promised_output_location(
    queue_env: LocalWorld, tmp_path: Path
) -> None:
    payload = tmp_path / "payload.json"
    payload.write_text('{"prompt": "queued"}')
    result = tmp_path / "result.json"
    code, _, err = cli(
        "invoke", "--upload", str(payload), "--content-type", "application/json",
        "--inference-id", "q-wait", "--wait", "--timeout", "90", "--poll-interval", "0.1",
        "--output", str(result),
    )  # fmt: skip
    assert code == 0, err
    assert "queued on the fleet queue (InferenceId q-wait)" in err
    assert f"output {OUTPUT_PATH}q-wait.out" in err
    document = json.loads(result.read_text())
    assert document["inferenceId"] == "q-wait" and document["input"] == '{"prompt": "queued"}'
    assert document["endpoint"] in {"demo-g5", "demo-g6"}  # the ones with instances
    invocation = next(i for i in queue_env.endpoint.completed if i.inference_id == "q-wait")
    assert invocation.output_location == f"{OUTPUT_PATH}q-wait.out"  # Filename honoured


def test_a_failure_lands_at_the_promised_failure_location(
    queue_env: LocalWorld, tmp_path: Path
) -> None:
    payload = tmp_path / "bad.txt"
    payload.write_text("FAIL on purpose")
    code, out, err = cli(
        "invoke", "--upload", str(payload), "--inference-id", "q-fail", "--wait",
        "--timeout", "90", "--poll-interval", "0.1",
    )  # fmt: skip
    assert code == 10, err
    assert f"wrote a failure to {FAILURE_PATH}q-fail.out" in err
    assert out == ""


def test_every_result_is_notified_and_the_dispatcher_consumes_the_notifications(
    queue_env: LocalWorld,
) -> None:
    ids = [f"q-many-{n}" for n in range(6)]
    published_before = queue_env.fleet_queue.completions_published
    for inference_id in ids:
        code, _, err = cli(
            "invoke", "--input-location", queue_env.example_input, "--inference-id", inference_id
        )
        assert code == 0, err
    sqs = boto3.client("sqs")
    queue = queue_env.config["queue"]
    # A round that breaks off (a test's teardown resets the package's clients under the
    # dispatcher thread) leaves what it received invisible for 30 s; SQS then offers it
    # again, so the wait allows for one such redelivery.
    deadline = time.monotonic() + 90
    done: set[str] = set()
    while time.monotonic() < deadline:
        done = {i.inference_id or "" for i in queue_env.endpoint.completed} & set(ids)
        attributes = sqs.get_queue_attributes(
            QueueUrl=queue["completion_queue_url"],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        left = sum(int(v) for v in attributes.values())
        fleet_left = int(
            sqs.get_queue_attributes(
                QueueUrl=queue["queue_url"], AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]["ApproximateNumberOfMessages"]
        )
        # Counted as completed before its notification goes out: wait for both.
        published = queue_env.fleet_queue.completions_published >= published_before + len(ids)
        if done == set(ids) and published and left == 0 and fleet_left == 0:
            break
        time.sleep(0.2)
    assert done == set(ids)  # 6 requests, room 2 x 2 instances: completions freed room
    assert (left, fleet_left) == (0, 0), queue_env.fleet_queue
    assert queue_env.fleet_queue.completions_published >= published_before + len(ids)


def test_the_banner_says_queue_mode_and_where_results_land(queue_world: LocalWorld) -> None:
    from local_api.__main__ import banner

    text = banner(queue_world)
    assert "queue mode: the router queues on" in text
    assert f"results land at {OUTPUT_PATH}<InferenceId>.out" in text


def test_dispatch_options_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    from local_api.__main__ import main as serve

    with pytest.raises(SystemExit) as raised:
        serve(["--dispatch", "late"])
    assert raised.value.code == 2
    with pytest.raises(SystemExit) as raised:
        serve(["--dispatch", "queue", "--dispatch-every", "0"])
    assert raised.value.code == 2
    assert "--dispatch-every must be more than 0" in capsys.readouterr().err
    with pytest.raises(ValueError, match="direct or queue"):
        LocalWorld(dispatch="late")


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
def test_make_serve_local_passes_dispatch() -> None:
    plan = subprocess.run(
        ["make", "--no-print-directory", "-n", "serve-local", "DISPATCH=queue"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    assert "-m local_api" in plan and "--dispatch queue" in plan
