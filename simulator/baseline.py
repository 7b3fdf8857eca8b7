"""Baselines a user would actually pick, each driven through the same simulated world.

* :class:`SampleControl` -- the AWS sample "Autoscaling SageMaker endpoints with custom
  resource", modelled from its documented behaviour (DESIGN section 4): scale-out adds
  the whole delta to **every** endpoint, the event function removes surplus **one
  instance per IN_SERVICE event**, a desired capacity of 0 is ignored, an update sent to
  an Updating endpoint is dropped, routing weights are fixed at deployment and requests
  go out in bursts (``weight`` consecutive requests to one endpoint). *As shipped* it
  creates one instance per endpoint and its data file weighs the endpoints 0:0:1;
  ``equal`` weighs them 1:1:1. It is scaled by the same Application Auto Scaling
  policies as the module's old backlog signal.
* :class:`NativeControl` -- native SageMaker autoscaling, per endpoint, as the async
  inference docs configure it (target tracking on ApproximateBacklogSizePerInstance,
  scale-from-zero step on HasBacklogWithoutCapacity); the caller splits traffic equally.
* :class:`PoolControl` -- one async endpoint with instance pools
  (https://docs.aws.amazon.com/sagemaker/latest/dg/realtime-endpoints-heterogeneous.html):
  one queue, the fleet's instance types in priority order, falling back to the next
  type when SageMaker reports insufficient capacity, native target tracking.
* :class:`OracleControl` -- a reactive lower bound: one fleet queue, and at the end of
  every minute (no CloudWatch delay, no alarms, no cooldowns) every endpoint is ordered
  to what the demand just seen needs. As ``oracle-delayed`` it sees each minute's truth
  only when CloudWatch would publish that minute's datapoint: a reference for controllers
  that read CloudWatch, not a strict bound (one that orders more than the need, as the
  fleet's fast scale-out to the maximum, can wait less).

Scheduled actions: ``pool`` runs the scenario's actions on its one scalable target and
``native`` a copy on each endpoint's, converted from capacity units to instances
(:func:`pool_instances`, :func:`native_instances`), as a user who knows the peak would
schedule them; the oracles are reactive bounds and run none.

State lives in memory here, not in DynamoDB: that changes what a request costs, not
how the fleet scales.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from fleet_autoscaler import aws

from .autoscaling import ScalableTarget, fleet_target, native_target
from .controls import Published, SignalScaled, Step, endpoint_key
from .sagemaker import SERVING, PatchedSageMaker
from .scenario import Scenario, ScheduledAction, SimEndpoint
from .schedule import in_units, run_actions

ORACLE_DRAIN_MINUTES = 5.0  # the oracle orders enough to clear the backlog in 5 minutes
ORACLE_SCALE_IN_MINUTES = 15  # and keeps the largest need of the last 15 minutes, as
# target tracking's 15-datapoint scale-in alarm would: one quiet minute is no night


def _sagemaker() -> Any:
    return aws.client("sagemaker")


class _Reader:
    """DescribeEndpoint, read straight from the simulated SageMaker (the baselines are
    models of other systems: what they read costs no moto round trip)."""

    world: PatchedSageMaker | None = None


def _describe(name: str) -> tuple[str, int, int]:
    """(status, current instances, desired instances); Deleted when gone."""
    world = _Reader.world
    if world is None:
        raise RuntimeError("the baselines need the simulated SageMaker (make_control)")
    if not world.exists(name):
        return "Deleted", 0, 0
    return world.status(name), world.instances(name), world.desired(name)


def _update(name: str, count: int) -> bool:
    try:
        _sagemaker().update_endpoint_weights_and_capacities(
            EndpointName=name,
            DesiredWeightsAndCapacities=[
                {"VariantName": "AllTraffic", "DesiredInstanceCount": count}
            ],
        )
    except Exception:  # an Updating endpoint rejects the call
        return False
    return True


def pool_instances(units: int, endpoints: list[SimEndpoint]) -> int:
    """The instances a pool's scheduled action asks for to hold ``units`` of the fleet's
    capacity: its instance types filled in priority order, as :func:`place` fills them."""
    count = 0
    for ep in sorted(endpoints, key=lambda e: e.priority):
        if units <= 0:
            break
        take = min(ep.max_instances, -(-units // ep.capacity_per_instance))
        count += take
        units -= take * ep.capacity_per_instance
    return count


def native_instances(units: int, endpoints: list[SimEndpoint]) -> dict[str, int]:
    """Per endpoint, the instances its own scheduled action asks for when the fleet's
    action asks for ``units``: traffic is split equally, so each endpoint gets its share
    of the units, rounded up to whole instances and capped at its maximum."""
    return {
        ep.name: min(ep.max_instances, -(-units // (len(endpoints) * ep.capacity_per_instance)))
        for ep in endpoints
    }


def _actual(endpoints: list[SimEndpoint]) -> int:
    total = 0
    for ep in endpoints:
        status, count, _ = _describe(ep.name)
        if status in SERVING:
            total += count * ep.capacity_per_instance
    return total


class SampleControl(SignalScaled):
    shared_queue = False

    def __init__(
        self, scenario: Scenario, equal: bool = False, target: float | None = None
    ) -> None:
        self.label = "aws-sample-equal" if equal else "aws-sample"
        self._scenario = scenario
        self._endpoints = sorted(scenario.endpoints, key=lambda ep: ep.priority)
        # As shipped: one instance per endpoint, weights 0:0:1 from its data file.
        self.desired = sum(ep.capacity_per_instance for ep in scenario.endpoints)
        self.requested = self.desired
        last = len(self._endpoints) - 1
        self._weights = [
            (ep.name, 1 if equal or i == last else 0) for i, ep in enumerate(self._endpoints)
        ]
        self._counter = 0
        self.signal = "backlog"
        settings = scenario.autoscaling
        if target is not None:
            settings = type(settings)(**{**settings.__dict__, "backlog_target_value": target})
        self.target: ScalableTarget = fleet_target(
            settings, scenario.min_capacity, scenario.max_capacity, "backlog"
        )

    def initial_instances(self) -> dict[str, int]:
        return {ep.name: 1 for ep in self._scenario.endpoints}

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
        actual = _actual(self._endpoints)
        return self.desired, actual, "Successful" if actual == self.desired else "InProgress"

    def patch(self, desired: int) -> None:
        if desired == 0:
            return  # the sample ignored a desired capacity of 0
        delta = desired - self.desired
        self.desired = desired
        if delta > 0:
            for ep in self._endpoints:
                status, count, _ = _describe(ep.name)
                if status != "Deleted":
                    _update(ep.name, min(count + delta, ep.max_instances))
        elif delta < 0:
            self._remove_one()

    def _remove_one(self, preferred: str | None = None) -> None:
        order = [ep for ep in self._endpoints if ep.name == preferred] + list(
            reversed(self._endpoints)
        )
        for ep in order:
            status, count, _ = _describe(ep.name)
            if status == "InService" and count > ep.min_instances:
                _update(ep.name, count - 1)
                return

    def autoscale(self, now: float, seen: Published) -> Step:
        names = [ep.name for ep in self._endpoints]
        return self._scale(now, seen, names, self._scenario.fleet_name)

    def on_event(self, endpoint: str, status: str) -> None:
        if status == "IN_SERVICE" and _actual(self._endpoints) > self.desired:
            self._remove_one(preferred=endpoint)

    def reconcile(self) -> None:
        """The sample had no reconciler."""


class _Applier:
    """Drives endpoints toward per-endpoint desired counts, retrying once InService."""

    def __init__(self, scenario: Scenario) -> None:
        self._scenario = scenario
        self.endpoints = sorted(scenario.endpoints, key=lambda ep: ep.priority)
        self.desired = {ep.name: ep.initial_instances for ep in scenario.endpoints}

    def apply(self) -> None:
        for ep in self.endpoints:
            status, _, asked = _describe(ep.name)
            if status == "InService" and asked != self.desired[ep.name]:
                _update(ep.name, self.desired[ep.name])

    def status(self) -> tuple[int, int, str]:
        desired = sum(self.desired[ep.name] * ep.capacity_per_instance for ep in self.endpoints)
        actual = _actual(self.endpoints)
        return desired, actual, "Successful" if actual == desired else "InProgress"

    def initial_instances(self) -> dict[str, int]:
        return {ep.name: ep.initial_instances for ep in self._scenario.endpoints}

    def reconcile(self) -> None:
        """Application Auto Scaling retries; nothing else runs."""


class NativeControl(_Applier):
    """Each endpoint its own target tracking and scale-from-zero; traffic split equally."""

    label = "native"
    shared_queue = False

    def __init__(self, scenario: Scenario, target: float | None = None) -> None:
        super().__init__(scenario)
        value = target if target is not None else scenario.autoscaling.backlog_target_value
        self.targets = {ep.name: native_target(value, ep.max_instances) for ep in self.endpoints}
        self._names = [ep.name for ep in self.endpoints]

    def route(self, request_id: int) -> str | None:
        return self._names[request_id % len(self._names)]

    def autoscale(self, now: float, seen: Published) -> Step:
        reasons = []
        for ep in self.endpoints:
            status, current, _ = _describe(ep.name)
            actual = current if status in SERVING else 0
            decision = self.targets[ep.name].evaluate(
                now,
                seen.endpoint("ApproximateBacklogSizePerInstance", ep.name),
                seen.endpoint("HasBacklogWithoutCapacity", ep.name),
                actual,
                self.desired[ep.name],
            )
            if decision is not None:
                self.desired[ep.name] = decision.desired
                reasons.append(f"{ep.name} -> {decision.desired}: {decision.reason}")
        self.apply()
        requested = self.status()[0]
        return Step(requested, requested if reasons else None, "; ".join(reasons))

    def on_event(self, endpoint: str, status: str) -> None:
        if status == "IN_SERVICE":
            self.apply()

    def run_scheduled(
        self, now: float, actions: list[ScheduledAction]
    ) -> tuple[int | None, list[str]]:
        """Each endpoint's scalable target runs its own copy of the fleet's actions, sized
        by :func:`native_instances`."""
        notes: list[str] = []
        patched = False
        for ep in self.endpoints:

            def share(units: int, name: str = ep.name) -> int:
                return native_instances(units, self.endpoints)[name]

            def patch(count: int, name: str = ep.name) -> None:
                self.desired[name] = count

            copies = [in_units(replace(a, name=f"{a.name} on {ep.name}"), share) for a in actions]
            sent, done = run_actions(copies, self.targets[ep.name], self.desired[ep.name], patch)
            patched = patched or sent is not None
            notes += done
        if not patched:
            return None, notes
        self.apply()
        return self.status()[0], notes


def place(
    total: int, endpoints: list[SimEndpoint], short: set[str], current: dict[str, int]
) -> dict[str, int]:
    """``total`` instances over the endpoints in priority order, skipping short ones;
    scale-in removes from the lowest priority first."""
    counts = dict(current)
    have = sum(counts.values())
    if total > have:
        need = total - have
        for ep in endpoints:
            if ep.name in short:
                continue
            add = min(need, ep.max_instances - counts[ep.name])
            counts[ep.name] += add
            need -= add
    elif total < have:
        extra = have - total
        for ep in reversed(endpoints):
            take = min(extra, counts[ep.name])
            counts[ep.name] -= take
            extra -= take
    return counts


class _SharedQueue(_Applier):
    """One queue in front of every endpoint's instances; shortages move work elsewhere."""

    shared_queue = True

    def __init__(self, scenario: Scenario) -> None:
        super().__init__(scenario)
        self.short_until: dict[str, float] = {}
        self.now = 0.0

    def route(self, request_id: int) -> str | None:
        return self.endpoints[0].name  # the queue is shared: any name reaches it

    def _short(self) -> set[str]:
        return {name for name, until in self.short_until.items() if until > self.now}

    def _replan(self, total: int) -> None:
        current = {ep.name: self.desired[ep.name] for ep in self.endpoints}
        for name in self._short():  # what a short type could not get is asked elsewhere
            current[name] = min(current[name], _describe(name)[1])
        self.desired = place(total, self.endpoints, self._short(), current)

    def on_event(self, endpoint: str, status: str) -> None:
        if status == "ROLLING_BACK":
            self.short_until[endpoint] = self.now + self._scenario.capacity_retry_seconds
            self._replan(sum(self.desired.values()))
        if status == "IN_SERVICE":
            self.apply()


