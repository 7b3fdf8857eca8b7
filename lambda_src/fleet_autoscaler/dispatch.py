"""Queue mode's decisions (pure; no clients, no clock): the ledger, room, and who gets work.

In queue mode every request waits in the fleet's one SQS queue, and the dispatcher
sends it to an endpoint only while that endpoint has room: fewer than
``k x capacity`` requests outstanding (waiting in its own async queue or running),
``k`` being ``queue.room_per_capacity``. A request therefore waits in one place and
binds to an endpoint late, when capacity exists, instead of waiting behind the
wrong endpoint.

What the dispatcher can know in AWS about an endpoint's outstanding work:

- what it dispatched there itself (exact, immediate);
- the endpoint's success and error notifications (SNS -> the completion queue),
  one per finished request, seconds after it finished;
- ``ApproximateBacklogSize``, which the reconciler stores in the state item: a
  one-minute average published 1-3 minutes late.

The ledger keeps, per endpoint, ``outstanding = dispatched - completed`` from the
first two, never below 0. Notifications can be lost or not configured, which
would leave ``outstanding`` too high forever (and the endpoint without room), so
whenever a fresh backlog datapoint exists (at most ``backlog_max_age_seconds``
old) ``outstanding`` is clamped to at most ``backlog + dispatched since the
datapoint's time``: nothing dispatched before the datapoint can be outstanding
unless the datapoint counted it. The clamp is stored (the ledger is rebased), so
a long notification outage costs room only until the next datapoint. The clamp
only lowers: a late datapoint never says more is outstanding than the ledger
knows was sent since.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .model import DELETED, DELETING, SERVING_STATUSES, EndpointSpec, EndpointState, FleetConfig
from .model import FAILED as ENDPOINT_FAILED
from .routing import routing_weights

MESSAGE_VERSION = 1
# The caller's InferenceId in queue mode: it becomes the output file's name
# ("<InferenceId>.out" under the shared output path), so no slashes or odd characters.
INFERENCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# Dispatches are counted per bucket of this many seconds, to answer "dispatched since
# the datapoint's time" without keeping one timestamp per request.
BUCKET_SECONDS = 10.0
# Buckets are kept this long past backlog_max_age_seconds (a datapoint's time is the
# start of its one-minute period).
BUCKET_MARGIN_SECONDS = 120.0
# Completion statuses of SageMaker's async notifications.
COMPLETED = "Completed"
FAILED = "Failed"


# -- the fleet queue's message (the router writes it, the dispatcher reads it) ----------


@dataclass(frozen=True)
class QueuedRequest:
    """One request waiting in the fleet queue."""

    inference_id: str
    parameters: Mapping[str, Any]  # InvokeEndpointAsync parameters, without InferenceId
    enqueued_at: float


def queue_message(inference_id: str, parameters: Mapping[str, Any], enqueued_at: float) -> str:
    """The fleet queue's message body: v, InferenceId, Parameters, EnqueuedAt (README,
    "Queue mode: the dispatcher")."""
    body = {
        "v": MESSAGE_VERSION,
        "InferenceId": inference_id,
        "Parameters": {k: v for k, v in parameters.items() if k != "InferenceId"},
        "EnqueuedAt": enqueued_at,
    }
    return json.dumps(body, separators=(",", ":"))


def parse_queued(body: str) -> QueuedRequest | None:
    """A fleet-queue message, or ``None`` when it is not one this release can dispatch."""
    try:
        raw = json.loads(body)
    except (TypeError, ValueError):
        return None
    if not isinstance(raw, dict) or raw.get("v") != MESSAGE_VERSION:
        return None
    inference_id = raw.get("InferenceId")
    parameters = raw.get("Parameters")
    enqueued_at = raw.get("EnqueuedAt")
    if (
        not isinstance(inference_id, str)
        or not INFERENCE_ID.fullmatch(inference_id)
        or not isinstance(parameters, dict)
        or not isinstance(parameters.get("InputLocation"), str)
        or "EndpointName" in parameters
        or "InferenceId" in parameters
        or "Filename" in parameters
        or isinstance(enqueued_at, bool)
        or not isinstance(enqueued_at, int | float)
    ):
        return None
    return QueuedRequest(inference_id, parameters, float(enqueued_at))


def output_file(inference_id: str) -> str:
    """The ``Filename`` the dispatcher passes: the result lands at the promised location."""
    return f"{inference_id}.out"


def promised_location(path: str, inference_id: str) -> str:
    """Where the router promises the result (or failure): ``<path>/<InferenceId>.out``."""
    return f"{path.rstrip('/')}/{output_file(inference_id)}"


# -- completion notifications -----------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    endpoint: str
    inference_id: str
    status: str  # "Completed" or "Failed"


def parse_completion(body: str) -> Completion | None:
    """An endpoint's async success/error notification as delivered SNS -> SQS.

    SNS wraps what it publishes in an envelope whose ``Message`` is the published
    text (unless the subscription uses raw message delivery: then the body is the
    text itself). SageMaker's notification is JSON with ``inferenceId``,
    ``invocationStatus`` ("Completed" or "Failed") and ``requestParameters``
    holding ``endpointName``; see "Check prediction results",
    https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-check-predictions.html
    ``None`` when the body is not such a notification.
    """
    raw = _json_object(body)
    if raw is None:
        return None
    if "invocationStatus" not in raw and isinstance(raw.get("Message"), str):
        raw = _json_object(raw["Message"])
        if raw is None:
            return None
    request = raw.get("requestParameters")
    endpoint = request.get("endpointName") if isinstance(request, dict) else None
    inference_id = raw.get("inferenceId")
    status = raw.get("invocationStatus")
    if (
        not isinstance(endpoint, str)
        or not endpoint
        or not isinstance(inference_id, str)
        or status not in (COMPLETED, FAILED)
    ):
        return None
    return Completion(endpoint=endpoint, inference_id=inference_id, status=str(status))


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        raw = json.loads(text)
    except (TypeError, ValueError):
        return None
    return raw if isinstance(raw, dict) else None


# -- the ledger -------------------------------------------------------------------------


@dataclass(frozen=True)
class EndpointLedger:
    """What the dispatcher knows of one endpoint's outstanding requests."""

    outstanding: float = 0.0
    dispatched: int = 0  # totals since the ledger began (for logs and tests)
    completed: int = 0
    # (bucket start, requests dispatched in it), oldest first.
    recent: tuple[tuple[float, int], ...] = ()

    def dispatched_since(self, at: float) -> int:
        """Requests dispatched at or after ``at`` (counting the whole bucket holding it)."""
        return sum(count for start, count in self.recent if start + BUCKET_SECONDS > at)


