"""Per-container wiring: config, adapters and controller, built once on first use."""

from __future__ import annotations

from functools import lru_cache

from . import aws, clock
from .burst_signal import SignalPublisher
from .config import ConfigError, load_config, table_name
from .controller import FleetController
from .fleet_view import FleetView
from .metrics import BacklogReader
from .queue_dispatcher import RUNTIME_READ_TIMEOUT, QueueDispatcher
from .sagemaker import EndpointGateway
from .sqs import QueueClient
from .state import LedgerStore, StateStore


@lru_cache(maxsize=1)
def store() -> StateStore:
    return StateStore(aws.client("dynamodb"), table_name(), load_config().fleet_name)


@lru_cache(maxsize=1)
def gateway() -> EndpointGateway:
    return EndpointGateway(aws.client("sagemaker"))


@lru_cache(maxsize=1)
def controller() -> FleetController:
    config = load_config()
    # Backlog exists for async endpoints only (real-time fleets have no queue).
    backlog = BacklogReader(aws.client("cloudwatch")) if config.invocation_mode == "async" else None
    return FleetController(config, store(), gateway(), clock.now, backlog=backlog)


@lru_cache(maxsize=1)
def fleet_view() -> FleetView:
    config = load_config()
    return FleetView(
        config,
        load_state=lambda: store().load(consistent=False),
        describe_all=lambda: gateway().describe_all(config),
        clock=clock.now,
    )


@lru_cache(maxsize=1)
def fleet_queue() -> QueueClient:
    """The fleet queue (queue mode): the router sends to it, the dispatcher receives."""
    queue = load_config().queue
    if queue is None:
        raise ConfigError('FLEET_CONFIG: queue is required with dispatch = "queue"')
    return QueueClient(aws.client("sqs"), queue.queue_url)


@lru_cache(maxsize=1)
def dispatcher() -> QueueDispatcher:
    """The queue-mode dispatcher; its ledger lives as long as the container."""
    config = load_config()
    if config.queue is None:
        raise ConfigError('FLEET_CONFIG: the dispatcher runs only with dispatch = "queue"')
    signal = None
    if config.queue.signal_seconds:
        cloudwatch = aws.client("cloudwatch")
        signal = SignalPublisher(cloudwatch, config.metrics_namespace, config.fleet_name)
    return QueueDispatcher(
        config,
        view=fleet_view(),
        fleet_queue=fleet_queue(),
        completions=QueueClient(aws.client("sqs"), config.queue.completion_queue_url),
        ledger_store=LedgerStore(aws.client("dynamodb"), table_name(), config.fleet_name),
        gateway=gateway(),
        runtime_client=lambda: aws.runtime_client(RUNTIME_READ_TIMEOUT),
        signal=signal,
    )


def reset() -> None:
    """Forget everything built so far (tests, the simulator, a changed environment)."""
    for cached in (load_config, store, gateway, controller, fleet_view, fleet_queue, dispatcher):
        cached.cache_clear()
    aws.reset_clients()
