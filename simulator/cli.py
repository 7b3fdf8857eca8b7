"""``python -m simulator``: run a scenario and show what the fleet did."""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from . import report
from .engine import CONTROLS, Minute, simulate
from .scenario import SCENARIO_DIR, SIGNALS, Scenario, ScenarioError, available, load


def _credentials() -> None:
    # moto needs credentials to sign with; never real ones.
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ[name] = value
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)


def progress_printer(label: str):
    started = time.monotonic()
    interactive = sys.stderr.isatty()

    def show(minute: int, total: int) -> None:
        if interactive:
            width = 30
            done = int(width * minute / total)
            sys.stderr.write(
                f"\r{label} [{'#' * done}{'.' * (width - done)}] minute {minute}/{total} "
                f"({time.monotonic() - started:.1f}s)"
            )
            if minute == total:
                sys.stderr.write("\n")
        elif minute % 15 == 0 or minute == total:
            sys.stderr.write(f"{label}: minute {minute}/{total}\n")
        sys.stderr.flush()

    return show


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Run the fleet control loop on a simulated fleet (no AWS account needed).",
    )
    parser.add_argument(
        "--scenario", default="step", help=f"a name ({', '.join(available())}) or a .toml path"
    )
    parser.add_argument(
        "--strategy",
        choices=("race", "priority", "proportional"),
        help="override the scenario's strategy",
    )
    parser.add_argument(
        "--control",
        choices=CONTROLS,
        default="fleet",
        help="fleet = this project; aws-sample (as shipped: weights 0:0:1), aws-sample-equal, "
        "native (per-endpoint SageMaker autoscaling), pool (one endpoint with instance pools), "
        "oracle (reactive lower bound), oracle-delayed (the oracle as late as CloudWatch "
        "publishes): the baselines",
    )
    parser.add_argument(
        "--dispatch",
        choices=("direct", "queue"),
        default="direct",
        help="the fleet control's dispatch mode: direct (the router picks an endpoint) or "
        "queue (one SQS queue for the fleet; the dispatcher sends work where there is room)",
    )
    parser.add_argument(
        "--signal",
        choices=SIGNALS,
        help="the fleet's scaling signal (default: scaling_signal in scaling_defaults.json)",
    )
    parser.add_argument(
        "--target",
        type=float,
        help="the controller's target value (default: the one in scaling_defaults.json)",
    )
    parser.add_argument("--seed", type=int, help="override the scenario's random seed")
    parser.add_argument(
        "--out", type=Path, default=Path("build/demo"), help="output folder (default build/demo)"
    )
    parser.add_argument("--no-plot", action="store_true", help="skip the PNG")
    parser.add_argument(
        "--with-container",
        action="store_true",
        help="send every served request to a real model server from container/",
    )
    parser.add_argument(
        "--serve",
        type=int,
        metavar="PORT",
        help="serve the simulated fleet's router and scaling API on this loopback port "
        "(0 = any free port) while the simulation runs",
    )
    parser.add_argument(
        "--pace",
        type=float,
        help="real seconds per simulated minute (default 0, or 2 with --serve)",
    )
    parser.add_argument(
        "--live",
        action=argparse.BooleanOptionalAction,
        help="print each simulated minute as it happens (default: on with --serve)",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    args = parser.parse_args(argv)

    if args.list:
        for name in available():
            print(f"{name:20} {load(name).description}")
        return 0
    try:
        scenario = load(args.scenario, strategy=args.strategy, seed=args.seed)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.dispatch == "queue" and args.control != "fleet":
        print("error: --dispatch queue is a mode of --control fleet", file=sys.stderr)
        return 2
    if args.dispatch == "queue" and args.signal == "backlog":
        print("error: --dispatch queue scales on the load signal, not backlog", file=sys.stderr)
        return 2
    _credentials()
    label = f"{scenario.name}/{scenario.strategy if args.control == 'fleet' else args.control}"
    label += "-queue" if args.dispatch == "queue" else ""
    served = args.serve is not None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") if served else None
    folder = args.out / output_key(
        scenario,
        args.control,
        stamp,
        args.with_container,
        signal=args.signal,
        target=args.target,
        dispatch=args.dispatch,
    )
    print(f"outputs go to {folder}/", file=sys.stderr)
    live = args.live if args.live is not None else served
    names = [ep.name for ep in scenario.endpoints]
    if live and not args.quiet:
        queue = args.dispatch == "queue"
        lines = report.legend_lines(names, queue) + report.header_lines(names, queue)
        print("\n".join(lines), flush=True)

    def show(row: Minute) -> None:
        print(report.row_line(row, names), flush=True)

    outcome = simulate(
        scenario,
        control=args.control,
        log_path=folder / "decisions.log",
        signal=args.signal,
        target=args.target,
        progress=None if live else progress_printer(label),
        with_container=args.with_container,
        serve_port=args.serve,
        pace=args.pace if args.pace is not None else (2.0 if served else 0.0),
        on_minute=show if live and not args.quiet else None,
        dispatch=args.dispatch,
    )
    paths = report.write(outcome, folder, with_plot=not args.no_plot)
    if not args.quiet:  # live: the rows are out already; repeat the key below them
        print(report.LETTER_KEY if live else "\n".join(report.timeline_lines(outcome)))
    summary = report.summarise(outcome)
    print()
    for key, value in summary.items():
        print(f"{key:28} {value}")
    note = report.served_note(summary)
    if note:
        print(f"\n{note}")
    print(f"\noutputs in {folder}/")
    for kind, path in paths.items():
        print(f"  {kind:10} {path}")
    return 0


def output_key(
    scenario: Scenario,
    control: str,
    served_at: str | None,
    with_container: bool,
    *,
    signal: str | None = None,
    target: float | None = None,
    dispatch: str = "direct",
) -> Path:
    """``<scenario file>/<control>[-queue]-seed<seed>[-<signal>][-target<value>]
    [-served-<time>][-container]``: runs that differ in any of these never share a folder
    (``signal`` and ``target``: the --signal and --target overrides, when given; ``-queue``:
    --dispatch queue). A scenario file outside
    ``simulator/scenarios/`` is keyed by its name and a hash of its absolute path, so
    copies never collide; a served run (``served_at``: when it started) takes what was
    sent by hand, so each one gets its own folder."""
    source = scenario.source.resolve() if scenario.source is not None else None
    if source is None or source.parent == SCENARIO_DIR.resolve():
        file_key = source.stem if source is not None else scenario.name
    else:
        digest = hashlib.sha256(str(source).encode()).hexdigest()[:8]
        file_key = f"{source.stem}-{digest}"
    run = f"fleet-{scenario.strategy}" if control == "fleet" else control  # no strategy
    run += "-queue" if dispatch == "queue" else ""
    run += f"-seed{scenario.seed}"
    run += f"-{signal}" if signal else ""
    run += f"-target{target:g}" if target is not None else ""
    run += f"-served-{served_at}" if served_at else ""
    run += "-container" if with_container else ""
    return Path(file_key) / run
