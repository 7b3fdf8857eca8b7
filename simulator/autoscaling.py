"""Application Auto Scaling, simulated: target tracking and step scaling as AAS applies them.

Pure decision logic over the datapoints CloudWatch has *published* (see
``cloudwatch.py``): nothing here sees a value before its alarm could.

Target tracking (AAS user guide, "How target tracking scaling works"): AAS creates a
high alarm (3 of 3 one-minute datapoints above the target) and a low alarm (15 of 15
below 90 % of the target). While an alarm is in ALARM it invokes the policy every
minute; the policy asks for ``ceil(current capacity * metric / target)``. A scale-out
counts what earlier scale-outs added (it only raises the desired capacity), a scale-in
waits for the scale-in cooldown, and a scale-out ends a running scale-in cooldown.

Step scaling: the policy's alarm needs its evaluation periods breaching; the adjustment
is applied to the current capacity; within the cooldown a step policy scales out again
only when the new result is larger than the previous one. When several policies fire,
AAS takes the one that gives the largest capacity.

The fleet's policies (README, Design notes, "The scaling signal"):

* ``load``: target tracking on ``(a + waiting / H) / max(c, 1)`` (:func:`load_metric`; a:
  requests that arrived in the minute, waiting: from ``ApproximateBacklogSize`` per endpoint
  and, in queue mode, the fleet queue's depth, c: ``InServiceCapacity``),
  a scale-from-zero step sized ``floor(waiting_without_capacity / target) + 1``, a fast
  scale-out step (PercentChangeInCapacity) when load > ratio * target while at least
  ``fast_scale_out_min_capacity`` units are in service (per dispatch mode), and a fast scale-in
  step (-33, -50 or -66 %, down to -85 or -93 % per dispatch mode, ``scale_in_percent``)
  after ``fast_scale_in_evaluation_periods`` datapoints of load < ``fast_scale_in_ratio`` *
  target while at least ``fast_scale_in_min_capacity`` units are in service (ratio 0: no such step);
  a steady scale-in step (-15 or -25 %, :func:`steady_scale_in_percent`) on an M-of-N alarm,
  ``steady_scale_in_datapoints`` of ``steady_scale_in_evaluation_periods`` datapoints of load <
  ``steady_scale_in_ratio`` * target while at least ``steady_scale_in_min_capacity`` units and
  every unit of the published DesiredCapacity are in service (ratio 0: no such step);
* a burst alarm (:class:`BurstAlarm`) on a high-resolution signal (queue mode: the
  dispatcher's ``OutstandingPerCapacity``; direct mode: the router's ``RoutedPerCapacity``
  per minute) with the fast scale-out threshold, whose action is the same fast scale-out
  step (:meth:`ScalableTarget.evaluate_burst`);
* ``backlog`` (the old signal): target tracking on MAX ``ApproximateBacklogSizePerInstance``
  and +1 on MAX ``HasBacklogWithoutCapacity``.

Settings come from ``modules/fleet-autoscaling/scaling_defaults.json``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .scenario import FAST_IN_MAX_PERCENTS, ScalingSettings

SCALE_OUT_DATAPOINTS = 3  # target tracking's high alarm: 3 of 3 datapoints above target
SCALE_IN_DATAPOINTS = 15  # target tracking's low alarm: 15 of 15 datapoints ...
SCALE_IN_RATIO = 0.9  # ... below 90 % of the target

# Native SageMaker async autoscaling as the SageMaker developer guide's "Autoscale an
# asynchronous endpoint" page configures it
# (https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-autoscale.html):
# target tracking on ApproximateBacklogSizePerInstance (target 5.0, scale-in cooldown
# 600 s, scale-out cooldown 300 s) and the optional scale-from-zero step policy
# (+1 ChangeInCapacity, cooldown 300 s) on a HasBacklogWithoutCapacity alarm of
# 2 of 2 one-minute periods >= 1.
NATIVE_SCALE_OUT_COOLDOWN = 300.0
NATIVE_SCALE_IN_COOLDOWN = 600.0
NATIVE_FROM_ZERO_PERIODS = 2
NATIVE_FROM_ZERO_COOLDOWN = 300.0


@dataclass
class ScalingDecision:
    desired: int
    reason: str


def load_metric(
    arrivals: float,
    backlogs: list[float],
    capacity: float,
    backlog_minutes: float = 1.0,
    queue_depth: float | None = None,
) -> float:
    """The load signal: (FILL(a,0) + W / H) / max(FILL(c,0), 1), H = ``backlog_minutes``
    (``load_backlog_minutes``): the backlog counts as work spread over H minutes, so a
    backlog that capacity already ordered will drain is not ordered again at its full size
    each minute. W, what waits: in direct mode (``queue_depth`` None) SUM FILL(b_i,0); in
    queue mode the endpoints' backlog beyond one request per in-service unit plus the fleet
    queue's depth, IF(SUM b_i - c > 0, SUM b_i - c, 0) + FILL(q,0), as
    modules/fleet-autoscaling/main.tf builds it (the endpoints' ApproximateBacklogSize counts
    the requests in service too)."""
    return (arrivals + waiting_work(backlogs, capacity, queue_depth) / backlog_minutes) / max(
        capacity, 1.0
    )


def waiting_work(backlogs: list[float], capacity: float, queue_depth: float | None) -> float:
    """W of the load signal (:func:`load_metric`): SUM FILL(b_i,0) in direct mode (``queue_depth``
    None); IF(SUM b_i - c > 0, SUM b_i - c, 0) + FILL(q,0) in queue mode."""
    if queue_depth is None:
        return sum(backlogs)
    return max(sum(backlogs) - capacity, 0.0) + queue_depth


def keep_up_cap(
    load: float, waiting: float, capacity: float, target: float, keep_up: float
) -> float:
    """What target tracking reads in queue mode (modules/fleet-autoscaling/main.tf, the
    ``tracked`` query): IF(w < k x IF(FILL(c,0) < 1, 1, FILL(c,0)), IF(load > T, T, load), load),
    k = ``keep_up`` (``load_keep_up_waiting``; 0: off). While fewer requests wait than k per
    in-service unit the fleet keeps up, and the load counts no more than the target: target
    tracking does not scale out on the noise of one minute's arrivals, and scales in as before
    (a load below the target is not changed)."""
    if keep_up > 0 and waiting < keep_up * max(capacity, 1.0) and load > target:
        return target
    return load


def waiting_without_capacity(arrivals: float, backlogs: list[float], capacity: float) -> float:
    """IF(FILL(c,0) < 1, FILL(a,0) + SUM FILL(b_i,0), 0): the scale-from-zero alarm's metric."""
    return arrivals + sum(backlogs) if capacity < 1 else 0.0


