"""Scaling benchmark: every scenario with every strategy and with the AWS sample's algorithm.

    make bench-scaling      # or: python bench/scaling_bench.py [--jobs 2] [--scenarios step ...]

Prints one table (time to reach the desired capacity, surplus instance-minutes,
backlog-minutes, 95th-percentile queue wait, endpoint update operations, failed
activities) and checks the targets the simulator issue sets. Numbers, not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "lambda_src"), str(ROOT)]

from simulator.cli import _credentials  # noqa: E402
from simulator.engine import simulate  # noqa: E402
from simulator.report import summarise  # noqa: E402
from simulator.scenario import available, load  # noqa: E402

CONTROLS = ("race", "priority", "proportional", "aws-sample")


def run(job: tuple[str, str]) -> dict:
    scenario_name, control = job
    _credentials()
    if control == "aws-sample":
        outcome = simulate(load(scenario_name), control="aws-sample")
    else:
        outcome = simulate(load(scenario_name, strategy=control))
    summary = summarise(outcome)
    night = [row for row in outcome.timeline if outcome.scenario.rate_at(row.minute - 1) == 0]
    summary["reached_zero_at_night"] = any(row.actual == 0 for row in night) if night else None
    return summary


def fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--scenarios", nargs="*", default=available())
    args = parser.parse_args()
    jobs = [(scenario, control) for scenario in args.scenarios for control in CONTROLS]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(run, jobs))

    columns = [
        ("scenario", "scenario"),
        ("control", "control"),
        ("time_to_capacity_minutes", "to capacity (min)"),
        ("surplus_instance_minutes", "surplus inst-min"),
        ("backlog_minutes", "backlog-min"),
        ("p95_queue_wait_seconds", "p95 wait (s)"),
        ("update_operations", "updates"),
        ("failed_activities", "failed act."),
        ("final_actual", "final cap."),
    ]
    widths = [max(len(title), *(len(fmt(r[key])) for r in results)) for key, title in columns]
    print(" | ".join(title.ljust(w) for (_, title), w in zip(columns, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for r in results:
        print(" | ".join(fmt(r[key]).ljust(w) for (key, _), w in zip(columns, widths, strict=True)))

    by = {(r["scenario"], r["control"]): r for r in results}
    print()
    checks: list[tuple[str, bool]] = []
    if ("step", "race") in by and ("step", "aws-sample") in by:
        race, sample = by[("step", "race")], by[("step", "aws-sample")]
        cycle = max(t.provisioning_seconds for t in load("step").instance_types.values()) / 60
        race_time = race["time_to_capacity_minutes"] or 0.0
        sample_time = sample["time_to_capacity_minutes"] or 0.0
        checks.append(
            (
                f"step: race reaches capacity in {race_time:.1f} min <= sample {sample_time:.1f} "
                f"+ one update cycle ({cycle:.0f} min)",
                race_time <= sample_time + cycle,
            )
        )
        checks.append(
            (
                f"step: race surplus {race['surplus_instance_minutes']} <= half the sample's "
                f"({sample['surplus_instance_minutes']})",
                race["surplus_instance_minutes"] * 2 <= sample["surplus_instance_minutes"],
            )
        )
    for control in ("race", "priority", "proportional"):
        r = by.get(("night-to-zero", control))
        if r is not None:
            checks.append(
                (
                    f"night-to-zero/{control}: zero instances at night and back to "
                    f"{r['final_actual']} with backlog {r['final_backlog']} at the end",
                    bool(r["reached_zero_at_night"])
                    and r["final_actual"] > 0
                    and r["final_backlog"] <= r["final_actual"] * 5,
                )
            )
    for text, ok in checks:
        print(f"{'ok    ' if ok else 'MISSED'} {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
