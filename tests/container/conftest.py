"""Fixtures for the sample inference container: a real ``serve`` subprocess on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.container.container_support import (
    ENDPOINT_NAME,
    INSTANCE_ID,
    MAX_BODY_BYTES,
    MAX_LATENCY_MS,
    add_container_to_path,
)

add_container_to_path()

from model_server.launcher import LocalServer  # noqa: E402


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
        env={"INSTANCE_ID": INSTANCE_ID},
    )
    srv.start()
    yield srv
    code = srv.stop()
    log = srv.log_text()
    srv.cleanup()
    assert code == 0, f"shared server exited with {code}:\n{log}"