# The fast scale-in steps in the order modules/fleet-autoscaling/main.tf lists them
# (fast_in_steps): each step's lower bound below the alarm threshold T, as a fraction of T
# (None: the open step), and its removal in percent.
FAST_IN_STEPS: tuple[tuple[float | None, float], ...] = (
    (1 / 3, -33.0),
    (5 / 9, -50.0),
    (4 / 5, -66.0),
    (9 / 10, -85.0),
    (None, -93.0),
)


def fast_scale_in_bounds(target: float, ratio: float) -> tuple[float, ...]:
    """The fast scale-in steps' bounds below the alarm threshold T = ``ratio * target``:
    (T / 3, 5T / 9, 4T / 5, 9T / 10), rounded to 1e-6 as modules/fleet-autoscaling/main.tf
    rounds them."""
    threshold = ratio * target
    return tuple(round(threshold * part, 6) for part, _ in FAST_IN_STEPS if part is not None)


def scale_in_percent(metric: float, target: float, ratio: float, max_percent: int = 66) -> float:
    """The fast scale-in step's adjustment (negative percent) for a load below
    T = ``ratio * target``, as AAS picks the step: bounds are offsets from the alarm
    threshold, and below it a step's lower bound is exclusive and its upper bound inclusive
    (API reference, StepAdjustment). Load in (2T/3, T): -33 %; (4T/9, 2T/3]: -50 %; at most
    4T/9: -66 %. With ``max_percent`` (``fast_scale_in_max_percent``) 85 the last of these is
    (T/5, 4T/9] and at most T/5 removes 85 %; with 93, (T/10, T/5] removes 85 % and at most
    T/10 93 %: the steps deeper than ``max_percent`` are left out and the deepest kept one is
    open, as in the module. Each leaves the load below 1.5 x T after the step (<= 0.9 x
    target for ratio <= 0.6), so target tracking does not scale straight back out."""
    if max_percent not in FAST_IN_MAX_PERCENTS:
        raise ValueError(f"the deepest fast scale-in is 66, 85 or 93 %, not {max_percent}")
    kept = [percent for _, percent in FAST_IN_STEPS if -percent <= max_percent]
    offset = metric - ratio * target
    for bound, percent in zip(fast_scale_in_bounds(target, ratio), kept[:-1], strict=False):
        if offset > -bound:
            return percent
    return kept[-1]


