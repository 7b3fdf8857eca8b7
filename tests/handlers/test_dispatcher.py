"""The queue-mode dispatcher against moto (README, "Queue mode: the dispatcher"): late
binding without losing a request."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import replace

import boto3
import pytest
from botocore.exceptions import ClientError

from fleet_autoscaler import aws, queue_dispatcher, runtime, sqs
from fleet_autoscaler.config import ConfigError
from fleet_autoscaler.handlers import dispatcher
from fleet_autoscaler.state import ledger_key
from tests.support.harness import TABLE
from tests.support.queue_fleet import (
    FAILURE_PATH,
    OUTPUT_PATH,
    build_queue_fleet,
    create_queues,
    run_dispatcher,
)
from tests.support.runtime_spy import CallCounter, install_runtime_spy

HEADERS = {"InputLocation": "s3://fleet-inputs/requests/1.csv", "ContentType": "text/csv"}
DYNAMODB_WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
MAX_RECEIVE_COUNT = 3


@pytest.fixture
def queues(moto_aws):
    return create_queues(max_receive_count=MAX_RECEIVE_COUNT)


@pytest.fixture
def queue_fleet(queues, slow_sagemaker, monkeypatch):
    def factory(instances, **overrides):
        fleet = build_queue_fleet(monkeypatch, slow_sagemaker, instances, queues, **overrides)
        fleet.reconcile()  # the state item, as the scheduled reconciler keeps it
        return fleet

    return factory


@pytest.fixture
def no_sleep(monkeypatch, queue_fleet):
    """The handler's pauses advance the fake clock instead of waiting."""
    slept: list[float] = []

    def install(fleet):
        def sleep(seconds: float) -> None:
            slept.append(seconds)
            fleet.clock.advance(seconds)

        monkeypatch.setattr(dispatcher, "sleep", sleep)
        return slept

    return install


def store_endpoint(fleet, name, **changes):
    """Change one endpoint in the state item, as the reconciler would, and drop the view."""
    store = runtime.store()
    state = store.load()
    endpoint = replace(state.endpoint(name), **changes)
    store.save(state.with_endpoint(endpoint), state.version, fleet.clock.now)
    runtime.fleet_view().invalidate()


def enqueue(fleet, count, prefix="req"):
    ids = [f"{prefix}-{i}" for i in range(count)]
    for inference_id in ids:
        assert fleet.route(HEADERS | {"InferenceId": inference_id})["statusCode"] == 200
    return ids


def test_a_queued_request_is_sent_where_the_router_promised(queue_fleet, queues, logs):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    spy = install_runtime_spy()
    enqueue(fleet, 1)
    fleet.clock.advance(7)
    result = dispatcher.dispatch_once(fleet.clock.now)
    [line] = [line for line in logs if line.get("message") == "dispatch round"]
    assert (line["dispatched"], line["longest_wait"], line["room"]["demo-g5"]) == (1, 7.0, 2)
    assert result.dispatched == (("req-0", "demo-g5"),)
    assert spy.calls == [
        {
            "operation": "InvokeEndpointAsync",
            "EndpointName": "demo-g5",
            "InferenceId": "req-0",
            "Filename": "req-0.out",
            "InputLocation": "s3://fleet-inputs/requests/1.csv",
            "ContentType": "text/csv",
        }
    ]
    # held (in flight) until the completion arrives, not deleted
    assert queues.depth(queues.fleet) == 1 and queues.visible(queues.fleet) == []


def test_room_is_k_times_capacity_and_the_rest_waits_in_the_fleet_queue(queue_fleet, queues):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 2, "demo-g4dn": 0})  # k = 2: room 2 + 4
    spy = install_runtime_spy()
    enqueue(fleet, 10)
    result = dispatcher.dispatch_once(fleet.clock.now)
    assert result.room == {"demo-g5": 2, "demo-g6": 4, "demo-g4dn": 0}
    assert Counter(spy.endpoints) == {"demo-g5": 2, "demo-g6": 4}
    assert len(queues.visible(queues.fleet)) == 4
    # Nothing more while nothing completes.
    fleet.clock.advance(10)
    again = dispatcher.dispatch_once(fleet.clock.now)
    assert again.dispatched == () and again.received == 0
    assert len(spy.calls) == 6


