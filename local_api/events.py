"""HTTP request -> API Gateway REST proxy (v1) event; proxy response -> HTTP parts."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

ACCOUNT = "123456789012"
API_ID = "local"


@dataclass(frozen=True)
class HttpRequest:
    method: str
    raw_path: str
    raw_query: str
    headers: Sequence[tuple[str, str]]
    body: bytes
    source_ip: str


@dataclass(frozen=True)
class HttpReply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _query(raw_query: str) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    if not pairs:
        return None, None
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        multi.setdefault(key, []).append(value)
    return {key: values[-1] for key, values in multi.items()}, multi


def _body(body: bytes) -> tuple[str | None, bool]:
    if not body:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def proxy_event(
    request: HttpRequest,
    resource: str,
    path: str,
    path_parameters: Mapping[str, str],
    stage: str,
    access_key: str | None,
) -> dict[str, Any]:
    """The event API Gateway's Lambda proxy integration would deliver for ``request``."""
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        multi_headers.setdefault(name, []).append(value)
    headers = {name: values[-1] for name, values in multi_headers.items()}
    query, multi_query = _query(request.raw_query)
    body, is_base64 = _body(request.body)
    now = time.time()
    return {
        "resource": resource,
        "path": path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": dict(path_parameters) or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": uuid.uuid4().hex[:6],
            "resourcePath": resource,
            "httpMethod": request.method,
            "path": request.raw_path,
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "extendedRequestId": uuid.uuid4().hex[:16],
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "protocol": "HTTP/1.1",
            "domainName": headers.get("Host") or headers.get("host") or "localhost",
            "apiId": API_ID,
            "accountId": ACCOUNT,
            "identity": {
                "accessKey": access_key,
                "accountId": ACCOUNT if access_key else None,
                "caller": access_key,
                "user": access_key,
                "userArn": f"arn:aws:iam::{ACCOUNT}:user/{access_key}" if access_key else None,
                "sourceIp": request.source_ip,
                "userAgent": headers.get("User-Agent") or headers.get("user-agent"),
            },
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def json_reply(status: int, payload: Any, headers: Sequence[tuple[str, str]] = ()) -> HttpReply:
    return HttpReply(
        status,
        [("Content-Type", "application/json"), *headers],
        json.dumps(payload).encode(),
    )


def http_reply(response: Any) -> HttpReply:
    """A Lambda proxy response as HTTP; a malformed one is API Gateway's 502."""
    if not isinstance(response, dict) or not isinstance(response.get("statusCode"), int):
        return json_reply(502, {"message": "Internal server error"})
    headers: list[tuple[str, str]] = []
    single = response.get("headers") or {}
    multi = response.get("multiValueHeaders") or {}
    for name, values in multi.items():
        headers += [(str(name), str(value)) for value in values]
    headers += [(str(name), str(value)) for name, value in single.items() if name not in multi]
    raw = response.get("body")
    if raw is None:
        data = b""
    elif response.get("isBase64Encoded"):
        try:
            data = base64.b64decode(str(raw))
        except ValueError:
            return json_reply(502, {"message": "Internal server error"})
    else:
        data = str(raw).encode("utf-8")
    return HttpReply(int(response["statusCode"]), headers, data)
