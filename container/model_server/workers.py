"""A pool of workers that run ``burn``: processes (parallel CPU) or threads (GIL-bound)."""

from __future__ import annotations

import multiprocessing
import signal
import threading
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from typing import Protocol

from .config import ExecutorKind
from .work import AbortFlag, WorkResult, burn, install_abort_flag, warm_up


class SettableFlag(AbortFlag, Protocol):
    def set(self) -> None: ...


def _process_initializer(flag: AbortFlag) -> None:
    # The parent owns shutdown: a SIGTERM or Ctrl-C sent to the whole process
    # group must not kill workers in the middle of a request.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    install_abort_flag(flag)


class WorkerPool:
    def __init__(self, kind: ExecutorKind, workers: int, slice_ms: float) -> None:
        self.kind = kind
        self.workers = workers
        self.slice_ms = slice_ms
        self._executor: Executor
        self._abort: SettableFlag
        if kind == "process":
            # spawn, not fork: the server is multi-threaded when workers (re)start.
            ctx = multiprocessing.get_context("spawn")
            flag = ctx.Event()
            self._abort = flag
            self._executor = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=ctx,
                initializer=_process_initializer,
                initargs=(flag,),
            )
        else:
            thread_flag = threading.Event()
            self._abort = thread_flag
            install_abort_flag(thread_flag)
            self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="burn")

    def warm_up(self, timeout_s: float = 60.0) -> None:
        """Start every worker and wait until each has run a task."""
        futures = [self._executor.submit(warm_up, 0.05) for _ in range(self.workers)]
        done, pending = wait(futures, timeout=timeout_s)
        if pending:
            raise TimeoutError(f"{len(pending)} worker(s) did not start within {timeout_s}s")
        for future in done:
            future.result()

    def submit(self, latency_ms: float, cpu_percent: float) -> Future[WorkResult]:
        return self._executor.submit(burn, latency_ms, cpu_percent, self.slice_ms)

    def abort(self) -> None:
        """Stop work in progress within one slice and drop queued work."""
        self._abort.set()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
