"""Plain data shared by every layer: the static fleet definition and its dynamic state."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

Strategy = Literal["race", "priority", "proportional"]
InvocationMode = Literal["async", "realtime"]
ScalingStatus = Literal["Pending", "InProgress", "Successful", "Failed"]

STRATEGIES: tuple[str, ...] = ("race", "priority", "proportional")
INVOCATION_MODES: tuple[str, ...] = ("async", "realtime")
# How requests reach the endpoints: "direct" (the router picks an endpoint and calls it)
# or "queue" (the router puts every request on the fleet's one SQS queue and the
# dispatcher sends it to an endpoint with room; async fleets only).
DISPATCH_MODES: tuple[str, ...] = ("direct", "queue")

# SageMaker EndpointStatus values (DescribeEndpoint spelling) and their meaning here.
IN_SERVICE = "InService"
UPDATING = "Updating"
CREATING = "Creating"
SYSTEM_UPDATING = "SystemUpdating"
ROLLING_BACK = "RollingBack"
FAILED = "Failed"
OUT_OF_SERVICE = "OutOfService"
DELETING = "Deleting"
UPDATE_ROLLBACK_FAILED = "UpdateRollbackFailed"
DELETED = "Deleted"  # ours: DescribeEndpoint answers that the endpoint does not exist

# Statuses whose instances count toward actual capacity (DESIGN 3.6) and take traffic.
# SystemUpdating is maintenance: SageMaker keeps the instance count and serves, it only
# refuses updates meanwhile. RollingBack: the update failed and the old instances keep
# serving while SageMaker restores them, so they count (at CurrentInstanceCount) too.
SERVING_STATUSES = frozenset({IN_SERVICE, UPDATING, SYSTEM_UPDATING, ROLLING_BACK})
# Statuses of an endpoint that exists and can hold planned capacity.
PLANNABLE_STATUSES = frozenset({IN_SERVICE, UPDATING, CREATING, SYSTEM_UPDATING, ROLLING_BACK})
# The only status in which SageMaker accepts UpdateEndpointWeightsAndCapacities.
UPDATABLE_STATUS = IN_SERVICE

# The router's runtime client connect timeout (aws.py), which its time budget
# reserves for each attempt (routing.attempt_read_timeout).
RUNTIME_CONNECT_SECONDS = 1


@dataclass(frozen=True)
class EndpointSpec:
    """One endpoint of the fleet as Terraform configured it."""

    name: str
    variant: str = "AllTraffic"
    capacity_per_instance: int = 1
    min_instances: int = 0
    max_instances: int = 4
    priority: int = 1
    share: float = 1.0


@dataclass(frozen=True)
class QueueSpec:
    """Queue mode (``dispatch = "queue"``): the fleet queue and how endpoints are filled."""

    queue_url: str
    completion_queue_url: str
    output_path: str  # the S3OutputPath every endpoint shares
    failure_path: str | None = None  # the S3FailurePath every endpoint shares
    room_per_capacity: float = 2.0  # k: requests outstanding per in-service capacity unit
    # How long one scheduled dispatcher invocation keeps dispatching: 58 s of each minute's
    # schedule, so the next minute's invocation takes the one slot about 2 s after this one
    # ends (README, "Queue mode: the dispatcher").
    run_seconds: int = 58
    # How often the dispatcher publishes the fast signal (burst_signal.py), seconds; 0: never.
    signal_seconds: int = 10


@dataclass(frozen=True)
class FleetConfig:
    """The static fleet definition (``FLEET_CONFIG``)."""

    fleet_name: str
    dimension_id: str
    invocation_mode: InvocationMode
    strategy: Strategy
    min_capacity: int
    max_capacity: int
    activity_timeout_seconds: int
    endpoints: tuple[EndpointSpec, ...]
    capacity_retry_seconds: int = 900
    router_cache_ttl_seconds: float = 5.0
    max_failover_attempts: int = 2
    metrics_namespace: str = "SageMakerFleet"
    drain_timeout_seconds: int = 900
    backlog_max_age_seconds: int = 300
    # The scale-to-zero guard: the plan keeps the fleet's smallest capacity while the
    # fleet was busy less than this long ago (0 disables the guard).
    scale_to_zero_idle_seconds: int = 900
    # Make before break after growth: no decrease runs until this long after the fleet's
    # serving capacity last grew (0: at once). The desired count a trim follows was
    # computed from datapoints older than the capacity that just arrived.
    trim_hold_seconds: int = 120
    # The router's REST API and stage (AWS/ApiGateway Count); None: backlog only.
    router_api_name: str | None = None
    router_api_stage: str | None = None
    dispatch: str = "direct"
    queue: QueueSpec | None = None
    # Direct mode, async: the router's log line per routed request carries the burst
    # signal, RoutedPerCapacity (a high-resolution EMF metric; burst_signal.py).
    burst_signal: bool = True

    def endpoint(self, name: str) -> EndpointSpec | None:
        for spec in self.endpoints:
            if spec.name == name:
                return spec
        return None

    @property
    def endpoint_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.endpoints)

    @property
    def by_priority(self) -> tuple[EndpointSpec, ...]:
        """Endpoints from the highest priority (1) to the lowest; ties keep config order."""
        return tuple(sorted(self.endpoints, key=lambda spec: spec.priority))


@dataclass(frozen=True)
class EndpointObservation:
    """What DescribeEndpoint says about one endpoint right now."""

    name: str
    status: str
    current_instances: int
    desired_instances: int | None = None
    failure_reason: str | None = None
    # Set when DescribeEndpoint does not match FLEET_CONFIG (the configured variant is
    # missing): a configuration error, not "0 instances".
    config_error: str | None = None


@dataclass(frozen=True)
class EndpointState:
    """What the control plane remembers about one endpoint."""

    name: str
    status: str = IN_SERVICE
    current: int = 0
    target: int | None = None  # the count the plan wants
    requested: int | None = None  # count of an update believed to be in flight
    requested_at: float = 0.0
    blocked_until: float = 0.0  # until then the endpoint may not grow (capacity failure)
    rolled_back: bool = False  # a rollback was seen since the last request
    last_error: str | None = None
    config_error: str | None = None  # FLEET_CONFIG does not match the endpoint
    claim: str | None = None  # token of the invocation that claimed ``requested``
    # ApproximateBacklogSize (waiting + in flight) and the time of its datapoint, as the
    # reconciler last read it from CloudWatch; None when there is no datapoint.
    backlog: float | None = None
    backlog_at: float = 0.0
    drain_started_at: float = 0.0  # when its last instances were first held for a backlog
    # When the control plane first saw it with no instance (0.0 while it has instances): a
    # backlog datapoint whose minute began earlier counted work in flight on instances that
    # have left, so it does not show work waiting where nothing serves.
    emptied_at: float = 0.0

    def fresh_backlog(self, now: float, max_age: float) -> float | None:
        """The stored backlog when its datapoint is at most ``max_age`` old, else None."""
        if self.backlog is None or now - self.backlog_at > max_age:
            return None
        return self.backlog

    @classmethod
    def observed(cls, obs: EndpointObservation) -> EndpointState:
        """What we know of an endpoint from DescribeEndpoint alone (no plan yet)."""
        return cls(
            name=obs.name,
            status=obs.status,
            current=obs.current_instances,
            config_error=obs.config_error,
        )

    @property
    def serving(self) -> int:
        """Instances that count toward actual capacity (a serving status)."""
        return self.current if self.status in SERVING_STATUSES else 0

    @property
    def expected(self) -> int:
        """Instances the endpoint has once the update in flight (if any) lands."""
        return self.requested if self.requested is not None else self.current

    def is_blocked(self, now: float) -> bool:
        return self.blocked_until > now


@dataclass(frozen=True)
class Activity:
    """The scaling activity Application Auto Scaling is waiting on."""

    number: int = 0
    status: ScalingStatus = "Successful"
    started_at: float = 0.0
    progress_at: float = 0.0
    updates_issued: int = 0
    failure_reason: str | None = None


@dataclass(frozen=True)
class FleetState:
    """The single state item of a fleet; ``version`` (the lock counter) guards every write."""

    fleet_name: str
    desired: int
    planned: int
    actual: int
    activity: Activity
    endpoints: dict[str, EndpointState] = field(default_factory=dict)
    version: int = 0  # the lock counter: internal, changes on every write
    updated_at: float = 0.0
    # What the scaling API answers as ``version``: written once when the item is
    # created and fixed for the life of the fleet's dimension (DESIGN 3.4).
    dimension_version: str = ""
    # When the reconciler last saw the fleet busy (arrivals or waiting work); 0: never.
    last_busy_at: float = 0.0
    # When the fleet's serving capacity last grew (0: never seen growing): trims wait
    # ``trim_hold_seconds`` from then.
    grew_at: float = 0.0

    def endpoint(self, name: str) -> EndpointState:
        return self.endpoints.get(name, EndpointState(name=name, status=DELETED))

    def with_endpoint(self, endpoint: EndpointState) -> FleetState:
        endpoints = dict(self.endpoints)
        endpoints[endpoint.name] = endpoint
        return replace(self, endpoints=endpoints)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> FleetState:
        """Parse a stored item; fields this release does not know are ignored.

        A newer release may have added fields: rolling the functions back must not
        break every handler.
        """
        raw: dict[str, Any] = json.loads(text)
        endpoints = {
            name: EndpointState(**_known(EndpointState, values))
            for name, values in raw.pop("endpoints", {}).items()
        }
        activity = Activity(**_known(Activity, raw.pop("activity")))
        return cls(activity=activity, endpoints=endpoints, **_known(cls, raw))


def _known(kind: type, values: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(kind)}
    return {key: value for key, value in values.items() if key in names}


@dataclass(frozen=True)
class UpdateAction:
    """One UpdateEndpointWeightsAndCapacities call the plan asks for."""

    endpoint: str
    variant: str
    instances: int


@dataclass(frozen=True)
class BacklogSample:
    """An endpoint's ApproximateBacklogSize datapoint: value and epoch time of the datapoint."""

    value: float
    at: float


@dataclass(frozen=True)
class FleetMetrics:
    """One GetMetricData read: each endpoint's latest backlog, and when the fleet was busy.

    ``busy_at``: the end of the latest minute with arrivals (router Count), waiting work
    (an endpoint's backlog, the fleet queue's visible messages) > 0; None: none seen.
    """

    backlog: dict[str, BacklogSample]
    busy_at: float | None = None


@dataclass(frozen=True)
class UpdateRejection:
    """Why SageMaker did not accept an UpdateEndpointWeightsAndCapacities call."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code or 'Error'}: {self.message}"
