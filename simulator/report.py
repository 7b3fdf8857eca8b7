"""What a run shows: the per-minute timeline, the summary numbers, a PNG of the curves."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from .engine import Minute, Outcome

STATUS_LETTER = {
    "InService": " ",
    "Updating": "u",
    "Creating": "c",
    "SystemUpdating": "s",
    "RollingBack": "r",
    "Failed": "F",
    "OutOfService": "O",
    "Deleting": "D",
    "Deleted": "X",
}


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]


def time_to_capacity(timeline: list[Minute]) -> tuple[float | None, int, int]:
    """Mean minutes from each scale-out request until the fleet held it; reached, missed."""
    durations: list[int] = []
    missed = 0
    open_request: tuple[int, int] | None = None  # (minute asked, capacity asked)
    previous = timeline[0].requested if timeline else 0
    for row in timeline:
        if open_request is not None and row.actual >= open_request[1]:
            durations.append(row.minute - open_request[0])
            open_request = None
        if row.requested > previous and row.actual < row.requested:
            if open_request is not None:
                missed += 1  # superseded by a larger request before it was reached
            open_request = (row.minute, row.requested)
        elif row.requested < previous and open_request is not None:
            missed += 1
            open_request = None
        previous = row.requested
    if open_request is not None:
        missed += 1
    mean = sum(durations) / len(durations) if durations else None
    return mean, len(durations), missed


def summarise(outcome: Outcome) -> dict[str, Any]:
    timeline = outcome.timeline
    mean_minutes, reached, missed = time_to_capacity(timeline)
    last = timeline[-1]
    return {
        "scenario": outcome.scenario.name,
        "control": outcome.control,
        "seed": outcome.scenario.seed,
        "minutes": len(timeline),
        "requests": sum(row.arrivals for row in timeline),
        "served": outcome.served,
        "lost": outcome.lost,
        "time_to_capacity_minutes": None if mean_minutes is None else round(mean_minutes, 2),
        "scale_outs_reached": reached,
        "scale_outs_missed": missed,
        "surplus_instance_minutes": sum(max(0, row.actual - row.requested) for row in timeline),
        "instance_minutes": sum(row.actual for row in timeline),
        "backlog_minutes": sum(sum(row.backlog.values()) for row in timeline),
        "p95_queue_wait_seconds": round(percentile(outcome.waits, 0.95), 1),
        "update_operations": outcome.update_calls,
        "rejected_updates": outcome.rejected_updates,
        "failed_activities": outcome.failed_activities,
        "final_requested": last.requested,
        "final_desired": last.desired,
        "final_actual": last.actual,
        "final_instances": last.instances,
        "final_backlog": sum(last.backlog.values()),
        **outcome.extras,
    }


def timeline_lines(outcome: Outcome) -> list[str]:
    names = [ep.name for ep in outcome.scenario.endpoints]
    short = [name.split("-")[-1][:6] for name in names]
    header = (
        f"{'min':>4} {'req/m':>5} {'backlog':>7} "
        + " ".join(f"{s:>7}" for s in short)
        + f" {'asked':>5} {'desired':>7} {'actual':>6}  status"
    )
    lines = [header, "-" * len(header)]
    for row in outcome.timeline:
        cells = " ".join(
            f"{row.instances[n]:>6}{STATUS_LETTER.get(row.statuses[n], '?')}" for n in names
        )
        mark = f"  <- PATCH {row.patched}: {row.reason}" if row.patched is not None else ""
        lines.append(
            f"{row.minute:>4} {row.arrivals:>5} {sum(row.backlog.values()):>7} {cells} "
            f"{row.requested:>5} {row.desired:>7} {row.actual:>6}  {row.scaling_status}{mark}"
        )
    lines.append("status letters: u Updating, r RollingBack, F Failed, X deleted; blank InService")
    return lines


def plot(outcome: Outcome, path: Path) -> None:
    import matplotlib  # noqa: PLC0415  (heavy; only when a PNG is wanted)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    timeline = outcome.timeline
    minutes = [row.minute for row in timeline]
    names = [ep.name for ep in outcome.scenario.endpoints]
    figure, (top, middle, bottom) = plt.subplots(3, 1, figsize=(11, 9), sharex=True)
    top.plot(minutes, [row.arrivals for row in timeline], label="requests / minute")
    top.plot(minutes, [sum(row.backlog.values()) for row in timeline], label="backlog")
    top.set_ylabel("requests")
    top.legend(loc="upper right")
    middle.stackplot(
        minutes, *[[row.instances[n] for row in timeline] for n in names], labels=names, alpha=0.8
    )
    middle.step(
        minutes,
        [row.requested for row in timeline],
        where="post",
        color="black",
        label="desired (autoscaling)",
    )
    middle.set_ylabel("instances in service")
    middle.legend(loc="upper right")
    for name in names:
        bottom.plot(minutes, [row.backlog[name] for row in timeline], label=f"backlog {name}")
    bottom.set_ylabel("backlog per endpoint")
    bottom.set_xlabel("minute")
    bottom.legend(loc="upper right")
    top.set_title(
        f"{outcome.scenario.name}: {outcome.control} ({outcome.scenario.description})", fontsize=10
    )
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def write(outcome: Outcome, directory: Path, with_plot: bool = True) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {"timeline": directory / "timeline.txt", "summary": directory / "summary.json"}
    paths["timeline"].write_text("\n".join(timeline_lines(outcome)) + "\n")
    paths["summary"].write_text(json.dumps(summarise(outcome), indent=2) + "\n")
    if with_plot:
        paths["plot"] = directory / "fleet.png"
        plot(outcome, paths["plot"])
    if outcome.log_path is not None:
        paths["decisions"] = outcome.log_path
    return paths
