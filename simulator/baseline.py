"""A model of the AWS sample's algorithm, the baseline the benchmark compares against.

Modelled from the sample's documented behaviour (DESIGN section 4):

* scale-out adds the whole delta to **every** endpoint at once;
* the event function removes surplus **one instance per IN_SERVICE event**;
* scale-in (not described in detail) is modelled as removing one instance from
  the lowest-priority endpoint that has one, then relying on IN_SERVICE events;
* a desired capacity of 0 is ignored;
* an update sent to an endpoint that is Updating fails and is dropped;
* routing weights are fixed at deployment and never updated, and requests go
  out in bursts (``weight`` consecutive requests to one endpoint).

State lives in memory here rather than in three DynamoDB items: that changes
the sample's cost per request, not its scaling behaviour.
"""

from __future__ import annotations

import contextlib
from typing import Any

from fleet_autoscaler import aws

from .scenario import Scenario

SERVING = ("InService", "Updating")


class SampleControl:
    label = "aws-sample"

    def __init__(self, scenario: Scenario) -> None:
        self._scenario = scenario
        self._endpoints = sorted(scenario.endpoints, key=lambda ep: ep.priority)
        self.desired = sum(
            ep.initial_instances * ep.capacity_per_instance for ep in scenario.endpoints
        )
        # Weights as deployed: the initial instance counts (at least 1 so every endpoint is used).
        self._weights = [(ep.name, max(ep.initial_instances, 1)) for ep in self._endpoints]
        self._counter = 0

    @staticmethod
    def _sagemaker() -> Any:
        return aws.client("sagemaker")

    def _describe(self, name: str) -> tuple[str, int]:
        try:
            described = self._sagemaker().describe_endpoint(EndpointName=name)
        except Exception:  # deleted
            return "Deleted", 0
        variant = described["ProductionVariants"][0]
        return described["EndpointStatus"], int(variant.get("CurrentInstanceCount") or 0)

    def _update(self, name: str, count: int) -> None:
        with contextlib.suppress(Exception):  # the sample dropped failed updates
            self._sagemaker().update_endpoint_weights_and_capacities(
                EndpointName=name,
                DesiredWeightsAndCapacities=[
                    {"VariantName": "AllTraffic", "DesiredInstanceCount": count}
                ],
            )

    def _actual(self) -> int:
        total = 0
        for ep in self._endpoints:
            status, count = self._describe(ep.name)
            if status in SERVING:
                total += count * ep.capacity_per_instance
        return total

    def route(self, request_id: int) -> str | None:
        total = sum(weight for _, weight in self._weights)
        slot = self._counter % total
        self._counter += 1
        for name, weight in self._weights:
            if slot < weight:
                return name
            slot -= weight
        return None

    def status(self) -> tuple[int, int, str]:
        actual = self._actual()
        return self.desired, actual, "Successful" if actual == self.desired else "InProgress"

    def patch(self, desired: int) -> None:
        if desired == 0:
            return  # the sample ignored a desired capacity of 0
        delta = desired - self.desired
        self.desired = desired
        if delta > 0:
            for ep in self._endpoints:
                status, count = self._describe(ep.name)
                if status != "Deleted":
                    self._update(ep.name, min(count + delta, ep.max_instances))
        elif delta < 0:
            self._remove_one()

    def _remove_one(self, preferred: str | None = None) -> None:
        order = [ep for ep in self._endpoints if ep.name == preferred] + list(
            reversed(self._endpoints)
        )
        for ep in order:
            status, count = self._describe(ep.name)
            if status == "InService" and count > ep.min_instances:
                self._update(ep.name, count - 1)
                return

    def on_event(self, endpoint: str, status: str) -> None:
        if status == "IN_SERVICE" and self._actual() > self.desired:
            self._remove_one(preferred=endpoint)

    def reconcile(self) -> None:
        """The sample had no reconciler."""