def test_most_free_room_first_ties_by_priority(queue_fleet):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 2})
    spy = install_runtime_spy()
    enqueue(fleet, 4)
    dispatcher.dispatch_once(fleet.clock.now)
    # All free: g5 first (priority 1); then g6, g4dn by free fraction and priority.
    assert spy.endpoints == ["demo-g5", "demo-g6", "demo-g4dn", "demo-g4dn"]


def test_an_endpoint_held_to_drain_takes_only_the_overflow(queue_fleet):
    # demo-g4dn's last instance is kept by a drain hold (Semantics, "Drain before
    # scale-in"): it gets work only once the endpoints that stay have no room left.
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 1})
    store_endpoint(fleet, "demo-g4dn", drain_started_at=fleet.clock.now - 60)
    spy = install_runtime_spy()
    enqueue(fleet, 3)
    dispatcher.dispatch_once(fleet.clock.now)
    assert Counter(spy.endpoints) == {"demo-g5": 2, "demo-g6": 1}
    enqueue(fleet, 4, prefix="more")
    fleet.clock.advance(10)
    dispatcher.dispatch_once(fleet.clock.now)
    assert Counter(spy.endpoints) == {"demo-g5": 2, "demo-g6": 2, "demo-g4dn": 2}


def test_completions_free_room(queue_fleet, queues):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    spy = install_runtime_spy()
    ids = enqueue(fleet, 5)
    first = dispatcher.dispatch_once(fleet.clock.now)
    assert [endpoint for _, endpoint in first.dispatched] == ["demo-g5", "demo-g5"]
    for inference_id, _ in first.dispatched:
        queues.complete(
            "demo-g5", inference_id, "Completed" if inference_id != ids[0] else "Failed"
        )
    fleet.clock.advance(10)
    second = dispatcher.dispatch_once(fleet.clock.now)
    assert second.completions == 2
    assert len(second.dispatched) == 2
    assert queues.depth(queues.completions) == 0  # notifications deleted
    assert len(spy.calls) == 4
    assert len(queues.visible(queues.fleet)) == 1


def test_an_endpoint_with_zero_instances_gets_nothing(queue_fleet, queues):
    fleet = queue_fleet({"demo-g5": 0, "demo-g6": 0, "demo-g4dn": 0})
    spy = install_runtime_spy()
    enqueue(fleet, 3)
    result = dispatcher.dispatch_once(fleet.clock.now)
    assert result.room == {"demo-g5": 0, "demo-g6": 0, "demo-g4dn": 0}
    assert result.received == 0  # no room: not even received (the receive count stays 0)
    assert spy.calls == []
    assert len(queues.visible(queues.fleet)) == 3


def test_a_failed_dispatch_returns_the_message_to_the_queue_at_once(queue_fleet, queues):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 0})
    spy = install_runtime_spy()
    spy.failures = {"demo-g5": "ThrottlingException", "demo-g6": "ServiceUnavailable"}
    enqueue(fleet, 1)
    result = dispatcher.dispatch_once(fleet.clock.now)
    assert result.dispatched == () and result.returned == 1
    assert spy.endpoints == ["demo-g5", "demo-g6"]  # the other endpoint with room was tried
    [message] = queues.visible(queues.fleet)  # visible again, not lost
    assert json.loads(message["Body"])["InferenceId"] == "req-0"
    assert result.outstanding == {}  # nothing charged for calls that failed


def test_an_endpoint_that_failed_gets_no_work_until_its_cooldown_ends(queue_fleet, queues):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 0})
    spy = install_runtime_spy()
    spy.failures = {"demo-g5": "ThrottlingException", "demo-g6": "ThrottlingException"}
    enqueue(fleet, 1)
    assert dispatcher.dispatch_once(fleet.clock.now).returned == 1
    # Both endpoints cool down: no room, so the message is not even received again
    # (its receive count, which leads to the dead-letter queue, stays at 1).
    fleet.clock.advance(20)
    result = dispatcher.dispatch_once(fleet.clock.now)
    assert result.room == {"demo-g5": 0, "demo-g6": 0, "demo-g4dn": 0}
    assert result.received == 0
    assert len(spy.calls) == 2
    # The cooldown over, the endpoint that recovered takes it.
    spy.failures = {"demo-g5": "ThrottlingException"}
    fleet.clock.advance(11)
    assert dispatcher.dispatch_once(fleet.clock.now).dispatched == (("req-0", "demo-g6"),)
    assert queues.visible(queues.dead_letters) == []


