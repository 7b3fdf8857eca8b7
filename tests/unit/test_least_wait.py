"""Queue-aware routing for async fleets: where a request waits least (pure; issue 11)."""

from __future__ import annotations

from collections import Counter

import pytest

from fleet_autoscaler.model import EndpointState
from fleet_autoscaler.routing import LeastWaitSelector, least_wait, stored_backlog

NAMES = ("a", "b", "c")


@pytest.mark.parametrize(
    ("queued", "capacity", "exclude", "best"),
    [
        ((0, 0, 0), (1, 1, 1), (), 0),  # tie: configuration order
        ((3, 0, 0), (1, 1, 1), (), 1),
        ((3, 1, 0), (1, 1, 1), (), 2),
        ((3, 1, 0), (4, 1, 1), (), 0),  # (3+1)/4 = 1 ties (0+1)/1: configuration order
        ((7, 1, 0), (4, 1, 1), (), 2),  # 8/4 = 2 > 1/1
        ((0, 0, 0), (0, 2, 1), (), 1),  # no capacity: never picked
        ((0, 0, 0), (0, 0, 0), (), -1),
        ((0, 5, 9), (1, 1, 1), ("a",), 1),
        ((0, 5, 9), (1, 1, 1), ("a", "b", "c"), -1),
        ((10.5, 2.0, 0), (3, 1, 0), (), 1),  # fractional backlog (CloudWatch averages)
    ],
)
def test_least_wait(queued, capacity, exclude, best):
    inverse = [1 / c if c else 0.0 for c in capacity]
    assert least_wait(NAMES, list(queued), inverse, exclude) == best


def test_without_backlog_the_split_is_proportional_and_smooth():
    selector = LeastWaitSelector({"a": 2, "b": 1, "c": 1})
    picks = [selector.pick() for _ in range(400)]
    assert Counter(picks) == {"a": 200, "b": 100, "c": 100}
    seen: Counter[str] = Counter()
    for n, name in enumerate(picks, start=1):
        seen[name] += 1
        for endpoint, share in (("a", 0.5), ("b", 0.25), ("c", 0.25)):
            assert abs(seen[endpoint] - n * share) <= 1


def test_a_long_queue_gets_no_new_work_until_the_others_catch_up():
    selector = LeastWaitSelector({"a": 1, "b": 1})
    selector.set_backlog({"a": (10.0, 600.0), "b": (0.0, 600.0)})
    picks = [selector.pick() for _ in range(12)]
    assert picks[:10] == ["b"] * 10
    assert Counter(picks[10:]) == {"a": 1, "b": 1}


def test_a_new_datapoint_replaces_what_was_counted_before_it():
    selector = LeastWaitSelector({"a": 1, "b": 1})
    selector.set_backlog({"a": (0.0, 600.0), "b": (0.0, 600.0)})
    for _ in range(10):
        selector.pick()
    assert selector.queued == {"a": 5.0, "b": 5.0}
    selector.set_backlog({"a": (0.0, 600.0), "b": (0.0, 600.0)})  # same datapoint: kept
    assert selector.queued == {"a": 5.0, "b": 5.0}
    selector.set_backlog({"a": (1.0, 660.0), "b": (4.0, 660.0)})  # a served faster
    assert selector.queued == {"a": 1.0, "b": 4.0}
    assert [selector.pick() for _ in range(3)] == ["a", "a", "a"]


def test_a_capacity_change_restarts_the_counts_from_the_stored_backlog():
    selector = LeastWaitSelector({"a": 1})
    selector.set_backlog({"a": (2.0, 600.0)})
    for _ in range(20):
        selector.pick()
    selector.set_weights({"a": 1, "b": 1})  # b arrives: not flooded with 20 requests
    selector.set_backlog({"a": (2.0, 600.0), "b": (0.0, 0.0)})
    picks = [selector.pick() for _ in range(6)]
    assert Counter(picks) == {"b": 4, "a": 2}


@pytest.mark.parametrize(
    ("backlog", "at", "now", "expected"),
    [
        (5.0, 1000.0, 1200.0, (5.0, 1000.0)),
        (5.0, 1000.0, 1300.0, (5.0, 1000.0)),  # exactly max age: still used
        (5.0, 1000.0, 1301.0, (0.0, 0.0)),  # older than backlog_max_age_seconds: ignored
        (None, 0.0, 1200.0, (0.0, 0.0)),  # never read
    ],
)
def test_stored_backlog_ignores_old_datapoints(backlog, at, now, expected):
    endpoints = {"a": EndpointState("a", current=1, backlog=backlog, backlog_at=at)}
    assert stored_backlog(endpoints, now, 300) == {"a": expected}
