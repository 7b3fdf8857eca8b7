"""Schedules of Application Auto Scaling scheduled actions: ``at()``, ``cron()``, ``rate()``.

Semantics as documented for ``PutScheduledAction`` (Application Auto Scaling API
reference, "Schedule") and the user guide's "Schedule recurring scaling actions using
cron expressions", which defers to the EventBridge cron reference:

* ``at(yyyy-mm-ddThh:mm:ss)`` runs once; ``cron(fields)`` has six fields
  ``minutes hours day-of-month month day-of-week year``; both are read in ``Timezone``
  (an IANA name, UTC when absent), and a time zone with daylight saving time moves
  the local time with it.
* ``rate(value unit)``: a positive integer and minute|minutes|hour|hours|day|days; the
  time zone does not apply. Without a start time the first run is one interval after
  the action is created (here: after the simulation starts).
* cron fields: minutes 0-59, hours 0-23, day-of-month 1-31, month 1-12 or JAN-DEC,
  day-of-week 1-7 or SUN-SAT, year 1970-2199; wildcards ``, - * /`` in every field,
  ``?`` in day-of-month or day-of-week (exactly one of the two must be ``?``),
  ``L`` and ``W`` in day-of-month, ``L`` and ``#`` in day-of-week.

Pure: a :class:`Schedule` answers at which minutes of a run it fires.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from .scenario import ScheduledAction

MONTH_NAMES = {
    name: i
    for i, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1
    )
}
DAY_NAMES = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
RATE_UNITS = {"minute": 1, "minutes": 1, "hour": 60, "hours": 60, "day": 1440, "days": 1440}
FORMS = (
    "at(yyyy-mm-ddThh:mm:ss), cron(minutes hours day-of-month month day-of-week year) "
    "or rate(N minutes|hours|days)"
)


class ScheduleError(ValueError):
    """A schedule expression or time zone that Application Auto Scaling would reject."""

    def __init__(self, message: str, field: str = "schedule") -> None:
        super().__init__(message)
        self.field = field


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"unknown time zone {name!r}; use an IANA name such as UTC, Europe/Berlin or "
            "America/New_York",
            field="timezone",
        ) from None


def aws_day_of_week(day: date) -> int:
    """1 = Sunday ... 7 = Saturday, as in cron's day-of-week field."""
    return (day.weekday() + 1) % 7 + 1


# -- cron fields --------------------------------------------------------------------------


def _number(text: str, low: int, high: int, names: dict[str, int], field: str) -> int:
    value = names.get(text.upper()) if not text.isdigit() else int(text)
    if value is None or not low <= value <= high:
        raise ScheduleError(f"cron {field} {text!r} is not in {low}-{high}")
    return value


def _values(text: str, low: int, high: int, names: dict[str, int], field: str) -> set[int]:
    """``*``, ``5``, ``1-5``, ``*/15``, ``0/10``, ``1-20/5`` and comma lists of them."""
    result: set[int] = set()
    for item in text.split(","):
        base, _, step_text = item.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise ScheduleError(f"cron {field} step {step_text!r} must be a positive integer")
            step = int(step_text)
        if base == "*":
            first, last = low, high
        elif "-" in base:
            start, _, end = base.partition("-")
            first, last = (_number(x, low, high, names, field) for x in (start, end))
        else:
            first = _number(base, low, high, names, field)
            last = high if step_text else first
        if first > last:
            raise ScheduleError(f"cron {field} range {base!r} goes backwards")
        result.update(range(first, last + 1, step))
    return result


DayTest = Callable[[date], bool]


def _nearest_weekday(day: date, target: int) -> date:
    last = calendar.monthrange(day.year, day.month)[1]
    candidate = day.replace(day=min(target, last))
    if candidate.weekday() == 5:  # Saturday: the Friday before, unless that leaves the month
        return candidate - timedelta(days=1) if candidate.day > 1 else candidate + timedelta(2)
    if candidate.weekday() == 6:  # Sunday: the Monday after, unless that leaves the month
        return candidate + timedelta(days=1) if candidate.day < last else candidate - timedelta(2)
    return candidate


def _day_of_month(text: str) -> DayTest:
    def last_day(day: date) -> int:
        return calendar.monthrange(day.year, day.month)[1]

    if text == "L":
        return lambda day: day.day == last_day(day)
    if text == "LW":
        return lambda day: day == _nearest_weekday(day.replace(day=last_day(day)), last_day(day))
    match = re.fullmatch(r"(\d{1,2})W", text)
    if match:
        target = _number(match.group(1), 1, 31, {}, "day-of-month")
        return lambda day: day == _nearest_weekday(day, target)
    days = _values(text, 1, 31, {}, "day-of-month")
    return lambda day: day.day in days


