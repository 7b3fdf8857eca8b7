"""Weighted front door: POST /endpoints/{fleet} -> InvokeEndpointAsync (or InvokeEndpoint).

Reads only: the fleet view is cached per container, so a routed request costs
one SageMaker runtime call and, once per cache TTL, one DynamoDB read.

Queue mode (``dispatch = "queue"``): one SQS SendMessage to the fleet queue and no
DynamoDB read; the answer promises the output location and names no endpoint (the
dispatcher, ``handlers/dispatcher.py``, picks it when one has room).

Time budget: each runtime call is one attempt (no botocore retries: failing over
is this router's job) whose read timeout comes from the time the function has
left, keeping :data:`~fleet_autoscaler.routing.ANSWER_RESERVE_SECONDS` to answer.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .. import aws, clock, log, runtime
from ..burst_signal import routed_per_capacity
from ..config import load_config
from ..dispatch import INFERENCE_ID, promised_location, queue_message
from ..fleet_view import FleetSnapshot
from ..http import (
    BadGateway,
    BadRequest,
    FailedDependency,
    GatewayTimeout,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    header_map,
    http_method,
    json_response,
    path_parameter,
    request_body,
)
from ..invoke_errors import classify_invoke_error
from ..model import SERVING_STATUSES, FleetConfig
from ..routing import attempt_read_timeout
from ._common import api_call

# A synchronous Lambda invocation carries at most 6 MB each way (request event and
# response), https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html; over it,
# Lambda fails the invocation and API Gateway answers 502. The router answers 413 instead.
LAMBDA_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024
RESPONSE_ENVELOPE_BYTES = 4096  # status, headers and JSON quoting around the body
_TEXT_TYPES = ("application/json", "application/xml", "application/javascript", "text/csv")

RETRY_AFTER_SECONDS = "60"

# Header -> (InvokeEndpointAsync/InvokeEndpoint parameter, maximum length).
_TEXT_HEADERS: dict[str, tuple[str, int]] = {
    "contenttype": ("ContentType", 1024),
    "accept": ("Accept", 1024),
    "customattributes": ("CustomAttributes", 1024),
    "inferenceid": ("InferenceId", 64),
}
# ASCII digits only ("²".isdigit() is True) and a bounded length (int() of 5,000
# digits raises): leading zeros are allowed, the value is range-checked afterwards.
_DIGITS = re.compile(r"[0-9]{1,9}")
# s3://bucket/key. Bucket names: 3-63 characters of lower-case letters, digits, dots and
# hyphens, beginning and ending with a letter or digit, no "..", not an IP address
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
_S3_URI = re.compile(r"s3://([^/]*)/(.+)", re.DOTALL)
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP_ADDRESS = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
_ASYNC_INT_HEADERS: dict[str, tuple[str, int, int]] = {
    "invocationtimeoutseconds": ("InvocationTimeoutSeconds", 1, 3600),
    "requestttlseconds": ("RequestTTLSeconds", 60, 21600),
}


class Retryable(Exception):
    """This endpoint could not take the call; another one may."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Invocation:
    """What the caller asked for, already validated (never logged or echoed)."""

    parameters: Mapping[str, Any]
    body: bytes | None


def parse_invocation(event: dict[str, Any], config: FleetConfig) -> Invocation:
    headers = header_map(event)
    if "contenttype" not in headers and "content-type" in headers:
        headers["contenttype"] = headers["content-type"]
    parameters: dict[str, Any] = {}
    for header, (parameter, limit) in _TEXT_HEADERS.items():
        value = headers.get(header)
        if value is None:
            continue
        if not value or len(value) > limit:
            raise BadRequest(f"header {parameter} must be 1 to {limit} characters")
        parameters[parameter] = value
    if config.invocation_mode == "async":
        parameters["InputLocation"] = _input_location(headers.get("inputlocation"))
        for header, (parameter, low, high) in _ASYNC_INT_HEADERS.items():
            raw = headers.get(header)
            if raw is None:
                continue
            text = raw.strip()
            if not _DIGITS.fullmatch(text) or not low <= int(text) <= high:
                raise BadRequest(f"header {parameter} must be an integer from {low} to {high}")
            parameters[parameter] = int(text)
        return Invocation(parameters=parameters, body=None)
    body = request_body(event, "a request body is required for a real-time fleet")
    return Invocation(parameters=parameters, body=body)


