"""``--with-container``: the simulated instances send their work to real model servers.

One server from ``container/`` per endpoint, started as SageMaker starts it
(the ``serve`` entry point) on a free loopback port. Every request the
simulation serves becomes a real ``POST /invocations`` to its endpoint's
server, so a demo run exercises the real model server too.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from collections import Counter
from pathlib import Path
from types import TracebackType
from typing import Any, Self

CONTAINER_DIR = Path(__file__).resolve().parents[1] / "container"
if str(CONTAINER_DIR) not in sys.path:
    sys.path.insert(0, str(CONTAINER_DIR))

from model_server.launcher import LocalServer  # noqa: E402


class ContainerLink:
    def __init__(self, endpoints: list[str], latency_ms: int = 2, cpu_percent: int = 20) -> None:
        self._payload = f"{latency_ms},{cpu_percent}".encode()
        self._servers = {
            name: LocalServer(endpoint_name=name, workers=1, executor="thread")
            for name in endpoints
        }
        self.requests: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.exit_codes: dict[str, int | None] = {}

    def __enter__(self) -> Self:
        try:
            for server in self._servers.values():
                server.start()
        except Exception:
            self._stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()

    def _stop(self) -> None:
        for name, server in self._servers.items():
            if server.process is not None:
                self.exit_codes[name] = server.stop()
            server.cleanup()

    def serve(self, endpoint: str, count: int) -> None:
        """Send ``count`` real invocations to the endpoint's model server."""
        url = self._servers[endpoint].url + "/invocations"
        for _ in range(count):
            request = urllib.request.Request(
                url, data=self._payload, headers={"Content-Type": "text/csv"}, method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    answer: dict[str, Any] = json.loads(response.read())
            except OSError:
                self.errors[endpoint] += 1
                continue
            if answer.get("endpoint_name") == endpoint:
                self.requests[endpoint] += 1
            else:
                self.errors[endpoint] += 1

    def summary(self) -> dict[str, Any]:
        return {
            "container_requests": dict(self.requests),
            "container_errors": sum(self.errors.values()),
            "container_exit_codes": self.exit_codes,
        }
