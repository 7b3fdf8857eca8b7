"""Fixtures for the sample inference container: a real ``serve`` subprocess on loopback."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

CONTAINER_DIR = Path(__file__).resolve().parents[2] / "container"
if str(CONTAINER_DIR) not in sys.path:
    sys.path.insert(0, str(CONTAINER_DIR))

from model_server.launcher import LocalServer  # noqa: E402

# Ceilings small enough that the tests can exceed them cheaply.
MAX_LATENCY_MS = 3000
MAX_CPU_PERCENT = 100
MAX_BODY_BYTES = 256
ENDPOINT_NAME = "fleet-test-endpoint"


@pytest.fixture(scope="session")
def server() -> Iterator[LocalServer]:
    """One shared server with two worker processes, started as SageMaker would."""
    srv = LocalServer(
        endpoint_name=ENDPOINT_NAME,
        workers=2,
        extra_args=[
            "--max-latency-ms",
            str(MAX_LATENCY_MS),
            "--max-body-bytes",
            str(MAX_BODY_BYTES),
        ],
        env={"INSTANCE_ID": "i-test-0001"},
    )
    srv.start()
    yield srv
    code = srv.stop()
    log = srv.log_text()
    srv.cleanup()
    assert code == 0, f"shared server exited with {code}:\n{log}"