def _input_location(location: str | None) -> str:
    """The InputLocation header as a valid ``s3://bucket/key`` URI, else BadRequest."""
    if not location:
        raise BadRequest(
            "an async fleet takes an S3 input, not a request body: send the header "
            "InputLocation with the s3:// URI of the payload (with fleet-client: "
            "--upload FILE or --input-location s3://bucket/key)"
        )
    match = _S3_URI.fullmatch(location)
    if match is None or len(location) > 1024:
        raise BadRequest(
            "header InputLocation must be an s3://bucket/key URI of at most 1024 characters"
        )
    bucket = match.group(1)
    if not _BUCKET.fullmatch(bucket) or ".." in bucket or _IP_ADDRESS.fullmatch(bucket):
        raise BadRequest(
            "header InputLocation names an invalid S3 bucket (3-63 lower-case letters, "
            "digits, dots or hyphens, starting and ending with a letter or digit)"
        )
    return location


def _invoke(
    config: FleetConfig, endpoint: str, invocation: Invocation, read_timeout: int
) -> dict[str, Any]:
    """One runtime call, one attempt; raises Retryable when another endpoint should be tried."""
    runtime_client = aws.runtime_client(read_timeout)
    try:
        if config.invocation_mode == "async":
            return runtime_client.invoke_endpoint_async(
                EndpointName=endpoint, **invocation.parameters
            )
        return runtime_client.invoke_endpoint(
            EndpointName=endpoint, Body=invocation.body, **invocation.parameters
        )
    except (ClientError, BotoCoreError) as exc:
        failure = classify_invoke_error(exc)
        code = failure.code
        if failure.kind == "retryable":
            raise Retryable(code) from None
        if failure.kind == "model_error":
            raise FailedDependency(
                f"the model behind endpoint {endpoint} returned an error"
            ) from None
        if failure.kind == "rejected":
            raise BadRequest(f"endpoint {endpoint} rejected the request parameters") from None
        if failure.kind == "timeout":
            # The request reached the endpoint and may be running: sending it elsewhere
            # could run it twice, so a read timeout ends the request instead of failing over.
            log.warning(
                "invoke timed out", fleet=config.fleet_name, endpoint=endpoint, seconds=read_timeout
            )
            raise GatewayTimeout(
                f"endpoint {endpoint} did not answer within {read_timeout}s"
            ) from None
        log.warning("invoke failed", fleet=config.fleet_name, endpoint=endpoint, code=code)
        raise BadGateway(f"invoking endpoint {endpoint} failed ({code or 'error'})") from None


def _candidates(config: FleetConfig, snapshot: FleetSnapshot, tried: list[str]) -> str | None:
    """The next endpoint to try: weighted while there is capacity, else the wake order."""
    if snapshot.capacity > 0:
        return runtime.fleet_view().selector.pick(exclude=tried)
    if config.invocation_mode != "async":
        return None
    order = [snapshot.wake] if snapshot.wake else []
    order += [
        spec.name
        for spec in config.by_priority
        if (ep := snapshot.endpoints.get(spec.name)) is not None and ep.status in SERVING_STATUSES
    ]
    for name in order:
        if name not in tried:
            return name
    return None


