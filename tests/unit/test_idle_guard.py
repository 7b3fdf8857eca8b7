"""The scale-to-zero guard (pure; issue 11): 0 capacity only after an idle period."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from fleet_autoscaler.config import parse_config
from fleet_autoscaler.control import idle_guard, initial_state, step
from fleet_autoscaler.metrics import BacklogReader, queue_name
from fleet_autoscaler.model import EndpointObservation
from tests.support.harness import default_config

NOW = 50_000.0


def config(**overrides):
    return parse_config(json.dumps(default_config(**overrides)))


@pytest.mark.parametrize(
    ("case", "idle", "last_busy_at", "held"),
    [
        ("busy a minute ago", 900, NOW - 60, True),
        ("busy just inside the window", 900, NOW - 899, True),
        ("idle for the whole window", 900, NOW - 900, False),
        ("never seen busy", 900, 0.0, False),
        ("guard disabled", 0, NOW - 60, False),
        ("short window", 120, NOW - 180, False),
    ],
)
def test_idle_guard(case, idle, last_busy_at, held):
    assert idle_guard(config(scale_to_zero_idle_seconds=idle), last_busy_at, NOW) is held, case


def serving_fleet(cfg, g5=1):
    observations = {
        name: EndpointObservation(name, "InService", n)
        for name, n in {"demo-g5": g5, "demo-g6": 0, "demo-g4dn": 0}.items()
    }
    return initial_state(cfg, observations, NOW - 600)


@pytest.mark.parametrize(
    ("case", "busy_at", "idle", "target", "planned", "status"),
    [
        ("busy: the smallest capacity stays", NOW - 60, 900, 1, 1, "Successful"),
        ("idle long enough: scales to zero", NOW - 1000, 900, 0, 0, "InProgress"),
        ("guard disabled: scales to zero", NOW - 60, 0, 0, 0, "InProgress"),
        ("no busy signal read: scales to zero", None, 900, 0, 0, "InProgress"),
    ],
)
def test_a_plan_of_zero_keeps_one_instance_while_the_fleet_was_busy(
    case, busy_at, idle, target, planned, status
):
    cfg = config(strategy="priority", min_capacity=0, scale_to_zero_idle_seconds=idle)
    state = serving_fleet(cfg)
    decision = step(state, cfg, NOW, desired=0, busy_at=busy_at)
    assert decision.state.desired == 0, case  # what AAS asked is what GET reports
    assert decision.state.endpoints["demo-g5"].target == target, case
    assert decision.state.planned == planned, case
    assert decision.state.activity.status == status, case
    assert decision.state.last_busy_at == (busy_at or 0.0), case


def test_last_busy_at_only_moves_forward_and_never_past_now():
    cfg = config(strategy="priority", min_capacity=0)
    state = step(serving_fleet(cfg), cfg, NOW, busy_at=NOW + 30).state
    assert state.last_busy_at == NOW
    state = step(state, cfg, NOW + 60, busy_at=NOW - 300).state
    assert state.last_busy_at == NOW
    # A later read without a busy datapoint keeps the stored time: the guard still holds.
    state = step(state, cfg, NOW + 120, desired=0).state
    assert state.endpoints["demo-g5"].target == 1


def test_the_guard_never_adds_capacity_the_plan_already_has():
    cfg = config(strategy="priority", min_capacity=0)
    decision = step(serving_fleet(cfg, g5=2), cfg, NOW, desired=2, busy_at=NOW - 60)
    assert decision.state.planned == 2
    assert decision.state.endpoints["demo-g5"].target == 2


def test_last_busy_at_survives_the_state_item():
    cfg = config(strategy="priority")
    state = step(serving_fleet(cfg), cfg, NOW, busy_at=NOW - 60).state
    assert type(state).from_json(state.to_json()).last_busy_at == NOW - 60


class RecordingClient:
    def __init__(self, results: list[dict[str, Any]]) -> None:
        self.results = results
        self.requests: list[dict[str, Any]] = []

    def get_metric_data(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        return {"MetricDataResults": self.results}


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def test_one_call_reads_backlog_router_count_and_fleet_queue():
    cfg = parse_config(
        json.dumps(
            default_config(
                router_api={"name": "router", "stage": "v1"},
                dispatch="queue",
                queue={
                    "queue_url": "https://sqs.eu-west-1.amazonaws.com/123456789012/demo-fleet",
                    "completion_queue_url": "https://sqs.eu-west-1.amazonaws.com/1/demo-done",
                    "output_path": "s3://bucket/out",
                },
            )
        )
    )
    client = RecordingClient(
        [
            {"Id": "b0", "Timestamps": [at(NOW - 240)], "Values": [0.0]},
            {"Id": "arrivals", "Timestamps": [at(NOW - 180), at(NOW - 300)], "Values": [1, 3]},
            {"Id": "queue", "Timestamps": [at(NOW - 120)], "Values": [0.0]},
        ]
    )
    metrics = BacklogReader(client).read_fleet(cfg, NOW)
    (request,) = client.requests
    queries = {q["Id"]: q["MetricStat"] for q in request["MetricDataQueries"]}
    assert set(queries) == {"b0", "b1", "b2", "arrivals", "queue"}
    assert queries["arrivals"]["Metric"] == {
        "Namespace": "AWS/ApiGateway",
        "MetricName": "Count",
        "Dimensions": [{"Name": "ApiName", "Value": "router"}, {"Name": "Stage", "Value": "v1"}],
    }
    assert queries["arrivals"]["Stat"] == "Sum"
    assert queries["queue"]["Metric"]["Namespace"] == "AWS/SQS"
    assert queries["queue"]["Metric"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert queries["queue"]["Metric"]["Dimensions"] == [
        {"Name": "QueueName", "Value": "demo-fleet"}
    ]
    # Busy = the end of the latest minute with a value > 0 (zeros do not count).
    assert metrics.busy_at == NOW - 180 + 60
    assert metrics.backlog["demo-g5"].value == 0.0


def test_without_router_api_the_backlog_alone_tells_busy():
    cfg = config()
    client = RecordingClient([{"Id": "b1", "Timestamps": [at(NOW - 120)], "Values": [2.0]}])
    metrics = BacklogReader(client).read_fleet(cfg, NOW)
    assert {q["Id"] for q in client.requests[0]["MetricDataQueries"]} == {"b0", "b1", "b2"}
    assert metrics.busy_at == NOW - 60
    assert BacklogReader(RecordingClient([])).read_fleet(cfg, NOW).busy_at is None


def test_queue_name_is_the_last_path_segment():
    assert queue_name("https://sqs.us-east-1.amazonaws.com/123/fleet-q") == "fleet-q"
    assert queue_name("http://localhost:4566/000000000000/q/") == "q"
