"""The wall clock, in one place so tests and the simulator can replace it."""

from __future__ import annotations

import time
from collections.abc import Callable

_source: list[Callable[[], float]] = [time.time]


def now() -> float:
    return _source[0]()


def set_clock(source: Callable[[], float] | None) -> None:
    """Use ``source`` as the clock; ``None`` restores the wall clock."""
    _source[0] = source if source is not None else time.time
