"""SIGTERM (what SageMaker sends) stops the server cleanly, with exit code 0."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from model_server.launcher import LocalServer

from tests.container.container_http import Reply, call, invoke


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=4) as executor:
        yield executor


def _start(workers: int = 1, grace_s: float = 10.0) -> LocalServer:
    return LocalServer(
        endpoint_name="shutdown-test",
        workers=workers,
        extra_args=["--shutdown-grace-s", str(grace_s)],
    ).start()


def _wait_inflight(server: LocalServer, count: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if call(server.url, "GET", "/ping").json()["inflight"] >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"never saw {count} request(s) in flight")


def _refuses_connections(server: LocalServer) -> bool:
    assert server.port is not None
    try:
        socket.create_connection((server.host, server.port), timeout=1).close()
    except (ConnectionRefusedError, ConnectionResetError):
        # Reset: the SYN raced the listener's close; either way nothing accepted it.
        return True
    return False


def _gone(pid: int, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_idle_server_exits_0_promptly(sig: signal.Signals) -> None:
    server = _start()
    try:
        assert server.process is not None
        started = time.monotonic()
        server.process.send_signal(sig)
        assert server.wait(15) == 0, server.log_text()
        assert time.monotonic() - started < 5
        assert _refuses_connections(server)
        assert "stopped" in server.log_text()
    finally:
        server.cleanup()


def test_in_flight_request_finishes_and_new_connections_are_refused(
    pool: ThreadPoolExecutor,
) -> None:
    server = _start(grace_s=15)
    try:
        pending: Future[Reply] = pool.submit(invoke, server.url, "3000,20")
        _wait_inflight(server, 1)
        server.terminate()
        # Soon after SIGTERM the listener is closed while the work still runs.
        deadline = time.monotonic() + 2.5
        while not _refuses_connections(server):
            assert time.monotonic() < deadline, "still accepting connections after SIGTERM"
            time.sleep(0.05)
        assert not pending.done()
        reply = pending.result(timeout=20)
        assert reply.status == 200, reply.body
        worker_pid = reply.json()["worker_pid"]
        assert reply.json()["measured"]["work_ms"] >= 3000
        assert server.wait(15) == 0, server.log_text()
        assert _gone(worker_pid), "worker process outlived the server"
    finally:
        server.cleanup()


def test_work_past_the_grace_period_is_aborted_with_503(pool: ThreadPoolExecutor) -> None:
    server = _start(workers=1, grace_s=0.5)
    try:
        running = pool.submit(invoke, server.url, "20000,10")
        _wait_inflight(server, 1)
        queued = pool.submit(invoke, server.url, "20000,10")  # waits for the only worker
        _wait_inflight(server, 2)
        started = time.monotonic()
        server.terminate()
        for future in (running, queued):
            reply = future.result(timeout=15)
            assert reply.status == 503, reply.body
            assert "retry" in reply.json()["message"]
        assert server.wait(15) == 0, server.log_text()
        assert time.monotonic() - started < 8
        assert "aborting" in server.log_text()
    finally:
        server.cleanup()


def test_workers_do_not_outlive_a_killed_server() -> None:
    server = _start(workers=1)
    try:
        worker_pid = invoke(server.url, "0,0").json()["worker_pid"]
        server.kill()  # SIGKILL: no chance to shut the pool down
        assert _gone(worker_pid), "orphaned worker process left running"
    finally:
        server.cleanup()
