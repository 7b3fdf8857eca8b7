"""The fleet's two HTTP APIs (router and scaling API), signed and retried."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from . import transport
from .errors import FleetClientError
from .responses import Target, error_for
from .retry import RETRYABLE_STATUSES, RetryPolicy
from .signing import Identity, sign
from .urls import ApiUrl

Sender = Callable[[str, str, Mapping[str, str], bytes | None, float], transport.HttpResponse]
RetryNotice = Callable[[int, float, transport.HttpResponse], None]


@dataclass(frozen=True)
class AsyncRequest:
    """The router's async headers; only ``input_location`` is required."""

    input_location: str
    content_type: str | None = None
    accept: str | None = None
    custom_attributes: str | None = None
    inference_id: str | None = None
    invocation_timeout_seconds: int | None = None
    request_ttl_seconds: int | None = None

    def headers(self) -> dict[str, str]:
        values: dict[str, Any] = {
            "InputLocation": self.input_location,
            "ContentType": self.content_type,
            "Accept": self.accept,
            "CustomAttributes": self.custom_attributes,
            "InferenceId": self.inference_id,
            "InvocationTimeoutSeconds": self.invocation_timeout_seconds,
            "RequestTTLSeconds": self.request_ttl_seconds,
        }
        return {name: str(value) for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class InvokeResult:
    """The router's 200 answer. ``endpoint_name`` is None when a queue-mode fleet queued
    the request (``"EndpointName": null``): a dispatcher picks the endpoint later, and the
    result still lands at ``output_location``."""

    endpoint_name: str | None
    inference_id: str | None
    output_location: str | None
    failure_location: str | None
    raw: dict[str, Any]

    @property
    def queued(self) -> bool:
        return self.endpoint_name is None


@dataclass(frozen=True)
class RealtimeResult:
    endpoint_name: str | None
    content_type: str | None
    body: bytes


@dataclass(frozen=True)
class DimensionStatus:
    fleet: str
    dimension_id: str
    desired: float
    actual: float
    status: str
    version: str | None
    failure_reason: str | None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class FleetClient:
    router: ApiUrl
    identity: Identity
    scaling: ApiUrl | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout_seconds: float = 70.0
    on_retry: RetryNotice | None = None
    sender: Sender = transport.send

    # -- router ---------------------------------------------------------------------------

    def invoke_async(self, fleet: str, request: AsyncRequest) -> InvokeResult:
        response = self._call(self.router, "POST", fleet, "fleet", request.headers(), None)
        payload = response.json()
        routed = isinstance(payload, dict) and bool(payload.get("EndpointName"))
        queued = (
            isinstance(payload, dict)
            and "EndpointName" in payload
            and payload["EndpointName"] is None
            and bool(payload.get("OutputLocation"))
        )
        if not (routed or queued):
            raise FleetClientError(
                "the router answered 200 without a JSON body naming the endpoint "
                "(or, for a queued request, its OutputLocation)"
            )
        return InvokeResult(
            endpoint_name=str(payload["EndpointName"]) if routed else None,
            inference_id=_optional(payload.get("InferenceId")),
            output_location=_optional(payload.get("OutputLocation")),
            failure_location=_optional(payload.get("FailureLocation")),
            raw=payload,
        )

    def invoke_realtime(
        self,
        fleet: str,
        body: bytes,
        content_type: str | None = None,
        accept: str | None = None,
        custom_attributes: str | None = None,
    ) -> RealtimeResult:
        headers = {"Content-Type": content_type or "application/octet-stream"}
        if accept:
            headers["Accept"] = accept
        if custom_attributes:
            headers["CustomAttributes"] = custom_attributes
        response = self._call(self.router, "POST", fleet, "fleet", headers, body)
        return RealtimeResult(
            endpoint_name=response.header("X-Fleet-Endpoint"),
            content_type=response.header("Content-Type"),
            body=response.body,
        )

    # -- scaling API ----------------------------------------------------------------------

    def dimension(self, dimension: str) -> DimensionStatus:
        response = self._call(
            self.scaling or self.router, "GET", dimension, "scalable target dimension", {}, None
        )
        return _dimension(response)

    def set_desired(self, dimension: str, desired: int) -> DimensionStatus:
        body = json.dumps({"desiredCapacity": desired}).encode()
        response = self._call(
            self.scaling or self.router,
            "PATCH",
            dimension,
            "scalable target dimension",
            {"Content-Type": "application/json"},
            body,
        )
        return _dimension(response)

    # -- one signed exchange, retried when the API says it is safe --------------------------

    def _call(
        self,
        api: ApiUrl,
        method: str,
        name: str,
        kind: str,
        headers: Mapping[str, str],
        body: bytes | None,
    ) -> transport.HttpResponse:
        url = api.router_url(name) if kind == "fleet" else api.dimension_url(name)
        base_path = urlsplit(api.base).path
        target = Target(
            kind=kind, name=name, method=method, api=api, path=urlsplit(url).path[len(base_path) :]
        )
        attempt = 0
        while True:
            attempt += 1
            signed = sign(self.identity, method, url, headers, body)
            response = self.sender(method, url, signed, body, self.timeout_seconds)
            if 200 <= response.status < 300:
                return response
            if response.status not in RETRYABLE_STATUSES or attempt >= self.retry.attempts:
                error = error_for(response, target)
                if response.status in RETRYABLE_STATUSES and attempt > 1:
                    error = type(error)(f"{error.message} (gave up after {attempt} attempts)")
                raise error
            wait = self.retry.delay(attempt, response.header("Retry-After"))
            if self.on_retry is not None:
                self.on_retry(attempt, wait, response)
            self.retry.sleep(wait)


def _optional(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _dimension(response: transport.HttpResponse) -> DimensionStatus:
    payload = response.json()
    if not isinstance(payload, dict):
        raise FleetClientError("the scaling API answered 200 without a JSON object")
    try:
        return DimensionStatus(
            fleet=str(payload.get("resourceName", "")),
            dimension_id=str(payload.get("scalableTargetDimensionId", "")),
            desired=float(payload["desiredCapacity"]),
            actual=float(payload["actualCapacity"]),
            status=str(payload.get("scalingStatus", "")),
            version=_optional(payload.get("version")),
            failure_reason=_optional(payload.get("failureReason")),
            raw=payload,
        )
    except (KeyError, TypeError, ValueError):
        raise FleetClientError(
            "the scaling API's answer lacks desiredCapacity/actualCapacity numbers"
        ) from None