# The steady scale-in steps (modules/fleet-autoscaling/main.tf steady_in_steps): below the
# alarm threshold S = steady_scale_in_ratio x target, load in (7S/8, S] removes 15 %, below
# 7S/8 25 %; a load above S matches no step.
STEADY_IN_SPLIT = 7 / 8
STEADY_IN_PERCENTS = (-15.0, -25.0)


def steady_scale_in_percent(metric: float, target: float, ratio: float) -> float | None:
    """The steady scale-in step's adjustment (negative percent) for ``metric``, or None when no
    step matches (a load above S = ``ratio * target``: the alarm is M of N, so it can be
    in ALARM while its newest datapoint is not breaching). Bounds are offsets from S; below S a
    step's upper bound is inclusive and its lower bound exclusive (API reference,
    StepAdjustment): offset in (-S/8, 0] removes 15 %, at most -S/8 removes 25 %. A load
    below S = 0.8 x target leaves at most S / 0.85 < 0.95 x target after the 15 % step and
    (7S/8) / 0.75 < 0.94 x target after the 25 % one, so target tracking (> target on 3 of 3)
    does not scale back out."""
    threshold = ratio * target
    offset = metric - threshold
    if offset > 0:
        return None
    split = round(threshold * (1 - STEADY_IN_SPLIT), 6)
    return STEADY_IN_PERCENTS[0] if offset > -split else STEADY_IN_PERCENTS[1]


# modules/fleet-autoscaling/main.tf fast_steps: 9 steps, one per whole multiple of the target
# above the threshold, the last open; scale_from_zero_steps: at most 20 (zero_steps).
FAST_STEPS = 9
FROM_ZERO_MAX_STEPS = 20


def fast_scale_out_percent(
    metric: float, target: float, ratio: float, headroom: float = 1.0
) -> float:
    """The fast scale-out step's adjustment (percent) for a load above the threshold
    ``ratio * target``, as the module writes the steps: offsets [i x target, (i + 1) x target)
    above the threshold (a lower bound inclusive above it, API reference, StepAdjustment)
    add floor(((ratio + i) x headroom - 1) x 100) %, i = 0 .. 8, the last step open. So a load
    of m x target grows capacity to about actual x m x headroom for the whole multiple below
    m: at 2.9 x target and headroom 1, +100 %; headroom 1.5 sizes the burst as if the target
    were target / 1.5 (queue mode tracks 7 with headroom 1.75: a burst sized for 4)."""
    step = math.floor((metric - ratio * target) / target + 1e-9)
    step = min(max(step, 0), FAST_STEPS - 1)
    return float(math.floor(((ratio + step) * headroom - 1) * 100 + 1e-9))


def scale_from_zero_units(waiting: float, target: float, max_capacity: int) -> int:
    """The sized scale-from-zero step's units for ``waiting`` work (> 0, the alarm's
    threshold), as the module writes the steps: [(i - 1) x target, i x target) above the
    threshold 0 adds i (a lower bound inclusive above it, API reference, StepAdjustment),
    min(max_capacity, 20) steps, the last open and adding max_capacity. So 4 requests at
    target 4 add 2: the step is floor(waiting / target) + 1, not ceil(waiting / target)."""
    steps = min(max_capacity, FROM_ZERO_MAX_STEPS)
    units = math.floor(waiting / target + 1e-9) + 1
    return max_capacity if units >= steps else units


def percent_scale_in(actual: int, percent: float) -> int:
    """A negative PercentChangeInCapacity as AAS rounds it: below -1 rounded toward zero
    (the AWS step scaling example, as Pulumi's awsx reference quotes it: "remove 10 percent
    of 14, 1.4, rounded down to 1"); between 0 and -1 it is -1 (assumed: not found in the
    docs)."""
    change = actual * percent / 100.0
    if change > -1:
        return -1
    return math.ceil(change - 1e-9)


