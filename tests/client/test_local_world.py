"""The standalone world behind `make serve-local`: what it prints while it runs."""

from __future__ import annotations

import json
import logging
import time

from local_api.world import LocalWorld, decision_changed


def test_an_unchanged_decision_is_not_printed_again() -> None:
    first = {"fleet": "demo", "desired": 2, "actual": 2, "updates": []}
    assert decision_changed(None, first)
    assert not decision_changed(first, dict(first))
    assert decision_changed(first, {**first, "desired": 3})
    assert decision_changed(first, {**first, "updates": [("demo-g5", 2)]})
    # The embedded-metric timestamp changes on every call; it is not a change of decision.
    timed = {**first, "_aws": {"Timestamp": 1}}
    assert not decision_changed(timed, {**first, "_aws": {"Timestamp": 2}})


class Lines(logging.Handler):
    """What the control plane's log handler would print, line by line."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_the_schedule_prints_a_decision_only_when_it_changed() -> None:
    from fleet_autoscaler.log import JsonFormatter

    logger = logging.getLogger("fleet_autoscaler")
    printed = Lines()
    printed.setFormatter(JsonFormatter())
    logger.addHandler(printed)
    try:
        with LocalWorld(latency_seconds=0.1, reconcile_seconds=0.05) as world:
            deadline = time.monotonic() + 60
            while world.reconciles < 5 and time.monotonic() < deadline:
                time.sleep(0.05)
            reconciles = world.reconciles
    finally:
        logger.removeHandler(printed)
    assert reconciles >= 5
    decisions = [line for line in printed.lines if json.loads(line)["message"] == "fleet decision"]
    assert len(decisions) == 1, decisions
