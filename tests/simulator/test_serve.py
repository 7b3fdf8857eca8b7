"""While it runs, the simulated fleet is reachable over HTTP through the local API."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

from simulator.engine import simulate
from simulator.report import summarise, timeline_lines
from simulator.scenario import load
from tests.simulator.conftest import BURST, write_scenario

REPO = Path(__file__).resolve().parents[2]


def client(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_REGION": "us-east-1"}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "fleet_client", *args],
        capture_output=True, text=True, timeout=60, cwd=REPO, env=env, check=False,
    )  # fmt: skip


def test_requests_by_hand_are_routed_into_the_running_simulation(tmp_path):
    # 25 simulated minutes at 1 s each: room for three client processes on a busy machine.
    scenario = load(write_scenario(tmp_path, "served", BURST.replace("70", "25")))
    urls: queue.Queue[str] = queue.Queue()
    outcome = {}

    def run() -> None:
        outcome["value"] = simulate(scenario, serve_port=0, pace=1.0, on_serve=urls.put)

    runner = threading.Thread(target=run)
    runner.start()
    try:
        url = urls.get(timeout=30)
        invoked = client("invoke", "--url", url, "--fleet", "demo", "--quiet",
                         "--input-location", "s3://by-hand/request.csv")  # fmt: skip
        status = client("status", "--url", url, "--fleet", "demo", "--json")
        scaled = client("scale", "--url", url, "--fleet", "demo", "--desired", "3", "--quiet")
    finally:
        runner.join(timeout=120)
    assert invoked.returncode == 0, invoked.stderr
    assert "demo-" in invoked.stdout
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["resourceName"] == "demo"
    assert scaled.returncode == 0, scaled.stderr
    summary = summarise(outcome["value"])
    # The request sent by hand was served by the simulated fleet on top of the scenario's.
    assert summary["requests_by_hand"] == 1
    assert summary["patches_by_hand"] == 1
    assert summary["served"] + summary["final_backlog"] == summary["requests"] + 1
    # ... and the timeline marks the minutes they arrived in.
    lines = "\n".join(timeline_lines(outcome["value"]))
    assert lines.count("1 request by hand") == 1
    assert lines.count("PATCH 3 by hand") == 1
