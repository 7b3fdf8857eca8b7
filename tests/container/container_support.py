"""Paths and the shared server's settings for the container tests."""

from __future__ import annotations

import sys
from pathlib import Path

CONTAINER_DIR = Path(__file__).resolve().parents[2] / "container"

# Ceilings small enough that the tests can exceed them cheaply.
MAX_LATENCY_MS = 3000
MAX_BODY_BYTES = 256
ENDPOINT_NAME = "fleet-test-endpoint"
INSTANCE_ID = "i-test-0001"


def add_container_to_path() -> None:
    """Make ``model_server`` importable as it is inside the image (/opt/program)."""
    if str(CONTAINER_DIR) not in sys.path:
        sys.path.insert(0, str(CONTAINER_DIR))
