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
  forgets it within ``backlog_max_age_seconds``. Every ``queue.signal_seconds`` it
  publishes that work per capacity unit (:func:`outstanding_per_capacity`, capacity from
  :func:`~fleet_autoscaler.control.fleet_capacity`) as ``OutstandingPerCapacity`` with
  PutMetricData and ``StorageResolution`` 1 (:class:`SignalPublisher`).
- **direct mode**: the router has no queue to read but sees each request as it routes it:
  its ``routed`` log line carries ``RoutedPerCapacity`` (:func:`routed_per_capacity`) in
  the embedded metric format with ``StorageResolution`` 1 (``log.routed_metric``; no API
  call). The alarm reads its Sum x 60 / period: requests arriving per minute per unit.

Decisions here are pure (:func:`outstanding_per_capacity`, :func:`routed_per_capacity`,
:func:`due`); :class:`SignalPublisher` is the thin CloudWatch adapter.
"""

from __future__ import annotations

import math
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


def due(last: float | None, now: float, every: int) -> bool:
    """Publish at ``now``? Once per ``every``-second period of the clock (aligned, so each
    alarm period gets one datapoint); never when ``every`` is 0 (the signal is off)."""
    if every <= 0:
        return False
    if last is None:
        return True
    return math.floor(now / every) > math.floor(last / every)


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
