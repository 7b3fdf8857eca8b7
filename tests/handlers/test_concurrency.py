"""Many endpoint events at once, against a real HTTP moto server: no update is lost."""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from fleet_autoscaler import clock, runtime
from fleet_autoscaler.handlers import endpoint_events, scaling_api
from tests.support.events import endpoint_state_change, scaling_event
from tests.support.harness import TABLE, create_endpoint, create_table, default_config
from tests.support.sagemaker_emulator import SlowSageMaker

ENDPOINTS = [f"fleet-e{i:02d}" for i in range(12)]
ROUNDS = 5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    yield url
    server.stop()


def fire_concurrently(events: list[dict]) -> list[dict]:
    barrier = threading.Barrier(len(events))

    def deliver(event: dict) -> dict:
        barrier.wait()
        return endpoint_events.handler(event, None)

    with ThreadPoolExecutor(max_workers=len(events)) as pool:
        return list(pool.map(deliver, events))


def stored_state() -> dict:
    item = boto3.client("dynamodb").get_item(
        TableName=TABLE, Key={"id": {"S": "fleet#demo"}}, ConsistentRead=True
    )["Item"]
    return json.loads(item["state"]["S"])


def set_up_fleet(monkeypatch: pytest.MonkeyPatch) -> None:
    create_table(boto3.client("dynamodb"))
    sagemaker = boto3.client("sagemaker")
    for name in ENDPOINTS:
        create_endpoint(sagemaker, name, "AllTraffic", 1)
    config = default_config(
        strategy="race",
        max_capacity=48,
        # the race's trims run in the same burst of events that wins it (no hold after
        # growth), so concurrent events must claim each trim once
        trim_hold_seconds=0,
        endpoints=[
            {"name": name, "min_instances": 0, "max_instances": 4, "priority": i + 1}
            for i, name in enumerate(ENDPOINTS)
        ],
    )
    monkeypatch.setenv("STATE_TABLE", TABLE)
    monkeypatch.setenv("FLEET_CONFIG", json.dumps(config))
    clock.set_clock(None)
    runtime.reset()


@pytest.mark.slow
def test_parallel_endpoint_events_lose_no_update(moto_server, monkeypatch):
    for _ in range(ROUNDS):
        requests.post(f"{moto_server}/moto-api/reset", timeout=10)
        sm = SlowSageMaker().install()
        try:
            set_up_fleet(monkeypatch)
            response = scaling_api.handler(
                scaling_event("PATCH", "demo", {"desiredCapacity": 24}), None
            )
            assert response["statusCode"] == 200
            # race: all 12 endpoints asked for 4 instances at once
            assert sorted(sm.calls) == sorted((name, 4) for name in ENDPOINTS)

            for name in ENDPOINTS:
                sm.complete(name)
            results = fire_concurrently([endpoint_state_change(n, "IN_SERVICE") for n in ENDPOINTS])
            assert all(result["handled"] for result in results)

            state = stored_state()
            # Every event's observation made it into the item: none was overwritten.
            for name in ENDPOINTS:
                assert state["endpoints"][name]["status"] == "InService", name
                assert state["endpoints"][name]["current"] == 4, name
            assert state["actual"] == 48
            # The surplus (24) is trimmed from the six lowest priorities, once each.
            trims = Counter(name for name, count in sm.calls if count == 0)
            assert trims == Counter(ENDPOINTS[6:]), trims
            assert sm.rejected == []

            busy = sm.updating()
            for name in busy:
                sm.complete(name)
            fire_concurrently([endpoint_state_change(n, "IN_SERVICE") for n in busy])
            state = stored_state()
            assert state["actual"] == 24
            assert state["activity"]["status"] == "Successful"
            assert len(sm.calls) == 12 + 6
        finally:
            sm.uninstall()
