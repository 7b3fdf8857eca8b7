"""What an endpoint state-change event means (pure)."""

from __future__ import annotations

import json

import pytest

from fleet_autoscaler.config import parse_config
from fleet_autoscaler.events import EndpointChange, Ignored, interpret, normalise_status
from tests.support.events import endpoint_state_change
from tests.support.harness import default_config

CONFIG = parse_config(json.dumps(default_config()))


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("IN_SERVICE", "InService"),
        ("UPDATING", "Updating"),
        ("CREATING", "Creating"),
        ("SYSTEM_UPDATING", "SystemUpdating"),
        ("ROLLING_BACK", "RollingBack"),
        ("FAILED", "Failed"),
        ("OUT_OF_SERVICE", "OutOfService"),
        ("DELETING", "Deleting"),
        ("UPDATE_ROLLBACK_FAILED", "UpdateRollbackFailed"),
        ("InService", "InService"),
        ("in_service", "InService"),
        ("EXPLODED", None),
        (None, None),
        (3, None),
    ],
)
def test_status_spellings(raw, status):
    assert normalise_status(raw) == status


@pytest.mark.parametrize(
    ("name", "status", "meaning"),
    [
        ("demo-g5", "IN_SERVICE", EndpointChange("demo-g5", "InService")),
        ("demo-g4dn", "ROLLING_BACK", EndpointChange("demo-g4dn", "RollingBack")),
        ("demo-g5-shadow", "IN_SERVICE", Ignored("endpoint is not in the fleet")),
        ("demo", "IN_SERVICE", Ignored("endpoint is not in the fleet")),
        ("Demo-G5", "IN_SERVICE", Ignored("endpoint is not in the fleet")),
    ],
)
def test_interpretation_matches_endpoint_names_exactly(name, status, meaning):
    assert interpret(endpoint_state_change(name, status), CONFIG) == meaning


def test_rollback_is_recognised_from_the_event_itself():
    assert EndpointChange("x", "RollingBack").rolled_back
    assert EndpointChange("x", "UpdateRollbackFailed").rolled_back
    assert not EndpointChange("x", "InService").rolled_back


@pytest.mark.parametrize(
    "event",
    [
        None,
        [],
        {"detail-type": "Scheduled Event", "detail": {}},
        {"detail-type": "SageMaker Endpoint State Change"},
        {"detail-type": "SageMaker Endpoint State Change", "detail": {"EndpointName": ""}},
        {"detail": {"EndpointName": "demo-g5", "EndpointStatus": "BOOM"}},
    ],
)
def test_malformed_events_are_ignored(event):
    assert isinstance(interpret(event, CONFIG), Ignored)
