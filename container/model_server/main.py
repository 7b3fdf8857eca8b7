"""Process entry point: bind, start workers, serve, and shut down gracefully on SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from .app import App
from .config import ConfigError, Settings, load_settings
from .handler import ModelHTTPServer
from .workers import WorkerPool

log = logging.getLogger("model_server")

ABORT_WAIT_S = 3.0  # after aborting, how long handlers get to answer 503


def _write_port_file(path: str, port: int) -> None:
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    with os.fdopen(fd, "w") as fh:
        fh.write(f"{port}\n")
    os.replace(tmp, target)  # readers never see a half-written file


def _shutdown(server: ModelHTTPServer, app: App, pool: WorkerPool, grace_s: float) -> None:
    app.start_draining()
    server.shutdown()  # stop the accept loop
    server.server_close()  # refuse new connections
    inflight = app.inflight()
    log.info("draining: %d request(s) in flight, grace %.1fs", inflight, grace_s)
    if not app.wait_idle(grace_s):
        log.warning("grace period over with %d request(s) in flight; aborting", app.inflight())
        pool.abort()
        if not app.wait_idle(ABORT_WAIT_S + pool.slice_ms / 1000.0):
            log.warning("%d request(s) still open; exiting anyway", app.inflight())
    if not pool.close():
        log.warning("workers did not stop in time and were killed")


def run(settings: Settings) -> int:
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    try:
        pool = WorkerPool(settings.executor, settings.workers, settings.slice_ms)
    except OSError as exc:  # e.g. no /dev/shm for process semaphores
        log.error("cannot start %s workers: %s (try MODEL_EXECUTOR=thread)", settings.executor, exc)
        return 1
    app = App(settings, pool)
    try:
        server = ModelHTTPServer((settings.host, settings.port), app)
    except OSError as exc:
        log.error("cannot listen on %s:%d: %s", settings.host, settings.port, exc)
        pool.close()
        return 1
    port = server.server_address[1]
    serving = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    serving.start()  # /ping answers 503 "starting" until the workers are up

    started = time.perf_counter()
    try:
        pool.warm_up()
    except Exception as exc:
        log.error("workers failed to start: %s", exc)
        stop.set()
    else:
        app.mark_ready()
        if settings.port_file:
            _write_port_file(settings.port_file, port)
        log.info(
            "ready on %s:%d in %.2fs: endpoint=%s instance=%s workers=%d executor=%s",
            settings.host,
            port,
            time.perf_counter() - started,
            settings.endpoint_name,
            settings.instance_id,
            settings.workers,
            settings.executor,
        )
    while not stop.wait(0.5):
        pass
    _shutdown(server, app, pool, settings.shutdown_grace_s)
    log.info("stopped")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = load_settings(argv)
    except ConfigError as exc:
        log.error("invalid configuration: %s", exc)
        return 2
    return run(settings)
