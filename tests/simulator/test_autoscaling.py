"""Simulated Application Auto Scaling decisions (pure), on the module's default settings."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.autoscaling import (
    Alarm,
    ScalableTarget,
    StepPolicy,
    TargetTracking,
    fleet_target,
    load_metric,
    native_target,
    percent_adjustment,
    percent_scale_in,
    scale_in_percent,
    waiting_without_capacity,
)
from simulator.scenario import SCALING_DEFAULTS_FILE, load

SETTINGS = load("step").autoscaling
TARGET = SETTINGS.load_target_value_direct  # fleet_target's default mode is direct


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


@pytest.mark.parametrize(
    ("arrivals", "backlogs", "queue", "capacity", "minutes", "load"),
    [
        # 45 a minute on 8 units, 12 requests in service on the endpoints: they read 0
        (45, [6, 6, 0], 0, 8, 1, (45 + 4) / 8),
        (45, [3, 3, 0], 0, 8, 1, 45 / 8),  # fewer than one per unit: nothing waits there
        (4, [3, 0, 0], 7, 2, 1, (4 + 1 + 7) / 2),  # the fleet queue counts in full
        (4, [3, 0, 0], 7, 0, 1, 4 + 3 + 7),  # nothing in service: every request waits
        (0, [10, 2, 0], 6, 2, 2, (10 + 6) / 2 / 2),  # H spreads what waits, as in direct mode
    ],
)
def test_queue_mode_load_counts_endpoint_backlog_beyond_one_per_unit(
    arrivals, backlogs, queue, capacity, minutes, load
):
    assert load_metric(arrivals, backlogs, capacity, minutes, queue_depth=queue) == pytest.approx(
        load
    )
    # scale-from-zero still sizes on all of the waiting work, the fleet queue's included
    assert (
        waiting_without_capacity(arrivals, [*backlogs, queue], 0)
        == arrivals + sum(backlogs) + queue
    )


@pytest.mark.parametrize(
    ("arrivals", "backlogs", "capacity", "minutes", "load"),
    [
        (40, [0, 0, 0], 12, 3, 40 / 12),  # no backlog: the horizon changes nothing
        (6, [9, 3, 0], 1, 3, 6 + 12 / 3),  # the backlog counts as 3 minutes' work
        (6, [9, 3, 0], 1, 1, 18),  # 1: the whole backlog in one minute (the old signal)
        (0, [10, 0, 0], 2, 2.5, 10 / 2.5 / 2),
    ],
)
def test_load_backlog_minutes_spreads_the_backlog_not_the_arrivals(
    arrivals, backlogs, capacity, minutes, load
):
    assert load_metric(arrivals, backlogs, capacity, minutes) == pytest.approx(load)
    # scale-from-zero sizes on all of the waiting work
    assert waiting_without_capacity(arrivals, backlogs, 0) == arrivals + sum(backlogs)


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
    t.tracking.low.window.extend([True] * 14)  # 14 of the low alarm's 15 datapoints
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
    assert decision.desired == 30 // TARGET + 1  # the module's step for 30 waiting, not +1


@pytest.mark.parametrize(
    ("waiting", "units"),
    [
        (0.5, 1),
        (4.9, 1),
        (5.0, 2),  # a lower bound is inclusive above the threshold: [5, 10) adds 2
        (9.5, 2),
        (10.0, 3),
        (54.9, 11),
        (55.0, 12),  # the last step, [55, ...), adds max_capacity
        (56.0, 12),
    ],
)
def test_scale_from_zero_adds_the_units_of_the_modules_step(waiting, units):
    # modules/fleet-autoscaling/main.tf scale_from_zero_steps (tests/scaling_signal.tftest.hcl
    # asserts them for max_capacity 12): [(i - 1) x T, i x T) above the threshold 0 adds i.
    assert TARGET == 5.0
    t = load_target()
    decision = None
    for m in range(1, SETTINGS.scale_from_zero_evaluation_periods + 1):
        decision = t.evaluate(m * 60, waiting, waiting, actual=0, desired=0)
    assert decision is not None and decision.desired == units


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


@pytest.mark.parametrize(
    ("mode", "capacity", "fires"),
    [
        ("queue", 1, False),  # one unit in service: the noise of a minute's arrivals, not a burst
        ("queue", None, False),  # no InServiceCapacity datapoint: FILL(c, 0) = 0
        ("queue", 2, True),
        ("direct", 1, True),  # direct mode reads every datapoint (README, Choosing the defaults)
    ],
)
def test_fast_scale_out_reads_the_load_only_from_its_minimum_capacity(mode, capacity, fires):
    minimum = {
        "queue": SETTINGS.fast_scale_out_min_capacity_queue,
        "direct": SETTINGS.fast_scale_out_min_capacity_direct,
    }[mode]
    assert (minimum, mode) in {(2, "queue"), (0, "direct")}
    t = fleet_target(SETTINGS, 0, 12, "load", mode=mode)
    target = t.tracking.target
    metric = target * SETTINGS.fast_scale_out_ratio * 1.5  # 1.5x the alarm's threshold
    decision = t.evaluate(60, metric, 0, actual=1, desired=1, capacity=capacity)
    assert (decision is not None) == fires
    if fires:
        assert decision.reason.startswith("fast scale-out")
    # Target tracking still acts on the load after its 3 datapoints whatever the capacity.
    for m in (2, 3):
        decision = t.evaluate(m * 60, metric, 0, actual=1, desired=1, capacity=capacity)
    assert decision is not None and decision.desired >= 3  # ceil(1 x 3 target / target)
    if not fires:
        assert decision.reason.startswith("target tracking") and decision.desired == 3


@pytest.mark.parametrize(
    ("metric", "percent"),
    [
        (10.5, 100),  # load in [2T, 3T) (offset [0, T) above the threshold 2T): +100 %
        (14.9, 100),  # still the first step: the module's steps are whole multiples of T
        (15.0, 200),  # a lower bound is inclusive above the threshold
        (19.9, 200),
        (49.9, 800),
        (50.0, 900),  # the last step is open
        (500.0, 900),
    ],
)
def test_fast_scale_out_adds_the_percent_of_the_modules_step_for_the_load(metric, percent):
    # modules/fleet-autoscaling/main.tf fast_steps (tests/scaling_signal.tftest.hcl asserts
    # them): offsets i x T to (i + 1) x T above the threshold 2T add (2 + i - 1) x 100 %.
    assert (TARGET, SETTINGS.fast_scale_out_ratio) == (5.0, 2.0)
    t = fleet_target(SETTINGS, 0, 1000, "load")
    decision = t.evaluate(60, metric, 0, actual=10, desired=10, capacity=10)
    assert decision is not None and decision.reason.startswith("fast scale-out")
    assert decision.desired == 10 + 10 * percent // 100


def test_each_dispatch_mode_tracks_its_own_load_target():
    # scaling_defaults.json load_target_value_queue / _direct (README, Choosing the defaults)
    for mode in ("queue", "direct"):
        t = fleet_target(SETTINGS, 0, 12, "load", mode=mode)
        assert t.tracking.target == getattr(SETTINGS, f"load_target_value_{mode}")
    assert SETTINGS.load_target_value_queue != SETTINGS.load_target_value_direct


@pytest.mark.parametrize(
    ("metric", "percent"),
    [
        (12.5, 200),  # queue mode: threshold 2 x 6 = 12; (2 + 0) x 1.5 - 1 = +200 %: 10 -> 30
        (17.9, 200),
        (18.0, 350),  # offset [6, 12): (2 + 1) x 1.5 - 1 = +350 %
        (24.0, 500),
        (59.9, 1250),  # offset 47.9: step 7, (2 + 7) x 1.5 - 1
        (60.0, 1400),  # the last step, open: (2 + 8) x 1.5 - 1
        (600.0, 1400),
    ],
)
def test_fast_scale_out_headroom_scales_each_step(metric, percent):
    # modules/fleet-autoscaling/main.tf fast_steps with headroom h: the steps' bounds stay whole
    # multiples of the target above ratio x target; step i adds
    # floor(((ratio + i) x h - 1) x 100) %.
    settings = replace(
        SETTINGS,
        load_target_value_queue=6.0,
        fast_scale_out_ratio=2.0,
        fast_scale_out_headroom_queue=1.5,
        fast_scale_out_min_capacity_queue=2,
    )
    t = fleet_target(settings, 0, 1000, "load", mode="queue")
    assert t.evaluate(60, 11.9, 0, actual=10, desired=10, capacity=10) is None  # below 12
    t = fleet_target(settings, 0, 1000, "load", mode="queue")
    decision = t.evaluate(60, metric, 0, actual=10, desired=10, capacity=10)
    assert decision is not None and decision.reason.startswith("fast scale-out")
    assert decision.desired == 10 + 10 * percent // 100


def test_burst_alarm_uses_the_headroom_step_too():
    settings = replace(
        SETTINGS,
        load_target_value_queue=6.0,
        fast_scale_out_ratio=2.0,
        fast_scale_out_headroom_queue=1.5,
        burst_evaluation_periods_queue=1,
    )
    t = fleet_target(settings, 0, 1000, "load", burst=True, mode="queue")
    decision = t.evaluate_burst(10.0, [13.0], lambda: 4, 4)
    assert decision is not None and decision.desired == 4 + 8  # +200 % of 4


def test_headroom_one_is_the_plain_step():
    settings = replace(SETTINGS, fast_scale_out_headroom_direct=1.0)
    t = fleet_target(settings, 0, 1000, "load", mode="direct")
    assert SETTINGS.fast_scale_out_ratio == 2.0
    decision = t.evaluate(60, 4 * TARGET, 0, 10, 10, 10)  # offset 2T above 2T: +300 %
    assert decision is not None and decision.desired == 10 + 30


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


# Fast scale-in (the values come from scaling_defaults.json, whatever they are).
FAST_IN_RATIO = SETTINGS.fast_scale_in_ratio
FAST_IN_PERIODS = SETTINGS.fast_scale_in_evaluation_periods
FAST_IN_COOLDOWN = SETTINGS.fast_scale_in_cooldown_seconds
FAST_IN_MIN = SETTINGS.fast_scale_in_min_capacity
FAST_IN_T = FAST_IN_RATIO * TARGET  # the alarm threshold


def test_fast_scale_in_defaults_are_sane():
    # The tests below rely on these (the lead may change the values, not their ranges).
    assert 0 < FAST_IN_RATIO <= 0.6
    assert 1 <= FAST_IN_PERIODS < 15  # fires before target tracking's 15-datapoint low alarm
    assert FAST_IN_COOLDOWN >= 60 and FAST_IN_MIN >= 1


@pytest.mark.parametrize(
    ("fraction", "percent"),
    [
        (0.999, -33.0),
        (0.8, -33.0),
        (2 / 3 + 0.001, -33.0),  # above 2T/3: the step [-T/3, 0]
        (2 / 3 - 0.001, -50.0),  # at most 2T/3: the step [-5T/9, -T/3]
        (0.5, -50.0),
        (4 / 9 + 0.001, -50.0),
        (4 / 9 - 0.001, -66.0),  # at most 4T/9: the open step
        (0.1, -66.0),
        (0.0, -66.0),
    ],
)
def test_fast_scale_in_bands(fraction, percent):
    # Deepest removal 66 % (direct mode's default): three bands.
    assert scale_in_percent(fraction * FAST_IN_T, TARGET, FAST_IN_RATIO, 66) == percent
    # The same bands for any target and ratio.
    assert scale_in_percent(fraction * 0.6 * 10.0, 10.0, 0.6, 66) == percent


@pytest.mark.parametrize(
    ("fraction", "at_85", "at_93"),
    [
        (0.999, -33.0, -33.0),
        (2 / 3 - 0.001, -50.0, -50.0),
        (4 / 9 - 0.001, -66.0, -66.0),  # (T/5, 4T/9]: -66 %
        (1 / 5 + 0.001, -66.0, -66.0),
        (1 / 5 - 0.001, -85.0, -85.0),  # at most T/5: -85 %
        (1 / 10 + 0.001, -85.0, -85.0),
        (1 / 10 - 0.001, -85.0, -93.0),  # at most T/10: -93 % where allowed
        (0.0, -85.0, -93.0),
    ],
)
def test_deeper_fast_scale_in_bands(fraction, at_85, at_93):
    for target, ratio in ((TARGET, FAST_IN_RATIO), (7.0, 0.6), (10.0, 0.45)):
        metric = fraction * ratio * target
        assert scale_in_percent(metric, target, ratio, 85) == at_85
        assert scale_in_percent(metric, target, ratio, 93) == at_93


@pytest.mark.parametrize("max_percent", [66, 85, 93])
def test_every_band_leaves_target_tracking_nothing_to_scale_out(max_percent):
    # The highest load of each band, after its removal, stays below 1.5 x T: at most
    # 0.9 x the target for a ratio <= 0.6 (the variable's limit), so the fleet does not
    # scale straight back out, however deep the step.
    ratio, target = 0.6, 7.0
    threshold = ratio * target
    tops = [threshold, 2 / 3 * threshold, 4 / 9 * threshold, threshold / 5, threshold / 10]
    for top in tops:
        percent = scale_in_percent(top - 1e-9, target, ratio, max_percent)
        assert top / (1 + percent / 100) < 1.5 * threshold
    assert 1.5 * threshold == pytest.approx(0.9 * target)


def test_deepest_fast_scale_in_must_be_a_known_step():
    with pytest.raises(ValueError, match="66, 85 or 93"):
        scale_in_percent(0.0, 7.0, 0.6, 90)


def test_the_dispatch_modes_deepest_fast_scale_in():
    # Queue mode removes up to 93 %, direct mode up to 66 % (README, "Choosing the defaults").
    assert SETTINGS.fast_scale_in_max_percent_queue == 93
    assert SETTINGS.fast_scale_in_max_percent_direct == 66
    queue = fleet_target(SETTINGS, 1, 12, "load", mode="queue")
    direct = fleet_target(SETTINGS, 1, 12, "load", mode="direct")
    assert (queue.fast_in_max_percent, direct.fast_in_max_percent) == (93, 66)
    # A burst has ended: 12 units, hardly any load for the alarm's evaluation periods.
    decisions = run_low(queue, FAST_IN_PERIODS, 0.0, actual=12, capacity=12)
    assert [d.desired for _, d in decisions] == [1]  # 12 - 11.16 toward zero: 1
    assert decisions[0][1].reason.startswith("fast scale-in -93%")
    decisions = run_low(direct, FAST_IN_PERIODS, 0.0, actual=12, capacity=12)
    assert [d.desired for _, d in decisions] == [5]  # 12 - 7.92 toward zero: 5


@pytest.mark.parametrize(
    ("actual", "percent", "change"),
    [
        (14, -10, -1),  # the AWS step scaling example: 1.4 rounded down to 1
        (12, -66, -7),  # -7.92 toward zero
        (12, -50, -6),
        (12, -33, -3),  # -3.96 toward zero
        (100, -33, -33),  # exact
        (6, -50, -3),
        (3, -33, -1),  # -0.99: at least one unit
        (2, -33, -1),
        (1, -66, -1),
        (12, -93, -11),  # -11.16 toward zero
        (9, -93, -8),
        (12, -85, -10),  # -10.2
        (8, -85, -6),
    ],
)
def test_percent_scale_in_rounds_like_application_auto_scaling(actual, percent, change):
    assert percent_scale_in(actual, percent) == change


def fast_in_target(min_capacity: int = 1, settings=SETTINGS) -> ScalableTarget:
    """Fast scale-in beside target tracking, steady scale-in off (its tests:
    test_steady_scale_in.py; with it on, a low load long enough also fires that step)."""
    return fleet_target(replace(settings, steady_scale_in_ratio=0.0), min_capacity, 12, "load")


def run_low(t: ScalableTarget, minutes: int, metric: float, actual: int, capacity: float):
    """Feed ``minutes`` datapoints of a low load; the fleet follows every decision at once."""
    decisions = []
    desired = actual
    for m in range(1, minutes + 1):
        decision = t.evaluate(m * 60, metric, 0, actual=desired, desired=desired, capacity=capacity)
        if decision is not None:
            decisions.append((m, decision))
            desired = decision.desired
    return decisions


def test_fast_scale_in_needs_its_evaluation_periods():
    t = fast_in_target()
    metric = 0.5 * FAST_IN_T
    for m in range(1, FAST_IN_PERIODS):
        assert t.evaluate(m * 60, metric, 0, actual=12, desired=12, capacity=12) is None
    decision = t.evaluate(FAST_IN_PERIODS * 60, metric, 0, actual=12, desired=12, capacity=12)
    assert decision is not None and decision.reason.startswith("fast scale-in -50%")
    assert decision.desired == 12 + percent_scale_in(12, -50)


def test_a_datapoint_at_or_above_the_threshold_restarts_the_count():
    t = fast_in_target()
    low, high = 0.5 * FAST_IN_T, FAST_IN_T
    for m in range(1, FAST_IN_PERIODS):
        assert t.evaluate(m * 60, low, 0, actual=12, desired=12, capacity=12) is None
    assert t.evaluate(FAST_IN_PERIODS * 60, high, 0, actual=12, desired=12, capacity=12) is None
    assert t.evaluate((FAST_IN_PERIODS + 1) * 60, low, 0, 12, 12, capacity=12) is None


def test_fast_scale_in_respects_its_cooldown():
    t = fast_in_target()
    minutes = FAST_IN_PERIODS + 2 * int(FAST_IN_COOLDOWN // 60) + 1
    decisions = run_low(t, minutes, 0.9 * FAST_IN_T, actual=12, capacity=12)
    fast = [m for m, d in decisions if d.reason.startswith("fast scale-in")]
    assert fast[0] == FAST_IN_PERIODS
    assert len(fast) >= 2
    assert all(b - a >= FAST_IN_COOLDOWN / 60 for a, b in itertools.pairwise(fast))
    assert fast[1] - fast[0] == FAST_IN_COOLDOWN / 60  # the alarm stays in ALARM


def test_fast_scale_in_leaves_a_small_fleet_to_target_tracking():
    t = fast_in_target()
    capacity = FAST_IN_MIN - 1  # the published InServiceCapacity: the alarm reads the target
    decisions = run_low(t, 14, 0.1 * FAST_IN_T, actual=12, capacity=capacity)
    assert decisions == []


def test_fast_scale_in_yields_to_a_scale_out_in_the_same_minute():
    t = ScalableTarget(
        1,
        12,
        TargetTracking(TARGET, 60, 60),
        from_zero=StepPolicy(Alarm(1), 60),
        sized_from_zero=True,
        fast_in=StepPolicy(Alarm(FAST_IN_PERIODS), FAST_IN_COOLDOWN),
        fast_in_ratio=FAST_IN_RATIO,
        fast_in_min_capacity=FAST_IN_MIN,
    )
    metric = 0.2 * FAST_IN_T
    for m in range(1, FAST_IN_PERIODS):
        assert t.evaluate(m * 60, metric, 0, actual=12 - 4, desired=8, capacity=8) is None
    # The same minute a step scales out: AAS takes the largest capacity.
    decision = t.evaluate(FAST_IN_PERIODS * 60, metric, 10.0, actual=8, desired=8, capacity=8)
    assert decision is not None and decision.desired > 8
    assert t.fast_in is not None and t.fast_in.last_at < 0  # it did not act
    # The next minute the alarm is still in ALARM: now it scales in.
    decision = t.evaluate((FAST_IN_PERIODS + 1) * 60, metric, 0, actual=11, desired=11, capacity=8)
    assert decision is not None and decision.reason.startswith("fast scale-in")


def test_fast_scale_in_stops_at_min_capacity():
    # The alarm's capacity gate at 3 (its lowest valid value), below the actual capacity,
    # so only the scalable target's min_capacity 4 stops the step.
    settings = replace(SETTINGS, fast_scale_in_min_capacity=3)
    t = fast_in_target(min_capacity=4, settings=settings)
    decisions = run_low(t, FAST_IN_PERIODS, 0.0, actual=5, capacity=5)
    assert [d.desired for _, d in decisions] == [4]  # 5 - 66 % = 2, held at 4
    t = fast_in_target(min_capacity=4, settings=settings)
    assert run_low(t, 14, 0.0, actual=4, capacity=4) == []


def test_fast_scale_in_ratio_zero_disables_it():
    settings = replace(SETTINGS, fast_scale_in_ratio=0.0)
    t = fast_in_target(settings=settings)
    assert t.fast_in is None
    assert run_low(t, 14, 0.0, actual=12, capacity=12) == []  # 14 < target tracking's 15


@given(
    ratio=st.floats(min_value=0.01, max_value=0.6),
    target=st.floats(min_value=0.5, max_value=100.0),
    fraction=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
    actual=st.integers(min_value=max(FAST_IN_MIN, 3), max_value=500),
    max_percent=st.sampled_from([66, 85, 93]),
)
def test_after_the_step_the_load_stays_below_target_trackings_low_alarm(
    ratio, target, fraction, actual, max_percent
):
    metric = fraction * ratio * target  # below the alarm threshold
    percent = scale_in_percent(metric, target, ratio, max_percent)
    new = max(1, actual + percent_scale_in(actual, percent))
    assert 1 <= new < actual
    assert metric * actual / new <= 0.9 * target + 1e-9


# The burst alarm's mechanics at one target for both modes, without headroom (the headroom
# steps: test_fast_scale_out_headroom_scales_each_step and
# test_burst_alarm_uses_the_headroom_step_too).
# The burst alarm's mechanics at load target 4 in both modes and headroom 1, whatever the
# defaults: the threshold is 2 x 4 = 8 and a load of m x 4 adds (m - 1) x 100 %.
PLAIN = replace(
    SETTINGS,
    load_target_value_queue=4.0,
    load_target_value_direct=4.0,
    fast_scale_out_headroom_queue=1.0,
    fast_scale_out_headroom_direct=1.0,
)


def burst_target(mode: str = "queue") -> ScalableTarget:
    return fleet_target(PLAIN, 0, 12, "load", burst=True, mode=mode)


def one() -> int:
    return 1


def test_the_burst_alarm_needs_its_periods_then_steps_as_the_fast_scale_out():
    assert SETTINGS.burst_evaluation_periods_queue == 2
    t = burst_target()
    assert t.evaluate_burst(10, [20.0], one, desired=1) is None  # 1 of 2 datapoints
    decision = t.evaluate_burst(20, [20.0], one, desired=1)
    # the fast scale-out step: +(20 / 4 - 1) x 100 % of 1 -> 5
    assert decision is not None and decision.desired == 5
    assert decision.reason == "burst scale-out: 20.0 > 8.0 (actual 1)"


def test_the_burst_alarm_invokes_on_entering_alarm_then_once_a_minute():
    t = burst_target()
    t.evaluate_burst(10, [20.0], one, desired=1)
    assert t.evaluate_burst(20, [20.0], one, desired=1).desired == 5
    assert t.evaluate_burst(30, [40.0], one, desired=5) is None  # still in ALARM, same minute
    assert t.evaluate_burst(70, [40.0], one, desired=5) is None
    # a minute after the last invocation: +900 % of 1 -> 10, larger, so within the cooldown
    assert t.evaluate_burst(80, [40.0], one, desired=5).desired == 10


@pytest.mark.parametrize(
    "values",
    [
        [[20.0], [None], [20.0]],  # a missing datapoint is not breaching
        [[8.0], [8.0]],  # at the threshold is not above it
        [[20.0], [3.0], [20.0]],
    ],
)
def test_the_burst_alarm_stays_ok(values):
    t = burst_target()
    for i, batch in enumerate(values):
        assert t.evaluate_burst(10.0 * (i + 1), batch, one, desired=1) is None


def test_several_datapoints_published_at_once_are_evaluated_in_order():
    t = burst_target()
    assert t.evaluate_burst(20, [None, 12.0, 16.0], one, desired=1).desired == 4  # acts on 16


def test_no_burst_alarm_without_the_signal_and_none_on_an_empty_fleet():
    plain = fleet_target(SETTINGS, 0, 12, "load")
    assert plain.burst is None
    assert plain.evaluate_burst(10, [50.0, 50.0], one, desired=1) is None
    t = burst_target()
    assert t.evaluate_burst(20, [50.0, 50.0], lambda: 0, desired=0) is None  # scale-from-zero's


def test_direct_mode_waits_for_four_datapoints_of_the_routers_signal():
    assert SETTINGS.burst_evaluation_periods_direct == 4
    t = burst_target("direct")
    for now in (10, 20, 30):
        assert t.evaluate_burst(now, [12.0], one, desired=1) is None
    assert t.evaluate_burst(40, [12.0], one, desired=1).desired == 3  # +200 % of 1
