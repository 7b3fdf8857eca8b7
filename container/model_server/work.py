"""The "model": spend a wall-clock budget at a chosen CPU duty cycle.

Each slice of ``slice_ms`` busy-loops for ``cpu_percent`` of the slice and sleeps
the rest, until ``latency_ms`` of wall time has passed. The function runs in a
worker (a process or a thread) and checks an abort flag once per slice so that a
shutdown can stop it within one slice.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Protocol


class AbortFlag(Protocol):
    def is_set(self) -> bool: ...


class _NeverAbort:
    def is_set(self) -> bool:
        return False


_abort: AbortFlag = _NeverAbort()


def install_abort_flag(flag: AbortFlag) -> None:
    """Worker initializer: the flag a shutdown sets to abort work in progress."""
    global _abort  # noqa: PLW0603 - one flag per worker process, set once at start
    _abort = flag


@dataclass(frozen=True)
class WorkResult:
    started_at: float  # epoch seconds
    finished_at: float
    wall_ms: float
    cpu_ms: float
    worker_pid: int
    aborted: bool


def burn(latency_ms: float, cpu_percent: float, slice_ms: float) -> WorkResult:
    started_at = time.time()
    t0 = time.perf_counter()
    c0 = time.thread_time()
    end = t0 + latency_ms / 1000.0
    slice_s = slice_ms / 1000.0
    busy_s = slice_s * cpu_percent / 100.0
    aborted = False
    x = 0
    while True:
        slice_start = time.perf_counter()
        if slice_start >= end:
            break
        if _abort.is_set():
            aborted = True
            break
        busy_until = min(slice_start + busy_s, end)
        while time.perf_counter() < busy_until:
            x = (x * 31 + 7) % 1_000_003  # arithmetic keeps the core genuinely busy
        idle = min(slice_start + slice_s, end) - time.perf_counter()
        if idle > 0:
            time.sleep(idle)
    wall_ms = (time.perf_counter() - t0) * 1000.0
    cpu_ms = (time.thread_time() - c0) * 1000.0
    return WorkResult(
        started_at=started_at,
        finished_at=started_at + wall_ms / 1000.0,
        wall_ms=wall_ms,
        cpu_ms=cpu_ms,
        worker_pid=os.getpid(),
        aborted=aborted,
    )


def warm_up(delay_s: float) -> int:
    """A no-op task used at start so every worker process is running before /ping says 200."""
    time.sleep(delay_s)
    return os.getpid()
