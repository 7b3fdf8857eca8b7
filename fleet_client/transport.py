"""One HTTP exchange with the standard library (no dependency beyond botocore)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Any

from .errors import ConnectionFailed


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    def message(self) -> str:
        """The API's error message (``message`` or ``Message``), or a trimmed body."""
        payload = self.json()
        if isinstance(payload, dict):
            for key in ("message", "Message"):
                if isinstance(payload.get(key), str):
                    return str(payload[key])
        text = self.body.decode("utf-8", errors="replace").strip()
        return text[:300] if text else f"HTTP {self.status}"


def _headers(message: Message) -> dict[str, str]:
    return {name: value for name, value in message.items()}


def send(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    timeout: float,
) -> HttpResponse:
    request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpResponse(response.status, _headers(response.headers), response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return HttpResponse(exc.code, _headers(exc.headers), exc.read())
    except urllib.error.URLError as exc:
        raise ConnectionFailed(f"cannot reach {url}: {exc.reason}") from None
    except (TimeoutError, ConnectionError, OSError) as exc:
        raise ConnectionFailed(f"cannot reach {url}: {exc}") from None
