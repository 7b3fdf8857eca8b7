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
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from moto import mock_aws

from fleet_autoscaler import clock, runtime

from .baseline import OracleControl, make_control
from .cloudwatch import DelayedCloudWatch
from .controls import (
    DISPATCH_MODES,
    QUEUED,
    Control,
    FleetControl,
    Published,
    ScheduledTargets,
    SignalScaled,
    SimRuntime,
    Step,
    arrivals_key,
    capacity_key,
    desired_key,
    endpoint_key,
)
from .fleet_queue import (
    OUTPUT_PATH,
    SIGNAL_SECONDS,
    FleetQueue,
    fast_sqs_clock,
    sqs_depth_key,
)
from .inference import InferenceModel, stranded_longer_than
from .moto_fleet import create_endpoint, create_state_table
from .sagemaker import OUT_OF_ACTION, SERVING, PatchedSageMaker
from .scenario import Scenario
from .schedule import ScheduledScaling, run_due

if TYPE_CHECKING:
    from .container_link import ContainerLink

TICK_SECONDS = 10.0
EPOCH = datetime(2026, 11, 28, tzinfo=UTC)
TABLE = "fleet-sim-state"
CONTROLS = ("fleet", "aws-sample", "aws-sample-equal", "native", "pool", "oracle", "oracle-delayed")
QUEUE_COLUMN = "queue"  # the fleet queue's backlog in a timeline row (queue mode)


# Queue mode: the dispatcher's rounds and the endpoints' completion notifications run on
# this finer step inside each tick (README, "Where the simulation departs from the real
# services"). The real dispatcher loops without pause while it has work (IDLE_SLEEP_SECONDS
# 1 s when idle) and learns of a finished request from its SNS notification; AWS documents
# no latency for that notification, so the simulator lets the dispatcher see it at the end
# of the step in which the request finished and act on it at the next round: within 0-2 s.
# Ten (one round per tick) was the simulator's coarser model until 2026-12-05.
DISPATCH_STEP_SECONDS = 2.0
DISPATCH_STEPS = (1.0, 2.0, 5.0, 10.0)  # the steps that divide a tick


def dispatch_due(start: float, run_seconds: float, step: float) -> tuple[bool, bool, bool]:
    """(a dispatcher round runs in the ``step`` starting at ``start``, it is its invocation's
    first, its last): the schedule is rate(1 minute), each invocation dispatching for
    ``run_seconds`` (README, "Queue mode: the dispatcher"), so no round in the minute's last
    60 - run_seconds seconds: at the default 58 and a 2-second step, the one at second 58
    (the real gap until the next minute's invocation gets the one slot)."""
    offset = start % 60.0
    due = offset < run_seconds
    return due, due and offset == 0.0, due and offset + step >= run_seconds


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
        if not self.exists(name) or self.status(name) in OUT_OF_ACTION:
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


