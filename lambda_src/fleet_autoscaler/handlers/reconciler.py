"""Scheduled repair: re-read every endpoint, fix drift, time out stalled activities."""

from __future__ import annotations

from typing import Any

from .. import runtime


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    state = runtime.controller().reconcile()
    return {
        "desiredCapacity": state.desired,
        "plannedCapacity": state.planned,
        "actualCapacity": state.actual,
        "scalingStatus": state.activity.status,
        "endpoints": {
            name: {"status": ep.status, "instances": ep.current, "target": ep.target}
            for name, ep in state.endpoints.items()
        },
    }
