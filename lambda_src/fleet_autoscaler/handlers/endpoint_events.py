"""EventBridge ``SageMaker Endpoint State Change`` events -> capacity and weight updates."""

from __future__ import annotations

from typing import Any

from .. import log, runtime
from ..config import load_config
from ..events import Ignored, interpret


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    config = load_config()
    meaning = interpret(event, config)
    if isinstance(meaning, Ignored):
        log.info("event ignored", fleet=config.fleet_name, reason=meaning.reason)
        return {"handled": False, "reason": meaning.reason}
    state = runtime.controller().endpoint_changed(meaning)
    return {
        "handled": True,
        "endpoint": meaning.endpoint,
        "desiredCapacity": state.desired,
        "actualCapacity": state.actual,
        "scalingStatus": state.activity.status,
    }
