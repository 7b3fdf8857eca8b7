"""`python -m local_api` (`make serve-local`) stops at once on Ctrl-C/SIGTERM, every time.

Each test starts the real program as a subprocess, the way a user or a script does.
"""

from __future__ import annotations

import io
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence

import pytest

from fleet_client.cli import main as fleet_client
from tests.client.served import START_SECONDS, Server, address_of, stop_once, stop_twice

BANNER = re.compile(r"router\s+POST\s+(?P<url>http://\S+)/endpoints/(?P<fleet>\S+)")
Start = Callable[..., tuple[Server, str, str]]


@pytest.fixture
def start(launch_server: Callable[[Sequence[str]], Server]) -> Start:
    def run(*args: str) -> tuple[Server, str, str]:
        server = launch_server(
            [sys.executable, "-m", "local_api", "--port", "0", "--moto-port", "0", *args]
        )
        found = server.wait_for(BANNER.pattern, server.out, START_SECONDS)
        return server, found["url"], found["fleet"]

    return run


def keep_invoking(url: str, fleet: str, stop: threading.Event, codes: list[int]) -> None:
    """A client that sends signed requests one after another until told to stop."""
    while not stop.is_set():
        args = ["invoke", "--url", url, "--fleet", fleet, "--region", "us-east-1",
                "--input-location", "s3://fleet-payloads/examples/hello.json",
                "--retries", "0", "--timeout", "5", "--quiet"]  # fmt: skip
        codes.append(fleet_client(args, io.StringIO(), io.StringIO()))


def test_sigterm_during_reconciles_and_requests_exits_within_5_s_with_status_0(
    start: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    # The default latency (2 s), as `make serve-local` runs: results are still pending.
    server, url, fleet = start("--reconcile-every", "0.05")
    server.wait_for(r'"message":"fleet decision"', server.out, 60)  # the schedule runs
    stop = threading.Event()
    codes: list[int] = []
    clients = [
        threading.Thread(target=keep_invoking, args=(url, fleet, stop, codes)) for _ in "123"
    ]
    for client in clients:
        client.start()
    try:
        deadline = time.monotonic() + 60
        while 0 not in codes and time.monotonic() < deadline:
            time.sleep(0.02)
        assert 0 in codes, server.log()  # requests are being served
        time.sleep(1.0)  # and more keep coming
        status, took = stop_once(server)
    finally:
        stop.set()
        for client in clients:
            client.join(30)
    print(f"exited {took:.2f} s after SIGTERM")  # pytest -s: the margin, run after run
    assert status == 0, server.log()
    assert took <= 5.0, f"took {took:.1f} s\n{server.log()}"
    assert "stopped" in server.err[-1], server.log()
    assert "Traceback" not in "".join(server.err), server.log()


def test_a_second_sigterm_exits_at_once(start: Start) -> None:
    # A request stuck mid-body holds the first shutdown for its whole (long) grace.
    server, url, fleet = start("--reconcile-every", "0.05", "--shutdown-grace", "60")
    status, took = stop_twice(server, address_of(url), f"/v1/endpoints/{fleet}")
    print(f"exited {took:.2f} s after the second SIGTERM")
    assert status == 128 + signal.SIGTERM, server.log()
    assert took < 1.5, f"took {took:.2f} s\n{server.log()}"
    assert "SIGTERM again, exiting now" in "".join(server.err), server.log()
