"""A server started as a subprocess, its output read as it comes (a full pipe never blocks it)."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 120  # a cold start on a loaded 2-core machine imports moto and boto3


@dataclass
class Server:
    process: subprocess.Popen[str]
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)
    url: str = ""
    fleet: str = ""

    def read(self) -> None:
        assert self.process.stdout is not None and self.process.stderr is not None
        for stream, lines in ((self.process.stdout, self.out), (self.process.stderr, self.err)):
            threading.Thread(target=_drain, args=(stream, lines), daemon=True).start()

    def wait_for(self, pattern: str, lines: list[str], seconds: float) -> re.Match[str]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for line in list(lines):
                if found := re.search(pattern, line):
                    return found
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"no {pattern!r} in time:\n{self.log()}")

    def log(self) -> str:
        return "".join(self.out[-40:]) + "\n--- stderr ---\n" + "".join(self.err[-80:])


def _drain(stream: io.TextIOBase, lines: list[str]) -> None:
    for line in stream:  # always read, so that a full pipe never blocks the server
        lines.append(line)


def _drain(stream: io.TextIOBase, lines: list[str]) -> None:
    for line in stream:
        lines.append(line)


def launch(command: Sequence[str]) -> Server:
    process = subprocess.Popen(
        list(command), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    server = Server(process)
    server.read()
    return server


def kill(server: Server) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(10)


def send_partial_request(address: tuple[str, int], path: str) -> socket.socket:
    """A request whose body never arrives: it stays in flight until the server closes it."""
    stuck = socket.create_connection(address, timeout=30)
    stuck.sendall(
        f"POST {path} HTTP/1.1\r\nHost: local\r\nContent-Length: 1000\r\n\r\npart".encode()
    )
    return stuck


def stop_twice(server: Server, address: tuple[str, int], path: str) -> tuple[int, float]:
    """SIGTERM while a request is stuck in flight, then SIGTERM again: (status, seconds)."""
    with send_partial_request(address, path):
        time.sleep(0.2)
        server.process.send_signal(signal.SIGTERM)
        server.wait_for(r"SIGTERM, stopping", server.err, 30)
        time.sleep(0.5)
        assert server.process.poll() is None, server.log()  # still waiting for the request
        sent = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        try:
            status = server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"running 10 s after a second SIGTERM:\n{server.log()}") from None
        return status, time.monotonic() - sent


def stop_once(server: Server, seconds: float = 15) -> tuple[int, float]:
    """SIGTERM: (status, seconds until the process ended)."""
    sent = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    try:
        status = server.process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"running {seconds:g} s after SIGTERM:\n{server.log()}") from None
    took = time.monotonic() - sent
    time.sleep(0.1)  # the readers take the last lines
    return status, took


def address_of(url: str) -> tuple[str, int]:
    found = re.match(r"http://([^:/]+):(\d+)", url)
    assert found is not None, url
    return found[1], int(found[2])
