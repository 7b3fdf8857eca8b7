"""Turn a desired fleet capacity into instance counts per endpoint (pure functions).

Capacity is counted in capacity units: instances x ``capacity_per_instance``.
The planned capacity is the smallest capacity the endpoints can reach at or
above the desired one (or the most they can reach, when that is less).

Strategies:

* ``priority`` fills endpoints in priority order (1 first) and removes from the
  lowest priority first; instances stay where they are otherwise.
* ``race`` asks every endpoint for the whole missing capacity at once (the first
  instance type to deliver wins); as soon as the serving capacity covers the
  plan, the surplus of each endpoint is trimmed in one update, lowest priority
  first.
* ``proportional`` keeps each endpoint near its ``share`` of the fleet, the
  rounding going to the largest remainders first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PlanEndpoint:
    """One endpoint as the planner sees it; ``low``/``high`` already include blocks."""

    name: str
    capacity_per_instance: int
    priority: int
    low: int
    high: int
    base: int  # instances it has once in-flight updates land
    serving: int  # instances serving traffic now
    share: float = 1.0


@dataclass(frozen=True)
class Plan:
    desired: int
    capacity: int  # the capacity the fleet converges to
    counts: Mapping[str, int]

    @property
    def reachable(self) -> bool:
        return self.capacity >= self.desired


def reachable_capacities(endpoints: Sequence[PlanEndpoint]) -> int:
    """Bit ``c`` is set when the endpoints can hold exactly ``c`` capacity units."""
    mask = 1
    for ep in endpoints:
        step = ep.capacity_per_instance
        combined = 0
        for count in range(ep.low, ep.high + 1):
            combined |= mask << (count * step)
        mask = combined
    return mask


def planned_capacity(desired: int, endpoints: Sequence[PlanEndpoint]) -> int:
    """The smallest reachable capacity >= ``desired``, else the largest reachable one."""
    mask = reachable_capacities(endpoints)
    above = mask >> max(desired, 0)
    if above:
        return max(desired, 0) + ((above & -above).bit_length() - 1)
    return mask.bit_length() - 1


def _clamp(value: int, ep: PlanEndpoint) -> int:
    return min(max(value, ep.low), ep.high)


def _by_priority(endpoints: Sequence[PlanEndpoint]) -> list[PlanEndpoint]:
    # sorted() is stable: equal priorities keep the configured order.
    return sorted(endpoints, key=lambda ep: ep.priority)


def _capacity(counts: Mapping[str, int], endpoints: Sequence[PlanEndpoint]) -> int:
    return sum(counts[ep.name] * ep.capacity_per_instance for ep in endpoints)


def _trim_lowest_first(
    counts: dict[str, int], endpoints: Sequence[PlanEndpoint], capacity: int
) -> dict[str, int]:
    total = _capacity(counts, endpoints)
    for ep in reversed(_by_priority(endpoints)):
        while counts[ep.name] > ep.low and total - ep.capacity_per_instance >= capacity:
            counts[ep.name] -= 1
            total -= ep.capacity_per_instance
    return counts


def _fill_highest_first(
    counts: dict[str, int], endpoints: Sequence[PlanEndpoint], capacity: int
) -> dict[str, int]:
    total = _capacity(counts, endpoints)
    for ep in _by_priority(endpoints):
        while counts[ep.name] < ep.high and total < capacity:
            counts[ep.name] += 1
            total += ep.capacity_per_instance
    return counts


def _priority_ideal(capacity: int, endpoints: Sequence[PlanEndpoint]) -> dict[str, int]:
    counts = {ep.name: _clamp(ep.base, ep) for ep in endpoints}
    counts = _fill_highest_first(counts, endpoints, capacity)
    return _trim_lowest_first(counts, endpoints, capacity)


def _proportional_ideal(capacity: int, endpoints: Sequence[PlanEndpoint]) -> dict[str, int]:
    """Water-filling by share within bounds, then largest remainder in instances."""
    fixed: dict[str, float] = {}
    free = list(endpoints)
    wanted: dict[str, float] = {}
    for _ in range(len(endpoints) + 1):
        remaining = capacity - sum(
            fixed[ep.name] * ep.capacity_per_instance for ep in endpoints if ep.name in fixed
        )
        shares = sum(ep.share for ep in free)
        wanted = {
            ep.name: (remaining * (ep.share / shares if shares > 0 else 1 / len(free)))
            / ep.capacity_per_instance
            for ep in free
        }
        violators = [ep for ep in free if wanted[ep.name] < ep.low or wanted[ep.name] > ep.high]
        if not violators:
            break
        for ep in violators:
            fixed[ep.name] = ep.low if wanted[ep.name] < ep.low else ep.high
        free = [ep for ep in free if ep.name not in fixed]
        if not free:
            break
    counts = {ep.name: int(fixed[ep.name]) for ep in endpoints if ep.name in fixed}
    for ep in free:
        counts[ep.name] = _clamp(math.floor(wanted[ep.name]), ep)
    total = _capacity(counts, endpoints)
    order = sorted(
        free,
        key=lambda ep: (-(wanted[ep.name] - math.floor(wanted[ep.name])), ep.priority),
    )
    for ep in order + _by_priority(endpoints):
        if total >= capacity:
            break
        if counts[ep.name] < ep.high:
            counts[ep.name] += 1
            total += ep.capacity_per_instance
    return counts


def _race_counts(capacity: int, endpoints: Sequence[PlanEndpoint]) -> tuple[dict[str, int], bool]:
    """Race targets, and whether they are final (serving capacity already covers the plan)."""
    # Instances above an endpoint's bound will be removed: they do not count.
    serving = sum(_clamp(ep.serving, ep) * ep.capacity_per_instance for ep in endpoints)
    if serving >= capacity:
        # Updates in flight cannot be cancelled: count what they bring and trim the
        # total lowest priority first, so each endpoint is trimmed in one update.
        counts = {ep.name: _clamp(ep.base, ep) for ep in endpoints}
        return _trim_lowest_first(counts, endpoints, capacity), True
    gap = capacity - serving
    counts = {
        ep.name: _clamp(_clamp(ep.serving, ep) + math.ceil(gap / ep.capacity_per_instance), ep)
        for ep in endpoints
    }
    return counts, False


def exact_counts(
    capacity: int, endpoints: Sequence[PlanEndpoint], ideal: Mapping[str, int]
) -> dict[str, int]:
    """Counts that hold exactly ``capacity`` (which must be reachable), nearest to ``ideal``.

    Nearest means, in this order: fewest capacity units away from the ideal,
    fewest endpoints changed from their ``base``, then extra instances on high
    priorities and missing ones on low priorities.
    """
    if _capacity(ideal, endpoints) == capacity and all(
        ep.low <= ideal[ep.name] <= ep.high for ep in endpoints
    ):
        return dict(ideal)
    ranks = {ep.name: rank for rank, ep in enumerate(_by_priority(endpoints))}
    last = len(endpoints) - 1
    Cost = tuple[int, int, int]
    layer: dict[int, Cost] = {0: (0, 0, 0)}
    choices: list[dict[int, tuple[int, int]]] = []
    for ep in endpoints:
        step, want, rank = ep.capacity_per_instance, ideal[ep.name], ranks[ep.name]
        next_layer: dict[int, Cost] = {}
        chosen: dict[int, tuple[int, int]] = {}
        for held, cost in layer.items():
            for count in range(ep.low, ep.high + 1):
                total = held + count * step
                if total > capacity:
                    break
                tie = (count - want) * rank if count > want else (want - count) * (last - rank)
                candidate = (
                    cost[0] + abs(count - want) * step,
                    cost[1] + (count != ep.base),
                    cost[2] + tie,
                )
                if total not in next_layer or candidate < next_layer[total]:
                    next_layer[total] = candidate
                    chosen[total] = (held, count)
        layer = next_layer
        choices.append(chosen)
    if capacity not in layer:
        raise ValueError(f"capacity {capacity} is not reachable by these endpoints")
    counts: dict[str, int] = {}
    held = capacity
    for ep, chosen in zip(reversed(endpoints), reversed(choices), strict=True):
        held, counts[ep.name] = chosen[held]
    return {ep.name: counts[ep.name] for ep in endpoints}


def plan(strategy: str, desired: int, endpoints: Sequence[PlanEndpoint]) -> Plan:
    """Instance counts per endpoint for ``desired`` capacity units under ``strategy``."""
    if not endpoints:
        return Plan(desired=desired, capacity=0, counts={})
    capacity = planned_capacity(desired, endpoints)
    if strategy == "race":
        counts, final = _race_counts(capacity, endpoints)
        if final:
            counts = exact_counts(capacity, endpoints, counts)
    elif strategy == "priority":
        counts = exact_counts(capacity, endpoints, _priority_ideal(capacity, endpoints))
    elif strategy == "proportional":
        counts = exact_counts(capacity, endpoints, _proportional_ideal(capacity, endpoints))
    else:
        raise ValueError(f"unknown strategy {strategy!r}")
    return Plan(desired=desired, capacity=capacity, counts=counts)
