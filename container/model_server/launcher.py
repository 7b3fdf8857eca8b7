"""Start model servers as local subprocesses, the way SageMaker starts them (``serve``).

This is the hook for the fleet simulator and for tests::

    from model_server.launcher import LocalServer

    with LocalServer(endpoint_name="demo-g5", workers=1) as server:
        urllib.request.urlopen(server.url + "/ping")

Each server binds a free loopback port chosen by the kernel (``--port 0``) and
reports it through ``--port-file`` once it is ready, so N servers start without
port races.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

SERVE_SCRIPT = Path(__file__).resolve().parent.parent / "serve"


class LocalServer:
    def __init__(
        self,
        *,
        endpoint_name: str = "local",
        port: int = 0,
        workers: int = 1,
        executor: str = "process",
        host: str = "127.0.0.1",
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        python: str = sys.executable,
    ) -> None:
        self.endpoint_name = endpoint_name
        self.host = host
        self._requested_port = port
        self._args = [
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--executor",
            executor,
            "--endpoint-name",
            endpoint_name,
            *extra_args,
        ]
        self._env = {**os.environ, **(env or {})}
        self._python = python
        self._workdir = tempfile.TemporaryDirectory(prefix="model-server-")
        self.log_path = Path(self._workdir.name) / "server.log"
        self._port_file = Path(self._workdir.name) / "port"
        self._log: IO[bytes] | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("server not started")
        return f"http://{self.host}:{self.port}"

    @property
    def command(self) -> list[str]:
        return [self._python, str(SERVE_SCRIPT), *self._args, "--port-file", str(self._port_file)]

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self, timeout_s: float = 60.0) -> Self:
        """Spawn ``serve`` and wait until it is ready (its /ping answers 200)."""
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.command, stdout=self._log, stderr=subprocess.STDOUT, env=self._env
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._port_file.exists():
                self.port = int(self._port_file.read_text().strip())
                return self
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"model server exited with {self.process.returncode}:\n{self.log_text()}"
                )
            time.sleep(0.05)
        self.kill()
        raise TimeoutError(f"model server not ready after {timeout_s}s:\n{self.log_text()}")

    def terminate(self) -> None:
        """Send SIGTERM, as SageMaker does when it stops an instance."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout_s: float) -> int:
        if self.process is None:
            raise RuntimeError("server not started")
        return self.process.wait(timeout=timeout_s)

    def stop(self, timeout_s: float = 30.0) -> int | None:
        """SIGTERM, wait for a clean exit (SIGKILL past the timeout); return the exit code."""
        if self.process is None:
            return None
        self.terminate()
        try:
            code = self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.process.wait()
        self._close_log()
        return code

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def cleanup(self) -> None:
        self.kill()
        self._workdir.cleanup()

    def __enter__(self) -> Self:
        return self.start() if self.process is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        self._workdir.cleanup()