@dataclass(frozen=True)
class Ledger:
    endpoints: Mapping[str, EndpointLedger] = field(default_factory=dict)

    def of(self, endpoint: str) -> EndpointLedger:
        return self.endpoints.get(endpoint, EndpointLedger())

    def outstanding(self) -> dict[str, float]:
        return {name: entry.outstanding for name, entry in self.endpoints.items()}

    def _with(self, endpoint: str, entry: EndpointLedger) -> Ledger:
        endpoints = dict(self.endpoints)
        endpoints[endpoint] = entry
        return Ledger(endpoints)

    def to_json(self) -> str:
        return json.dumps(
            {
                name: {
                    "outstanding": entry.outstanding,
                    "dispatched": entry.dispatched,
                    "completed": entry.completed,
                    "recent": [list(bucket) for bucket in entry.recent],
                }
                for name, entry in sorted(self.endpoints.items())
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Ledger:
        raw = json.loads(text)
        return cls(
            {
                name: EndpointLedger(
                    outstanding=max(0.0, float(values.get("outstanding", 0.0))),
                    dispatched=int(values.get("dispatched", 0)),
                    completed=int(values.get("completed", 0)),
                    recent=tuple((float(start), int(count)) for start, count in values["recent"]),
                )
                for name, values in raw.items()
            }
        )


def record_dispatch(ledger: Ledger, endpoint: str, now: float) -> Ledger:
    """One request sent to ``endpoint`` at ``now``."""
    entry = ledger.of(endpoint)
    start = math.floor(now / BUCKET_SECONDS) * BUCKET_SECONDS
    recent = list(entry.recent)
    if recent and recent[-1][0] == start:
        recent[-1] = (start, recent[-1][1] + 1)
    else:
        recent.append((start, 1))
    return ledger._with(
        endpoint,
        replace(
            entry,
            outstanding=entry.outstanding + 1,
            dispatched=entry.dispatched + 1,
            recent=tuple(recent),
        ),
    )


def record_completion(ledger: Ledger, endpoint: str) -> Ledger:
    """A notification said one request of ``endpoint`` finished (succeeded or failed)."""
    entry = ledger.of(endpoint)
    return ledger._with(
        endpoint,
        replace(entry, outstanding=max(0.0, entry.outstanding - 1), completed=entry.completed + 1),
    )


def clamp(
    ledger: Ledger, endpoints: Mapping[str, EndpointState], now: float, max_age: float
) -> Ledger:
    """Bound each endpoint's outstanding by its fresh backlog datapoint; drop old buckets."""
    horizon = now - max_age - BUCKET_MARGIN_SECONDS
    clamped: dict[str, EndpointLedger] = {}
    for name, entry in ledger.endpoints.items():
        recent = tuple(bucket for bucket in entry.recent if bucket[0] + BUCKET_SECONDS > horizon)
        outstanding = entry.outstanding
        state = endpoints.get(name)
        if state is not None and (backlog := state.fresh_backlog(now, max_age)) is not None:
            # A one-minute average is at least the minute's minimum, and outstanding work
            # grows only by dispatches: so this bounds what can be outstanding now.
            ceiling = max(0.0, backlog) + entry.dispatched_since(state.backlog_at)
            outstanding = min(outstanding, ceiling)
        clamped[name] = replace(entry, outstanding=max(0.0, outstanding), recent=recent)
    return Ledger(clamped)


def room_limits(
    config: FleetConfig, endpoints: Mapping[str, EndpointState], k: float
) -> dict[str, float]:
    """``k x capacity`` per endpoint: how many requests it may hold outstanding.

    Capacity is what serves and stays (:func:`~fleet_autoscaler.routing.routing_weights`):
    instances the plan is about to remove get no new work, so an endpoint being drained
    is not refilled. Endpoints that are not serving or have no instances get 0.
    """
    weights = routing_weights(config, endpoints)
    limits: dict[str, float] = {}
    for spec in config.endpoints:
        state = endpoints.get(spec.name)
        serving = state is not None and state.status in SERVING_STATUSES and state.current > 0
        limits[spec.name] = k * weights.get(spec.name, 0) if serving else 0.0
    return limits


def rooms(
    config: FleetConfig,
    endpoints: Mapping[str, EndpointState],
    ledger: Ledger,
    k: float,
    eligible: Collection[str] | None = None,
) -> dict[str, int]:
    """Requests each endpoint may take now: ``floor(k x capacity - outstanding)``, >= 0.

    ``eligible``: the endpoints work may go to at all (the dispatcher's verified ones);
    ``None`` means every endpoint of the fleet.
    """
    result: dict[str, int] = {}
    for name, limit in room_limits(config, endpoints, k).items():
        if eligible is not None and name not in eligible:
            result[name] = 0
            continue
        result[name] = max(0, math.floor(limit - ledger.of(name).outstanding + 1e-9))
    return result


def pick_endpoint(
    config: FleetConfig,
    room: Mapping[str, int],
    limits: Mapping[str, float],
    exclude: Collection[str] = (),
    last_resort: Collection[str] = (),
) -> str | None:
    """The endpoint with the most free room (fraction of its ``k x capacity``), or None.

    Ties go to the higher priority (1 first), then configuration order. Endpoints in
    ``last_resort`` (the ones whose last instance a drain hold keeps,
    :func:`draining_endpoints`) get work only while no other endpoint has room: a
    held instance finishes what it holds and leaves when the rest of the fleet keeps
    up, and still takes the overflow when it does not.
    """
    best: str | None = None
    best_key: tuple[bool, float, int, int] | None = None
    for index, spec in enumerate(config.endpoints):
        free = room.get(spec.name, 0)
        limit = limits.get(spec.name, 0.0)
        if free <= 0 or limit <= 0 or spec.name in exclude:
            continue
        key = (spec.name in last_resort, -free / limit, spec.priority, index)
        if best_key is None or key < best_key:
            best, best_key = spec.name, key
    return best


def draining_endpoints(endpoints: Mapping[str, EndpointState]) -> frozenset[str]:
    """Endpoints whose last instance a drain hold keeps (``drain_started_at`` set)."""
    return frozenset(name for name, ep in endpoints.items() if ep.drain_started_at > 0)


# -- messages held while an endpoint works on them ----------------------------------------

# Statuses of an endpoint that has lost (or is losing) the requests it holds: its queue
# and its running requests go with it, and SageMaker sends no notification for them.
LOST_STATUSES = frozenset({ENDPOINT_FAILED, DELETING, DELETED})


def endpoints_to_release(
    holding: Collection[str], endpoints: Mapping[str, EndpointState]
) -> list[str]:
    """Of the endpoints the dispatcher holds messages for, those whose messages go back
    to the fleet queue now: Failed, Deleting, Deleted, or absent from the fleet's state.

    An endpoint that merely has no instances keeps its messages: an async endpoint
    scaled to zero keeps its queue and serves it when instances return (scale-from-zero
    wakes it), so sending its work elsewhere too would run every request twice.
    """
    return sorted(
        name
        for name in holding
        if (state := endpoints.get(name)) is None or state.status in LOST_STATUSES
    )


def record_release(ledger: Ledger, endpoint: str, count: int) -> Ledger:
    """``count`` requests ``endpoint`` held went back to the fleet queue (it failed)."""
    entry = ledger.of(endpoint)
    return ledger._with(endpoint, replace(entry, outstanding=max(0.0, entry.outstanding - count)))


def held_bound(spec: EndpointSpec, k: float) -> int:
    """The most messages the dispatcher remembers for one endpoint: ``k x`` its largest
    capacity (what room ever lets it dispatch there) plus one receive's worth for the
    backlog clamp's forgiveness. Beyond that the oldest are forgotten: their hold
    expires and they run again (a duplicate, never a loss)."""
    return math.ceil(k * spec.max_instances * spec.capacity_per_instance) + 10


@dataclass(frozen=True)
class RoundResult:
    """What one dispatcher round did."""

    at: float
    completions: int = 0  # notifications applied to the ledger
    ignored_completions: int = 0  # unparseable, duplicate or for an endpoint outside the fleet
    received: int = 0  # fleet-queue messages received
    dispatched: tuple[tuple[str, str], ...] = ()  # (InferenceId, endpoint), in dispatch order
    returned: int = 0  # messages no endpoint took, made visible again
    released: int = 0  # held messages of failed or deleted endpoints, made visible again
    finished: int = 0  # held messages deleted because their completion arrived
    room: Mapping[str, int] = field(default_factory=dict)  # room before dispatching
    outstanding: Mapping[str, float] = field(default_factory=dict)  # after the round
    # the fast signal's datapoint published this round, (timestamp, value): the peak of a
    # period that has ended (burst_signal.py)
    signal: tuple[float, float] | None = None

    @property
    def idle(self) -> bool:
        """No progress (nothing dispatched, no completion): the handler pauses."""
        return not self.dispatched and not self.completions and not self.released

    @property
    def failing(self) -> bool:
        """Messages were received and every one went back: the handler backs off."""
        return self.returned > 0 and not self.dispatched
