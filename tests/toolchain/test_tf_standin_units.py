"""The stand-in's pure parts: cty msgpack, planning, data sources, archive, functions."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from offline_tf import archive, cty, datasources, functions, iam_policy, planning

BLOCK = {
    "attributes": {
        "name": {"type": "string", "required": True},
        "arn": {"type": "string", "computed": True},
        "region": {"type": "string", "optional": True, "computed": True},
        "tags": {"type": ["map", "string"], "optional": True},
        "tags_all": {"type": ["map", "string"], "computed": True},
    },
    "block_types": {
        "config": {
            "nesting_mode": "list",
            "block": {
                "attributes": {
                    "mode": {"type": "string", "optional": True},
                    "id": {"type": "string", "computed": True},
                }
            },
        }
    },
}


def test_unknown_round_trips_as_msgpack_extension_type_zero() -> None:
    encoded = cty.encode_msgpack({"a": cty.UNKNOWN, "b": [1, "x"]})
    assert b"\xd4\x00" in encoded  # fixext1, type 0
    assert cty.decode_msgpack(encoded) == {"a": cty.UNKNOWN, "b": [1, "x"]}
    assert not cty.is_known({"b": [cty.UNKNOWN]})


def test_plan_marks_unset_computed_values_unknown_at_every_level() -> None:
    proposed = {
        "name": "x",
        "arn": None,
        "region": None,
        "tags": {"a": "1"},
        "tags_all": None,
        "config": [{"mode": "on", "id": None}],
    }
    planned = planning.plan_create(BLOCK, proposed, "eu-west-1", {"owner": "me"})
    assert planned["arn"] is cty.UNKNOWN
    assert planned["config"][0]["id"] is cty.UNKNOWN
    assert planned["config"][0]["mode"] == "on"
    assert planned["region"] == "eu-west-1"
    assert planned["tags_all"] == {"owner": "me", "a": "1"}


def test_apply_fills_unknowns_with_placeholders() -> None:
    planned = {"name": "x", "arn": cty.UNKNOWN, "region": "r", "tags": None, "tags_all": {}}
    applied = planning.apply_create(BLOCK, {**planned, "config": None}, "aws_thing")
    assert applied["arn"].startswith("arn:aws:")
    assert cty.is_known(applied)


def test_region_and_partition_follow_the_configured_region() -> None:
    ctx = datasources.Context(region="cn-north-1")
    assert datasources.partition({}, ctx)["partition"] == "aws-cn"
    assert datasources.region({"region": None, "name": None}, ctx)["region"] == "cn-north-1"
    ident = datasources.caller_identity({}, datasources.Context(region="us-east-1"))
    assert ident["account_id"] == "123456789012"
    assert ident["arn"].startswith("arn:aws:iam::123456789012:")


def test_archive_file_writes_a_deterministic_zip_and_reports_its_hashes(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "a.py").write_text("A = 1\n")
    (src / "skip.txt").write_text("no")
    config = {
        "type": "zip",
        "source_dir": str(src),
        "excludes": ["skip.txt"],
        "output_path": str(tmp_path / "out" / "a.zip"),
    }
    first = archive.read_archive_file(config)
    data = (tmp_path / "out" / "a.zip").read_bytes()
    assert zipfile.ZipFile(tmp_path / "out" / "a.zip").namelist() == ["pkg/a.py"]
    assert first["output_sha256"] == hashlib.sha256(data).hexdigest()
    assert first["output_base64sha256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert first["output_size"] == len(data)
    assert archive.read_archive_file(config)["output_sha"] == first["output_sha"]


def test_archive_file_rejects_a_missing_source(tmp_path: Path) -> None:
    config = {"type": "zip", "source_file": str(tmp_path / "nope.py"), "output_path": "x.zip"}
    with pytest.raises(archive.ArchiveError):
        archive.read_archive_file(config)


def test_iam_policy_document_renders_statements() -> None:
    state = iam_policy.render(
        {
            "statement": [
                {
                    "sid": "Invoke",
                    "effect": None,
                    "actions": ["lambda:InvokeFunction"],
                    "resources": ["arn:a", "arn:b"],
                    "principals": [{"type": "Service", "identifiers": ["events.amazonaws.com"]}],
                    "condition": [
                        {"test": "StringEquals", "variable": "aws:SourceAccount", "values": ["1"]}
                    ],
                }
            ]
        }
    )
    policy = json.loads(state["json"])
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Invoke",
                "Effect": "Allow",
                "Action": "lambda:InvokeFunction",
                "Resource": ["arn:a", "arn:b"],
                "Principal": {"Service": "events.amazonaws.com"},
                "Condition": {"StringEquals": {"aws:SourceAccount": "1"}},
            }
        ],
    }
    assert json.loads(state["minified_json"]) == policy


def test_provider_functions() -> None:
    arn = "arn:aws:iam::123456789012:role/path/deployer"
    assert functions.call("arn_parse", [arn])["account_id"] == "123456789012"
    assert functions.call("trim_iam_role_path", [arn]).endswith(":role/deployer")
    with pytest.raises(functions.FunctionError):
        functions.call("arn_parse", ["not-an-arn"])
