"""Scaling benchmark: every scenario x controller, medians over seeds, a target sweep.

    make bench-scaling                      # the full run (a few minutes on 2 cores)
    python bench/scaling_bench.py --quick   # a tiny run: 2 scenarios cut to 30 minutes
    python bench/scaling_bench.py --scenarios step --seeds 1 2 3 4 5 --jobs 2

For each scenario and controller, at the controller's default target, the median over
the seeds (and the spread, min-max) of: instance-minutes and dollars, p50/p95/p99/max
queue wait, requests still queued at the end (queue mode: in SQS too), requests lost
(held by an endpoint that failed or was deleted), stranded request-minutes (waiting in a
queue that no instance serves) and those beyond drain_timeout_seconds, minutes at zero
capacity while requests arrive, and endpoint update calls. Then a target sweep per
controller, a verdict line per scenario (who dominates whom on dollars and p95), and a
PNG of cost against p95 with one point per controller and target. Numbers, not a test:
nothing here fails a build.

Fairness: every controller of a scenario sees the same seeded arrivals and the same
request sizes, the same SageMaker timings and shortages, the same CloudWatch delay;
each starts from the scenario's initial instances except the AWS sample, which starts
as shipped (one instance per endpoint).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "lambda_src"), str(ROOT)]

from simulator.autoscaling import for_mode  # noqa: E402
from simulator.cli import _credentials  # noqa: E402
from simulator.engine import DISPATCH_STEP_SECONDS, DISPATCH_STEPS, simulate  # noqa: E402
from simulator.report import percentile  # noqa: E402
from simulator.scenario import Scenario, available, load, scaling_settings  # noqa: E402

# label: (control, signal)
CONTROLLERS: dict[str, tuple[str, str | None]] = {
    "fleet-load": ("fleet", "load"),
    "fleet-queue": ("fleet", "load"),  # queue mode: one SQS queue, the real dispatcher
    "fleet-backlog": ("fleet", "backlog"),
    "aws-sample": ("aws-sample", None),
    "aws-sample-equal": ("aws-sample-equal", None),
    "native": ("native", None),
    "pool": ("pool", None),
    "oracle": ("oracle", None),
    # the oracle, seeing each minute only when CloudWatch publishes it (README, "fairness")
    "oracle-delayed": ("oracle-delayed", None),
}
DISPATCH = {"fleet-queue": "queue"}  # a controller not named here dispatches directly
QUICK_MINUTES = 30


Settings = tuple[tuple[str, Any], ...]  # overrides of scaling_defaults.json, (name, value)


def with_settings(scenario: Scenario, settings: Settings) -> Scenario:
    """``scenario`` as if scaling_defaults.json held ``settings`` (checked as the file is),
    for every controller that reads that file (the fleet and the AWS sample's model)."""
    if not settings:
        return scenario
    merged = scaling_settings({**scenario.autoscaling.__dict__, **dict(settings)})
    return dataclasses.replace(scenario, autoscaling=merged)


def parse_setting(text: str) -> tuple[str, Any]:
    """``NAME=VALUE`` of ``--set``: a number, or a string (scaling_signal, schedule)."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"--set wants NAME=VALUE, not {text!r}")
    try:
        return name, float(value)
    except ValueError:
        return name, value


def default_target(label: str, settings: Settings = ()) -> float:
    settings_ = with_settings(load("step"), settings).autoscaling
    if label in ("fleet-load", "fleet-queue"):
        return for_mode(settings_, "load_target_value", DISPATCH.get(label, "direct"))
    if label.startswith("oracle"):
        return 1.0  # utilisation the oracle sizes for
    return settings_.backlog_target_value


def sweep_targets(label: str, settings: Settings = ()) -> list[float]:
    """The default target and one on each side (the oracle: utilisation)."""
    if label.startswith("oracle"):
        return [0.7, 0.85, 1.0]
    base = default_target(label, settings)
    return [base / 2, base, base * 2]


METRICS = (
    "instance_minutes",
    "dollars",
    "p50",
    "p95",
    "p99",
    "max",
    "queued_at_end",
    "lost",
    "stranded_request_minutes",
    "stranded_beyond_drain_request_minutes",
    "zero_capacity_minutes",
    "update_calls",
)


@dataclasses.dataclass(frozen=True)
class Job:
    scenario: str
    controller: str
    target: float
    seed: int
    minutes: int | None = None
    settings: Settings = ()  # --set: scaling_defaults.json as if it held these
    room_per_capacity: float | None = None  # --room-per-capacity: queue mode's k
    signal_seconds: int | None = None  # --signal-seconds: the burst signal's period (0: off)
    dispatch_step: float = DISPATCH_STEP_SECONDS  # --dispatch-step: queue mode's rounds


def run(job: Job) -> dict[str, Any]:
    """One simulation; the numbers the table needs."""
    _credentials()
    cpu = time.process_time()
    control, signal = CONTROLLERS[job.controller]
    scenario = with_settings(load(job.scenario, seed=job.seed), job.settings)
    if job.minutes is not None:
        scenario = dataclasses.replace(scenario, duration_minutes=job.minutes)
    outcome = simulate(
        scenario,
        control=control,
        signal=signal,
        target=job.target,
        dispatch=DISPATCH.get(job.controller, "direct"),
        room_per_capacity=job.room_per_capacity if job.controller in DISPATCH else None,
        signal_seconds=job.signal_seconds if control == "fleet" else None,
        dispatch_step=job.dispatch_step,
    )
    waits = outcome.waits
    extras = outcome.extras
    return {
        "scenario": job.scenario,
        "controller": job.controller,
        "target": job.target,
        "seed": job.seed,
        "instance_minutes": extras["instance_minutes_exact"],
        "dollars": extras["dollars"],
        "p50": round(percentile(waits, 0.50), 1),
        "p95": round(percentile(waits, 0.95), 1),
        "p99": round(percentile(waits, 0.99), 1),
        "max": round(max(waits, default=0.0), 1),
        "queued_at_end": extras["queued_at_end"],
        "lost": outcome.lost,
        "stranded_request_minutes": extras["stranded_request_minutes"],
        "stranded_beyond_drain_request_minutes": extras["stranded_beyond_drain_request_minutes"],
        "zero_capacity_minutes": extras["zero_capacity_minutes"],
        "update_calls": outcome.update_calls,
        "cpu_seconds": round(time.process_time() - cpu, 2),
    }


def aggregate(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (scenario, controller, target): median and spread (min, max) over the seeds."""
    groups: dict[tuple[str, str, float], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["scenario"], row["controller"], row["target"]), []).append(row)
    result = []
    for (scenario, controller, target), members in groups.items():
        entry: dict[str, Any] = {
            "scenario": scenario,
            "controller": controller,
            "target": target,
            "seeds": sorted(m["seed"] for m in members),
        }
        for metric in METRICS:
            values = [float(m[metric]) for m in members]
            entry[metric] = statistics.median(values)
            entry[f"{metric}_spread"] = (min(values), max(values))
        result.append(entry)
    return result


