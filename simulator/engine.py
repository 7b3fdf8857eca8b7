"""The simulated world and its clock: moto, SageMaker timings, queues, metrics, autoscaling."""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from moto import mock_aws

from fleet_autoscaler import clock, runtime

from .autoscaling import TargetTracking
from .baseline import SampleControl
from .controls import Control, FleetControl
from .inference import InferenceModel
from .moto_fleet import create_endpoint, create_state_table
from .sagemaker import PatchedSageMaker
from .scenario import Scenario
from .schedule import ScheduledScaling, run_due

if TYPE_CHECKING:
    from .container_link import ContainerLink

TICK_SECONDS = 10.0
EPOCH = datetime(2026, 11, 28, tzinfo=UTC)
TABLE = "fleet-sim-state"
SERVING = ("InService", "Updating")


class EventQueue:
    """Callbacks due at simulated times, in order."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()

    def at(self, when: float, callback: Callable[[], None]) -> None:
        heapq.heappush(self._heap, (when, next(self._order), callback))

    def run_due(self, now: float) -> None:
        while self._heap and self._heap[0][0] <= now:
            _, _, callback = heapq.heappop(self._heap)
            callback()


class SimSageMaker(PatchedSageMaker):
    """Updates take the instance type's time; shortages roll back; events go to EventBridge."""

    def __init__(self, scenario: Scenario, world: World) -> None:
        super().__init__()
        self._scenario = scenario
        self._world = world
        self._types = {ep.name: ep.instance_type for ep in scenario.endpoints}

    def accepted(self, name: str, previous: int, desired: int) -> None:
        world, scenario = self._world, self._scenario
        now = world.now
        world.emit(name, "UPDATING")
        instance_type = scenario.instance_types[self._types[name]]
        if desired > previous and scenario.in_shortage(instance_type.name, now / 60):

            def rolling_back() -> None:
                if self.exists(name):
                    self.set_status(name, "RollingBack")
                    world.emit(name, "ROLLING_BACK")
                    world.queue.at(world.now + 60, lambda: self._finish(name, rollback=True))

            world.queue.at(now + scenario.rollback_seconds, rolling_back)
            return
        duration = (
            instance_type.provisioning_seconds
            if desired > previous
            else instance_type.deprovisioning_seconds
        )
        world.queue.at(now + duration, lambda: self._finish(name, rollback=False))

    def _finish(self, name: str, rollback: bool) -> None:
        if not self.exists(name) or self.status(name) in ("Failed", "Deleting"):
            return
        statuses = self.roll_back(name) if rollback else self.complete(name)
        self._world.emit(name, statuses[-1])


@dataclass
class Minute:
    """One row of the timeline."""

    minute: int
    arrivals: int
    backlog: dict[str, int]
    instances: dict[str, int]
    statuses: dict[str, str]
    requested: int  # what Application Auto Scaling asked for
    desired: int  # what the control plane reports
    actual: int
    scaling_status: str
    patched: int | None = None
    reason: str = ""
    by_hand_requests: int = 0  # sent through --serve during the minute
    by_hand_patches: tuple[int, ...] = ()  # desiredCapacity of PATCHes sent through --serve


@dataclass
class Outcome:
    scenario: Scenario
    control: str
    timeline: list[Minute]
    waits: list[float]
    served: int
    lost: int
    update_calls: int
    rejected_updates: int
    failed_activities: int
    log_path: Path | None = None
    extras: dict[str, Any] = field(default_factory=dict)


def autoscaler_for(scenario: Scenario) -> TargetTracking:
    return TargetTracking(scenario.autoscaling, scenario.min_capacity, scenario.max_capacity)