def _day_of_week(text: str) -> DayTest:
    if text == "L":
        return lambda day: aws_day_of_week(day) == 7
    match = re.fullmatch(r"(\w+)L", text)
    if match:  # the last such weekday of the month
        weekday = _number(match.group(1), 1, 7, DAY_NAMES, "day-of-week")
        return lambda day: (
            aws_day_of_week(day) == weekday
            and day.day + 7 > calendar.monthrange(day.year, day.month)[1]
        )
    match = re.fullmatch(r"(\w+)#([1-5])", text)
    if match:  # the n-th such weekday of the month
        weekday = _number(match.group(1), 1, 7, DAY_NAMES, "day-of-week")
        nth = int(match.group(2))
        return lambda day: aws_day_of_week(day) == weekday and (day.day - 1) // 7 + 1 == nth
    days = _values(text, 1, 7, DAY_NAMES, "day-of-week")
    return lambda day: aws_day_of_week(day) in days


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int]
    day: DayTest

    @classmethod
    def parse(cls, fields_text: str) -> Cron:
        fields = fields_text.split()
        if len(fields) != 6:
            raise ScheduleError(
                f"cron() needs 6 fields (minutes hours day-of-month month day-of-week year), "
                f"got {len(fields)}"
            )
        minute, hour, dom, month, dow, year = fields
        if (dom == "?") == (dow == "?"):
            raise ScheduleError(
                "cron(): exactly one of day-of-month and day-of-week must be '?' "
                "(e.g. cron(0 8 * * ? *) or cron(0 8 ? * MON-FRI *))"
            )
        day = _day_of_week(dow) if dom == "?" else _day_of_month(dom)
        return cls(
            minutes=frozenset(_values(minute, 0, 59, {}, "minutes")),
            hours=frozenset(_values(hour, 0, 23, {}, "hours")),
            months=frozenset(_values(month, 1, 12, MONTH_NAMES, "month")),
            years=frozenset(_values(year, 1970, 2199, {}, "year")),
            day=day,
        )

    def matches(self, local: datetime) -> bool:
        return (
            local.minute in self.minutes
            and local.hour in self.hours
            and local.month in self.months
            and local.year in self.years
            and self.day(local.date())
        )


