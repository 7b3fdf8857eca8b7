"""The router's read-only view of the fleet, cached per container for a short TTL.

The router never writes: it reads the state item (or, when the item is missing,
DescribeEndpoint) at most once per TTL and otherwise decides in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .model import EndpointObservation, EndpointState, FleetConfig, FleetState
from .routing import SmoothWeightedRoundRobin, routing_weights, wake_endpoint


@dataclass(frozen=True)
class FleetSnapshot:
    endpoints: Mapping[str, EndpointState]
    weights: Mapping[str, int]
    wake: str | None
    fetched_at: float

    @property
    def capacity(self) -> int:
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
        self.selector = SmoothWeightedRoundRobin()

    def invalidate(self) -> None:
        self._snapshot = None

    def snapshot(self) -> FleetSnapshot:
        now = self._clock()
        cached = self._snapshot
        if cached is not None and now - cached.fetched_at < self._config.router_cache_ttl_seconds:
            return cached
        state = self._load_state()
        if state is not None:
            endpoints: Mapping[str, EndpointState] = state.endpoints
        else:
            endpoints = {
                name: EndpointState.observed(obs) for name, obs in self._describe_all().items()
            }
        weights = routing_weights(self._config, endpoints)
        snapshot = FleetSnapshot(
            endpoints=endpoints,
            weights=weights,
            wake=wake_endpoint(self._config, endpoints, now),
            fetched_at=now,
        )
        if cached is None or dict(cached.weights) != weights:
            self.selector.set_weights(weights)
        self._snapshot = snapshot
        return snapshot
