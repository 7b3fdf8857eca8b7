"""The burst signal: how much work arrives or waits per in-service capacity unit, fresh.

The load signal's datapoints are one minute long and CloudWatch publishes them 1-3
minutes late, so target tracking and the fast scale-out alarm see a burst minutes after
it starts. The module's burst alarm (period 10-30 s, evaluated every 10 s) invokes the
same fast scale-out step on a high-resolution signal instead:

- **queue mode**: the dispatcher knows the fleet's outstanding work at once: the fleet
  queue's ``ApproximateNumberOfMessages`` (waiting for room; one GetQueueAttributes call,
  https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html)
  plus its ledger's outstanding requests (dispatched minus completed, clamped by the
  endpoints' backlog datapoints, :mod:`fleet_autoscaler.dispatch`). Not the queue's
  ``ApproximateNumberOfMessagesNotVisible``: a held message whose completion was lost, or
  whose receipt handle a cold start forgot, stays invisible for hours after its request
  finished, and the alarm would keep scaling out on finished work; the ledger's clamp
  forgets it within ``backlog_max_age_seconds``. Each round measures that work per
  capacity unit (:func:`outstanding_per_capacity`, capacity from
  :func:`~fleet_autoscaler.control.fleet_capacity`); once per ``queue.signal_seconds``
  period it publishes the period's peak (:class:`PeriodPeak`) as
  ``OutstandingPerCapacity`` with PutMetricData and ``StorageResolution`` 1
  (:class:`SignalPublisher`).
- **direct mode**: the router has no queue to read but sees each request as it routes it:
  its ``routed`` log line carries ``RoutedPerCapacity`` (:func:`routed_per_capacity`) in
  the embedded metric format with ``StorageResolution`` 1 (``log.routed_metric``; no API
  call). The alarm reads its Sum x 60 / period: requests arriving per minute per unit.

Decisions here are pure (:func:`outstanding_per_capacity`, :func:`routed_per_capacity`,
:class:`PeriodPeak`); :class:`SignalPublisher` is the thin CloudWatch adapter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

METRIC = "OutstandingPerCapacity"
# PutMetricData: "Setting this to 1 specifies this metric as a high-resolution metric, so
# that CloudWatch stores the metric with sub-minute resolution down to one second"
# (CloudWatch API reference, MetricDatum StorageResolution).
HIGH_RESOLUTION = 1
# PutMetricAlarm accepts periods of 10, 20 and 30 s for high-resolution metrics (and
# multiples of 60 s); the signal is published once per alarm period.
SIGNAL_PERIODS = (10, 20, 30)


def outstanding_per_capacity(waiting: int, outstanding: float, capacity: float) -> float:
    """Requests waiting (fleet queue) or outstanding (at the endpoints) per in-service
    capacity unit; the divisor is at least 1, as the load signal's is, so an empty fleet
    reads its whole outstanding work."""
    return (max(0, waiting) + max(0.0, outstanding)) / max(capacity, 1.0)


def routed_per_capacity(capacity: float) -> float:
    """Direct mode's burst signal, one value per routed request: 1 / max(capacity, 1). Its
    Sum over a period is the requests routed in it per capacity unit; the module's alarm
    multiplies it by 60 / period, the load signal's arrivals term at high resolution."""
    return 1.0 / max(capacity, 1.0)


@dataclass
class PeriodPeak:
    """Queue mode's datapoints: the peak of every round's value within each aligned
    ``every``-second period, handed out by the first round of a later period, stamped
    with the period's start.

    A datapoint taken at its period's first round (the dispatcher's until 2026-12-05)
    misses a burst that starts a second later until the next period: the alarm then
    sees it one period late. The peak of the period's rounds covers the whole period,
    and as the alarm evaluates a period only after it ends, publishing it right after
    the end costs no time. A period whose rounds are all lost (a cold start between
    them) has no datapoint; the alarm treats missing data as not breaching."""

    every: int
    period: int | None = None  # the period being measured
    peak: float = 0.0

    def add(self, now: float, value: float) -> tuple[float, float] | None:
        """A round's value at ``now``; (timestamp, peak) of an earlier period to publish
        now, or None. Never one when ``every`` is 0 (the signal is off)."""
        if self.every <= 0:
            return None
        period = math.floor(now / self.every)
        finished = self.finish(now)
        if self.period == period:
            self.peak = max(self.peak, value)
        else:
            self.period, self.peak = period, value
        return finished

    def finish(self, now: float) -> tuple[float, float] | None:
        """(timestamp, peak) of the period measured, if it has ended by ``now``."""
        if self.period is None or math.floor(now / self.every) <= self.period:
            return None
        finished = (float(self.period * self.every), self.peak)
        self.period = None
        return finished


class SignalPublisher:
    """PutMetricData of the fast signal (namespace ``metrics_namespace``, dimension Fleet)."""

    def __init__(self, client: Any, namespace: str, fleet: str) -> None:
        self._client = client
        self._namespace = namespace
        self._fleet = fleet

    def publish(self, value: float, now: float) -> None:
        self._client.put_metric_data(
            Namespace=self._namespace,
            MetricData=[
                {
                    "MetricName": METRIC,
                    "Dimensions": [{"Name": "Fleet", "Value": self._fleet}],
                    "Timestamp": datetime.fromtimestamp(now, UTC),
                    "Value": float(value),
                    "Unit": "None",
                    "StorageResolution": HIGH_RESOLUTION,
                }
            ],
        )
