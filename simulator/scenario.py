"""Scenarios: small TOML files over a shared set of defaults (``scenarios/_defaults.toml``).

The autoscaling settings are not part of the TOML defaults: they come from
``modules/fleet-autoscaling/scaling_defaults.json``, the file the Terraform module
reads too, so the simulator models exactly the module's defaults. A scenario's
``[autoscaling]`` table may override any key of that file (same names).
"""

from __future__ import annotations

import itertools
import json
import re
import tomllib
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .validation import Problem, check_schema, check_values, parse_start_time

# The router's REST API and stage, for AWS/ApiGateway Count (FLEET_CONFIG router_api).
API_NAME = "fleet-router"
API_STAGE = "v1"

SCENARIO_DIR = Path(__file__).parent / "scenarios"
DEFAULTS_FILE = SCENARIO_DIR / "_defaults.toml"
DEFAULT_START = datetime(2026, 11, 28, tzinfo=UTC)
SCALING_DEFAULTS_FILE = (
    Path(__file__).resolve().parents[1] / "modules" / "fleet-autoscaling" / "scaling_defaults.json"
)
SIGNALS = ("load", "backlog")


class ScenarioError(ValueError):
    """A scenario file is missing or invalid; the message names the file and the key."""

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class InstanceType:
    name: str
    provisioning_seconds: float
    deprovisioning_seconds: float
    requests_per_minute: float  # served per instance (the mean; service times vary)
    price_per_hour: float  # on-demand USD per instance-hour


@dataclass(frozen=True)
class SimEndpoint:
    name: str
    instance_type: str
    initial_instances: int
    min_instances: int
    max_instances: int
    priority: int
    capacity_per_instance: int = 1
    share: float = 1.0


# The fast scale-in step's deepest removal, percent (fast_scale_in_max_percent): the module's
# step sets (modules/fleet-autoscaling/main.tf fast_in_steps).
FAST_IN_MAX_PERCENTS = (66, 85, 93)


@dataclass(frozen=True)
class ScalingSettings:
    """The module's autoscaling settings (``scaling_defaults.json``), as the simulator uses them."""

    scaling_signal: str
    load_target_value_queue: float
    load_target_value_direct: float
    load_backlog_minutes_queue: float
    load_backlog_minutes_direct: float
    load_keep_up_waiting_queue: float
    backlog_target_value: float
    scale_out_cooldown_seconds: float
    scale_in_cooldown_seconds: float
    scale_from_zero_evaluation_periods: int
    scale_from_zero_cooldown_seconds: float
    fast_scale_out_ratio: float
    fast_scale_out_evaluation_periods: int
    fast_scale_out_headroom_queue: float
    fast_scale_out_headroom_direct: float
    fast_scale_out_min_capacity_queue: int
    fast_scale_out_min_capacity_direct: int
    burst_evaluation_periods_queue: int
    burst_evaluation_periods_direct: int
    fast_scale_in_ratio: float
    fast_scale_in_evaluation_periods: int
    fast_scale_in_cooldown_seconds: float
    fast_scale_in_min_capacity: int
    fast_scale_in_max_percent_queue: int
    fast_scale_in_max_percent_direct: int
    steady_scale_in_ratio: float
    steady_scale_in_datapoints: int
    steady_scale_in_evaluation_periods: int
    steady_scale_in_cooldown_seconds: float
    steady_scale_in_min_capacity: int
    drain_timeout_seconds: float
    scale_to_zero_idle_seconds: float
    trim_hold_seconds: float
    backlog_max_age_seconds: float
    reconcile_schedule: str
    metric_period_seconds: int

    @property
    def reconcile_minutes(self) -> int:
        """``rate(N minute[s])`` or ``rate(N hour[s])`` as minutes."""
        match = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours)\)", self.reconcile_schedule)
        if match is None:
            raise ScenarioError(
                f"autoscaling.reconcile_schedule {self.reconcile_schedule!r} is not rate(N minutes)"
            )
        return int(match.group(1)) * (60 if match.group(2).startswith("hour") else 1)


