"""The control planes the simulator can drive through the same world.

:class:`FleetControl` is this project: the real handlers from
``lambda_src/fleet_autoscaler``, called with API Gateway and EventBridge events, and
scaled by simulated Application Auto Scaling on the module's policies. The baselines
(the AWS sample, native per-endpoint autoscaling, instance pools, the reactive oracle)
live in ``baseline.py``.

Every control answers the same questions: where does a request go, what does
autoscaling ask for this minute (from published datapoints only), what do the
SageMaker events change.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from fleet_autoscaler import aws, clock, runtime
from fleet_autoscaler.handlers import endpoint_events, reconciler, router, scaling_api
from local_api.runtime_errors import endpoint_not_found

from .autoscaling import (
    ScalableTarget,
    fleet_target,
    for_mode,
    load_metric,
    waiting_without_capacity,
    waiting_work,
)
from .cloudwatch import DelayedCloudWatch, Key
from .events import endpoint_state_change, router_event, scaling_event, scheduled_event
from .fleet_queue import SIGNAL_SECONDS, sqs_depth_key
from .scenario import API_NAME, API_STAGE, Scenario, ScheduledAction

DISPATCH_MODES = ("direct", "queue")
QUEUED = ""  # what FleetControl.route answers in queue mode: on the fleet queue, no endpoint


def endpoint_key(metric: str, endpoint: str) -> Key:
    return ("AWS/SageMaker", metric, (("EndpointName", endpoint),))


def arrivals_key() -> Key:
    return ("AWS/ApiGateway", "Count", (("ApiName", API_NAME), ("Stage", API_STAGE)))


def capacity_key(fleet: str) -> Key:
    return ("SageMakerFleet", "InServiceCapacity", (("Fleet", fleet),))


def desired_key(fleet: str) -> Key:
    return ("SageMakerFleet", "DesiredCapacity", (("Fleet", fleet),))


@dataclass
class Published:
    """The datapoints of one minute as the alarms see them (None: not published)."""

    cloudwatch: DelayedCloudWatch
    period: int

    def get(self, key: Key) -> float | None:
        if self.period < 0:
            return None
        return self.cloudwatch.value(key, self.period)

    def endpoint(self, metric: str, endpoint: str) -> float | None:
        return self.get(endpoint_key(metric, endpoint))


@dataclass
class Step:
    """What autoscaling did this minute (for the timeline)."""

    requested: int
    patched: int | None = None
    reason: str = ""


class Control(Protocol):
    label: str
    shared_queue: bool

    def initial_instances(self) -> dict[str, int]: ...
    def route(self, request_id: int) -> str | None: ...
    def status(self) -> tuple[int, int, str]: ...
    def autoscale(self, now: float, seen: Published) -> Step: ...
    def on_event(self, endpoint: str, status: str) -> None: ...
    def reconcile(self) -> None: ...


@runtime_checkable
class ScheduledTargets(Protocol):
    """A baseline whose own scalable targets (a pool's, each native endpoint's) run the
    scenario's scheduled actions, converted to the instances they count."""

    def run_scheduled(
        self, now: float, actions: list[ScheduledAction]
    ) -> tuple[int | None, list[str]]: ...


def signal_inputs(
    seen: Published,
    endpoints: list[str],
    fleet: str,
    signal: str,
    queue: str | None = None,
    backlog_minutes: float = 1.0,
) -> tuple[float | None, float | None]:
    """(tracked metric, scale-from-zero alarm metric) of the module's policies; ``queue``:
    the fleet queue's name in queue mode, whose published depth joins both (README, "Queue
    mode: what the module adds");
    ``backlog_minutes``: the load signal's ``load_backlog_minutes`` (the scale-from-zero
    alarm counts the whole backlog)."""
    if signal == "load":
        arrivals = seen.get(arrivals_key())
        if arrivals is None and seen.period < 0:
            return None, None
        backlogs, capacity, depth = load_terms(seen, endpoints, fleet, queue)
        arrivals = arrivals or 0.0
        return (
            load_metric(arrivals, backlogs, capacity, backlog_minutes, depth),
            waiting_without_capacity(
                arrivals, backlogs if depth is None else [*backlogs, depth], capacity
            ),
        )
    per_instance = [seen.endpoint("ApproximateBacklogSizePerInstance", n) for n in endpoints]
    known = [v for v in per_instance if v is not None]
    flags = [seen.endpoint("HasBacklogWithoutCapacity", n) for n in endpoints]
    flagged = [v for v in flags if v is not None]
    return (max(known) if known else None, max(flagged) if flagged else None)