def test_a_failing_endpoint_stops_getting_work_within_the_round(queue_fleet):
    fleet = queue_fleet({"demo-g5": 2, "demo-g6": 2, "demo-g4dn": 0})
    spy = install_runtime_spy()
    spy.failures = {"demo-g5": "ServiceUnavailable"}
    enqueue(fleet, 6)
    result = dispatcher.dispatch_once(fleet.clock.now)
    assert [endpoint for _, endpoint in result.dispatched] == ["demo-g6"] * 4
    assert spy.endpoints.count("demo-g5") == 1  # tried once, then left alone
    assert result.returned == 2


def test_a_retryable_error_fails_over_to_another_endpoint(queue_fleet, queues):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 0})
    spy = install_runtime_spy()
    spy.failures = {"demo-g5": "ModelNotReadyException"}
    enqueue(fleet, 1)
    result = dispatcher.dispatch_once(fleet.clock.now)
    assert result.dispatched == (("req-0", "demo-g6"),)
    assert queues.visible(queues.fleet) == [] and runtime.dispatcher().held == {"demo-g6": 1}


def test_a_poison_message_reaches_the_dead_letter_queue_after_max_receive_count(
    queue_fleet, queues
):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 0})
    spy = install_runtime_spy()
    # A ValidationError about the request: not retried on another endpoint.
    spy.failures = {"demo-g5": "ValidationError", "demo-g6": "ValidationError"}
    enqueue(fleet, 1, prefix="poison")
    queues.sqs.send_message(QueueUrl=queues.fleet, MessageBody="not a request")
    for _ in range(MAX_RECEIVE_COUNT):
        result = dispatcher.dispatch_once(fleet.clock.now)
        assert result.dispatched == ()
        fleet.clock.advance(10)
    assert len(spy.calls) == MAX_RECEIVE_COUNT  # one endpoint per attempt
    final = dispatcher.dispatch_once(fleet.clock.now)
    assert final.received == 0
    assert queues.depth(queues.fleet) == 0
    bodies = [m["Body"] for m in queues.visible(queues.dead_letters)]
    assert len(bodies) == 2 and "not a request" in bodies
    bodies.remove("not a request")
    assert json.loads(bodies[0])["InferenceId"] == "poison-0"