class PoolControl(_SharedQueue):
    """One async endpoint with instance pools, scaled by native target tracking."""

    label = "pool"

    def __init__(self, scenario: Scenario, target: float | None = None) -> None:
        super().__init__(scenario)
        value = target if target is not None else scenario.autoscaling.backlog_target_value
        self.target = native_target(value, sum(ep.max_instances for ep in self.endpoints))
        self.pool_name = f"{scenario.fleet_name}-pool"

    def apply(self) -> None:
        # One endpoint: one update at a time, covering every pool.
        if any(_describe(ep.name)[0] == "Updating" for ep in self.endpoints):
            return
        super().apply()

    def autoscale(self, now: float, seen: Published) -> Step:
        self.now = now
        total = sum(self.desired.values())
        actual = sum(
            count
            for status, count, _ in (_describe(ep.name) for ep in self.endpoints)
            if status in SERVING
        )
        decision = self.target.evaluate(
            now,
            seen.get(endpoint_key("ApproximateBacklogSizePerInstance", self.pool_name)),
            seen.get(endpoint_key("HasBacklogWithoutCapacity", self.pool_name)),
            actual,
            total,
        )
        if decision is not None:
            self._replan(decision.desired)
        self.apply()
        requested = sum(self.desired.values())
        if decision is None:
            return Step(requested)
        return Step(requested, requested, f"{decision.reason} (actual {actual})")

    def run_scheduled(
        self, now: float, actions: list[ScheduledAction]
    ) -> tuple[int | None, list[str]]:
        """The pool's one scalable target runs the fleet's actions, counted in instances
        (:func:`pool_instances`)."""
        self.now = now

        def instances(units: int) -> int:
            return pool_instances(units, self.endpoints)

        def patch(count: int) -> None:
            self._replan(count)
            self.apply()

        copies = [in_units(a, instances) for a in actions]
        sent, notes = run_actions(copies, self.target, sum(self.desired.values()), patch)
        return (None if sent is None else self.status()[0]), notes