def scaling_settings(overrides: dict[str, Any] | None = None) -> ScalingSettings:
    """``scaling_defaults.json`` with ``overrides`` (same key names) applied and checked."""
    with SCALING_DEFAULTS_FILE.open() as handle:
        raw = json.load(handle)
    raw = {**raw, **(overrides or {})}
    known = {f.name: f.type for f in fields(ScalingSettings)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ScenarioError(f"scenario: autoscaling.{unknown[0]} is not a scaling setting")
    values: dict[str, Any] = {}
    for name, kind in known.items():
        if name not in raw:
            raise ScenarioError(f"{SCALING_DEFAULTS_FILE.name}: {name} is required")
        value = raw[name]
        if kind == "str":
            if not isinstance(value, str):
                raise ScenarioError(f"scenario: autoscaling.{name} must be a string")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ScenarioError(f"scenario: autoscaling.{name} must be a number >= 0")
        elif kind == "int":
            if int(value) != value:
                raise ScenarioError(f"scenario: autoscaling.{name} must be an integer")
            value = int(value)
        else:
            value = float(value)
        values[name] = value
    if values["scaling_signal"] not in SIGNALS:
        raise ScenarioError(
            f"scenario: autoscaling.scaling_signal must be load or backlog, "
            f"not {values['scaling_signal']!r}"
        )
    for name in (
        "load_target_value_queue",
        "load_target_value_direct",
        "backlog_target_value",
        "metric_period_seconds",
    ):
        if values[name] <= 0:
            raise ScenarioError(f"scenario: autoscaling.{name} must be > 0")
    for name in (
        "load_backlog_minutes_queue",
        "load_backlog_minutes_direct",
        "fast_scale_out_headroom_queue",
        "fast_scale_out_headroom_direct",
    ):
        if values[name] < 1:
            raise ScenarioError(f"scenario: autoscaling.{name} must be >= 1")
    for name in ("fast_scale_in_max_percent_queue", "fast_scale_in_max_percent_direct"):
        if values[name] not in FAST_IN_MAX_PERCENTS:
            raise ScenarioError(f"scenario: autoscaling.{name} must be 66, 85 or 93")
    settings = ScalingSettings(**values)
    settings.reconcile_minutes  # noqa: B018  (validates the schedule)
    return settings


@dataclass(frozen=True)
class Shortage:
    instance_type: str
    start_minute: float
    end_minute: float


@dataclass(frozen=True)
class Incident:
    endpoint: str
    at_minute: float
    action: str  # "fail" | "delete"


@dataclass(frozen=True)
class ScheduledAction:
    """An Application Auto Scaling scheduled action on the fleet's scalable target."""

    name: str
    schedule: str  # at(...), cron(...) or rate(...)
    timezone: str
    min_capacity: int | None
    max_capacity: int | None
    start_time: datetime | None = None  # active from (a recurring action also runs then)
    end_time: datetime | None = None  # stops repeating after


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    duration_minutes: int
    seed: int
    strategy: str
    fleet_name: str
    min_capacity: int
    max_capacity: int
    activity_timeout_seconds: int
    capacity_retry_seconds: int
    demand: tuple[tuple[float, float], ...]
    demand_shape: str
    endpoints: tuple[SimEndpoint, ...]
    instance_types: dict[str, InstanceType]
    autoscaling: ScalingSettings
    shortages: tuple[Shortage, ...]
    incidents: tuple[Incident, ...]
    rollback_seconds: float
    event_delay_seconds: float
    start_time: datetime = DEFAULT_START
    scheduled_actions: tuple[ScheduledAction, ...] = ()
    source: Path | None = None  # the scenario file
    metric_delay_seconds: float = 120.0  # CloudWatch publication delay (AWS: 1-3 minutes)
    # How long after its 10-second period a high-resolution datapoint (PutMetricData with
    # StorageResolution 1) reaches its alarm; AWS documents no figure (see engine.py).
    high_resolution_delay_seconds: float = 20.0
    service_time_cv: float = 0.25  # coefficient of variation of service times

    def rate_at(self, minute: float) -> float:
        """Requests per minute at ``minute`` (step or linear between the points)."""
        points = self.demand
        if minute <= points[0][0]:
            return points[0][1]
        for (m0, r0), (m1, r1) in itertools.pairwise(points):
            if m0 <= minute < m1:
                if self.demand_shape == "linear":
                    return r0 + (r1 - r0) * (minute - m0) / (m1 - m0)
                return r0
        return points[-1][1]

    def in_shortage(self, instance_type: str, minute: float) -> bool:
        return any(
            s.instance_type == instance_type and s.start_minute <= minute < s.end_minute
            for s in self.shortages
        )

    def fleet_config(self) -> dict[str, Any]:
        """FLEET_CONFIG as the Terraform module renders it."""
        return {
            "fleet_name": self.fleet_name,
            "dimension_id": self.fleet_name,
            "invocation_mode": "async",
            "strategy": self.strategy,
            "min_capacity": self.min_capacity,
            "max_capacity": self.max_capacity,
            "activity_timeout_seconds": self.activity_timeout_seconds,
            "capacity_retry_seconds": self.capacity_retry_seconds,
            "drain_timeout_seconds": int(self.autoscaling.drain_timeout_seconds),
            "scale_to_zero_idle_seconds": int(self.autoscaling.scale_to_zero_idle_seconds),
            "trim_hold_seconds": int(self.autoscaling.trim_hold_seconds),
            "router_api": {"name": API_NAME, "stage": API_STAGE},
            "metrics_namespace": "SageMakerFleet",
            "endpoints": [
                {
                    "name": ep.name,
                    "variant": "AllTraffic",
                    "capacity_per_instance": ep.capacity_per_instance,
                    "min_instances": ep.min_instances,
                    "max_instances": ep.max_instances,
                    "priority": ep.priority,
                    "share": ep.share,
                }
                for ep in self.endpoints
            ],
        }


def available() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml") if not p.stem.startswith("_"))


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _path(name_or_path: str) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        return candidate
    return SCENARIO_DIR / f"{name_or_path}.toml"


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: {exc}") from None


def _fail_on(path: Path, problems: list[Problem]) -> None:
    if not problems:
        return
    if len(problems) == 1:
        raise ScenarioError(f"{path}: {problems[0]}", tuple(problems))
    listed = "\n".join(f"  {problem}" for problem in problems)
    raise ScenarioError(f"{path}: {len(problems)} problems\n{listed}", tuple(problems))


def load(name_or_path: str, strategy: str | None = None, seed: int | None = None) -> Scenario:
    """A scenario by name (``step``) or path (``my.toml``), merged over the defaults.

    Each file is checked against ``scenario_schema.json`` on its own (unknown keys, types,
    ranges), then the merged scenario for required keys and values that contradict each
    other; every problem is reported with the file and the key.
    """
    path = _path(name_or_path)
    if not path.exists():
        raise ScenarioError(
            f"no scenario {name_or_path!r}; available: {', '.join(available())} (or a .toml path)"
        )
    defaults = _read(DEFAULTS_FILE)
    _fail_on(DEFAULTS_FILE, check_schema(defaults, partial=True))
    own = _read(path)
    _fail_on(path, check_schema(own, partial=True))
    raw = _merge(defaults, own)
    if strategy is not None:
        raw["strategy"] = strategy
    if seed is not None:
        raw["seed"] = seed
    _fail_on(path, check_schema(raw, partial=False))
    _fail_on(path, check_values(raw))
    try:
        return replace(_build(raw, path.stem), source=path)
    except ScenarioError as exc:  # a check made while building: name the file too
        raise ScenarioError(f"{path}: {str(exc).removeprefix('scenario: ')}") from None


def _build(raw: dict[str, Any], stem: str) -> Scenario:
    """The scenario from a merged document that ``load`` has already checked (schema and
    values), so keys, types and ranges here are known to be right."""
    types = {
        name: InstanceType(
            name=name,
            provisioning_seconds=float(spec["provisioning_seconds"]),
            deprovisioning_seconds=float(spec["deprovisioning_seconds"]),
            requests_per_minute=float(spec["requests_per_minute"]),
            price_per_hour=float(spec["price_per_hour"]),
        )
        for name, spec in raw["instance_types"].items()
    }
    endpoints = tuple(
        SimEndpoint(
            name=spec["name"],
            instance_type=spec["instance_type"],
            initial_instances=int(spec.get("initial_instances", 0)),
            min_instances=int(spec.get("min_instances", 0)),
            max_instances=int(spec["max_instances"]),
            priority=int(spec.get("priority", i + 1)),
            capacity_per_instance=int(spec.get("capacity_per_instance", 1)),
            share=float(spec.get("share", 1)),
        )
        for i, spec in enumerate(raw["endpoints"])
    )
    demand = tuple((float(p["at_minute"]), float(p["rate"])) for p in raw["demand"])
    autoscaling = scaling_settings(raw.get("autoscaling") or {})
    return Scenario(
        name=str(raw.get("name", stem)),
        description=str(raw.get("description", "")),
        duration_minutes=int(raw["duration_minutes"]),
        seed=int(raw["seed"]),
        strategy=raw["strategy"],
        fleet_name=str(raw.get("fleet_name", "demo")),
        min_capacity=int(raw["min_capacity"]),
        max_capacity=int(raw["max_capacity"]),
        activity_timeout_seconds=int(raw["activity_timeout_seconds"]),
        capacity_retry_seconds=int(raw["capacity_retry_seconds"]),
        demand=demand,
        demand_shape=str(raw.get("demand_shape", "step")),
        endpoints=endpoints,
        instance_types=types,
        autoscaling=autoscaling,
        shortages=tuple(
            Shortage(str(s["instance_type"]), float(s["start_minute"]), float(s["end_minute"]))
            for s in raw.get("shortages", [])
        ),
        incidents=tuple(
            Incident(str(i["endpoint"]), float(i["at_minute"]), str(i["action"]))
            for i in raw.get("incidents", [])
        ),
        rollback_seconds=float(raw.get("rollback_seconds", 300)),
        event_delay_seconds=float(raw.get("event_delay_seconds", 5)),
        start_time=parse_start_time(raw.get("start_time", DEFAULT_START)),
        scheduled_actions=tuple(
            ScheduledAction(
                name=str(a["name"]),
                schedule=str(a["schedule"]),
                timezone=str(a.get("timezone", "UTC")),
                min_capacity=a.get("min_capacity"),
                max_capacity=a.get("max_capacity"),
                start_time=parse_start_time(a["start_time"]) if "start_time" in a else None,
                end_time=parse_start_time(a["end_time"]) if "end_time" in a else None,
            )
            for a in raw.get("scheduled_actions", [])
        ),
        metric_delay_seconds=float(raw.get("metric_delay_seconds", 120.0)),
        high_resolution_delay_seconds=float(raw.get("high_resolution_delay_seconds", 20.0)),
        service_time_cv=float(raw.get("service_time_cv", 0.25)),
    )
