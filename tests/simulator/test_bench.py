"""The scaling benchmark's aggregation, verdict and a tiny real run."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("scaling_bench", ROOT / "bench" / "scaling_bench.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules["scaling_bench"] = bench  # dataclasses look their module up there
_spec.loader.exec_module(bench)


def row(controller: str, seed: int, dollars: float, p95: float, **extra: float) -> dict:
    base = dict.fromkeys(bench.METRICS, 0.0)
    base.update(extra)
    base.update(
        scenario="step", controller=controller, target=1.0, seed=seed, dollars=dollars, p95=p95
    )
    return base


def test_aggregate_takes_the_median_and_the_spread_over_seeds():
    rows = [row("a", 1, 3.0, 100), row("a", 2, 1.0, 300), row("a", 3, 2.0, 200)]
    (entry,) = bench.aggregate(rows)
    assert entry["seeds"] == [1, 2, 3]
    assert entry["dollars"] == 2.0 and entry["dollars_spread"] == (1.0, 3.0)
    assert entry["p95"] == 200 and entry["p95_spread"] == (100, 300)


def test_aggregate_keeps_controllers_and_targets_apart():
    rows = [row("a", 1, 1.0, 1), row("b", 1, 2.0, 2)]
    rows[1]["target"] = 2.0
    assert len(bench.aggregate(rows)) == 2


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((1.0, 100), (2.0, 200), True),
        ((1.0, 200), (2.0, 200), True),
        ((1.0, 100), (1.0, 100), False),  # equal: nobody dominates
        ((1.0, 300), (2.0, 200), False),  # a trade-off
    ],
)
def test_dominates_needs_no_worse_on_both_and_better_on_one(a, b, expected):
    first = {"dollars": a[0], "p95": a[1]}
    second = {"dollars": b[0], "p95": b[1]}
    assert bench.dominates(first, second) is expected


def test_verdict_names_who_dominates_whom_and_the_front():
    entries = [
        {"controller": "cheap", "dollars": 1.0, "p95": 300},
        {"controller": "fast", "dollars": 3.0, "p95": 100},
        {"controller": "bad", "dollars": 4.0, "p95": 400},
    ]
    text = bench.verdict(entries)
    assert "cheap dominates bad" in text and "fast dominates bad" in text
    assert text.endswith("not dominated: cheap, fast")


def test_a_tiny_run_prints_medians_and_writes_results_and_picture(tmp_path, capsys):
    code = bench.main(
        [
            "--scenarios", "spike",
            "--controllers", "oracle",
            "--seeds", "1", "2", "3",
            "--sweep", "spike",
            "--minutes", "8",
            "--jobs", "1",
            "--out", str(tmp_path),
        ]
    )  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "verdict spike:" in out
    results = json.loads((tmp_path / "results.json").read_text())
    assert len(results["runs"]) == 3 * 3  # sweep targets x seeds
    assert all(entry["seeds"] == [1, 2, 3] for entry in results["entries"])
    assert (tmp_path / "cost-vs-p95.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "table.md").read_text().startswith("| scenario | controller |")


def test_fleet_queue_is_a_controller_that_runs_the_fleet_in_queue_mode(tmp_path, capsys):
    assert bench.CONTROLLERS["fleet-queue"] == ("fleet", "load")
    assert bench.DISPATCH["fleet-queue"] == "queue"
    settings = bench.load("step").autoscaling
    assert bench.default_target("fleet-queue") == settings.load_target_value_queue
    assert bench.default_target("fleet-load") == settings.load_target_value_direct
    code = bench.main(
        [
            "--scenarios", "step",
            "--controllers", "fleet-queue",
            "--seeds", "1",
            "--sweep",
            "--minutes", "20",
            "--jobs", "1",
            "--out", str(tmp_path),
        ]
    )  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "fleet-queue" in out and "| lost" in out
    (run,) = json.loads((tmp_path / "results.json").read_text())["runs"]
    assert run["controller"] == "fleet-queue" and run["lost"] == 0
    assert run["p95"] > 0  # the step's burst starts at minute 15: work waited


def test_set_runs_as_if_the_defaults_file_held_the_value():
    settings = (("load_target_value_queue", 8.0), ("scale_in_cooldown_seconds", 300.0))
    scenario = bench.with_settings(bench.load("step"), settings)
    assert scenario.autoscaling.load_target_value_queue == 8.0
    assert scenario.autoscaling.scale_in_cooldown_seconds == 300.0
    assert bench.default_target("fleet-queue", settings) == 8.0
    assert bench.sweep_targets("fleet-queue", settings) == [4.0, 8.0, 16.0]
    # direct dispatch has its own load target (load_target_value_direct)
    assert bench.sweep_targets("fleet-load", settings) == bench.sweep_targets("fleet-load")
    # the backlog-signal controllers keep their own target
    assert bench.default_target("native", settings) == bench.default_target("native")
    jobs = bench.jobs_for(["step"], ["fleet-queue"], [1], [], None, settings, 3.0)
    assert [(j.target, j.settings, j.room_per_capacity) for j in jobs] == [(8.0, settings, 3.0)]


def test_dispatch_step_reaches_queue_mode_jobs_only():
    jobs = bench.jobs_for(["step"], ["fleet-queue", "pool"], [1], [], None, dispatch_step=10.0)
    assert {j.controller: j.dispatch_step for j in jobs} == {
        "fleet-queue": 10.0,
        "pool": bench.DISPATCH_STEP_SECONDS,
    }


@pytest.mark.parametrize(
    "argv",
    [
        ["--set", "load_target_value_queue"],  # no value
        ["--set", "no_such_setting=1"],
        ["--set", "load_target_value_queue=0"],
        ["--room-per-capacity", "0"],
        ["--dispatch-step", "3"],  # not a divisor of the 10-second tick
    ],
)
def test_bad_settings_are_refused_before_anything_runs(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        bench.main([*argv, "--scenarios", "step", "--controllers", "oracle", "--seeds", "1"])
    assert exit_.value.code == 2
    assert "error" in capsys.readouterr().err