def percent_adjustment(actual: int, percent: float) -> int:
    """PercentChangeInCapacity as AAS rounds it, with MinAdjustmentMagnitude 1."""
    change = actual * percent / 100.0
    if change <= 0:
        return 1 if percent > 0 else 0
    return max(1, math.floor(change))


@dataclass
class Alarm:
    """A CloudWatch alarm over one-minute datapoints: N of N breaching, or with
    ``datapoints`` M (DatapointsToAlarm) M of the last N ("M out of N", CloudWatch user guide,
    "Evaluating an alarm")."""

    periods: int
    datapoints: int = 0  # M; 0: all N
    window: deque[bool] = field(init=False)  # the last ``periods`` datapoints

    def __post_init__(self) -> None:
        self.window = deque(maxlen=self.periods)

    def observe(self, breaching: bool | None) -> bool:
        """One new datapoint (None: missing, which keeps the alarm where it was)."""
        if breaching is not None:
            self.window.append(breaching)
        return sum(self.window) >= (self.datapoints or self.periods)


# "If the alarm period is 10 seconds or 30 seconds, the alarm is evaluated every 10 seconds"
# (CloudWatch user guide, AlarmThatSendsEmail.html); an alarm with an Auto Scaling
# action keeps invoking it while it stays in ALARM ("Except for Auto Scaling actions, the
# actions happen only on state transitions", user guide, "Alarm actions"). How often is not
# documented; modelled as on the transition and then once a minute, as the one-minute alarms.
REINVOKE_SECONDS = 60.0


@dataclass
class BurstAlarm:
    """The burst alarm: one high-resolution datapoint per period, ``periods`` of ``periods``
    above the threshold; a missing datapoint is not breaching (treat_missing_data
    notBreaching: the dispatcher pauses between its scheduled invocations, and a period
    with no routed request has no datapoint)."""

    alarm: Alarm
    in_alarm: bool = False
    invoked_at: float = -math.inf

    def observe(self, values: list[float | None], threshold: float, now: float) -> float | None:
        """Datapoints newly seen, oldest first; the value to act on when the alarm invokes
        its action now (entering ALARM, or still in ALARM a minute after the last call)."""
        was = self.in_alarm
        for value in values:
            self.in_alarm = self.alarm.observe(value is not None and value > threshold)
        if not self.in_alarm:
            return None
        if was and now - self.invoked_at < REINVOKE_SECONDS:
            return None
        self.invoked_at = now
        return next((v for v in reversed(values) if v is not None), None)


@dataclass
class TargetTracking:
    target: float
    scale_out_cooldown: float
    scale_in_cooldown: float
    high: Alarm = field(default_factory=lambda: Alarm(SCALE_OUT_DATAPOINTS))
    low: Alarm = field(default_factory=lambda: Alarm(SCALE_IN_DATAPOINTS))
    last_scale_out: float = -math.inf
    last_scale_in: float = -math.inf

    def observe(self, metric: float | None) -> tuple[bool, bool]:
        high = self.high.observe(None if metric is None else metric > self.target)
        low = self.low.observe(None if metric is None else metric < self.target * SCALE_IN_RATIO)
        return high, low

    def wanted(self, metric: float, actual: int) -> int:
        return math.ceil(actual * metric / self.target - 1e-9)


@dataclass
class StepPolicy:
    alarm: Alarm
    cooldown: float
    last_at: float = -math.inf
    last_result: int = 0

    def allows(self, now: float, result: int) -> bool:
        return now - self.last_at >= self.cooldown or result > self.last_result

    def mark(self, now: float, result: int) -> None:
        self.last_at, self.last_result = now, result