# -- the three forms ----------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    expression: str
    timezone: ZoneInfo
    kind: str  # "at" | "cron" | "rate"
    at: datetime | None = None
    cron: Cron | None = None
    every_minutes: int = 0

    def fire_minutes(self, start: datetime, duration_minutes: float) -> list[float]:
        """Minutes after ``start`` (0 <= m <= duration) at which the action runs."""
        if self.kind == "rate":
            count = int(duration_minutes // self.every_minutes)
            return [float(k * self.every_minutes) for k in range(1, count + 1)]
        if self.kind == "at":
            assert self.at is not None
            offset = (self.at - start).total_seconds() / 60
            return [offset] if 0 <= offset <= duration_minutes else []
        assert self.cron is not None
        start_utc = start.astimezone(UTC)
        first = start_utc.replace(second=0, microsecond=0)
        if first < start_utc:
            first += timedelta(minutes=1)
        result = []
        moment = first
        end = start_utc + timedelta(minutes=duration_minutes)
        while moment <= end:
            if self.cron.matches(moment.astimezone(self.timezone)):
                result.append((moment - start_utc).total_seconds() / 60)
            moment += timedelta(minutes=1)
        return result


def parse(expression: str, timezone: str = "UTC") -> Schedule:
    """A schedule as ``PutScheduledAction`` accepts it; :class:`ScheduleError` otherwise."""
    tz = zone(timezone)
    match = re.fullmatch(r"(at|cron|rate)\((.*)\)", expression.strip())
    if match is None:
        raise ScheduleError(f"{expression!r} is not a schedule; expected {FORMS}")
    kind, body = match.groups()
    if kind == "at":
        try:
            naive = datetime.strptime(body.strip(), "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            raise ScheduleError(
                f"at() takes yyyy-mm-ddThh:mm:ss (in the action's time zone), got {body!r}"
            ) from None
        return Schedule(expression, tz, "at", at=naive.replace(tzinfo=tz))
    if kind == "rate":
        parts = body.split()
        if len(parts) != 2 or not parts[0].isdigit() or int(parts[0]) < 1:
            raise ScheduleError(f"rate() takes a positive integer and a unit, got {body!r}")
        if parts[1] not in RATE_UNITS:
            raise ScheduleError(f"rate() unit {parts[1]!r} is not one of {', '.join(RATE_UNITS)}")
        return Schedule(expression, tz, "rate", every_minutes=int(parts[0]) * RATE_UNITS[parts[1]])
    return Schedule(expression, tz, "cron", cron=Cron.parse(body))


# -- Application Auto Scaling running the actions ------------------------------------------


class Limits(Protocol):
    """The scalable target's range, as the autoscaling model keeps it."""

    min_capacity: int
    max_capacity: int


@dataclass(frozen=True)
class Outcome:
    desired: int | None  # the PATCH Application Auto Scaling sends, if any
    reason: str


def run_action(action: ScheduledAction, limits: Limits, current: int) -> Outcome:
    """What Application Auto Scaling does when a scheduled action runs.

    It sets the scalable target's MinCapacity and/or MaxCapacity to the action's values;
    if the current capacity is below the new minimum it scales out to it, if above the new
    maximum it scales in to it, otherwise the capacity stays (PutScheduledAction,
    ScalableTargetAction; user guide "How scheduled scaling works"). Scaling policies then
    stay within the new range. An action that would leave MinCapacity above MaxCapacity
    changes nothing.
    """
    new_min = limits.min_capacity if action.min_capacity is None else action.min_capacity
    new_max = limits.max_capacity if action.max_capacity is None else action.max_capacity
    label = f"scheduled action {action.name}"
    if new_min > new_max:
        return Outcome(None, f"{label} failed: min {new_min} > max {new_max}")
    limits.min_capacity, limits.max_capacity = new_min, new_max
    wanted = min(max(current, new_min), new_max)
    reason = f"{label}: min {new_min}, max {new_max}"
    if wanted == current:
        return Outcome(None, f"{reason}, capacity {current} within it")
    return Outcome(wanted, reason)


def action_minutes(action: ScheduledAction, start: datetime, duration: float) -> list[float]:
    """Minutes of the run at which ``action`` runs, within its start and end time.

    With a start time, AAS runs a recurring action at that time and then on its
    recurrence (for ``rate()`` counted from the start time); after the end time it stops
    repeating (PutScheduledAction StartTime/EndTime; user guide, "Schedule recurring
    scaling actions using cron expressions").
    """
    schedule = parse(action.schedule, action.timezone)

    def offset(moment: datetime) -> float:
        return (moment - start).total_seconds() / 60

    first = -math.inf if action.start_time is None else offset(action.start_time)
    last = math.inf if action.end_time is None else offset(action.end_time)
    if schedule.kind == "rate" and action.start_time is not None:
        step = schedule.every_minutes
        k = max(0, math.ceil(-first / step))
        minutes = []
        while first + k * step <= duration:
            minutes.append(first + k * step)
            k += 1
    else:
        minutes = [m for m in schedule.fire_minutes(start, duration) if m >= first]
        if schedule.kind == "cron" and 0 <= first <= duration and first not in minutes:
            minutes = sorted([first, *minutes])
    return [m for m in minutes if 0 <= m <= min(duration, last)]


class ScheduledScaling:
    """The scenario's scheduled actions, in the order they fire during the run."""

    def __init__(
        self, actions: Sequence[ScheduledAction], start: datetime, duration_minutes: float
    ) -> None:
        firings = [
            (minute, order, action)
            for order, action in enumerate(actions)
            for minute in action_minutes(action, start, duration_minutes)
        ]
        self._pending = sorted(firings, key=lambda firing: (firing[0], firing[1]))

    @property
    def pending(self) -> list[tuple[float, ScheduledAction]]:
        return [(minute, action) for minute, _, action in self._pending]

    def due(self, minute: float) -> list[ScheduledAction]:
        """The actions whose time has come by ``minute``, each once, oldest first."""
        ready = [action for at, _, action in self._pending if at <= minute]
        self._pending = [firing for firing in self._pending if firing[0] > minute]
        return ready


def in_units(action: ScheduledAction, convert: Callable[[int], int]) -> ScheduledAction:
    """``action`` with its MinCapacity and MaxCapacity converted by ``convert``: the
    scenario's actions count the fleet's capacity units, a baseline's scalable target
    counts instances (of one pool or one endpoint)."""
    return replace(
        action,
        min_capacity=None if action.min_capacity is None else convert(action.min_capacity),
        max_capacity=None if action.max_capacity is None else convert(action.max_capacity),
    )


def run_actions(
    actions: Sequence[ScheduledAction],
    limits: Limits,
    current: int,
    patch: Callable[[int], None],
) -> tuple[int | None, list[str]]:
    """Run ``actions`` in order on ``limits`` (a scalable target of the autoscaling model)
    at capacity ``current``; ``patch`` sends what AAS would. Returns the last capacity
    sent (or None) and a note per action, for the timeline."""
    patched = None
    notes = []
    for action in actions:
        done = run_action(action, limits, current)
        notes.append(done.reason)
        if done.desired is not None:
            patch(done.desired)
            patched = current = done.desired
    return patched, notes


def run_due(
    scheduled: ScheduledScaling,
    minute: float,
    limits: Limits,
    current: int,
    patch: Callable[[int], None],
) -> tuple[int | None, list[str]]:
    """Run the actions due by ``minute`` on ``limits`` (:func:`run_actions`)."""
    return run_actions(scheduled.due(minute), limits, current, patch)
