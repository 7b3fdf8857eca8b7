"""Small HTTP client for the container tests (http.client: exact control over headers)."""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed_s: float

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    base_url: str,
    method: str,
    path: str,
    body: bytes | None = None,
    *,
    headers: dict[str, str] | None = None,
    timeout_s: float = 30.0,
) -> Reply:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout_s)
    try:
        start = time.perf_counter()
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        elapsed = time.perf_counter() - start
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data, elapsed)
    finally:
        conn.close()


def invoke(
    base_url: str,
    body: bytes | str,
    content_type: str | None = "text/csv",
    timeout_s: float = 30.0,
) -> Reply:
    raw = body.encode() if isinstance(body, str) else body
    headers = {"Content-Type": content_type} if content_type is not None else {}
    return call(base_url, "POST", "/invocations", raw, headers=headers, timeout_s=timeout_s)