def test_output_path_mismatch_is_a_config_error_naming_the_endpoint(queue_fleet, queues, logs):
    fleet = queue_fleet(
        {"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 1},
        paths={"demo-g6": ("s3://other-bucket/g6/", FAILURE_PATH)},
    )
    spy = install_runtime_spy()
    enqueue(fleet, 2)
    with pytest.raises(ConfigError, match=r"demo-g6 \(S3OutputPath 's3://other-bucket/g6/'"):
        run_dispatcher()
    assert spy.calls == []
    assert len(queues.visible(queues.fleet)) == 2
    errors = [line for line in logs if line.get("level") == "ERROR"]
    assert any(
        line.get("endpoint") == "demo-g6" and line.get("s3_output_path") == "s3://other-bucket/g6/"
        for line in errors
    )
    # The error repeats on the next round: nothing is dispatched while the paths differ.
    with pytest.raises(ConfigError, match="demo-g6"):
        dispatcher.dispatch_once(fleet.clock.now)


def test_a_trailing_slash_does_not_matter_for_the_path_check(queue_fleet):
    fleet = queue_fleet(
        {"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0},
        paths={"demo-g5": (OUTPUT_PATH.rstrip("/"), FAILURE_PATH.rstrip("/"))},
    )
    install_runtime_spy()
    enqueue(fleet, 1)
    assert len(dispatcher.dispatch_once(fleet.clock.now).dispatched) == 1


def test_the_ledger_is_restored_after_a_cold_start(queue_fleet, queues, no_sleep):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    no_sleep(fleet)
    spy = install_runtime_spy()
    enqueue(fleet, 4)
    summary = run_dispatcher()
    assert summary["dispatched"] == 2
    runtime.reset()  # a new container
    spy = install_runtime_spy()
    fleet.clock.advance(60)
    assert run_dispatcher()["dispatched"] == 0  # it remembers 2 outstanding on demo-g5
    assert spy.calls == []
    queues.complete("demo-g5", "req-0")
    fleet.clock.advance(60)
    assert run_dispatcher()["dispatched"] == 1
    assert len(queues.visible(queues.fleet)) == 1


def test_one_dynamodb_write_per_invocation(queue_fleet, queues, no_sleep):
    fleet = queue_fleet({"demo-g5": 2, "demo-g6": 2, "demo-g4dn": 0})
    slept = no_sleep(fleet)
    install_runtime_spy()
    enqueue(fleet, 6)
    counter = CallCounter().attach("dynamodb")
    summary = run_dispatcher()
    assert summary["dispatched"] == 6
    assert summary["rounds"] > 10 and sum(slept) >= 40  # kept going for run_seconds
    assert counter.count("dynamodb", DYNAMODB_WRITES) == 1
    item = queues_item(fleet)
    assert json.loads(item["ledger"]["S"])["demo-g5"]["outstanding"] == 3


def queues_item(fleet):
    import boto3

    return boto3.client("dynamodb").get_item(
        TableName=TABLE, Key={"id": {"S": ledger_key(fleet.name)}}, ConsistentRead=True
    )["Item"]


def test_the_invocation_stops_before_the_function_times_out(queue_fleet, no_sleep):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    slept = no_sleep(fleet)
    start = fleet.clock.now
    summary = run_dispatcher(remaining_ms=8_000)  # 8 s left: 3 s of dispatching
    assert summary["rounds"] >= 1
    assert fleet.clock.now - start <= 3.0
    assert sum(slept) <= 3.0


def test_a_fresh_backlog_datapoint_frees_room_lost_notifications_held(queue_fleet, queues):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    spy = install_runtime_spy()
    enqueue(fleet, 4)
    assert len(dispatcher.dispatch_once(fleet.clock.now).dispatched) == 2
    # No notification arrives; two minutes later the backlog datapoint says 0 waiting.
    fleet.clock.advance(120)
    store_endpoint(fleet, "demo-g5", backlog=0.0, backlog_at=fleet.clock.now - 30)
    result = dispatcher.dispatch_once(fleet.clock.now)
    assert len(result.dispatched) == 2
    assert len(spy.calls) == 4


def test_a_backlog_datapoint_older_than_the_dispatches_does_not_free_room(queue_fleet):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    install_runtime_spy()
    enqueue(fleet, 4)
    assert len(dispatcher.dispatch_once(fleet.clock.now).dispatched) == 2
    # A datapoint from before the dispatches: they are all on top of it.
    store_endpoint(fleet, "demo-g5", backlog=0.0, backlog_at=fleet.clock.now - 60)
    fleet.clock.advance(10)
    assert dispatcher.dispatch_once(fleet.clock.now).dispatched == ()


def test_unparseable_and_foreign_completions_are_deleted_and_logged(queue_fleet, queues, logs):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    install_runtime_spy()
    queues.sqs.send_message(QueueUrl=queues.completions, MessageBody="{oops")
    queues.complete("someone-elses-endpoint", "x-1")
    result = dispatcher.dispatch_once(fleet.clock.now)
    assert (result.completions, result.ignored_completions) == (0, 2)
    assert queues.depth(queues.completions) == 0
    reasons = {line.get("reason") for line in logs if "completion" in line.get("message", "")}
    assert reasons == {"unparseable", "endpoint outside the fleet"}


def test_a_read_timeout_charges_the_endpoint_and_returns_the_message(queue_fleet, queues):
    from botocore.exceptions import ReadTimeoutError

    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    spy = install_runtime_spy()
    spy.raises = {"demo-g5": ReadTimeoutError(endpoint_url="https://runtime")}
    enqueue(fleet, 1)
    result = dispatcher.dispatch_once(fleet.clock.now)
    assert result.dispatched == () and result.returned == 1
    assert result.outstanding == {"demo-g5": 1.0}  # it may be running there
    assert len(queues.visible(queues.fleet)) == 1  # and it may not: never lost


def test_the_dispatcher_needs_queue_mode(make_fleet):
    make_fleet(instances={"demo-g5": 1})
    with pytest.raises(ConfigError, match='dispatch = "queue"'):
        dispatcher.dispatch_once(0.0)


def test_an_error_after_a_dispatch_keeps_it_in_the_ledger(queue_fleet, monkeypatch):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    install_runtime_spy()
    enqueue(fleet, 1)
    engine = runtime.dispatcher()

    def broken_delete(messages, seconds):
        raise ClientError(
            {"Error": {"Code": "InternalError", "Message": "x"}}, "ChangeMessageVisibilityBatch"
        )

    monkeypatch.setattr(engine._fleet_queue, "hide", broken_delete)
    with pytest.raises(ClientError):
        dispatcher.dispatch_once(fleet.clock.now)
    assert engine.ledger.outstanding() == {"demo-g5": 1.0}


def test_an_outage_of_every_endpoint_does_not_send_requests_to_the_dead_letter_queue(
    queue_fleet, queues, no_sleep
):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 0})
    slept = no_sleep(fleet)
    spy = install_runtime_spy()
    spy.failures = {"demo-g5": "ServiceUnavailable", "demo-g6": "ServiceUnavailable"}
    enqueue(fleet, 1)
    summary = run_dispatcher()  # run_seconds (58) of outage
    assert summary["dispatched"] == 0
    assert slept[0] == 2.0  # a failing round backs off
    assert len(spy.calls) == 2 * summary["returned"]  # both endpoints tried per receive
    assert summary["returned"] < MAX_RECEIVE_COUNT  # the cooldown spaces the attempts
    assert queues.visible(queues.dead_letters) == []
    assert len(queues.visible(queues.fleet)) == 1


