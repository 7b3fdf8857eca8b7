"""The fleet's state machine (pure): observations and commands in, new state and updates out.

Every handler goes through :func:`step`. It folds fresh ``DescribeEndpoint``
observations into the state, re-plans the whole fleet from the desired
capacity, claims the updates it wants issued, and derives the activity status
that Application Auto Scaling sees. Nothing here calls AWS or reads a clock.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from .model import (
    IN_SERVICE,
    PLANNABLE_STATUSES,
    ROLLING_BACK,
    UPDATABLE_STATUS,
    UPDATING,
    Activity,
    BacklogSample,
    EndpointObservation,
    EndpointState,
    FleetConfig,
    FleetState,
    UpdateAction,
    UpdateRejection,
)
from .planner import Plan, PlanEndpoint, plan

# How long a claimed update may stay unconfirmed by DescribeEndpoint before
# the claim is considered lost (the function died between claim and call).
UPDATE_GRACE_SECONDS = 120.0

RejectionKind = Literal["busy", "blocking", "transient"]

# UpdateEndpointWeightsAndCapacities documents one error of its own, ResourceLimitExceeded
# (HTTP 400: the account's quota for the instance type is used up), plus the errors common
# to every AWS API (AccessDeniedException, ThrottlingException, ValidationError, 5xx); see
# https://docs.aws.amazon.com/sagemaker/latest/dg/API_UpdateEndpointWeightsAndCapacities.html
# and the "Common Errors" page of the SageMaker API reference. SageMaker answers an update
# of an endpoint that is not InService with ValidationException 'Cannot update in-progress
# endpoint ...'.
BLOCKING_CODES = frozenset(
    {"ResourceLimitExceeded", "AccessDenied", "AccessDeniedException", "NotAuthorized"}
)
VALIDATION_CODES = frozenset({"ValidationException", "ValidationError"})
BUSY_MARKERS = ("in-progress", "in progress", "updating", "busy")


def classify_rejection(rejection: UpdateRejection) -> RejectionKind:
    """What a rejected update means for the endpoint.

    ``busy``: the endpoint is being updated; the update is deferred until it is InService.
    ``blocking``: this endpoint cannot grow now (quota, permissions, a request SageMaker
    will keep refusing); it is blocked for ``capacity_retry_seconds`` and the plan spills.
    ``transient``: throttling or a server error; retried on the next invocation.
    """
    if rejection.code in BLOCKING_CODES:
        return "blocking"
    if rejection.code in VALIDATION_CODES:
        message = rejection.message.lower()
        return "busy" if any(marker in message for marker in BUSY_MARKERS) else "blocking"
    return "transient"


@dataclass(frozen=True)
class Decision:
    state: FleetState
    actions: tuple[UpdateAction, ...] = ()
    plan: Plan | None = None


def fleet_capacity(config: FleetConfig, endpoints: Mapping[str, EndpointState]) -> int:
    """Actual capacity: serving instances x capacity per instance, over the fleet."""
    total = 0
    for spec in config.endpoints:
        state = endpoints.get(spec.name)
        if state is not None:
            total += state.serving * spec.capacity_per_instance
    return total


def _clamp_desired(config: FleetConfig, value: int) -> int:
    return min(max(value, config.min_capacity), config.max_capacity)


def initial_state(
    config: FleetConfig, observations: Mapping[str, EndpointObservation], now: float
) -> FleetState:
    """A state rebuilt from DescribeEndpoint: desired = the observed actual capacity."""
    endpoints = {
        name: EndpointState.observed(obs)
        for name, obs in observations.items()
        if config.endpoint(name) is not None
    }
    actual = fleet_capacity(config, endpoints)
    activity = Activity(number=1, status="Pending", started_at=now, progress_at=now)
    return FleetState(
        fleet_name=config.fleet_name,
        desired=_clamp_desired(config, actual),
        planned=actual,
        actual=actual,
        activity=activity,
        endpoints=endpoints,
        dimension_version=str(int(now * 1000)),
    )


def _observe_endpoint(
    current: EndpointState,
    obs: EndpointObservation,
    config: FleetConfig,
    now: float,
    rolled_back: bool,
) -> tuple[EndpointState, bool]:
    """Fold one observation into an endpoint's state; True when an update landed."""
    rolled = current.rolled_back or rolled_back or obs.status == ROLLING_BACK
    emptied_at = 0.0
    if obs.current_instances == 0:
        still_empty = current.current == 0 and current.emptied_at > 0
        emptied_at = current.emptied_at if still_empty else now
    state = replace(
        current,
        status=obs.status,
        current=obs.current_instances,
        rolled_back=rolled,
        config_error=obs.config_error,
        emptied_at=emptied_at,
    )
    if obs.status not in PLANNABLE_STATUSES or obs.config_error:
        return replace(state, requested=None, target=None, rolled_back=False), False
    if state.requested is not None and obs.status == IN_SERVICE:
        if obs.current_instances == state.requested:
            return replace(state, requested=None, rolled_back=False, last_error=None), True
        failed = rolled or bool(obs.failure_reason)
        if failed or now - state.requested_at >= UPDATE_GRACE_SECONDS:
            if failed and state.requested > obs.current_instances:
                # SageMaker could not get the instances (InsufficientCapacity and
                # similar) and rolled back: let other endpoints take the capacity.
                state = replace(
                    state,
                    blocked_until=now + config.capacity_retry_seconds,
                    last_error=obs.failure_reason or "update rolled back",
                )
            return replace(state, requested=None, rolled_back=False), False
        return state, False
    if (
        obs.status == UPDATING
        and obs.desired_instances is not None
        and obs.desired_instances != obs.current_instances
        and (state.requested is None or now - state.requested_at >= UPDATE_GRACE_SECONDS)
    ):
        # An update is in flight that we did not record (lost claim or a manual change).
        return replace(state, requested=obs.desired_instances, requested_at=now), False
    return state, False


