"""The burst signal (burst_signal.py): its values, and which datapoint queue mode publishes."""

from __future__ import annotations

import pytest

from fleet_autoscaler.burst_signal import PeriodPeak, outstanding_per_capacity, routed_per_capacity


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
    ("capacity", "expected"), [(4, 0.25), (1, 1.0), (0, 1.0), (0.5, 1.0), (12, 1 / 12)]
)
def test_routed_per_capacity_sums_to_requests_per_unit(capacity, expected):
    # The alarm's Sum over a period of one value per request: requests per capacity unit.
    assert routed_per_capacity(capacity) == pytest.approx(expected)


def test_period_peak_hands_out_each_ended_periods_peak_stamped_with_its_start():
    peak = PeriodPeak(10)
    assert peak.add(1000.0, 0.0) is None  # the period [1000, 1010) begins
    assert peak.add(1003.0, 7.5) is None  # a burst 3 s in: the peak, not the first value
    assert peak.add(1009.9, 4.0) is None
    assert peak.add(1010.0, 2.0) == (1000.0, 7.5)  # the next period's first round
    assert peak.add(1019.0, 1.0) is None
    # periods without a round have no datapoint: the next one ended is handed out
    assert peak.add(1047.0, 3.0) == (1010.0, 2.0)
    assert peak.finish(1049.0) is None  # [1040, 1050) has not ended
    assert peak.finish(1050.0) == (1040.0, 3.0)
    assert peak.finish(1070.0) is None  # nothing measured since


@pytest.mark.parametrize("every", [20, 30])
def test_period_peak_periods_are_aligned_to_the_clock(every):
    peak = PeriodPeak(every)
    assert peak.add(1001.0, 1.0) is None
    assert peak.add(1019.0, 2.0) is None
    assert peak.add(1080.0, 0.0) == (1000.0 if every == 20 else 990.0, 2.0)


def test_period_peak_is_off_at_0():
    peak = PeriodPeak(0)
    assert peak.add(1000.0, 5.0) is None
    assert peak.add(2000.0, 5.0) is None
    assert peak.finish(3000.0) is None
