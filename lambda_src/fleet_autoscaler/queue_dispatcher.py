"""Queue mode's dispatcher: one round takes work from the fleet queue to endpoints with room.

A round (the decisions are :mod:`fleet_autoscaler.dispatch`; this wires the adapters):

1. the fleet's state (in-service instances, statuses, stored backlog datapoints)
   through the same cached :class:`~fleet_autoscaler.fleet_view.FleetView` the router uses;
2. completion notifications: up to :data:`COMPLETION_CALLS` ReceiveMessage calls of
   10, applied to the ledger, then deleted in batches (unparseable ones are deleted too,
   and logged);
3. each endpoint's room from the ledger (clamped by the backlog datapoints);
4. ReceiveMessage of at most min(10, total room) messages, up to
   :data:`DISPATCH_CALLS` calls, while room remains;
5. InvokeEndpointAsync of each message on the endpoint with the most free room, with
   its InferenceId and ``Filename="<InferenceId>.out"`` (the result lands where the
   router promised), trying the other endpoints with room on a retryable error (an
   endpoint that failed gets no work for :data:`ENDPOINT_COOLDOWN_SECONDS`);
6. the dispatched messages are NOT deleted: they are held (ChangeMessageVisibility to
   :data:`HOLD_SECONDS`) and their receipt handles remembered per endpoint, until the
   endpoint's completion notification (success or failure) deletes them in step 2. The
   others are made visible again (visibility 0): after ``maxReceiveCount`` failed
   dispatches SQS moves a message to the dead-letter queue.

Before dispatching, the held messages of endpoints the fleet's state shows Failed,
Deleting, Deleted or missing (:func:`~fleet_autoscaler.dispatch.endpoints_to_release`)
are made visible again and dispatched like new work: what a failed endpoint held is not
lost. A container that loses its memory (a cold start) loses the receipt handles: those
messages reappear when their hold ends and run again (SQS's at-least-once delivery; the
same InferenceId and Filename, so the output is overwritten, not doubled).

The ledger lives in memory; :meth:`QueueDispatcher.begin` reloads it when another
container wrote since, and :meth:`QueueDispatcher.save` writes it once per invocation.
The held receipt handles stay in memory only (up to 1 KB each, k x capacity per
endpoint: they would not fit the ledger's DynamoDB item in a large fleet).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from . import log
from .burst_signal import PeriodPeak, SignalPublisher, outstanding_per_capacity
from .config import ConfigError
from .control import fleet_capacity
from .dispatch import (
    Ledger,
    QueuedRequest,
    RoundResult,
    clamp,
    draining_endpoints,
    endpoints_to_release,
    held_bound,
    output_file,
    parse_completion,
    parse_queued,
    pick_endpoint,
    record_completion,
    record_dispatch,
    record_release,
    room_limits,
    rooms,
)
from .fleet_view import FleetView
from .invoke_errors import classify_invoke_error
from .model import EndpointState, FleetConfig, QueueSpec
from .sagemaker import EndpointGateway
from .sqs import MAX_MESSAGES_PER_CALL, MAX_VISIBILITY_SECONDS, QueueClient, Received
from .state import LedgerStore, VersionConflict

COMPLETION_CALLS = 10  # ReceiveMessage calls on the completion queue per round, at most
DISPATCH_CALLS = 10  # ReceiveMessage calls on the fleet queue per round, at most
# A received message stays invisible this long if the dispatcher dies holding it; then
# SQS offers it again (and counts the receive).
VISIBILITY_SECONDS = 30
RUNTIME_READ_TIMEOUT = 10  # InvokeEndpointAsync only enqueues: it answers in well under 1 s
VERIFY_RETRY_SECONDS = 60.0  # how often endpoints not yet verified are looked at again
# An endpoint that failed a call (throttled, not ready, gone, timed out) gets no work for
# this long: receiving messages only to fail them again would use up their receives
# (maxReceiveCount) during an outage. When every endpoint cools down, there is no room
# and nothing is received, so messages wait in the queue without counting attempts.
ENDPOINT_COOLDOWN_SECONDS = 30.0
# A dispatched message stays in flight this long unless its completion deletes it first or
# its endpoint fails: the longest a request can spend at an endpoint, which is
# InvokeEndpointAsync's RequestTTLSeconds (at most 21600 s waiting in the endpoint's queue)
# plus InvocationTimeoutSeconds (at most 3600 s running), 7 hours, inside SQS's 12-hour
# limit (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpointAsync.html).
# The fleet queue's own visibility timeout does not bound it.
HOLD_SECONDS = 21600 + 3600
assert HOLD_SECONDS <= MAX_VISIBILITY_SECONDS - VISIBILITY_SECONDS


def _normalized(path: str | None) -> str | None:
    return None if path is None else path.rstrip("/")


class QueueDispatcher:
    """Per-container dispatcher of one fleet; built once by :func:`runtime.dispatcher`."""

    def __init__(
        self,
        config: FleetConfig,
        view: FleetView,
        fleet_queue: QueueClient,
        completions: QueueClient,
        ledger_store: LedgerStore,
        gateway: EndpointGateway,
        runtime_client: Callable[[], Any],
        signal: SignalPublisher | None = None,
    ) -> None:
        if config.queue is None:
            raise ConfigError('FLEET_CONFIG: the dispatcher needs dispatch = "queue" and queue')
        self._config = config
        self._queue: QueueSpec = config.queue
        self._view = view
        self._fleet_queue = fleet_queue
        self._completions = completions
        self._store = ledger_store
        self._gateway = gateway
        self._runtime = runtime_client
        self._signal = signal
        self._signal_peak = PeriodPeak(self._queue.signal_seconds)  # the fast signal's period
        self._ledger: Ledger | None = None
        self._version = 0
        self._verified: set[str] = set()
        self._verified_at = -math.inf
        self._cooldown: dict[str, float] = {}  # endpoint -> time until which it gets no work
        # endpoint -> InferenceId -> (the held message, when its hold ends)
        self._held: dict[str, dict[str, tuple[Received, float]]] = {}

    @property
    def held(self) -> dict[str, int]:
        """Messages held per endpoint (dispatched, completion not seen yet)."""
        return {name: len(messages) for name, messages in self._held.items() if messages}

    # -- the ledger's life ---------------------------------------------------------------

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            self._restore(self._store.load())
        assert self._ledger is not None
        return self._ledger

    def _restore(self, stored: tuple[str, int] | None) -> None:
        if stored is None:
            self._ledger, self._version = Ledger(), 0
            return
        text, version = stored
        try:
            self._ledger = Ledger.from_json(text)
        except (ValueError, KeyError, TypeError):
            log.warning("stored ledger unreadable; starting empty", fleet=self._config.fleet_name)
            self._ledger = Ledger()
        self._version = version

    def begin(self) -> None:
        """Start of an invocation: reload the ledger if another container wrote since."""
        stored = self._store.load()
        if self._ledger is None or stored is None or stored[1] != self._version:
            self._restore(stored)

    def save(self, now: float) -> None:
        """The invocation's one DynamoDB write of the ledger."""
        if self._ledger is None:
            return
        try:
            self._version = self._store.save(self._ledger.to_json(), self._version, now)
        except VersionConflict:
            # Another container wrote meanwhile (it should not: reserved concurrency 1).
            # Its ledger wins; this container reloads at its next invocation.
            log.warning("ledger written by another invocation", fleet=self._config.fleet_name)
            self._ledger = None

    # -- output path check ---------------------------------------------------------------

    def verify(self, now: float) -> None:
        """Check that the endpoints write where the router promises; ConfigError otherwise.

        Each endpoint is checked once per container (a cold start); one that does not
        exist yet is looked at again every :data:`VERIFY_RETRY_SECONDS` and gets no
        work meanwhile.
        """
        pending = [name for name in self._config.endpoint_names if name not in self._verified]
        if not pending or now - self._verified_at < VERIFY_RETRY_SECONDS:
            return
        self._verified_at = now
        wanted = (_normalized(self._queue.output_path), _normalized(self._queue.failure_path))
        wrong: list[str] = []
        for name in pending:
            paths = self._gateway.async_output_paths(name)
            if paths is None:
                log.warning(
                    "endpoint not found; not verified", fleet=self._config.fleet_name, endpoint=name
                )
                continue
            found = (_normalized(paths[0]), _normalized(paths[1]))
            if found != wanted:
                log.error(
                    "endpoint output path differs from queue.output_path",
                    fleet=self._config.fleet_name,
                    endpoint=name,
                    s3_output_path=paths[0],
                    s3_failure_path=paths[1],
                    expected_output_path=self._queue.output_path,
                    expected_failure_path=self._queue.failure_path,
                )
                wrong.append(f"{name} (S3OutputPath {paths[0]!r}, S3FailurePath {paths[1]!r})")
                continue
            self._verified.add(name)
        if wrong:
            self._verified_at = -math.inf  # check again next time: the error must repeat
            raise ConfigError(
                "queue mode: every endpoint must write to queue.output_path "
                f"{self._queue.output_path!r} and queue.failure_path "
                f"{self._queue.failure_path!r}; these do not: " + "; ".join(wrong)
            )

    # -- one round -----------------------------------------------------------------------

    def round(self, now: float) -> RoundResult:
        self.verify(now)
        endpoints = self._view.snapshot().endpoints
        ledger, completed, ignored, finished = self._read_completions(self.ledger)
        ledger = clamp(ledger, endpoints, now, self._config.backlog_max_age_seconds)
        self._ledger = ledger
        ledger, released = self._release_lost(ledger, endpoints, now)
        self._ledger = ledger
        k = self._queue.room_per_capacity
        limits = room_limits(self._config, endpoints, k)
        eligible = {name for name in self._verified if self._cooldown.get(name, -math.inf) <= now}
        room = rooms(self._config, endpoints, ledger, k, eligible=eligible)
        draining = draining_endpoints(endpoints)  # last resort: pick_endpoint
        before = dict(room)
        dispatched: list[tuple[str, str]] = []
        received = returned = 0
        longest_wait = 0.0  # seconds the longest-waiting dispatched request spent queued
        for _ in range(DISPATCH_CALLS):
            total = sum(room.values())
            if total <= 0:
                break
            messages = self._fleet_queue.receive(
                min(MAX_MESSAGES_PER_CALL, total), VISIBILITY_SECONDS
            )
            if not messages:
                break
            received += len(messages)
            done: list[Received] = []
            back: list[Received] = []
            for message in messages:
                request = parse_queued(message.body)
                endpoint: str | None = None
                if request is None:
                    log.warning(
                        "fleet queue message is not a request; returned to the queue",
                        fleet=self._config.fleet_name,
                        message_id=message.message_id,
                        receive_count=message.receive_count,
                    )
                else:
                    endpoint, charged = self._dispatch(
                        request, message, room, limits, draining, now
                    )
                    for name in charged:
                        # Kept at once: an error later in the round must not forget a call.
                        ledger = self._ledger = record_dispatch(ledger, name, now)
                        room[name] = max(0, room[name] - 1)
                if endpoint is None:
                    back.append(message)
                    continue
                assert request is not None
                ledger = self._ledger = record_dispatch(ledger, endpoint, now)
                room[endpoint] -= 1
                done.append(message)
                self._held.setdefault(endpoint, {})[request.inference_id] = (
                    message,
                    now + HOLD_SECONDS,
                )
                dispatched.append((request.inference_id, endpoint))
                longest_wait = max(longest_wait, now - request.enqueued_at)
            self._settle(done, back)
            returned += len(back)
            if back and not done:
                break  # every endpoint failed this batch: do not churn through the queue
        result = RoundResult(
            at=now,
            completions=completed,
            ignored_completions=ignored,
            received=received,
            dispatched=tuple(dispatched),
            returned=returned,
            released=released,
            finished=finished,
            room=before,
            outstanding=ledger.outstanding(),
            signal=self._publish_signal(endpoints, now),
        )
        if not result.idle:
            log.info(
                "dispatch round",
                fleet=self._config.fleet_name,
                room=before,
                completions=completed,
                received=received,
                dispatched=len(dispatched),
                returned=returned,
                released=released,
                finished=finished,
                held=self.held,
                longest_wait=round(longest_wait, 3),
                outstanding={n: round(v, 3) for n, v in result.outstanding.items()},
            )
        return result

    def _publish_signal(
        self, endpoints: Mapping[str, EndpointState], now: float
    ) -> tuple[float, float] | None:
        """The fast signal: the fleet's waiting and outstanding work per in-service capacity
        unit, measured each round; the first round of each ``queue.signal_seconds`` period
        publishes the previous period's peak, stamped with its start, as a high-resolution
        metric (burst_signal.py). Returns the (timestamp, value) published. A failed call
        is logged and skipped: dispatching never waits on the signal."""
        if self._signal is None or self._queue.signal_seconds <= 0:
            return None
        try:
            outstanding = sum(self.ledger.outstanding().values())
            value = outstanding_per_capacity(
                self._fleet_queue.waiting(), outstanding, fleet_capacity(self._config, endpoints)
            )
        except (ClientError, BotoCoreError) as exc:
            log.warning("fast signal not measured", fleet=self._config.fleet_name, error=str(exc))
            finished = self._signal_peak.finish(now)  # publish what the period had
        else:
            finished = self._signal_peak.add(now, value)
        if finished is None:
            return None
        try:
            self._signal.publish(finished[1], finished[0])
        except (ClientError, BotoCoreError) as exc:
            log.warning("fast signal not published", fleet=self._config.fleet_name, error=str(exc))
            return None
        return finished

    def _release_lost(
        self, ledger: Ledger, endpoints: Mapping[str, EndpointState], now: float
    ) -> tuple[Ledger, int]:
        """Forget holds that ended (SQS offers those messages again by itself) and those
        beyond the bound; make the held messages of failed, deleted or missing endpoints
        visible again. (the ledger without them, how many were released)"""
        k = self._queue.room_per_capacity
        bounds = {spec.name: held_bound(spec, k) for spec in self._config.endpoints}
        for name, messages in self._held.items():
            for inference_id in [i for i, (_, until) in messages.items() if until <= now]:
                del messages[inference_id]
            excess = len(messages) - bounds.get(name, 0)
            if excess > 0:
                oldest = sorted(messages, key=lambda i: messages[i][1])[:excess]
                log.warning(
                    "held messages beyond the bound forgotten; they run again after the hold",
                    fleet=self._config.fleet_name,
                    endpoint=name,
                    count=excess,
                )
                for inference_id in oldest:
                    del messages[inference_id]
        released = 0
        for name in endpoints_to_release([n for n, m in self._held.items() if m], endpoints):
            messages = [message for message, _ in self._held.pop(name).values()]
            failed = self._fleet_queue.release(messages)
            log.warning(
                "endpoint lost its requests; held messages returned to the fleet queue",
                fleet=self._config.fleet_name,
                endpoint=name,
                status=endpoints[name].status if name in endpoints else "missing",
                released=len(messages) - len(failed),
                not_released=failed,
            )
            released += len(messages)
            ledger = record_release(ledger, name, len(messages))
        return ledger, released

    def _read_completions(self, ledger: Ledger) -> tuple[Ledger, int, int, int]:
        fleet = set(self._config.endpoint_names)
        seen: set[tuple[str, str]] = set()
        completed = ignored = 0
        finished: list[Received] = []  # held fleet-queue messages whose request is done
        for _ in range(COMPLETION_CALLS):
            messages = self._completions.receive(MAX_MESSAGES_PER_CALL, VISIBILITY_SECONDS)
            if not messages:
                break
            for message in messages:
                completion = parse_completion(message.body)
                key = (completion.endpoint, completion.inference_id) if completion else None
                if completion is None or completion.endpoint not in fleet or key in seen:
                    ignored += 1
                    log.warning(
                        "completion notification ignored",
                        fleet=self._config.fleet_name,
                        message_id=message.message_id,
                        reason="unparseable"
                        if completion is None
                        else ("duplicate" if key in seen else "endpoint outside the fleet"),
                    )
                    continue
                seen.add(key)  # type: ignore[arg-type]
                self._ledger = ledger = record_completion(ledger, completion.endpoint)
                completed += 1
                held = self._held.get(completion.endpoint, {}).pop(completion.inference_id, None)
                if held is not None:
                    finished.append(held[0])
            failed = self._completions.delete(messages)
            if failed:
                log.warning(
                    "completion notifications not deleted; they will be counted again",
                    fleet=self._config.fleet_name,
                    message_ids=failed,
                )
        # Success or failure, the request is answered (at the output or failure location):
        # its fleet-queue message is done.
        not_deleted = self._fleet_queue.delete(finished) if finished else []
        if not_deleted:
            log.warning(
                "finished messages not deleted; they run again after their hold",
                fleet=self._config.fleet_name,
                message_ids=not_deleted,
            )
        return ledger, completed, ignored, len(finished)

    def _dispatch(
        self,
        request: QueuedRequest,
        message: Received,
        room: dict[str, int],
        limits: Mapping[str, float],
        draining: Collection[str],
        now: float,
    ) -> tuple[str | None, list[str]]:
        """Invoke an endpoint with room; (the endpoint that took it, endpoints charged).

        A read timeout charges the endpoint one request (it may have been enqueued
        there) but returns the message to the queue: it may run twice, never zero times
        (the same InferenceId and Filename, so a second run writes the same file).
        """
        tried: list[str] = []
        charged: list[str] = []
        while True:
            endpoint = pick_endpoint(
                self._config, room, limits, exclude=tried, last_resort=draining
            )
            if endpoint is None:
                return None, charged
            tried.append(endpoint)
            try:
                self._runtime().invoke_endpoint_async(
                    EndpointName=endpoint,
                    InferenceId=request.inference_id,
                    Filename=output_file(request.inference_id),
                    **request.parameters,
                )
            except (ClientError, BotoCoreError) as exc:
                failure = classify_invoke_error(exc)
                log.warning(
                    "dispatch failed",
                    fleet=self._config.fleet_name,
                    endpoint=endpoint,
                    inference_id=request.inference_id,
                    code=failure.code,
                    kind=failure.kind,
                    receive_count=message.receive_count,
                )
                if failure.kind in ("rejected", "model_error"):
                    return None, charged  # the request itself: another endpoint rejects it too
                # The endpoint: no more work for it this round, nor until the cooldown ends.
                self._cooldown[endpoint] = now + ENDPOINT_COOLDOWN_SECONDS
                room[endpoint] = 0
                if failure.kind == "timeout":
                    charged.append(endpoint)
                    return None, charged
                continue
            return endpoint, charged

    def _settle(self, done: list[Received], back: list[Received]) -> None:
        not_held = self._fleet_queue.hide(done, HOLD_SECONDS) if done else []
        if not_held:
            log.warning(
                "dispatched messages not held; they may be dispatched again",
                fleet=self._config.fleet_name,
                message_ids=not_held,
            )
        not_released = self._fleet_queue.release(back) if back else []
        if not_released:
            log.warning(
                "messages not returned at once; visible again after the visibility timeout",
                fleet=self._config.fleet_name,
                message_ids=not_released,
            )