def load_terms(
    seen: Published, endpoints: list[str], fleet: str, queue: str | None
) -> tuple[list[float], float, float | None]:
    """The load signal's published b_i, c and q, each FILL(.., 0); q is None without a fleet
    queue (direct mode)."""
    backlogs = [seen.endpoint("ApproximateBacklogSize", n) or 0.0 for n in endpoints]
    capacity = seen.get(capacity_key(fleet)) or 0.0
    depth = None if queue is None else seen.get(sqs_depth_key(queue)) or 0.0
    return backlogs, capacity, depth


def queue_waiting(seen: Published, endpoints: list[str], fleet: str, queue: str) -> float:
    """The load's W in queue mode, from the published datapoints: the endpoints' backlog
    beyond one request per in-service unit plus the fleet queue's depth, the ``waiting``
    query of modules/fleet-autoscaling/main.tf."""
    return waiting_work(*load_terms(seen, endpoints, fleet, queue))


class SignalScaled:
    """One scalable target for the whole fleet, fed by the module's metric math."""

    target: ScalableTarget
    signal: str
    requested: int
    backlog_minutes: float = 1.0  # the load signal's load_backlog_minutes

    def status(self) -> tuple[int, int, str]:
        raise NotImplementedError

    def patch(self, desired: int) -> None:
        raise NotImplementedError

    def _scale(
        self,
        now: float,
        seen: Published,
        endpoints: list[str],
        fleet: str,
        queue: str | None = None,
    ) -> Step:
        metric, zero = signal_inputs(
            seen, endpoints, fleet, self.signal, queue, self.backlog_minutes
        )
        _, actual, _ = self.status()
        capacity = seen.get(capacity_key(fleet)) if self.signal == "load" else None
        published_desired = seen.get(desired_key(fleet)) if self.signal == "load" else None
        waiting = None
        if self.signal == "load" and queue is not None:
            waiting = queue_waiting(seen, endpoints, fleet, queue)
        decision = self.target.evaluate(
            now, metric, zero, actual, self.requested, capacity, waiting, published_desired
        )
        if decision is None:
            return Step(self.requested)
        self.requested = decision.desired
        self.patch(decision.desired)
        return Step(self.requested, decision.desired, f"{decision.reason} (actual {actual})")

    def burst(self, now: float, values: list[float | None]) -> Step | None:
        """Newly published datapoints of the burst alarm (either mode), oldest first."""
        decision = self.target.evaluate_burst(now, values, lambda: self.status()[1], self.requested)
        if decision is None:
            return None
        self.requested = decision.desired
        self.patch(decision.desired)
        return Step(self.requested, decision.desired, decision.reason)


