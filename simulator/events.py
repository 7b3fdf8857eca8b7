"""Events shaped like the ones API Gateway (REST, proxy v1) and EventBridge deliver."""

from __future__ import annotations

import json
import uuid
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"


def api_event(
    method: str,
    resource: str,
    path: str,
    path_parameters: dict[str, str] | None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    raw_body: str | None = None,
) -> dict[str, Any]:
    text = raw_body if raw_body is not None else (None if body is None else json.dumps(body))
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": (
            {name: [value] for name, value in headers.items()} if headers is not None else None
        ),
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "stage": "v1",
            "requestId": str(uuid.uuid4()),
            "identity": {"caller": "AROAEXAMPLE", "sourceIp": "198.51.100.7"},
            "accountId": ACCOUNT,
        },
        "body": text,
        "isBase64Encoded": False,
    }


def scaling_event(
    method: str, dimension_id: str, body: Any = None, raw_body: str | None = None
) -> dict[str, Any]:
    return api_event(
        method,
        "/scalableTargetDimensions/{scalableTargetDimensionId}",
        f"/scalableTargetDimensions/{dimension_id}",
        {"scalableTargetDimensionId": dimension_id},
        body=body,
        headers={"Content-Type": "application/json"},
        raw_body=raw_body,
    )


def router_event(
    fleet: str,
    headers: dict[str, str] | None,
    body: str | None = None,
    method: str = "POST",
) -> dict[str, Any]:
    return api_event(
        method,
        "/endpoints/{fleet}",
        f"/endpoints/{fleet}",
        {"fleet": fleet},
        headers=headers,
        raw_body=body,
    )


def endpoint_state_change(name: str, status: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "SageMaker Endpoint State Change",
        "source": "aws.sagemaker",
        "account": ACCOUNT,
        "time": "2026-11-28T12:00:00Z",
        "region": REGION,
        "resources": [f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{name.lower()}"],
        "detail": {
            "EndpointName": name,
            "EndpointArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{name.lower()}",
            "EndpointConfigName": f"{name}-config",
            "EndpointStatus": status,
            "CreationTime": 1764331200000,
            "LastModifiedTime": 1764331200000,
            "Tags": {},
        },
    }


def scheduled_event() -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": "2026-11-28T12:00:00Z",
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/fleet-reconcile"],
        "detail": {},
    }
