"""A stand-in for SageMaker's async inference: reads the input, writes the output to S3.

moto's InvokeEndpointAsync returns an OutputLocation and stores a canned placeholder
there at once. This stand-in removes that placeholder while the request is being
answered (so a client never reads it) and, ``latency_seconds`` later, writes a JSON
result, or a failure object when the payload starts with ``fail_marker``. Requests are
completed in the order they fall due, so one slow request does not hold up the others.
``on_complete`` hears of each written result (queue mode: the endpoint's SNS success or
error notification, which the dispatcher reads from the completion queue).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from .invocations import RoutedInvocation

S3Factory = Callable[[], Any]
# (invocation, failure reason or None, where the result was written, when it was received)
CompletionListener = Callable[[RoutedInvocation, str | None, str, float], None]


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


class SimulatedAsyncEndpoint:
    """An :data:`InvocationListener` that completes every async request it is told about."""

    def __init__(
        self,
        s3_factory: S3Factory = lambda: boto3.client("s3"),
        latency_seconds: float = 0.5,
        fail_marker: bytes = b"FAIL",
        log: Callable[[str], None] | None = None,
        on_complete: CompletionListener | None = None,
    ) -> None:
        self._s3_factory = s3_factory
        self.on_complete = on_complete
        self._s3: Any = None
        self.latency_seconds = latency_seconds
        self.fail_marker = fail_marker
        self._log = log
        # (due, order, invocation, wall time received): a heap, earliest first
        self._due: list[tuple[float, int, RoutedInvocation, float]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.completed: list[RoutedInvocation] = []

    def start(self) -> SimulatedAsyncEndpoint:
        if self._thread is None:
            self._stopping = False
            self._thread = threading.Thread(
                target=self._work, name="simulated-async-endpoint", daemon=True
            )
            self._thread.start()
        return self

    def stop(self, timeout: float = 1.0) -> None:
        """Stop at once: requests still waiting for their latency are dropped."""
        if self._thread is not None:
            with self._changed:
                self._stopping = True
                self._due.clear()
                self._changed.notify_all()
            self._thread.join(timeout=timeout)  # a daemon: a slow S3 write does not hold us
            self._thread = None

    def __call__(self, invocation: RoutedInvocation) -> None:
        s3 = self._client()
        for uri in (invocation.output_location, invocation.failure_location):
            if uri:
                bucket, key = _split(uri)
                with contextlib.suppress(ClientError, BotoCoreError):
                    s3.delete_object(Bucket=bucket, Key=key)
        with self._changed:
            due = time.monotonic() + self.latency_seconds
            heapq.heappush(self._due, (due, next(self._order), invocation, time.time()))
            self._changed.notify_all()

    def _client(self) -> Any:
        if self._s3 is None:
            self._s3 = self._s3_factory()
        return self._s3

    def _next_due(self) -> tuple[RoutedInvocation, float] | None:
        """Wait for the earliest request to fall due; None once stopping."""
        with self._changed:
            while not self._stopping:
                wait = self._due[0][0] - time.monotonic() if self._due else None
                if wait is not None and wait <= 0:
                    _, _, invocation, received = heapq.heappop(self._due)
                    return invocation, received
                self._changed.wait(wait)
            return None

    def _work(self) -> None:
        while (due := self._next_due()) is not None:
            invocation, received = due
            try:
                self._complete(invocation, received)
            except (ClientError, BotoCoreError) as exc:
                self._say(f"async endpoint: could not complete {invocation.inference_id}: {exc}")

    def _complete(self, invocation: RoutedInvocation, received: float = 0.0) -> None:
        s3 = self._client()
        bucket, key = _split(invocation.input_location)
        try:
            payload: bytes | None = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError:
            payload = None
        if payload is None or payload.startswith(self.fail_marker):
            reason = "input not found" if payload is None else "the payload asked to fail"
            target = invocation.failure_location or invocation.output_location
            document: dict[str, Any] = {
                "error": reason,
                "endpoint": invocation.endpoint_name,
                "inferenceId": invocation.inference_id,
            }
        else:
            target = invocation.output_location
            document = {
                "endpoint": invocation.endpoint_name,
                "inferenceId": invocation.inference_id,
                "inputLocation": invocation.input_location,
                "inputBytes": len(payload),
                "input": payload[:200].decode("utf-8", errors="replace"),
            }
        out_bucket, out_key = _split(target)
        # Counted before the output is visible: a caller that polls S3 for it (fleet-client
        # invoke --wait) and then reads ``completed`` finds the invocation there.
        self.completed.append(invocation)
        try:
            s3.put_object(
                Bucket=out_bucket,
                Key=out_key,
                Body=json.dumps(document).encode(),
                ContentType="application/json",
            )
        except (ClientError, BotoCoreError):
            self.completed.remove(invocation)
            raise
        if self.on_complete is not None:
            reason = str(document["error"]) if "error" in document else None
            self.on_complete(invocation, reason, f"s3://{out_bucket}/{out_key}", received)
        self._say(
            f"async endpoint {invocation.endpoint_name}: wrote "
            f"{'failure' if 'error' in document else 'output'} s3://{out_bucket}/{out_key}"
        )

    def _say(self, text: str) -> None:
        if self._log is not None:
            self._log(text)
