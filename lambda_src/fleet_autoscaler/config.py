"""Parse and validate ``FLEET_CONFIG``: a bad config fails fast, naming the bad field."""

from __future__ import annotations

import json
import math
import os
import re
from functools import lru_cache
from typing import Any

from .burst_signal import SIGNAL_PERIODS
from .model import (
    DISPATCH_MODES,
    INVOCATION_MODES,
    STRATEGIES,
    EndpointSpec,
    FleetConfig,
    QueueSpec,
)

CONFIG_ENV = "FLEET_CONFIG"
TABLE_ENV = "STATE_TABLE"


class ConfigError(ValueError):
    """FLEET_CONFIG is missing or invalid; the message names the field."""


def _require(raw: dict[str, Any], key: str, where: str) -> Any:
    if key not in raw:
        raise ConfigError(f"FLEET_CONFIG: {where}{key} is required")
    return raw[key]


def _integer(value: Any, field: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"FLEET_CONFIG: {field} must be an integer, got {type(value).__name__}")
    if isinstance(value, float) and not value.is_integer():
        raise ConfigError(f"FLEET_CONFIG: {field} must be an integer, got {value}")
    number = int(value)
    if minimum is not None and number < minimum:
        raise ConfigError(f"FLEET_CONFIG: {field} must be >= {minimum}, got {number}")
    return number


def _boolean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"FLEET_CONFIG: {field} must be true or false, got {value!r}")
    return value


def _number(value: Any, field: str, minimum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"FLEET_CONFIG: {field} must be a finite number")
    if value < minimum:
        raise ConfigError(f"FLEET_CONFIG: {field} must be >= {minimum}, got {value}")
    return float(value)


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"FLEET_CONFIG: {field} must be a non-empty string")
    return value


