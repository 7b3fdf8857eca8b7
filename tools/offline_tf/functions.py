"""Provider-defined functions of hashicorp/aws: signatures and implementations.

cdktn only records that these functions take strings, so the signatures are written here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ARN_PARTS = ("partition", "service", "region", "account_id", "resource")

SIGNATURES: dict[str, dict[str, Any]] = {
    "arn_build": {
        "parameters": [{"name": n, "type": "string"} for n in ARN_PARTS],
        "return_type": "string",
    },
    "arn_parse": {
        "parameters": [{"name": "arn", "type": "string"}],
        "return_type": ["object", dict.fromkeys(ARN_PARTS, "string")],
    },
    "trim_iam_role_path": {
        "parameters": [{"name": "arn", "type": "string"}],
        "return_type": "string",
    },
    "user_agent": {
        "parameters": [
            {"name": n, "type": "string"} for n in ("product_name", "product_version", "comment")
        ],
        "return_type": "string",
    },
}


class FunctionError(ValueError):
    """A function argument the real provider would reject."""


def arn_build(partition: str, service: str, region: str, account_id: str, resource: str) -> str:
    return f"arn:{partition}:{service}:{region}:{account_id}:{resource}"


def arn_parse(arn: str) -> dict[str, str]:
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise FunctionError(f"invalid ARN: {arn!r}")
    return dict(zip(ARN_PARTS, parts[1:], strict=True))


def trim_iam_role_path(arn: str) -> str:
    head, sep, resource = arn.partition(":role/")
    if not sep:
        raise FunctionError(f"not an IAM role ARN: {arn!r}")
    return f"{head}:role/{resource.rsplit('/', 1)[-1]}"


def user_agent(product_name: str, product_version: str, comment: str) -> str:
    out = product_name + (f"/{product_version}" if product_version else "")
    return out + (f" ({comment})" if comment else "")


IMPLEMENTATIONS: dict[str, Callable[..., Any]] = {
    "arn_build": arn_build,
    "arn_parse": arn_parse,
    "trim_iam_role_path": trim_iam_role_path,
    "user_agent": user_agent,
}


def call(name: str, args: list[Any]) -> Any:
    fn = IMPLEMENTATIONS.get(name)
    if fn is None:
        raise FunctionError(f"unknown function {name!r}")
    return fn(*args)
