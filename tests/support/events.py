"""AWS-shaped events for tests: the simulator's builders are the single source."""

from simulator.events import (
    ACCOUNT,
    REGION,
    api_event,
    endpoint_state_change,
    router_event,
    scaling_event,
    scheduled_event,
)

__all__ = [
    "ACCOUNT",
    "REGION",
    "api_event",
    "endpoint_state_change",
    "router_event",
    "scaling_event",
    "scheduled_event",
]
