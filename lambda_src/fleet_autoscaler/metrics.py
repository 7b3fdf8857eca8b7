"""CloudWatch adapter: every endpoint's ApproximateBacklogSize in one GetMetricData call.

``ApproximateBacklogSize`` (namespace ``AWS/SageMaker``, dimension ``EndpointName``)
is the number of requests waiting or in flight on an asynchronous endpoint
(https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-monitor.html).
GetMetricData takes up to 500 queries per call
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html),
so one call covers a fleet. No decisions here: the latest datapoint per endpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from .model import BacklogSample

NAMESPACE = "AWS/SageMaker"
METRIC = "ApproximateBacklogSize"
PERIOD_SECONDS = 60
LOOKBACK_SECONDS = 600  # datapoints arrive 1-3 minutes late; look 10 minutes back


class BacklogReader:
    """Reads the latest backlog datapoint of each endpoint."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def read(self, endpoints: Sequence[str], now: float) -> dict[str, BacklogSample]:
        queries = [
            {
                "Id": f"b{index}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": NAMESPACE,
                        "MetricName": METRIC,
                        "Dimensions": [{"Name": "EndpointName", "Value": name}],
                    },
                    "Period": PERIOD_SECONDS,
                    "Stat": "Average",
                },
                "ReturnData": True,
            }
            for index, name in enumerate(endpoints)
        ]
        response = self._client.get_metric_data(
            MetricDataQueries=queries,
            StartTime=datetime.fromtimestamp(now - LOOKBACK_SECONDS, UTC),
            EndTime=datetime.fromtimestamp(now, UTC),
            ScanBy="TimestampDescending",
        )
        by_id = {f"b{index}": name for index, name in enumerate(endpoints)}
        samples: dict[str, BacklogSample] = {}
        for result in response.get("MetricDataResults", []):
            name = by_id.get(result.get("Id", ""))
            points = list(zip(result.get("Timestamps", []), result.get("Values", []), strict=False))
            if name is None or not points:
                continue
            when, value = max(points, key=lambda point: point[0])
            samples[name] = BacklogSample(value=float(value), at=when.timestamp())
        return samples
