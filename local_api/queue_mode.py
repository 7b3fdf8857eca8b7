"""Queue mode in the local world: the dispatcher's InvokeEndpointAsync, answered locally.

In queue mode the router only puts the request on the fleet's SQS queue; the dispatcher
(run on a schedule by the local world) calls ``InvokeEndpointAsync`` with ``Filename`` so
that the output lands at the location the router promised. moto's InvokeEndpointAsync
ignores ``Filename`` and makes up its own output location, so the local world answers the
dispatcher's runtime calls with :class:`LocalRuntime`: the endpoint must exist (moto's
DescribeEndpoint), the locations come from its endpoint configuration's
``AsyncInferenceConfig.OutputConfig`` (``S3OutputPath`` / ``S3FailurePath``, then
``S3OutputPathExtension``, then ``Filename``), and the simulated async endpoint is told,
as the router's answer tells it in direct mode.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from .invocations import InvocationListener, RoutedInvocation
from .runtime_errors import endpoint_not_found, validation_error


def _join(folder: str, extension: str, name: str) -> str:
    parts = [folder.rstrip("/")]
    if extension.strip("/"):
        parts.append(extension.strip("/"))
    parts.append(name)
    return "/".join(parts)


class LocalRuntime:
    """``sagemaker-runtime`` for the dispatcher: InvokeEndpointAsync only."""

    def __init__(
        self, fleet: str, sagemaker: Callable[[], Any], on_invocation: InvocationListener
    ) -> None:
        self._fleet = fleet
        self._sagemaker = sagemaker
        self._on_invocation = on_invocation
        self.invocations = 0

    def _output_config(self, endpoint: str) -> dict[str, Any]:
        client = self._sagemaker()
        try:
            config_name = client.describe_endpoint(EndpointName=endpoint)["EndpointConfigName"]
        except ClientError:
            raise endpoint_not_found(endpoint) from None
        config = client.describe_endpoint_config(EndpointConfigName=config_name)
        output = (config.get("AsyncInferenceConfig") or {}).get("OutputConfig") or {}
        if not output.get("S3OutputPath"):
            raise validation_error(f"Endpoint {endpoint} is not an asynchronous endpoint.")
        return dict(output)

    def invoke_endpoint_async(self, EndpointName: str, **kwargs: Any) -> dict[str, Any]:
        output = self._output_config(EndpointName)
        inference_id = str(kwargs.get("InferenceId") or uuid.uuid4())
        name = str(kwargs.get("Filename") or f"{uuid.uuid4()}.out")
        extension = str(kwargs.get("S3OutputPathExtension") or "")
        output_location = _join(str(output["S3OutputPath"]), extension, name)
        failure_path = output.get("S3FailurePath")
        failure_location = _join(str(failure_path), extension, name) if failure_path else None
        headers = {
            key.lower(): str(value)
            for key, value in kwargs.items()
            if key in ("ContentType", "Accept", "CustomAttributes", "InputLocation")
        }
        self.invocations += 1
        self._on_invocation(
            RoutedInvocation(
                fleet=self._fleet,
                endpoint_name=EndpointName,
                inference_id=inference_id,
                input_location=str(kwargs["InputLocation"]),
                output_location=output_location,
                failure_location=failure_location,
                content_type=kwargs.get("ContentType"),
                headers=headers,
            )
        )
        answer = {"InferenceId": inference_id, "OutputLocation": output_location}
        if failure_location:
            answer["FailureLocation"] = failure_location
        return answer
