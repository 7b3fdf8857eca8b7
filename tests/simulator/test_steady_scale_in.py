"""The steady scale-in step (README, "The scaling signal", steady scale-in): an M-of-N alarm on
load < S = steady_scale_in_ratio x target whose step removes 15 or 25 %, so that a fleet whose
load sits a little below its target scales in although one noisy minute at a time keeps
restarting target tracking's 15-of-15 low alarm."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.autoscaling import (
    SCALE_IN_DATAPOINTS,
    SCALE_IN_RATIO,
    Alarm,
    ScalableTarget,
    fleet_target,
    percent_scale_in,
    steady_scale_in_percent,
)
from simulator.scenario import load

SETTINGS = load("step").autoscaling
TARGET = SETTINGS.load_target_value_queue
RATIO = SETTINGS.steady_scale_in_ratio
M = SETTINGS.steady_scale_in_datapoints
N = SETTINGS.steady_scale_in_evaluation_periods
COOLDOWN = SETTINGS.steady_scale_in_cooldown_seconds
MIN = SETTINGS.steady_scale_in_min_capacity
S = RATIO * TARGET


def test_defaults_are_sane():
    # The tests below rely on these ranges, not on the values.
    assert 0 < RATIO <= 0.8
    assert 1 <= M < N <= SCALE_IN_DATAPOINTS  # tolerates a noisy minute, fires no later than TT
    assert MIN * (1 - RATIO) > 1 and COOLDOWN >= 60


def test_an_m_of_n_alarm_counts_breaching_datapoints_in_its_window():
    alarm = Alarm(5, 3)
    assert [alarm.observe(b) for b in (True, False, True, False)] == [False] * 4
    assert alarm.observe(True)  # 3 of the last 5: T F T F T
    assert alarm.observe(None)  # a missing datapoint keeps the state
    assert not alarm.observe(False)  # F T F T F: 2 of 5
    assert alarm.observe(True)  # T F T F T again


def test_an_n_of_n_alarm_is_unchanged():
    alarm = Alarm(3)
    assert [alarm.observe(b) for b in (True, True, False, True, True, True)] == [
        False,
        False,
        False,
        False,
        False,
        True,
    ]


@pytest.mark.parametrize(
    ("fraction", "percent"),
    [
        (1.01, None),  # above S: no step matches
        (1.0, -15.0),  # the first step's upper bound 0 is inclusive
        (7 / 8 + 0.001, -15.0),
        (7 / 8 - 0.001, -25.0),  # at most 7S/8: the open step
        (0.5, -25.0),
        (0.0, -25.0),
    ],
)
def test_steady_scale_in_bands(fraction, percent):
    assert steady_scale_in_percent(fraction * S, TARGET, RATIO) == percent
    assert steady_scale_in_percent(fraction * 0.5 * 4.0, 4.0, 0.5) == percent


@given(
    ratio=st.floats(min_value=0.05, max_value=0.8),
    target=st.floats(min_value=0.5, max_value=100.0),
    fraction=st.floats(min_value=0.0, max_value=1.0),
    extra=st.integers(min_value=0, max_value=500),
)
def test_after_the_step_the_load_stays_below_the_target(ratio, target, fraction, extra):
    # At least the smallest valid minimum capacity: above 1 / (1 - ratio).
    actual = int(1 / (1 - ratio) + 1e-9) + 1 + extra
    metric = fraction * ratio * target
    percent = steady_scale_in_percent(metric, target, ratio)
    assert percent is not None
    new = actual + percent_scale_in(actual, percent)
    assert 1 <= new < actual
    assert metric * actual / new < target  # target tracking does not scale straight back out


def steady_target() -> ScalableTarget:
    return fleet_target(SETTINGS, 1, 12, "load", mode="queue")


# A noisy minute every NOISE minutes: at most N - M of any N datapoints, and at least one in
# every 15, which target tracking's low alarm needs in a row.
NOISE = -(-N // (N - M))


def noisy(minute: int, units: int) -> float:
    """12 units' worth of load at 0.68 x target spread over ``units``, and every NOISE-th
    minute 0.95 x target's worth: target tracking's 15-of-15 low alarm never fills, while
    M of the steady alarm's N datapoints are below S."""
    level = 0.95 if minute % NOISE == 0 else 0.68
    return level * TARGET * 12 / units


