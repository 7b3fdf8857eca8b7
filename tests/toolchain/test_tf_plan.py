"""`plan -out` + `show -json` on the fixture's example: complete enough for plan scanners."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path


def _data(plan: dict, type_name: str) -> dict:
    def walk(module: dict) -> list[dict]:
        found = [r for r in module.get("resources", []) if r["type"] == type_name]
        for child in module.get("child_modules", []):
            found += walk(child)
        return found

    (resource,) = walk(plan["prior_state"]["values"]["root_module"])
    values: dict = resource["values"]
    return values


def test_every_resource_has_after_and_after_unknown(planned: tuple[Path, dict]) -> None:
    _, plan = planned
    changes = [rc for rc in plan["resource_changes"] if rc["mode"] == "managed"]
    assert len(changes) == 12
    for rc in changes:
        assert rc["change"]["actions"] == ["create"], rc["address"]
        assert isinstance(rc["change"]["after"], dict), rc["address"]
        assert isinstance(rc["change"]["after_unknown"], dict), rc["address"]


def test_computed_values_are_unknown_and_configured_ones_known(planned: tuple[Path, dict]) -> None:
    _, plan = planned
    (fn,) = [rc for rc in plan["resource_changes"] if rc["type"] == "aws_lambda_function"]
    after, unknown = fn["change"]["after"], fn["change"]["after_unknown"]
    assert unknown["arn"] is True
    assert "arn" not in after
    assert after["memory_size"] == 256
    assert after["region"] == "eu-west-1"
    assert after["tags_all"] == {"owner": "toolchain"}
    assert after["tracing_config"] == [{"mode": "Active"}]


def test_policies_written_with_jsonencode_are_known(planned: tuple[Path, dict]) -> None:
    _, plan = planned
    (role,) = [
        rc for rc in plan["resource_changes"] if rc["address"].endswith("aws_iam_role.handler")
    ]
    policy = json.loads(role["change"]["after"]["assume_role_policy"])
    assert policy["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_identity_region_and_partition_have_plausible_values(planned: tuple[Path, dict]) -> None:
    _, plan = planned
    assert _data(plan, "aws_caller_identity")["account_id"] == "123456789012"
    assert _data(plan, "aws_region")["region"] == "eu-west-1"
    assert _data(plan, "aws_partition")["dns_suffix"] == "amazonaws.com"
    assert plan["planned_values"]["outputs"].get("function_arn") is not None


def test_archive_file_builds_the_real_zip_with_its_real_hashes(planned: tuple[Path, dict]) -> None:
    example, plan = planned
    archive = _data(plan, "archive_file")
    data = (example / archive["output_path"]).read_bytes()
    assert archive["output_size"] == len(data)
    assert archive["output_sha256"] == hashlib.sha256(data).hexdigest()
    assert (
        archive["output_base64sha256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    )
    assert archive["output_md5"] == hashlib.md5(data).hexdigest()
