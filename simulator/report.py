"""What a run shows: the per-minute timeline, the summary numbers, a PNG of the curves."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from .engine import QUEUE_COLUMN, Minute, Outcome

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
        "final_asked": last.requested,
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


def legend_lines(names: list[str], queue: bool = False) -> list[str]:
    """What each column means; printed above every timeline (``queue``: queue mode)."""
    endpoints = ", ".join(f"{_short(n)} = {n}" for n in names)
    queued = (
        ["queue: of the backlog, the requests still on the fleet queue (not yet dispatched)"]
        if queue
        else []
    )
    return [
        "min: simulated minute; req/m: requests the scenario sent in that minute; "
        "backlog: requests waiting or in flight at its end",
        *queued,
        f"per endpoint ({endpoints}): instances in service and a status letter",
        "asked: the desiredCapacity Application Auto Scaling last sent (PATCH); "
        "desired: what the scaling API answers (GET);",
        "  they differ only after a PATCH by hand or when a control plane does not take "
        "the value (the AWS sample ignores 0)",
        "actual: capacity in service; status: the scaling API's scalingStatus; "
        "<- marks PATCHes and what was sent by hand",
        LETTER_KEY,
    ]


def header_lines(names: list[str], queue: bool = False) -> list[str]:
    header = (
        f"{'min':>4} {'req/m':>5} {'backlog':>7} "
        + (f"{'queue':>5} " if queue else "")
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
    queued = f"{row.backlog[QUEUE_COLUMN]:>5} " if QUEUE_COLUMN in row.backlog else ""
    return (
        f"{row.minute:>4} {row.arrivals:>5} {sum(row.backlog.values()):>7} {queued}{cells} "
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
    queue = any(QUEUE_COLUMN in row.backlog for row in outcome.timeline)
    lines = legend_lines(names, queue) + header_lines(names, queue)
    lines.extend(row_line(row, names) for row in outcome.timeline)
    lines.append(LETTER_KEY)
    return lines


# Endpoints get these colours in every panel; demand is drawn in black and grey, status
# stretches in warm colours, so no two meanings share a colour.
ENDPOINT_COLOURS = ("#4C72B0", "#55A868", "#8172B2", "#64B5CD", "#CCB974", "#8C8C8C")
STATUS_COLOURS = {
    "Updating": "#F2C14E",
    "Creating": "#F2C14E",
    "SystemUpdating": "#F2C14E",
    "RollingBack": "#E07B39",
    "Failed": "#C0392B",
    "OutOfService": "#C0392B",
    "Deleting": "#333333",
    "Deleted": "#333333",
}
SHORTAGE_COLOUR = "#F7D9D9"
SCHEDULED_COLOUR = "#7B3F99"


def stretches(values: list[str], minutes: list[int]) -> list[tuple[str, int, int]]:
    """Runs of equal values as (value, first minute, minutes long), for shading."""
    runs: list[tuple[str, int, int]] = []
    for minute, value in zip(minutes, values, strict=True):
        if runs and runs[-1][0] == value and runs[-1][1] + runs[-1][2] == minute:
            runs[-1] = (value, runs[-1][1], runs[-1][2] + 1)
        else:
            runs.append((value, minute, 1))
    return runs


def plot(outcome: Outcome, path: Path) -> None:
    """fleet.png: demand, instances per endpoint, status lanes, backlog per endpoint.

    Counts are drawn as steps (a value holds until the next minute); shortage windows are
    shaded, incidents and scheduled actions are vertical lines, Updating / RollingBack /
    Failed stretches and failed scaling activities are bars in the status lanes. Legends
    sit to the right of the panels, off the data.
    """
    import matplotlib  # noqa: PLC0415  (heavy; only when a PNG is wanted)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415
    from matplotlib.patches import Patch  # noqa: PLC0415

    scenario = outcome.scenario
    timeline = outcome.timeline
    minutes = [row.minute for row in timeline]
    names = [ep.name for ep in scenario.endpoints]
    colour = {n: ENDPOINT_COLOURS[i % len(ENDPOINT_COLOURS)] for i, n in enumerate(names)}
    figure, (top, middle, lanes, bottom) = plt.subplots(
        4,
        1,
        figsize=(13, 11),
        sharex=True,
        layout="constrained",
        gridspec_kw={"height_ratios": [3, 3, 0.35 * (len(names) + 1) + 0.6, 2.5]},
    )
    outside = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "fontsize": 8}

    for axis in (top, middle, lanes, bottom):
        for shortage in scenario.shortages:
            axis.axvspan(
                shortage.start_minute,
                shortage.end_minute,
                color=SHORTAGE_COLOUR,
                zorder=0,
                label=f"no {shortage.instance_type} capacity" if axis is middle else None,
            )
        for incident in scenario.incidents:
            axis.axvline(
                incident.at_minute,
                color="#C0392B",
                linestyle="--",
                linewidth=1.2,
                label=f"{incident.endpoint} {incident.action}s" if axis is middle else None,
            )
        for row in timeline:
            if "scheduled action" in row.reason:
                axis.axvline(row.minute, color=SCHEDULED_COLOUR, linestyle=":", linewidth=1.2)
                if axis is middle:
                    label = "; ".join(
                        part.split(":")[0].removeprefix("scheduled action ")
                        for part in row.reason.split("; ")
                        if part.startswith("scheduled action")
                    )
                    axis.annotate(
                        label,
                        (row.minute, 1.0),
                        xycoords=("data", "axes fraction"),
                        xytext=(3, -3),
                        textcoords="offset points",
                        va="top",
                        fontsize=7,
                        color=SCHEDULED_COLOUR,
                        rotation=90,
                        bbox={"facecolor": "white", "alpha": 0.7, "linewidth": 0},
                    )

    # Demand: arrivals and the total backlog.
    top.step(minutes, [row.arrivals for row in timeline], where="post", color="black",
             linewidth=1.2, label="requests / minute")  # fmt: skip
    top.fill_between(minutes, [sum(row.backlog.values()) for row in timeline], step="post",
                     color="#BBBBBB", alpha=0.7, label="backlog (all endpoints)")  # fmt: skip
    if any(QUEUE_COLUMN in row.backlog for row in timeline):
        top.step(minutes, [row.backlog.get(QUEUE_COLUMN, 0) for row in timeline], where="post",
                 color="#C44E52", linewidth=1.0, label="on the fleet queue (SQS)")  # fmt: skip
    by_hand = [row for row in timeline if row.by_hand_requests]
    if by_hand:
        top.scatter([row.minute for row in by_hand], [row.by_hand_requests for row in by_hand],
                    marker="v", color="black", zorder=3, label="requests by hand")  # fmt: skip
    top.set_ylabel("requests")
    top.legend(**outside)

    # Instances per endpoint, stacked steps, against what autoscaling asked for.
    lower = [0] * len(timeline)
    for name in names:
        upper = [base + row.instances[name] for base, row in zip(lower, timeline, strict=True)]
        middle.fill_between(minutes, lower, upper, step="post", color=colour[name],
                            alpha=0.85, linewidth=0, label=name)  # fmt: skip
        lower = upper
    middle.step(minutes, [row.requested for row in timeline], where="post", color="black",
                linewidth=1.5, label="asked (autoscaling)")  # fmt: skip
    patched = [(row.minute, p) for row in timeline for p in row.by_hand_patches]
    if patched:
        middle.scatter(*zip(*patched, strict=True), marker="D", color="black", zorder=3,
                       label="PATCH by hand")  # fmt: skip
    if any("scheduled action" in row.reason for row in timeline):
        middle.plot([], [], color=SCHEDULED_COLOUR, linestyle=":", label="scheduled action")
    middle.set_ylabel("instances in service")
    middle.legend(**outside)

    # Status lanes: one per endpoint, and the fleet's scaling activity on top.
    lane_names = [*names, "scaling activity"]
    for y, name in enumerate(lane_names):
        values = (
            [row.scaling_status for row in timeline]
            if name == "scaling activity"
            else [row.statuses[name] for row in timeline]
        )
        for value, first, length in stretches(values, minutes):
            if name == "scaling activity":
                fill = {"Failed": "#C0392B", "InProgress": "#DDDDDD"}.get(value)
            else:
                fill = STATUS_COLOURS.get(value)
            if fill is not None:
                lanes.broken_barh([(first, length)], (y - 0.4, 0.8), facecolors=fill)
    lanes.set_yticks(range(len(lane_names)), [_short(n) if n in names else n for n in lane_names],
                     fontsize=8)  # fmt: skip
    lanes.set_ylim(-0.6, len(lane_names) - 0.4)
    lanes.legend(
        handles=[
            Patch(color="#F2C14E", label="Updating"),
            Patch(color="#E07B39", label="RollingBack"),
            Patch(color="#C0392B", label="Failed (endpoint or activity)"),
            Patch(color="#333333", label="Deleting / deleted"),
            Patch(color="#DDDDDD", label="activity InProgress"),
        ],
        **outside,
    )

    for name in names:
        bottom.step(minutes, [row.backlog[name] for row in timeline], where="post",
                    color=colour[name], label=name)  # fmt: skip
    bottom.set_ylabel("backlog per endpoint")
    bottom.set_xlabel(f"minute (0 = {scenario.start_time.isoformat()})")
    bottom.legend(**outside)
    top.set_title(f"{scenario.name}: {outcome.control} ({scenario.description})", fontsize=10)
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
