"""The router in queue mode (README, "Router"): one SendMessage, an answer with the
promised locations."""

from __future__ import annotations

import json
import re

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from fleet_autoscaler import aws
from tests.support.harness import body
from tests.support.queue_fleet import FAILURE_PATH, build_queue_fleet, create_queues
from tests.support.runtime_spy import CallCounter, install_runtime_spy

HEADERS = {
    "InputLocation": "s3://fleet-inputs/requests/1.csv",
    "ContentType": "text/csv",
    "InvocationTimeoutSeconds": "900",
}


@pytest.fixture
def queues(moto_aws):
    return create_queues()


@pytest.fixture
def fleet(queues, slow_sagemaker, monkeypatch):
    return build_queue_fleet(
        monkeypatch, slow_sagemaker, {"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0}, queues
    )


def test_request_is_queued_with_exactly_the_contract_message(fleet, queues):
    counter = CallCounter().attach("dynamodb", "sqs")
    spy = install_runtime_spy()
    response = fleet.route(HEADERS | {"InferenceId": "req-1"})
    assert response["statusCode"] == 200
    assert body(response) == {
        "InferenceId": "req-1",
        "OutputLocation": "s3://fleet-results/demo/out/req-1.out",
        "FailureLocation": "s3://fleet-results/demo/failed/req-1.out",
        "EndpointName": None,
        "Dispatch": "queued",
    }
    [message] = queues.visible(queues.fleet)
    assert json.loads(message["Body"]) == {
        "v": 1,
        "InferenceId": "req-1",
        "Parameters": {
            "InputLocation": "s3://fleet-inputs/requests/1.csv",
            "ContentType": "text/csv",
            "InvocationTimeoutSeconds": 900,
        },
        "EnqueuedAt": fleet.clock.now,
    }
    # One AWS call: no DynamoDB read, no endpoint invoked.
    assert counter.count("dynamodb") == 0
    assert counter.calls == [("sqs", "SendMessage")]
    assert spy.calls == []


def test_without_an_inference_id_the_router_generates_one(fleet, queues):
    answer = body(fleet.route(HEADERS))
    assert re.fullmatch(r"[0-9a-f]{32}", answer["InferenceId"])
    assert answer["OutputLocation"] == f"s3://fleet-results/demo/out/{answer['InferenceId']}.out"
    [message] = queues.visible(queues.fleet)
    assert json.loads(message["Body"])["InferenceId"] == answer["InferenceId"]


def test_without_a_failure_path_the_answer_has_no_failure_location(
    queues, slow_sagemaker, monkeypatch
):
    fleet = build_queue_fleet(
        monkeypatch,
        slow_sagemaker,
        {"demo-g5": 1},
        queues,
        paths={name: ("s3://fleet-results/demo/out", None) for name in ("demo-g5",)},
        output_path="s3://fleet-results/demo/out",
        failure_path=None,
    )
    answer = body(fleet.route(HEADERS | {"InferenceId": "a.b_c-1"}))
    assert answer["OutputLocation"] == "s3://fleet-results/demo/out/a.b_c-1.out"
    assert "FailureLocation" not in answer
    assert FAILURE_PATH not in json.dumps(answer)


@pytest.mark.parametrize(
    "inference_id", ["a/b", ".hidden", "-x", "with space", "ü", "x" * 65, "../../etc"]
)
def test_an_inference_id_that_cannot_name_a_file_is_rejected(fleet, queues, inference_id):
    response = fleet.route(HEADERS | {"InferenceId": inference_id})
    assert response["statusCode"] == 400
    assert "InferenceId" in body(response)["message"]
    assert inference_id not in body(response)["message"]
    assert queues.depth(queues.fleet) == 0


def test_invalid_requests_are_rejected_as_in_direct_mode_and_nothing_is_queued(fleet, queues):
    assert fleet.route({"ContentType": "text/csv"})["statusCode"] == 400
    assert fleet.route(HEADERS | {"InputLocation": "not-s3"})["statusCode"] == 400
    assert fleet.route(HEADERS | {"RequestTTLSeconds": "5"})["statusCode"] == 400
    assert queues.depth(queues.fleet) == 0


class _FailingSqs:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def send_message(self, **_: object) -> None:
        self.calls += 1
        raise self.error


@pytest.mark.parametrize(
    "error",
    [
        ClientError(
            {"Error": {"Code": "AWS.SimpleQueueService.NonExistentQueue", "Message": "gone"}},
            "SendMessage",
        ),
        ClientError({"Error": {"Code": "KMS.DisabledException", "Message": "off"}}, "SendMessage"),
        EndpointConnectionError(endpoint_url="https://sqs.us-east-1.amazonaws.com"),
    ],
)
def test_send_message_failing_answers_503_with_retry_after(fleet, queues, error):
    failing = _FailingSqs(error)
    aws.override("sqs", failing)
    response = fleet.route(HEADERS | {"InferenceId": "req-9"})
    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"] == "60"
    assert "message" in body(response)
    assert "req-9" not in response["body"]
    assert failing.calls == 1


def test_direct_mode_still_invokes_an_endpoint(make_fleet):
    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    spy = install_runtime_spy()
    answer = body(fleet.route(HEADERS | {"InferenceId": "a/b"}))
    assert answer["EndpointName"] == "demo-g5"
    assert "Dispatch" not in answer
    assert spy.endpoints == ["demo-g5"]
