"""Application Auto Scaling custom-resource API: GET/PATCH /scalableTargetDimensions/{id}."""

from __future__ import annotations

import json
import math
from typing import Any

from .. import runtime
from ..config import load_config
from ..http import (
    BadRequest,
    MethodNotAllowed,
    NotFound,
    http_method,
    json_response,
    path_parameter,
    request_body,
)
from ..model import FleetConfig, FleetState
from ._common import api_call

PATH_PARAMETER = "scalableTargetDimensionId"


def dimension_body(config: FleetConfig, state: FleetState) -> dict[str, Any]:
    body: dict[str, Any] = {
        "actualCapacity": float(state.actual),
        "desiredCapacity": float(state.desired),
        "dimensionName": "DesiredCapacity",
        "resourceName": config.fleet_name,
        "scalableTargetDimensionId": config.dimension_id,
        "scalingStatus": state.activity.status,
        # Fixed for the life of the dimension; "1" for an item an older release created.
        "version": state.dimension_version or "1",
    }
    if state.activity.status == "Failed" and state.activity.failure_reason:
        body["failureReason"] = state.activity.failure_reason
    return body


def _request_json(event: dict[str, Any]) -> Any:
    raw = request_body(event, 'request body is required: {"desiredCapacity": <integer>}')
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest("request body is not valid JSON") from None


def parse_desired_capacity(payload: Any, config: FleetConfig) -> int:
    """``desiredCapacity`` as an integer within [min_capacity, max_capacity]."""
    if not isinstance(payload, dict):
        raise BadRequest("request body must be a JSON object")
    if "desiredCapacity" not in payload:
        raise BadRequest("desiredCapacity is required")
    value = payload["desiredCapacity"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequest("desiredCapacity must be a number")
    if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
        raise BadRequest("desiredCapacity must be an integral number")
    desired = int(value)
    if not config.min_capacity <= desired <= config.max_capacity:
        raise BadRequest(
            f"desiredCapacity must be between {config.min_capacity} and "
            f"{config.max_capacity}, got {desired}"
        )
    return desired


def _handle(event: dict[str, Any]) -> dict[str, Any]:
    config = load_config()
    method = http_method(event)
    if method not in ("GET", "PATCH"):
        raise MethodNotAllowed(f"method {method or 'unknown'} is not allowed; use GET or PATCH")
    if path_parameter(event, PATH_PARAMETER) != config.dimension_id:
        raise NotFound("no such scalable target dimension")
    controller = runtime.controller()
    if method == "GET":
        state = controller.status()
    else:
        state = controller.set_desired(parse_desired_capacity(_request_json(event), config))
    return json_response(200, dimension_body(config, state))


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    return api_call("scaling_api", _handle, event)
