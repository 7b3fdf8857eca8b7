"""One JSON object per log line, with the fleet, the decision and its inputs.

Never log request payloads or headers: callers pass only the fields that
explain a decision.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from typing import Any

_LOGGER_NAME = "fleet_autoscaler"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        raw = getattr(record, "raw", None)
        if isinstance(raw, dict):
            return json.dumps(raw, separators=(",", ":"))
        payload: dict[str, Any] = {
            "level": record.levelname,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            payload.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            kind, exc, trace = record.exc_info
            payload["error"] = kind.__name__
            # The message and the frames (file, line, function, source line): no local
            # variables, so no payload or headers reach the log.
            payload["error_message"] = str(exc)[:2000]
            payload["traceback"] = "".join(traceback.format_tb(trace))[-8000:]
        return json.dumps(payload, default=str, separators=(",", ":"))


def _configure() -> logging.Logger:
    logger = logging.getLogger(_LOGGER_NAME)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


_logger = _configure()


def info(message: str, **fields: Any) -> None:
    if _logger.isEnabledFor(logging.INFO):
        _logger.info(message, extra={"fields": fields})


def warning(message: str, **fields: Any) -> None:
    _logger.warning(message, extra={"fields": fields})


def error(message: str, **fields: Any) -> None:
    _logger.error(message, extra={"fields": fields}, exc_info=True)


def _emf(
    namespace: str,
    fleet: str,
    metrics: list[dict[str, Any]],
    values: dict[str, float],
    timestamp: float,
    fields: dict[str, Any] | None = None,
) -> None:
    """One CloudWatch embedded-metric-format line (dimension Fleet), with ``fields`` beside
    the metrics. CloudWatch Logs extracts the metrics from the log line itself, so
    publishing them costs no API call
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
    Always written, whatever the log level: target tracking and alarms read it."""
    line = {
        **(fields or {}),
        "_aws": {
            "Timestamp": int(timestamp * 1000),
            "CloudWatchMetrics": [
                {"Namespace": namespace, "Dimensions": [["Fleet"]], "Metrics": metrics}
            ],
        },
        "Fleet": fleet,
        **values,
    }
    record = _logger.makeRecord(_LOGGER_NAME, logging.INFO, __file__, 0, "metric", (), None)
    record.raw = line
    _logger.handle(record)


def fleet_capacity_metric(
    namespace: str, fleet: str, in_service: int, desired: int, timestamp: float
) -> None:
    """InServiceCapacity and DesiredCapacity, one EMF line."""
    metrics = [
        {"Name": "InServiceCapacity", "Unit": "Count"},
        {"Name": "DesiredCapacity", "Unit": "Count"},
    ]
    values = {"InServiceCapacity": in_service, "DesiredCapacity": desired}
    _emf(namespace, fleet, metrics, values, timestamp)


def routed_metric(
    namespace: str, fleet: str, per_capacity: float, timestamp: float, **fields: Any
) -> None:
    """The router's ``routed`` line with the burst signal: RoutedPerCapacity, a
    high-resolution metric (MetricDefinition ``StorageResolution`` 1), whose Sum over a
    period is the requests routed in it per in-service capacity unit."""
    metrics = [{"Name": "RoutedPerCapacity", "Unit": "None", "StorageResolution": 1}]
    fields = {"level": "INFO", "message": "routed", **fields}
    _emf(namespace, fleet, metrics, {"RoutedPerCapacity": per_capacity}, timestamp, fields)
