"""Scheduled actions as Application Auto Scaling runs them: schedules, time zones, min/max."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from simulator.baseline import native_instances, pool_instances
from simulator.engine import simulate
from simulator.report import timeline_lines
from simulator.scenario import ScenarioError, ScheduledAction, SimEndpoint, load
from simulator.schedule import ScheduledScaling, ScheduleError, parse, run_action, run_due
from tests.simulator.conftest import write_scenario

MONDAY = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # 07:00 in Berlin


def minutes(expression: str, timezone: str = "UTC", start=MONDAY, duration=24 * 60):
    return parse(expression, timezone).fire_minutes(start, duration)


def test_cron_is_read_in_the_actions_time_zone():
    assert minutes("cron(30 8 * * ? *)", "Europe/Berlin") == [90.0]  # 08:30 CET = 07:30 UTC
    assert minutes("cron(30 8 * * ? *)") == [150.0]  # 08:30 UTC


def test_a_time_zone_with_daylight_saving_moves_the_utc_time():
    # 9:00 in New York is 14:00 UTC on Saturday 7 March 2026 and 13:00 UTC from Sunday 8 March.
    start = datetime(2026, 3, 7, 0, 0, tzinfo=UTC)
    fired = minutes("cron(0 9 * * ? *)", "America/New_York", start, 2 * 24 * 60)
    assert fired == [14 * 60.0, (24 + 13) * 60.0]


def test_cron_days_of_week_and_month():
    week = 7 * 24 * 60  # Monday 30 November to Monday 7 December 2026
    assert len(minutes("cron(0 8 ? * MON-FRI *)", duration=week)) == 5
    assert len(minutes("cron(0 8 ? * 2-6 *)", duration=week)) == 5  # 1 = Sunday
    assert minutes("cron(0 8 ? * SUN *)", duration=week) == [(6 * 24 + 2) * 60.0]
    assert minutes("cron(0 18 L * ? *)", duration=week) == [12 * 60.0]  # 30 November, 18:00
    assert minutes("cron(0 6 ? * 2#1 *)", duration=week) == [week]  # first Monday of December
    assert len(minutes("cron(0/15 * * * ? *)", duration=60)) == 5  # 06:00, :15, :30, :45, 07:00


def test_at_and_rate():
    assert minutes("at(2026-11-30T08:10:00)", "Europe/Berlin") == [70.0]
    assert minutes("at(2026-11-29T08:10:00)") == []  # before the run
    assert minutes("rate(45 minutes)", duration=120) == [45.0, 90.0]
    assert minutes("rate(1 hour)", "Asia/Tokyo", duration=180) == [60.0, 120.0, 180.0]


@pytest.mark.parametrize(
    ("expression", "timezone", "message"),
    [
        ("cron(0 8 * * *)", "UTC", "needs 6 fields"),
        ("cron(0 8 * * * *)", "UTC", "exactly one of day-of-month and day-of-week"),
        ("cron(0 8 ? * ? *)", "UTC", "exactly one of day-of-month and day-of-week"),
        ("cron(61 8 * * ? *)", "UTC", "minutes '61' is not in 0-59"),
        ("cron(0 8 ? * FUNDAY *)", "UTC", "day-of-week 'FUNDAY'"),
        ("rate(5 weeks)", "UTC", "unit 'weeks'"),
        ("rate(0 minutes)", "UTC", "positive integer"),
        ("at(2026-11-30 08:10)", "UTC", "yyyy-mm-ddThh:mm:ss"),
        ("every(5 minutes)", "UTC", "is not a schedule"),
        ("rate(5 minutes)", "Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
    ],
)
def test_schedules_aws_would_reject_are_rejected(expression, timezone, message):
    with pytest.raises(ScheduleError, match=message):
        parse(expression, timezone)


@dataclass
class Target:
    min_capacity: int = 0
    max_capacity: int = 12


def action(min_capacity=None, max_capacity=None) -> ScheduledAction:
    return ScheduledAction("peak", "rate(1 hour)", "UTC", min_capacity, max_capacity)


def test_a_higher_minimum_scales_out_to_it_and_a_lower_maximum_scales_in():
    target = Target()
    assert run_action(action(min_capacity=8), target, current=2).desired == 8
    assert (target.min_capacity, target.max_capacity) == (8, 12)
    assert run_action(action(max_capacity=5), Target(), current=9).desired == 5


def test_capacity_inside_the_new_range_is_left_alone():
    target = Target()
    done = run_action(action(min_capacity=4), target, current=6)
    assert done.desired is None and target.min_capacity == 4
    assert "min 4, max 12" in done.reason
    assert run_action(action(min_capacity=0), Target(min_capacity=8), current=8).desired is None


def test_an_action_that_would_cross_min_and_max_changes_nothing():
    target = Target(max_capacity=6)
    done = run_action(action(min_capacity=8), target, current=2)
    assert done.desired is None and "failed" in done.reason
    assert (target.min_capacity, target.max_capacity) == (0, 6)


def test_each_firing_is_due_once_in_order():
    actions = [action(min_capacity=3), ScheduledAction("once", "rate(30 minutes)", "UTC", 1, None)]
    scheduled = ScheduledScaling(actions, MONDAY, 90)
    assert [(m, a.name) for m, a in scheduled.pending] == [
        (30.0, "once"), (60.0, "peak"), (60.0, "once"), (90.0, "once")
    ]  # fmt: skip
    assert scheduled.due(29) == []
    assert [a.name for a in scheduled.due(60)] == ["once", "peak", "once"]
    assert scheduled.due(60) == []


ACTIONS = """
duration_minutes = 25
start_time = 2026-11-30T07:00:00+01:00
[[demand]]
at_minute = 0
rate = 1
[[scheduled_actions]]
name = "before-the-peak"
schedule = "cron(5 7 ? * MON-FRI *)"
timezone = "Europe/Berlin"
min_capacity = 6
"""


def test_the_simulated_fleet_follows_a_scheduled_minimum(tmp_path):
    outcome = simulate(load(write_scenario(tmp_path, "scheduled", ACTIONS), strategy="priority"))
    rows = {row.minute: row for row in outcome.timeline}
    assert rows[4].requested <= 1
    assert rows[5].patched == 6 and "scheduled action before-the-peak" in rows[5].reason
    assert all(row.requested >= 6 for row in outcome.timeline[5:])  # no scale-in below min
    assert rows[25].actual >= 6  # in service well before a peak would come
    assert "PATCH 6 by autoscaling: scheduled action before-the-peak" in "\n".join(
        timeline_lines(outcome)
    )


@pytest.mark.parametrize("control", ["aws-sample", "native", "pool", "oracle"])
def test_every_baseline_with_a_scalable_target_runs_the_action(tmp_path, control):
    # The sample has one scalable target for the fleet, a pool one for its endpoint, native
    # one per endpoint (each gets its third of the 6 units): a user who knows the peak
    # schedules it on whichever targets they have. The oracle is a reactive bound.
    outcome = simulate(load(write_scenario(tmp_path, "scheduled", ACTIONS)), control=control)
    rows = {row.minute: row for row in outcome.timeline}
    if control == "oracle":
        assert rows[5].patched is None
        assert "scheduled action before-the-peak not run" in rows[5].reason
        return
    assert rows[5].patched == 6 and "scheduled action before-the-peak" in rows[5].reason
    assert all(row.requested >= 6 for row in outcome.timeline[5:])  # no scale-in below min
    if control != "aws-sample":  # the sample drops updates sent to Updating endpoints
        assert rows[25].actual >= 6


def _endpoints(*specs: tuple[str, int, int]) -> list[SimEndpoint]:
    return [
        SimEndpoint(name, "ml.g5.2xlarge", 0, 0, most, rank, per)
        for rank, (name, most, per) in enumerate(specs, start=1)
    ]


def test_a_pool_counts_the_actions_units_in_instances_in_priority_order():
    endpoints = _endpoints(("big", 2, 3), ("small", 4, 1))
    assert [pool_instances(units, endpoints) for units in (0, 1, 3, 4, 6, 7, 10, 99)] == [
        0,
        1,
        1,
        2,
        2,
        3,
        6,
        6,
    ]


def test_native_gives_each_endpoint_its_share_of_the_units_rounded_up():
    endpoints = _endpoints(("a", 4, 1), ("b", 4, 2), ("c", 2, 1))
    assert native_instances(8, endpoints) == {"a": 3, "b": 2, "c": 2}  # 8/3 = 2.67 units
    assert native_instances(0, endpoints) == {"a": 0, "b": 0, "c": 0}
    assert native_instances(12, endpoints) == {"a": 4, "b": 2, "c": 2}  # capped at its max


def test_the_shipped_scenario_raises_capacity_before_its_peak():
    scenario = load("scheduled-peak")
    [before, after] = scenario.scheduled_actions
    assert (before.min_capacity, after.min_capacity) == (8, 0)
    fired = ScheduledScaling(scenario.scheduled_actions, scenario.start_time, 120).pending
    peak = next(minute for minute, rate in scenario.demand if rate > 10)
    assert [m for m, _ in fired] == [40.0, 105.0]
    assert fired[0][0] + 15 <= peak  # time to provision before the peak


def test_scheduled_action_mistakes_name_the_key(tmp_path):
    body = ACTIONS.replace('timezone = "Europe/Berlin"', 'timezone = "Europe/Berln"')
    with pytest.raises(ScenarioError, match=r"scheduled_actions\[0\]\.timezone: unknown time"):
        load(write_scenario(tmp_path, "tz", body))
    body = ACTIONS.replace("min_capacity = 6", "max_capacity = 2\nmin_capacity = 6")
    with pytest.raises(ScenarioError, match=r"scheduled_actions\[0\]\.min_capacity: 6 is above"):
        load(write_scenario(tmp_path, "cross", body))
    body = ACTIONS.replace("min_capacity = 6", "min_capacity = 20")
    with pytest.raises(ScenarioError, match=r"outside the fleet's range 0..12"):
        load(write_scenario(tmp_path, "big", body))
    body = ACTIONS.replace("min_capacity = 6\n", "")
    with pytest.raises(ScenarioError, match="needs min_capacity, max_capacity or both"):
        load(write_scenario(tmp_path, "none", body))
    body = ACTIONS.replace("cron(5 7 ? * MON-FRI *)", "cron(5 7 * * MON-FRI *)")
    with pytest.raises(ScenarioError, match=r"scheduled_actions\[0\]\.schedule: cron\(\): exactly"):
        load(write_scenario(tmp_path, "cron", body))


def test_run_due_patches_through_the_scaling_api_and_notes_every_action():
    actions = [
        ScheduledAction("raise", "rate(10 minutes)", "UTC", 5, None),
        ScheduledAction("cap", "rate(10 minutes)", "UTC", None, 4),  # crosses min 5: refused
    ]
    scheduled = ScheduledScaling(actions, MONDAY, 10)
    sent: list[int] = []
    target = Target()
    patched, notes = run_due(scheduled, 10, target, current=1, patch=sent.append)
    assert (patched, sent) == (5, [5])
    assert notes == [
        "scheduled action raise: min 5, max 12",
        "scheduled action cap failed: min 5 > max 4",
    ]
    assert run_due(scheduled, 11, target, current=5, patch=sent.append) == (None, [])


def test_start_and_end_time_bound_a_recurring_action():
    def fired(schedule, start=None, end=None):
        timed = ScheduledAction("timed", schedule, "UTC", 2, None, start, end)
        return [minute for minute, _ in ScheduledScaling([timed], MONDAY, 240).pending]

    at = datetime(2026, 11, 30, 7, 10, tzinfo=UTC)  # minute 70 of a run starting 06:00 UTC
    until = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # minute 180
    # rate(): counted from the start time, which is also its first run.
    assert fired("rate(1 hour)", start=at) == [70.0, 130.0, 190.0]
    assert fired("rate(1 hour)", start=at, end=until) == [70.0, 130.0]
    # cron(): runs at the start time, then on its schedule; none after the end time.
    assert fired("cron(0 * * * ? *)", start=at, end=until) == [70.0, 120.0, 180.0]
    assert fired("cron(0 * * * ? *)") == [0.0, 60.0, 120.0, 180.0, 240.0]
    # at(): once, if it falls inside the bounds.
    assert fired("at(2026-11-30T06:30:00)") == [30.0]
    assert fired("at(2026-11-30T06:30:00)", start=at) == []


def test_a_scenario_action_takes_the_modules_start_and_end_time(tmp_path):
    body = ACTIONS.replace(
        "min_capacity = 6\n",
        'min_capacity = 6\nstart_time = "2026-11-30T06:03:00Z"\nend_time = 2026-12-30T00:00:00Z\n',
    )
    [timed] = load(write_scenario(tmp_path, "timed", body)).scheduled_actions
    assert timed.start_time == datetime(2026, 11, 30, 6, 3, tzinfo=UTC)
    assert timed.end_time == datetime(2026, 12, 30, tzinfo=UTC)
    backwards = body.replace("2026-12-30T00:00:00Z", "2026-11-30T06:00:00Z")
    with pytest.raises(ScenarioError, match=r"scheduled_actions\[0\]\.end_time: must be after"):
        load(write_scenario(tmp_path, "backwards", backwards))
    naive = body.replace('"2026-11-30T06:03:00Z"', '"2026-11-30T06:03:00"')
    with pytest.raises(ScenarioError, match=r"scheduled_actions\[0\]\.start_time: .* not valid"):
        load(write_scenario(tmp_path, "naive", naive))
