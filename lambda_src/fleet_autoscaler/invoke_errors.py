"""What a failed SageMaker runtime call means (pure): shared by the router and the dispatcher.

Both send one request to one endpoint with one attempt (no botocore retries) and
must decide whether another endpoint may take it:

- ``retryable``: the endpoint could not take it (throttled, not ready, an internal
  error, the endpoint does not exist, the connection failed); another endpoint may.
- ``rejected``: a validation error about the request itself; every endpoint of the
  fleet runs the same model with the same API, so another one would reject it too.
- ``model_error``: the model answered with an error (InvokeEndpoint only).
- ``timeout``: the read timed out after the request was sent; it may be running, so
  sending it elsewhere could run it twice.
- ``other``: any other error of this call (access denied, ...).

The runtime API's service model (botocore ``sagemaker-runtime`` 2017-05-13) names its
400 error ``ValidationError``, and a missing endpoint reads "Endpoint NAME of account ID
not found." (as quoted in aws/amazon-sagemaker-examples#293 and #559); emulators send
``ValidationException``. Both spellings mean the same here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError

from .control import VALIDATION_CODES

FailureKind = Literal["retryable", "rejected", "model_error", "timeout", "other"]

RETRYABLE_CODES = frozenset(
    {
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "ThrottlingException",
        "Throttling",
        "ModelNotReadyException",
        "InternalFailure",
        "InternalDependencyException",
        "InternalServerError",
        "InternalServerException",
    }
)


@dataclass(frozen=True)
class InvokeFailure:
    kind: FailureKind
    code: str


def classify_invoke_error(exc: ClientError | BotoCoreError) -> InvokeFailure:
    """The meaning of an exception raised by InvokeEndpoint or InvokeEndpointAsync."""
    if isinstance(exc, ReadTimeoutError):
        return InvokeFailure("timeout", type(exc).__name__)
    if isinstance(exc, BotoCoreError):
        return InvokeFailure("retryable", type(exc).__name__)
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    message = str(error.get("Message", ""))
    if code in RETRYABLE_CODES or (code in VALIDATION_CODES and "not found" in message):
        return InvokeFailure("retryable", code)
    if code == "ModelError":
        return InvokeFailure("model_error", code)
    if code in VALIDATION_CODES:
        return InvokeFailure("rejected", code)
    return InvokeFailure("other", code)
