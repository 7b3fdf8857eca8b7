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
        "requests_by_hand": sum(row.by_hand_requests for row in timeline),
        "patches_by_hand": sum(len(row.by_hand_patches) for row in timeline),
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


LETTER_KEY = (
    "status letters: blank InService, u Updating, r RollingBack, F Failed, c Creating, "
    "s SystemUpdating, O OutOfService, D Deleting, X deleted"
)


def _short(name: str) -> str:
    return name.rsplit("-", maxsplit=1)[-1][:6]


def legend_lines(names: list[str]) -> list[str]:
    """What each column means; printed above every timeline."""
    endpoints = ", ".join(f"{_short(n)} = {n}" for n in names)
    return [
        "min: simulated minute; req/m: requests the scenario sent in that minute; "
        "backlog: requests waiting or in flight at its end",
        f"per endpoint ({endpoints}): instances in service and a status letter",
        "asked: the desiredCapacity Application Auto Scaling last sent (PATCH); "
        "desired: what the scaling API answers (GET);",
        "  they differ only after a PATCH by hand or when a control plane does not take "
        "the value (the AWS sample ignores 0)",
        "actual: capacity in service; status: the scaling API's scalingStatus; "
        "<- marks PATCHes and what was sent by hand",
        LETTER_KEY,
    ]


def header_lines(names: list[str]) -> list[str]:
    header = (
        f"{'min':>4} {'req/m':>5} {'backlog':>7} "
        + " ".join(f"{_short(n):>7}" for n in names)
        + f" {'asked':>5} {'desired':>7} {'actual':>6}  status"
    )
    return [header, "-" * len(header)]


def marks(row: Minute) -> list[str]:
    """What happened in the minute besides the scenario's traffic."""
    found = []
    if row.patched is not None:
        found.append(f"PATCH {row.patched} by autoscaling: {row.reason}")
    elif row.reason:
        found.append(f"{row.reason} (no PATCH)")
    found.extend(f"PATCH {value} by hand" for value in row.by_hand_patches)
    if row.by_hand_requests:
        plural = "s" if row.by_hand_requests > 1 else ""
        found.append(f"{row.by_hand_requests} request{plural} by hand")
    return found


def row_line(row: Minute, names: list[str]) -> str:
    cells = " ".join(
        f"{row.instances[n]:>6}{STATUS_LETTER.get(row.statuses[n], '?')}" for n in names
    )
    found = marks(row)
    mark = f"  <- {'; '.join(found)}" if found else ""
    return (
        f"{row.minute:>4} {row.arrivals:>5} {sum(row.backlog.values()):>7} {cells} "
        f"{row.requested:>5} {row.desired:>7} {row.actual:>6}  {row.scaling_status}{mark}"
    )


def served_note(summary: dict[str, Any]) -> str | None:
    """Why ``served`` can exceed ``requests``: requests sent by hand are served too."""
    by_hand = summary.get("requests_by_hand", 0)
    if not by_hand:
        return None
    return (
        f"served ({summary['served']}) includes the {by_hand} request(s) sent by hand; "
        f"requests ({summary['requests']}) counts only the scenario's own"
    )


def timeline_lines(outcome: Outcome) -> list[str]:
    names = [ep.name for ep in outcome.scenario.endpoints]
    lines = legend_lines(names) + header_lines(names)
    lines.extend(row_line(row, names) for row in outcome.timeline)
    lines.append(LETTER_KEY)
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
