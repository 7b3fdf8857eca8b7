"""Create a fleet's AWS resources in moto: the state table and the SageMaker endpoints."""

from __future__ import annotations

from typing import Any

ROLE_ARN = "arn:aws:iam::123456789012:role/sagemaker-execution"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/fleet-model:1"
# moto only accepts instance types from its own list; the simulator keeps the real ones.
MOTO_INSTANCE_TYPE = "ml.g4dn.2xlarge"


def create_state_table(dynamodb: Any, table: str) -> None:
    """The table the Terraform module creates: one string partition key ``id``."""
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def create_endpoint(
    sagemaker: Any,
    name: str,
    variant: str,
    instances: int,
    async_output: str | None = None,
    async_extra: dict[str, Any] | None = None,
) -> None:
    """Model, endpoint configuration and endpoint; ``async_output`` makes it asynchronous
    (``async_extra``: more of its OutputConfig, e.g. S3FailurePath, NotificationConfig)."""
    sagemaker.create_model(
        ModelName=f"{name}-model",
        ExecutionRoleArn=ROLE_ARN,
        PrimaryContainer={"Image": IMAGE},
    )
    production_variant: dict[str, Any] = {
        "VariantName": variant,
        "ModelName": f"{name}-model",
        "InstanceType": MOTO_INSTANCE_TYPE,
        "InitialVariantWeight": 1.0,
    }
    if instances:  # moto, like SageMaker, creates no variant with 0 instances
        production_variant["InitialInstanceCount"] = instances
    config: dict[str, Any] = {
        "EndpointConfigName": f"{name}-config",
        "ProductionVariants": [production_variant],
    }
    if async_output is not None:
        output = {"S3OutputPath": async_output, **(async_extra or {})}
        config["AsyncInferenceConfig"] = {"OutputConfig": output}
    sagemaker.create_endpoint_config(**config)
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config")
