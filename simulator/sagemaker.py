"""moto's SageMaker made to behave like the real one where the control plane cares.

moto applies ``UpdateEndpointWeightsAndCapacities`` at once and never shows
``Updating``. Real SageMaker keeps the endpoint ``Updating`` while instances are
provisioned, rejects a second update meanwhile with a ``ValidationException``,
and rolls an update back when it cannot get instances. :class:`PatchedSageMaker`
patches moto (in-process and ``ThreadedMotoServer`` alike) and leaves *when* an
update finishes to a subclass: tests finish them by hand, the simulator on its
clock.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend, sagemaker_backends

ACCOUNT = "123456789012"
REGION = "us-east-1"
SERVING = ("InService", "Updating", "SystemUpdating", "RollingBack")  # instances serve
OUT_OF_ACTION = ("Failed", "Deleting")  # no instance serves, no update completes
SHORTAGE_REASON = (
    "Unable to provision requested ML compute capacity due to InsufficientInstanceCapacity "
    "error. Please retry using a different ML instance type or after some time."
)


class PatchedSageMaker:
    """Installs the patch; records every update call and every rejection."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self.rejected: list[str] = []
        self.lock = threading.RLock()
        self._original: Any = None

    # -- patching -------------------------------------------------------------------------

    def install(self) -> PatchedSageMaker:
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

    def should_reject(self, name: str) -> bool:
        """Subclasses may reject an update although the endpoint is InService."""
        return False

    def accepted(self, name: str, previous: int, desired: int) -> None:
        """Called once an update is accepted; the endpoint is now Updating."""

    def _update(
        self, backend: SageMakerModelBackend, name: str, desired: list[dict[str, Any]]
    ) -> str:
        with self.lock:
            endpoint = backend.endpoints.get(name)
            if endpoint is None:
                raise ValidationError(message=f'Could not find endpoint "{name}".')
            if endpoint.endpoint_status != "InService" or self.should_reject(name):
                self.rejected.append(name)
                raise ValidationError(
                    message=f'Cannot update in-progress endpoint "{endpoint.arn}".'
                )
            previous = self.instances(name)
            count = previous
            for change in desired:
                variant = self._variant(endpoint, change["VariantName"])
                count = int(change["DesiredInstanceCount"])
                variant["DesiredInstanceCount"] = count
                self.calls.append((name, count))
            endpoint.endpoint_status = "Updating"
            endpoint.failure_reason = None
        self.accepted(name, previous, count)
        return str(endpoint.arn)

    # -- the world ----------------------------------------------------------------------------

    @staticmethod
    def backend() -> SageMakerModelBackend:
        return sagemaker_backends[ACCOUNT][REGION]

    @staticmethod
    def _variant(endpoint: Any, variant_name: str) -> dict[str, Any]:
        for variant in endpoint.production_variants:
            if variant["VariantName"] == variant_name:
                return variant  # type: ignore[no-any-return]
        raise ValidationError(message=f'The variant name "{variant_name}" is not present.')

    def endpoint(self, name: str) -> Any:
        return self.backend().endpoints[name]

    def exists(self, name: str) -> bool:
        return name in self.backend().endpoints

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
            for name, endpoint in self.backend().endpoints.items()
            if endpoint.endpoint_status == "Updating"
        )

    def complete(self, name: str) -> list[str]:
        """Finish an update with the instances it asked for; returns the event statuses."""
        with self.lock:
            endpoint = self.endpoint(name)
            for variant in endpoint.production_variants:
                variant["CurrentInstanceCount"] = variant.get("DesiredInstanceCount", 0)
            endpoint.endpoint_status = "InService"
        return ["IN_SERVICE"]

    def roll_back(self, name: str, reason: str = SHORTAGE_REASON) -> list[str]:
        """The update could not get instances: back to the old count, as SageMaker does."""
        with self.lock:
            endpoint = self.endpoint(name)
            for variant in endpoint.production_variants:
                variant["DesiredInstanceCount"] = variant.get("CurrentInstanceCount", 0)
            endpoint.endpoint_status = "InService"
            endpoint.failure_reason = reason
        return ["ROLLING_BACK", "IN_SERVICE"]

    def set_status(self, name: str, status: str) -> None:
        with self.lock:
            self.endpoint(name).endpoint_status = status

    def set_instances(self, name: str, count: int) -> None:
        """Drift: instances lost or added behind the control plane's back."""
        with self.lock:
            for variant in self.endpoint(name).production_variants:
                variant["CurrentInstanceCount"] = count
                variant["DesiredInstanceCount"] = count

    def delete(self, name: str) -> None:
        with self.lock:
            del self.backend().endpoints[name]
