"""Simulated Application Auto Scaling decisions (pure)."""

from __future__ import annotations

from simulator.autoscaling import TargetTracking
from simulator.scenario import load

POLICY = load("step").autoscaling  # target 5, 3 datapoints out, 15 in, cooldowns 300/600


def tracker() -> TargetTracking:
    return TargetTracking(POLICY, min_capacity=0, max_capacity=12)


def test_scale_out_after_three_datapoints_above_target():
    t = tracker()
    assert t.evaluate(60, 20.0, False, actual=2, desired=2) is None
    assert t.evaluate(120, 20.0, False, actual=2, desired=2) is None
    decision = t.evaluate(180, 20.0, False, actual=2, desired=2)
    assert decision is not None and decision.desired == 8  # ceil(2 * 20 / 5)


def test_scale_out_is_capped_at_max_capacity():
    t = tracker()
    for minute in range(1, 3):
        t.evaluate(minute * 60, 500.0, False, actual=1, desired=1)
    assert t.evaluate(180, 500.0, False, actual=1, desired=1).desired == 12


def test_scale_in_needs_fifteen_low_datapoints_and_respects_cooldowns():
    t = tracker()
    decisions = [t.evaluate(m * 60, 1.0, False, actual=10, desired=10) for m in range(1, 16)]
    assert decisions[:14] == [None] * 14
    assert decisions[14] is not None and decisions[14].desired == 2  # ceil(10 * 1 / 5)
    # Another low streak inside the scale-in cooldown does nothing.
    later = [t.evaluate(m * 60, 0.0, False, actual=2, desired=2) for m in range(16, 24)]
    assert later == [None] * 8


def test_scale_in_waits_for_the_scale_out_cooldown():
    t = tracker()
    for minute in range(1, 4):
        t.evaluate(minute * 60, 50.0, False, actual=1, desired=1)
    decisions = [t.evaluate(m * 60, 0.0, False, actual=10, desired=10) for m in range(4, 19)]
    assert decisions[-1] is not None  # 15 low datapoints, and the 300 s cooldown is over


def test_scale_from_zero_step_needs_two_datapoints():
    t = tracker()
    assert t.evaluate(60, None, True, actual=0, desired=0) is None
    decision = t.evaluate(120, None, True, actual=0, desired=0)
    assert decision is not None and decision.desired == 1
    assert t.evaluate(180, None, True, actual=0, desired=1) is None


def test_no_metric_no_target_tracking():
    t = tracker()
    assert [t.evaluate(m * 60, None, False, 0, 0) for m in range(1, 20)] == [None] * 19