def apply_observations(
    state: FleetState,
    config: FleetConfig,
    observations: Mapping[str, EndpointObservation],
    now: float,
    rolled_back: Collection[str] = (),
) -> tuple[FleetState, bool]:
    """Fold observations into the state; True when any in-flight update landed."""
    endpoints = {name: ep for name, ep in state.endpoints.items() if config.endpoint(name)}
    landed = False
    for name, obs in observations.items():
        if config.endpoint(name) is None:
            continue
        previous = endpoints.get(name, EndpointState(name=name))
        endpoints[name], done = _observe_endpoint(previous, obs, config, now, name in rolled_back)
        landed = landed or done
    return replace(state, endpoints=endpoints), landed


def with_backlog(state: FleetState, backlog: Mapping[str, BacklogSample]) -> FleetState:
    """Store the latest backlog datapoint of each endpoint (None where there is none)."""
    endpoints = {}
    for name, ep in state.endpoints.items():
        sample = backlog.get(name)
        endpoints[name] = replace(
            ep,
            backlog=None if sample is None else sample.value,
            backlog_at=0.0 if sample is None else sample.at,
        )
    return replace(state, endpoints=endpoints)


def planning_endpoints(
    config: FleetConfig, endpoints: Mapping[str, EndpointState], now: float
) -> list[PlanEndpoint]:
    """The endpoints that can hold capacity, with blocks folded into their bounds."""
    result: list[PlanEndpoint] = []
    for spec in config.endpoints:
        state = endpoints.get(spec.name)
        if state is None or state.status not in PLANNABLE_STATUSES or state.config_error:
            continue
        high = spec.max_instances
        if state.is_blocked(now):
            high = max(spec.min_instances, min(high, state.current))
        if state.requested is not None and state.requested < state.current:
            # A trim is in flight: the endpoint is Updating and cannot take growth until
            # it lands, so growth goes to the others instead of waiting for it.
            high = max(spec.min_instances, min(high, state.requested))
        result.append(
            PlanEndpoint(
                name=spec.name,
                capacity_per_instance=spec.capacity_per_instance,
                priority=spec.priority,
                low=spec.min_instances,
                high=high,
                base=state.expected,
                serving=state.serving,
                share=spec.share,
            )
        )
    return result


