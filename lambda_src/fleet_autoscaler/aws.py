"""Lazily created boto3 clients, one per service per container.

Creating a client costs milliseconds, so handlers create them on first use and
reuse them across invocations; tests call :func:`reset_clients` after pointing
the environment at moto.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config

_CLIENT_CONFIG = Config(
    retries={"max_attempts": 3, "mode": "standard"},
    connect_timeout=5,
    read_timeout=70,
)
_clients: dict[str, Any] = {}
_lock = threading.Lock()


def client(service: str) -> Any:
    cached = _clients.get(service)
    if cached is not None:
        return cached
    with _lock:
        if service not in _clients:
            _clients[service] = boto3.client(service, config=_CLIENT_CONFIG)  # type: ignore[call-overload]
        return _clients[service]


def reset_clients() -> None:
    with _lock:
        _clients.clear()
