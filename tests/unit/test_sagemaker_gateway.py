"""The SageMaker adapter's reading of DescribeEndpoint answers."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from fleet_autoscaler.model import DELETED, EndpointSpec
from fleet_autoscaler.sagemaker import EndpointGateway


@pytest.mark.parametrize("code", ["ValidationException", "ValidationError"])
def test_describe_endpoint_reads_a_missing_endpoint_as_deleted_in_either_spelling(code):
    # SageMaker answers DescribeEndpoint of a missing endpoint with a validation error,
    # "Could not find endpoint ..."; its Common Errors page spells the code
    # ValidationError, the live API and moto ValidationException.
    class Missing:
        def describe_endpoint(self, EndpointName):
            raise ClientError(
                {"Error": {"Code": code, "Message": f'Could not find endpoint "{EndpointName}".'}},
                "DescribeEndpoint",
            )

    spec = EndpointSpec(name="demo-g5", variant="AllTraffic", priority=1)
    assert EndpointGateway(Missing()).describe(spec).status == DELETED