class World:
    """Everything on the simulated clock, wired to one control plane."""

    def __init__(self, scenario: Scenario, control: str, log_path: Path | None) -> None:
        self.scenario = scenario
        self.now = 0.0
        self.queue = EventQueue()
        self.rng = random.Random(scenario.seed)
        self.sagemaker = SimSageMaker(scenario, self)
        self.inference = InferenceModel(
            {
                ep.name: scenario.instance_types[ep.instance_type].requests_per_minute
                * ep.capacity_per_instance
                for ep in scenario.endpoints
            }
        )
        self.control_name = control
        self.log_path = log_path
        self.control: Control
        self.requested = 0
        self.link: ContainerLink | None = None
        self.lock = threading.Lock()
        self.serve_port: int | None = None
        self.on_serve: Callable[[str], None] | None = None
        self.pace = 0.0  # real seconds per simulated minute (0 = as fast as possible)
        self.on_minute: Callable[[Minute], None] | None = None  # each row as it happens
        self.by_hand_requests = 0
        self.by_hand_patches: list[int] = []

    # -- wiring -----------------------------------------------------------------------------

    def emit(self, endpoint: str, status: str) -> None:
        """EventBridge delivers a state-change event after a short delay."""
        self.queue.at(
            self.now + self.scenario.event_delay_seconds,
            lambda: self.control.on_event(endpoint, status),
        )

    def _create_world(self) -> None:
        create_state_table(boto3.client("dynamodb"), TABLE)
        sagemaker = boto3.client("sagemaker")
        for ep in self.scenario.endpoints:
            create_endpoint(
                sagemaker,
                ep.name,
                "AllTraffic",
                ep.initial_instances,
                async_output=f"s3://fleet-sim-output/{ep.name}/",
            )
        self.requested = sum(
            ep.initial_instances * ep.capacity_per_instance for ep in self.scenario.endpoints
        )

    # -- measurements -----------------------------------------------------------------------

    def serving_instances(self) -> dict[str, int]:
        result = {}
        for ep in self.scenario.endpoints:
            if self.sagemaker.exists(ep.name) and self.sagemaker.status(ep.name) in SERVING:
                result[ep.name] = self.sagemaker.instances(ep.name)
            else:
                result[ep.name] = 0
        return result

    def _timestamp(self) -> datetime:
        return self.scenario.start_time + timedelta(seconds=self.now)

    def publish_metrics(self) -> None:
        """SageMaker's per-minute async metrics, into (moto) CloudWatch."""
        instances = self.serving_instances()
        data = []
        for ep in self.scenario.endpoints:
            if not self.sagemaker.exists(ep.name):
                continue
            backlog = self.inference.backlog(ep.name)
            dims = [{"Name": "EndpointName", "Value": ep.name}]
            metrics = [
                ("ApproximateBacklogSize", float(backlog)),
                ("HasBacklogWithoutCapacity", 1.0 if backlog and not instances[ep.name] else 0.0),
            ]
            if instances[ep.name]:
                metrics.append(("ApproximateBacklogSizePerInstance", backlog / instances[ep.name]))
            for name, value in metrics:
                data.append(
                    {
                        "MetricName": name,
                        "Dimensions": dims,
                        "Timestamp": self._timestamp(),
                        "Value": value,
                    }
                )
        if data:
            boto3.client("cloudwatch").put_metric_data(Namespace="AWS/SageMaker", MetricData=data)

    def read_metric(self, metric: str) -> float | None:
        """MAX over the endpoints of the last minute's value: the module's metric math."""
        queries = [
            {
                "Id": f"m{i}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/SageMaker",
                        "MetricName": metric,
                        "Dimensions": [{"Name": "EndpointName", "Value": ep.name}],
                    },
                    "Period": 60,
                    "Stat": "Average",
                },
            }
            for i, ep in enumerate(self.scenario.endpoints)
        ]
        end = self._timestamp() + timedelta(seconds=1)
        response = boto3.client("cloudwatch").get_metric_data(
            MetricDataQueries=queries, StartTime=end - timedelta(seconds=61), EndTime=end
        )
        values = [v for result in response["MetricDataResults"] for v in result["Values"]]
        return max(values) if values else None

    # -- the loop ---------------------------------------------------------------------------

    def _arrivals(self, minute: float) -> int:
        expected = self.scenario.rate_at(minute) * TICK_SECONDS / 60.0
        # Poisson arrivals from the seeded generator (Knuth; rates here are small).
        limit, count, product = math.exp(-expected), 0, self.rng.random()
        while product > limit:
            count += 1
            product *= self.rng.random()
        return count

    def _incidents(self) -> None:
        for incident in self.scenario.incidents:
            due = incident.at_minute * 60

            def strike(incident: Any = incident) -> None:
                name = incident.endpoint
                if not self.sagemaker.exists(name):
                    return
                if incident.action == "fail":
                    self.sagemaker.set_instances(name, 0)
                    self.sagemaker.set_status(name, "Failed")
                    self.emit(name, "FAILED")
                else:
                    self.sagemaker.delete(name)
                    self.emit(name, "DELETING")
                self.inference.drop(name)

            self.queue.at(due, strike)

    def run(self, progress: Callable[[int, int], None] | None = None) -> Outcome:
        scenario = self.scenario
        clock.set_clock(lambda: scenario.start_time.timestamp() + self.now)
        self._create_world()
        self.control = (
            SampleControl(scenario)
            if self.control_name == "aws-sample"
            else FleetControl(scenario, TABLE, self.lock)
        )
        api = None
        if self.serve_port is not None and isinstance(self.control, FleetControl):
            from .serve import start_api  # noqa: PLC0415  (only when serving)

            api = start_api(
                self.serve_port,
                self.lock,
                self._arrive_by_hand,
                scenario.fleet_name,
                self.on_serve,
                on_patch=self.by_hand_patches.append,
            )
        try:
            return self._loop(autoscaler_for(scenario), progress)
        finally:
            if api is not None:
                api.stop()

    def _aas_patch(self, desired: int) -> None:
        self.requested = desired
        self.control.patch(desired)

    def _arrive_by_hand(self, endpoint: str) -> None:
        with self.lock:
            self.by_hand_requests += 1
            self.inference.arrive(endpoint, self.now)

    def _loop(
        self, autoscaler: TargetTracking, progress: Callable[[int, int], None] | None
    ) -> Outcome:
        scenario = self.scenario
        started = time.monotonic()
        self._incidents()
        scheduled = ScheduledScaling(
            scenario.scheduled_actions, scenario.start_time, scenario.duration_minutes
        )
        timeline: list[Minute] = []
        failed_activities = 0
        previous_status = ""
        request_id = 0
        arrivals = 0
        ticks_per_minute = round(60 / TICK_SECONDS)
        total_ticks = scenario.duration_minutes * ticks_per_minute
        for tick in range(1, total_ticks + 1):
            minute_float = self.now / 60
            for _ in range(self._arrivals(minute_float)):
                request_id += 1
                arrivals += 1
                endpoint = self.control.route(request_id)
                if endpoint is None:
                    self.inference.lost += 1
                else:
                    self.inference.arrive(endpoint, self.now)
            self.now = tick * TICK_SECONDS
            self.queue.run_due(self.now)
            finished = self.inference.serve(self.serving_instances(), self.now, TICK_SECONDS)
            if self.link is not None:
                for name, count in finished.items():
                    self.link.serve(name, count)
            if tick % ticks_per_minute:
                continue
            minute = tick // ticks_per_minute
            if self.pace:
                time.sleep(max(0.0, started + minute * self.pace - time.monotonic()))
            self.publish_metrics()
            desired, actual, status = self.control.status()
            if status == "Failed" and previous_status != "Failed":
                failed_activities += 1
            previous_status = status
            # Application Auto Scaling's scheduled actions, then its scaling policies.
            patched, reasons = run_due(scheduled, minute, autoscaler, desired, self._aas_patch)
            if patched is not None:
                desired, actual, status = self.control.status()
            decision = autoscaler.evaluate(
                self.now,
                self.read_metric("ApproximateBacklogSizePerInstance"),
                bool(self.read_metric("HasBacklogWithoutCapacity")),
                actual,
                self.requested,
            )
            if decision is not None:
                reasons.append(f"{decision.reason} (actual {actual})")
                self.requested = decision.desired
                patched = decision.desired
                self.control.patch(decision.desired)
                desired, actual, status = self.control.status()
            if minute % scenario.autoscaling.reconcile_minutes == 0:
                self.control.reconcile()
            instances = self.serving_instances()
            with self.lock:
                by_hand = (self.by_hand_requests, tuple(self.by_hand_patches))
                self.by_hand_requests = 0
                self.by_hand_patches.clear()
            timeline.append(
                Minute(
                    minute=minute,
                    arrivals=arrivals,
                    backlog={ep.name: self.inference.backlog(ep.name) for ep in scenario.endpoints},
                    instances=instances,
                    statuses={
                        ep.name: self.sagemaker.status(ep.name)
                        if self.sagemaker.exists(ep.name)
                        else "Deleted"
                        for ep in scenario.endpoints
                    },
                    requested=self.requested,
                    desired=desired,
                    actual=sum(
                        instances[ep.name] * ep.capacity_per_instance for ep in scenario.endpoints
                    ),
                    scaling_status=status,
                    patched=patched,
                    reason="; ".join(reasons),
                    by_hand_requests=by_hand[0],
                    by_hand_patches=by_hand[1],
                )
            )
            if self.on_minute is not None:
                self.on_minute(timeline[-1])
            arrivals = 0
            if progress is not None:
                progress(minute, scenario.duration_minutes)
        return Outcome(
            scenario=scenario,
            control=self.control.label,
            timeline=timeline,
            waits=self.inference.waits + self.inference.unserved_waits(self.now),
            served=self.inference.served,
            lost=self.inference.lost,
            update_calls=len(self.sagemaker.calls),
            rejected_updates=len(self.sagemaker.rejected),
            failed_activities=failed_activities,
            log_path=self.log_path,
        )


