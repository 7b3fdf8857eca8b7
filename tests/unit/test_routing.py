"""Which endpoint gets the next request (pure)."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleet_autoscaler.config import parse_config
from fleet_autoscaler.model import EndpointState
from fleet_autoscaler.routing import (
    SmoothWeightedRoundRobin,
    attempt_read_timeout,
    queue_weights,
    routing_weights,
    wake_endpoint,
)
from tests.support.harness import default_config


def picks(weights, n):
    selector = SmoothWeightedRoundRobin(weights)
    return [selector.pick() for _ in range(n)]


@pytest.mark.parametrize(
    ("weights", "sequence"),
    [
        ({"a": 1}, "aaa"),
        ({"a": 1, "b": 1}, "abab"),
        ({"a": 2, "b": 1}, "abaaba"),
        ({"a": 5, "b": 1, "c": 1}, "aabacaa"),  # not aaaaabc
        ({"a": 3, "b": 0, "c": 1}, "aaca"),  # zero weight is never picked
    ],
)
def test_smooth_weighted_round_robin_sequences(weights, sequence):
    assert "".join(picks(weights, len(sequence))) == sequence


def test_no_weight_picks_nothing():
    assert SmoothWeightedRoundRobin({"a": 0}).pick() is None
    assert SmoothWeightedRoundRobin().pick() is None


def test_excluded_endpoints_are_skipped():
    selector = SmoothWeightedRoundRobin({"a": 5, "b": 1})
    assert selector.pick(exclude={"a"}) == "b"
    assert selector.pick(exclude={"a", "b"}) is None


def test_weight_change_keeps_running_scores_of_remaining_endpoints():
    selector = SmoothWeightedRoundRobin({"a": 1, "b": 1})
    assert selector.pick() == "a"
    selector.set_weights({"a": 1, "b": 1, "c": 0})
    assert selector.pick() == "b"  # not "a" again: a's score was kept
    assert selector.weights == {"a": 1, "b": 1}


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from("abcdef"), st.integers(1, 12), min_size=1))
def test_each_endpoint_gets_its_weight_per_round_and_never_a_burst(weights):
    total = sum(weights.values())
    sequence = picks(weights, 3 * total)
    assert Counter(sequence) == {name: 3 * w for name, w in weights.items()}
    # After every pick each endpoint is close to its exact share: bursts (weight-many
    # picks in a row, as plain weighted round robin does) would break this.
    bound = 1 if len(weights) <= 3 else 2
    seen: Counter[str] = Counter()
    for n, name in enumerate(sequence, start=1):
        seen[name] += 1
        for other, weight in weights.items():
            assert abs(seen[other] - n * weight / total) < bound


CONFIG = parse_config(json.dumps(default_config()))


def test_weights_are_serving_capacity():
    endpoints = {
        "demo-g5": EndpointState("demo-g5", status="InService", current=3),
        "demo-g6": EndpointState("demo-g6", status="Updating", current=2),
        "demo-g4dn": EndpointState("demo-g4dn", status="Failed", current=4),
    }
    assert routing_weights(CONFIG, endpoints) == {"demo-g5": 3, "demo-g6": 2, "demo-g4dn": 0}


def test_draining_instances_get_no_new_work_while_others_serve():
    endpoints = {
        "demo-g5": EndpointState("demo-g5", current=2, target=4),
        "demo-g6": EndpointState("demo-g6", current=3, target=1),
        "demo-g4dn": EndpointState("demo-g4dn", current=2, target=0),
    }
    assert routing_weights(CONFIG, endpoints) == {"demo-g5": 2, "demo-g6": 1, "demo-g4dn": 0}


def test_draining_endpoints_still_serve_when_nothing_else_does():
    endpoints = {
        "demo-g5": EndpointState("demo-g5", status="Updating", current=0, target=1),
        "demo-g6": EndpointState("demo-g6", current=0, target=0),
        "demo-g4dn": EndpointState("demo-g4dn", current=1, target=0),
    }
    assert routing_weights(CONFIG, endpoints) == {"demo-g5": 0, "demo-g6": 0, "demo-g4dn": 1}


def test_an_instance_held_to_drain_its_endpoint_keeps_its_share_of_new_work():
    # The drain hold keeps demo-g4dn's last instance (target 1) while its backlog lasts;
    # it stays a serving instance, on top of the desired capacity. Sending it no new work
    # (so that the hold ends sooner) was measured and not kept: README, Benchmark,
    # "Targets that stay unmet".
    endpoints = {
        "demo-g5": EndpointState("demo-g5", current=4, target=4),
        "demo-g6": EndpointState("demo-g6", current=4, target=4),
        "demo-g4dn": EndpointState("demo-g4dn", current=1, target=1, drain_started_at=100.0),
    }
    assert routing_weights(CONFIG, endpoints) == {"demo-g5": 4, "demo-g6": 4, "demo-g4dn": 1}


def test_weights_scale_with_capacity_per_instance():
    config = parse_config(
        json.dumps(
            default_config(endpoints=[{"name": "a", "capacity_per_instance": 4}, {"name": "b"}])
        )
    )
    endpoints = {
        "a": EndpointState("a", current=1),
        "b": EndpointState("b", current=2),
    }
    assert routing_weights(config, endpoints) == {"a": 4, "b": 2}


def test_wake_endpoint_is_the_highest_priority_that_may_grow():
    endpoints = {
        "demo-g5": EndpointState("demo-g5", current=0, blocked_until=200.0),
        "demo-g6": EndpointState("demo-g6", status="OutOfService"),
        "demo-g4dn": EndpointState("demo-g4dn", current=0),
    }
    assert wake_endpoint(CONFIG, endpoints, now=100.0) == "demo-g4dn"
    assert wake_endpoint(CONFIG, endpoints, now=300.0) == "demo-g5"
    assert wake_endpoint(CONFIG, {}, now=0.0) is None


@pytest.mark.parametrize(
    ("status", "weight"),
    [("InService", 2), ("Updating", 2), ("SystemUpdating", 2), ("RollingBack", 2), ("Failed", 0)],
)
def test_serving_statuses_take_traffic(status, weight):
    cfg = parse_config(json.dumps(default_config()))
    endpoints = {"demo-g5": EndpointState("demo-g5", status=status, current=2)}
    assert routing_weights(cfg, endpoints)["demo-g5"] == weight


@pytest.mark.parametrize(
    ("remaining", "timeout"),
    [
        (None, 65),  # no deadline known: the runtime's own limit
        (900.0, 65),
        (30.0, 25),  # 30 - 1 (answer) - 1 (connect) = 28 -> 25
        (13.5, 10),
        (8.9, 6),
        (3.0, 1),
        (2.9, None),  # no attempt fits: answer now
        (0.2, None),
        (-1.0, None),
    ],
)
def test_attempt_read_timeout_leaves_room_to_answer(remaining, timeout):
    assert attempt_read_timeout(remaining) == timeout


def _ep(name, status="InService", current=0, target=None, blocked_until=0.0):
    return EndpointState(
        name, status=status, current=current, target=target, blocked_until=blocked_until
    )


@pytest.mark.parametrize(
    ("g5", "g6", "g4dn", "expected"),
    [
        # Burst: g5 serves 1 and grows to 4; g6 and g4dn grow from 0. Each endpoint's
        # queue is served by the instances on their way: the burst is spread 4:4:4.
        (
            _ep("demo-g5", current=1, target=4),
            _ep("demo-g6", "Updating", 0, 4),
            _ep("demo-g4dn", "Updating", 0, 4),
            {"demo-g5": 4, "demo-g6": 4, "demo-g4dn": 4},
        ),
        # Nothing grows: what serves and stays (as routing_weights).
        (
            _ep("demo-g5", current=2, target=2),
            _ep("demo-g6", current=3, target=1),
            _ep("demo-g4dn", current=2, target=0),
            {"demo-g5": 2, "demo-g6": 1, "demo-g4dn": 0},
        ),
        # One grows, one is trimmed: the trimmed one counts what it keeps.
        (
            _ep("demo-g5", current=1, target=3),
            _ep("demo-g6", current=3, target=1),
            _ep("demo-g4dn", current=0, target=0),
            {"demo-g5": 3, "demo-g6": 1, "demo-g4dn": 0},
        ),
        # A capacity failure blocks g6's growth: its target is not on its way.
        (
            _ep("demo-g5", current=1, target=4),
            _ep("demo-g6", current=0, target=4, blocked_until=200.0),
            _ep("demo-g4dn", current=0, target=0),
            {"demo-g5": 4, "demo-g6": 0, "demo-g4dn": 0},
        ),
        # An endpoint that is not serving (Creating, Failed) gets no work queued.
        (
            _ep("demo-g5", current=1, target=2),
            _ep("demo-g6", "Creating", 0, 4),
            _ep("demo-g4dn", "Failed", 0, 4),
            {"demo-g5": 2, "demo-g6": 0, "demo-g4dn": 0},
        ),
        # No plan yet (target None): serving capacity.
        (
            _ep("demo-g5", current=1),
            _ep("demo-g6", current=0),
            _ep("demo-g4dn", current=0),
            {"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0},
        ),
        # Waking from zero: the endpoint the plan grows takes the queue.
        (
            _ep("demo-g5", current=0, target=0),
            _ep("demo-g6", "Updating", 0, 2),
            _ep("demo-g4dn", current=0, target=0),
            {"demo-g5": 0, "demo-g6": 2, "demo-g4dn": 0},
        ),
    ],
)
def test_queue_weights_count_capacity_on_its_way(g5, g6, g4dn, expected):
    endpoints = {ep.name: ep for ep in (g5, g6, g4dn)}
    assert queue_weights(CONFIG, endpoints, now=100.0) == expected


def test_queue_weights_scale_with_capacity_per_instance():
    config = parse_config(
        json.dumps(
            default_config(endpoints=[{"name": "a", "capacity_per_instance": 4}, {"name": "b"}])
        )
    )
    endpoints = {"a": _ep("a", current=1, target=2), "b": _ep("b", current=2, target=2)}
    assert queue_weights(config, endpoints, now=0.0) == {"a": 8, "b": 2}
