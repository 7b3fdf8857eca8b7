"""Simulated async inference: FIFO queues served by instance slots with random service times.

Each serving instance offers ``capacity_per_instance`` slots; a slot takes the oldest
waiting request as soon as it is free, holds it for a service time drawn around the
instance type's rate, then takes the next. A request is *waiting* until a slot takes it
and *in flight* until it finishes; SageMaker's ``ApproximateBacklogSize`` counts both.

Endpoints normally have one queue each (async endpoints do). A *shared* queue models
one queue in front of several endpoints' slots (an instance-pools endpoint, or the
oracle's fleet-wide queue): whichever slot is free first takes the next request.

Every request carries a work factor drawn once, in arrival order, from the scenario's
seed (mean 1): the same request is equally large for every controller, so runs of
different controllers see exactly the same arrivals and the same work.

A request may carry its InferenceId (queue mode: the dispatcher sent it); when it
finishes, ``(endpoint, inference id, finish time)`` goes to :attr:`InferenceModel.completed`
so that the world can publish the endpoint's success notification.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Queue:
    """One FIFO queue and the slots that serve it, grouped by endpoint."""

    seconds_per_request: dict[str, float]  # mean service time of one slot, per endpoint
    # (arrival, work, inference id or None)
    waiting: deque[tuple[float, float, str | None]] = field(default_factory=deque)
    slots: dict[str, list[float]] = field(default_factory=dict)  # time each slot is free
    # (finish time, inference id or None) per endpoint
    in_flight: dict[str, list[tuple[float, str | None]]] = field(default_factory=dict)

    def resize(self, endpoint: str, count: int, now: float) -> None:
        """``count`` slots now serve for ``endpoint``; a removed busy slot still finishes."""
        slots = self.slots.setdefault(endpoint, [])
        slots.sort()
        while len(slots) > count:
            slots.pop(0)  # the one free soonest goes: busy slots keep their request
        while len(slots) < count:
            slots.append(now)

    def serve(
        self,
        start: float,
        end: float,
        waits: list[float],
        completed: list[tuple[str, str, float]] | None = None,
    ) -> dict[str, int]:
        """Serve from ``start`` to ``end``; how many requests each endpoint finished
        (and, into ``completed``, the identified ones)."""
        while self.waiting:
            best_endpoint, best_index, best_free = "", -1, end
            for endpoint, slots in self.slots.items():
                for index, free in enumerate(slots):
                    if free < best_free:
                        best_endpoint, best_index, best_free = endpoint, index, free
            if best_index < 0:
                break
            arrival, work, inference_id = self.waiting[0]
            begin = max(best_free, start, arrival)
            if begin >= end:
                break
            self.waiting.popleft()
            waits.append(begin - arrival)
            finish = begin + work * self.seconds_per_request[best_endpoint]
            self.slots[best_endpoint][best_index] = finish
            self.in_flight.setdefault(best_endpoint, []).append((finish, inference_id))
        done = {}
        for endpoint, finishes in self.in_flight.items():
            still = [item for item in finishes if item[0] > end]
            done[endpoint] = len(finishes) - len(still)
            if completed is not None and done[endpoint]:
                completed.extend(
                    (endpoint, i, t) for t, i in finishes if t <= end and i is not None
                )
            self.in_flight[endpoint] = still
        return done

    def backlog(self) -> int:
        """Waiting plus in flight (``ApproximateBacklogSize``)."""
        return len(self.waiting) + sum(len(f) for f in self.in_flight.values())

    def drop(self, endpoint: str) -> list[str | None]:
        """An endpoint failed: its in-flight requests fail (and, alone, its queue);
        the inference ids of the requests that failed."""
        lost = [inference_id for _, inference_id in self.in_flight.pop(endpoint, [])]
        self.slots.pop(endpoint, None)
        if not self.slots:
            lost += [inference_id for _, _, inference_id in self.waiting]
            self.waiting.clear()
        return lost


def stranded_longer_than(
    arrivals: Iterable[float], unserved_since: float, now: float, limit: float
) -> int:
    """How many requests (by arrival time) waiting where nothing has served since
    ``unserved_since`` have been stranded longer than ``limit`` seconds: from their arrival
    or from ``unserved_since``, whichever is later."""
    return sum(1 for arrival in arrivals if now - max(arrival, unserved_since) > limit)


class InferenceModel:
    """The queues of every endpoint and the waiting times of the requests they started."""

    def __init__(
        self,
        seconds_per_request: dict[str, float],
        slots_per_instance: dict[str, int],
        shared: bool = False,
    ) -> None:
        self.slots_per_instance = slots_per_instance
        self.shared = shared
        if shared:
            one = Queue(dict(seconds_per_request))
            self.queues = dict.fromkeys(seconds_per_request, one)
        else:
            self.queues = {
                name: Queue({name: seconds}) for name, seconds in seconds_per_request.items()
            }
        self.waits: list[float] = []
        self.served = 0
        self.lost = 0
        self.completed: list[tuple[str, str, float]] = []  # (endpoint, inference id, finish)
        # since when each queue (by id) has had no serving instance; absent while one serves
        self._unserved_since: dict[int, float] = {}

    def _distinct(self) -> list[Queue]:
        return list({id(q): q for q in self.queues.values()}.values())

    def arrive(
        self, endpoint: str, now: float, work: float = 1.0, inference_id: str | None = None
    ) -> None:
        """A request reaches ``endpoint``'s queue; ``now`` is when its wait began."""
        self.queues[endpoint].waiting.append((now, work, inference_id))

    def serve(self, instances: dict[str, int], start: float, end: float) -> dict[str, int]:
        """Serve every queue from ``start`` to ``end``; requests finished per endpoint."""
        for name, queue in self.queues.items():
            queue.resize(name, instances.get(name, 0) * self.slots_per_instance[name], start)
        done: dict[str, int] = dict.fromkeys(self.queues, 0)
        for queue in self._distinct():
            for name, count in queue.serve(start, end, self.waits, self.completed).items():
                done[name] += count
        self.served += sum(done.values())
        return done

    def drop(self, endpoint: str) -> list[str | None]:
        """An endpoint failed or was deleted: the requests it holds fail. Those without an
        InferenceId are counted lost here; the world decides about the others (queue mode:
        their fleet-queue message may still exist, and then they run again)."""
        dropped = self.queues[endpoint].drop(endpoint)
        self.lost += sum(1 for inference_id in dropped if inference_id is None)
        return dropped

    def backlog(self, endpoint: str) -> int:
        """``ApproximateBacklogSize`` of ``endpoint`` (of the shared queue when shared)."""
        return self.queues[endpoint].backlog()

    def waiting(self, endpoint: str) -> int:
        return len(self.queues[endpoint].waiting)

    def total_backlog(self) -> int:
        return sum(q.backlog() for q in self._distinct())

    def total_waiting(self) -> int:
        return sum(len(q.waiting) for q in self._distinct())

    def _served(self, queue: Queue, instances: dict[str, int]) -> bool:
        """True when a serving instance of one of the queue's endpoints takes from it."""
        return any(instances.get(n, 0) for n, q in self.queues.items() if q is queue)

    def stranded(self, instances: dict[str, int]) -> int:
        """Requests waiting in a queue that no serving instance takes from."""
        return sum(
            len(queue.waiting) for queue in self._distinct() if not self._served(queue, instances)
        )

    def stranded_beyond(self, instances: dict[str, int], now: float, limit: float) -> int:
        """Requests stranded longer than ``limit`` seconds: waiting in a queue that no serving
        instance takes from, since they arrived or since its last instance left (the later).
        Issue 11's target is 0 of them with ``limit`` = ``drain_timeout_seconds``."""
        total = 0
        for queue in self._distinct():
            if self._served(queue, instances):
                self._unserved_since.pop(id(queue), None)
                continue
            since = self._unserved_since.setdefault(id(queue), now)
            arrivals = (arrival for arrival, _, _ in queue.waiting)
            total += stranded_longer_than(arrivals, since, now, limit)
        return total

    def unserved_waits(self, now: float) -> list[float]:
        return [now - arrival for q in self._distinct() for arrival, _, _ in q.waiting]
