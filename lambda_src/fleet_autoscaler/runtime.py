"""Per-container wiring: config, adapters and controller, built once on first use."""

from __future__ import annotations

from functools import lru_cache

from . import aws, clock
from .config import load_config, table_name
from .controller import FleetController
from .fleet_view import FleetView
from .metrics import BacklogReader
from .sagemaker import EndpointGateway
from .state import StateStore


@lru_cache(maxsize=1)
def store() -> StateStore:
    return StateStore(aws.client("dynamodb"), table_name(), load_config().fleet_name)


@lru_cache(maxsize=1)
def gateway() -> EndpointGateway:
    return EndpointGateway(aws.client("sagemaker"))


@lru_cache(maxsize=1)
def controller() -> FleetController:
    config = load_config()
    # Backlog exists for async endpoints only (real-time fleets have no queue).
    backlog = BacklogReader(aws.client("cloudwatch")) if config.invocation_mode == "async" else None
    return FleetController(config, store(), gateway(), clock.now, backlog=backlog)


@lru_cache(maxsize=1)
def fleet_view() -> FleetView:
    config = load_config()
    return FleetView(
        config,
        load_state=lambda: store().load(consistent=False),
        describe_all=lambda: gateway().describe_all(config),
        clock=clock.now,
    )


def reset() -> None:
    """Forget everything built so far (tests, the simulator, a changed environment)."""
    for cached in (load_config, store, gateway, controller, fleet_view):
        cached.cache_clear()
    aws.reset_clients()
