"""What every API handler does around its own logic: typed errors to HTTP responses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import log
from ..config import ConfigError
from ..http import ApiError, error_response, internal_error_response

ApiHandler = Callable[[dict[str, Any]], dict[str, Any]]


def api_call(function: str, body: ApiHandler, event: Any) -> dict[str, Any]:
    """Run ``body``; map typed errors to their status and anything else to a bare 500."""
    try:
        if not isinstance(event, dict):
            raise ApiError("malformed proxy event")
        return body(event)
    except ApiError as exc:
        if exc.status >= 500:
            log.warning("request failed", function=function, status=exc.status, reason=exc.message)
        return error_response(exc)
    except ConfigError:
        log.error("invalid configuration", function=function)
        raise
    except Exception:
        log.error("unhandled error", function=function)
        return internal_error_response()
