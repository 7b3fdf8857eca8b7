"""Which endpoint gets the next request (pure; no clients, no clock).

Real-time fleets: smooth weighted round robin. Every pick adds each endpoint's
weight to its running score, takes the endpoint with the highest score and
lowers that score by the total weight. Over ``sum(weights)`` picks every
endpoint is chosen exactly ``weight`` times, interleaved rather than in bursts
(weights 5:1:1 give ``a a b a c a a``, not ``a a a a a b c``).

Async fleets: least expected wait. Each endpoint has its own queue; a request
sent to endpoint i waits behind ``queued_i`` requests served by ``capacity_i``
units, so the router sends it where ``(queued_i + 1) / capacity_i`` is least.
``queued_i`` is the backlog the reconciler stored (ApproximateBacklogSize,
ignored when older than ``backlog_max_age_seconds``) plus what this container
sent there since that datapoint. With no backlog anywhere this is a smooth
proportional split, like the round robin.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from .model import RUNTIME_CONNECT_SECONDS, SERVING_STATUSES, EndpointState, FleetConfig


class SmoothWeightedRoundRobin:
    """Per-container selector; keeps running scores across weight changes."""

    __slots__ = ("_names", "_scores", "_total", "_weights")

    def __init__(self, weights: Mapping[str, int] | None = None) -> None:
        self._names: list[str] = []
        self._weights: list[int] = []
        self._scores: list[int] = []
        self._total = 0
        if weights:
            self.set_weights(weights)

    @property
    def weights(self) -> dict[str, int]:
        return dict(zip(self._names, self._weights, strict=True))

    def set_weights(self, weights: Mapping[str, int]) -> None:
        """Replace the weights; endpoints that stay keep their running score."""
        previous = dict(zip(self._names, self._scores, strict=True))
        self._names = [name for name, weight in weights.items() if weight > 0]
        self._weights = [int(weights[name]) for name in self._names]
        self._scores = [previous.get(name, 0) for name in self._names]
        self._total = sum(self._weights)

    def pick(self, exclude: Collection[str] = ()) -> str | None:
        """The next endpoint, skipping ``exclude``; ``None`` when none has weight."""
        names, weights, scores = self._names, self._weights, self._scores
        best = -1
        best_score = 0
        total = 0
        for i, weight in enumerate(weights):
            if exclude and names[i] in exclude:
                continue
            score = scores[i] + weight
            scores[i] = score
            total += weight
            if best < 0 or score > best_score:
                best, best_score = i, score
        if best < 0:
            return None
        scores[best] -= total
        return names[best]


def least_wait(
    names: Sequence[str],
    queued: Sequence[float],
    inverse_capacity: Sequence[float],
    exclude: Collection[str] = (),
) -> int:
    """Index of the endpoint where one more request waits least, or -1 when none can take it.

    The wait is ``(queued + 1) / capacity``, given as ``inverse_capacity`` (0 for an
    endpoint without capacity, which is skipped, as are those in ``exclude``); ties go
    to the first (configuration order). Kept to a plain loop: it runs on every request.
    """
    best = -1
    best_wait = 0.0
    i = 0
    for waiting in queued:
        inverse = inverse_capacity[i]
        if inverse and not (exclude and names[i] in exclude):
            wait = (waiting + 1.0) * inverse
            if best < 0 or wait < best_wait:
                best = i
                best_wait = wait
        i += 1  # noqa: SIM113 - a counter is cheaper than enumerate() on this hot path
    return best


class LeastWaitSelector:
    """Per-container selector for async fleets: stored backlog plus what this container sent.

    ``set_backlog`` takes each endpoint's stored backlog and datapoint time; a newer
    datapoint replaces the count (what was sent before it is in the datapoint). A
    change of capacities restarts the counts from the stored backlog, so a new
    endpoint is not flooded to make up for history it did not see.
    """

    __slots__ = ("_at", "_backlog", "_capacity", "_inverse", "_names", "_queued")

    def __init__(self, weights: Mapping[str, int] | None = None) -> None:
        self._names: list[str] = []
        self._capacity: list[int] = []
        self._inverse: list[float] = []
        self._queued: list[float] = []
        self._backlog: dict[str, float] = {}
        self._at: dict[str, float] = {}
        if weights:
            self.set_weights(weights)

    @property
    def weights(self) -> dict[str, int]:
        return dict(zip(self._names, self._capacity, strict=True))

    @property
    def queued(self) -> dict[str, float]:
        return dict(zip(self._names, self._queued, strict=True))

    def set_weights(self, weights: Mapping[str, int]) -> None:
        self._names = [name for name, weight in weights.items() if weight > 0]
        self._capacity = [int(weights[name]) for name in self._names]
        self._inverse = [1.0 / capacity for capacity in self._capacity]
        self._queued = [self._backlog.get(name, 0.0) for name in self._names]

    def set_backlog(self, backlog: Mapping[str, tuple[float, float]]) -> None:
        """``backlog``: endpoint -> (stored backlog, datapoint time); 0 when unknown or stale."""
        for i, name in enumerate(self._names):
            value, at = backlog.get(name, (0.0, 0.0))
            if at != self._at.get(name) or value != self._backlog.get(name):
                self._queued[i] = value
        self._backlog = {name: value for name, (value, _) in backlog.items()}
        self._at = {name: at for name, (_, at) in backlog.items()}

    def pick(self, exclude: Collection[str] = ()) -> str | None:
        best = least_wait(self._names, self._queued, self._inverse, exclude)
        if best < 0:
            return None
        self._queued[best] += 1.0
        return self._names[best]


def stored_backlog(
    endpoints: Mapping[str, EndpointState], now: float, max_age: float
) -> dict[str, tuple[float, float]]:
    """Each endpoint's stored backlog and datapoint time; (0, 0) when unknown or stale."""
    result: dict[str, tuple[float, float]] = {}
    for name, ep in endpoints.items():
        value = ep.fresh_backlog(now, max_age)
        result[name] = (0.0, 0.0) if value is None else (value, ep.backlog_at)
    return result


