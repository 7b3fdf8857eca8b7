"""Queue mode in the simulated world: the fleet's SQS queue, its dead-letter queue, the
completion queue behind the endpoints' SNS topics, and what the endpoints publish there.

The real router puts each request on the fleet queue (SQS SendMessage, in moto); the real
dispatcher takes messages off it and calls ``InvokeEndpointAsync``, which reaches
:class:`~simulator.controls.SimRuntime` and through it the endpoint's simulated queue.
The world remembers each request's arrival time and size by its InferenceId (the
router's answer carries it), so a dispatched request waits from when it ARRIVED, not from
when it was dispatched. When a request finishes, the endpoint publishes its success
notification to the SNS topic, which delivers it to the completion queue wrapped in the
SNS envelope (moto's SNS -> SQS subscription, as in AWS without raw delivery).

Nothing reads a true endpoint backlog for the dispatcher: it sees the state item (the
reconciler's delayed CloudWatch datapoints) and the completions, as in AWS.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fleet_autoscaler.model import QueueSpec

from .cloudwatch import Key

OUTPUT_PATH = "s3://fleet-sim-output/results/"  # the S3OutputPath every endpoint shares
FAILURE_PATH = "s3://fleet-sim-output/failures/"  # the S3FailurePath every endpoint shares
# The control plane's defaults (README, "Configuration"), read from its QueueSpec, not
# written again:
ROOM_PER_CAPACITY = QueueSpec.room_per_capacity  # k: requests outstanding per capacity unit
RUN_SECONDS = QueueSpec.run_seconds  # one scheduled invocation dispatches this long
SIGNAL_SECONDS = QueueSpec.signal_seconds  # how often the dispatcher publishes its fast signal
MAX_RECEIVE_COUNT = 5  # the redrive policy's maxReceiveCount (the module's default)
BATCH = 10  # SNS PublishBatch and SQS batch calls take at most 10 entries


def sqs_depth_key(queue_name: str) -> Key:
    """AWS/SQS ApproximateNumberOfMessagesVisible of the fleet queue (README, "Queue mode: what
    the module adds")."""
    return ("AWS/SQS", "ApproximateNumberOfMessagesVisible", (("QueueName", queue_name),))


def notification(
    endpoint: str,
    inference_id: str,
    received: float,
    finished: float,
    location: str,
    *,
    failure_reason: str | None = None,
    input_location: str | None = None,
    region: str = "us-east-1",
) -> dict[str, Any]:
    """The SageMaker async notification for one request (the "Message" inside the SNS
    envelope): success, or failure when ``failure_reason`` is given (``location`` is then
    the failure location). Field names as in the SageMaker developer guide, "Check
    prediction results"
    (https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-check-predictions.html):
    ``inferenceId``, ``invocationStatus`` (Completed / Failed), ``failureReason``,
    ``requestParameters.endpointName``, ``responseParameters.outputLocation``."""

    def stamp(epoch: float) -> str:
        return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    request: dict[str, Any] = {"endpointName": endpoint}
    if input_location is not None:
        request["inputLocation"] = input_location
    message: dict[str, Any] = {
        "awsRegion": region,
        "eventTime": stamp(finished),
        "receivedTime": stamp(received),
        "invocationStatus": "Completed" if failure_reason is None else "Failed",
        "requestParameters": request,
        "responseParameters": {
            "outputLocation" if failure_reason is None else "failureLocation": location
        },
        "inferenceId": inference_id,
        "eventVersion": "1.0",
        "eventSource": "aws:sagemaker",
        "eventName": "InferenceResult",
    }
    if failure_reason is not None:
        message["failureReason"] = failure_reason
    return message


@contextmanager
def fast_sqs_clock() -> Iterator[None]:
    """moto's SQS, made cheap for a simulation (same answers, less work per message):

    * it asks for the time twice per message and per look at the queue (visibility and
      delay), each time through timezone-aware datetime arithmetic: the same instant from
      ``time.time()``;
    * for every message it receives it checks the retention period by computing ALL the
      queue's attributes (approximate counts included, each a scan of the queue): the
      same check from the queue's ``message_retention_period`` alone.

    With a few hundred messages waiting, these dominate a run's time otherwise."""
    import moto.sqs.models as sqs_models  # noqa: PLC0415  (only inside the simulator's moto)

    original_clock = sqs_models.unix_time_millis
    original_check = sqs_models.SQSBackend.is_message_valid_based_on_retention_period

    def retained(backend: Any, queue_name: str, message: Any) -> bool:
        retention = int(backend.get_queue(queue_name).message_retention_period)
        return bool(retention + message.sent_timestamp / 1000 > time.time())

    sqs_models.unix_time_millis = lambda dt=None: (  # type: ignore[assignment]
        time.time() * 1000.0 if dt is None else original_clock(dt)
    )
    sqs_models.SQSBackend.is_message_valid_based_on_retention_period = retained  # type: ignore[method-assign]
    try:
        yield
    finally:
        sqs_models.unix_time_millis = original_clock
        sqs_models.SQSBackend.is_message_valid_based_on_retention_period = original_check  # type: ignore[method-assign]


@dataclass
class FleetQueue:
    """The fleet's queues in moto and what the world knows about each queued request."""

    fleet: str
    queue_name: str = ""
    queue_url: str = ""
    dead_letter_url: str = ""
    completion_url: str = ""
    success_topic: str = ""
    error_topic: str = ""
    # InferenceId -> (arrival, work) of requests the router queued, not yet dispatched
    pending: dict[str, tuple[float, float]] = field(default_factory=dict)
    # InferenceId -> (when the endpoint received it, endpoint) of requests an endpoint holds
    dispatched: dict[str, tuple[float, str]] = field(default_factory=dict)
    # InferenceId -> (arrival, work) of requests a failed or deleted endpoint held: they
    # run again when the dispatcher sends their message again (it keeps it until done)
    orphaned: dict[str, tuple[float, float]] = field(default_factory=dict)
    dispatches: int = 0
    duplicates: int = 0  # a message dispatched a second time (SQS delivers at least once)
    redispatches: int = 0  # a request a failed endpoint held, dispatched again
    served_twice: int = 0  # a request that finished a second time (counted served once)
    completions_published: int = 0
    output_path: str = OUTPUT_PATH
    failure_path: str = FAILURE_PATH
    _queued: dict[str, tuple[float, float]] = field(default_factory=dict)  # ever queued
    _served: set[str] = field(default_factory=set)  # InferenceIds that finished
    _sqs: Any = None
    _sns: Any = None

    def create(
        self,
        sqs: Any,
        sns: Any,
        output_path: str = OUTPUT_PATH,
        failure_path: str = FAILURE_PATH,
        room_per_capacity: float = ROOM_PER_CAPACITY,
        signal_seconds: int = SIGNAL_SECONDS,
    ) -> dict[str, Any]:
        """The queues and topics the module creates; returns FLEET_CONFIG's ``queue``."""
        self._sqs, self._sns = sqs, sns
        self.output_path, self.failure_path = output_path, failure_path
        self.queue_name = f"{self.fleet}-fleet-queue"
        self.dead_letter_url = sqs.create_queue(QueueName=f"{self.fleet}-fleet-dlq")["QueueUrl"]
        dead_letter_arn = sqs.get_queue_attributes(
            QueueUrl=self.dead_letter_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        redrive = {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}
        self.queue_url = sqs.create_queue(
            QueueName=self.queue_name, Attributes={"RedrivePolicy": json.dumps(redrive)}
        )["QueueUrl"]
        self.completion_url = sqs.create_queue(QueueName=f"{self.fleet}-completions")["QueueUrl"]
        completion_arn = sqs.get_queue_attributes(
            QueueUrl=self.completion_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        self.success_topic = sns.create_topic(Name=f"{self.fleet}-inference-success")["TopicArn"]
        self.error_topic = sns.create_topic(Name=f"{self.fleet}-inference-error")["TopicArn"]
        for topic in (self.success_topic, self.error_topic):
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=completion_arn)
        return {
            "queue_url": self.queue_url,
            "completion_queue_url": self.completion_url,
            "output_path": output_path,
            "failure_path": failure_path,
            "room_per_capacity": room_per_capacity,
            "run_seconds": RUN_SECONDS,
            "signal_seconds": signal_seconds,
        }

    def endpoint_async_config(self) -> dict[str, Any]:
        """The rest of every endpoint's AsyncInferenceConfig.OutputConfig in queue mode."""
        return {
            "S3FailurePath": self.failure_path,
            "NotificationConfig": {
                "SuccessTopic": self.success_topic,
                "ErrorTopic": self.error_topic,
            },
        }

    # -- requests ---------------------------------------------------------------------------

    def enqueue(self, inference_id: str, arrival: float, work: float) -> None:
        """The router queued this request (its answer named the InferenceId)."""
        self.pending[inference_id] = self._queued[inference_id] = (arrival, work)

    def take(self, inference_id: str, endpoint: str, now: float) -> tuple[float, float] | None:
        """The dispatcher sent ``inference_id`` to ``endpoint`` at ``now``: its (arrival,
        work), or None when the world never queued it (a request sent by hand). A request
        dispatched a second time (SQS delivers at least once) runs again: counted."""
        self.dispatches += 1
        entry = self.pending.pop(inference_id, None)
        if entry is None and inference_id in self.orphaned:
            self.redispatches += 1
            entry = self.orphaned.pop(inference_id)
        elif entry is None and inference_id in self._queued:
            self.duplicates += 1
            entry = self._queued[inference_id]
        self.dispatched[inference_id] = (now, endpoint)
        return entry

    def finished(self, inference_id: str) -> None:
        self.dispatched.pop(inference_id, None)

    def orphan(self, inference_ids: list[str]) -> int:
        """A failed or deleted endpoint held these requests: they did not finish there.
        Returns how many of them the world never queued (sent by hand): those are lost."""
        by_hand = 0
        for inference_id in inference_ids:
            self.dispatched.pop(inference_id, None)
            entry = self._queued.get(inference_id)
            if entry is None:
                by_hand += 1
            elif inference_id not in self._served:
                self.orphaned[inference_id] = entry
        return by_hand

    def orphans_at_end(self) -> tuple[dict[str, tuple[float, float]], list[str]]:
        """(orphaned requests whose message is still on the fleet queue or its dead-letter
        queue: queued, not lost; the others: lost), read from moto's backend."""
        if not self.orphaned:
            return {}, []
        from moto.sqs.models import sqs_backends  # noqa: PLC0415  (the simulator's moto)

        from .sagemaker import ACCOUNT, REGION  # noqa: PLC0415

        backend = sqs_backends[ACCOUNT][REGION]
        held: set[str] = set()
        for name in (self.queue_name, self.dead_letter_url.rsplit("/", 1)[-1]):
            for message in backend.get_queue(name)._messages:
                try:
                    held.add(str(json.loads(message.body).get("InferenceId")))
                except (ValueError, AttributeError):
                    continue
        kept = {i: entry for i, entry in self.orphaned.items() if i in held}
        return kept, [i for i in self.orphaned if i not in held]

    def publish(self, completed: list[tuple[str, str, float]], epoch: float) -> None:
        """Each finished request's success notification, 10 per SNS PublishBatch."""
        entries = []
        for endpoint, inference_id, finish in completed:
            received = self.dispatched.get(inference_id, (finish, endpoint))[0]
            self.finished(inference_id)
            if inference_id in self._served:
                self.served_twice += 1
            self._served.add(inference_id)
            message = notification(
                endpoint,
                inference_id,
                epoch + received,
                epoch + finish,
                f"{self.output_path}{inference_id}.out",
            )
            entries.append({"Id": str(len(entries) % BATCH), "Message": json.dumps(message)})
        for start in range(0, len(entries), BATCH):
            self._sns.publish_batch(
                TopicArn=self.success_topic,
                PublishBatchRequestEntries=entries[start : start + BATCH],
            )
        self.completions_published += len(entries)

    # -- what SQS says ----------------------------------------------------------------------

    def publish_one(self, message: dict[str, Any]) -> None:
        """One notification, to the success or the error topic as its status says."""
        failed = message.get("invocationStatus") == "Failed"
        topic = self.error_topic if failed else self.success_topic
        self._sns.publish(TopicArn=topic, Message=json.dumps(message))
        self.completions_published += 1

    def visible(self) -> int:
        """ApproximateNumberOfMessagesVisible of the fleet queue: the number moto's
        GetQueueAttributes answers (``ApproximateNumberOfMessages``), read from its
        in-process backend, which spares a botocore round trip every 10 simulated seconds."""
        from moto.sqs.models import sqs_backends  # noqa: PLC0415  (the simulator's moto)

        from .sagemaker import ACCOUNT, REGION  # noqa: PLC0415

        queue = sqs_backends[ACCOUNT][REGION].get_queue(self.queue_name)
        return int(queue.approximate_number_of_messages)

    def dead_lettered(self) -> int:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self.dead_letter_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )
