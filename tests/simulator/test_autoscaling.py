"""Simulated Application Auto Scaling decisions (pure), on the module's default settings."""

from __future__ import annotations

import json

import pytest

from simulator.autoscaling import (
    ScalableTarget,
    StepPolicy,
    TargetTracking,
    fleet_target,
    load_metric,
    native_target,
    percent_adjustment,
    waiting_without_capacity,
)
from simulator.scenario import SCALING_DEFAULTS_FILE, load

SETTINGS = load("step").autoscaling
TARGET = SETTINGS.load_target_value


def backlog_target() -> ScalableTarget:
    return fleet_target(SETTINGS, 0, 12, "backlog")


def load_target() -> ScalableTarget:
    return fleet_target(SETTINGS, 0, 12, "load")


def test_the_settings_are_the_modules_json():
    module = json.loads(SCALING_DEFAULTS_FILE.read_text())
    for key, value in module.items():
        assert getattr(SETTINGS, key) == value


@pytest.mark.parametrize(
    ("arrivals", "backlogs", "capacity", "load", "waiting"),
    [
        (40, [0, 0, 0], 12, 40 / 12, 0),  # keeping up: load is not 0
        (40, [3, 2, 1], 0, 46, 46),  # no capacity: divide by 1, and the alarm sees 46
        (0, [0, 0, 0], 4, 0, 0),
        (10, [5, 0, 0], 0.5, 15, 15),
    ],
)
def test_load_signal_metric_math(arrivals, backlogs, capacity, load, waiting):
    assert load_metric(arrivals, backlogs, capacity) == pytest.approx(load)
    assert waiting_without_capacity(arrivals, backlogs, capacity) == pytest.approx(waiting)


def test_target_tracking_scales_out_after_three_datapoints_above_target():
    t = backlog_target()
    assert t.evaluate(60, 20.0, 0, actual=2, desired=2) is None
    assert t.evaluate(120, 20.0, 0, actual=2, desired=2) is None
    decision = t.evaluate(180, 20.0, 0, actual=2, desired=2)
    assert decision is not None and decision.desired == 8  # ceil(2 * 20 / 5)


def test_scale_out_is_capped_at_max_capacity():
    t = backlog_target()
    for minute in range(1, 3):
        t.evaluate(minute * 60, 500.0, 0, actual=1, desired=1)
    assert t.evaluate(180, 500.0, 0, actual=1, desired=1).desired == 12


def test_scale_in_needs_fifteen_low_datapoints_and_waits_for_its_cooldown():
    t = backlog_target()
    decisions = [t.evaluate(m * 60, 1.0, 0, actual=10, desired=10) for m in range(1, 16)]
    assert decisions[:14] == [None] * 14
    assert decisions[14] is not None and decisions[14].desired == 2  # ceil(10 * 1 / 5)
    cooldown_minutes = int(SETTINGS.scale_in_cooldown_seconds // 60)
    later = [t.evaluate(m * 60, 1.0, 0, actual=2, desired=2) for m in range(16, 16 + 9)]
    assert later == [None] * 9  # nothing lower to ask for, and inside the cooldown anyway
    inside = t.evaluate((15 + cooldown_minutes - 1) * 60, 0.1, 0, actual=9, desired=9)
    assert inside is None
    after = t.evaluate((15 + cooldown_minutes) * 60, 0.1, 0, actual=9, desired=9)
    assert after is not None and after.desired == 1


def test_a_scale_out_ends_the_scale_in_cooldown():
    t = backlog_target()
    for m in range(1, 16):
        t.evaluate(m * 60, 1.0, 0, actual=10, desired=10)  # scale-in at minute 15
    for m in range(16, 19):
        t.evaluate(m * 60, 50.0, 0, actual=2, desired=2)  # scale-out at minute 18
    t.tracking.low.streak = 14
    decision = t.evaluate(19 * 60, 1.0, 0, actual=10, desired=10)
    assert decision is not None and decision.desired == 2  # no scale-in cooldown left


def test_old_signal_scale_from_zero_adds_one():
    t = backlog_target()
    periods = SETTINGS.scale_from_zero_evaluation_periods
    decisions = [t.evaluate(m * 60, None, 1.0, actual=0, desired=0) for m in range(1, periods + 1)]
    assert decisions[:-1] == [None] * (periods - 1)
    assert decisions[-1] is not None and decisions[-1].desired == 1


def test_load_signal_scale_from_zero_adds_what_the_waiting_work_needs():
    t = load_target()
    decision = None
    for m in range(1, SETTINGS.scale_from_zero_evaluation_periods + 1):
        decision = t.evaluate(m * 60, 30.0, 30.0, actual=0, desired=0)
    assert decision is not None
    assert decision.desired == -(-30 // TARGET)  # ceil(30 / target), not +1


def test_scale_from_zero_step_is_capped_at_max_capacity():
    t = load_target()
    decision = None
    for m in range(1, SETTINGS.scale_from_zero_evaluation_periods + 1):
        decision = t.evaluate(m * 60, 999.0, 999.0, actual=0, desired=0)
    assert decision is not None and decision.desired == 12


def test_fast_scale_out_fires_on_the_first_datapoint_above_ratio_times_target():
    assert SETTINGS.fast_scale_out_evaluation_periods == 1
    t = load_target()
    metric = TARGET * SETTINGS.fast_scale_out_ratio * 2
    decision = t.evaluate(60, metric, 0, actual=2, desired=2)
    assert decision is not None and decision.reason.startswith("fast scale-out")
    assert decision.desired == round(2 * metric / TARGET)  # about actual * load / target


def test_load_never_asks_for_zero_while_work_arrives():
    t = load_target()
    decisions = []
    for m in range(1, 40):
        load = load_metric(arrivals=3, backlogs=[0.5, 0, 0], capacity=4)
        decisions.append(t.evaluate(m * 60, load, 0, actual=4, desired=4))
    asked = [d.desired for d in decisions if d is not None]
    assert asked and min(asked) >= 1  # ceil((3 + 0.5) / 4) = 1


def test_step_policy_within_its_cooldown_only_scales_out_further():
    step = StepPolicy(alarm=None, cooldown=300)  # type: ignore[arg-type]
    step.mark(0, 3)
    assert not step.allows(100, 3)
    assert step.allows(100, 4)
    assert step.allows(300, 1)


@pytest.mark.parametrize(
    ("actual", "percent", "change"), [(4, 150, 6), (1, 50, 1), (3, 10, 1), (0, 200, 1)]
)
def test_percent_change_rounds_like_application_auto_scaling(actual, percent, change):
    assert percent_adjustment(actual, percent) == change


def test_native_policy_is_the_docs_policy():
    t = native_target(5.0, 4)
    assert isinstance(t.tracking, TargetTracking) and t.tracking.target == 5.0
    assert t.from_zero is not None and t.from_zero.alarm.periods == 2
    assert t.evaluate(60, None, 1.0, actual=0, desired=0) is None
    assert t.evaluate(120, None, 1.0, actual=0, desired=0).desired == 1


def test_no_metric_no_target_tracking():
    t = backlog_target()
    assert [t.evaluate(m * 60, None, 0.0, 0, 0) for m in range(1, 20)] == [None] * 19
