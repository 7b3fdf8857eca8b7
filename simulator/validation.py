"""Scenario files checked against ``scenario_schema.json``, then for values that contradict
each other (a shortage that ends before it starts, an endpoint of an undefined instance
type...). Every problem names the key and says what is allowed.

The schema is the one list of the keys a scenario may set: JSON Schema (draft 2020-12),
checked with the ``jsonschema`` package, so a key is added in one place.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import json
import re
import typing
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.validators import extend

from . import schedule

SCHEMA_FILE = Path(__file__).parent / "scenario_schema.json"
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_TYPE_WORDS = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string (in quotes)",
    "object": "a table",
    "array": "a list of tables ([[...]])",
    "boolean": "true or false",
}


@dataclass(frozen=True)
class Problem:
    key: str  # as written in TOML: endpoints[1].instance_type, instance_types."ml.g5.2xlarge"
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}" if self.key else self.message


def key_path(parts: Iterable[str | int]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = part if _BARE_KEY.match(part) else json.dumps(part)
            text += f".{name}" if text else name
    return text


_JSON_TYPES = {int: "integer", float: "number", str: "string", bool: "boolean"}


def settings_properties(settings: type) -> dict[str, Any]:
    """Schema properties for a settings dataclass: one per field, typed by its annotation."""
    hints = typing.get_type_hints(settings)
    properties: dict[str, Any] = {}
    for field in dataclasses.fields(settings):
        kind = _JSON_TYPES.get(hints[field.name], "number")
        properties[field.name] = {"type": kind} | ({"minimum": 0} if kind != "string" else {})
    return properties


@cache
def schema() -> dict[str, Any]:
    """The schema file, with ``[autoscaling]``'s keys from the settings dataclass."""
    from .scenario import Scenario  # noqa: PLC0415  (scenario.py imports this module)

    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text())
    autoscaling = loaded["properties"]["autoscaling"]
    settings = typing.get_type_hints(Scenario)[autoscaling["x-properties-from"].split(".")[1]]
    autoscaling["properties"] = settings_properties(settings)
    return loaded


def _ignore(*_args: Any) -> Iterator[ValidationError]:
    return iter(())


# One file on its own may leave out what the defaults provide: "required" is checked on
# the merged result only.
_Partial = extend(Draft202012Validator, {"required": _ignore})


def _plain(value: Any) -> Any:
    """TOML dates and times as ISO strings, so the schema can check them."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    kind = {bool: "true/false", int: "an integer", float: "a number", str: "a string"}.get(
        type(value), type(value).__name__
    )
    return f"{json.dumps(value)} ({kind})"


def _unknown(error: ValidationError, where: list[str | int]) -> Iterator[Problem]:
    allowed = sorted(error.schema.get("properties", {}))
    for key in sorted(set(error.instance) - set(allowed)):
        what = "table" if isinstance(error.instance[key], dict) else "key"
        guess = difflib.get_close_matches(key, allowed, n=1)
        hint = f"did you mean {guess[0]}? " if guess else ""
        yield Problem(
            key_path([*where, key]), f"unknown {what}; {hint}allowed: {', '.join(allowed)}"
        )


def _problems(error: ValidationError) -> Iterator[Problem]:
    where = list(error.absolute_path)
    key = key_path(where)
    kind, schema_of, value = error.validator, error.schema, error.instance
    if kind == "additionalProperties":
        yield from _unknown(error, where)
    elif "propertyNames" in error.schema_path:
        hint = schema()["properties"]
        for part in where:
            hint = hint.get(part, {}) if isinstance(part, str) else hint
        expected = hint.get("propertyNames", {}).get("description", "another name")
        yield Problem(key_path([*where, value]), f"is not a valid name here; expected {expected}")
    elif kind == "required":
        for name in schema_of["required"]:
            if name not in value:
                yield Problem(key_path([*where, name]), "is required")
    elif kind == "type":
        wanted = schema_of["type"]
        yield Problem(key, f"must be {_TYPE_WORDS.get(wanted, wanted)}, got {_shown(value)}")
    elif kind == "enum":
        options = ", ".join(json.dumps(option) for option in schema_of["enum"])
        yield Problem(key, f"must be one of {options}; got {_shown(value)}")
    elif kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        sign = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}
        yield Problem(key, f"must be {sign[kind]} {error.validator_value}, got {value}")
    elif kind in ("minItems", "minProperties"):
        yield Problem(key, f"needs at least {error.validator_value} entry")
    elif kind == "minLength":
        yield Problem(key, "must not be empty")
    elif kind == "pattern":
        yield Problem(key, f"{_shown(value)} is not valid; expected {schema_of['description']}")
    else:
        yield Problem(key, str(schema_of.get("x-message", error.message)))


def check_schema(raw: dict[str, Any], partial: bool) -> list[Problem]:
    """Problems of one TOML document against the schema (``partial``: no required keys)."""
    validator = (_Partial if partial else Draft202012Validator)(schema())
    errors = sorted(validator.iter_errors(_plain(raw)), key=lambda e: [str(p) for p in e.path])
    return [problem for error in errors for problem in _problems(error)]


def parse_start_time(value: Any) -> datetime:
    """A ``start_time`` or ``end_time``: a TOML offset date-time or an ISO string with an
    offset."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError("needs a UTC offset, e.g. 2026-11-30T07:00:00Z")
    return parsed


