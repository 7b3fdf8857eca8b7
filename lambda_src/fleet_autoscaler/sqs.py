"""SQS adapter for queue mode: the fleet queue and the completion queue. No decisions here.

Limits relied on (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/):
ReceiveMessage returns at most 10 messages per call (MaxNumberOfMessages 1-10);
DeleteMessageBatch and ChangeMessageVisibilityBatch take at most 10 entries.
ChangeMessageVisibility with VisibilityTimeout 0 makes a received message visible again
at once; its ApproximateReceiveCount keeps counting, so the queue's redrive policy moves
it to the dead-letter queue after maxReceiveCount receives. The batch calls need no
permissions of their own: sqs:DeleteMessage and sqs:ChangeMessageVisibility cover them
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-batch-api.html).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MAX_MESSAGES_PER_CALL = 10
# ChangeMessageVisibility: "The maximum allowed timeout value is 12 hours" (VisibilityTimeout
# 0 to 43200 s), counted from the message's receive: a longer total is rejected
# (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html).
MAX_VISIBILITY_SECONDS = 43200
MAX_BATCH_ENTRIES = 10


@dataclass(frozen=True)
class Received:
    message_id: str
    receipt_handle: str
    body: str
    receive_count: int


class QueueClient:
    """One SQS queue."""

    def __init__(self, client: Any, url: str) -> None:
        self._client = client
        self.url = url

    def send(self, body: str) -> str:
        return str(self._client.send_message(QueueUrl=self.url, MessageBody=body)["MessageId"])

    def receive(self, max_messages: int, visibility_timeout: int) -> list[Received]:
        """Up to ``max_messages`` (1-10) visible messages, without waiting (short poll)."""
        count = max(1, min(MAX_MESSAGES_PER_CALL, max_messages))
        response = self._client.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=count,
            VisibilityTimeout=visibility_timeout,
            WaitTimeSeconds=0,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        return [
            Received(
                message_id=str(message["MessageId"]),
                receipt_handle=str(message["ReceiptHandle"]),
                body=str(message.get("Body", "")),
                receive_count=int(message.get("Attributes", {}).get("ApproximateReceiveCount", 1)),
            )
            for message in response.get("Messages", [])
        ]

    def waiting(self) -> int:
        """Messages available to receive: GetQueueAttributes' ``ApproximateNumberOfMessages``."""
        attributes = self._client.get_queue_attributes(
            QueueUrl=self.url, AttributeNames=["ApproximateNumberOfMessages"]
        ).get("Attributes", {})
        return int(attributes.get("ApproximateNumberOfMessages", 0))

    def delete(self, messages: Sequence[Received]) -> list[str]:
        """Delete ``messages``; returns the ids SQS did not delete."""
        failed: list[str] = []
        for chunk in _chunks(messages):
            response = self._client.delete_message_batch(
                QueueUrl=self.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m.receipt_handle} for i, m in enumerate(chunk)
                ],
            )
            failed += [chunk[int(entry["Id"])].message_id for entry in response.get("Failed", [])]
        return failed

    def release(self, messages: Sequence[Received]) -> list[str]:
        """Make ``messages`` visible again now; returns the ids SQS did not change."""
        return self.hide(messages, 0)

    def hide(self, messages: Sequence[Received], seconds: int) -> list[str]:
        """Keep ``messages`` invisible for ``seconds`` from now (0: visible at once, at
        most MAX_VISIBILITY_SECONDS counted from the first receive); returns the ids SQS
        did not change."""
        failed: list[str] = []
        for chunk in _chunks(messages):
            response = self._client.change_message_visibility_batch(
                QueueUrl=self.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m.receipt_handle, "VisibilityTimeout": seconds}
                    for i, m in enumerate(chunk)
                ],
            )
            failed += [chunk[int(entry["Id"])].message_id for entry in response.get("Failed", [])]
        return failed


def _chunks(messages: Sequence[Received]) -> list[Sequence[Received]]:
    return [messages[i : i + MAX_BATCH_ENTRIES] for i in range(0, len(messages), MAX_BATCH_ENTRIES)]
