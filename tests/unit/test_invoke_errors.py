"""What a failed SageMaker runtime call means: the codes and messages SageMaker sends.

The runtime API's service model (botocore ``sagemaker-runtime`` 2017-05-13) names its
400 error ``ValidationError``; a missing endpoint is reported as, for example,
"An error occurred (ValidationError) when calling the InvokeEndpoint operation: Endpoint
demo-g5 of account 123456789012 not found." (aws/amazon-sagemaker-examples#293, #559).
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from fleet_autoscaler.invoke_errors import classify_invoke_error

NOT_FOUND = "Endpoint demo-g5 of account 123456789012 not found."


def client_error(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "InvokeEndpointAsync")


@pytest.mark.parametrize(
    ("code", "message", "kind"),
    [
        ("ValidationError", NOT_FOUND, "retryable"),  # what SageMaker sends
        ("ValidationException", NOT_FOUND, "retryable"),  # what some emulators send
        ("ValidationError", "1 validation error detected: InputLocation", "rejected"),
        ("ValidationException", "Inference id too long", "rejected"),
        ("ServiceUnavailable", "try again", "retryable"),
        ("ModelNotReadyException", "loading", "retryable"),
        ("InternalFailure", "oops", "retryable"),
        ("ThrottlingException", "slow down", "retryable"),
        ("ModelError", "the container said 500", "model_error"),
        ("AccessDeniedException", "not authorized", "other"),
    ],
)
def test_each_code_has_one_meaning(code, message, kind):
    failure = classify_invoke_error(client_error(code, message))
    assert (failure.kind, failure.code) == (kind, code)


def test_a_read_timeout_may_have_run_and_a_connection_failure_did_not():
    timeout = ReadTimeoutError(endpoint_url="https://runtime.sagemaker")
    assert classify_invoke_error(timeout).kind == "timeout"
    refused = EndpointConnectionError(endpoint_url="https://runtime.sagemaker")
    assert classify_invoke_error(refused).kind == "retryable"