def test_an_endpoint_that_does_not_exist_is_skipped_by_the_path_check(queue_fleet, logs):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 0})
    fleet.sm.delete("demo-g6")
    spy = install_runtime_spy()
    enqueue(fleet, 3)
    result = dispatcher.dispatch_once(fleet.clock.now)
    # demo-g6 is not verified, so it gets no work even while the state item says it serves.
    assert result.room["demo-g6"] == 0
    assert [endpoint for _, endpoint in result.dispatched] == ["demo-g5", "demo-g5"]
    assert set(spy.endpoints) == {"demo-g5"}
    assert any(
        line.get("message") == "endpoint not found; not verified"
        and line.get("endpoint") == "demo-g6"
        for line in logs
    )


# -- at-least-once: a dispatched message is held until its request is answered ----------


def fleet_message_receive_counts(queues):
    """ApproximateReceiveCount of every message on the fleet queue (visible or not)."""
    from moto.sqs.models import sqs_backends

    queue = sqs_backends["123456789012"]["us-east-1"].get_queue(queues.fleet.rsplit("/", 1)[-1])
    return {json.loads(m.body)["InferenceId"]: m.approximate_receive_count for m in queue._messages}


@pytest.mark.parametrize("status", ["Completed", "Failed"])
def test_a_held_message_is_deleted_by_its_completion(queue_fleet, queues, status):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    install_runtime_spy()
    enqueue(fleet, 1)
    dispatcher.dispatch_once(fleet.clock.now)
    fleet.clock.advance(10)
    idle = dispatcher.dispatch_once(fleet.clock.now)
    assert (idle.finished, idle.received) == (0, 0)
    assert queues.depth(queues.fleet) == 1  # still held: not visible, not deleted
    # A model error is answered too (at the failure location): the message is done.
    queues.complete("demo-g5", "req-0", status)
    fleet.clock.advance(10)
    done = dispatcher.dispatch_once(fleet.clock.now)
    assert (done.completions, done.finished) == (1, 1)
    assert queues.depth(queues.fleet) == 0
    assert runtime.dispatcher().held == {}


