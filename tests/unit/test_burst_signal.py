"""Queue mode's fast signal (burst_signal.py): the value and when it is published."""

from __future__ import annotations

import pytest

from fleet_autoscaler.burst_signal import due, outstanding_per_capacity, routed_per_capacity


@pytest.mark.parametrize(
    ("waiting", "outstanding", "capacity", "expected"),
    [
        (0, 0, 3, 0.0),  # idle
        (4, 2, 3, 2.0),  # waiting and outstanding both count
        (12, 0, 1, 12.0),  # a burst on one instance
        (6, 0, 0, 6.0),  # no capacity: the divisor is at least 1, as the load signal's
        (3, 1, 0.5, 4.0),  # below one unit in service: still divided by 1
        (-2, 5, 5, 1.0),  # a negative count (never from SQS) counts as 0
        (1, 2.5, 1, 3.5),  # the ledger counts fractions (a clamp rebases it)
    ],
)
def test_outstanding_per_capacity(waiting, outstanding, capacity, expected):
    assert outstanding_per_capacity(waiting, outstanding, capacity) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("last", "now", "every", "expected"),
    [
        (None, 1000.0, 10, True),  # never published
        (1000.0, 1009.9, 10, False),  # the same 10-second period
        (1009.9, 1010.0, 10, True),  # a new period: one datapoint per alarm period
        (1001.0, 1019.0, 20, False),  # periods are aligned to the clock, not to the last call
        (1019.0, 1020.0, 20, True),
        (None, 1000.0, 0, False),  # 0: the signal is off
        (900.0, 1000.0, 0, False),
    ],
)
def test_due_once_per_aligned_period(last, now, every, expected):
    assert due(last, now, every) is expected


@pytest.mark.parametrize(
    ("capacity", "expected"), [(4, 0.25), (1, 1.0), (0, 1.0), (0.5, 1.0), (12, 1 / 12)]
)
def test_routed_per_capacity_sums_to_requests_per_unit(capacity, expected):
    # The alarm's Sum over a period of one value per request: requests per capacity unit.
    assert routed_per_capacity(capacity) == pytest.approx(expected)
