"""The two control planes the simulator can drive through the same world.

:class:`FleetControl` is this project: the real handlers from
``lambda_src/fleet_autoscaler``, called with API Gateway and EventBridge events.
:class:`SampleControl` (in ``baseline.py``) models the AWS sample's algorithm.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Protocol

from fleet_autoscaler import runtime
from fleet_autoscaler.handlers import endpoint_events, reconciler, router, scaling_api

from .events import endpoint_state_change, router_event, scaling_event, scheduled_event
from .scenario import Scenario


class Control(Protocol):
    label: str

    def route(self, request_id: int) -> str | None: ...
    def status(self) -> tuple[int, int, str]: ...
    def patch(self, desired: int) -> None: ...
    def on_event(self, endpoint: str, status: str) -> None: ...
    def reconcile(self) -> None: ...


class FleetControl:
    """This project's control plane, called exactly as AWS would call it."""

    def __init__(self, scenario: Scenario, table: str, lock: threading.Lock) -> None:
        self.label = scenario.strategy
        self.lock = lock  # shared with the local API when the fleet is served over HTTP
        self._fleet = scenario.fleet_name
        os.environ["STATE_TABLE"] = table
        os.environ["FLEET_CONFIG"] = json.dumps(scenario.fleet_config())
        runtime.reset()

    def route(self, request_id: int) -> str | None:
        headers = {
            "InputLocation": f"s3://fleet-sim-input/requests/{request_id}.csv",
            "Content-Type": "text/csv",
            "InferenceId": f"req-{request_id}",
        }
        with self.lock:
            response = router.handler(router_event(self._fleet, headers), None)
        if response["statusCode"] != 200:
            return None
        return str(json.loads(response["body"])["EndpointName"])

    def status(self) -> tuple[int, int, str]:
        with self.lock:
            response = scaling_api.handler(scaling_event("GET", self._fleet), None)
        answer = json.loads(response["body"])
        return (
            int(answer["desiredCapacity"]),
            int(answer["actualCapacity"]),
            answer["scalingStatus"],
        )

    def patch(self, desired: int) -> None:
        event = scaling_event("PATCH", self._fleet, {"desiredCapacity": desired})
        with self.lock:
            response = scaling_api.handler(event, None)
        if response["statusCode"] != 200:
            raise RuntimeError(
                f"PATCH {desired} answered {response['statusCode']}: {response['body']}"
            )

    def on_event(self, endpoint: str, status: str) -> None:
        with self.lock:
            endpoint_events.handler(endpoint_state_change(endpoint, status), None)

    def reconcile(self) -> None:
        with self.lock:
            reconciler.handler(scheduled_event(), None)
