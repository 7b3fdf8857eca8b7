"""Queue mode's pure decisions: the ledger, room, who gets the next message, message formats."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleet_autoscaler.config import parse_config
from fleet_autoscaler.dispatch import (
    BUCKET_SECONDS,
    Completion,
    EndpointLedger,
    Ledger,
    QueuedRequest,
    RoundResult,
    clamp,
    draining_endpoints,
    endpoints_to_release,
    held_bound,
    output_file,
    parse_completion,
    parse_queued,
    pick_endpoint,
    promised_location,
    queue_message,
    record_completion,
    record_dispatch,
    record_release,
    room_limits,
    rooms,
)
from fleet_autoscaler.model import EndpointState
from tests.support.harness import default_config

CONFIG = parse_config(json.dumps(default_config()))
NAMES = ("demo-g5", "demo-g6", "demo-g4dn")
NOW = 1_764_331_200.0
MAX_AGE = 300.0


def states(**instances: int) -> dict[str, EndpointState]:
    return {name: EndpointState(name=name, current=instances.get(name, 0)) for name in NAMES}


def ledger_of(**outstanding: float) -> Ledger:
    return Ledger({name: EndpointLedger(outstanding=value) for name, value in outstanding.items()})


# -- messages ---------------------------------------------------------------------------


def test_queue_message_is_the_contract_format_and_reads_back():
    body = queue_message("req-1", {"InputLocation": "s3://b/k", "InferenceId": "req-1"}, 12.5)
    assert json.loads(body) == {
        "v": 1,
        "InferenceId": "req-1",
        "Parameters": {"InputLocation": "s3://b/k"},
        "EnqueuedAt": 12.5,
    }
    assert parse_queued(body) == QueuedRequest("req-1", {"InputLocation": "s3://b/k"}, 12.5)


def _message(**changes):
    raw = {
        "v": 1,
        "InferenceId": "r1",
        "Parameters": {"InputLocation": "s3://b/k"},
        "EnqueuedAt": 1,
    }
    raw.update(changes)
    return json.dumps(raw)


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        _message(v=2),
        _message(InferenceId="a/b"),
        _message(InferenceId=7),
        _message(Parameters={}),
        _message(Parameters="s3://b/k"),
        _message(Parameters={"InputLocation": "s3://b/k", "EndpointName": "other"}),
        _message(Parameters={"InputLocation": "s3://b/k", "Filename": "../x"}),
        _message(Parameters={"InputLocation": "s3://b/k", "InferenceId": "r2"}),
        _message(EnqueuedAt=True),
        _message(EnqueuedAt="now"),
    ],
)
def test_a_message_that_is_not_a_request_is_not_dispatched(body):
    assert parse_queued(body) is None


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("s3://bucket/out/", "s3://bucket/out/r-1.out"),
        ("s3://bucket/out", "s3://bucket/out/r-1.out"),
        ("s3://bucket", "s3://bucket/r-1.out"),
    ],
)
def test_promised_location_is_the_output_path_and_the_file_name(path, expected):
    assert promised_location(path, "r-1") == expected
    assert output_file("r-1") == "r-1.out"


def _notification(**changes):
    raw = {
        "invocationStatus": "Completed",
        "inferenceId": "r1",
        "requestParameters": {"endpointName": "demo-g5", "inputLocation": "s3://b/k"},
        "responseParameters": {"outputLocation": "s3://o/r1.out"},
        "eventSource": "aws:sagemaker",
    }
    raw.update(changes)
    return raw


def _sns(message):
    return json.dumps({"Type": "Notification", "Message": message})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (_sns(json.dumps(_notification())), Completion("demo-g5", "r1", "Completed")),
        (
            _sns(json.dumps(_notification(invocationStatus="Failed", failureReason="oom"))),
            Completion("demo-g5", "r1", "Failed"),
        ),
        (json.dumps(_notification()), Completion("demo-g5", "r1", "Completed")),  # raw delivery
        (_sns(json.dumps(_notification(invocationStatus="InProgress"))), None),
        (_sns(json.dumps(_notification(requestParameters={}))), None),
        (_sns(json.dumps(_notification(requestParameters="demo-g5"))), None),
        (_sns(json.dumps(_notification(inferenceId=None))), None),
        (_sns("not json"), None),
        (_sns("[1]"), None),
        (json.dumps({"Type": "Notification", "Message": 5}), None),
        ("{oops", None),
        ("[]", None),
    ],
)
def test_completion_notifications_are_read_from_the_sns_envelope(body, expected):
    assert parse_completion(body) == expected


# -- the ledger -------------------------------------------------------------------------


def test_dispatches_and_completions_move_outstanding_never_below_zero():
    ledger = Ledger()
    for _ in range(3):
        ledger = record_dispatch(ledger, "demo-g5", NOW)
    for _ in range(5):
        ledger = record_completion(ledger, "demo-g5")
    entry = ledger.of("demo-g5")
    assert (entry.outstanding, entry.dispatched, entry.completed) == (0.0, 3, 5)


def test_dispatches_are_counted_per_bucket():
    ledger = Ledger()
    for offset in (0.0, 1.0, 9.9, 10.0, 35.0):
        ledger = record_dispatch(ledger, "demo-g5", NOW + offset)
    entry = ledger.of("demo-g5")
    assert entry.recent == ((NOW, 3), (NOW + 10, 1), (NOW + 30, 1))
    # "Since" counts the whole bucket holding the time: never fewer than were sent.
    assert [entry.dispatched_since(NOW + t) for t in (0, 5, 10, 19, 20, 31, 40)] == [
        5,
        5,
        2,
        2,
        1,
        1,
        0,
    ]


@pytest.mark.parametrize(
    ("outstanding", "backlog", "backlog_age", "dispatch_ages", "expected"),
    [
        (5.0, None, 0, (), 5.0),  # no datapoint: the ledger alone
        (5.0, 1.0, 30, (), 1.0),  # notifications were lost: the datapoint rebases
        (5.0, 1.0, 30, (10, 5), 3.0),  # plus what was sent since the datapoint
        (2.0, 8.0, 30, (), 2.0),  # the clamp only lowers
        (5.0, 0.0, MAX_AGE + 1, (), 5.0),  # a stale datapoint is ignored
        (5.0, 0.0, MAX_AGE, (), 0.0),  # at the limit it still counts
        (4.0, 0.0, 60, (90, 80), 0.0),  # sent before the datapoint: in it already
        (3.0, 0.5, 30, (), 0.5),  # averages are fractional
    ],
)
def test_a_fresh_backlog_datapoint_bounds_outstanding(
    outstanding, backlog, backlog_age, dispatch_ages, expected
):
    ledger = ledger_of(**{"demo-g5": outstanding})
    for age in dispatch_ages:
        ledger = record_dispatch(ledger, "demo-g5", NOW - age)
        ledger = Ledger({"demo-g5": EndpointLedger(outstanding, 0, 0, ledger.of("demo-g5").recent)})
    endpoint = EndpointState(
        name="demo-g5", current=1, backlog=backlog, backlog_at=NOW - backlog_age
    )
    clamped = clamp(ledger, {"demo-g5": endpoint}, NOW, MAX_AGE)
    assert clamped.of("demo-g5").outstanding == pytest.approx(expected)


def test_clamp_drops_buckets_no_datapoint_can_need():
    ledger = Ledger()
    for age in (1000, 500, 100, 5):
        ledger = record_dispatch(ledger, "demo-g5", NOW - age)
    kept = clamp(ledger, {}, NOW, MAX_AGE).of("demo-g5").recent
    assert [NOW - start <= MAX_AGE + 120 + BUCKET_SECONDS for start, _ in kept] == [True, True]
    assert sum(count for _, count in kept) == 2


def test_ledger_round_trips_through_json():
    ledger = record_completion(
        record_dispatch(record_dispatch(Ledger(), "demo-g5", NOW), "demo-g6", NOW + 12), "demo-g5"
    )
    assert Ledger.from_json(ledger.to_json()) == ledger


# -- room and the pick ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoints", "outstanding", "k", "expected"),
    [
        (states(**{"demo-g5": 1, "demo-g6": 2}), {}, 2.0, {"demo-g5": 2, "demo-g6": 4}),
        (states(**{"demo-g5": 1, "demo-g6": 2}), {"demo-g5": 2, "demo-g6": 1}, 2.0, {"demo-g6": 3}),
        (states(**{"demo-g5": 1}), {"demo-g5": 5}, 2.0, {}),  # more than room: 0, not negative
        (states(**{"demo-g5": 3}), {}, 0.5, {"demo-g5": 1}),  # floor(1.5)
        (states(**{"demo-g5": 1}), {"demo-g5": 0.5}, 2.0, {"demo-g5": 1}),  # floor(2 - 0.5)
        (states(), {}, 2.0, {}),  # no instances anywhere
        (
            {
                "demo-g5": EndpointState(name="demo-g5", status="Failed", current=2),
                "demo-g6": EndpointState(name="demo-g6", status="Creating", current=1),
                "demo-g4dn": EndpointState(name="demo-g4dn", status="SystemUpdating", current=1),
            },
            {},
            2.0,
            {"demo-g4dn": 2},
        ),
        (
            {  # being drained to 0 while demo-g6 stays: no new work for demo-g5
                "demo-g5": EndpointState(name="demo-g5", current=2, target=0),
                "demo-g6": EndpointState(name="demo-g6", current=1, target=1),
            },
            {},
            2.0,
            {"demo-g6": 2},
        ),
    ],
)
def test_room_is_k_times_capacity_minus_outstanding(endpoints, outstanding, k, expected):
    room = rooms(CONFIG, endpoints, ledger_of(**outstanding), k)
    assert room == {name: expected.get(name, 0) for name in NAMES}


def test_capacity_per_instance_counts_in_room():
    config = parse_config(
        json.dumps(
            default_config(
                max_capacity=4,
                endpoints=[{"name": "demo-g5", "capacity_per_instance": 4, "max_instances": 1}],
            )
        )
    )
    assert rooms(config, states(**{"demo-g5": 1}), Ledger(), 2.0) == {"demo-g5": 8}


def test_only_eligible_endpoints_get_room():
    room = rooms(CONFIG, states(**{"demo-g5": 1, "demo-g6": 1}), Ledger(), 2.0, {"demo-g6"})
    assert room == {"demo-g5": 0, "demo-g6": 2, "demo-g4dn": 0}


@pytest.mark.parametrize(
    ("room", "limits", "exclude", "expected"),
    [
        ({"demo-g5": 2, "demo-g6": 2}, {"demo-g5": 2, "demo-g6": 2}, (), "demo-g5"),  # priority
        ({"demo-g5": 1, "demo-g6": 2}, {"demo-g5": 2, "demo-g6": 2}, (), "demo-g6"),
        ({"demo-g5": 2, "demo-g6": 3}, {"demo-g5": 2, "demo-g6": 8}, (), "demo-g5"),  # fraction
        ({"demo-g5": 2, "demo-g6": 2}, {"demo-g5": 2, "demo-g6": 2}, ("demo-g5",), "demo-g6"),
        ({"demo-g5": 0, "demo-g6": 0}, {"demo-g5": 2, "demo-g6": 2}, (), None),
        ({"demo-g5": 2}, {"demo-g5": 0}, (), None),  # no capacity: never picked
        ({}, {}, (), None),
    ],
)
def test_the_endpoint_with_the_most_free_room_gets_the_next_message(
    room, limits, exclude, expected
):
    assert pick_endpoint(CONFIG, room, limits, exclude) == expected


@pytest.mark.parametrize(
    ("room", "exclude", "expected"),
    [
        # demo-g4dn's last instance is held to drain it: the others take the work first,
        # even with less free room,
        ({"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 8}, (), "demo-g5"),
        # and it takes the overflow once no other endpoint has room.
        ({"demo-g5": 0, "demo-g6": 0, "demo-g4dn": 8}, (), "demo-g4dn"),
        ({"demo-g5": 2, "demo-g6": 0, "demo-g4dn": 8}, ("demo-g5",), "demo-g4dn"),
        ({"demo-g5": 0, "demo-g6": 0, "demo-g4dn": 0}, (), None),
    ],
)
def test_an_endpoint_held_to_drain_gets_work_only_when_the_others_are_full(room, exclude, expected):
    limits = {"demo-g5": 8.0, "demo-g6": 8.0, "demo-g4dn": 8.0}
    assert pick_endpoint(CONFIG, room, limits, exclude, last_resort={"demo-g4dn"}) == expected


def test_draining_endpoints_are_the_ones_a_drain_hold_keeps():
    endpoints = {
        "demo-g5": EndpointState(name="demo-g5", current=4, target=4),
        "demo-g6": EndpointState(name="demo-g6", current=1, target=1, drain_started_at=90.0),
        "demo-g4dn": EndpointState(name="demo-g4dn", current=0, target=0),
    }
    assert draining_endpoints(endpoints) == {"demo-g6"}


def test_round_result_idle_and_failing():
    assert RoundResult(at=0).idle and not RoundResult(at=0).failing
    assert RoundResult(at=0, received=2, returned=2).failing
    assert not RoundResult(at=0, dispatched=(("a", "demo-g5"),), returned=1).failing
    assert not RoundResult(at=0, completions=1).idle


# -- properties -------------------------------------------------------------------------

STATUSES = st.sampled_from(["InService", "Updating", "SystemUpdating", "Failed", "Creating"])
ENDPOINT = st.builds(
    lambda status, current, target: (status, current, target),
    STATUSES,
    st.integers(0, 6),
    st.one_of(st.none(), st.integers(0, 6)),
)


def _endpoints(raw):
    return {
        name: EndpointState(name=name, status=status, current=current, target=target)
        for name, (status, current, target) in zip(NAMES, raw, strict=True)
    }


@settings(max_examples=300, deadline=None)
@given(
    raw=st.lists(ENDPOINT, min_size=3, max_size=3),
    outstanding=st.lists(st.floats(0, 50, allow_nan=False), min_size=3, max_size=3),
    k=st.floats(0.1, 8, allow_nan=False),
)
def test_room_is_never_negative_nor_above_k_times_capacity(raw, outstanding, k):
    endpoints = _endpoints(raw)
    ledger = ledger_of(**dict(zip(NAMES, outstanding, strict=True)))
    room = rooms(CONFIG, endpoints, ledger, k)
    limits = room_limits(CONFIG, endpoints, k)
    for name in NAMES:
        assert 0 <= room[name] <= math.floor(limits[name] + 1e-9)
        if endpoints[name].current == 0:
            assert room[name] == 0


@settings(max_examples=300, deadline=None)
@given(
    raw=st.lists(ENDPOINT, min_size=3, max_size=3),
    outstanding=st.lists(st.floats(0, 20, allow_nan=False), min_size=3, max_size=3),
    k=st.floats(0.1, 8, allow_nan=False),
    failing=st.sets(st.sampled_from(NAMES)),
    messages=st.integers(0, 80),
)
def test_a_round_never_dispatches_more_than_the_total_room(raw, outstanding, k, failing, messages):
    """The dispatcher's loop: pick, try others on failure, charge the endpoint that took it."""
    endpoints = _endpoints(raw)
    ledger = ledger_of(**dict(zip(NAMES, outstanding, strict=True)))
    room = rooms(CONFIG, endpoints, ledger, k)
    before = dict(room)
    limits = room_limits(CONFIG, endpoints, k)
    sent: dict[str, int] = dict.fromkeys(NAMES, 0)
    for _ in range(messages):
        tried: list[str] = []
        while (name := pick_endpoint(CONFIG, room, limits, tried)) is not None:
            tried.append(name)
            if name not in failing:
                sent[name] += 1
                room[name] -= 1
                ledger = record_dispatch(ledger, name, NOW)
                break
    assert sum(sent.values()) <= sum(before.values())
    for name in NAMES:
        assert sent[name] <= before[name]
        assert room[name] >= 0
        assert name not in failing or sent[name] == 0
        # Never more outstanding than k x capacity (when it started within it).
        if outstanding[NAMES.index(name)] <= limits[name]:
            assert ledger.of(name).outstanding <= limits[name] + 1e-9