class SimRuntime:
    """``sagemaker-runtime`` for the router (direct mode) and the dispatcher (queue mode).

    moto's InvokeEndpointAsync only returns an output location; answering here keeps
    the caller's code path (the call, its errors, failover) and costs no HTTP stubbing.
    ``deliver(endpoint, inference_id)`` puts the request on the endpoint's simulated
    queue; ``output_path`` is the endpoint's S3OutputPath (``Filename`` names the file
    in it, as InvokeEndpointAsync does since February 2026).
    """

    def __init__(
        self,
        exists: Any,
        deliver: Any = None,
        output_path: str = "s3://fleet-sim-output/{endpoint}/",
    ) -> None:
        self._exists = exists
        self._deliver = deliver
        self._output_path = output_path
        self.calls = 0

    def invoke_endpoint_async(self, EndpointName: str, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        if not self._exists(EndpointName):
            raise endpoint_not_found(EndpointName)
        inference_id = str(kwargs.get("InferenceId", "id"))
        if self._deliver is not None:
            self._deliver(EndpointName, inference_id)
        folder = self._output_path.format(endpoint=EndpointName)
        extension = str(kwargs.get("S3OutputPathExtension", "")).strip("/")
        if extension:
            folder = f"{folder}{extension}/"
        return {
            "InferenceId": inference_id,
            "OutputLocation": f"{folder}{kwargs.get('Filename') or inference_id + '.out'}",
        }


class RoutedSignal(logging.Handler):
    """Direct mode's burst signal as CloudWatch Logs would extract it: the
    ``RoutedPerCapacity`` value and timestamp of each EMF line the real router writes."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[tuple[float, float]] = []  # (epoch seconds, value)

    def emit(self, record: logging.LogRecord) -> None:
        raw = getattr(record, "raw", None)
        if isinstance(raw, dict) and "RoutedPerCapacity" in raw:
            self.values.append((raw["_aws"]["Timestamp"] / 1000.0, float(raw["RoutedPerCapacity"])))

    def drain(self) -> list[tuple[float, float]]:
        values, self.values = self.values, []
        return values


class FleetControl(SignalScaled):
    """This project's control plane, called exactly as AWS would call it."""

    shared_queue = False

    def __init__(
        self,
        scenario: Scenario,
        table: str,
        lock: threading.Lock,
        signal: str | None = None,
        target: float | None = None,
        endpoint_exists: Any = None,
        queue: dict[str, Any] | None = None,
        runtime_client: SimRuntime | None = None,
        signal_seconds: int = SIGNAL_SECONDS,
    ) -> None:
        """``queue``: FLEET_CONFIG's ``queue`` object, which puts the fleet in queue mode
        (the router enqueues, :meth:`dispatch` runs the real dispatcher); ``runtime_client``
        then answers the dispatcher's InvokeEndpointAsync. ``signal_seconds``: the burst
        alarm's period (0: no burst signal nor alarm); in queue mode ``queue`` says it."""
        self.label = scenario.strategy if queue is None else f"{scenario.strategy}-queue"
        self.dispatch_mode = "direct" if queue is None else "queue"
        self.queue_name = None if queue is None else str(queue["queue_url"]).rsplit("/", 1)[-1]
        self.lock = lock  # shared with the local API when the fleet is served over HTTP
        self._scenario = scenario
        self._fleet = scenario.fleet_name
        self.signal = signal or scenario.autoscaling.scaling_signal
        settings = scenario.autoscaling
        if target is not None:
            key = (
                f"load_target_value_{self.dispatch_mode}"
                if self.signal == "load"
                else "backlog_target_value"
            )
            settings = type(settings)(**{**settings.__dict__, key: target})
        if queue is not None and self.signal != "load":
            raise ValueError(
                "queue mode scales on the load signal (the fleet queue's depth joins it); "
                f"not on {self.signal!r}"
            )
        if queue is not None:
            signal_seconds = int(queue.get("signal_seconds", 0))
        self.signal_seconds = signal_seconds if self.signal == "load" else 0
        self.backlog_minutes = for_mode(settings, "load_backlog_minutes", self.dispatch_mode)
        self.target = fleet_target(
            settings,
            scenario.min_capacity,
            scenario.max_capacity,
            self.signal,
            burst=self.signal_seconds > 0,
            mode=self.dispatch_mode,
        )
        self.requested = sum(
            ep.initial_instances * ep.capacity_per_instance for ep in scenario.endpoints
        )
        os.environ["STATE_TABLE"] = table
        config = scenario.fleet_config()
        config["burst_signal"] = self.signal_seconds > 0
        if queue is not None:
            config.update(dispatch="queue", queue=queue)
        os.environ["FLEET_CONFIG"] = json.dumps(config)
        runtime.reset()
        self._dispatcher: Any = None
        if queue is not None:
            from fleet_autoscaler.handlers import dispatcher  # noqa: PLC0415  (queue mode only)

            self._dispatcher = dispatcher  # runtime.reset() above: a fresh container
            aws.override("sagemaker-runtime", runtime_client or SimRuntime(endpoint_exists))
        elif endpoint_exists is not None:
            # aws.runtime_client() serves an override before its per-timeout clients
            aws.override("sagemaker-runtime", SimRuntime(endpoint_exists))
        # direct mode: the router's EMF lines, read by the world (which attaches it)
        self.routed_signal = RoutedSignal() if queue is None and self.signal_seconds else None

    def initial_instances(self) -> dict[str, int]:
        return {ep.name: ep.initial_instances for ep in self._scenario.endpoints}

    def route(self, request_id: int) -> str | None:
        """The endpoint the router chose, :data:`QUEUED` (queue mode), None (refused)."""
        headers = {
            "InputLocation": f"s3://fleet-sim-input/requests/{request_id}.csv",
            "Content-Type": "text/csv",
            "InferenceId": f"req-{request_id}",
        }
        with self.lock:
            response = router.handler(router_event(self._fleet, headers), None)
        if response["statusCode"] != 200:
            return None
        endpoint = json.loads(response["body"])["EndpointName"]
        return QUEUED if endpoint is None else str(endpoint)

    def dispatch(self, first: bool, last: bool) -> Any:
        """One round of the real dispatcher (queue mode), at the world's clock; ``first``
        and ``last``: the round opens / closes a scheduled invocation, which reloads the
        ledger if another container wrote it and writes it once at its end, as
        ``dispatcher.handler`` does."""
        with self.lock:
            if first:
                runtime.dispatcher().begin()
            try:
                return self._dispatcher.dispatch_once(clock.now())
            finally:
                if last:
                    runtime.dispatcher().save(clock.now())

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

    def autoscale(self, now: float, seen: Published) -> Step:
        names = [ep.name for ep in self._scenario.endpoints]
        return self._scale(now, seen, names, self._fleet, self.queue_name)

    def on_event(self, endpoint: str, status: str) -> None:
        with self.lock:
            endpoint_events.handler(endpoint_state_change(endpoint, status), None)

    def reconcile(self) -> None:
        with self.lock:
            reconciler.handler(scheduled_event(), None)
