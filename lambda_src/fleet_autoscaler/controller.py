"""Apply control decisions: read state, step, write conditionally, call SageMaker.

Writes follow one rule: an update is *claimed* in the state item (a write
conditional on the version read) before SageMaker is called, so concurrent
functions never issue the same update twice, and its outcome is folded back
with another conditional write. On a version conflict the whole decision is
recomputed from the fresh item, after a jittered back-off, a bounded number
of times.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace

from . import log
from .control import (
    Decision,
    classify_rejection,
    initial_state,
    own_claims,
    record_results,
    step,
)
from .events import EndpointChange
from .http import Conflict
from .metrics import BacklogReader
from .model import EndpointObservation, FleetConfig, FleetMetrics, FleetState, UpdateRejection
from .sagemaker import EndpointGateway
from .state import StateStore, VersionConflict

MAX_ATTEMPTS = 10
BACKOFF_BASE_SECONDS = 0.02
BACKOFF_CAP_SECONDS = 0.5

# (stored state, now, this invocation's claim token) -> decision
Mutation = Callable[[FleetState, float, str], Decision]


class FleetController:
    def __init__(
        self,
        config: FleetConfig,
        store: StateStore,
        gateway: EndpointGateway,
        clock: Callable[[], float],
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = MAX_ATTEMPTS,
        new_token: Callable[[], str] = lambda: uuid.uuid4().hex,
        backlog: BacklogReader | None = None,
    ) -> None:
        self.config = config
        self._store = store
        self._gateway = gateway
        self._clock = clock
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._new_token = new_token
        self._backlog = backlog

    # -- public operations, one per trigger -------------------------------------------------

    def status(self) -> FleetState:
        """The stored state; rebuilt from DescribeEndpoint when the item is missing."""
        loaded = self._store.load()
        if loaded is not None:
            return self._published(loaded)
        return self._commit(lambda state, now, token: step(state, self.config, now, token=token))

    def set_desired(self, desired: int) -> FleetState:
        """Application Auto Scaling's PATCH: repeated values make no SageMaker call."""
        loaded = self._store.load()
        if loaded is not None and loaded.desired == desired and loaded.activity.status != "Failed":
            log.info("desired capacity unchanged", fleet=self.config.fleet_name, desired=desired)
            return self._published(loaded)
        observations = self._gateway.describe_all(self.config)
        return self._commit(
            lambda state, now, token: step(
                state, self.config, now, observations=observations, desired=desired, token=token
            ),
            observations,
        )

    def endpoint_changed(self, change: EndpointChange) -> FleetState:
        spec = self.config.endpoint(change.endpoint)
        if spec is None:
            raise ValueError(f"{change.endpoint} is not in the fleet")
        observation = {spec.name: self._gateway.describe(spec)}
        rolled_back = {spec.name} if change.rolled_back else set()
        self._log_config_errors(observation)
        return self._commit(
            lambda state, now, token: step(
                state,
                self.config,
                now,
                observations=observation,
                rolled_back=rolled_back,
                token=token,
            )
        )

    def reconcile(self) -> FleetState:
        """Re-read every endpoint and its backlog, repair drift, time out stalled activities."""
        observations = self._gateway.describe_all(self.config)
        metrics = self._read_metrics()
        return self._commit(
            lambda state, now, token: step(
                state,
                self.config,
                now,
                observations=observations,
                check_timeout=True,
                token=token,
                backlog=None if metrics is None else metrics.backlog,
                busy_at=None if metrics is None else metrics.busy_at,
            ),
            observations,
        )

    def _read_metrics(self) -> FleetMetrics | None:
        if self._backlog is None:
            return None
        try:
            return self._backlog.read_fleet(self.config, self._clock())
        except Exception as exc:  # a metrics outage must not stop the repair loop
            log.warning(
                "backlog read failed", fleet=self.config.fleet_name, error=type(exc).__name__
            )
            return None

    # -- the write protocol ------------------------------------------------------------------

    def _backoff(self, attempt: int) -> None:
        ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * (2**attempt))
        self._sleep(random.uniform(0, ceiling))  # full jitter

    def _transact(
        self,
        mutate: Mutation,
        observations: Mapping[str, EndpointObservation] | None,
        token: str,
        issued: Collection[str] = (),
    ) -> Decision:
        for attempt in range(self._max_attempts):
            now = self._clock()
            loaded = self._store.load()
            try:
                if loaded is None:
                    seen = observations or self._gateway.describe_all(self.config)
                    observations = seen
                    decision = mutate(initial_state(self.config, seen, now), now, token)
                    stored = self._store.create(decision.state, now)
                    log.info(
                        "state item created from DescribeEndpoint",
                        fleet=self.config.fleet_name,
                        desired=stored.desired,
                    )
                    return replace(decision, state=stored)
                if attempt > 0 and (mine := own_claims(loaded, self.config, token, issued)):
                    # Our previous write was applied although it looked like a conflict.
                    log.info(
                        "found this invocation's own claim",
                        fleet=self.config.fleet_name,
                        updates=[(a.endpoint, a.instances) for a in mine],
                    )
                    return Decision(state=loaded, actions=mine)
                decision = mutate(loaded, now, token)
                if decision.state == loaded and not decision.actions:
                    return decision
                stored = self._store.save(decision.state, loaded.version, now)
                return replace(decision, state=stored)
            except VersionConflict:
                log.info(
                    "state changed concurrently; retrying",
                    fleet=self.config.fleet_name,
                    attempt=attempt + 1,
                )
                self._backoff(attempt)
        raise Conflict(
            f"fleet {self.config.fleet_name}: state kept changing; gave up after "
            f"{self._max_attempts} attempts"
        )

    def _commit(
        self, mutate: Mutation, observations: Mapping[str, EndpointObservation] | None = None
    ) -> FleetState:
        """Claim and issue updates; re-plan at once around endpoints that refuse to grow."""
        self._log_config_errors(observations)
        token = self._new_token()
        decision = self._transact(mutate, observations, token)
        self._log_decision(decision)
        called: set[str] = set()
        # Each round calls endpoints not called before, so the loop ends.
        for _ in range(len(self.config.endpoints) + 1):
            if not decision.actions:
                break
            results: dict[str, UpdateRejection | None] = {}
            for action in decision.actions:
                called.add(action.endpoint)
                results[action.endpoint] = self._gateway.update_instances(action)
            blocking = False
            for name, rejection in results.items():
                if rejection is None:
                    continue
                kind = classify_rejection(rejection)
                blocking = blocking or kind == "blocking"
                log.warning(
                    "update rejected",
                    fleet=self.config.fleet_name,
                    endpoint=name,
                    error_class=kind,
                    error=str(rejection),
                )
            decision = self._transact(
                self._recorder(results, replan=blocking, skip=frozenset(called)),
                None,
                token,
                issued=frozenset(called),
            )
            if decision.actions:
                self._log_decision(decision)
        return self._published(decision.state)

    def _published(self, state: FleetState) -> FleetState:
        """Write the fleet-capacity metric (EMF, DESIGN §3 of the contract) and pass through."""
        log.fleet_capacity_metric(
            self.config.metrics_namespace,
            self.config.fleet_name,
            state.actual,
            state.desired,
            self._clock(),
        )
        return state

    def _recorder(
        self,
        results: Mapping[str, UpdateRejection | None],
        replan: bool,
        skip: frozenset[str],
    ) -> Mutation:
        """Fold results; after a blocking rejection, re-plan onto the other endpoints now."""

        def mutate(state: FleetState, now: float, token: str) -> Decision:
            recorded = record_results(state, self.config, results, now)
            if not replan:
                return Decision(state=recorded)
            return step(recorded, self.config, now, skip=skip, token=token)

        return mutate

    def _log_config_errors(self, observations: Mapping[str, EndpointObservation] | None) -> None:
        for obs in (observations or {}).values():
            if obs.config_error:
                log.warning(
                    "endpoint configuration error",
                    fleet=self.config.fleet_name,
                    endpoint=obs.name,
                    error=obs.config_error,
                )

    def _log_decision(self, decision: Decision) -> None:
        state = decision.state
        log.info(
            "fleet decision",
            fleet=self.config.fleet_name,
            strategy=self.config.strategy,
            desired=state.desired,
            planned=state.planned,
            actual=state.actual,
            status=state.activity.status,
            activity=state.activity.number,
            targets={name: ep.target for name, ep in state.endpoints.items()},
            endpoint_status={name: ep.status for name, ep in state.endpoints.items()},
            updates=[(a.endpoint, a.instances) for a in decision.actions],
            failure_reason=state.activity.failure_reason,
        )