@pytest.mark.parametrize("incident", ["fail", "delete"])
def test_what_a_lost_endpoint_held_is_dispatched_elsewhere(queue_fleet, queues, incident):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 0})
    spy = install_runtime_spy()
    enqueue(fleet, 1)
    first = dispatcher.dispatch_once(fleet.clock.now)
    assert first.dispatched == (("req-0", "demo-g5"),)
    assert runtime.dispatcher().held == {"demo-g5": 1}
    if incident == "fail":
        fleet.sm.set_status("demo-g5", "Failed")
    else:
        boto3.client("sagemaker").delete_endpoint(EndpointName="demo-g5")
    fleet.reconcile()
    fleet.clock.advance(30)  # past the view's cache
    second = dispatcher.dispatch_once(fleet.clock.now)
    assert second.released == 1
    assert second.dispatched == (("req-0", "demo-g6"),)
    assert [call["EndpointName"] for call in spy.calls] == ["demo-g5", "demo-g6"]
    assert spy.calls[1]["InferenceId"] == "req-0" and spy.calls[1]["Filename"] == "req-0.out"
    assert runtime.dispatcher().held == {"demo-g6": 1}
    assert fleet_message_receive_counts(queues) == {"req-0": 2}  # one receive per dispatch
    assert queues.depth(queues.dead_letters) == 0  # one failure sends nothing to the DLQ
    queues.complete("demo-g6", "req-0")
    fleet.clock.advance(10)
    assert dispatcher.dispatch_once(fleet.clock.now).finished == 1
    assert queues.depth(queues.fleet) == 0


def test_an_endpoint_scaled_to_zero_keeps_what_it_holds(queue_fleet, queues):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 0})
    install_runtime_spy()
    enqueue(fleet, 1)
    dispatcher.dispatch_once(fleet.clock.now)
    fleet.sm.set_instances("demo-g5", 0)  # its queue stays; scale-from-zero serves it
    fleet.reconcile()
    fleet.clock.advance(30)
    result = dispatcher.dispatch_once(fleet.clock.now)
    assert (result.released, result.dispatched) == (0, ())
    assert runtime.dispatcher().held == {"demo-g5": 1}


def test_after_a_cold_start_a_held_message_reappears_when_its_hold_ends(
    queue_fleet, queues, monkeypatch
):
    monkeypatch.setattr(queue_dispatcher, "HOLD_SECONDS", 1)  # moto's visibility: real time
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    spy = install_runtime_spy()
    enqueue(fleet, 1)
    dispatcher.dispatch_once(fleet.clock.now)
    assert [call["InferenceId"] for call in spy.calls] == ["req-0"]
    runtime.reset()  # a new container: the receipt handle is forgotten
    spy = install_runtime_spy()
    assert dispatcher.dispatch_once(fleet.clock.now).received == 0  # still held
    time.sleep(1.2)
    fleet.clock.advance(10)
    again = dispatcher.dispatch_once(fleet.clock.now)
    # dispatched again (a duplicate: same InferenceId and Filename, the output overwritten)
    assert again.dispatched == (("req-0", "demo-g5"),)
    assert [call["InferenceId"] for call in spy.calls] == ["req-0"]
    # both runs complete; the first's completion is for a message no longer held: counted
    # in the ledger all the same; the second deletes the message
    queues.complete("demo-g5", "req-0")
    fleet.clock.advance(10)
    done = dispatcher.dispatch_once(fleet.clock.now)
    assert (done.completions, done.finished) == (1, 1)
    assert queues.depth(queues.fleet) == 0 and queues.depth(queues.dead_letters) == 0


