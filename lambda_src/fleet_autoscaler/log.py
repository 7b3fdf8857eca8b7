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