class ScalableTarget:
    """One scalable target with a target-tracking policy and optional step policies."""

    def __init__(
        self,
        min_capacity: int,
        max_capacity: int,
        tracking: TargetTracking,
        from_zero: StepPolicy | None = None,
        fast: StepPolicy | None = None,
        fast_ratio: float = 0.0,
        sized_from_zero: bool = False,
        fast_in: StepPolicy | None = None,
        fast_in_ratio: float = 0.0,
        fast_in_min_capacity: int = 0,
        fast_in_max_percent: int = 66,
        burst: BurstAlarm | None = None,
        fast_min_capacity: int = 0,
        fast_headroom: float = 1.0,
        keep_up: float = 0.0,
        steady_in: StepPolicy | None = None,
        steady_in_ratio: float = 0.0,
        steady_in_min_capacity: int = 0,
    ) -> None:
        self.steady_in = steady_in
        self.steady_in_ratio = steady_in_ratio
        self.steady_in_min_capacity = steady_in_min_capacity
        self.keep_up = keep_up  # load_keep_up_waiting (queue mode; 0: off), keep_up_cap
        self.fast_min_capacity = fast_min_capacity
        self.fast_headroom = fast_headroom
        self.burst = burst
        self.fast_in = fast_in
        self.fast_in_ratio = fast_in_ratio
        self.fast_in_min_capacity = fast_in_min_capacity
        self.fast_in_max_percent = fast_in_max_percent
        self.min_capacity, self.max_capacity = min_capacity, max_capacity
        self.tracking = tracking
        self.from_zero = from_zero
        self.fast = fast
        self.fast_ratio = fast_ratio
        self.sized_from_zero = sized_from_zero

    def clamp(self, value: int) -> int:
        return min(max(value, self.min_capacity), self.max_capacity)

    def evaluate_burst(
        self, now: float, values: list[float | None], actual: Callable[[], int], desired: int
    ) -> ScalingDecision | None:
        """The burst alarm's newly published datapoints: when it invokes the fast scale-out
        step, the step sizes the new capacity from the datapoint as it does from the load."""
        if self.burst is None or self.fast is None:
            return None
        limit = self.fast_ratio * self.tracking.target
        metric = self.burst.observe(values, limit, now)
        if metric is None:
            return None
        current = actual()  # read only when the policy runs (a GET on the scaling API)
        if current <= 0:
            return None  # a percent of 0 is 0: scale-from-zero covers an empty fleet
        result = self._fast_step(now, metric, current, desired)
        if result is None:
            return None
        self._scaled_out(now)
        reason = f"burst scale-out: {metric:.1f} > {limit:.1f} (actual {current})"
        return ScalingDecision(result, reason)

    def _fast_step(self, now: float, metric: float, actual: int, desired: int) -> int | None:
        """The fast scale-out step at ``metric`` (the module's step for it,
        :func:`fast_scale_out_percent`) when it raises the desired capacity and its cooldown
        allows it; the step is then marked."""
        assert self.fast is not None
        percent = fast_scale_out_percent(
            metric, self.tracking.target, self.fast_ratio, self.fast_headroom
        )
        result = self.clamp(actual + percent_adjustment(actual, percent))
        if result <= desired or not self.fast.allows(now, result):
            return None
        self.fast.mark(now, result)
        return result

    def _scaled_out(self, now: float) -> None:
        self.tracking.last_scale_out = now
        self.tracking.last_scale_in = -math.inf  # a scale-out ends the scale-in cooldown

    def evaluate(
        self,
        now: float,
        metric: float | None,
        zero_alarm_value: float | None,
        actual: int,
        desired: int,
        capacity: float | None = None,
        waiting: float | None = None,
        published_desired: float | None = None,
    ) -> ScalingDecision | None:
        """One minute: the newest published datapoint of the load (or backlog) and of the
        scale-from-zero alarm's metric; a decision means "set desiredCapacity". ``waiting``:
        the load's W in queue mode, with which target tracking reads the load through
        :func:`keep_up_cap` (the step alarms read the load itself). ``capacity`` and
        ``published_desired``: the control plane's InServiceCapacity and DesiredCapacity
        datapoints (None: not published)."""
        tracking = self.tracking
        tracked = metric
        if metric is not None and waiting is not None and self.keep_up > 0:
            tracked = keep_up_cap(metric, waiting, capacity or 0.0, tracking.target, self.keep_up)
        high, low = tracking.observe(tracked)
        # The fast scale-in alarm sees every datapoint, whichever policy acts this minute: the
        # load while at least fast_in_min_capacity units are in service (IF(FILL(c, 0) >= m,
        # load, target) < ratio x target); a missing datapoint is not breaching.
        fast_in_alarm = False
        fast_in_limit = self.fast_in_ratio * tracking.target
        if self.fast_in is not None:
            breaching = (
                metric is not None
                and metric < fast_in_limit
                and (capacity or 0.0) >= self.fast_in_min_capacity
            )
            fast_in_alarm = self.fast_in.alarm.observe(breaching)
        # The steady scale-in alarm likewise: load < steady ratio x target on M of N datapoints
        # while at least steady_scale_in_min_capacity units are in service and every desired
        # unit is (FILL(c, 0) >= FILL(d, 0): a fleet short of its desired capacity, an endpoint
        # failed or capacity still provisioning, is not trimmed); otherwise it reads the target,
        # so its newest datapoint then matches no step.
        steady_in_alarm = False
        steady_in_value: float | None = None
        if self.steady_in is not None:
            in_service = capacity or 0.0
            gated = in_service >= self.steady_in_min_capacity and in_service >= (
                published_desired or 0.0
            )
            steady_in_value = (metric if gated else tracking.target) if metric is not None else None
            steady_in_alarm = self.steady_in.alarm.observe(
                steady_in_value is not None
                and steady_in_value < self.steady_in_ratio * tracking.target
            )
        proposals: list[ScalingDecision] = []

        if self.from_zero is not None:
            breaching = None if zero_alarm_value is None else zero_alarm_value > 0
            if self.from_zero.alarm.observe(breaching) and zero_alarm_value is not None:
                step = 1
                if self.sized_from_zero:
                    step = scale_from_zero_units(
                        zero_alarm_value, tracking.target, self.max_capacity
                    )
                result = self.clamp(actual + step)
                if result > desired and self.from_zero.allows(now, result):
                    self.from_zero.mark(now, result)
                    proposals.append(ScalingDecision(result, f"scale-from-zero step +{step}"))

        if self.fast is not None and metric is not None:
            # IF(FILL(c, 0) >= m, load, 0) > ratio x target: below m units in service the
            # alarm reads 0 (m <= 1: the load itself, as actual > 0 gates the step anyway).
            limit = self.fast_ratio * tracking.target
            breaching = metric > limit and (
                self.fast_min_capacity <= 1 or (capacity or 0.0) >= self.fast_min_capacity
            )
            if self.fast.alarm.observe(breaching) and actual > 0:
                result = self._fast_step(now, metric, actual, desired)
                if result is not None:
                    proposals.append(
                        ScalingDecision(result, f"fast scale-out: {metric:.1f} > {limit:.1f}")
                    )

        if tracked is not None and metric is not None and actual > 0:
            wanted = self.clamp(tracking.wanted(tracked, actual))
            if high and wanted > desired:
                proposals.append(
                    ScalingDecision(wanted, f"target tracking: {tracked:.1f} > {tracking.target:g}")
                )
            elif not proposals:
                # Scale-in: target tracking's low alarm and the fast scale-in step each act on
                # their own (a step scale-in is not blocked by target tracking, PutScalingPolicy);
                # when both act in one minute the larger capacity wins.
                # Each with the step policy that proposed it (None: target tracking).
                scale_ins: list[tuple[ScalingDecision, StepPolicy | None]] = []
                if (
                    low
                    and wanted < desired
                    and now - tracking.last_scale_in >= tracking.scale_in_cooldown
                ):
                    reason = f"target tracking: {tracked:.1f} < {tracking.target:g} x 0.9"
                    scale_ins.append((ScalingDecision(wanted, reason), None))
                if (
                    self.fast_in is not None
                    and fast_in_alarm
                    and now - self.fast_in.last_at >= self.fast_in.cooldown
                ):
                    percent = scale_in_percent(
                        metric, tracking.target, self.fast_in_ratio, self.fast_in_max_percent
                    )
                    result = self.clamp(actual + percent_scale_in(actual, percent))
                    if result < desired:
                        reason = f"fast scale-in {percent:g}%: {metric:.1f} < {fast_in_limit:.1f}"
                        scale_ins.append((ScalingDecision(result, reason), self.fast_in))
                if (
                    self.steady_in is not None
                    and steady_in_alarm
                    and steady_in_value is not None
                    and now - self.steady_in.last_at >= self.steady_in.cooldown
                ):
                    steady = steady_scale_in_percent(
                        steady_in_value, tracking.target, self.steady_in_ratio
                    )
                    if steady is not None:
                        result = self.clamp(actual + percent_scale_in(actual, steady))
                        if result < desired:
                            limit = self.steady_in_ratio * tracking.target
                            reason = f"steady scale-in {steady:g}%: {metric:.1f} < {limit:.1f}"
                            scale_ins.append((ScalingDecision(result, reason), self.steady_in))
                if scale_ins:
                    decision, policy = max(scale_ins, key=lambda item: item[0].desired)
                    if policy is None:
                        tracking.last_scale_in = now
                    else:
                        policy.mark(now, decision.desired)
                    return decision
        if not proposals:
            return None
        best = max(proposals, key=lambda d: d.desired)
        self._scaled_out(now)
        return best


