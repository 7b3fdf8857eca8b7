"""What an EventBridge ``SageMaker Endpoint State Change`` event means (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import (
    CREATING,
    DELETING,
    FAILED,
    IN_SERVICE,
    OUT_OF_SERVICE,
    ROLLING_BACK,
    SYSTEM_UPDATING,
    UPDATE_ROLLBACK_FAILED,
    UPDATING,
    FleetConfig,
)

DETAIL_TYPE = "SageMaker Endpoint State Change"

# EventBridge spells statuses in upper snake case; DescribeEndpoint in camel case.
EVENT_STATUSES: dict[str, str] = {
    "IN_SERVICE": IN_SERVICE,
    "UPDATING": UPDATING,
    "CREATING": CREATING,
    "SYSTEM_UPDATING": SYSTEM_UPDATING,
    "ROLLING_BACK": ROLLING_BACK,
    "FAILED": FAILED,
    "OUT_OF_SERVICE": OUT_OF_SERVICE,
    "DELETING": DELETING,
    "UPDATE_ROLLBACK_FAILED": UPDATE_ROLLBACK_FAILED,
}


@dataclass(frozen=True)
class EndpointChange:
    """An endpoint of this fleet changed; ``status`` is what the event reported."""

    endpoint: str
    status: str

    @property
    def rolled_back(self) -> bool:
        """The event itself proves a rollback, whatever DescribeEndpoint says later."""
        return self.status in (ROLLING_BACK, UPDATE_ROLLBACK_FAILED)


@dataclass(frozen=True)
class Ignored:
    reason: str


def normalise_status(raw: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    if raw in EVENT_STATUSES.values():
        return raw
    return EVENT_STATUSES.get(raw.strip().upper().replace(" ", "_"))


def interpret(event: Any, config: FleetConfig) -> EndpointChange | Ignored:
    """Decide whether ``event`` concerns this fleet; endpoint names match exactly."""
    if not isinstance(event, dict):
        return Ignored("event is not an object")
    detail_type = event.get("detail-type")
    if detail_type is not None and detail_type != DETAIL_TYPE:
        return Ignored(f"detail-type {detail_type!r} is not {DETAIL_TYPE!r}")
    detail = event.get("detail")
    if not isinstance(detail, dict):
        return Ignored("event has no detail")
    name = detail.get("EndpointName")
    if not isinstance(name, str) or not name:
        return Ignored("event names no endpoint")
    if config.endpoint(name) is None:
        return Ignored("endpoint is not in the fleet")
    status = normalise_status(detail.get("EndpointStatus"))
    if status is None:
        return Ignored("event has no known EndpointStatus")
    return EndpointChange(endpoint=name, status=status)