def _names(items: Sequence[dict[str, Any]], field: str) -> set[str]:
    return {str(item[field]) for item in items}


def check_values(raw: dict[str, Any]) -> list[Problem]:
    """Values that pass the schema one by one but cannot all hold (the merged scenario)."""
    problems: list[Problem] = []
    duration = raw["duration_minutes"]
    types = sorted(raw["instance_types"])
    endpoints = raw["endpoints"]
    if raw["min_capacity"] > raw["max_capacity"]:
        problems.append(Problem("min_capacity", f"{raw['min_capacity']} is above max_capacity"))
    for i, (before, point) in enumerate(itertools.pairwise(raw["demand"]), start=1):
        if point["at_minute"] <= before["at_minute"]:
            problems.append(
                Problem(
                    f"demand[{i}].at_minute",
                    f"must be greater than demand[{i - 1}].at_minute ({before['at_minute']}); "
                    "demand points go in time order",
                )
            )
    seen: set[str] = set()
    for i, spec in enumerate(endpoints):
        where = f"endpoints[{i}]"
        if spec["name"] in seen:
            problems.append(Problem(f"{where}.name", f"{spec['name']!r} is used twice"))
        seen.add(spec["name"])
        if spec["instance_type"] not in raw["instance_types"]:
            problems.append(
                Problem(
                    f"{where}.instance_type",
                    f"{spec['instance_type']!r} is not defined; defined in [instance_types]: "
                    f"{', '.join(types)}",
                )
            )
        for field in ("min_instances", "initial_instances"):
            if spec.get(field, 0) > spec["max_instances"]:
                problems.append(
                    Problem(f"{where}.{field}", f"{spec[field]} is above max_instances")
                )
    for i, shortage in enumerate(raw.get("shortages", [])):
        where = f"shortages[{i}]"
        if shortage["instance_type"] not in raw["instance_types"]:
            problems.append(
                Problem(
                    f"{where}.instance_type",
                    f"{shortage['instance_type']!r} is not defined; defined: {', '.join(types)}",
                )
            )
        if shortage["end_minute"] <= shortage["start_minute"]:
            problems.append(
                Problem(
                    f"{where}.end_minute",
                    f"{shortage['end_minute']} must be after start_minute "
                    f"({shortage['start_minute']})",
                )
            )
        if shortage["start_minute"] >= duration:
            problems.append(
                Problem(
                    f"{where}.start_minute",
                    f"{shortage['start_minute']} is after the run ends (duration_minutes "
                    f"{duration})",
                )
            )
    names = _names(endpoints, "name")
    for i, incident in enumerate(raw.get("incidents", [])):
        where = f"incidents[{i}]"
        if incident["endpoint"] not in names:
            problems.append(
                Problem(
                    f"{where}.endpoint",
                    f"{incident['endpoint']!r} is not one of the endpoints: "
                    f"{', '.join(sorted(names))}",
                )
            )
        if incident["at_minute"] >= duration:
            problems.append(
                Problem(
                    f"{where}.at_minute",
                    f"{incident['at_minute']} is after the run ends (duration_minutes {duration})",
                )
            )
    if "start_time" in raw:
        try:
            parse_start_time(raw["start_time"])
        except ValueError as exc:
            problems.append(Problem("start_time", str(exc)))
    problems.extend(_check_actions(raw))
    return problems


def _check_actions(raw: dict[str, Any]) -> Iterator[Problem]:
    seen: set[str] = set()
    low, high = raw["min_capacity"], raw["max_capacity"]
    for i, action in enumerate(raw.get("scheduled_actions", [])):
        where = f"scheduled_actions[{i}]"
        if action["name"] in seen:
            yield Problem(f"{where}.name", f"{action['name']!r} is used twice")
        seen.add(action["name"])
        try:
            schedule.parse(action["schedule"], action.get("timezone", "UTC"))
        except schedule.ScheduleError as exc:
            field = "timezone" if exc.field == "timezone" else "schedule"
            yield Problem(f"{where}.{field}", str(exc))
        bounds = {}
        for field in ("start_time", "end_time"):
            if field in action:
                try:
                    bounds[field] = parse_start_time(action[field])
                except ValueError as exc:
                    yield Problem(f"{where}.{field}", str(exc))
        if len(bounds) == 2 and bounds["end_time"] <= bounds["start_time"]:
            yield Problem(f"{where}.end_time", "must be after start_time")
        new_min, new_max = action.get("min_capacity"), action.get("max_capacity")
        if new_min is not None and new_max is not None and new_min > new_max:
            yield Problem(f"{where}.min_capacity", f"{new_min} is above max_capacity {new_max}")
        for field, value in (("min_capacity", new_min), ("max_capacity", new_max)):
            if value is not None and not low <= value <= high:
                yield Problem(
                    f"{where}.{field}",
                    f"{value} is outside the fleet's range {low}..{high} (min_capacity.."
                    "max_capacity): the scaling API would reject the PATCH",
                )
