"""Queue mode's dispatcher: an EventBridge schedule (rate 1 minute, reserved concurrency 1).

Each invocation runs :func:`dispatch_once` rounds until its deadline (``queue.run_seconds``,
or the time the function has left minus :data:`FINISH_RESERVE_SECONDS`), sleeping
:data:`IDLE_SLEEP_SECONDS` after a round with nothing to do, then writes the ledger once.

Why a schedule and not an SQS event source mapping: a mapping receives every message as
soon as it arrives, whether or not an endpoint has room, so waiting for capacity would
count as failed receives and send healthy requests to the dead-letter queue. The
dispatcher receives a message only when an endpoint has room, so a message's receive
count counts dispatch attempts, and only poison messages reach the dead-letter queue.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .. import clock, runtime
from ..config import load_config
from ..dispatch import RoundResult

__all__ = ["RoundResult", "dispatch_once", "handler"]

FINISH_RESERVE_SECONDS = 5.0
IDLE_SLEEP_SECONDS = 1.0
# After a round in which every received message went back (no endpoint took one), the
# pause doubles up to this: each failed round counts one receive toward maxReceiveCount.
# (The endpoints that failed also get no work for ENDPOINT_COOLDOWN_SECONDS, so during an
# outage of every endpoint nothing is received at all most of the time.)
MAX_FAILURE_SLEEP_SECONDS = 16.0

# The pause between idle rounds; tests and the simulator replace it.
sleep: Callable[[float], None] = time.sleep


def dispatch_once(now: float) -> RoundResult:
    """One round at ``now``: completions, room, receive, invoke, delete or return."""
    return runtime.dispatcher().round(now)


def _deadline(start: float, context: Any) -> float:
    run_seconds = float(load_config().queue.run_seconds)  # type: ignore[union-attr]
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is not None:
        run_seconds = min(run_seconds, float(remaining()) / 1000.0 - FINISH_RESERVE_SECONDS)
    return start + run_seconds


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    engine = runtime.dispatcher()
    engine.begin()
    start = clock.now()
    deadline = _deadline(start, context)
    rounds = dispatched = completions = returned = released = finished = 0
    failure_sleep = IDLE_SLEEP_SECONDS
    try:
        while clock.now() < deadline:
            result = dispatch_once(clock.now())
            rounds += 1
            dispatched += len(result.dispatched)
            completions += result.completions
            returned += result.returned
            released += result.released
            finished += result.finished
            if result.failing:
                failure_sleep = min(failure_sleep * 2, MAX_FAILURE_SLEEP_SECONDS)
                pause = failure_sleep
            else:
                failure_sleep = IDLE_SLEEP_SECONDS
                pause = IDLE_SLEEP_SECONDS if result.idle else 0.0
            if pause:
                if clock.now() + pause >= deadline:
                    break
                sleep(pause)
    finally:
        engine.save(clock.now())
    return {
        "rounds": rounds,
        "dispatched": dispatched,
        "completions": completions,
        "returned": returned,
        "released": released,
        "finished": finished,
        "outstanding": engine.ledger.outstanding(),
        "held": engine.held,
    }
