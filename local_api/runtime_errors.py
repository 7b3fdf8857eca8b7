"""The errors SageMaker's runtime answers, for the emulators (local API and simulator).

The runtime API's service model (botocore ``sagemaker-runtime`` 2017-05-13) names its
400 error ``ValidationError``; a missing endpoint reads "Endpoint NAME of account ID not
found." (quoted in aws/amazon-sagemaker-examples#293 and #559).
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from .events import ACCOUNT


def validation_error(message: str, operation: str = "InvokeEndpointAsync") -> ClientError:
    return ClientError({"Error": {"Code": "ValidationError", "Message": message}}, operation)


def endpoint_not_found(endpoint: str, operation: str = "InvokeEndpointAsync") -> ClientError:
    return validation_error(f"Endpoint {endpoint} of account {ACCOUNT} not found.", operation)