class World:
    """Everything on the simulated clock, wired to one control plane."""

    def __init__(
        self,
        scenario: Scenario,
        control: str,
        log_path: Path | None,
        signal: str | None = None,
        target: float | None = None,
        dispatch: str = "direct",
        room_per_capacity: float | None = None,
        signal_seconds: int | None = None,
        dispatch_step: float = DISPATCH_STEP_SECONDS,
    ) -> None:
        if control not in CONTROLS:
            raise ValueError(f"control must be one of {', '.join(CONTROLS)}, not {control!r}")
        if dispatch not in DISPATCH_MODES:
            raise ValueError(f"dispatch must be direct or queue, not {dispatch!r}")
        if dispatch == "queue" and control != "fleet":
            raise ValueError(f"dispatch queue is a mode of the fleet control, not of {control!r}")
        if room_per_capacity is not None and not room_per_capacity > 0:
            raise ValueError(f"room_per_capacity must be > 0, not {room_per_capacity!r}")
        self.room_per_capacity = room_per_capacity  # queue mode's k; None: the module's default
        if signal_seconds is not None and signal_seconds not in (0, 10, 20, 30):
            raise ValueError(f"signal_seconds must be 0, 10, 20 or 30, not {signal_seconds!r}")
        self.signal_seconds = signal_seconds  # the burst signal's period; None: the default
        if dispatch_step not in DISPATCH_STEPS:
            steps = ", ".join(f"{s:g}" for s in DISPATCH_STEPS)
            raise ValueError(f"dispatch_step must be one of {steps} seconds, not {dispatch_step!r}")
        self.dispatch_step = dispatch_step  # queue mode: seconds between dispatcher rounds
        self.scenario = scenario
        self.now = 0.0
        self.published_desired: int | None = None  # the control plane's DesiredCapacity
        self.queue = EventQueue()
        self.rng = random.Random(scenario.seed)  # arrivals only: the same for every control
        self.work_rng = random.Random(f"work-{scenario.seed}")  # each request's size
        self.sagemaker = SimSageMaker(scenario, self)
        self.control_name = control
        self.signal = signal
        self.target = target
        self.log_path = log_path
        self.control: Control
        self.cloudwatch = DelayedCloudWatch(
            scenario.metric_delay_seconds,
            scenario.start_time,
            scenario.autoscaling.metric_period_seconds,
        )
        self.inference: InferenceModel
        self.link: ContainerLink | None = None
        self.lock = threading.Lock()
        self.serve_port: int | None = None
        self.on_serve: Callable[[str], None] | None = None
        self.pace = 0.0  # real seconds per simulated minute (0 = as fast as possible)
        self.on_minute: Callable[[Minute], None] | None = None  # each row as it happens
        self.by_hand_requests = 0
        self.by_hand_patches: list[int] = []
        self.invoked_unavailable = 0  # invocations that reached a Failed endpoint
        # queue mode: the fleet's SQS queue and what the world knows of each queued request
        self.fleet_queue = FleetQueue(scenario.fleet_name) if dispatch == "queue" else None
        self.fleet_queue_config: dict[str, Any] | None = None
        # Queue mode's high-resolution signal: period index -> value, until the alarm sees it
        self.signal_points: dict[int, float] = {}
        self.signal_seen = -1  # the newest period the burst alarm has seen

    # -- wiring -----------------------------------------------------------------------------

    def emit(self, endpoint: str, status: str) -> None:
        """EventBridge delivers a state-change event after a short delay."""
        self.queue.at(
            self.now + self.scenario.event_delay_seconds,
            lambda: self.control.on_event(endpoint, status),
        )

    def _make_control(self) -> Control:
        if self.control_name == "fleet":
            runtime_client = None
            if self.fleet_queue is not None:
                overrides: dict[str, Any] = {}
                if self.room_per_capacity is not None:
                    overrides["room_per_capacity"] = self.room_per_capacity
                if self.signal_seconds is not None:
                    overrides["signal_seconds"] = self.signal_seconds
                self.fleet_queue_config = self.fleet_queue.create(
                    boto3.client("sqs"), boto3.client("sns"), **overrides
                )
                runtime_client = SimRuntime(
                    self.sagemaker.exists, deliver=self._dispatched, output_path=OUTPUT_PATH
                )
            return FleetControl(
                self.scenario,
                TABLE,
                self.lock,
                signal=self.signal,
                target=self.target,
                endpoint_exists=self.sagemaker.exists,
                queue=self.fleet_queue_config,
                runtime_client=runtime_client,
                signal_seconds=(
                    SIGNAL_SECONDS if self.signal_seconds is None else self.signal_seconds
                ),
            )
        return make_control(self.control_name, self.scenario, self.sagemaker, self.target)

    def _create_world(self) -> None:
        create_state_table(boto3.client("dynamodb"), TABLE)
        sagemaker = boto3.client("sagemaker")
        initial = self.control.initial_instances()
        queue = self.fleet_queue
        for ep in self.scenario.endpoints:
            create_endpoint(
                sagemaker,
                ep.name,
                "AllTraffic",
                initial[ep.name],
                # queue mode: one output path for every endpoint, notifications to SNS
                async_output=f"s3://fleet-sim-output/{ep.name}/" if queue is None else OUTPUT_PATH,
                async_extra=None if queue is None else queue.endpoint_async_config(),
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

    def _record_minute(self, period: int, samples: list[dict[str, int]], arrivals: int) -> None:
        """What CloudWatch receives for the minute that just ended (published later)."""
        scenario, cloudwatch = self.scenario, self.cloudwatch
        cloudwatch.record(arrivals_key(), period, float(arrivals))
        capacity = max(
            sum(s["_instances_" + ep.name] * ep.capacity_per_instance for ep in scenario.endpoints)
            for s in samples
        )
        # The control plane's EMF line (README, "Backlog and the fleet-capacity metric"): the
        # fleet's actual capacity.
        cloudwatch.record(capacity_key(scenario.fleet_name), period, float(capacity))
        # ... and its DesiredCapacity: what the scaling API answered after the previous
        # minute's policies (AAS changes it at minute boundaries here).
        if self.published_desired is not None:
            cloudwatch.record(
                desired_key(scenario.fleet_name), period, float(self.published_desired)
            )
        if self.fleet_queue is not None:
            # AWS/SQS ApproximateNumberOfMessagesVisible: SQS metrics are "collected and pushed
            # to CloudWatch at one-minute intervals" (SQS developer guide, "Monitoring Amazon
            # SQS queues using CloudWatch"), so a minute has one sample, whatever the statistic;
            # modelled as the count at the minute's end (when in the minute SQS takes it is not
            # documented). Until 2026-12-05 this was the most of six 10-second samples.
            cloudwatch.record(
                sqs_depth_key(self.fleet_queue.queue_name),
                period,
                float(samples[-1]["_queue_visible"]),
            )
        names = [ep.name for ep in scenario.endpoints]
        if self.control.shared_queue:
            names = [f"{scenario.fleet_name}-pool"]
        for name in names:
            if name in self.inference.queues and not self.sagemaker.exists(name):
                continue
            backlog = sum(s["_backlog_" + name] for s in samples) / len(samples)
            instances = samples[-1]["_instances_" + name]
            cloudwatch.record(endpoint_key("ApproximateBacklogSize", name), period, backlog)
            cloudwatch.record(
                endpoint_key("HasBacklogWithoutCapacity", name),
                period,
                1.0 if backlog and not instances else 0.0,
            )
            if instances:
                cloudwatch.record(
                    endpoint_key("ApproximateBacklogSizePerInstance", name),
                    period,
                    backlog / instances,
                )

    def _sample(self, instances: dict[str, int]) -> dict[str, int]:
        sample = {}
        for ep in self.scenario.endpoints:
            sample["_instances_" + ep.name] = instances[ep.name]
            sample["_backlog_" + ep.name] = self.inference.backlog(ep.name)
        if self.control.shared_queue:
            pool = f"{self.scenario.fleet_name}-pool"
            sample["_instances_" + pool] = sum(instances.values())
            sample["_backlog_" + pool] = self.inference.total_backlog()
        if self.fleet_queue is not None:
            sample["_queue_visible"] = self.fleet_queue.visible()
        return sample

    # -- the loop ---------------------------------------------------------------------------

    def _arrival_times(self, start: float) -> list[float]:
        expected = self.scenario.rate_at(start / 60) * TICK_SECONDS / 60.0
        # Poisson arrivals from the seeded generator (Knuth; rates here are small),
        # spread uniformly over the tick.
        limit, count, product = math.exp(-expected), 0, self.rng.random()
        while product > limit:
            count += 1
            product *= self.rng.random()
        return sorted(start + self.rng.random() * TICK_SECONDS for _ in range(count))

    def _work(self) -> float:
        cv = self.scenario.service_time_cv
        if cv <= 0:
            return 1.0
        shape = 1.0 / (cv * cv)
        return self.work_rng.gammavariate(shape, 1.0 / shape)

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
                dropped = [i for i in self.inference.drop(name) if i is not None]
                if self.fleet_queue is None:
                    self.inference.lost += len(dropped)
                else:
                    # What the endpoint held fails with it; it runs again only if its
                    # fleet-queue message still exists and the dispatcher sends it again.
                    self.inference.lost += self.fleet_queue.orphan(dropped)

            self.queue.at(due, strike)

    def run(self, progress: Callable[[int, int], None] | None = None) -> Outcome:
        scenario = self.scenario
        clock.set_clock(lambda: scenario.start_time.timestamp() + self.now)
        self.control = self._make_control()
        self.inference = InferenceModel(
            {
                ep.name: 60.0 / scenario.instance_types[ep.instance_type].requests_per_minute
                for ep in scenario.endpoints
            },
            {ep.name: ep.capacity_per_instance for ep in scenario.endpoints},
            shared=self.control.shared_queue,
        )
        self._create_world()
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
        routed = getattr(self.control, "routed_signal", None)
        logger = logging.getLogger("fleet_autoscaler")
        if routed is not None:
            logger.addHandler(routed)
        try:
            return self._loop(progress)
        finally:
            if routed is not None:
                logger.removeHandler(routed)
            if api is not None:
                api.stop()

    def _arrive_by_hand(self, endpoint: str) -> None:
        with self.lock:
            self.by_hand_requests += 1
            self.inference.arrive(endpoint, self.now, self._work())

    def _dispatched(self, endpoint: str, inference_id: str) -> None:
        """The dispatcher's InvokeEndpointAsync reached ``endpoint`` (called under the lock
        the dispatcher runs with): the request joins the endpoint's queue, waiting since it
        arrived. One the world never queued was sent by hand (--serve): it arrives now."""
        assert self.fleet_queue is not None
        entry = self.fleet_queue.take(inference_id, endpoint, self.now)
        if entry is None:
            self.by_hand_requests += 1
            entry = (self.now, self._work())
        if not self._takes_invocations(endpoint):
            # Lost with the endpoint, as what it held when it failed: it runs again only
            # if its fleet-queue message still exists and the dispatcher sends it again.
            self.inference.lost += self.fleet_queue.orphan([inference_id])
            return
        self.inference.arrive(endpoint, entry[0], entry[1], inference_id)

    def _takes_invocations(self, endpoint: str) -> bool:
        """Whether an invocation reaching ``endpoint`` (which exists) joins its queue.

        SageMaker allows no operation but DeleteEndpoint on a ``Failed`` endpoint
        (DescribeEndpoint / EndpointSummary, ``EndpointStatus``); what InvokeEndpointAsync
        answers then is not documented. The simulator takes the reading least favourable
        to the fleet: the call succeeds (the caller moves on, the dispatcher holds the
        message) and the request is lost with the endpoint. The router or dispatcher can
        send one there in the seconds before the control plane hears of the failure.
        A shared-queue control (the pool, the oracles) names its one queue after its first
        endpoint: its requests reach the queue, not that endpoint.
        """
        if self.control.shared_queue:
            return True
        if self.sagemaker.exists(endpoint) and self.sagemaker.status(endpoint) in OUT_OF_ACTION:
            self.invoked_unavailable += 1
            return False
        return True

    def _route(self, when: float, request_id: int, work: float) -> None:
        """The router's answer for a request that arrived at ``when``, and where it waits."""
        endpoint = self.control.route(request_id)
        if endpoint is None:
            self.inference.lost += 1
        elif endpoint == QUEUED:
            assert self.fleet_queue is not None
            self.fleet_queue.enqueue(f"req-{request_id}", when, work)
        elif self._takes_invocations(endpoint):
            self.inference.arrive(endpoint, when, work)
        else:
            self.inference.lost += 1  # direct mode: no other copy of it

    def _queue_mode_tick(
        self,
        start: float,
        instances: dict[str, int],
        held: deque[tuple[float, int, float]],
    ) -> dict[str, int]:
        """Queue mode's tick in dispatch steps; requests finished per endpoint. Each step:
        the router queues the requests that have arrived by its start (never one before it
        arrives), a dispatcher round runs (inside the invocation's ``run_seconds``), the
        endpoints serve the step, and the requests finished in it publish their
        notifications at its end, for the next round to read. The first round of each burst
        signal period publishes the previous period's peak (``RoundResult.signal``)."""
        assert self.fleet_queue is not None and self.fleet_queue_config is not None
        control = self.control
        assert isinstance(control, FleetControl)
        fleet_queue, step = self.fleet_queue, self.dispatch_step
        run_seconds = float(self.fleet_queue_config["run_seconds"])
        epoch = self.scenario.start_time.timestamp()
        finished = dict.fromkeys(instances, 0)
        for index in range(round(TICK_SECONDS / step)):
            at = self.now = start + index * step
            while held and held[0][0] <= at:
                self._route(*held.popleft())
            due, first, last = dispatch_due(at, run_seconds, step)
            if due:
                result = control.dispatch(first, last)
                if result.signal is not None:
                    self._signal_published(*result.signal)
            for name, count in self.inference.serve(instances, at, at + step).items():
                finished[name] = finished.get(name, 0) + count
            if self.inference.completed:
                fleet_queue.publish(self.inference.completed, epoch)
                self.inference.completed.clear()
        return finished

    def _signal_published(self, stamp: float, value: float) -> None:
        """The dispatcher's PutMetricData of the datapoint stamped ``stamp`` (epoch seconds,
        its period's start)."""
        period = self.control.signal_seconds  # type: ignore[union-attr]
        epoch = self.scenario.start_time.timestamp()
        self.signal_points[math.floor((stamp - epoch) / period)] = value

    def _routed_signal(self) -> None:
        """Direct mode: the router's RoutedPerCapacity lines of this tick, summed per alarm
        period and scaled by 60 / period as the module's metric math does (Sum x 60 / P:
        requests arriving per minute per capacity unit)."""
        routed = getattr(self.control, "routed_signal", None)
        if routed is None:
            return
        period = self.control.signal_seconds  # type: ignore[union-attr]
        epoch = self.scenario.start_time.timestamp()
        for at, value in routed.drain():
            index = math.floor((at - epoch) / period)
            self.signal_points[index] = self.signal_points.get(index, 0.0) + value * 60 / period

    def _burst_alarm(self) -> Step | None:
        """The burst alarm's evaluation (every tick, 10 s): the high-resolution datapoints
        published since the last one, each ``high_resolution_delay_seconds`` after its
        period ends. AWS documents no latency for a PutMetricData datapoint (queue mode) or
        an extracted EMF line (direct mode) to reach an alarm; the scenario's default, 20 s,
        adds one 10-second evaluation cycle to a few seconds."""
        control = self.control
        if not isinstance(control, FleetControl) or not control.signal_seconds:
            return None
        period = control.signal_seconds
        newest = math.floor((self.now - self.scenario.high_resolution_delay_seconds) / period) - 1
        if newest <= self.signal_seen:
            return None
        values = [self.signal_points.pop(p, None) for p in range(self.signal_seen + 1, newest + 1)]
        self.signal_seen = newest
        return control.burst(self.now, values)

    def _aas_patch(self, desired: int) -> None:
        """A PATCH from Application Auto Scaling's scheduled action."""
        control = self.control
        assert isinstance(control, SignalScaled)
        control.requested = desired
        control.patch(desired)

    def _loop(self, progress: Callable[[int, int], None] | None) -> Outcome:
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
        samples: list[dict[str, int]] = []
        prices = {
            ep.name: scenario.instance_types[ep.instance_type].price_per_hour
            for ep in scenario.endpoints
        }
        instance_minutes = dollars = stranded = stranded_beyond = zero_capacity = 0.0
        drain_limit = scenario.autoscaling.drain_timeout_seconds
        fleet_unserved_since: float | None = None  # queue mode: no instance anywhere since
        tick_minutes = TICK_SECONDS / 60.0
        ticks_per_minute = round(60 / TICK_SECONDS)
        total_ticks = scenario.duration_minutes * ticks_per_minute
        burst: Step | None = None  # a burst scale-out in the current minute
        queue_mode = isinstance(self.control, FleetControl) and self.fleet_queue is not None
        held: deque[tuple[float, int, float]] = deque()  # queue mode: arrived, not yet routed
        for tick in range(1, total_ticks + 1):
            start = self.now
            arrived_now = 0
            for when in self._arrival_times(start):
                request_id += 1
                arrivals += 1
                arrived_now += 1
                work = self._work()
                if queue_mode:
                    held.append((when, request_id, work))
                else:
                    self._route(when, request_id, work)
            self._routed_signal()
            # The tick is served with the instances in service at its start; the events
            # due by its end (updates completing, failures, rollbacks) take effect after,
            # at the next tick: an update completing at t serves until t, not a tick less.
            instances = self.serving_instances()
            if queue_mode:
                finished = self._queue_mode_tick(start, instances, held)
            else:
                finished = self.inference.serve(instances, start, start + TICK_SECONDS)
            self.now = tick * TICK_SECONDS
            self.queue.run_due(self.now)
            burst = self._burst_alarm() or burst
            if self.link is not None:
                for name, count in finished.items():
                    self.link.serve(name, count)
            serving = sum(instances.values())
            instance_minutes += serving * tick_minutes
            dollars += sum(instances[n] * prices[n] for n in instances) * tick_minutes / 60.0
            stranded += self.inference.stranded(instances) * tick_minutes
            if self.fleet_queue is not None and not serving:
                stranded += len(self.fleet_queue.pending) * tick_minutes  # nothing serves
            beyond = self.inference.stranded_beyond(instances, self.now, drain_limit)
            if self.fleet_queue is not None:
                if serving:
                    fleet_unserved_since = None
                else:
                    fleet_unserved_since = fleet_unserved_since or self.now
                    beyond += stranded_longer_than(
                        (arrival for arrival, _ in self.fleet_queue.pending.values()),
                        fleet_unserved_since,
                        self.now,
                        drain_limit,
                    )
            stranded_beyond += beyond * tick_minutes
            if arrived_now and not serving:
                zero_capacity += tick_minutes
            samples.append(self._sample(instances))
            if tick % ticks_per_minute:
                continue
            minute = tick // ticks_per_minute
            if self.pace:
                time.sleep(max(0.0, started + minute * self.pace - time.monotonic()))
            self._record_minute(minute - 1, samples, arrivals)
            samples = []
            # moto holds published datapoints for the control plane's GetMetricData;
            # the baselines read none of them there.
            self.cloudwatch.publish_due(self.now, to_moto=isinstance(self.control, FleetControl))
            if isinstance(self.control, OracleControl):
                self.control.observe(arrivals, self.inference.total_backlog())
            # Application Auto Scaling's scheduled actions, then its policies: on the one
            # fleet-wide scalable target of the fleet and aws-sample controls, on the pool's
            # and each native endpoint's own (in instances); the oracle, a reactive bound,
            # runs none (the row says an action did not run).
            if isinstance(self.control, SignalScaled):
                scheduled_patch, notes = run_due(
                    scheduled,
                    minute,
                    self.control.target,
                    self.control.status()[0],
                    self._aas_patch,
                )
            elif isinstance(self.control, ScheduledTargets):
                scheduled_patch, notes = self.control.run_scheduled(self.now, scheduled.due(minute))
            else:
                scheduled_patch = None
                notes = [
                    f"scheduled action {action.name} not run: the {self.control.label} "
                    "control is a reactive bound with no scalable target"
                    for action in scheduled.due(minute)
                ]
            step = self.control.autoscale(
                self.now, Published(self.cloudwatch, self.cloudwatch.newest_period(self.now))
            )
            if burst is not None:
                step = _with_burst(step, burst)
                burst = None
            desired, _, status = self.control.status()
            self.published_desired = desired
            if status == "Failed" and previous_status != "Failed":
                failed_activities += 1
            previous_status = status
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
                    backlog=self._backlogs(),
                    instances=instances,
                    statuses={
                        ep.name: self.sagemaker.status(ep.name)
                        if self.sagemaker.exists(ep.name)
                        else "Deleted"
                        for ep in scenario.endpoints
                    },
                    requested=step.requested,
                    desired=desired,
                    actual=sum(
                        instances[ep.name] * ep.capacity_per_instance for ep in scenario.endpoints
                    ),
                    scaling_status=status,
                    patched=step.patched if step.patched is not None else scheduled_patch,
                    reason="; ".join([*notes, step.reason] if step.reason else notes),
                    by_hand_requests=by_hand[0],
                    by_hand_patches=by_hand[1],
                )
            )
            if self.on_minute is not None:
                self.on_minute(timeline[-1])
            arrivals = 0
            if progress is not None:
                progress(minute, scenario.duration_minutes)
        while held:  # arrived in the run's last seconds: queued at its end
            self._route(*held.popleft())
        extras: dict[str, Any] = {}
        queued_at_end = self.inference.total_backlog()
        unserved = self.inference.unserved_waits(self.now)
        if self.fleet_queue is not None:
            fleet_queue = self.fleet_queue
            queued_at_end += len(fleet_queue.pending)  # in SQS (or its DLQ): not lost
            unserved += [self.now - arrival for arrival, _ in fleet_queue.pending.values()]
            # A request a failed endpoint held is lost unless its message is still on the
            # fleet queue or its dead-letter queue (then it is queued, not lost).
            kept, gone = fleet_queue.orphans_at_end()
            self.inference.lost += len(gone)
            queued_at_end += len(kept)
            unserved += [self.now - arrival for arrival, _ in kept.values()]
            extras = {
                "dispatch": "queue",
                "queued_in_sqs_at_end": len(fleet_queue.pending),
                "sqs_visible_at_end": fleet_queue.visible(),
                "dead_lettered": fleet_queue.dead_lettered(),
                "dispatches": fleet_queue.dispatches,
                "duplicate_dispatches": fleet_queue.duplicates,
                "redispatches": fleet_queue.redispatches,
                "served_twice": fleet_queue.served_twice,
                "completions_published": fleet_queue.completions_published,
            }
        return Outcome(
            scenario=scenario,
            control=self.control.label,
            timeline=timeline,
            waits=self.inference.waits + unserved,
            # a request that ran twice (a duplicate delivery) is served once
            served=self.inference.served
            - (self.fleet_queue.served_twice if self.fleet_queue is not None else 0),
            lost=self.inference.lost,
            update_calls=len(self.sagemaker.calls),
            rejected_updates=len(self.sagemaker.rejected),
            failed_activities=failed_activities,
            log_path=self.log_path,
            extras={
                "signal": getattr(self.control, "signal", None),
                "instance_minutes_exact": round(instance_minutes, 2),
                "dollars": round(dollars, 2),
                "stranded_request_minutes": round(stranded, 1),
                "stranded_beyond_drain_request_minutes": round(stranded_beyond, 1),
                "zero_capacity_minutes": round(zero_capacity, 2),
                "queued_at_end": queued_at_end,
                "invoked_unavailable": self.invoked_unavailable,
                **extras,
            },
        )

    def _backlogs(self) -> dict[str, int]:
        """Per endpoint; a shared queue's backlog is shown on the first endpoint. In queue
        mode, ``queue`` holds the requests on the fleet queue (not yet dispatched)."""
        names = [ep.name for ep in self.scenario.endpoints]
        if self.control.shared_queue:
            return {
                n: (self.inference.total_backlog() if i == 0 else 0) for i, n in enumerate(names)
            }
        backlogs = {n: self.inference.backlog(n) for n in names}
        if self.fleet_queue is not None:
            backlogs[QUEUE_COLUMN] = len(self.fleet_queue.pending)
        return backlogs


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


