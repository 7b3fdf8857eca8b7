"""API Gateway proxy responses and the typed errors the APIs answer with."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any


class ApiError(Exception):
    """An error with an HTTP status; its message is safe to show to the caller."""

    status = 500

    def __init__(self, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadRequest(ApiError):
    status = 400


class NotFound(ApiError):
    status = 404


class MethodNotAllowed(ApiError):
    status = 405


class Conflict(ApiError):
    status = 409


class FailedDependency(ApiError):
    status = 424


class BadGateway(ApiError):
    status = 502


class PayloadTooLarge(ApiError):
    status = 413


class ServiceUnavailable(ApiError):
    status = 503


class GatewayTimeout(ApiError):
    status = 504


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    merged = {"Content-Type": "application/json"}
    merged.update(headers or {})
    return {
        "statusCode": status,
        "headers": merged,
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }


def error_response(error: ApiError) -> dict[str, Any]:
    """The custom-resource API's error shape: a JSON object with a ``message``."""
    return json_response(error.status, {"message": error.message}, error.headers)


def internal_error_response() -> dict[str, Any]:
    return json_response(500, {"message": "internal error; see the function's logs"})


def header_map(event: dict[str, Any]) -> dict[str, str]:
    """Request headers with lower-cased names; raises BadRequest when there are none."""
    single = event.get("headers")
    multi = event.get("multiValueHeaders")
    if not isinstance(single, dict) and not isinstance(multi, dict):
        raise BadRequest("request has no headers")
    headers: dict[str, str] = {}
    if isinstance(multi, dict):
        for name, values in multi.items():
            if isinstance(name, str) and isinstance(values, list) and values:
                headers[name.lower()] = str(values[-1])
    if isinstance(single, dict):
        for name, value in single.items():
            if isinstance(name, str) and value is not None:
                headers[name.lower()] = str(value)
    return headers


def path_parameter(event: dict[str, Any], name: str) -> str | None:
    params = event.get("pathParameters")
    if isinstance(params, dict):
        value = params.get(name)
        if isinstance(value, str):
            return value
    return None


def http_method(event: dict[str, Any]) -> str:
    method = event.get("httpMethod")
    if not isinstance(method, str):
        context = event.get("requestContext")
        method = context.get("httpMethod") if isinstance(context, dict) else None
    return method.upper() if isinstance(method, str) else ""


def request_body(event: dict[str, Any], missing: str) -> bytes:
    """The request body as bytes (base64 decoded when API Gateway encoded it).

    Raises BadRequest with ``missing`` when there is no body.
    """
    raw = event.get("body")
    if raw is None or raw == "":
        raise BadRequest(missing)
    if not isinstance(raw, str):
        raise BadRequest("request body must be a string")
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(raw, validate=True)
        except binascii.Error:
            raise BadRequest("request body is not valid base64") from None
    return raw.encode("utf-8")