def _choice(value: Any, field: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ConfigError(
            f"FLEET_CONFIG: {field} must be one of {', '.join(choices)}, got {value!r}"
        )
    return str(value)


def _namespace(value: Any) -> str:
    # CloudWatch namespaces: 1-255 characters, no leading colon, not "AWS/" (reserved).
    text = _text(value, "metrics_namespace")
    if len(text) > 255 or text.startswith(":") or text.startswith("AWS/"):
        raise ConfigError(
            "FLEET_CONFIG: metrics_namespace must be 1-255 characters, not start with ':' "
            f"and not use the reserved AWS/ prefix, got {text!r}"
        )
    return text


def _router_api(raw: dict[str, Any]) -> tuple[str | None, str | None]:
    """``router_api`` = {"name": ..., "stage": ...} (optional): the router's REST API."""
    value = raw.get("router_api")
    if value is None:
        return None, None
    if not isinstance(value, dict) or set(value) != {"name", "stage"}:
        raise ConfigError('FLEET_CONFIG: router_api must be {"name": ..., "stage": ...}')
    return _text(value["name"], "router_api.name"), _text(value["stage"], "router_api.stage")


# An SQS queue URL: https://sqs.<region>.amazonaws.com/<account>/<name> in AWS; any
# http(s) host (a local emulator) is accepted, with a queue name as the last segment.
_QUEUE_URL = re.compile(r"https?://[^/\s]+/(?:[^/\s]+/)*[A-Za-z0-9_-]{1,80}(?:\.fifo)?")
# s3://bucket or s3://bucket/prefix, bucket named as S3 requires
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
_S3_PATH = re.compile(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/\S*)?")
RUN_SECONDS_MAX = 840  # the dispatcher's 900 s Lambda ceiling minus room to finish


def _queue_url(value: Any, field: str) -> str:
    text = _text(value, field)
    if not _QUEUE_URL.fullmatch(text):
        raise ConfigError(
            f"FLEET_CONFIG: {field} must be an SQS queue URL "
            f"(https://sqs.<region>.amazonaws.com/<account>/<queue name>), got {text!r}"
        )
    return text


def _s3_path(value: Any, field: str) -> str:
    text = _text(value, field)
    match = _S3_PATH.fullmatch(text)
    if match is None or ".." in match.group(1):
        raise ConfigError(
            f"FLEET_CONFIG: {field} must be an s3://bucket/prefix/ path with a valid bucket "
            f"name, got {text!r}"
        )
    return text


def _queue(raw: dict[str, Any], mode: str) -> tuple[str, QueueSpec | None]:
    """``dispatch`` and ``queue``: queue mode needs an async fleet and a queue block."""
    dispatch = _choice(raw.get("dispatch", "direct"), "dispatch", DISPATCH_MODES)
    block = raw.get("queue")
    if dispatch == "direct":
        if block is not None:
            raise ConfigError(
                'FLEET_CONFIG: queue is only allowed with dispatch = "queue" (dispatch is "direct")'
            )
        return dispatch, None
    if mode != "async":
        raise ConfigError(
            'FLEET_CONFIG: dispatch = "queue" needs invocation_mode "async" '
            f"(a real-time caller waits for its answer), got {mode!r}"
        )
    if not isinstance(block, dict):
        raise ConfigError('FLEET_CONFIG: queue (an object) is required with dispatch = "queue"')
    failure = block.get("failure_path")
    spec = QueueSpec(
        queue_url=_queue_url(_require(block, "queue_url", "queue."), "queue.queue_url"),
        completion_queue_url=_queue_url(
            _require(block, "completion_queue_url", "queue."), "queue.completion_queue_url"
        ),
        output_path=_s3_path(_require(block, "output_path", "queue."), "queue.output_path"),
        failure_path=None if failure is None else _s3_path(failure, "queue.failure_path"),
        room_per_capacity=_number(
            block.get("room_per_capacity", QueueSpec.room_per_capacity),
            "queue.room_per_capacity",
            0.0,
        ),
        run_seconds=_integer(
            block.get("run_seconds", QueueSpec.run_seconds), "queue.run_seconds", 1
        ),
        signal_seconds=_integer(
            block.get("signal_seconds", QueueSpec.signal_seconds), "queue.signal_seconds", 0
        ),
    )
    if spec.signal_seconds not in (0, *SIGNAL_PERIODS):
        raise ConfigError(
            "FLEET_CONFIG: queue.signal_seconds must be 0 (off), 10, 20 or 30 (the periods a "
            f"high-resolution alarm accepts), got {spec.signal_seconds}"
        )
    if spec.room_per_capacity <= 0:
        raise ConfigError(
            f"FLEET_CONFIG: queue.room_per_capacity must be > 0, got {spec.room_per_capacity}"
        )
    if spec.run_seconds > RUN_SECONDS_MAX:
        raise ConfigError(
            f"FLEET_CONFIG: queue.run_seconds must be <= {RUN_SECONDS_MAX}, got {spec.run_seconds}"
        )
    return dispatch, spec


def _endpoint(raw: Any, index: int, mode: str) -> EndpointSpec:
    where = f"endpoints[{index}]."
    if not isinstance(raw, dict):
        raise ConfigError(f"FLEET_CONFIG: endpoints[{index}] must be an object")
    name = _text(_require(raw, "name", where), f"{where}name")
    spec = EndpointSpec(
        name=name,
        variant=_text(raw.get("variant", "AllTraffic"), f"{where}variant"),
        capacity_per_instance=_integer(
            raw.get("capacity_per_instance", 1), f"{where}capacity_per_instance", 1
        ),
        min_instances=_integer(raw.get("min_instances", 0), f"{where}min_instances", 0),
        max_instances=_integer(raw.get("max_instances", 4), f"{where}max_instances", 0),
        priority=_integer(raw.get("priority", index + 1), f"{where}priority", 1),
        share=_number(raw.get("share", 1), f"{where}share", 0.0),
    )
    if spec.min_instances > spec.max_instances:
        raise ConfigError(
            f"FLEET_CONFIG: {where}min_instances ({spec.min_instances}) exceeds "
            f"max_instances ({spec.max_instances})"
        )
    if mode == "realtime" and spec.min_instances < 1:
        raise ConfigError(
            f"FLEET_CONFIG: {where}min_instances must be >= 1 for a realtime fleet "
            "(real-time endpoints cannot scale to zero instances)"
        )
    return spec


def parse_config(text: str | None) -> FleetConfig:
    """Parse the JSON that Terraform renders into a validated :class:`FleetConfig`."""
    if text is None or not text.strip():
        raise ConfigError(f"{CONFIG_ENV} is not set")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"FLEET_CONFIG is not valid JSON: {exc.msg} at {exc.pos}") from None
    if not isinstance(raw, dict):
        raise ConfigError("FLEET_CONFIG must be a JSON object")

    fleet_name = _text(_require(raw, "fleet_name", ""), "fleet_name")
    mode = _choice(raw.get("invocation_mode", "async"), "invocation_mode", INVOCATION_MODES)
    raw_endpoints = _require(raw, "endpoints", "")
    if not isinstance(raw_endpoints, list) or not raw_endpoints:
        raise ConfigError("FLEET_CONFIG: endpoints must be a non-empty list")
    endpoints = tuple(_endpoint(item, i, mode) for i, item in enumerate(raw_endpoints))
    seen: set[str] = set()
    for i, spec in enumerate(endpoints):
        if spec.name in seen:
            raise ConfigError(f"FLEET_CONFIG: endpoints[{i}].name {spec.name!r} is duplicated")
        seen.add(spec.name)
    dispatch, queue = _queue(raw, mode)
    router_api_name, router_api_stage = _router_api(raw)

    config = FleetConfig(
        fleet_name=fleet_name,
        dimension_id=_text(raw.get("dimension_id", fleet_name), "dimension_id"),
        invocation_mode=mode,  # type: ignore[arg-type]
        strategy=_choice(raw.get("strategy", "race"), "strategy", STRATEGIES),  # type: ignore[arg-type]
        min_capacity=_integer(_require(raw, "min_capacity", ""), "min_capacity", 0),
        max_capacity=_integer(_require(raw, "max_capacity", ""), "max_capacity", 0),
        activity_timeout_seconds=_integer(
            raw.get("activity_timeout_seconds", 1500), "activity_timeout_seconds", 1
        ),
        endpoints=endpoints,
        capacity_retry_seconds=_integer(
            raw.get("capacity_retry_seconds", 900), "capacity_retry_seconds", 0
        ),
        router_cache_ttl_seconds=_number(
            raw.get("router_cache_ttl_seconds", 5), "router_cache_ttl_seconds", 0.0
        ),
        max_failover_attempts=_integer(
            raw.get("max_failover_attempts", 2), "max_failover_attempts", 0
        ),
        metrics_namespace=_namespace(raw.get("metrics_namespace", "SageMakerFleet")),
        drain_timeout_seconds=_integer(
            raw.get("drain_timeout_seconds", 900), "drain_timeout_seconds", 0
        ),
        backlog_max_age_seconds=_integer(
            raw.get("backlog_max_age_seconds", 300), "backlog_max_age_seconds", 0
        ),
        scale_to_zero_idle_seconds=_integer(
            raw.get("scale_to_zero_idle_seconds", 900), "scale_to_zero_idle_seconds", 0
        ),
        trim_hold_seconds=_integer(raw.get("trim_hold_seconds", 120), "trim_hold_seconds", 0),
        router_api_name=router_api_name,
        router_api_stage=router_api_stage,
        dispatch=dispatch,
        queue=queue,
        burst_signal=_boolean(raw.get("burst_signal", True), "burst_signal"),
    )
    if config.min_capacity > config.max_capacity:
        raise ConfigError(
            f"FLEET_CONFIG: min_capacity ({config.min_capacity}) exceeds "
            f"max_capacity ({config.max_capacity})"
        )
    ceiling = sum(spec.max_instances * spec.capacity_per_instance for spec in endpoints)
    if config.max_capacity > ceiling:
        raise ConfigError(
            f"FLEET_CONFIG: max_capacity ({config.max_capacity}) exceeds what the endpoints "
            f"can hold (sum of max_instances x capacity_per_instance = {ceiling})"
        )
    return config


@lru_cache(maxsize=1)
def load_config() -> FleetConfig:
    """The container's config, parsed once from the environment."""
    return parse_config(os.environ.get(CONFIG_ENV))


def table_name() -> str:
    name = os.environ.get(TABLE_ENV, "").strip()
    if not name:
        raise ConfigError(f"{TABLE_ENV} is not set")
    return name
