"""Application Auto Scaling, simulated: target tracking plus the scale-from-zero step policy.

Pure decision logic over per-minute datapoints, as the Terraform module
configures it: the tracked metric is the MAX over the endpoints of
``ApproximateBacklogSizePerInstance``; the scale-from-zero alarm is the MAX of
``HasBacklogWithoutCapacity``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .scenario import Autoscaling


@dataclass
class ScalingDecision:
    desired: int
    reason: str


class TargetTracking:
    """Alarm streaks, cooldowns and the capacity formula of target tracking."""

    def __init__(self, policy: Autoscaling, min_capacity: int, max_capacity: int) -> None:
        self.policy = policy
        self.min_capacity = min_capacity
        self.max_capacity = max_capacity
        self.high_streak = 0
        self.low_streak = 0
        self.last_scale_out = -math.inf
        self.last_scale_in = -math.inf
        self.last_from_zero = -math.inf
        self.zero_streak = 0

    def _clamp(self, value: int) -> int:
        return min(max(value, self.min_capacity), self.max_capacity)

    def evaluate(
        self,
        now: float,
        metric: float | None,
        backlog_without_capacity: bool,
        actual: int,
        desired: int,
    ) -> ScalingDecision | None:
        """One evaluation per minute; a decision means "PATCH desiredCapacity"."""
        policy = self.policy
        target = policy.target_backlog_per_instance
        if metric is None:
            self.high_streak = self.low_streak = 0
        else:
            self.high_streak = self.high_streak + 1 if metric > target else 0
            low = metric < target * policy.scale_in_ratio
            self.low_streak = self.low_streak + 1 if low else 0

        self.zero_streak = self.zero_streak + 1 if backlog_without_capacity else 0
        if (
            self.zero_streak >= policy.scale_from_zero_datapoints
            and now - self.last_from_zero >= policy.scale_from_zero_cooldown_seconds
        ):
            # Step scaling: ChangeInCapacity relative to the current (actual) capacity.
            wanted = self._clamp(actual + policy.scale_from_zero_capacity)
            self.last_from_zero = now
            if wanted > desired:
                return ScalingDecision(wanted, "step policy: backlog without capacity")

        if metric is None or actual <= 0:
            return None
        wanted = self._clamp(math.ceil(actual * metric / target))
        if self.high_streak >= policy.scale_out_datapoints and wanted > desired:
            # Scale-out is never held back by a cooldown when it asks for more than the
            # capacity already on its way (desired); the cooldown holds back scale-in.
            self.last_scale_out = now
            return ScalingDecision(wanted, f"target tracking: metric {metric:.1f} > {target}")
        if self.low_streak >= policy.scale_in_datapoints and wanted < desired:
            cooling = (
                now - self.last_scale_in < policy.scale_in_cooldown_seconds
                or now - self.last_scale_out < policy.scale_out_cooldown_seconds
            )
            if not cooling:
                self.last_scale_in = now
                self.low_streak = 0
                return ScalingDecision(wanted, f"target tracking: metric {metric:.1f} < target")
        return None
