"""A local world (moto server, demo fleet, simulated async endpoint, LocalApi) per module."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import pytest

from local_api.world import LocalWorld
from tests.client.served import Server, kill, launch


@pytest.fixture(scope="module")
def world() -> Iterator[LocalWorld]:
    local = LocalWorld(latency_seconds=0.2, reconcile_seconds=0)
    local.start()
    try:
        yield local
    finally:
        local.stop()


def export_banner_variables(world: LocalWorld, monkeypatch: pytest.MonkeyPatch) -> LocalWorld:
    """The variables the banner of ``make serve-local`` tells a user to export."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", world.moto_url)
    monkeypatch.setenv("FLEET_API_URL", world.api_url)
    monkeypatch.setenv("FLEET_NAME", world.fleet)
    monkeypatch.setenv("FLEET_S3_PREFIX", "s3://fleet-payloads/in/")
    return world


@pytest.fixture
def client_env(world: LocalWorld, monkeypatch: pytest.MonkeyPatch) -> LocalWorld:
    return export_banner_variables(world, monkeypatch)


@pytest.fixture
def launch_server() -> Iterator[Callable[[Sequence[str]], Server]]:
    """Start commands as subprocesses (own session); kill what still runs at the end."""
    started: list[Server] = []

    def run(command: Sequence[str]) -> Server:
        started.append(launch(command))
        return started[-1]

    yield run
    for server in started:
        kill(server)
