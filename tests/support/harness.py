"""A fleet wired like Terraform wires it, driven through the real handlers."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

import boto3

from fleet_autoscaler import clock, runtime
from fleet_autoscaler.handlers import endpoint_events, reconciler, router, scaling_api
from fleet_autoscaler.state import item_key
from simulator.moto_fleet import create_endpoint, create_state_table

from .events import endpoint_state_change, router_event, scaling_event, scheduled_event
from .sagemaker_emulator import SlowSageMaker

__all__ = ["TABLE", "Fleet", "build_fleet", "create_endpoint", "create_table", "default_config"]

TABLE = "fleet-state"


def default_config(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "fleet_name": "demo",
        "dimension_id": "demo",
        "invocation_mode": "async",
        "strategy": "race",
        "min_capacity": 0,
        "max_capacity": 12,
        "activity_timeout_seconds": 1500,
        "endpoints": [
            {
                "name": "demo-g5",
                "variant": "AllTraffic",
                "capacity_per_instance": 1,
                "min_instances": 0,
                "max_instances": 4,
                "priority": 1,
            },
            {
                "name": "demo-g6",
                "variant": "AllTraffic",
                "capacity_per_instance": 1,
                "min_instances": 0,
                "max_instances": 4,
                "priority": 2,
            },
            {
                "name": "demo-g4dn",
                "variant": "AllTraffic",
                "capacity_per_instance": 1,
                "min_instances": 0,
                "max_instances": 4,
                "priority": 3,
            },
        ],
    }
    config.update(overrides)
    return config


class FakeClock:
    def __init__(self, start: float = 1_764_331_200.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def create_table(dynamodb: Any) -> None:
    create_state_table(dynamodb, TABLE)


@dataclass
class Fleet:
    """The handlers of one fleet plus the levers a test pulls on its world."""

    config: dict[str, Any]
    clock: FakeClock
    sm: SlowSageMaker
    events_log: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.config["fleet_name"])

    @property
    def endpoint_names(self) -> list[str]:
        return [ep["name"] for ep in self.config["endpoints"]]

    # -- the four functions -----------------------------------------------------------------

    def get(self) -> dict[str, Any]:
        return scaling_api.handler(scaling_event("GET", self.config["dimension_id"]), None)

    def patch(self, desired: Any, raw_body: str | None = None) -> dict[str, Any]:
        body = None if raw_body is not None else {"desiredCapacity": desired}
        return scaling_api.handler(
            scaling_event("PATCH", self.config["dimension_id"], body=body, raw_body=raw_body), None
        )

    def event(self, endpoint: str, status: str) -> dict[str, Any]:
        result = endpoint_events.handler(endpoint_state_change(endpoint, status), None)
        self.events_log.append(result)
        return result

    def reconcile(self) -> dict[str, Any]:
        return reconciler.handler(scheduled_event(), None)

    def route(self, headers: dict[str, str] | None, body: str | None = None) -> dict[str, Any]:
        return router.handler(router_event(self.name, headers, body=body), None)

    def reapply_config(self) -> None:
        """Deploy ``self.config`` after a test edited it (as a new Terraform apply would)."""
        os.environ["FLEET_CONFIG"] = json.dumps(self.config)
        runtime.reset()

    # -- the world ----------------------------------------------------------------------------

    def complete(self, endpoint: str) -> None:
        """SageMaker finishes the update and EventBridge delivers the event."""
        for status in self.sm.complete(endpoint):
            self.event(endpoint, status)

    def roll_back(self, endpoint: str) -> None:
        for status in self.sm.roll_back(endpoint):
            self.event(endpoint, status)

    def settle(self, limit: int = 30) -> None:
        """Finish every update, and the updates those trigger, until the fleet is quiet.

        A trim held after growth (``trim_hold_seconds``) is issued by the next reconcile
        once the hold is over, as the reconcile schedule does in AWS.
        """
        for _ in range(limit):
            busy = self.sm.updating()
            if not busy:
                state = self.item()
                if not state or state["actual"] <= state["planned"]:
                    return
                self.clock.advance(self.config.get("trim_hold_seconds", 120))
                self.reconcile()
                continue
            for endpoint in busy:
                self.clock.advance(60)
                self.complete(endpoint)
        raise AssertionError(f"fleet did not settle; still updating: {self.sm.updating()}")

    def instances(self) -> dict[str, int]:
        return {name: self.sm.instances(name) for name in self.endpoint_names}

    def item(self) -> dict[str, Any]:
        response = boto3.client("dynamodb").get_item(
            TableName=TABLE, Key={"id": {"S": item_key(self.name)}}, ConsistentRead=True
        )
        item = response.get("Item")
        return (
            {}
            if item is None
            else json.loads(item["state"]["S"]) | {"version": int(item["version"]["N"])}
        )

    def delete_item(self) -> None:
        boto3.client("dynamodb").delete_item(
            TableName=TABLE, Key={"id": {"S": item_key(self.name)}}
        )


def body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def build_fleet(
    monkeypatch: Any,
    sm: SlowSageMaker,
    config: dict[str, Any],
    instances: dict[str, int] | None = None,
    extra_endpoints: dict[str, int] | None = None,
) -> Fleet:
    """Create table and endpoints in moto, set the environment as Terraform does."""
    create_table(boto3.client("dynamodb"))
    sagemaker = boto3.client("sagemaker")
    counts = instances or {}
    for endpoint in config["endpoints"]:
        create_endpoint(
            sagemaker,
            endpoint["name"],
            endpoint.get("variant", "AllTraffic"),
            counts.get(endpoint["name"], 0),
        )
    for name, count in (extra_endpoints or {}).items():
        create_endpoint(sagemaker, name, "AllTraffic", count)
    monkeypatch.setenv("STATE_TABLE", TABLE)
    monkeypatch.setenv("FLEET_CONFIG", json.dumps(config))
    fake_clock = FakeClock()
    clock.set_clock(fake_clock)
    runtime.reset()
    return Fleet(config=config, clock=fake_clock, sm=sm)