def _select_actions(
    config: FleetConfig,
    endpoints: Mapping[str, EndpointState],
    planned_capacity: int,
    skip: Collection[str] = (),
    hold_trims: bool = False,
) -> list[UpdateAction]:
    """Updates to issue now; shrinking waits while growth elsewhere has not landed.

    Endpoints in ``skip`` were already called in this invocation: they are not
    called twice. ``hold_trims`` (the fleet grew less than ``trim_hold_seconds``
    ago) defers every decrease; the next reconcile or event after the hold issues it.
    """
    grow: list[UpdateAction] = []
    shrink: list[tuple[int, int, UpdateAction]] = []
    for spec in config.endpoints:
        state = endpoints.get(spec.name)
        if state is None or state.target is None:
            continue
        if state.status != UPDATABLE_STATUS or state.requested is not None:
            continue  # deferred: issued once the endpoint is InService again
        if spec.name in skip:
            continue
        if state.target == state.current:
            continue
        action = UpdateAction(spec.name, spec.variant, state.target)
        if state.target > state.current:
            grow.append(action)
        else:
            loss = (state.current - state.target) * spec.capacity_per_instance
            shrink.append((-spec.priority, loss, action))
    actions = list(grow)
    serving = fleet_capacity(config, endpoints)
    for _, loss, action in sorted(shrink, key=lambda item: item[0]):
        # Make before break: a decrease never takes the serving capacity below the
        # plan, so none runs while an increase it relies on is pending, and none
        # lowers actual capacity while desired >= actual (planned >= desired).
        if serving - loss >= planned_capacity and not hold_trims:
            actions.append(action)
            serving -= loss
    return actions


def _undelivered(config: FleetConfig, state: FleetState) -> list[str]:
    return [
        spec.name
        for spec in config.endpoints
        if (ep := state.endpoints.get(spec.name)) is not None
        and ep.target is not None
        and ep.target > ep.current
    ]


def drain_holds(
    config: FleetConfig,
    endpoints: Mapping[str, EndpointState],
    counts: Mapping[str, int],
    now: float,
) -> tuple[dict[str, int], dict[str, float]]:
    """Drain before scale-in: instances to hold per endpoint, and drain start times.

    On an async fleet, an endpoint whose stored backlog (not older than
    ``backlog_max_age_seconds``) is above 0 and that the plan would leave with 0
    instances keeps one instance: its last instances leave only when its backlog
    is 0, or once ``drain_timeout_seconds`` have passed since the hold started.
    The same hold gives an endpoint with waiting work and no instance one
    instance (if it may grow), so no queue waits where nothing serves, but only on
    a datapoint whose minute began after its last instance left (``emptied_at``):
    an older one counted requests in flight on the instances that left, and
    reading it as waiting work gave a just-trimmed endpoint its instance back,
    an update that kept it Updating when the next scale-out came. The
    start time stays set while the backlog lasts (a timed-out hold does not come
    back) and is cleared when the backlog is 0 or unknown, or the plan keeps
    instances there on its own. Returns (floors, drain_started_at per endpoint).
    """
    floors: dict[str, int] = {}
    started: dict[str, float] = {}
    if config.invocation_mode != "async":
        return floors, started
    for spec in config.endpoints:
        ep = endpoints.get(spec.name)
        if ep is None or ep.status not in PLANNABLE_STATUSES or ep.config_error:
            continue
        backlog = ep.fresh_backlog(now, config.backlog_max_age_seconds)
        if ep.current == 0 and ep.backlog_at < ep.emptied_at:
            backlog = None  # measured while instances it no longer has still served
        if backlog is None or backlog <= 0 or counts.get(spec.name, 0) > 0:
            started[spec.name] = 0.0
            continue
        may_hold = spec.max_instances >= 1 and (ep.current > 0 or not ep.is_blocked(now))
        if not may_hold:
            started[spec.name] = 0.0
            continue
        since = ep.drain_started_at or now
        started[spec.name] = since
        if now - since < config.drain_timeout_seconds:
            floors[spec.name] = 1
    return floors, started