def routing_weights(config: FleetConfig, endpoints: Mapping[str, EndpointState]) -> dict[str, int]:
    """Weight of each endpoint: the capacity that serves now and stays.

    The base is serving capacity (instances x capacity per instance of endpoints
    in a serving status). An endpoint the plan is draining counts only
    the instances it keeps, so new work stops going to instances about to be
    removed: on an async fleet, work queued on an endpoint that is then scaled to
    zero would wait for its next scale-out. The one instance a drain hold keeps
    (:func:`~fleet_autoscaler.control.drain_holds`, target 1) stays and counts: it
    serves new work on top of the desired capacity until the hold ends (README,
    Semantics, "Drain before scale-in"; queue mode's dispatcher sends it work only
    while no other endpoint has room, :func:`~fleet_autoscaler.dispatch.pick_endpoint`).
    When nothing that stays is serving,
    the plain serving capacity is used (a draining endpoint still serves).
    """
    serving: dict[str, int] = {}
    staying: dict[str, int] = {}
    for spec in config.endpoints:
        state = endpoints.get(spec.name)
        if state is None or state.status not in SERVING_STATUSES:
            serving[spec.name] = staying[spec.name] = 0
            continue
        serving[spec.name] = state.current * spec.capacity_per_instance
        kept = state.current if state.target is None else min(state.current, state.target)
        staying[spec.name] = kept * spec.capacity_per_instance
    return staying if any(staying.values()) else serving


def queue_weights(
    config: FleetConfig, endpoints: Mapping[str, EndpointState], now: float
) -> dict[str, int]:
    """Async fleets: the capacity that will serve work queued on each endpoint now.

    An async request waits in its endpoint's queue until an instance takes it, so
    what matters is the capacity that serves the queue while it drains, not only
    the instances serving this second. An endpoint the plan grows (target above its
    current count, not blocked by a capacity failure) counts its target: its queue
    is served by the instances on their way within the provisioning time, while the
    instances serving now would serve everything that arrives meanwhile alone. So a
    burst is spread over the endpoints in proportion to the capacity that will
    serve it, instead of piling onto the one endpoint that serves when it starts
    (issue 11: that queue then drains at one instance's rate for many minutes).
    Otherwise as :func:`routing_weights`: what serves and stays; the plain serving
    capacity when nothing that stays serves.
    """
    weights = routing_weights(config, endpoints)
    grown = dict(weights)
    grows = False
    for spec in config.endpoints:
        state = endpoints.get(spec.name)
        if (
            state is None
            or state.status not in SERVING_STATUSES
            or state.target is None
            or state.target <= state.current
            or state.is_blocked(now)
        ):
            continue
        grown[spec.name] = state.target * spec.capacity_per_instance
        grows = True
    return grown if grows else weights


def wake_endpoint(
    config: FleetConfig, endpoints: Mapping[str, EndpointState], now: float
) -> str | None:
    """Where an async fleet at zero sends work: the highest-priority endpoint that may grow.

    Its queue fills, ``HasBacklogWithoutCapacity`` rises and scale-from-zero fires.
    """
    for spec in config.by_priority:
        state = endpoints.get(spec.name)
        if (
            state is not None
            and state.status in SERVING_STATUSES
            and spec.max_instances > 0
            and not state.is_blocked(now)
        ):
            return spec.name
    return None


# The router's time budget. InvokeEndpoint gives a real-time model 60 s to answer
# (https://docs.aws.amazon.com/sagemaker/latest/dg/API_runtime_InvokeEndpoint.html);
# InvokeEndpointAsync only enqueues. An attempt never waits longer than the function
# has left minus what it needs to answer (and to connect).
MAX_READ_TIMEOUT_SECONDS = 65
ANSWER_RESERVE_SECONDS = 1.0
MIN_READ_TIMEOUT_SECONDS = 1


def attempt_read_timeout(
    remaining_seconds: float | None, connect_seconds: float = RUNTIME_CONNECT_SECONDS
) -> int | None:
    """Read timeout (s) for the next runtime call, or ``None`` when no attempt fits.

    Rounded down (to whole seconds up to 10 s, to multiples of 5 s above) so
    that a container needs a few runtime clients, not one per request.
    ``remaining_seconds`` ``None`` means no deadline is known (tests, simulator).
    """
    if remaining_seconds is None:
        return MAX_READ_TIMEOUT_SECONDS
    budget = min(
        remaining_seconds - ANSWER_RESERVE_SECONDS - connect_seconds, MAX_READ_TIMEOUT_SECONDS
    )
    if budget < MIN_READ_TIMEOUT_SECONDS:
        return None
    seconds = int(budget)
    return seconds if seconds <= 10 else seconds - seconds % 5