class RecordingCloudWatch:
    """The real (moto) CloudWatch client, recording PutMetricData (optionally failing it)."""

    def __init__(self, fail: bool = False) -> None:
        self._real = boto3.client("cloudwatch")
        self.fail = fail
        self.puts: list[dict] = []

    def put_metric_data(self, **kwargs):
        self.puts.append(kwargs)
        if self.fail:
            error = {"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}
            raise ClientError(error, "PutMetricData")
        return self._real.put_metric_data(**kwargs)

    def __getattr__(self, name):
        return getattr(self._real, name)


def test_each_period_publishes_the_peak_of_its_rounds_once_it_has_ended(queue_fleet):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 0})  # capacity 2, room 4
    cloudwatch = RecordingCloudWatch()
    aws.override("cloudwatch", cloudwatch)
    install_runtime_spy()
    start = fleet.clock.now  # a period's start (aligned to 10 s)
    assert dispatcher.dispatch_once(start).signal is None  # nothing waits yet: measures 0
    # A burst 3 s into the period: the period's datapoint must carry it, not the 0 its
    # first round saw (the alarm would see the burst a period later).
    fleet.clock.advance(3)
    enqueue(fleet, 10)
    burst = dispatcher.dispatch_once(fleet.clock.now)
    assert len(burst.dispatched) == 4 and burst.signal is None  # the period has not ended
    assert cloudwatch.puts == []
    # The next period's first round publishes the last one's peak, stamped with its start:
    # 6 waiting in the fleet queue + 4 outstanding in the ledger, over 2 units in service.
    fleet.clock.advance(7)
    assert dispatcher.dispatch_once(fleet.clock.now).signal == (start, 5.0)
    [put] = cloudwatch.puts
    [datum] = put["MetricData"]
    assert put["Namespace"] == fleet.config.get("metrics_namespace", "SageMakerFleet")
    assert datum["MetricName"] == "OutstandingPerCapacity"
    assert datum["Dimensions"] == [{"Name": "Fleet", "Value": "demo"}]
    assert (datum["Value"], datum["StorageResolution"]) == (5.0, 1)
    assert datum["Timestamp"].timestamp() == start
    # Within a period, no second datapoint; the next period's peak is its highest round.
    fleet.clock.advance(4)
    enqueue(fleet, 2, prefix="more")
    assert dispatcher.dispatch_once(fleet.clock.now).signal is None
    fleet.clock.advance(6)
    assert dispatcher.dispatch_once(fleet.clock.now).signal == (start + 10, 6.0)
    assert len(cloudwatch.puts) == 2


def test_signal_seconds_0_publishes_nothing(queue_fleet):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0}, signal_seconds=0)
    cloudwatch = RecordingCloudWatch()
    aws.override("cloudwatch", cloudwatch)
    install_runtime_spy()
    enqueue(fleet, 3)
    result = dispatcher.dispatch_once(fleet.clock.now)
    assert len(result.dispatched) == 2 and result.signal is None
    assert cloudwatch.puts == []


def test_a_failed_measurement_still_publishes_the_ended_period(queue_fleet, logs, monkeypatch):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    cloudwatch = RecordingCloudWatch()
    aws.override("cloudwatch", cloudwatch)
    install_runtime_spy()
    start = fleet.clock.now
    enqueue(fleet, 3)
    assert len(dispatcher.dispatch_once(start).dispatched) == 2  # 1 waiting + 2 outstanding

    def throttled(self):
        error = {"Error": {"Code": "RequestThrottled", "Message": "Rate exceeded"}}
        raise ClientError(error, "GetQueueAttributes")

    monkeypatch.setattr(sqs.QueueClient, "waiting", throttled)
    fleet.clock.advance(10)
    result = dispatcher.dispatch_once(fleet.clock.now)
    assert result.signal == (start, 3.0)  # the period that ended still gets its datapoint
    [line] = [line for line in logs if line.get("message") == "fast signal not measured"]
    assert "Rate exceeded" in line["error"]
    fleet.clock.advance(10)
    assert dispatcher.dispatch_once(fleet.clock.now).signal is None  # nothing was measured
    assert len(cloudwatch.puts) == 1


def test_a_failed_signal_is_logged_and_dispatching_goes_on(queue_fleet, queues, logs):
    fleet = queue_fleet({"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0})
    cloudwatch = RecordingCloudWatch(fail=True)
    aws.override("cloudwatch", cloudwatch)
    install_runtime_spy()
    enqueue(fleet, 3)
    assert len(dispatcher.dispatch_once(fleet.clock.now).dispatched) == 2
    fleet.clock.advance(10)
    queues.complete("demo-g5", "req-0")
    result = dispatcher.dispatch_once(fleet.clock.now)
    assert len(result.dispatched) == 1 and result.signal is None
    assert len(cloudwatch.puts) == 1
    [line] = [line for line in logs if line.get("message") == "fast signal not published"]
    assert "Rate exceeded" in line["error"]
