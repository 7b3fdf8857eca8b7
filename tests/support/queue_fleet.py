"""A queue-mode fleet in moto: async endpoints sharing one output path, the fleet queue with
its dead-letter queue, the completion queue, and the levers a test pulls on them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

from fleet_autoscaler import clock, runtime
from fleet_autoscaler.handlers import dispatcher
from simulator.moto_fleet import IMAGE, MOTO_INSTANCE_TYPE, ROLE_ARN

from .events import scheduled_event
from .harness import TABLE, FakeClock, Fleet, create_table, default_config

OUTPUT_PATH = "s3://fleet-results/demo/out/"
FAILURE_PATH = "s3://fleet-results/demo/failed/"


def create_async_endpoint(
    sagemaker: Any, name: str, instances: int, output: str, failure: str | None
) -> None:
    """Model, async endpoint configuration (output and failure paths) and endpoint."""
    sagemaker.create_model(
        ModelName=f"{name}-model", ExecutionRoleArn=ROLE_ARN, PrimaryContainer={"Image": IMAGE}
    )
    variant: dict[str, Any] = {
        "VariantName": "AllTraffic",
        "ModelName": f"{name}-model",
        "InstanceType": MOTO_INSTANCE_TYPE,
        "InitialVariantWeight": 1.0,
    }
    if instances:
        variant["InitialInstanceCount"] = instances
    output_config: dict[str, Any] = {"S3OutputPath": output}
    if failure is not None:
        output_config["S3FailurePath"] = failure
    sagemaker.create_endpoint_config(
        EndpointConfigName=f"{name}-config",
        ProductionVariants=[variant],
        AsyncInferenceConfig={"OutputConfig": output_config},
    )
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config")


@dataclass
class Queues:
    fleet: str
    dead_letters: str
    completions: str

    @property
    def sqs(self) -> Any:
        return boto3.client("sqs")

    def visible(self, url: str) -> list[dict[str, Any]]:
        """Every visible message of ``url`` (received, then made visible again at once)."""
        seen: dict[str, dict[str, Any]] = {}
        for _ in range(20):
            messages = self.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30
            ).get("Messages", [])
            if not messages:
                break
            for message in messages:
                seen[message["MessageId"]] = message
        for message in seen.values():
            self.sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        return list(seen.values())

    def depth(self, url: str) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def complete(self, endpoint: str, inference_id: str, status: str = "Completed") -> None:
        """SageMaker's notification for ``inference_id``, delivered SNS -> SQS (envelope)."""
        notification = {
            "awsRegion": "us-east-1",
            "eventTime": "2026-12-02T08:00:00.000Z",
            "receivedTime": "2026-12-02T07:59:00.000Z",
            "invocationStatus": status,
            "requestParameters": {
                "contentType": "text/csv",
                "endpointName": endpoint,
                "inputLocation": f"s3://fleet-inputs/{inference_id}.csv",
            },
            "responseParameters": {
                "contentType": "text/csv",
                "outputLocation": f"{OUTPUT_PATH}{inference_id}.out",
            },
            "inferenceId": inference_id,
            "eventVersion": "1.0",
            "eventSource": "aws:sagemaker",
            "eventName": "InferenceResult",
        }
        envelope = {
            "Type": "Notification",
            "MessageId": f"sns-{inference_id}",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:demo-done",
            "Message": json.dumps(notification),
            "Timestamp": "2026-12-02T08:00:00.000Z",
        }
        self.sqs.send_message(QueueUrl=self.completions, MessageBody=json.dumps(envelope))


def create_queues(max_receive_count: int = 3) -> Queues:
    sqs = boto3.client("sqs")
    dead_letters = sqs.create_queue(QueueName="demo-fleet-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dead_letters, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    fleet = sqs.create_queue(
        QueueName="demo-fleet",
        Attributes={
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
            )
        },
    )["QueueUrl"]
    completions = sqs.create_queue(QueueName="demo-done")["QueueUrl"]
    return Queues(fleet=fleet, dead_letters=dead_letters, completions=completions)


def queue_config(queues: Queues, **queue_overrides: Any) -> dict[str, Any]:
    queue = {
        "queue_url": queues.fleet,
        "completion_queue_url": queues.completions,
        "output_path": OUTPUT_PATH,
        "failure_path": FAILURE_PATH,
        "room_per_capacity": 2,
        "run_seconds": 58,
    }
    queue.update(queue_overrides)
    return default_config(dispatch="queue", queue=queue)


def build_queue_fleet(
    monkeypatch: Any,
    sm: Any,
    instances: dict[str, int],
    queues: Queues,
    paths: dict[str, tuple[str, str | None]] | None = None,
    **queue_overrides: Any,
) -> Fleet:
    """The harness's fleet with async endpoints (``paths``: endpoint -> (output, failure))."""
    config = queue_config(queues, **queue_overrides)
    sagemaker = boto3.client("sagemaker")
    for endpoint in config["endpoints"]:
        output, failure = (paths or {}).get(endpoint["name"], (OUTPUT_PATH, FAILURE_PATH))
        create_async_endpoint(
            sagemaker, endpoint["name"], instances.get(endpoint["name"], 0), output, failure
        )
    create_table(boto3.client("dynamodb"))
    monkeypatch.setenv("STATE_TABLE", TABLE)
    monkeypatch.setenv("FLEET_CONFIG", json.dumps(config))
    fake_clock = FakeClock()
    clock.set_clock(fake_clock)
    runtime.reset()
    return Fleet(config=config, clock=fake_clock, sm=sm)


def run_dispatcher(remaining_ms: int | None = None) -> dict[str, Any]:
    """One scheduled invocation of the dispatcher."""
    context = _Context(remaining_ms) if remaining_ms is not None else None
    return dispatcher.handler(scheduled_event(), context)


class _Context:
    def __init__(self, remaining_ms: int) -> None:
        self._remaining = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._remaining
