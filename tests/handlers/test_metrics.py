"""The control plane's fleet-capacity metric (EMF log line) and backlog reads (issue 11)."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3

from tests.handlers.test_router import ASYNC_HEADERS


def emf_lines(logs: list[dict]) -> list[dict]:
    return [line for line in logs if "_aws" in line]


def test_every_state_loading_invocation_writes_one_emf_line(make_fleet, logs):
    fleet = make_fleet(instances={"demo-g5": 2, "demo-g6": 1, "demo-g4dn": 0}, strategy="priority")
    fleet.get()
    fleet.patch(5)
    fleet.event("demo-g5", "UPDATING")
    fleet.reconcile()
    fleet.route(ASYNC_HEADERS)  # the router publishes its burst signal, not the capacity
    every = emf_lines(logs)
    lines = [line for line in every if "InServiceCapacity" in line]
    assert [line["message"] for line in every if line not in lines] == ["routed"]
    assert len(lines) == 4
    expected_metrics = [
        {"Name": "InServiceCapacity", "Unit": "Count"},
        {"Name": "DesiredCapacity", "Unit": "Count"},
    ]
    for line in lines:
        assert set(line) == {"_aws", "Fleet", "InServiceCapacity", "DesiredCapacity"}
        assert line["_aws"]["Timestamp"] == int(fleet.clock.now * 1000)
        assert line["_aws"]["CloudWatchMetrics"] == [
            {"Namespace": "SageMakerFleet", "Dimensions": [["Fleet"]], "Metrics": expected_metrics}
        ]
        assert line["Fleet"] == "demo"
    assert [(line["InServiceCapacity"], line["DesiredCapacity"]) for line in lines] == [
        (3, 3),
        (3, 5),
        (3, 5),
        (3, 5),
    ]


def test_the_namespace_comes_from_the_config(make_fleet, logs):
    fleet = make_fleet(instances={"demo-g5": 1}, metrics_namespace="Team/Fleets")
    fleet.get()
    (line,) = emf_lines(logs)
    assert line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Team/Fleets"


def put_backlog(endpoint: str, value: float, when: float) -> None:
    boto3.client("cloudwatch").put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[
            {
                "MetricName": "ApproximateBacklogSize",
                "Dimensions": [{"Name": "EndpointName", "Value": endpoint}],
                "Timestamp": datetime.fromtimestamp(when, UTC),
                "Value": value,
            }
        ],
    )


def test_the_reconciler_stores_every_endpoints_backlog_from_one_call(make_fleet):
    from tests.support.runtime_spy import CallCounter

    fleet = make_fleet(instances={"demo-g5": 2, "demo-g6": 1, "demo-g4dn": 0})
    fleet.get()
    minute = fleet.clock.now - fleet.clock.now % 60
    put_backlog("demo-g5", 4, minute - 120)
    put_backlog("demo-g5", 7, minute - 60)
    put_backlog("demo-g6", 0, minute - 60)
    counter = CallCounter().attach("cloudwatch")
    fleet.reconcile()
    assert counter.count("cloudwatch", ("GetMetricData",)) == 1
    endpoints = fleet.item()["endpoints"]
    assert (endpoints["demo-g5"]["backlog"], endpoints["demo-g5"]["backlog_at"]) == (
        7.0,
        minute - 60,
    )
    assert endpoints["demo-g6"]["backlog"] == 0.0
    assert endpoints["demo-g4dn"]["backlog"] is None  # no datapoint


def test_a_failed_backlog_read_does_not_stop_the_reconciler(make_fleet, monkeypatch, logs):
    from botocore.exceptions import ClientError

    from fleet_autoscaler import aws

    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0}, strategy="priority")
    fleet.get()
    client = aws.client("cloudwatch")

    def denied(**_):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetMetricData")

    monkeypatch.setattr(client, "get_metric_data", denied)
    fleet.patch(2)
    fleet.sm.complete("demo-g5")
    assert fleet.reconcile()["actualCapacity"] == 2
    assert any(line.get("message") == "backlog read failed" for line in logs)


def test_the_router_sends_async_work_where_it_waits_least(make_fleet):
    from collections import Counter

    from tests.support.runtime_spy import CallCounter, install_runtime_spy

    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 0})
    fleet.get()
    minute = fleet.clock.now - fleet.clock.now % 60
    put_backlog("demo-g5", 12, minute - 60)
    put_backlog("demo-g6", 0, minute - 60)
    fleet.reconcile()
    spy = install_runtime_spy()
    counter = CallCounter().attach("dynamodb")
    for _ in range(14):
        assert fleet.route(ASYNC_HEADERS)["statusCode"] == 200
    # g5 has 12 waiting: g6 takes the next 12, then they alternate.
    assert spy.endpoints[:12] == ["demo-g6"] * 12
    assert Counter(spy.endpoints[12:]) == {"demo-g5": 1, "demo-g6": 1}
    writes = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
    assert counter.count("dynamodb", writes) == 0


def test_a_stale_backlog_is_ignored_by_the_router(make_fleet):
    from collections import Counter

    from tests.support.runtime_spy import install_runtime_spy

    fleet = make_fleet(instances={"demo-g5": 1, "demo-g6": 1, "demo-g4dn": 0})
    fleet.get()
    minute = fleet.clock.now - fleet.clock.now % 60
    put_backlog("demo-g5", 12, minute - 60)
    fleet.reconcile()
    fleet.clock.advance(400)  # datapoint now older than backlog_max_age_seconds (300)
    spy = install_runtime_spy()
    for _ in range(10):
        fleet.route(ASYNC_HEADERS)
    assert Counter(spy.endpoints) == {"demo-g5": 5, "demo-g6": 5}


def test_scale_in_waits_for_the_endpoints_queue_to_drain(make_fleet):
    fleet = make_fleet(
        instances={"demo-g5": 2, "demo-g6": 0, "demo-g4dn": 1},
        strategy="priority",
        drain_timeout_seconds=900,
    )
    fleet.get()
    minute = fleet.clock.now - fleet.clock.now % 60
    put_backlog("demo-g4dn", 5, minute - 60)
    fleet.reconcile()
    fleet.patch(2)  # priority removes g4dn's instance, but 5 requests wait there
    assert fleet.sm.calls == []
    assert fleet.item()["endpoints"]["demo-g4dn"]["target"] == 1
    fleet.clock.advance(120)
    put_backlog("demo-g4dn", 0, minute + 60)
    fleet.reconcile()
    assert fleet.sm.calls == [("demo-g4dn", 0)]
    fleet.settle()
    assert fleet.instances() == {"demo-g5": 2, "demo-g6": 0, "demo-g4dn": 0}


def put_arrivals(count: float, when: float) -> None:
    boto3.client("cloudwatch").put_metric_data(
        Namespace="AWS/ApiGateway",
        MetricData=[
            {
                "MetricName": "Count",
                "Dimensions": [
                    {"Name": "ApiName", "Value": "fleet-router"},
                    {"Name": "Stage", "Value": "v1"},
                ],
                "Timestamp": datetime.fromtimestamp(when, UTC),
                "Value": count,
            }
        ],
    )


def test_a_busy_fleet_keeps_one_instance_when_asked_for_zero(make_fleet):
    from tests.support.runtime_spy import CallCounter

    fleet = make_fleet(
        instances={"demo-g5": 1, "demo-g6": 0, "demo-g4dn": 0},
        strategy="priority",
        min_capacity=0,
        scale_to_zero_idle_seconds=900,
        router_api={"name": "fleet-router", "stage": "v1"},
    )
    fleet.get()
    minute = fleet.clock.now - fleet.clock.now % 60
    put_arrivals(1, minute - 120)
    put_backlog("demo-g5", 0, minute - 60)
    counter = CallCounter().attach("cloudwatch")
    fleet.reconcile()
    assert counter.count("cloudwatch", ("GetMetricData",)) == 1  # backlog + Count: one call
    assert fleet.item()["last_busy_at"] == minute - 60
    fleet.patch(0)
    assert fleet.sm.calls == []
    from tests.support.harness import body

    answer = body(fleet.get())
    assert (answer["desiredCapacity"], answer["actualCapacity"]) == (0, 1)
    assert answer["scalingStatus"] == "Successful"
    # Idle for scale_to_zero_idle_seconds: the next reconcile lets the fleet reach 0.
    fleet.clock.advance(900)
    fleet.reconcile()
    assert fleet.sm.calls == [("demo-g5", 0)]