MODES = ("queue", "direct")


def for_mode(settings: ScalingSettings, name: str, mode: str) -> Any:
    """A setting that scaling_defaults.json holds once per dispatch mode, ``<name>_<mode>``
    (``load_target_value``, ``load_backlog_minutes``, ``fast_scale_out_headroom``,
    ``fast_scale_out_min_capacity``, ``burst_evaluation_periods``,
    ``fast_scale_in_max_percent``), as the module picks it
    (modules/fleet-autoscaling/main.tf; why each differs: README, "Choosing the defaults")."""
    if mode not in MODES:
        raise ValueError(f"dispatch mode must be one of {MODES}, not {mode!r}")
    return getattr(settings, f"{name}_{mode}")


def fleet_target(
    settings: ScalingSettings,
    min_capacity: int,
    max_capacity: int,
    signal: str | None = None,
    burst: bool = False,
    mode: str = "direct",
) -> ScalableTarget:
    """The module's policies for ``signal`` (default: the settings' ``scaling_signal``)
    in dispatch ``mode``; ``burst``: with the burst alarm of that mode (``queue``: on the
    dispatcher's OutstandingPerCapacity; ``direct``: on the router's RoutedPerCapacity),
    load only."""
    signal = signal or settings.scaling_signal
    if signal == "load":
        return ScalableTarget(
            min_capacity,
            max_capacity,
            TargetTracking(
                for_mode(settings, "load_target_value", mode),
                settings.scale_out_cooldown_seconds,
                settings.scale_in_cooldown_seconds,
            ),
            from_zero=StepPolicy(
                Alarm(settings.scale_from_zero_evaluation_periods),
                settings.scale_from_zero_cooldown_seconds,
            ),
            fast=StepPolicy(
                Alarm(settings.fast_scale_out_evaluation_periods),
                settings.scale_out_cooldown_seconds,
            ),
            fast_ratio=settings.fast_scale_out_ratio,
            sized_from_zero=True,
            fast_in=StepPolicy(
                Alarm(settings.fast_scale_in_evaluation_periods),
                settings.fast_scale_in_cooldown_seconds,
            )
            if settings.fast_scale_in_ratio > 0
            else None,
            fast_in_ratio=settings.fast_scale_in_ratio,
            fast_in_min_capacity=settings.fast_scale_in_min_capacity,
            fast_in_max_percent=for_mode(settings, "fast_scale_in_max_percent", mode),
            burst=BurstAlarm(Alarm(for_mode(settings, "burst_evaluation_periods", mode)))
            if burst
            else None,
            fast_min_capacity=for_mode(settings, "fast_scale_out_min_capacity", mode),
            fast_headroom=for_mode(settings, "fast_scale_out_headroom", mode),
            keep_up=settings.load_keep_up_waiting_queue if mode == "queue" else 0.0,
            steady_in=StepPolicy(
                Alarm(
                    settings.steady_scale_in_evaluation_periods,
                    settings.steady_scale_in_datapoints,
                ),
                settings.steady_scale_in_cooldown_seconds,
            )
            if settings.steady_scale_in_ratio > 0
            else None,
            steady_in_ratio=settings.steady_scale_in_ratio,
            steady_in_min_capacity=settings.steady_scale_in_min_capacity,
        )
    return ScalableTarget(
        min_capacity,
        max_capacity,
        TargetTracking(
            settings.backlog_target_value,
            settings.scale_out_cooldown_seconds,
            settings.scale_in_cooldown_seconds,
        ),
        from_zero=StepPolicy(
            Alarm(settings.scale_from_zero_evaluation_periods),
            settings.scale_from_zero_cooldown_seconds,
        ),
    )


def native_target(target: float, max_capacity: int) -> ScalableTarget:
    """One SageMaker variant's autoscaling as the async-inference docs configure it."""
    return ScalableTarget(
        0,
        max_capacity,
        TargetTracking(target, NATIVE_SCALE_OUT_COOLDOWN, NATIVE_SCALE_IN_COOLDOWN),
        from_zero=StepPolicy(Alarm(NATIVE_FROM_ZERO_PERIODS), NATIVE_FROM_ZERO_COOLDOWN),
    )