class OracleControl(_SharedQueue):
    """Ordered at the first datapoint to what demand needs: a reactive lower bound.

    ``delayed``: each minute's truth is used only from the first minute boundary at which
    CloudWatch would have published its datapoint (``metric_delay_seconds`` after the
    minute ends, rounded up to a whole minute, as the simulated alarms evaluate it).
    """

    label = "oracle"

    def __init__(
        self, scenario: Scenario, target: float | None = None, delayed: bool = False
    ) -> None:
        super().__init__(scenario)
        self.utilisation = target if target is not None else 1.0
        self.delay_minutes = math.ceil(scenario.metric_delay_seconds / 60) if delayed else 0
        if delayed:
            self.label = "oracle-delayed"
        # (arrivals in a minute, backlog at its end), oldest first; the newest is used
        # without delay, the one ``delay_minutes`` before it with
        self.seen: list[tuple[int, int]] = [(0, 0)] * (self.delay_minutes + 1)
        self.recent: list[float] = []
        self.rates = {
            ep.name: scenario.instance_types[ep.instance_type].requests_per_minute
            * ep.capacity_per_instance
            for ep in self.endpoints
        }

    @property
    def truth(self) -> tuple[int, int]:
        """What the oracle acts on now: the last minute's, or the one CloudWatch published."""
        return self.seen[0]

    def observe(self, arrivals: int, backlog: int) -> None:
        """The world tells the oracle what happened in the minute that just ended."""
        self.seen = [*self.seen[1:], (arrivals, backlog)]

    def autoscale(self, now: float, seen: Published) -> Step:
        self.now = now
        arrivals, backlog = self.truth
        self.recent = [*self.recent, arrivals + backlog / ORACLE_DRAIN_MINUTES][
            -ORACLE_SCALE_IN_MINUTES:
        ]
        needed = max(self.recent) / self.utilisation
        counts = dict.fromkeys(self.desired, 0)
        capacity = 0.0
        for ep in self.endpoints:
            if ep.name in self._short():
                continue
            while capacity < needed - 1e-9 and counts[ep.name] < ep.max_instances:
                counts[ep.name] += 1
                capacity += self.rates[ep.name]
        changed = counts != self.desired
        self.desired = counts
        self.apply()
        requested = sum(counts[ep.name] * ep.capacity_per_instance for ep in self.endpoints)
        if not changed:
            return Step(requested)
        return Step(requested, requested, f"oracle: {needed:.1f} req/min needed")

    def on_event(self, endpoint: str, status: str) -> None:
        if status == "ROLLING_BACK":
            self.short_until[endpoint] = self.now + self._scenario.capacity_retry_seconds
        if status == "IN_SERVICE":
            self.apply()


def make_control(
    name: str, scenario: Scenario, sagemaker: PatchedSageMaker, target: float | None = None
) -> SampleControl | NativeControl | PoolControl | OracleControl:
    _Reader.world = sagemaker
    if name in ("aws-sample", "aws-sample-equal"):
        return SampleControl(scenario, equal=name == "aws-sample-equal", target=target)
    if name == "native":
        return NativeControl(scenario, target)
    if name == "pool":
        return PoolControl(scenario, target)
    if name in ("oracle", "oracle-delayed"):
        return OracleControl(scenario, target, delayed=name == "oracle-delayed")
    raise ValueError(f"unknown control {name!r}")