def endpoint_limits(config: FleetConfig, state: FleetState, now: float) -> dict[str, str]:
    """Why each endpoint cannot take more capacity (for ``failureReason`` and the log)."""
    limits: dict[str, str] = {}
    for spec in config.endpoints:
        ep = state.endpoints.get(spec.name)
        if ep is None:
            limits[spec.name] = "not seen by DescribeEndpoint"
        elif ep.config_error:
            limits[spec.name] = f"configuration error: {ep.config_error}"
        elif ep.status not in PLANNABLE_STATUSES:
            limits[spec.name] = f"endpoint is {ep.status}"
        elif ep.is_blocked(now):
            limits[spec.name] = (
                f"may not grow for {ep.blocked_until - now:.0f}s after: "
                f"{ep.last_error or 'a failed update'}"
            )
        elif (ep.target if ep.target is not None else ep.current) >= spec.max_instances:
            limits[spec.name] = f"at max_instances ({spec.max_instances})"
        else:
            limits[spec.name] = f"planned {ep.target} of max_instances {spec.max_instances}"
    return limits


def _time_out(state: FleetState, config: FleetConfig, now: float) -> FleetState:
    """Mark the activity Failed and stop planning growth on the endpoints that stalled."""
    stalled = _undelivered(config, state)
    endpoints = dict(state.endpoints)
    for name in stalled:
        endpoints[name] = replace(
            endpoints[name],
            blocked_until=now + config.capacity_retry_seconds,
            last_error=f"no progress for {config.activity_timeout_seconds}s",
        )
    reason = f"no progress for {config.activity_timeout_seconds}s" + (
        f"; endpoints that did not deliver: {', '.join(stalled)}" if stalled else ""
    )
    activity = replace(state.activity, status="Failed", failure_reason=reason)
    return replace(state, endpoints=endpoints, activity=activity)


def _timed_out(state: FleetState, config: FleetConfig, now: float) -> bool:
    activity = state.activity
    if activity.status not in ("Pending", "InProgress"):
        return False
    since = max(activity.started_at, activity.progress_at)
    return now - since > config.activity_timeout_seconds


def set_desired(state: FleetState, desired: int, now: float) -> FleetState:
    """A new desired capacity starts a new activity; the latest value always wins."""
    activity = Activity(
        number=state.activity.number + 1,
        status="Pending",
        started_at=now,
        progress_at=now,
    )
    return replace(state, desired=desired, activity=activity)


def _next_activity(
    state: FleetState,
    config: FleetConfig,
    fleet_plan: Plan,
    actual: int,
    actions: int,
    progressed: bool,
    timed_out: bool,
    now: float,
) -> Activity:
    activity = state.activity
    converged = actual == fleet_plan.capacity
    if converged and fleet_plan.reachable:
        if activity.status == "Successful":
            return activity
        return replace(activity, status="Successful", failure_reason=None, progress_at=now)
    if activity.status == "Successful" or (activity.status == "Failed" and actions):
        # Drift after success, or a re-drive of a failed activity: a new attempt.
        activity = replace(
            activity, started_at=now, progress_at=now, updates_issued=0, failure_reason=None
        )
    if progressed:
        activity = replace(activity, progress_at=now)
    activity = replace(activity, updates_issued=activity.updates_issued + actions)
    if timed_out:
        return replace(activity, status="Failed")
    in_flight = any(ep.requested is not None for ep in state.endpoints.values())
    if converged and not actions and not in_flight:
        reasons = "; ".join(
            f"{name}: {why}" for name, why in endpoint_limits(config, state, now).items()
        )
        reason = (
            f"desired capacity {fleet_plan.desired} is not reachable; the endpoints that "
            f"can take capacity hold at most {fleet_plan.capacity} ({reasons})"
        )
        return replace(activity, status="Failed", failure_reason=reason)
    if activity.status == "Failed" and not actions:
        return activity
    return replace(activity, status="InProgress" if activity.updates_issued else "Pending")