def dominates(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """``a`` costs no more dollars and waits no longer at p95, and is better in one."""
    return (
        a["dollars"] <= b["dollars"]
        and a["p95"] <= b["p95"]
        and (a["dollars"] < b["dollars"] or a["p95"] < b["p95"])
    )


def verdict(entries: list[dict[str, Any]]) -> str:
    """Who dominates whom (medians at the default targets) and who is on the front."""
    parts = []
    for a in entries:
        beaten = [b["controller"] for b in entries if b is not a and dominates(a, b)]
        if beaten:
            parts.append(f"{a['controller']} dominates {', '.join(beaten)}")
    front = [a["controller"] for a in entries if not any(dominates(b, a) for b in entries)]
    return "; ".join([*parts, f"not dominated: {', '.join(front)}"])


def _cell(entry: dict[str, Any], metric: str, spread: bool, digits: int = 0) -> str:
    value = entry[metric]
    text = f"{value:.{digits}f}"
    if spread:
        low, high = entry[f"{metric}_spread"]
        text += f" [{low:.{digits}f}-{high:.{digits}f}]"
    return text


COLUMNS = (
    ("inst-min", "instance_minutes", True, 0),
    ("USD", "dollars", True, 2),
    ("p50 s", "p50", False, 0),
    ("p95 s", "p95", True, 0),
    ("p99 s", "p99", False, 0),
    ("max s", "max", False, 0),
    ("queued", "queued_at_end", False, 0),
    ("lost", "lost", False, 0),
    ("stranded req-min", "stranded_request_minutes", False, 0),
    ("> drain", "stranded_beyond_drain_request_minutes", False, 0),
    ("zero-cap min", "zero_capacity_minutes", False, 1),
    ("updates", "update_calls", False, 0),
)


def table(
    entries: list[dict[str, Any]], markdown: bool = False, targets: bool = False
) -> list[str]:
    header = ["scenario", "controller", *(["target"] if targets else [])]
    header += [title for title, *_ in COLUMNS]
    rows = [
        [
            e["scenario"],
            e["controller"],
            *([f"{e['target']:g}"] if targets else []),
            *(_cell(e, m, s, d) for _, m, s, d in COLUMNS),
        ]
        for e in entries
    ]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return lines
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = [" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return lines


def plot(entries: list[dict[str, Any]], scenarios: list[str], path: Path) -> None:
    import matplotlib  # noqa: PLC0415  (heavy; only for the picture)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415
    from matplotlib.ticker import NullFormatter, ScalarFormatter  # noqa: PLC0415

    columns = min(3, len(scenarios))
    rows = (len(scenarios) + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(5 * columns, 4 * rows), squeeze=False)
    for index, scenario in enumerate(scenarios):
        axis = axes[index // columns][index % columns]
        for controller in CONTROLLERS:
            points = sorted(
                (e for e in entries if e["scenario"] == scenario and e["controller"] == controller),
                key=lambda e: e["target"],
            )
            if not points:
                continue
            axis.plot(
                [max(p["p95"], 1.0) for p in points],
                [p["dollars"] for p in points],
                marker="o",
                label=controller,
            )
            for p in points:
                axis.annotate(f"{p['target']:g}", (max(p["p95"], 1.0), p["dollars"]), fontsize=7)
        axis.set_title(scenario, fontsize=10)
        axis.set_xlabel("p95 queue wait (s), median over seeds")
        axis.set_ylabel("cost (USD), median over seeds")
        axis.set_xscale("log")
        axis.xaxis.set_major_formatter(ScalarFormatter())
        axis.xaxis.set_minor_formatter(NullFormatter())
    for index in range(len(scenarios), rows * columns):
        axes[index // columns][index % columns].axis("off")
    axes[0][0].legend(fontsize=7)
    figure.suptitle("Cost against p95 wait; labels are targets (lower-left is better)")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)


def jobs_for(
    scenarios: list[str],
    controllers: list[str],
    seeds: list[int],
    sweep_scenarios: list[str],
    minutes: int | None,
    settings: Settings = (),
    room_per_capacity: float | None = None,
    signal_seconds: int | None = None,
    dispatch_step: float = DISPATCH_STEP_SECONDS,
) -> list[Job]:
    jobs = []
    for scenario in scenarios:
        for controller in controllers:
            targets = [default_target(controller, settings)]
            if scenario in sweep_scenarios:
                targets = sweep_targets(controller, settings)
            for target in targets:
                jobs.extend(
                    Job(
                        scenario,
                        controller,
                        target,
                        seed,
                        minutes,
                        settings,
                        room_per_capacity,
                        signal_seconds,
                        dispatch_step if controller in DISPATCH else DISPATCH_STEP_SECONDS,
                    )
                    for seed in seeds
                )
    # The slowest (this project's control plane) first keeps both workers busy to the end.
    return sorted(jobs, key=lambda j: not j.controller.startswith("fleet"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--scenarios", nargs="*", default=available())
    parser.add_argument("--controllers", nargs="*", default=list(CONTROLLERS))
    parser.add_argument("--seeds", nargs="*", type=int, default=[1, 2, 3])
    parser.add_argument(
        "--sweep",
        nargs="*",
        default=["step", "spike"],
        help="scenarios that also run each controller at the sweep's other targets",
    )
    parser.add_argument("--quick", action="store_true", help="2 scenarios, 30 minutes, no sweep")
    parser.add_argument("--minutes", type=int, help="cut every scenario to this many minutes")
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        type=parse_setting,
        default=[],
        metavar="NAME=VALUE",
        help="run as if modules/fleet-autoscaling/scaling_defaults.json held VALUE for NAME "
        "(repeatable; every controller that reads the file: the fleet and the AWS sample)",
    )
    parser.add_argument(
        "--room-per-capacity",
        type=float,
        metavar="K",
        help="queue mode's room_per_capacity (fleet-queue only; default: the module's)",
    )
    parser.add_argument(
        "--signal-seconds",
        type=int,
        choices=(0, 10, 20, 30),
        help="the burst signal's period, 0 = off (fleet-load, fleet-queue; default: the module's)",
    )
    parser.add_argument(
        "--dispatch-step",
        type=float,
        choices=DISPATCH_STEPS,
        default=DISPATCH_STEP_SECONDS,
        metavar="SECONDS",
        help="seconds between queue mode's dispatcher rounds in the simulator "
        f"(fleet-queue only; one of {', '.join(f'{s:g}' for s in DISPATCH_STEPS)}; "
        f"default {DISPATCH_STEP_SECONDS:g})",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench-scaling")
    args = parser.parse_args(argv)
    minutes = args.minutes
    if args.quick:
        args.scenarios, args.sweep, minutes = ["step", "spike"], [], QUICK_MINUTES
    unknown = sorted(set(args.controllers) - set(CONTROLLERS))
    if unknown:
        parser.error(f"unknown controller {unknown[0]!r}; choose from {', '.join(CONTROLLERS)}")
    if len(args.seeds) < 1:
        parser.error("--seeds needs at least one seed")
    if args.room_per_capacity is not None and not args.room_per_capacity > 0:
        parser.error("--room-per-capacity must be > 0")
    settings: Settings = tuple(args.settings)
    try:
        with_settings(load("step"), settings)
    except ValueError as exc:
        parser.error(str(exc))

    started = time.monotonic()
    jobs = jobs_for(
        args.scenarios,
        args.controllers,
        args.seeds,
        args.sweep,
        minutes,
        settings,
        args.room_per_capacity,
        args.signal_seconds,
        args.dispatch_step,
    )
    if args.jobs > 1:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            rows = list(pool.map(run, jobs))
    else:
        rows = [run(job) for job in jobs]
    entries = aggregate(rows)
    order = {name: i for i, name in enumerate(CONTROLLERS)}
    entries.sort(
        key=lambda e: (args.scenarios.index(e["scenario"]), order[e["controller"]], e["target"])
    )
    defaults = [e for e in entries if e["target"] == default_target(e["controller"], settings)]

    changed = [
        f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}"
        for name, value in settings
    ]
    if args.room_per_capacity is not None:
        changed.append(f"room_per_capacity={args.room_per_capacity:g}")
    if args.signal_seconds is not None:
        changed.append(f"signal_seconds={args.signal_seconds}")
    if args.dispatch_step != DISPATCH_STEP_SECONDS:
        changed.append(f"dispatch_step={args.dispatch_step:g}")
    lines = [
        *([f"Settings changed from the defaults: {', '.join(changed)}", ""] if changed else []),
        f"Medians over seeds {' '.join(map(str, args.seeds))} at each controller's default "
        "target; [min-max] is the spread over the seeds.",
        "",
        *table(defaults),
        "",
    ]
    for scenario in args.scenarios:
        lines.append(
            f"verdict {scenario}: " + verdict([e for e in defaults if e["scenario"] == scenario])
        )
    sweep = [e for e in entries if e["scenario"] in args.sweep]
    if sweep:
        lines += ["", "Target sweep (load target / backlog target / oracle utilisation):", ""]
        lines += table(sweep, targets=True)
    elapsed = time.monotonic() - started
    cpu = sum(r["cpu_seconds"] for r in rows)
    lines += [
        "",
        f"{len(jobs)} runs in {elapsed:.0f} s with {args.jobs} worker(s) "
        f"({cpu:.0f} CPU seconds in the simulations)",
    ]
    print("\n".join(lines))

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps({"runs": rows, "entries": entries}, indent=1))
    (args.out / "table.md").write_text(
        "\n".join([*table(defaults, markdown=True), "", *table(sweep, markdown=True, targets=True)])
        + "\n"
    )
    picture = args.out / "cost-vs-p95.png"
    plot(entries, args.scenarios, picture)
    print(f"\nresults  {args.out / 'results.json'}")
    print(f"table    {args.out / 'table.md'}\nplot     {picture}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
