"""`python -m simulator --serve` stops like `make serve-local`: bounded, then at once."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tests.client.served import START_SECONDS, Server, address_of, stop_once, stop_twice

Start = Callable[[], tuple[Server, str]]


@pytest.fixture
def start(launch_server: Callable[[Sequence[str]], Server], tmp_path: Path) -> Start:
    def run() -> tuple[Server, str]:
        server = launch_server(
            [sys.executable, "-m", "simulator", "--scenario", "step", "--serve", "0",
             "--pace", "1", "--no-plot", "--quiet", "--out", str(tmp_path)]
        )  # fmt: skip
        found = server.wait_for(r"served at (http://\S+)", server.err, START_SECONDS)
        return server, found[1]

    return run


def test_sigterm_ends_a_served_run_within_5_s_with_status_0(start: Start) -> None:
    server, _ = start()
    status, took = stop_once(server)
    print(f"exited {took:.2f} s after SIGTERM")
    assert status == 0, server.log()
    assert took <= 5.0, f"took {took:.1f} s\n{server.log()}"
    assert "run cut short" in "".join(server.err), server.log()
    assert "Traceback" not in "".join(server.err), server.log()


def test_a_second_sigterm_ends_a_served_run_at_once(start: Start) -> None:
    server, url = start()
    status, took = stop_twice(server, address_of(url), "/v1/endpoints/demo")
    print(f"exited {took:.2f} s after the second SIGTERM")
    assert status == 128 + signal.SIGTERM, server.log()
    assert took < 1.5, f"took {took:.2f} s\n{server.log()}"
