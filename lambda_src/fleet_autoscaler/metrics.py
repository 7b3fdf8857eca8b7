"""CloudWatch adapter: every endpoint's ApproximateBacklogSize in one GetMetricData call.

``ApproximateBacklogSize`` (namespace ``AWS/SageMaker``, dimension ``EndpointName``)
is the number of requests waiting or in flight on an asynchronous endpoint
(https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-monitor.html).
GetMetricData takes up to 500 queries per call
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html),
so one call covers a fleet. No decisions here: the latest datapoint per endpoint.

The same call reads what tells the scale-to-zero guard the fleet is busy: the router
stage's ``Count`` (namespace ``AWS/ApiGateway``, dimensions ``ApiName`` and ``Stage``;
Sum over a period = requests the stage received,
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html)
and, in queue mode, the fleet queue's ``ApproximateNumberOfMessagesVisible``
(``AWS/SQS``, dimension ``QueueName``,
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from .model import BacklogSample, FleetConfig, FleetMetrics

NAMESPACE = "AWS/SageMaker"
METRIC = "ApproximateBacklogSize"
PERIOD_SECONDS = 60
LOOKBACK_SECONDS = 600  # datapoints arrive 1-3 minutes late; look 10 minutes back


def _query(query_id: str, namespace: str, metric: str, dimensions: dict[str, str], stat: str):
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {
                "Namespace": namespace,
                "MetricName": metric,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
            },
            "Period": PERIOD_SECONDS,
            "Stat": stat,
        },
        "ReturnData": True,
    }


def queue_name(queue_url: str) -> str:
    """An SQS queue's name: the last path segment of its URL."""
    return queue_url.rstrip("/").rsplit("/", 1)[-1]


class BacklogReader:
    """Reads the latest backlog datapoint of each endpoint (and the fleet's busy signals)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def read_fleet(self, config: FleetConfig, now: float) -> FleetMetrics:
        """Every endpoint's backlog, the router's Count and the fleet queue: one call."""
        extra: list[dict[str, Any]] = []
        if config.router_api_name and config.router_api_stage:
            dimensions = {"ApiName": config.router_api_name, "Stage": config.router_api_stage}
            extra.append(_query("arrivals", "AWS/ApiGateway", "Count", dimensions, "Sum"))
        if config.queue is not None:
            dimensions = {"QueueName": queue_name(config.queue.queue_url)}
            metric = "ApproximateNumberOfMessagesVisible"
            extra.append(_query("queue", "AWS/SQS", metric, dimensions, "Maximum"))
        return self._read(config.endpoint_names, extra, now)

    def _read(
        self, endpoints: Sequence[str], extra: list[dict[str, Any]], now: float
    ) -> FleetMetrics:
        queries = [
            _query(f"b{index}", NAMESPACE, METRIC, {"EndpointName": name}, "Average")
            for index, name in enumerate(endpoints)
        ]
        response = self._client.get_metric_data(
            MetricDataQueries=queries + extra,
            StartTime=datetime.fromtimestamp(now - LOOKBACK_SECONDS, UTC),
            EndTime=datetime.fromtimestamp(now, UTC),
            ScanBy="TimestampDescending",
        )
        by_id = {f"b{index}": name for index, name in enumerate(endpoints)}
        samples: dict[str, BacklogSample] = {}
        busy_at: float | None = None
        for result in response.get("MetricDataResults", []):
            points = list(zip(result.get("Timestamps", []), result.get("Values", []), strict=False))
            busy = [when.timestamp() + PERIOD_SECONDS for when, value in points if value > 0]
            if busy:
                busy_at = max(busy) if busy_at is None else max(busy_at, *busy)
            name = by_id.get(result.get("Id", ""))
            if name is None or not points:
                continue
            when, value = max(points, key=lambda point: point[0])
            samples[name] = BacklogSample(value=float(value), at=when.timestamp())
        return FleetMetrics(backlog=samples, busy_at=busy_at)
