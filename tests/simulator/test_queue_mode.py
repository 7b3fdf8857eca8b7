"""Queue mode in the simulator: the real router enqueues on SQS, the real dispatcher sends
work where there is room, waits count from arrival, and nothing vanishes."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from fleet_autoscaler.model import QueueSpec
from simulator import cli
from simulator import controls as controls_module
from simulator.cloudwatch import DelayedCloudWatch
from simulator.controls import Published, arrivals_key, capacity_key, endpoint_key, signal_inputs
from simulator.engine import (
    DISPATCH_STEP_SECONDS,
    QUEUE_COLUMN,
    TICK_SECONDS,
    World,
    dispatch_due,
    simulate,
)
from simulator.fleet_queue import RUN_SECONDS, FleetQueue, notification, sqs_depth_key
from simulator.report import summarise
from simulator.scenario import DEFAULT_START, load
from tests.simulator.conftest import BURST, published_minute, write_scenario

# Nothing in service at the start; 8 requests/minute for 3 minutes, then silence.
FROM_ZERO = """
duration_minutes = 30
max_capacity = 8
[[endpoints]]
name = "demo-g5"
instance_type = "ml.g5.2xlarge"
initial_instances = 0
max_instances = 4
priority = 1
[[endpoints]]
name = "demo-g6"
instance_type = "ml.g6.2xlarge"
initial_instances = 0
max_instances = 4
priority = 2
[[demand]]
at_minute = 0
rate = 8
[[demand]]
at_minute = 3
rate = 0
"""


def accounted(summary: dict) -> int:
    return summary["served"] + summary["lost"] + summary["queued_at_end"]


def test_queue_mode_serves_a_burst_end_to_end_through_the_fleet_queue(tmp_path):
    outcome = simulate(load(write_scenario(tmp_path, "burst", BURST)), dispatch="queue")
    summary = summarise(outcome)
    assert summary["control"] == "race-queue" and summary["dispatch"] == "queue"
    assert summary["lost"] == 0 and summary["dead_lettered"] == 0
    assert summary["served"] == summary["requests"] and summary["queued_at_end"] == 0
    # every request went router -> SQS -> dispatcher -> endpoint -> SNS -> completion queue
    assert summary["dispatches"] == summary["requests"]
    assert summary["duplicate_dispatches"] == 0
    assert summary["completions_published"] == summary["served"]
    # the burst waited on the fleet queue (shown in the timeline), not on the endpoints
    assert max(row.backlog[QUEUE_COLUMN] for row in outcome.timeline) > 20
    assert max(row.actual for row in outcome.timeline) >= 8


# At minute 12.55 the incident takes effect at the 760-s tick boundary, just after the
# failing endpoint finished a request: the dispatcher's next round, 2 s rounds inside the
# running invocation, comes before the control plane hears of the failure (its event
# comes 5 s later) and refills the endpoint that has just failed (seen here: one request).
@pytest.mark.parametrize("action", ["fail", "delete"])
def test_an_endpoint_failing_mid_run_loses_nothing_in_queue_mode(tmp_path, action):
    body = BURST + f'[[incidents]]\nendpoint = "demo-g5"\nat_minute = 12.55\naction = "{action}"\n'
    scenario = load(write_scenario(tmp_path, "incident", body), strategy="priority")
    queued = summarise(simulate(scenario, dispatch="queue"))
    direct = summarise(simulate(scenario))
    assert accounted(queued) == queued["requests"]  # nothing vanishes uncounted
    assert accounted(direct) == direct["requests"]
    assert queued["queued_at_end"] == 0 and queued["dead_lettered"] == 0
    # The dispatcher keeps each message until the endpoint's completion: what the failed
    # endpoint held is made visible again and dispatched elsewhere, served once.
    assert queued["lost"] == 0
    assert queued["served"] == queued["requests"]
    assert queued["redispatches"] > 0
    assert queued["duplicate_dispatches"] == queued["served_twice"] == 0
    # Direct mode loses the endpoint's whole queue.
    assert direct["lost"] > 5
    if action == "fail":
        # the race above happened, and the request sent into it ran once, elsewhere
        assert queued["invoked_unavailable"] > 0


def test_the_endpoint_failure_scenario_loses_nothing_in_queue_mode():
    # One seed here (each run takes about 45 s of CPU through moto); `make bench-scaling`
    # runs seeds 1-3 of every scenario and reports lost, queued and stranded requests.
    summary = summarise(simulate(load("endpoint-failure", seed=1), dispatch="queue"))
    assert summary["lost"] == 0 and summary["dead_lettered"] == 0
    assert accounted(summary) == summary["requests"]
    assert summary["redispatches"] > 0  # the failure and the deletion both held work
    assert summary["duplicate_dispatches"] == summary["served_twice"] == 0


def test_waits_count_from_arrival_and_scale_from_zero_fires_on_queued_work(tmp_path):
    outcome = simulate(load(write_scenario(tmp_path, "zero", FROM_ZERO)), dispatch="queue")
    summary = summarise(outcome)
    assert summary["lost"] == 0 and summary["served"] == summary["requests"] > 10
    # no capacity for the first minutes: the work waits on the fleet queue ...
    assert all(row.actual == 0 for row in outcome.timeline[:3])
    assert outcome.timeline[1].backlog[QUEUE_COLUMN] > 0
    assert all(
        row.backlog["demo-g5"] == row.backlog["demo-g6"] == 0 for row in outcome.timeline[:3]
    )
    # ... scale-from-zero fires on it once the first datapoint is published (minute 3) ...
    first = next(row for row in outcome.timeline if row.patched)
    assert first.minute == 3 and "scale-from-zero" in first.reason
    # ... and the first requests (arrived in minute 0) waited from their arrival through
    # the PATCH (180 s) and the quickest provisioning (ml.g6.2xlarge: 420 s), not from
    # when the dispatcher sent them
    assert max(outcome.waits) >= 180 + 420 - 60
    assert summary["zero_capacity_minutes"] > 0


def test_scale_from_zero_fires_on_the_fleet_queue_alone(tmp_path):
    # Requests arrive in minute 0 only; the alarm needs 3 breaching datapoints, so minutes
    # 1 and 2 (no arrivals, nothing dispatched to any endpoint) breach only through q.
    body = FROM_ZERO.replace("at_minute = 3", "at_minute = 1") + (
        "[autoscaling]\nscale_from_zero_evaluation_periods = 3\n"
    )
    outcome = simulate(load(write_scenario(tmp_path, "only-q", body)), dispatch="queue")
    first = next(row for row in outcome.timeline if row.patched)
    assert first.minute == 5 and "scale-from-zero" in first.reason  # period 2, 2 min late
    assert outcome.timeline[4].backlog[QUEUE_COLUMN] > 0
    summary = summarise(outcome)
    assert summary["served"] == summary["requests"] > 0 and summary["lost"] == 0


def test_the_fleet_queue_depth_reaches_the_load_signal_after_the_metric_delay(
    tmp_path, monkeypatch
):
    seen: list[Published] = []
    real = controls_module.signal_inputs

    def spy(published, endpoints, fleet, signal, queue=None, backlog_minutes=1.0):
        assert queue == "demo-fleet-queue"
        seen.append(published)
        return real(published, endpoints, fleet, signal, queue, backlog_minutes)

    monkeypatch.setattr(controls_module, "signal_inputs", spy)
    simulate(load(write_scenario(tmp_path, "zero", FROM_ZERO)), dispatch="queue")
    key = sqs_depth_key("demo-fleet-queue")
    assert [published.period for published in seen[:4]] == [-2, -1, 0, 1]  # 2 minutes late
    for published in seen:
        value = published.get(key)
        assert (value is None) == (published.period < 0), published.period
    assert max(p.get(key) or 0.0 for p in seen) > 0


def test_the_fleet_queue_depth_is_one_sample_a_minute_taken_at_its_end(tmp_path, monkeypatch):
    # SQS metrics are "collected and pushed to CloudWatch at one-minute intervals" (SQS
    # developer guide, "Monitoring Amazon SQS queues using CloudWatch"): one value per minute,
    # so the minute's Maximum is that sample, not the most the queue held in the minute.
    samples: list[int] = []
    real_sample = World._sample

    def spy(self, instances):
        sample = real_sample(self, instances)
        samples.append(sample["_queue_visible"])
        return sample

    recorded: dict[int, float] = {}
    real_record = DelayedCloudWatch.record

    def record(self, key, period, value):
        if key == sqs_depth_key("demo-fleet-queue"):
            recorded[period] = value
        return real_record(self, key, period, value)

    monkeypatch.setattr(World, "_sample", spy)
    monkeypatch.setattr(DelayedCloudWatch, "record", record)
    simulate(load(write_scenario(tmp_path, "zero", FROM_ZERO)), dispatch="queue")
    per_minute = round(60 / TICK_SECONDS)
    minutes = [samples[i : i + per_minute] for i in range(0, len(samples), per_minute)]
    assert recorded and len(recorded) == len(minutes)
    for period, value in recorded.items():
        assert value == minutes[period][-1], period
    # the run has minutes whose last sample is below their peak: the test can tell them apart
    assert any(minute[-1] < max(minute) for minute in minutes)


@pytest.mark.parametrize(("mode", "minutes"), [("queue", 1.0), ("direct", 3.0)])
def test_each_dispatch_mode_spreads_the_backlog_over_its_own_default_minutes(
    tmp_path, monkeypatch, mode, minutes
):
    # scaling_defaults.json: load_backlog_minutes_queue 1 (the fleet queue counts whole),
    # load_backlog_minutes_direct 3 (README, "Choosing the defaults")
    horizons: set[float] = set()
    real = controls_module.signal_inputs

    def spy(published, endpoints, fleet, signal, queue=None, backlog_minutes=1.0):
        horizons.add(backlog_minutes)
        return real(published, endpoints, fleet, signal, queue, backlog_minutes)

    monkeypatch.setattr(controls_module, "signal_inputs", spy)
    simulate(load(write_scenario(tmp_path, "zero", FROM_ZERO)), dispatch=mode)
    assert horizons == {minutes}


def test_signal_inputs_add_the_queue_depth_to_load_and_to_waiting_without_capacity():
    cloudwatch = DelayedCloudWatch(120, DEFAULT_START)
    for key, value in [
        (arrivals_key(), 4.0),
        (capacity_key("demo"), 0.0),
        (endpoint_key("ApproximateBacklogSize", "e1"), 1.0),
        (sqs_depth_key("q"), 7.0),
    ]:
        cloudwatch.record(key, 0, value)
    assert cloudwatch.publish_due(60 + 119, to_moto=False) == []  # not published yet
    cloudwatch.publish_due(60 + 120, to_moto=False)
    seen = Published(cloudwatch, 0)
    assert signal_inputs(seen, ["e1"], "demo", "load") == (5.0, 5.0)
    assert signal_inputs(seen, ["e1"], "demo", "load", queue="q") == (12.0, 12.0)
    # load_backlog_minutes spreads the endpoints' backlog and the queue's depth alike
    assert signal_inputs(seen, ["e1"], "demo", "load", "q", backlog_minutes=4) == (6.0, 12.0)


def test_queue_mode_load_leaves_out_one_request_in_service_per_unit():
    """In queue mode the endpoints hold what the dispatcher sent them, about one request in
    service per unit at a steady load: only their backlog beyond one per in-service unit
    counts as waiting (the fleet queue's depth counts in full)."""
    seen = Published(
        published_minute(
            {
                arrivals_key(): 40.0,
                capacity_key("demo"): 8.0,
                endpoint_key("ApproximateBacklogSize", "e1"): 7.0,
                endpoint_key("ApproximateBacklogSize", "e2"): 5.0,
                sqs_depth_key("q"): 2.0,
            }
        ),
        0,
    )
    # direct mode: every request on an endpoint counts
    assert signal_inputs(seen, ["e1", "e2"], "demo", "load") == ((40 + 12) / 8, 0.0)
    assert signal_inputs(seen, ["e1", "e2"], "demo", "load", queue="q") == (
        (40 + (12 - 8) + 2) / 8,
        0.0,
    )


def test_a_completion_is_a_sagemaker_notification():
    success = notification("demo-g5", "req-1", 100.0, 160.5, "s3://out/results/req-1.out")
    assert success["invocationStatus"] == "Completed"
    assert success["inferenceId"] == "req-1"
    assert success["requestParameters"]["endpointName"] == "demo-g5"
    assert success["responseParameters"]["outputLocation"] == "s3://out/results/req-1.out"
    assert success["eventTime"] == "1970-01-01T00:02:40.500Z"
    failure = notification("e", "i", 0, 1, "s3://out/failures/i.out", failure_reason="boom")
    assert failure["invocationStatus"] == "Failed" and failure["failureReason"] == "boom"
    assert failure["responseParameters"] == {"failureLocation": "s3://out/failures/i.out"}


def test_queue_mode_is_a_mode_of_the_fleet_control_on_the_load_signal(tmp_path):
    scenario = load(write_scenario(tmp_path, "tiny", BURST.replace("70", "2")))
    with pytest.raises(ValueError, match="mode of the fleet control"):
        simulate(scenario, control="pool", dispatch="queue")
    with pytest.raises(ValueError, match="load signal"):
        simulate(scenario, signal="backlog", dispatch="queue")
    with pytest.raises(ValueError, match="direct or queue"):
        simulate(scenario, dispatch="late")


def test_cli_runs_queue_mode_into_its_own_folder(tmp_path, capsys):
    path = write_scenario(tmp_path, "cli", BURST.replace("70", "12"))
    out = tmp_path / "out"
    code = cli.main(["--scenario", path, "--dispatch", "queue", "--no-plot", "--out", str(out)])
    assert code == 0
    folder = next(out.glob("cli-*/fleet-race-queue-seed7"))
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["dispatch"] == "queue" and summary["lost"] == 0
    timeline = (folder / "timeline.txt").read_text()
    assert "min req/m backlog queue" in " ".join(timeline.split())  # the queue's own column
    assert cli.main(["--scenario", path, "--control", "pool", "--dispatch", "queue"]) == 2
    assert "mode of --control fleet" in capsys.readouterr().err


def test_direct_mode_invocations_are_answered_by_the_simulated_runtime(tmp_path, monkeypatch):
    # The README promises it: the router's InvokeEndpointAsync reaches the world's
    # SimRuntime (a deleted endpoint answers "not found", as SageMaker does), not moto's.
    calls: list[str] = []
    real = controls_module.SimRuntime.invoke_endpoint_async

    def spy(self, EndpointName, **kwargs):
        calls.append(EndpointName)
        return real(self, EndpointName, **kwargs)

    monkeypatch.setattr(controls_module.SimRuntime, "invoke_endpoint_async", spy)
    summary = summarise(simulate(load(write_scenario(tmp_path, "d", BURST.replace("70", "8")))))
    assert summary["requests"] > 0
    assert len(calls) == summary["requests"]


def test_the_world_tells_a_second_dispatch_from_a_request_sent_by_hand():
    queue = FleetQueue("demo")
    queue.enqueue("req-1", 12.0, 1.5)
    assert queue.take("req-1", "demo-g5", 20.0) == (12.0, 1.5)
    queue.finished("req-1")
    assert queue.take("req-1", "demo-g6", 30.0) == (12.0, 1.5)  # SQS delivered it again
    assert queue.take("by-hand", "demo-g5", 40.0) is None
    assert (queue.dispatches, queue.duplicates) == (3, 1)
    assert queue.dispatched == {"req-1": (30.0, "demo-g6"), "by-hand": (40.0, "demo-g5")}


def test_a_request_a_failed_endpoint_held_runs_again_as_a_redispatch_not_a_duplicate():
    queue = FleetQueue("demo")
    queue.enqueue("req-1", 12.0, 1.5)
    queue.enqueue("req-2", 13.0, 0.5)
    assert queue.take("req-1", "demo-g5", 20.0) == (12.0, 1.5)
    assert queue.orphan(["req-1", "by-hand"]) == 1  # demo-g5 failed holding them
    assert queue.orphaned == {"req-1": (12.0, 1.5)} and queue.dispatched == {}
    assert queue.take("req-1", "demo-g6", 40.0) == (12.0, 1.5)  # keeps its arrival time
    assert (queue.dispatches, queue.redispatches, queue.duplicates) == (2, 1, 0)
    assert queue.orphaned == {}


def test_room_per_capacity_reaches_the_dispatcher_and_bounds_what_endpoints_hold(
    tmp_path, monkeypatch
):
    # The burst's first 30 minutes: the endpoints hold the most while it outgrows the fleet.
    burst = BURST.replace("duration_minutes = 70", "duration_minutes = 35")
    scenario = load(write_scenario(tmp_path, "burst", burst))
    configs: list[dict] = []
    create = FleetQueue.create

    def spy(self, *args, **kwargs):
        config = create(self, *args, **kwargs)
        configs.append(config)
        return config

    monkeypatch.setattr(FleetQueue, "create", spy)

    def held_at_endpoints(room: float | None) -> int:
        outcome = simulate(scenario, dispatch="queue", room_per_capacity=room)
        assert summarise(outcome)["lost"] == 0
        return max(
            sum(n for name, n in row.backlog.items() if name != QUEUE_COLUMN)
            for row in outcome.timeline
        )

    default, one, four = held_at_endpoints(None), held_at_endpoints(1), held_at_endpoints(4)
    assert [c["room_per_capacity"] for c in configs] == [2.0, 1, 4]
    # the burst outgrows the fleet: the endpoints hold about k x capacity, the rest waits
    # on the fleet queue, so a larger k holds more at the endpoints
    assert one < default < four


def test_room_per_capacity_must_be_positive():
    with pytest.raises(ValueError, match="room_per_capacity must be > 0"):
        simulate(load("step"), dispatch="queue", room_per_capacity=0)


def _first_patch(outcome) -> tuple[int, str]:
    return next((row.minute, row.reason) for row in outcome.timeline if row.patched is not None)


def test_the_burst_alarm_scales_out_before_the_minute_datapoint_is_published(tmp_path):
    # One instance in service; 30 requests/minute from minute 5 (300 s). The one-minute
    # datapoint of minute [5, 6) is published at 360 + 120 s, so the minute policies act in
    # minute 8 at the earliest. The dispatcher publishes each 10-second period's peak once
    # the period has ended: [300, 310) reads 4 per unit, [310, 320) 8, then 14 and 18,
    # above the threshold (11) twice; the burst alarm sees those at 350 and 360 s and
    # acts at 360 s, in minute 6.
    # Without the burst alarm, the fast scale-out alarm leaves a one-unit fleet to target
    # tracking (fast_scale_out_min_capacity_queue 2), whose third datapoint is published in
    # minute 10; read on one unit too (0), the fast alarm acts on the first, in minute 8.
    scenario = load(write_scenario(tmp_path, "burst", BURST.replace("70", "18")))
    ungated = load(
        write_scenario(
            tmp_path,
            "ungated",
            BURST.replace("70", "18") + "[autoscaling]\nfast_scale_out_min_capacity_queue = 0\n",
        )
    )
    fast = simulate(scenario, dispatch="queue")
    off = simulate(scenario, dispatch="queue", signal_seconds=0)
    off_ungated = simulate(ungated, dispatch="queue", signal_seconds=0)
    late = simulate(
        dataclasses.replace(scenario, high_resolution_delay_seconds=600.0), dispatch="queue"
    )
    minute, reason = _first_patch(fast)
    assert minute == 6 and reason.startswith("burst scale-out")
    assert _first_patch(off)[0] == 10 and _first_patch(off)[1].startswith("target tracking")
    assert _first_patch(off_ungated)[0] == 8
    assert _first_patch(off_ungated)[1].startswith("fast scale-out")
    assert _first_patch(late) == _first_patch(off)
    assert summarise(fast)["backlog_minutes"] < summarise(off)["backlog_minutes"]


@pytest.mark.parametrize(
    ("run_seconds", "rounds", "last"),
    [
        # 10-second rounds (--dispatch-step 10, the simulator's model until 2026-12-05) at
        # the default run_seconds: every tick of the minute runs a round, the one at 50 s
        # closes the invocation (its ledger write); the next minute's tick finds the slot
        # free within seconds (README, "Queue mode: the dispatcher").
        (QueueSpec.run_seconds, [0, 10, 20, 30, 40, 50], 50),
        # The previous default left the minute's last 10 s without a round.
        (50, [0, 10, 20, 30, 40], 40),
        (60, [0, 10, 20, 30, 40, 50], 50),
        (25, [0, 10, 20], 20),
    ],
)
def test_dispatcher_rounds_follow_run_seconds_within_each_minute(run_seconds, rounds, last):
    offsets = range(0, 60, 10)
    due = {offset: dispatch_due(120.0 + offset, run_seconds, TICK_SECONDS) for offset in offsets}
    assert [offset for offset in offsets if due[offset][0]] == rounds
    assert [offset for offset in offsets if due[offset][1]] == [0]
    assert [offset for offset in offsets if due[offset][2]] == [last]


def test_dispatcher_rounds_run_every_dispatch_step_until_run_seconds():
    # The engine's default: a round every 2 s of the invocation's 58 s; the one at 56 s
    # closes it, and none runs at 58 s (the real gap before the next minute's invocation).
    step = DISPATCH_STEP_SECONDS
    offsets = [2.0 * i for i in range(30)]
    due = {offset: dispatch_due(600.0 + offset, QueueSpec.run_seconds, step) for offset in offsets}
    assert [offset for offset in offsets if due[offset][0]] == offsets[:-1]
    assert [offset for offset in offsets if due[offset][1]] == [0.0]
    assert [offset for offset in offsets if due[offset][2]] == [56.0]


def test_the_simulated_dispatcher_runs_the_control_planes_default_run_seconds():
    assert RUN_SECONDS == QueueSpec.run_seconds == 58


# One instance that serves a request in 3 s (20 a minute), k = 1 (one request outstanding
# at a time), and more demand than it can serve: how many it serves depends only on how
# soon the dispatcher refills it after each completion.
ONE_FAST_INSTANCE = """
duration_minutes = 20
min_capacity = 1
max_capacity = 1
service_time_cv = 0
[instance_types."ml.c5.xlarge"]
provisioning_seconds = 60
deprovisioning_seconds = 60
requests_per_minute = 20
price_per_hour = 1.0
[[endpoints]]
name = "fast"
instance_type = "ml.c5.xlarge"
initial_instances = 1
min_instances = 1
max_instances = 1
[[demand]]
at_minute = 0
rate = 30
"""


@pytest.mark.parametrize("step", [1.0, 2.0, 5.0])
def test_the_dispatcher_refills_an_endpoint_within_one_dispatch_step_of_a_completion(
    tmp_path, step
):
    # The real dispatcher loops while it has work and reads each completion's notification
    # seconds after it; a round once per 10-second tick left this instance idle for the rest
    # of every tick (one request per 10 s). Per step: the 3-s request finishes, its
    # notification is read at the end of the step it finished in, and the next round sends
    # the next one: one request per ceil(3 / step) steps.
    scenario = load(write_scenario(tmp_path, "fast", ONE_FAST_INSTANCE))
    summary = summarise(
        simulate(scenario, dispatch="queue", room_per_capacity=1, dispatch_step=step)
    )
    cycle = math.ceil(3.0 / step) * step
    minutes = 20 - 1  # the 58-second invocation leaves a 2-second gap each minute
    assert summary["served"] >= minutes * 60 / cycle
    assert summary["served"] <= 20 * 60 / 3 + 1  # never faster than the instance
    assert summary["lost"] == 0


def test_the_router_queues_a_request_no_earlier_than_it_arrives(tmp_path, monkeypatch):
    # Queue mode's tick runs in dispatch steps: a request arriving inside a step reaches the
    # fleet queue at the next step's start, so no round can send it before it arrives.
    seen: list[tuple[float, float]] = []
    take = FleetQueue.take

    def spy(self, inference_id, endpoint, now):
        entry = take(self, inference_id, endpoint, now)
        assert entry is not None
        seen.append((now, entry[0]))
        return entry

    monkeypatch.setattr(FleetQueue, "take", spy)
    burst = BURST.replace("duration_minutes = 70", "duration_minutes = 12")
    simulate(load(write_scenario(tmp_path, "burst", burst)), dispatch="queue")
    assert len(seen) > 40
    assert all(dispatched >= arrived for dispatched, arrived in seen)
    # and soon after: with room (before the burst, one instance, 2 a minute) the next
    # step's round sends it
    assert min(d - a for d, a in seen) < DISPATCH_STEP_SECONDS


def test_dispatch_step_must_divide_the_tick():
    with pytest.raises(ValueError, match="dispatch_step must be one of 1, 2, 5, 10 seconds"):
        simulate(load("step"), dispatch="queue", dispatch_step=3.0)
