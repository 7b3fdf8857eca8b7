"""Make moto's SageMaker behave like the real one where the control plane cares.

moto applies ``UpdateEndpointWeightsAndCapacities`` at once and never shows
``Updating``. Real SageMaker puts the endpoint in ``Updating`` for minutes,
rejects a second update meanwhile with a ``ValidationException``, and on an
instance shortage rolls the update back. This patch reproduces that inside
moto (in-process and ``ThreadedMotoServer`` alike); tests finish updates with
:meth:`SlowSageMaker.complete` and deliver the matching EventBridge events.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend, sagemaker_backends

ACCOUNT = "123456789012"
REGION = "us-east-1"
SHORTAGE_REASON = (
    "Unable to provision requested ML compute capacity due to InsufficientInstanceCapacity "
    "error. Please retry using a different ML instance type or after some time."
)


@dataclass
class SlowSageMaker:
    """Patch handle: records update calls and finishes them on request."""

    calls: list[tuple[str, int]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    auto_complete: bool = False
    reject_next: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _original: Any = None

    # -- patching -------------------------------------------------------------------------

    def install(self) -> SlowSageMaker:
        self._original = SageMakerModelBackend.update_endpoint_weights_and_capacities
        emulator = self

        def update(
            backend: SageMakerModelBackend,
            endpoint_name: str,
            desired_weights_and_capacities: list[dict[str, Any]],
        ) -> str:
            return emulator._update(backend, endpoint_name, desired_weights_and_capacities)

        SageMakerModelBackend.update_endpoint_weights_and_capacities = update  # type: ignore[method-assign]
        return self

    def uninstall(self) -> None:
        if self._original is not None:
            SageMakerModelBackend.update_endpoint_weights_and_capacities = self._original  # type: ignore[method-assign]
            self._original = None

    def _update(
        self, backend: SageMakerModelBackend, name: str, desired: list[dict[str, Any]]
    ) -> str:
        with self._lock:
            endpoint = backend.endpoints.get(name)
            if endpoint is None:
                raise ValidationError(message=f'Could not find endpoint "{name}".')
            if endpoint.endpoint_status != "InService" or name in self.reject_next:
                self.reject_next.discard(name)
                self.rejected.append(name)
                raise ValidationError(
                    message=f'Cannot update in-progress endpoint "{endpoint.arn}".'
                )
            for change in desired:
                variant = self._variant(endpoint, change["VariantName"])
                variant["DesiredInstanceCount"] = change["DesiredInstanceCount"]
                self.calls.append((name, int(change["DesiredInstanceCount"])))
            endpoint.endpoint_status = "Updating"
            endpoint.failure_reason = None
        if self.auto_complete:
            self.complete(name)
        return endpoint.arn

    # -- test controls ----------------------------------------------------------------------

    @staticmethod
    def _backend() -> SageMakerModelBackend:
        return sagemaker_backends[ACCOUNT][REGION]

    @staticmethod
    def _variant(endpoint: Any, variant_name: str) -> dict[str, Any]:
        for variant in endpoint.production_variants:
            if variant["VariantName"] == variant_name:
                return variant
        raise ValidationError(message=f'The variant name "{variant_name}" is not present.')

    def endpoint(self, name: str) -> Any:
        return self._backend().endpoints[name]

    def status(self, name: str) -> str:
        return str(self.endpoint(name).endpoint_status)

    def instances(self, name: str) -> int:
        variant = self.endpoint(name).production_variants[0]
        return int(variant.get("CurrentInstanceCount") or 0)

    def desired(self, name: str) -> int:
        variant = self.endpoint(name).production_variants[0]
        return int(variant.get("DesiredInstanceCount") or 0)

    def updating(self) -> list[str]:
        return sorted(
            name
            for name, ep in self._backend().endpoints.items()
            if ep.endpoint_status == "Updating"
        )

    def complete(self, name: str) -> list[str]:
        """Finish an update with the instances it asked for; returns the event statuses."""
        with self._lock:
            endpoint = self.endpoint(name)
            for variant in endpoint.production_variants:
                variant["CurrentInstanceCount"] = variant.get("DesiredInstanceCount", 0)
            endpoint.endpoint_status = "InService"
        return ["IN_SERVICE"]

    def roll_back(self, name: str, reason: str = SHORTAGE_REASON) -> list[str]:
        """The update could not get instances: back to the old count, as SageMaker does."""
        with self._lock:
            endpoint = self.endpoint(name)
            for variant in endpoint.production_variants:
                variant["DesiredInstanceCount"] = variant.get("CurrentInstanceCount", 0)
            endpoint.endpoint_status = "InService"
            endpoint.failure_reason = reason
        return ["ROLLING_BACK", "IN_SERVICE"]

    def set_status(self, name: str, status: str) -> None:
        with self._lock:
            self.endpoint(name).endpoint_status = status

    def set_instances(self, name: str, count: int) -> None:
        """Drift: instances lost or added behind the control plane's back."""
        with self._lock:
            for variant in self.endpoint(name).production_variants:
                variant["CurrentInstanceCount"] = count
                variant["DesiredInstanceCount"] = count

    def delete(self, name: str) -> None:
        with self._lock:
            del self._backend().endpoints[name]
