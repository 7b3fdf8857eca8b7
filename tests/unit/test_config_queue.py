"""FLEET_CONFIG dispatch and queue (queue mode): parsed, and a bad one names the field."""

from __future__ import annotations

import json
import re

import pytest

from fleet_autoscaler.config import ConfigError, parse_config
from fleet_autoscaler.model import QueueSpec
from tests.support.harness import default_config

QUEUE = {
    "queue_url": "https://sqs.us-east-1.amazonaws.com/123456789012/demo-fleet",
    "completion_queue_url": "https://sqs.us-east-1.amazonaws.com/123456789012/demo-done",
    "output_path": "s3://results-bucket/demo/out/",
    "failure_path": "s3://results-bucket/demo/failed/",
    "room_per_capacity": 3,
    "run_seconds": 40,
    "signal_seconds": 20,
}


def _queue_config(**queue_changes):
    queue = dict(QUEUE)
    for key, value in queue_changes.items():
        if value is _DROP:
            queue.pop(key)
        else:
            queue[key] = value
    return json.dumps(default_config(dispatch="queue", queue=queue))


_DROP = object()


def test_dispatch_defaults_to_direct_without_a_queue():
    config = parse_config(json.dumps(default_config()))
    assert config.dispatch == "direct"
    assert config.queue is None


def test_queue_mode_reads_every_field():
    config = parse_config(_queue_config())
    assert config.dispatch == "queue"
    assert config.queue == QueueSpec(
        queue_url=QUEUE["queue_url"],
        completion_queue_url=QUEUE["completion_queue_url"],
        output_path="s3://results-bucket/demo/out/",
        failure_path="s3://results-bucket/demo/failed/",
        room_per_capacity=3.0,
        run_seconds=40,
        signal_seconds=20,
    )


def test_queue_optional_fields_take_defaults():
    config = parse_config(
        _queue_config(
            failure_path=_DROP, room_per_capacity=_DROP, run_seconds=_DROP, signal_seconds=_DROP
        )
    )
    assert config.queue is not None
    assert config.queue.failure_path is None
    assert config.queue.room_per_capacity == 2.0
    assert config.queue.run_seconds == 58
    assert config.queue.signal_seconds == 10


def test_failure_path_may_be_null_and_room_fractional():
    config = parse_config(_queue_config(failure_path=None, room_per_capacity=0.5))
    assert config.queue is not None
    assert (config.queue.failure_path, config.queue.room_per_capacity) == (None, 0.5)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (json.dumps(default_config(dispatch="fifo")), "dispatch must be one of direct, queue"),
        (json.dumps(default_config(dispatch="queue")), "queue (an object) is required"),
        (json.dumps(default_config(dispatch="queue", queue="url")), "queue (an object)"),
        (json.dumps(default_config(queue=QUEUE)), 'queue is only allowed with dispatch = "queue"'),
        (
            json.dumps(default_config(dispatch="direct", queue=QUEUE)),
            'queue is only allowed with dispatch = "queue"',
        ),
        (
            json.dumps(
                default_config(
                    dispatch="queue",
                    queue=QUEUE,
                    invocation_mode="realtime",
                    endpoints=[{"name": "rt", "min_instances": 1}],
                )
            ),
            'dispatch = "queue" needs invocation_mode "async"',
        ),
        (_queue_config(queue_url=_DROP), "queue.queue_url is required"),
        (_queue_config(queue_url=""), "queue.queue_url must be a non-empty string"),
        (_queue_config(queue_url="demo-fleet"), "queue.queue_url must be an SQS queue URL"),
        (_queue_config(queue_url="https://sqs.x/"), "queue.queue_url must be an SQS queue URL"),
        (_queue_config(completion_queue_url=_DROP), "queue.completion_queue_url is required"),
        (_queue_config(completion_queue_url=7), "queue.completion_queue_url must be a non-empty"),
        (_queue_config(output_path=_DROP), "queue.output_path is required"),
        (_queue_config(output_path="results/out/"), "queue.output_path must be an s3://"),
        (_queue_config(output_path="s3://Bad_Bucket/out/"), "queue.output_path must be an s3://"),
        (_queue_config(output_path="s3://a..b/out/"), "queue.output_path must be an s3://"),
        (_queue_config(failure_path="http://x/y"), "queue.failure_path must be an s3://"),
        (_queue_config(failure_path=""), "queue.failure_path must be a non-empty string"),
        (_queue_config(room_per_capacity=0), "queue.room_per_capacity must be > 0"),
        (_queue_config(room_per_capacity=-1), "queue.room_per_capacity must be >= 0"),
        (_queue_config(room_per_capacity="2"), "queue.room_per_capacity must be a finite number"),
        (_queue_config(room_per_capacity=True), "queue.room_per_capacity must be a finite number"),
        (_queue_config(run_seconds=0), "queue.run_seconds must be >= 1"),
        (_queue_config(run_seconds=841), "queue.run_seconds must be <= 840"),
        (_queue_config(run_seconds=1.5), "queue.run_seconds must be an integer"),
        (_queue_config(signal_seconds=15), "queue.signal_seconds must be 0 (off), 10, 20 or 30"),
        (_queue_config(signal_seconds=60), "queue.signal_seconds must be 0 (off), 10, 20 or 30"),
        (_queue_config(signal_seconds=-10), "queue.signal_seconds must be >= 0"),
        (_queue_config(signal_seconds="10"), "queue.signal_seconds must be an integer"),
    ],
)
def test_invalid_queue_config_names_the_bad_field(text, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config(text)


def test_run_seconds_bounds_are_inclusive():
    assert parse_config(_queue_config(run_seconds=1)).queue.run_seconds == 1
    assert parse_config(_queue_config(run_seconds=840)).queue.run_seconds == 840


@pytest.mark.parametrize("seconds", [0, 10, 20, 30])
def test_signal_seconds_takes_the_high_resolution_alarm_periods_or_0(seconds):
    assert parse_config(_queue_config(signal_seconds=seconds)).queue.signal_seconds == seconds


def test_local_emulator_queue_urls_are_accepted():
    config = parse_config(_queue_config(queue_url="http://localhost:4566/000000000000/fleet-q"))
    assert config.queue.queue_url == "http://localhost:4566/000000000000/fleet-q"
