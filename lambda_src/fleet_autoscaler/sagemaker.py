"""SageMaker adapter: what an endpoint looks like now, and capacity updates."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from .control import VALIDATION_CODES
from .model import (
    DELETED,
    EndpointObservation,
    EndpointSpec,
    FleetConfig,
    UpdateAction,
    UpdateRejection,
)


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _is_missing_endpoint(exc: ClientError) -> bool:
    """DescribeEndpoint of a missing endpoint: a validation error "Could not find endpoint
    ..." (the live API and moto send ValidationException; SageMaker's Common Errors page
    spells it ValidationError, as the runtime API's model does)."""
    message = str(exc.response.get("Error", {}).get("Message", ""))
    return _error_code(exc) in VALIDATION_CODES and "Could not find endpoint" in message


def observation_from_description(
    spec: EndpointSpec, described: dict[str, Any]
) -> EndpointObservation:
    variant: dict[str, Any] | None = None
    variants = described.get("ProductionVariants") or []
    for candidate in variants:
        if candidate.get("VariantName") == spec.variant:
            variant = candidate
            break
    status = str(described.get("EndpointStatus", DELETED))
    failure_reason = described.get("FailureReason") or None
    if variant is None:
        names = ", ".join(str(v.get("VariantName")) for v in variants) or "none"
        return EndpointObservation(
            name=spec.name,
            status=status,
            current_instances=0,
            failure_reason=failure_reason,
            config_error=(
                f"variant {spec.variant!r} configured for endpoint {spec.name} is not in "
                f"DescribeEndpoint (its variants: {names})"
            ),
        )
    desired = variant.get("DesiredInstanceCount")
    return EndpointObservation(
        name=spec.name,
        status=status,
        current_instances=int(variant.get("CurrentInstanceCount") or 0),
        desired_instances=int(desired) if desired is not None else None,
        failure_reason=failure_reason,
    )


class EndpointGateway:
    """Thin wrapper over the SageMaker control-plane client."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def describe(self, spec: EndpointSpec) -> EndpointObservation:
        try:
            described = self._client.describe_endpoint(EndpointName=spec.name)
        except ClientError as exc:
            if _is_missing_endpoint(exc):
                return EndpointObservation(name=spec.name, status=DELETED, current_instances=0)
            raise
        return observation_from_description(spec, described)

    def describe_all(self, config: FleetConfig) -> dict[str, EndpointObservation]:
        return {spec.name: self.describe(spec) for spec in config.endpoints}

    def async_output_paths(self, name: str) -> tuple[str | None, str | None] | None:
        """The endpoint's (S3OutputPath, S3FailurePath); None when the endpoint does not exist.

        DescribeEndpoint names the endpoint configuration; DescribeEndpointConfig holds
        ``AsyncInferenceConfig.OutputConfig``
        (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpointConfig.html).
        """
        try:
            described = self._client.describe_endpoint(EndpointName=name)
        except ClientError as exc:
            if _is_missing_endpoint(exc):
                return None
            raise
        config = self._client.describe_endpoint_config(
            EndpointConfigName=described["EndpointConfigName"]
        )
        output = (config.get("AsyncInferenceConfig") or {}).get("OutputConfig") or {}
        return output.get("S3OutputPath"), output.get("S3FailurePath")

    def update_instances(self, action: UpdateAction) -> UpdateRejection | None:
        """Ask for a new instance count; ``None`` when accepted, else why it was not."""
        try:
            self._client.update_endpoint_weights_and_capacities(
                EndpointName=action.endpoint,
                DesiredWeightsAndCapacities=[
                    {"VariantName": action.variant, "DesiredInstanceCount": action.instances}
                ],
            )
        except ClientError as exc:
            message = str(exc.response.get("Error", {}).get("Message", ""))[:300]
            return UpdateRejection(_error_code(exc), message)
        return None
