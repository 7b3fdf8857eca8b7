"""The fleet's state machine (pure): observations and commands in, new state and updates out.

Every handler goes through :func:`step`. It folds fresh ``DescribeEndpoint``
observations into the state, re-plans the whole fleet from the desired
capacity, claims the updates it wants issued, and derives the activity status
that Application Auto Scaling sees. Nothing here calls AWS or reads a clock.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

from .model import (
    IN_SERVICE,
    PLANNABLE_STATUSES,
    ROLLING_BACK,
    UPDATABLE_STATUS,
    UPDATING,
    Activity,
    EndpointObservation,
    EndpointState,
    FleetConfig,
    FleetState,
    UpdateAction,
)
from .planner import Plan, PlanEndpoint, plan

# How long a claimed update may stay unconfirmed by DescribeEndpoint before
# the claim is considered lost (the function died between claim and call).
UPDATE_GRACE_SECONDS = 120.0


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
    state = replace(current, status=obs.status, current=obs.current_instances, rolled_back=rolled)
    if obs.status not in PLANNABLE_STATUSES:
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


def planning_endpoints(
    config: FleetConfig, endpoints: Mapping[str, EndpointState], now: float
) -> list[PlanEndpoint]:
    """The endpoints that can hold capacity, with blocks folded into their bounds."""
    result: list[PlanEndpoint] = []
    for spec in config.endpoints:
        state = endpoints.get(spec.name)
        if state is None or state.status not in PLANNABLE_STATUSES:
            continue
        high = spec.max_instances
        if state.is_blocked(now):
            high = max(spec.min_instances, min(high, state.current))
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
) -> list[UpdateAction]:
    """Updates to issue now; shrinking waits while growth elsewhere has not landed."""
    growing = False
    grow: list[UpdateAction] = []
    shrink: list[tuple[int, int, UpdateAction]] = []
    for spec in config.endpoints:
        state = endpoints.get(spec.name)
        if state is None or state.target is None:
            continue
        if state.target > state.current:
            growing = True
        if state.status != UPDATABLE_STATUS or state.requested is not None:
            continue  # deferred: issued once the endpoint is InService again
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
        # Make before break: only shrink below the plan once nothing is growing.
        if not growing or serving - loss >= planned_capacity:
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
        unavailable = [
            spec.name
            for spec in config.endpoints
            if fleet_plan.counts.get(spec.name) is None
            or ((ep := state.endpoints.get(spec.name)) is not None and ep.is_blocked(now))
        ]
        reason = (
            f"desired capacity {fleet_plan.desired} is not reachable; the endpoints that "
            f"can take capacity hold at most {fleet_plan.capacity}"
        )
        if unavailable:
            reason += f" (unavailable or blocked: {', '.join(unavailable)})"
        return replace(activity, status="Failed", failure_reason=reason)
    if activity.status == "Failed" and not actions:
        return activity
    return replace(activity, status="InProgress" if activity.updates_issued else "Pending")


def step(
    state: FleetState,
    config: FleetConfig,
    now: float,
    *,
    observations: Mapping[str, EndpointObservation] | None = None,
    rolled_back: Collection[str] = (),
    desired: int | None = None,
    check_timeout: bool = False,
) -> Decision:
    """One control decision: observe, (re)plan, claim updates, derive the status."""
    gap_before = abs(state.actual - state.planned)
    current, landed = apply_observations(state, config, observations or {}, now, rolled_back)
    if desired is not None and desired != current.desired:
        current = set_desired(current, desired, now)

    timed_out = check_timeout and _timed_out(current, config, now)
    if timed_out:
        current = _time_out(current, config, now)

    fleet_plan = plan(
        config.strategy, current.desired, planning_endpoints(config, current.endpoints, now)
    )
    endpoints = {
        name: replace(ep, target=fleet_plan.counts.get(name))
        for name, ep in current.endpoints.items()
    }
    actions = [] if timed_out else _select_actions(config, endpoints, fleet_plan.capacity)
    for action in actions:
        endpoints[action.endpoint] = replace(
            endpoints[action.endpoint],
            requested=action.instances,
            requested_at=now,
            rolled_back=False,
            last_error=None,
        )
    current = replace(current, endpoints=endpoints)
    actual = fleet_capacity(config, endpoints)
    progressed = bool(actions) or landed or abs(actual - fleet_plan.capacity) < gap_before
    activity = _next_activity(
        current, config, fleet_plan, actual, len(actions), progressed, timed_out, now
    )
    current = replace(current, actual=actual, planned=fleet_plan.capacity, activity=activity)
    return Decision(state=current, actions=tuple(actions), plan=fleet_plan)


def record_results(state: FleetState, results: Mapping[str, str | None], now: float) -> FleetState:
    """Fold the outcome of issued updates: ``None`` = accepted, else the error text.

    A rejected update releases its claim, so the next step issues it again
    (SageMaker rejects updates while an endpoint is Updating: that is a
    deferred update, re-issued when the endpoint is InService).
    """
    endpoints = dict(state.endpoints)
    rejected = 0
    for name, error in results.items():
        ep = endpoints.get(name)
        if ep is None:
            continue
        if error is None:
            endpoints[name] = replace(ep, last_error=None)
        else:
            rejected += 1
            endpoints[name] = replace(ep, requested=None, last_error=error)
    activity = state.activity
    if rejected:
        issued = max(activity.updates_issued - rejected, 0)
        status = activity.status
        if status == "InProgress" and issued == 0:
            status = "Pending"
        activity = replace(activity, updates_issued=issued, status=status)
    return replace(state, endpoints=endpoints, activity=activity)