EVENTS = st.lists(
    st.tuples(
        st.sampled_from(["dispatch", "complete", "clamp"]),
        st.integers(0, 600),  # seconds into the run
        st.floats(0, 30, allow_nan=False),  # backlog value for a clamp
        st.integers(0, 400),  # datapoint age for a clamp
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(events=EVENTS)
def test_outstanding_stays_within_its_bounds(events):
    ledger = Ledger()
    dispatched = 0
    for kind, offset, backlog, age in sorted(events, key=lambda event: event[1]):
        now = NOW + offset
        if kind == "dispatch":
            ledger = record_dispatch(ledger, "demo-g5", now)
            dispatched += 1
        elif kind == "complete":
            ledger = record_completion(ledger, "demo-g5")
        else:
            state = EndpointState(name="demo-g5", current=1, backlog=backlog, backlog_at=now - age)
            before = ledger.of("demo-g5")
            ledger = clamp(ledger, {"demo-g5": state}, now, MAX_AGE)
            after = ledger.of("demo-g5").outstanding
            assert after <= before.outstanding
            if age <= MAX_AGE:
                assert after <= backlog + before.dispatched_since(now - age) + 1e-9
        entry = ledger.of("demo-g5")
        assert 0 <= entry.outstanding <= dispatched
        assert entry.dispatched == dispatched


@settings(max_examples=200, deadline=None)
@given(
    capacity=st.lists(st.integers(0, 3), min_size=3, max_size=3),
    k=st.sampled_from([0.5, 1.0, 2.0, 3.0]),
    steps=st.lists(
        st.tuples(st.integers(0, 15), st.lists(st.integers(0, 5), min_size=3, max_size=3)),
        max_size=25,
    ),
)
def test_with_every_notification_delivered_no_endpoint_holds_more_than_k_times_capacity(
    capacity, k, steps
):
    """A small world: requests arrive, rounds dispatch, endpoints finish some and notify."""
    endpoints = states(**dict(zip(NAMES, capacity, strict=True)))
    limits = room_limits(CONFIG, endpoints, k)
    ledger = Ledger()
    held = dict.fromkeys(NAMES, 0)  # the truth: requests waiting or running per endpoint
    waiting = 0
    for arrivals, finished in steps:
        waiting += arrivals
        for name, done in zip(NAMES, finished, strict=True):
            for _ in range(min(done, held[name])):
                held[name] -= 1
                ledger = record_completion(ledger, name)
        room = rooms(CONFIG, endpoints, ledger, k)
        while waiting and (name := pick_endpoint(CONFIG, room, limits)) is not None:
            waiting -= 1
            held[name] += 1
            room[name] -= 1
            ledger = record_dispatch(ledger, name, NOW)
        for name in NAMES:
            assert held[name] <= math.floor(limits[name] + 1e-9)
            assert ledger.of(name).outstanding == held[name]


# -- held messages: which endpoints give theirs back ------------------------------------


@pytest.mark.parametrize(
    ("status", "current", "released"),
    [
        ("InService", 2, False),
        ("Updating", 2, False),
        ("SystemUpdating", 1, False),
        ("RollingBack", 1, False),
        ("Creating", 0, False),
        ("InService", 0, False),  # scaled to zero: the endpoint keeps its queue
        ("OutOfService", 0, False),
        ("Failed", 0, True),
        ("Failed", 2, True),
        ("Deleting", 1, True),
        ("Deleted", 0, True),
    ],
)
def test_held_messages_go_back_when_the_endpoint_lost_its_requests(status, current, released):
    endpoints = {"demo-g5": EndpointState("demo-g5", status=status, current=current)}
    assert endpoints_to_release(["demo-g5"], endpoints) == (["demo-g5"] if released else [])


def test_an_endpoint_missing_from_the_state_gives_its_messages_back():
    endpoints = {"demo-g6": EndpointState("demo-g6", current=1)}
    assert endpoints_to_release(["demo-g6", "demo-g5"], endpoints) == ["demo-g5"]
    assert endpoints_to_release([], endpoints) == []


@given(
    outstanding=st.floats(min_value=0, max_value=1e6, allow_nan=False),
    count=st.integers(min_value=0, max_value=10_000),
)
def test_a_release_lowers_outstanding_and_never_below_zero(outstanding, count):
    ledger = Ledger({"demo-g5": EndpointLedger(outstanding=outstanding, dispatched=7)})
    after = record_release(ledger, "demo-g5", count).of("demo-g5")
    assert after.outstanding == max(0.0, outstanding - count)
    assert after.dispatched == 7  # the totals are history: unchanged


def test_the_held_bound_is_k_times_the_largest_capacity_plus_one_receive():
    [spec, *_] = CONFIG.endpoints
    assert (
        held_bound(spec, 2.0)
        == math.ceil(2.0 * spec.max_instances * spec.capacity_per_instance) + 10
    )
    assert held_bound(spec, 0.5) < held_bound(spec, 2.0)


def test_a_round_that_only_released_is_not_idle():
    assert not RoundResult(at=NOW, released=1).idle
    assert RoundResult(at=NOW, finished=0).idle
