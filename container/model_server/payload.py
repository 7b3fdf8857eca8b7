"""Turn an /invocations request into a validated work request, or a clear 4xx."""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass

ACCEPTED_CONTENT_TYPE = "text/csv"
ACCEPTED_CHARSETS = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
FIELDS = ("latency_ms", "cpu_percent")

# Plain decimal numbers only: no "nan", "inf", "0x10" or "1_000" (float() takes those).
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class PayloadError(Exception):
    """The request cannot be served; carries the HTTP status and a readable reason."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class WorkRequest:
    latency_ms: float
    cpu_percent: float


@dataclass(frozen=True)
class Limits:
    max_latency_ms: float
    max_cpu_percent: float


def check_content_type(header: str | None) -> None:
    """Accept ``text/csv`` with an optional UTF-8 (or ASCII) charset parameter."""
    if header is None or not header.strip():
        raise PayloadError(
            415, "unsupported_media_type", f"missing Content-Type; send {ACCEPTED_CONTENT_TYPE}"
        )
    media_type, *params = (part.strip() for part in header.split(";"))
    if media_type.lower() != ACCEPTED_CONTENT_TYPE:
        raise PayloadError(
            415,
            "unsupported_media_type",
            f"Content-Type {media_type[:60]!r} is not supported; send {ACCEPTED_CONTENT_TYPE}",
        )
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
            if charset not in ACCEPTED_CHARSETS:
                raise PayloadError(
                    415,
                    "unsupported_media_type",
                    f"charset {charset[:30]!r} is not supported; send utf-8",
                )


def _number(field: str, raw: str) -> float:
    text = raw.strip()
    if not text:
        raise PayloadError(400, "bad_request", f"{field} is empty")
    if not _NUMBER.fullmatch(text):
        raise PayloadError(400, "bad_request", f"{field} {text[:40]!r} is not a number")
    value = float(text)
    if not math.isfinite(value):
        raise PayloadError(400, "bad_request", f"{field} {text[:40]!r} is out of range")
    if value < 0:
        raise PayloadError(400, "bad_request", f"{field} must not be negative, got {text[:40]}")
    return value


def parse_csv(body: bytes, limits: Limits) -> WorkRequest:
    """Parse exactly one CSV record ``latency_ms,cpu_percent`` (no header row)."""
    try:
        text = body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise PayloadError(400, "bad_request", "body is not valid UTF-8") from None
    try:
        rows = [row for row in csv.reader(text.splitlines()) if any(c.strip() for c in row)]
    except csv.Error as exc:
        raise PayloadError(400, "bad_request", f"body is not valid CSV: {exc}") from None
    if not rows:
        raise PayloadError(
            400, "bad_request", "body is empty; send one line 'latency_ms,cpu_percent'"
        )
    if len(rows) > 1:
        raise PayloadError(
            400, "bad_request", f"expected one CSV line 'latency_ms,cpu_percent', got {len(rows)}"
        )
    row = rows[0]
    if len(row) != len(FIELDS):
        raise PayloadError(
            400,
            "bad_request",
            f"expected 2 values 'latency_ms,cpu_percent', got {len(row)}",
        )
    latency_ms, cpu_percent = (_number(f, raw) for f, raw in zip(FIELDS, row, strict=True))
    if latency_ms > limits.max_latency_ms:
        raise PayloadError(
            400,
            "bad_request",
            f"latency_ms {latency_ms:g} exceeds the ceiling {limits.max_latency_ms:g} "
            "(MODEL_MAX_LATENCY_MS)",
        )
    if cpu_percent > limits.max_cpu_percent:
        raise PayloadError(
            400,
            "bad_request",
            f"cpu_percent {cpu_percent:g} exceeds the ceiling {limits.max_cpu_percent:g} "
            "(MODEL_MAX_CPU_PERCENT)",
        )
    return WorkRequest(latency_ms=latency_ms, cpu_percent=cpu_percent)
