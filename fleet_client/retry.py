"""Bounded retries with full-jitter backoff that honours ``Retry-After``."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# 503: no endpoint took the request (the router invoked nothing); 429: throttled before the
# integration ran. Both are safe to send again. 502/504 are not retried: the request may
# have reached an endpoint.
RETRYABLE_STATUSES = frozenset({429, 503})


@dataclass
class RetryPolicy:
    attempts: int = 4
    base_seconds: float = 1.0
    max_wait_seconds: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    rand: Callable[[], float] = field(default=random.random)

    def delay(self, attempt: int, retry_after: str | None) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
        hinted = parse_retry_after(retry_after)
        if hinted is not None:
            return min(hinted, self.max_wait_seconds)
        ceiling = min(self.max_wait_seconds, self.base_seconds * 2 ** (attempt - 1))
        return ceiling * self.rand()


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header in its delta-seconds form; dates are ignored."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
