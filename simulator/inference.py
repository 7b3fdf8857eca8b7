"""Simulated async inference: one FIFO queue per endpoint, served at a per-instance rate."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class EndpointQueue:
    rate_per_instance_per_second: float
    waiting: deque[float] = field(default_factory=deque)  # arrival times
    credit: float = 0.0

    def serve(self, instances: int, now: float, seconds: float, waits: list[float]) -> int:
        """Serve for ``seconds`` with ``instances``; returns how many requests finished."""
        if instances <= 0:
            self.credit = 0.0
            return 0
        self.credit += instances * self.rate_per_instance_per_second * seconds
        served = 0
        while self.waiting and self.credit >= 1.0:
            waits.append(now - self.waiting.popleft())
            self.credit -= 1.0
            served += 1
        if not self.waiting:
            self.credit = min(self.credit, 1.0)  # idle capacity is not banked
        return served


class InferenceModel:
    """Queues of every endpoint and the waiting times of served requests."""

    def __init__(self, rates_per_minute: dict[str, float]) -> None:
        self.queues = {name: EndpointQueue(rate / 60.0) for name, rate in rates_per_minute.items()}
        self.waits: list[float] = []
        self.served = 0
        self.lost = 0

    def arrive(self, endpoint: str, now: float) -> None:
        self.queues[endpoint].waiting.append(now)

    def serve(self, instances: dict[str, int], now: float, seconds: float) -> dict[str, int]:
        """Serve every queue for ``seconds``; how many requests each endpoint finished."""
        done = {}
        for name, queue in self.queues.items():
            done[name] = queue.serve(instances.get(name, 0), now, seconds, self.waits)
            self.served += done[name]
        return done

    def drop(self, endpoint: str) -> None:
        """An endpoint failed or was deleted: its queued requests fail."""
        queue = self.queues[endpoint]
        self.lost += len(queue.waiting)
        queue.waiting.clear()

    def backlog(self, endpoint: str) -> int:
        return len(self.queues[endpoint].waiting)

    def total_backlog(self) -> int:
        return sum(len(q.waiting) for q in self.queues.values())

    def unserved_waits(self, now: float) -> list[float]:
        return [now - t for q in self.queues.values() for t in q.waiting]