def is_text(content_type: str) -> bool:
    """Whether a response of ``content_type`` goes back as text (else base64)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    return (
        kind.startswith("text/")
        or kind in _TEXT_TYPES
        or kind.endswith("+json")
        or kind.endswith("+xml")
    )


def _respond(config: FleetConfig, endpoint: str, response: dict[str, Any]) -> dict[str, Any]:
    if config.invocation_mode == "async":
        body = {
            "EndpointName": endpoint,
            "InferenceId": response.get("InferenceId"),
            "OutputLocation": response.get("OutputLocation"),
        }
        if response.get("FailureLocation"):
            body["FailureLocation"] = response["FailureLocation"]
        return json_response(200, body)
    payload = response.get("Body")
    data = payload.read() if hasattr(payload, "read") else (payload or b"")
    content_type = str(response.get("ContentType") or "application/octet-stream")
    headers = {"Content-Type": content_type, "X-Fleet-Endpoint": endpoint}
    if response.get("CustomAttributes"):
        headers["X-Amzn-SageMaker-Custom-Attributes"] = str(response["CustomAttributes"])
    text: str | None = None
    if is_text(content_type):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
    body_text = text if text is not None else base64.b64encode(data).decode("ascii")
    if len(body_text) + RESPONSE_ENVELOPE_BYTES > LAMBDA_PAYLOAD_LIMIT_BYTES:
        log.warning(
            "response too large", fleet=config.fleet_name, endpoint=endpoint, size=len(data)
        )
        raise PayloadTooLarge(
            f"the model's response ({len(data)} bytes"
            + ("" if text is not None else ", base64-encoded for a binary type")
            + ") is over the 6 MB Lambda response limit"
        )
    return {
        "statusCode": 200,
        "headers": headers,
        "body": body_text,
        "isBase64Encoded": text is None,
    }


def _check_request_size(event: dict[str, Any]) -> None:
    raw = event.get("body")
    if isinstance(raw, str) and len(raw) + RESPONSE_ENVELOPE_BYTES > LAMBDA_PAYLOAD_LIMIT_BYTES:
        raise PayloadTooLarge(
            "the request body is over the 6 MB Lambda request limit; for an async fleet, "
            "upload the payload to S3 and send its location (InputLocation)"
        )


def _remaining_seconds(context: Any) -> float | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return float(remaining()) / 1000.0


def _enqueue(config: FleetConfig, invocation: Invocation) -> dict[str, Any]:
    """Queue mode: one SendMessage to the fleet queue; the dispatcher picks the endpoint.

    The answer promises where the result will be: the dispatcher invokes the endpoint
    with ``Filename="<InferenceId>.out"`` and every endpoint writes under the same
    output path (checked by the dispatcher at start).
    """
    queue = config.queue
    assert queue is not None  # parse_config: dispatch "queue" requires it
    inference_id = invocation.parameters.get("InferenceId")
    if inference_id is None:
        inference_id = uuid.uuid4().hex
    elif not INFERENCE_ID.fullmatch(str(inference_id)):
        raise BadRequest(
            "header InferenceId must be 1 to 64 letters, digits, '.', '_' or '-', starting "
            "with a letter or digit (in queue mode it names the output file)"
        )
    body = queue_message(str(inference_id), invocation.parameters, clock.now())
    try:
        runtime.fleet_queue().send(body)
    except (ClientError, BotoCoreError) as exc:
        code = (
            str(exc.response.get("Error", {}).get("Code", ""))
            if isinstance(exc, ClientError)
            else type(exc).__name__
        )
        log.warning("enqueue failed", fleet=config.fleet_name, code=code)
        raise ServiceUnavailable(
            "the fleet queue did not accept the request; retry later",
            headers={"Retry-After": RETRY_AFTER_SECONDS},
        ) from None
    answer: dict[str, Any] = {
        "InferenceId": inference_id,
        "OutputLocation": promised_location(queue.output_path, str(inference_id)),
    }
    if queue.failure_path:
        answer["FailureLocation"] = promised_location(queue.failure_path, str(inference_id))
    answer["EndpointName"] = None
    answer["Dispatch"] = "queued"
    log.info("queued", fleet=config.fleet_name)
    return json_response(200, answer)


def _handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    config = load_config()
    if http_method(event) != "POST":
        raise MethodNotAllowed("use POST to send a request to the fleet")
    if path_parameter(event, "fleet") != config.fleet_name:
        raise NotFound("no such fleet")
    _check_request_size(event)
    invocation = parse_invocation(event, config)
    if config.dispatch == "queue":
        return _enqueue(config, invocation)
    snapshot = runtime.fleet_view().snapshot()
    tried: list[str] = []
    failures: list[str] = []
    for _ in range(1 + config.max_failover_attempts):
        endpoint = _candidates(config, snapshot, tried)
        if endpoint is None:
            break
        read_timeout = attempt_read_timeout(_remaining_seconds(context))
        if read_timeout is None:
            if not failures:
                failures.append("no time left for an attempt")
            break
        tried.append(endpoint)
        try:
            response = _invoke(config, endpoint, invocation, read_timeout)
        except Retryable as exc:
            failures.append(exc.code)
            continue
        fields = {
            "endpoint": endpoint,
            "attempts": len(tried),
            "failed_attempts": list(zip(tried, failures, strict=False)),
            "fleet_capacity": snapshot.in_service,
        }
        if config.burst_signal and config.invocation_mode == "async":
            # Per unit in service, not per routing weight: the weights of a growing async
            # fleet count capacity still being provisioned, which serves none of a burst yet.
            log.routed_metric(
                config.metrics_namespace,
                config.fleet_name,
                routed_per_capacity(snapshot.in_service),
                clock.now(),
                **fields,
            )
        else:
            log.info("routed", fleet=config.fleet_name, **fields)
        return _respond(config, endpoint, response)
    if failures:
        runtime.fleet_view().invalidate()
        log.warning(
            "no endpoint took the request",
            fleet=config.fleet_name,
            attempts=list(zip(tried, failures, strict=False)),
            failures=failures,
        )
        raise ServiceUnavailable(
            "no endpoint of the fleet could take the request; retry later",
            headers={"Retry-After": RETRY_AFTER_SECONDS},
        )
    raise ServiceUnavailable(
        "the fleet has no in-service capacity; retry later",
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    return api_call("router", lambda checked: _handle(checked, context), event)
