"""Desired capacity -> instances per endpoint, per strategy (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleet_autoscaler.planner import PlanEndpoint, plan, planned_capacity


def ep(name, priority, base=0, serving=None, cpi=1, low=0, high=4, share=1.0):
    return PlanEndpoint(
        name=name,
        capacity_per_instance=cpi,
        priority=priority,
        low=low,
        high=high,
        base=base,
        serving=base if serving is None else serving,
        share=share,
    )


def fleet(g5=0, g6=0, g4dn=0, **kw):
    return [ep("g5", 1, g5, **kw), ep("g6", 2, g6, **kw), ep("g4dn", 3, g4dn, **kw)]


def counts(strategy, desired, endpoints):
    result = plan(strategy, desired, endpoints)
    return result.capacity, [result.counts[e.name] for e in endpoints]


@pytest.mark.parametrize(
    ("desired", "start", "expected"),
    [
        (0, (0, 0, 0), (0, [0, 0, 0])),
        (1, (0, 0, 0), (1, [1, 0, 0])),
        (4, (0, 0, 0), (4, [4, 0, 0])),
        (5, (0, 0, 0), (5, [4, 1, 0])),
        (9, (0, 0, 0), (9, [4, 4, 1])),
        (12, (0, 0, 0), (12, [4, 4, 4])),
        (15, (0, 0, 0), (12, [4, 4, 4])),  # more than the endpoints hold
        # incremental: instances stay where they are on scale-out
        (5, (1, 1, 1), (5, [3, 1, 1])),
        (8, (0, 2, 2), (8, [4, 2, 2])),
        # scale-in removes from the lowest priority first
        (6, (4, 4, 4), (6, [4, 2, 0])),
        (2, (1, 1, 1), (2, [1, 1, 0])),
        (0, (2, 2, 2), (0, [0, 0, 0])),
    ],
)
def test_priority_fills_in_priority_order_and_drains_lowest_first(desired, start, expected):
    assert counts("priority", desired, fleet(*start)) == expected


@pytest.mark.parametrize(
    ("desired", "serving", "base", "expected"),
    [
        # race: every endpoint asked for the whole gap at once
        (6, (1, 1, 1), (1, 1, 1), (6, [4, 4, 4])),
        (4, (1, 1, 1), (1, 1, 1), (4, [2, 2, 2])),
        (2, (0, 0, 0), (0, 0, 0), (2, [2, 2, 2])),
        # the fleet has enough: trim the surplus lowest priority first, counting
        # updates in flight, so each endpoint is trimmed once
        (6, (4, 1, 1), (4, 4, 4), (6, [4, 2, 0])),
        (6, (4, 4, 4), (4, 4, 4), (6, [4, 2, 0])),
        (3, (1, 1, 4), (1, 1, 4), (3, [1, 1, 1])),
        (0, (2, 2, 2), (2, 2, 2), (0, [0, 0, 0])),
    ],
)
def test_race_asks_everyone_then_trims(desired, serving, base, expected):
    endpoints = [
        ep(name, prio, base=b, serving=s)
        for name, prio, b, s in zip(("g5", "g6", "g4dn"), (1, 2, 3), base, serving, strict=True)
    ]
    assert counts("race", desired, endpoints) == expected


@pytest.mark.parametrize(
    ("desired", "shares", "expected"),
    [
        (8, (2, 1, 1), (8, [4, 2, 2])),
        (5, (2, 1, 1), (5, [3, 1, 1])),
        (3, (1, 1, 1), (3, [1, 1, 1])),
        (4, (1, 1, 1), (4, [2, 1, 1])),  # the remainder goes to the highest priority
        (1, (1, 1, 2), (1, [0, 0, 1])),  # largest remainder first
        (12, (6, 1, 1), (12, [4, 4, 4])),  # bounded: the surplus spills to the others
        (0, (1, 1, 1), (0, [0, 0, 0])),
    ],
)
def test_proportional_follows_shares_with_largest_remainder(desired, shares, expected):
    endpoints = [
        ep(name, prio, share=share)
        for name, prio, share in zip(("g5", "g6", "g4dn"), (1, 2, 3), shares, strict=True)
    ]
    assert counts("proportional", desired, endpoints) == expected


@pytest.mark.parametrize(
    ("desired", "expected_capacity"),
    [(0, 0), (1, 2), (2, 2), (3, 3), (4, 4), (7, 7), (14, 15), (15, 15), (99, 15)],
)
def test_capacity_units_take_the_smallest_reachable_capacity_above(desired, expected_capacity):
    endpoints = [ep("big", 1, cpi=3, high=3), ep("small", 2, cpi=2, high=3)]
    assert planned_capacity(desired, endpoints) == expected_capacity
    result = plan("priority", desired, endpoints)
    held = sum(result.counts[e.name] * e.capacity_per_instance for e in endpoints)
    assert held == expected_capacity


def test_minimum_instances_are_kept_when_scaling_to_zero():
    endpoints = [ep("g5", 1, base=3, low=1), ep("g6", 2, base=2)]
    result = plan("priority", 0, endpoints)
    assert result.capacity == 1
    assert dict(result.counts) == {"g5": 1, "g6": 0}


def test_blocked_endpoint_bounds_send_capacity_elsewhere():
    # A block is expressed as high == current instances.
    endpoints = [ep("g5", 1, base=1, high=1), ep("g6", 2, base=1), ep("g4dn", 3, base=1)]
    assert dict(plan("priority", 7, endpoints).counts) == {"g5": 1, "g6": 4, "g4dn": 2}


def test_no_endpoints_plan_nothing():
    result = plan("race", 5, [])
    assert result.capacity == 0
    assert not result.reachable


def test_unknown_strategy_is_an_error():
    with pytest.raises(ValueError, match="unknown strategy"):
        plan("random", 1, fleet())


# -- properties ------------------------------------------------------------------------------

endpoint_sets = st.lists(
    st.tuples(
        st.integers(1, 3),  # capacity per instance
        st.integers(0, 2),  # low
        st.integers(0, 4),  # extra room above low
        st.integers(0, 6),  # base
        st.integers(1, 3),  # share
    ),
    min_size=1,
    max_size=4,
).map(
    lambda rows: [
        PlanEndpoint(
            name=f"e{i}",
            capacity_per_instance=cpi,
            priority=i + 1,
            low=low,
            high=low + room,
            base=base,
            serving=base,
            share=float(share),
        )
        for i, (cpi, low, room, base, share) in enumerate(rows)
    ]
)


def _held(result, endpoints):
    return sum(result.counts[e.name] * e.capacity_per_instance for e in endpoints)


def _reachable(endpoints):
    sums = {0}
    for e in endpoints:
        sums = {s + k * e.capacity_per_instance for s in sums for k in range(e.low, e.high + 1)}
    return sums


@settings(max_examples=300, deadline=None)
@given(endpoint_sets, st.integers(0, 30), st.sampled_from(["race", "priority", "proportional"]))
def test_every_plan_respects_the_bounds(endpoints, desired, strategy):
    result = plan(strategy, desired, endpoints)
    for e in endpoints:
        assert e.low <= result.counts[e.name] <= e.high


@settings(max_examples=300, deadline=None)
@given(endpoint_sets, st.integers(0, 30), st.sampled_from(["priority", "proportional"]))
def test_planned_capacity_is_the_smallest_reachable_at_or_above_desired(
    endpoints, desired, strategy
):
    result = plan(strategy, desired, endpoints)
    reachable = _reachable(endpoints)
    above = [c for c in reachable if c >= desired]
    assert result.capacity == (min(above) if above else max(reachable))
    assert _held(result, endpoints) == result.capacity
    assert result.reachable == bool(above)


@settings(max_examples=300, deadline=None)
@given(endpoint_sets, st.integers(0, 30))
def test_race_covers_the_plan_while_racing_and_holds_it_exactly_once_served(endpoints, desired):
    result = plan("race", desired, endpoints)
    serving = sum(min(max(e.serving, e.low), e.high) * e.capacity_per_instance for e in endpoints)
    if serving >= result.capacity:
        assert _held(result, endpoints) == result.capacity
    else:
        assert _held(result, endpoints) >= result.capacity


unit_endpoint_sets = st.lists(
    st.tuples(st.integers(0, 1), st.integers(0, 5), st.integers(0, 6)), min_size=2, max_size=5
).map(
    lambda rows: [
        PlanEndpoint(f"e{i}", 1, i + 1, low, low + room, base, base)
        for i, (low, room, base) in enumerate(rows)
    ]
)


@settings(max_examples=300, deadline=None)
@given(unit_endpoint_sets, st.integers(0, 30), st.sampled_from(["race", "priority"]))
def test_scale_in_drains_lower_priorities_first(endpoints, desired, strategy):
    start = {e.name: min(max(e.base, e.low), e.high) for e in endpoints}
    if desired >= sum(start.values()):
        return
    result = plan(strategy, desired, endpoints)
    for i, higher in enumerate(endpoints):
        if result.counts[higher.name] < start[higher.name]:
            for lower in endpoints[i + 1 :]:
                assert result.counts[lower.name] == lower.low


@settings(max_examples=300, deadline=None)
@given(unit_endpoint_sets, st.integers(0, 30))
def test_priority_plans_are_incremental(endpoints, desired):
    start = {e.name: min(max(e.base, e.low), e.high) for e in endpoints}
    result = plan("priority", desired, endpoints)
    grew = any(result.counts[n] > start[n] for n in start)
    shrank = any(result.counts[n] < start[n] for n in start)
    assert not (grew and shrank), "instances moved between endpoints"


@settings(max_examples=200, deadline=None)
@given(unit_endpoint_sets, st.integers(0, 30))
def test_priority_fills_higher_priorities_before_lower_ones_from_empty(endpoints, desired):
    empty = [PlanEndpoint(e.name, 1, e.priority, e.low, e.high, e.low, e.low) for e in endpoints]
    result = plan("priority", desired, empty)
    for i, higher in enumerate(empty):
        if result.counts[higher.name] < higher.high:
            for lower in empty[i + 1 :]:
                assert result.counts[lower.name] == lower.low
