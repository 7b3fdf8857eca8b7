"""A SageMaker whose updates finish when a test says so (see simulator/sagemaker.py)."""

from __future__ import annotations

from simulator.sagemaker import SHORTAGE_REASON, PatchedSageMaker

__all__ = ["SHORTAGE_REASON", "SlowSageMaker"]


class SlowSageMaker(PatchedSageMaker):
    """Endpoints stay Updating until :meth:`complete` or :meth:`roll_back`."""

    def __init__(self, auto_complete: bool = False) -> None:
        super().__init__()
        self.auto_complete = auto_complete
        self.reject_next: set[str] = set()

    def install(self) -> SlowSageMaker:
        super().install()
        return self

    def should_reject(self, name: str) -> bool:
        if name in self.reject_next:
            self.reject_next.discard(name)
            return True
        return False

    def accepted(self, name: str, previous: int, desired: int) -> None:
        if self.auto_complete:
            self.complete(name)
