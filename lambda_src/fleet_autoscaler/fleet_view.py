"""The router's read-only view of the fleet, cached per container for a short TTL.

The router never writes: it reads the state item (or, when the item is missing,
DescribeEndpoint) at most once per TTL and otherwise decides in memory.

When reading the item fails, the last snapshot keeps serving (logged) and the
read is retried after a TTL. When the item is missing, the view rebuilt from
DescribeEndpoint is kept and rebuilt with a doubling back-off (up to
:data:`MISSING_ITEM_MAX_BACKOFF_SECONDS`), so containers do not all call
DescribeEndpoint every few seconds; the item is still looked for every TTL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from . import log
from .control import fleet_capacity
from .model import EndpointObservation, EndpointState, FleetConfig, FleetState
from .routing import (
    LeastWaitSelector,
    SmoothWeightedRoundRobin,
    queue_weights,
    routing_weights,
    stored_backlog,
    wake_endpoint,
)

MISSING_ITEM_MAX_BACKOFF_SECONDS = 120.0


@dataclass(frozen=True)
class FleetSnapshot:
    endpoints: Mapping[str, EndpointState]
    weights: Mapping[str, int]
    wake: str | None
    fetched_at: float
    in_service: int = 0  # capacity units serving now (control.fleet_capacity)

    @property
    def capacity(self) -> int:
        """What the routing weights count: for async fleets, capacity on its way as well."""
        return sum(self.weights.values())


class FleetView:
    """Caches a snapshot and the smooth weighted round robin that reads it."""

    def __init__(
        self,
        config: FleetConfig,
        load_state: Callable[[], FleetState | None],
        describe_all: Callable[[], Mapping[str, EndpointObservation]],
        clock: Callable[[], float],
    ) -> None:
        self._config = config
        self._load_state = load_state
        self._describe_all = describe_all
        self._clock = clock
        self._snapshot: FleetSnapshot | None = None
        # Async fleets: least expected wait over per-endpoint queues; real-time: round robin.
        self.selector: LeastWaitSelector | SmoothWeightedRoundRobin = (
            LeastWaitSelector() if config.invocation_mode == "async" else SmoothWeightedRoundRobin()
        )
        self._expires_at = 0.0
        self._described: Mapping[str, EndpointState] | None = None
        self._described_at = 0.0
        self._describe_backoff = 0.0

    def invalidate(self) -> None:
        self._snapshot = None
        self._expires_at = 0.0

    def snapshot(self) -> FleetSnapshot:
        now = self._clock()
        cached = self._snapshot
        if cached is not None and now < self._expires_at:  # the per-request fast path
            return cached
        try:
            state = self._load_state()
        except Exception as exc:
            if cached is None:
                raise
            log.warning(
                "state read failed; serving from the last snapshot",
                fleet=self._config.fleet_name,
                error=type(exc).__name__,
                snapshot_age=round(now - cached.fetched_at, 3),
            )
            self._snapshot = FleetSnapshot(
                endpoints=cached.endpoints,
                weights=cached.weights,
                wake=cached.wake,
                fetched_at=now,
                in_service=cached.in_service,
            )
            self._expires_at = now + self._config.router_cache_ttl_seconds
            return self._snapshot
        if state is not None:
            endpoints: Mapping[str, EndpointState] = state.endpoints
            self._described = None
            self._describe_backoff = 0.0
        else:
            endpoints = self._described_view(now)
        weights = (
            queue_weights(self._config, endpoints, now)
            if self._config.invocation_mode == "async"
            else routing_weights(self._config, endpoints)
        )
        snapshot = FleetSnapshot(
            endpoints=endpoints,
            weights=weights,
            wake=wake_endpoint(self._config, endpoints, now),
            fetched_at=now,
            in_service=fleet_capacity(self._config, endpoints),
        )
        if cached is None or dict(cached.weights) != weights:
            self.selector.set_weights(weights)
        if isinstance(self.selector, LeastWaitSelector):
            self.selector.set_backlog(
                stored_backlog(endpoints, now, self._config.backlog_max_age_seconds)
            )
        self._snapshot = snapshot
        self._expires_at = now + self._config.router_cache_ttl_seconds
        return snapshot

    def _described_view(self, now: float) -> Mapping[str, EndpointState]:
        """The fleet from DescribeEndpoint, rebuilt at most once per back-off period."""
        if self._described is not None and now - self._described_at < self._describe_backoff:
            return self._described
        self._described = {
            name: EndpointState.observed(obs) for name, obs in self._describe_all().items()
        }
        self._described_at = now
        ttl = max(self._config.router_cache_ttl_seconds, 1.0)
        self._describe_backoff = min(
            max(self._describe_backoff * 2, ttl * 2), MISSING_ITEM_MAX_BACKOFF_SECONDS
        )
        log.info(
            "state item missing; fleet view rebuilt from DescribeEndpoint",
            fleet=self._config.fleet_name,
            next_rebuild_in=self._describe_backoff,
        )
        return self._described