def idle_guard(config: FleetConfig, last_busy_at: float, now: float) -> bool:
    """True when a plan of 0 capacity must keep the fleet's smallest capacity instead.

    Target tracking asks for 0 on the first minute its metric reads 0, even when
    requests arrive every other minute (issue 11). The fleet reaches 0 only after
    ``scale_to_zero_idle_seconds`` without arrivals or waiting work; 0 disables the
    guard, and a fleet never seen busy (``last_busy_at`` 0) is not held.
    """
    idle = config.scale_to_zero_idle_seconds
    return idle > 0 and last_busy_at > 0 and now - last_busy_at < idle


def step(
    state: FleetState,
    config: FleetConfig,
    now: float,
    *,
    observations: Mapping[str, EndpointObservation] | None = None,
    rolled_back: Collection[str] = (),
    desired: int | None = None,
    check_timeout: bool = False,
    skip: Collection[str] = (),
    token: str | None = None,
    backlog: Mapping[str, BacklogSample] | None = None,
    busy_at: float | None = None,
) -> Decision:
    """One control decision: observe, (re)plan, claim updates, derive the status.

    ``skip`` names endpoints already called in this invocation (never called twice);
    ``token`` identifies the invocation and is written into each claim it makes.
    ``backlog`` (the reconciler's CloudWatch read) replaces each endpoint's stored
    backlog; an endpoint without a datapoint gets None. ``busy_at`` (same read: when the
    fleet last had arrivals or waiting work) moves ``last_busy_at`` forward; while it is
    recent, :func:`idle_guard` keeps the fleet's smallest capacity instead of 0.
    Claiming is not progress: only an update SageMaker accepted (:func:`record_results`),
    an update that landed, or actual capacity moving toward the plan is.
    """
    gap_before = abs(state.actual - state.planned)
    current, landed = apply_observations(state, config, observations or {}, now, rolled_back)
    if backlog is not None:
        current = with_backlog(current, backlog)
    if busy_at is not None and min(busy_at, now) > current.last_busy_at:
        current = replace(current, last_busy_at=min(busy_at, now))
    if desired is not None and desired != current.desired:
        current = set_desired(current, desired, now)

    timed_out = check_timeout and _timed_out(current, config, now)
    if timed_out:
        current = _time_out(current, config, now)

    plan_endpoints = planning_endpoints(config, current.endpoints, now)
    fleet_plan = plan(config.strategy, current.desired, plan_endpoints)
    floors, drains = drain_holds(config, current.endpoints, fleet_plan.counts, now)
    if floors:
        # Hold capacity where work waits, on top of the desired capacity (nothing
        # else moves): plan again with the holds as lower bounds.
        held = [
            replace(pe, low=min(max(pe.low, floors.get(pe.name, 0)), pe.high))
            for pe in plan_endpoints
        ]
        extra = sum(
            floors.get(pe.name, 0) * pe.capacity_per_instance
            for pe in held
            if fleet_plan.counts.get(pe.name, 0) == 0
        )
        widened = plan(config.strategy, current.desired + extra, held)
        fleet_plan = Plan(desired=current.desired, capacity=widened.capacity, counts=widened.counts)
    if fleet_plan.capacity == 0 and idle_guard(config, current.last_busy_at, now):
        # Scale to zero only once the fleet has been idle: hold its smallest capacity.
        smallest = plan(config.strategy, 1, plan_endpoints)
        fleet_plan = Plan(
            desired=current.desired, capacity=smallest.capacity, counts=smallest.counts
        )
    endpoints = {
        name: replace(
            ep,
            target=fleet_plan.counts.get(name),
            drain_started_at=drains.get(name, ep.drain_started_at),
        )
        for name, ep in current.endpoints.items()
    }
    # A trim follows a desired count computed from datapoints older than capacity that
    # has just arrived (and than the demand since): trimming at once can put an endpoint
    # in Updating just before the burst that the next datapoint shows, and SageMaker
    # takes no new count on an Updating endpoint, so the burst's order would wait.
    hold_trims = now - current.grew_at < config.trim_hold_seconds
    actions = (
        []
        if timed_out
        else _select_actions(config, endpoints, fleet_plan.capacity, skip, hold_trims)
    )
    for action in actions:
        endpoints[action.endpoint] = replace(
            endpoints[action.endpoint],
            requested=action.instances,
            requested_at=now,
            rolled_back=False,
            last_error=None,
            claim=token,
        )
    current = replace(current, endpoints=endpoints)
    actual = fleet_capacity(config, endpoints)
    progressed = landed or abs(actual - fleet_plan.capacity) < gap_before
    activity = _next_activity(
        current, config, fleet_plan, actual, len(actions), progressed, timed_out, now
    )
    grew_at = now if actual > state.actual else current.grew_at
    current = replace(
        current, actual=actual, planned=fleet_plan.capacity, activity=activity, grew_at=grew_at
    )
    return Decision(state=current, actions=tuple(actions), plan=fleet_plan)


