"""A SageMaker runtime client that records calls and fails on demand, over moto's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from fleet_autoscaler import aws


@dataclass
class RuntimeSpy:
    real: Any
    calls: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # endpoint -> error code
    raises: dict[str, Exception] = field(default_factory=dict)  # endpoint -> exception
    replies: dict[str, dict[str, Any]] = field(default_factory=dict)  # endpoint -> response

    def _maybe_fail(self, operation: str, params: dict[str, Any]) -> None:
        self.calls.append({"operation": operation, **params})
        if params["EndpointName"] in self.raises:
            raise self.raises[params["EndpointName"]]
        code = self.failures.get(params["EndpointName"])
        if code is not None:
            raise ClientError(
                {
                    "Error": {"Code": code, "Message": f"{code} for {params['EndpointName']}"},
                    "ResponseMetadata": {"HTTPStatusCode": 503},
                },
                operation,
            )

    def invoke_endpoint_async(self, **params: Any) -> dict[str, Any]:
        self._maybe_fail("InvokeEndpointAsync", params)
        return self.real.invoke_endpoint_async(**params)

    def invoke_endpoint(self, **params: Any) -> dict[str, Any]:
        self._maybe_fail("InvokeEndpoint", params)
        if params["EndpointName"] in self.replies:
            return self.replies[params["EndpointName"]]
        return self.real.invoke_endpoint(**params)

    @property
    def endpoints(self) -> list[str]:
        return [call["EndpointName"] for call in self.calls]


def install_runtime_spy() -> RuntimeSpy:
    spy = RuntimeSpy(real=aws.runtime_client(60))
    aws.override("sagemaker-runtime", spy)
    return spy


class CallCounter:
    """Counts AWS API calls made through the package's clients, by service and operation."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def attach(self, *services: str) -> CallCounter:
        """Count calls of ``services`` by every client, including ones created later."""
        wanted = set(services)

        def hook(service: str, client: Any) -> None:
            if service in wanted:
                client.meta.events.register("before-call.*.*", self._record)

        aws.on_new_client(hook)
        return self

    def _record(self, model: Any, **_: Any) -> None:
        self.calls.append((model.service_model.service_name, model.name))

    def count(self, service: str | None = None, operations: tuple[str, ...] = ()) -> int:
        return sum(
            1
            for svc, op in self.calls
            if (service is None or svc == service) and (not operations or op in operations)
        )
