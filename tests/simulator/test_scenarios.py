"""Whole runs of the control loop on the simulated fleet."""

from __future__ import annotations

import json

import pytest

from simulator import cli
from simulator.engine import simulate
from simulator.report import summarise, time_to_capacity
from simulator.scenario import SCENARIO_DIR, ScenarioError, available, load
from tests.simulator.conftest import BURST, NIGHT, SHORTAGE, write_scenario


def test_every_shipped_scenario_loads():
    assert set(available()) >= {"step", "spike", "diurnal", "capacity-shortage", "night-to-zero"}
    for name in available():
        scenario = load(name)
        assert scenario.duration_minutes == 120
        assert scenario.description


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[[demand]]\nat_minute = 0\nrate = 'lots'\n", r"demand\[0\]\.rate"),
        ('strategy = "fastest"\n', "strategy: must be one of"),
        ("[[endpoints]]\nname = 'x'\ninstance_type = 'ml.p5'\nmax_instances = 1\n", "ml.p5"),
        ("duration_minutes = = 3\n", "Invalid value"),
    ],
)
def test_a_bad_scenario_file_is_rejected_with_the_field(tmp_path, body, message):
    with pytest.raises(ScenarioError, match=message):
        load(write_scenario(tmp_path, "bad", body))


def test_unknown_scenario_lists_the_available_ones():
    with pytest.raises(ScenarioError, match="available: capacity-shortage"):
        load("no-such-scenario")


def test_burst_scales_out_then_back_in_and_serves_everything(tmp_path):
    outcome = simulate(load(write_scenario(tmp_path, "burst", BURST), strategy="priority"))
    summary = summarise(outcome)
    peak = max(row.actual for row in outcome.timeline)
    assert peak >= 8
    assert summary["lost"] == 0
    assert summary["served"] == summary["requests"]
    assert summary["final_backlog"] == 0
    assert summary["final_actual"] <= 1
    mean, reached, _ = time_to_capacity(outcome.timeline)
    assert reached >= 1 and mean is not None and mean <= 15
    assert summary["rejected_updates"] == 0


def test_capacity_shortage_is_routed_around(tmp_path):
    outcome = simulate(load(write_scenario(tmp_path, "short", SHORTAGE), strategy="priority"))
    g5_max = max(row.instances["demo-g5"] for row in outcome.timeline)
    assert g5_max == 1  # never got more than it started with
    others = max(row.instances["demo-g6"] + row.instances["demo-g4dn"] for row in outcome.timeline)
    assert others >= 6
    summary = summarise(outcome)
    assert summary["final_backlog"] == 0
    log = outcome.log_path
    assert log is None  # no decision log asked for


def test_night_to_zero_and_back(tmp_path):
    scenario = load(write_scenario(tmp_path, "night", NIGHT), strategy="race")
    outcome = simulate(scenario)
    night = [row for row in outcome.timeline if 25 <= row.minute <= 45]
    assert any(row.actual == 0 for row in night)
    assert all(row.arrivals == 0 for row in night)
    morning = outcome.timeline[-1]
    assert morning.actual >= 1
    assert sum(morning.backlog.values()) <= 5 * morning.actual
    assert summarise(outcome)["lost"] == 0


def test_the_sample_baseline_never_scales_to_zero(tmp_path):
    outcome = simulate(load(write_scenario(tmp_path, "night", NIGHT)), control="aws-sample")
    night = [row for row in outcome.timeline if 25 <= row.minute <= 45]
    assert min(row.actual for row in night) > 0
    assert any(row.requested == 0 for row in night)


def test_a_failed_endpoint_is_replaced_by_the_others(tmp_path):
    body = BURST + '[[incidents]]\nendpoint = "demo-g5"\nat_minute = 20\naction = "fail"\n'
    outcome = simulate(load(write_scenario(tmp_path, "failure", body), strategy="priority"))
    after = [row for row in outcome.timeline if 21 <= row.minute <= 30]
    assert all(row.statuses["demo-g5"] == "Failed" for row in after)
    assert all(row.instances["demo-g5"] == 0 for row in after)
    assert max(row.instances["demo-g6"] + row.instances["demo-g4dn"] for row in after) >= 7


