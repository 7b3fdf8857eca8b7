"""A pool of workers that run ``burn``: processes (parallel CPU) or threads (GIL-bound)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from typing import Protocol

from .config import ExecutorKind
from .work import AbortFlag, WorkResult, burn, install_abort_flag, warm_up


class SettableFlag(AbortFlag, Protocol):
    def set(self) -> None: ...


PARENT_CHECK_INTERVAL_S = 0.5


def _process_initializer(flag: AbortFlag) -> None:
    # The parent owns shutdown: a SIGTERM or Ctrl-C sent to the whole process
    # group must not kill workers in the middle of a request.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    install_abort_flag(flag)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent_pid: int) -> None:
    # A worker holds both ends of its task pipe, so it would wait forever if the
    # server died without shutting the pool down (SIGKILL, OOM): exit with it.
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_INTERVAL_S)
    os._exit(0)


class WorkerPool:
    def __init__(self, kind: ExecutorKind, workers: int, slice_ms: float) -> None:
        self.kind = kind
        self.workers = workers
        self.slice_ms = slice_ms
        self._executor: Executor
        self._lock = threading.Lock()
        self._pending: set[Future[WorkResult]] = set()
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
        future = self._executor.submit(burn, latency_ms, cpu_percent, self.slice_ms)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[WorkResult]) -> None:
        with self._lock:
            self._pending.discard(future)

    def abort(self) -> None:
        """Stop work in progress within one slice; queued work is cancelled or ends at once."""
        self._abort.set()
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            future.cancel()  # only works before a worker took it; burn() checks the flag

    def close(self, timeout_s: float = 10.0) -> bool:
        """Shut the workers down and wait for them; False if some had to be killed."""
        closer = threading.Thread(
            target=self._executor.shutdown,
            kwargs={"wait": True, "cancel_futures": True},
            name="pool-close",
            daemon=True,
        )
        closer.start()
        closer.join(timeout_s)
        if not closer.is_alive():
            return True
        # A worker that ignores the abort flag: do not leave it behind as an orphan.
        processes = getattr(self._executor, "_processes", None) or {}
        for process in list(processes.values()):
            process.kill()
        closer.join(timeout_s)
        return False
