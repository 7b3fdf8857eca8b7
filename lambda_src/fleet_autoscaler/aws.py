"""Lazily created boto3 clients, one per service per container.

Creating a client costs milliseconds, so handlers create them on first use and
reuse them across invocations; tests call :func:`reset_clients` after pointing
the environment at moto.

The router's SageMaker runtime client is special (see :func:`runtime_client`):
one attempt per call, because a retry would re-send an inference to the same
endpoint (and could run it twice) while failing over is the router's job, and
a read timeout that fits the time the function has left.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config

from .model import RUNTIME_CONNECT_SECONDS

RUNTIME = "sagemaker-runtime"

_CLIENT_CONFIG = Config(
    retries={"max_attempts": 3, "mode": "standard"},
    connect_timeout=5,
    read_timeout=70,
)
_clients: dict[str, Any] = {}
_overrides: dict[str, Any] = {}
_hooks: list[Callable[[str, Any], None]] = []
_lock = threading.Lock()


def _create(key: str, service: str, config: Config) -> Any:
    with _lock:
        if key not in _clients:
            created = boto3.client(service, config=config)  # type: ignore[call-overload]
            for hook in _hooks:
                hook(service, created)
            _clients[key] = created
        return _clients[key]


def client(service: str) -> Any:
    cached = _overrides.get(service) or _clients.get(service)
    if cached is not None:
        return cached
    return _create(service, service, _CLIENT_CONFIG)


def runtime_client(read_timeout: int) -> Any:
    """The SageMaker runtime client for one attempt with ``read_timeout`` seconds.

    ``total_max_attempts: 1`` turns botocore's retries off. Clients are cached per
    timeout; :func:`fleet_autoscaler.routing.attempt_read_timeout` rounds timeouts to
    a few values, so a container holds a handful of them at most.
    """
    override = _overrides.get(RUNTIME)
    if override is not None:
        return override
    key = f"{RUNTIME}@{read_timeout}"
    cached = _clients.get(key)
    if cached is not None:
        return cached
    config = Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=RUNTIME_CONNECT_SECONDS,
        read_timeout=read_timeout,
    )
    return _create(key, RUNTIME, config)


def override(service: str, replacement: Any) -> None:
    """Serve ``replacement`` for ``service`` until :func:`reset_clients` (tests, simulator)."""
    _overrides[service] = replacement


def on_new_client(hook: Callable[[str, Any], None]) -> None:
    """Call ``hook(service, client)`` for every client, existing and future (instrumentation)."""
    with _lock:
        _hooks.append(hook)
        existing = list(_clients.items())
    for key, created in existing:
        hook(key.split("@", 1)[0], created)


def reset_clients() -> None:
    with _lock:
        _clients.clear()
        _overrides.clear()
        _hooks.clear()