def test_same_seed_same_run_other_seed_other_run(tmp_path):
    path = write_scenario(tmp_path, "seeded", BURST.replace("70", "30"))
    first = summarise(simulate(load(path, seed=11)))
    again = summarise(simulate(load(path, seed=11)))
    other = summarise(simulate(load(path, seed=12)))
    assert first == again
    assert first["requests"] != other["requests"]


def test_cli_writes_timeline_summary_plot_and_decision_log(tmp_path, capsys):
    path = write_scenario(tmp_path, "cli", BURST.replace("70", "20"))
    code = cli.main(["--scenario", path, "--strategy", "race", "--out", str(tmp_path / "out")])
    assert code == 0
    folder = next((tmp_path / "out").glob("cli-*/fleet-race-seed7"))
    assert (folder / "fleet.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["control"] == "race"
    timeline = (folder / "timeline.txt").read_text().splitlines()
    header = next(
        i for i, line in enumerate(timeline) if line.split()[:3] == ["min", "req/m", "backlog"]
    )
    assert len(timeline) == header + 2 + 20 + 1
    decisions = (folder / "decisions.log").read_text().splitlines()
    records = [json.loads(line) for line in decisions[:20]]
    # Decision lines name the fleet as "fleet"; the EMF metric lines as "Fleet".
    assert records and all(r.get("fleet", r.get("Fleet")) == "demo" for r in records)
    assert any("_aws" in r for r in records), "the control plane publishes its EMF metric"
    out = capsys.readouterr().out
    assert "time_to_capacity_minutes" in out


def test_cli_rejects_an_unknown_scenario(capsys):
    assert cli.main(["--scenario", "nope"]) == 2
    assert "no scenario 'nope'" in capsys.readouterr().err


def test_with_container_every_served_request_reaches_a_real_model_server(tmp_path):
    path = write_scenario(tmp_path, "real", BURST.replace("70", "12"))
    outcome = simulate(load(path, strategy="priority"), with_container=True)
    summary = summarise(outcome)
    assert summary["served"] > 0
    assert sum(summary["container_requests"].values()) == summary["served"]
    assert summary["container_errors"] == 0
    assert set(summary["container_exit_codes"].values()) == {0}


def _step_until(tmp_path, minutes: int, autoscaling: str = "") -> tuple[list, dict]:
    """Scenario ``step`` (seed 1) cut at ``minutes``, with ``[autoscaling]`` overrides."""
    body = (SCENARIO_DIR / "step.toml").read_text()
    body = f"duration_minutes = {minutes}\n" + body.replace('name = "step"\n', "")
    if autoscaling:
        body += f"\n[autoscaling]\n{autoscaling}\n"
    name = "step-no-fast-in" if autoscaling else "step-cut"
    outcome = simulate(load(write_scenario(tmp_path, name, body), seed=1))
    return outcome.timeline, summarise(outcome)


def test_fast_scale_in_halves_the_fleet_within_twelve_minutes_of_the_burst(tmp_path):
    # The burst of scenario step ends at minute 65. Target tracking alone needs 15 low
    # datapoints (and the CloudWatch delay) before it scales in; the fast scale-in step needs
    # fast_scale_in_evaluation_periods. Both runs stop at 65 + 12 = minute 77.
    end, within = 65, 12
    runs = {
        "fast": _step_until(tmp_path, end + within + 1),
        "off": _step_until(tmp_path, end + within + 1, "fast_scale_in_ratio = 0"),
    }
    for name, (timeline, _) in runs.items():
        peak = max(row.actual for row in timeline)
        after = [row.actual for row in timeline if end <= row.minute <= end + within]
        assert peak >= 8, name
        if name == "fast":
            assert min(after) < peak / 2, after
        else:
            assert min(after) >= peak / 2, after
    fast, off = runs["fast"][1], runs["off"][1]
    assert fast["lost"] == off["lost"] == 0
    assert fast["p95_queue_wait_seconds"] <= off["p95_queue_wait_seconds"]