def run(t: ScalableTarget, minutes, load, actual: int = 12, capacity: float | None = None):
    """Feed ``minutes`` datapoints of ``load(minute, units)``; the fleet follows every decision
    at once (``capacity``: a fixed published InServiceCapacity instead)."""
    decisions = []
    desired = actual
    for m in range(1, minutes + 1):
        seen = capacity if capacity is not None else desired
        value = load(m, desired)
        decision = t.evaluate(m * 60, value, 0, actual=desired, desired=desired, capacity=seen)
        if decision is not None:
            decisions.append((m, decision))
            desired = decision.desired
    return decisions


def test_noise_that_keeps_target_tracking_at_its_peak_does_not_stop_the_steady_step():
    assert NOISE <= SCALE_IN_DATAPOINTS
    assert noisy(NOISE, 12) > SCALE_IN_RATIO * TARGET  # the noisy minute breaks TT's count
    off = replace(SETTINGS, steady_scale_in_ratio=0.0)
    t_off = fleet_target(off, 1, 12, "load", mode="queue")
    assert t_off.steady_in is None
    assert run(t_off, 40, noisy) == []  # the fleet holds 12 units for 40 minutes
    decisions = run(steady_target(), 40, noisy)
    assert decisions, "the steady step fires"
    minute, first = decisions[0]
    assert minute <= N and first.reason.startswith("steady scale-in -25%")
    assert first.desired == 9  # 12 - 25 %: 0.68 / 0.75 = 0.91 x target after the step
    assert len(decisions) == 1  # at 9 units the load reads 0.91 x target > S


def test_no_step_matches_while_the_newest_datapoint_is_above_the_threshold():
    # M of the first N minutes below S, then every datapoint just above it: the alarm stays
    # in ALARM for a while, but the newest value matches no step.
    def load(minute: int, units: int) -> float:
        return 0.9 * S if minute <= M else 1.01 * S  # 0.9 S is above the fast step's threshold

    t = steady_target()
    t.steady_in.last_at = 0.0  # in cooldown until after minute M
    t.steady_in.cooldown = M * 60 + 30
    assert run(t, N - 1, load) == []  # N - 1: before target tracking's 15 of 15 could act
    assert sum(t.steady_in.alarm.window) >= M  # the alarm was still in ALARM


def test_a_fleet_below_the_minimum_capacity_is_left_to_target_tracking():
    t = steady_target()
    assert run(t, SCALE_IN_DATAPOINTS - 1, noisy, actual=12, capacity=MIN - 1) == []


def test_the_largest_capacity_wins_and_fast_scale_in_acts_the_next_minute():
    # A load below S but above the fast step's threshold, then almost none, timed so that
    # both alarms reach ALARM in minute M.
    fast_periods = SETTINGS.fast_scale_in_evaluation_periods

    def load(minute: int, units: int) -> float:
        return 0.79 * TARGET if minute <= M - fast_periods else 0.02 * TARGET

    t = steady_target()
    decisions = run(t, M + 2, load)
    reasons = [d.reason.split(":")[0] for _, d in decisions]
    assert reasons[0] == "steady scale-in -25%"  # 12 -> 9 beats the fast step's 12 -> 1
    assert reasons[1].startswith("fast scale-in")
    assert [m for m, _ in decisions] == [M, M + 1]


def test_a_fleet_short_of_its_desired_capacity_is_not_trimmed():
    # An endpoint failed: 8 units in service of 12 desired. The alarm reads the target, so
    # nothing is removed however low the load; with all 12 in service the step acts.
    def load(minute: int, units: int) -> float:
        return 0.68 * TARGET

    def feed(published_desired: float) -> list:
        t = steady_target()
        decisions = []
        for m in range(1, N + 1):
            decision = t.evaluate(
                m * 60, load(m, 8), 0, 8, 12, capacity=8, published_desired=published_desired
            )
            if decision is not None:
                decisions.append(decision)
        return decisions

    assert feed(12.0) == []
    assert [d.reason.split(":")[0] for d in feed(8.0)] == ["steady scale-in -25%"]
