"""The data sources the stand-in answers with real or fixed plausible values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from offline_tf import archive, iam_policy
from offline_tf.planning import ACCOUNT_ID

Json = dict[str, Any]

REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "Europe (Ireland)",
    "eu-central-1": "Europe (Frankfurt)",
}


@dataclass(frozen=True)
class Partition:
    name: str
    dns_suffix: str
    reverse_dns_prefix: str


def partition_of(region: str) -> Partition:
    if region.startswith("cn-"):
        return Partition("aws-cn", "amazonaws.com.cn", "cn.com.amazonaws")
    if region.startswith("us-gov-"):
        return Partition("aws-us-gov", "amazonaws.com", "com.amazonaws")
    return Partition("aws", "amazonaws.com", "com.amazonaws")


@dataclass(frozen=True)
class Context:
    """What the provider configuration tells the data sources."""

    region: str


def caller_identity(config: Json, ctx: Context) -> Json:
    partition = partition_of(ctx.region).name
    return {
        **config,
        "id": ACCOUNT_ID,
        "account_id": ACCOUNT_ID,
        "arn": f"arn:{partition}:iam::{ACCOUNT_ID}:user/offline-standin",
        "user_id": "AIDAOFFLINESTANDIN00000",
    }


def region(config: Json, ctx: Context) -> Json:
    name = config.get("region") or config.get("name") or ctx.region
    suffix = partition_of(name).dns_suffix
    return {
        **config,
        "id": name,
        "name": name,
        "region": name,
        "description": REGION_NAMES.get(name, name),
        "endpoint": f"ec2.{name}.{suffix}",
    }


def partition(config: Json, ctx: Context) -> Json:
    part = partition_of(ctx.region)
    return {
        **config,
        "id": part.name,
        "partition": part.name,
        "dns_suffix": part.dns_suffix,
        "reverse_dns_prefix": part.reverse_dns_prefix,
    }


READERS: dict[str, Callable[[Json, Context], Json]] = {
    "aws_caller_identity": caller_identity,
    "aws_region": region,
    "aws_partition": partition,
    "aws_iam_policy_document": lambda config, ctx: iam_policy.render(config),
    "archive_file": lambda config, ctx: archive.read_archive_file(config),
}
