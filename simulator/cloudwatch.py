"""CloudWatch with its publication delay.

A datapoint for the minute ``[p, p+1)`` becomes visible ``metric_delay_seconds`` after
the minute ends (AWS documents 1-3 minutes for most services' metrics). Until then no
alarm, target-tracking policy or ``GetMetricData`` call sees it: the simulator keeps it
here, then puts it into (moto) CloudWatch, where the control plane's own
``GetMetricData`` finds it, and into :attr:`published`, which the simulated alarms read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

Key = tuple[str, str, tuple[tuple[str, str], ...]]  # namespace, metric, dimensions
KEEP_IN_MOTO_SECONDS = 1800  # nothing reads older datapoints; moto's reads scan them all


@dataclass(frozen=True)
class Datapoint:
    key: Key
    period: int  # index of the minute it describes
    value: float


class DelayedCloudWatch:
    """Datapoints CloudWatch has received but not yet published, and those it has."""

    def __init__(self, delay_seconds: float, epoch: datetime, period_seconds: int = 60) -> None:
        self.delay = delay_seconds
        self.epoch = epoch
        self.period_seconds = period_seconds
        self.pending: list[Datapoint] = []
        self.published: dict[Key, dict[int, float]] = {}
        self._client: Any = None

    def record(self, key: Key, period: int, value: float) -> None:
        """CloudWatch received the datapoint of minute ``period`` (it is not visible yet)."""
        self.pending.append(Datapoint(key, period, value))

    def visible_at(self, period: int) -> float:
        """When the datapoint of minute ``period`` is published."""
        return (period + 1) * self.period_seconds + self.delay

    def newest_period(self, now: float) -> int:
        """The newest minute whose datapoints are published at ``now``."""
        return math.floor((now - self.delay) / self.period_seconds) - 1

    def publish_due(self, now: float, to_moto: bool = True) -> list[Datapoint]:
        due = [d for d in self.pending if self.visible_at(d.period) <= now]
        if not due:
            return []
        self.pending = [d for d in self.pending if self.visible_at(d.period) > now]
        for point in due:
            self.published.setdefault(point.key, {})[point.period] = point.value
        if to_moto:
            self._put(due, now)
        return due

    def value(self, key: Key, period: int) -> float | None:
        """The published datapoint of ``key`` for minute ``period`` (None: no datapoint)."""
        return self.published.get(key, {}).get(period)

    def _put(self, points: list[Datapoint], now: float) -> None:
        import boto3  # noqa: PLC0415  (only inside the simulator's moto)

        if self._client is None:
            self._client = boto3.client("cloudwatch")
        by_namespace: dict[str, list[dict[str, Any]]] = {}
        for point in points:
            namespace, name, dims = point.key
            by_namespace.setdefault(namespace, []).append(
                {
                    "MetricName": name,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in dims],
                    "Timestamp": self.epoch + timedelta(seconds=point.period * self.period_seconds),
                    "Value": point.value,
                }
            )
        for namespace, data in by_namespace.items():
            for start in range(0, len(data), 500):
                self._client.put_metric_data(
                    Namespace=namespace, MetricData=data[start : start + 500]
                )
        self._prune(now)

    def _prune(self, now: float) -> None:
        from moto.cloudwatch.models import cloudwatch_backends  # noqa: PLC0415

        from .sagemaker import ACCOUNT, REGION  # noqa: PLC0415

        backend = cloudwatch_backends[ACCOUNT][REGION]
        oldest = self.epoch + timedelta(seconds=now - KEEP_IN_MOTO_SECONDS)
        if backend.metric_data and backend.metric_data[0].timestamp.tzinfo is None:
            # moto keeps naive UTC timestamps; the epoch may carry any offset
            oldest = oldest.astimezone(UTC).replace(tzinfo=None)
        backend.metric_data = [d for d in backend.metric_data if d.timestamp >= oldest]