def _with_burst(step: Step, burst: Step) -> Step:
    """The minute's row: its policies' step, and a burst scale-out earlier in the minute."""
    if step.patched is None:
        return burst
    return Step(step.requested, step.patched, f"{burst.reason}; {step.reason}")


def simulate(
    scenario: Scenario,
    control: str = "fleet",
    log_path: Path | None = None,
    signal: str | None = None,
    target: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    with_container: bool = False,
    serve_port: int | None = None,
    pace: float = 0.0,
    on_serve: Callable[[str], None] | None = None,
    on_minute: Callable[[Minute], None] | None = None,
    dispatch: str = "direct",
    room_per_capacity: float | None = None,
    signal_seconds: int | None = None,
    dispatch_step: float = DISPATCH_STEP_SECONDS,
) -> Outcome:
    """Run one scenario with ``control`` (``fleet`` = this project, or a baseline of
    ``CONTROLS``); ``signal`` overrides the fleet's scaling signal and ``target`` the
    controller's target (the signal's target value; the oracle's utilisation);
    ``dispatch`` = ``queue`` runs the fleet in queue mode (one SQS queue, the dispatcher);
    ``room_per_capacity`` overrides its ``k`` (FLEET_CONFIG ``queue.room_per_capacity``)
    and ``signal_seconds`` the burst signal's period (both modes; 0: off);
    ``dispatch_step`` is queue mode's seconds between dispatcher rounds (one of
    :data:`DISPATCH_STEPS`).

    ``with_container`` starts a real model server (``container/``) per endpoint and
    sends every served request to it.
    """
    with _isolated_aws(log_path), fast_sqs_clock(), ExitStack() as stack:
        world = World(
            scenario,
            control,
            log_path,
            signal=signal,
            target=target,
            dispatch=dispatch,
            room_per_capacity=room_per_capacity,
            signal_seconds=signal_seconds,
            dispatch_step=dispatch_step,
        )
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
