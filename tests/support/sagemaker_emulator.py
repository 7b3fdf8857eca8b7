"""A SageMaker whose updates finish when a test says so (see simulator/sagemaker.py)."""

from __future__ import annotations

from typing import Any

from moto.sagemaker.exceptions import SagemakerClientError
from moto.sagemaker.models import SageMakerModelBackend

from simulator.sagemaker import SHORTAGE_REASON, PatchedSageMaker

__all__ = ["SHORTAGE_REASON", "SageMakerRefusal", "SlowSageMaker"]


class SageMakerRefusal(SagemakerClientError):
    """An error answer of UpdateEndpointWeightsAndCapacities with any code."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


class SlowSageMaker(PatchedSageMaker):
    """Endpoints stay Updating until :meth:`complete` or :meth:`roll_back`.

    ``refuse`` maps an endpoint to the (code, message) SageMaker answers to every
    update of it (``ResourceLimitExceeded`` when the account's quota is used up).
    """

    def __init__(self, auto_complete: bool = False) -> None:
        super().__init__()
        self.auto_complete = auto_complete
        self.reject_next: set[str] = set()
        self.refuse: dict[str, tuple[str, str]] = {}
        self.refused: list[tuple[str, int]] = []

    def install(self) -> SlowSageMaker:
        super().install()
        return self

    def should_reject(self, name: str) -> bool:
        if name in self.reject_next:
            self.reject_next.discard(name)
            return True
        return False

    def _update(
        self, backend: SageMakerModelBackend, name: str, desired: list[dict[str, Any]]
    ) -> str:
        refusal = self.refuse.get(name)
        if refusal is not None:
            with self.lock:
                self.refused.append((name, int(desired[0]["DesiredInstanceCount"])))
            raise SageMakerRefusal(*refusal)
        return super()._update(backend, name, desired)

    def accepted(self, name: str, previous: int, desired: int) -> None:
        if self.auto_complete:
            self.complete(name)