def record_results(
    state: FleetState,
    config: FleetConfig,
    results: Mapping[str, UpdateRejection | None],
    now: float,
) -> FleetState:
    """Fold the outcome of issued updates: ``None`` = accepted, else the rejection.

    An accepted update is progress. A rejected one releases its claim; what
    happens next depends on :func:`classify_rejection`: a ``busy`` endpoint is
    Updating (its update is re-issued once it is InService), a ``blocking`` one
    may not grow for ``capacity_retry_seconds`` (the next step plans the
    capacity elsewhere), a ``transient`` one is retried on the next invocation.
    """
    endpoints = dict(state.endpoints)
    rejected = 0
    accepted = False
    for name, rejection in results.items():
        ep = endpoints.get(name)
        if ep is None:
            continue
        if rejection is None:
            accepted = True
            endpoints[name] = replace(ep, last_error=None, claim=None)
            continue
        rejected += 1
        kind = classify_rejection(rejection)
        ep = replace(ep, requested=None, last_error=str(rejection), claim=None)
        if kind == "busy":
            ep = replace(ep, status=UPDATING)
        elif kind == "blocking":
            ep = replace(ep, blocked_until=now + config.capacity_retry_seconds)
        endpoints[name] = ep
    activity = state.activity
    if accepted:
        activity = replace(activity, progress_at=now)
    if rejected:
        issued = max(activity.updates_issued - rejected, 0)
        status = activity.status
        if status == "InProgress" and issued == 0:
            status = "Pending"
        activity = replace(activity, updates_issued=issued, status=status)
    return replace(state, endpoints=endpoints, activity=activity)


def own_claims(
    state: FleetState, config: FleetConfig, token: str, issued: Collection[str] = ()
) -> tuple[UpdateAction, ...]:
    """Updates this invocation claimed in ``state`` and has not issued yet (not in ``issued``).

    A claim write that DynamoDB applied but the client saw fail (a lost answer,
    then a retry that meets its own write's condition) looks like a conflict;
    the reloaded state then holds these claims, and the calls must still be made.
    """
    actions: list[UpdateAction] = []
    for spec in config.endpoints:
        ep = state.endpoints.get(spec.name)
        if (
            ep is not None
            and ep.claim == token
            and ep.requested is not None
            and spec.name not in issued
        ):
            actions.append(UpdateAction(spec.name, spec.variant, ep.requested))
    return tuple(actions)
