"""Request-independent server state: readiness, draining, in-flight count, the work itself."""

from __future__ import annotations

import threading
import time
from concurrent.futures import BrokenExecutor, CancelledError
from datetime import UTC, datetime
from typing import Any

from .config import Settings
from .payload import Limits, PayloadError, WorkRequest
from .workers import WorkerPool


def iso(epoch_s: float) -> str:
    return (
        datetime.fromtimestamp(epoch_s, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


class App:
    def __init__(self, settings: Settings, pool: WorkerPool) -> None:
        self.settings = settings
        self.pool = pool
        self.limits = Limits(settings.max_latency_ms, settings.max_cpu_percent)
        self._cond = threading.Condition()
        self._inflight = 0
        self._ready = False
        self._draining = False
        self._broken = False

    # --- lifecycle -------------------------------------------------------
    def mark_ready(self) -> None:
        with self._cond:
            self._ready = True

    def start_draining(self) -> None:
        with self._cond:
            self._draining = True

    def status(self) -> str:
        with self._cond:
            if self._broken:
                return "broken"
            if self._draining:
                return "draining"
            return "ready" if self._ready else "starting"

    def begin(self) -> bool:
        """Count a request in; False when the server no longer takes work."""
        with self._cond:
            if self._draining or not self._ready or self._broken:
                return False
            self._inflight += 1
            return True

    def end(self) -> None:
        with self._cond:
            self._inflight -= 1
            self._cond.notify_all()

    def inflight(self) -> int:
        with self._cond:
            return self._inflight

    def wait_idle(self, timeout_s: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._inflight == 0, timeout=max(timeout_s, 0))

    # --- the model ----------------------------------------------------------
    def invoke(self, request: WorkRequest, received_at: float, t0: float) -> dict[str, Any]:
        """Run the work; raise PayloadError(503) when shutdown or a broken pool stops it."""
        try:
            result = self.pool.submit(request.latency_ms, request.cpu_percent).result()
        except (CancelledError, RuntimeError) as exc:
            # RuntimeError: submit after the pool shut down; BrokenExecutor is a subclass.
            if isinstance(exc, BrokenExecutor):
                with self._cond:
                    self._broken = True
            raise PayloadError(
                503, "unavailable", "the server is shutting down or lost a worker; retry"
            ) from None
        if result.aborted:
            raise PayloadError(503, "aborted", "work aborted: the server is stopping; retry")
        latency_ms = (time.perf_counter() - t0) * 1000.0
        s = self.settings
        return {
            "endpoint_name": s.endpoint_name,
            "instance_id": s.instance_id,
            "worker_pid": result.worker_pid,
            "requested": {"latency_ms": request.latency_ms, "cpu_percent": request.cpu_percent},
            "measured": {
                "latency_ms": round(latency_ms, 3),
                "work_ms": round(result.wall_ms, 3),
                "queue_ms": round(max(latency_ms - result.wall_ms, 0.0), 3),
                "cpu_ms": round(result.cpu_ms, 3),
                "cpu_percent": round(100.0 * result.cpu_ms / result.wall_ms, 2)
                if result.wall_ms > 0
                else 0.0,
            },
            "received_at": iso(received_at),
            "started_at": iso(result.started_at),
            "finished_at": iso(result.finished_at),
        }

    def ping(self) -> tuple[int, dict[str, Any]]:
        status = self.status()
        body = {
            "status": status,
            "endpoint_name": self.settings.endpoint_name,
            "instance_id": self.settings.instance_id,
            "workers": self.settings.workers,
            "executor": self.settings.executor,
            "inflight": self.inflight(),
        }
        return (200 if status == "ready" else 503), body