@contextmanager
def _isolated_aws(log_path: Path | None) -> Iterator[None]:
    """moto for every AWS call, the package's logs into a file, fresh clients."""
    logger = logging.getLogger("fleet_autoscaler")
    saved_handlers, saved_level = list(logger.handlers), logger.level
    for handler in saved_handlers:
        logger.removeHandler(handler)
    file_handler: logging.Handler
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(log_path, mode="w")
        file_handler.setFormatter(saved_handlers[0].formatter if saved_handlers else None)
    else:
        file_handler = logging.NullHandler()
    logger.addHandler(file_handler)
    env_backup = {k: os.environ.get(k) for k in ("STATE_TABLE", "FLEET_CONFIG")}
    try:
        with mock_aws():
            runtime.reset()  # also forgets the boto3 clients
            yield
    finally:
        logger.removeHandler(file_handler)
        file_handler.close()
        for handler in saved_handlers:
            logger.addHandler(handler)
        logger.setLevel(saved_level)
        clock.set_clock(None)
        runtime.reset()
        for key, value in env_backup.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def simulate(
    scenario: Scenario,
    control: str = "fleet",
    log_path: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    with_container: bool = False,
    serve_port: int | None = None,
    pace: float = 0.0,
    on_serve: Callable[[str], None] | None = None,
    on_minute: Callable[[Minute], None] | None = None,
) -> Outcome:
    """Run one scenario with ``control`` ("fleet" = this project, "aws-sample" = baseline).

    ``with_container`` starts a real model server (``container/``) per endpoint and
    sends every served request to it. ``on_minute`` gets each timeline row as it happens.
    """
    with _isolated_aws(log_path), ExitStack() as stack:
        world = World(scenario, control, log_path)
        world.serve_port, world.pace, world.on_serve = serve_port, pace, on_serve
        world.on_minute = on_minute
        if with_container:
            from .container_link import ContainerLink  # noqa: PLC0415  (starts processes)

            world.link = stack.enter_context(ContainerLink([ep.name for ep in scenario.endpoints]))
        world.sagemaker.install()
        try:
            outcome = world.run(progress)
        finally:
            world.sagemaker.uninstall()
    if world.link is not None:
        outcome.extras.update(world.link.summary())
    return outcome
