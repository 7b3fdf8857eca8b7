"""``aws_iam_policy_document``: render the policy JSON the way the provider lays it out."""

from __future__ import annotations

import json
import zlib
from typing import Any

Json = dict[str, Any]


def _one_or_many(values: list[str]) -> str | list[str]:
    values = sorted(values)
    return values[0] if len(values) == 1 else values


def _principals(blocks: list[Json]) -> Any:
    if len(blocks) == 1 and blocks[0]["type"] == "*" and list(blocks[0]["identifiers"]) == ["*"]:
        return "*"
    out: dict[str, Any] = {}
    for block in blocks:
        ids = sorted({*_as_list(out.get(block["type"])), *block["identifiers"]})
        out[block["type"]] = _one_or_many(ids)
    return out


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _conditions(blocks: list[Json]) -> Json:
    out: dict[str, dict[str, Any]] = {}
    for block in blocks:
        by_var = out.setdefault(block["test"], {})
        values = [*_as_list(by_var.get(block["variable"])), *block["values"]]
        by_var[block["variable"]] = values[0] if len(values) == 1 else values
    return out


def statement_json(stmt: Json) -> Json:
    out: Json = {}
    if stmt.get("sid"):
        out["Sid"] = stmt["sid"]
    out["Effect"] = stmt.get("effect") or "Allow"
    for key, field in (
        ("Action", "actions"),
        ("NotAction", "not_actions"),
        ("Resource", "resources"),
        ("NotResource", "not_resources"),
    ):
        if stmt.get(field):
            out[key] = _one_or_many(stmt[field])
    if stmt.get("principals"):
        out["Principal"] = _principals(stmt["principals"])
    if stmt.get("not_principals"):
        out["NotPrincipal"] = _principals(stmt["not_principals"])
    if stmt.get("condition"):
        out["Condition"] = _conditions(stmt["condition"])
    return out


def _merge_by_sid(base: list[Json], extra: list[Json]) -> list[Json]:
    out = list(base)
    for stmt in extra:
        sid = stmt.get("Sid")
        index = next((i for i, s in enumerate(out) if sid and s.get("Sid") == sid), None)
        if index is None:
            out.append(stmt)
        else:
            out[index] = stmt
    return out


def render(config: Json) -> Json:
    """The data source's state for a fully known configuration."""
    statements: list[Json] = []
    for doc in config.get("source_policy_documents") or []:
        statements = _merge_by_sid(statements, _as_statements(json.loads(doc)))
    own = [statement_json(s) for s in config.get("statement") or []]
    statements = _merge_by_sid(statements, own)
    for doc in config.get("override_policy_documents") or []:
        statements = _merge_by_sid(statements, _as_statements(json.loads(doc)))
    policy: Json = {"Version": config.get("version") or "2012-10-17"}
    if config.get("policy_id"):
        policy["Id"] = config["policy_id"]
    policy["Statement"] = statements
    pretty = json.dumps(policy, indent=2)
    return {
        **config,
        "id": str(zlib.crc32(pretty.encode())),
        "json": pretty,
        "minified_json": json.dumps(policy, separators=(",", ":")),
    }


def _as_statements(doc: Json) -> list[Json]:
    stmts = doc.get("Statement", [])
    return [stmts] if isinstance(stmts, dict) else list(stmts)
