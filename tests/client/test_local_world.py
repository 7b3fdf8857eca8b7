"""The standalone world behind `make serve-local`: what it prints while it runs."""

from __future__ import annotations

import io
import json
import logging
import threading
import time

from botocore.exceptions import ClientError

from local_api import RoutedInvocation, SimulatedAsyncEndpoint
from local_api.world import LocalWorld, decision_changed


def test_an_unchanged_decision_is_not_printed_again() -> None:
    first = {"fleet": "demo", "desired": 2, "actual": 2, "updates": []}
    assert decision_changed(None, first)
    assert not decision_changed(first, dict(first))
    assert decision_changed(first, {**first, "desired": 3})
    assert decision_changed(first, {**first, "updates": [("demo-g5", 2)]})
    # The embedded-metric timestamp changes on every call; it is not a change of decision.
    timed = {**first, "_aws": {"Timestamp": 1}}
    assert not decision_changed(timed, {**first, "_aws": {"Timestamp": 2}})


class Lines(logging.Handler):
    """What the control plane's log handler would print, line by line."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_the_schedule_prints_a_decision_only_when_it_changed() -> None:
    from fleet_autoscaler.log import JsonFormatter

    logger = logging.getLogger("fleet_autoscaler")
    printed = Lines()
    printed.setFormatter(JsonFormatter())
    logger.addHandler(printed)
    try:
        with LocalWorld(latency_seconds=0.1, reconcile_seconds=0.05) as world:
            deadline = time.monotonic() + 60
            while world.reconciles < 5 and time.monotonic() < deadline:
                time.sleep(0.05)
            reconciles = world.reconciles
    finally:
        logger.removeHandler(printed)
    assert reconciles >= 5
    records = [json.loads(line) for line in printed.lines]
    decisions = [r for r in records if r.get("message") == "fleet decision"]
    assert len(decisions) == 1, decisions
    # The EMF capacity line repeats with a new timestamp only: printed once too.
    metrics = [r for r in records if "_aws" in r]
    assert len(metrics) == 1, metrics


class MemoryS3:
    """Just the three S3 calls the simulated endpoint makes, on a dict."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {("b", "in"): b"payload"}
        self.written = threading.Event()

    def get_object(self, Bucket: str, Key: str) -> dict[str, object]:
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)])}

    def put_object(self, Bucket: str, Key: str, Body: bytes, **kwargs: object) -> None:
        self.objects[(Bucket, Key)] = Body
        self.written.set()

    def delete_object(self, Bucket: str, Key: str) -> None:
        self.objects.pop((Bucket, Key), None)


def invocation(name: str) -> RoutedInvocation:
    return RoutedInvocation("demo", "e1", name, "s3://b/in", f"s3://b/{name}.out", None, None, {})


def test_a_slow_request_does_not_hold_up_the_ones_behind_it() -> None:
    s3 = MemoryS3()
    endpoint = SimulatedAsyncEndpoint(s3_factory=lambda: s3).start()
    try:
        endpoint.latency_seconds = 600.0
        endpoint(invocation("slow"))
        endpoint.latency_seconds = 0.0
        endpoint(invocation("quick"))
        assert s3.written.wait(30)
        assert [done.inference_id for done in endpoint.completed] == ["quick"]
        assert ("b", "slow.out") not in s3.objects
    finally:
        started = time.monotonic()
        endpoint.stop()
    assert time.monotonic() - started < 1.0  # the slow one is dropped, not waited for


def test_an_output_is_visible_only_once_its_invocation_counts_as_completed() -> None:
    # A caller that polls S3 for the output (fleet-client invoke --wait) and then reads
    # ``completed`` must find the invocation there: the CI run of 2026-12-02 did not.
    seen: list[list[str | None]] = []
    s3 = MemoryS3()
    endpoint = SimulatedAsyncEndpoint(s3_factory=lambda: s3, latency_seconds=0.0)
    writes = s3.put_object

    def put_object(Bucket: str, Key: str, Body: bytes, **kwargs: object) -> None:
        seen.append([done.inference_id for done in endpoint.completed])
        writes(Bucket=Bucket, Key=Key, Body=Body, **kwargs)

    s3.put_object = put_object  # type: ignore[method-assign]
    endpoint.start()
    try:
        endpoint(invocation("first"))
        assert s3.written.wait(30)
    finally:
        endpoint.stop()
    assert seen == [["first"]]


def test_an_output_that_cannot_be_written_does_not_count_as_completed() -> None:
    class RefusingS3(MemoryS3):
        def put_object(self, Bucket: str, Key: str, Body: bytes, **kwargs: object) -> None:
            self.written.set()
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "PutObject")

    s3 = RefusingS3()
    said: list[str] = []
    endpoint = SimulatedAsyncEndpoint(s3_factory=lambda: s3, latency_seconds=0.0, log=said.append)
    endpoint.start()
    try:
        endpoint(invocation("refused"))
        assert s3.written.wait(30)
        deadline = time.monotonic() + 30
        while not said and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        endpoint.stop()
    assert endpoint.completed == []
    assert said and "could not complete refused" in said[0]
