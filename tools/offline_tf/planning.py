"""What an SDK-based provider would plan and apply, without an API behind it.

Values are cty objects decoded from msgpack (dicts, lists, scalars, ``UNKNOWN``); schema
blocks are in the ``providers schema -json`` shape.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from offline_tf.cty import UNKNOWN, is_known

Json = dict[str, Any]
AttrFn = Callable[[str, Json, Any, tuple[str, ...]], Any]

ACCOUNT_ID = "123456789012"


def walk_block(block: Json, value: Any, fn: AttrFn, path: tuple[str, ...] = ()) -> Any:
    """Apply ``fn(name, attribute schema, value, path)`` to every attribute, nested too."""
    if not isinstance(value, dict):
        return value
    out = dict(value)
    for name, attr in block.get("attributes", {}).items():
        new = fn(name, attr, out.get(name), (*path, name))
        if "nested_type" in attr and new is not None and new is not UNKNOWN:
            nt = attr["nested_type"]
            new = _walk_nested(
                nt["nesting_mode"], {"attributes": nt["attributes"]}, new, fn, (*path, name)
            )
        out[name] = new
    for name, bt in block.get("block_types", {}).items():
        v = out.get(name)
        if v is not None and v is not UNKNOWN:
            out[name] = _walk_nested(bt["nesting_mode"], bt["block"], v, fn, (*path, name))
    return out


def _walk_nested(mode: str, block: Json, value: Any, fn: AttrFn, path: tuple[str, ...]) -> Any:
    if mode in ("single", "group"):
        return walk_block(block, value, fn, path)
    if mode in ("list", "set") and isinstance(value, list):
        return [walk_block(block, v, fn, path) for v in value]
    if mode == "map" and isinstance(value, dict):
        return {k: walk_block(block, v, fn, path) for k, v in value.items()}
    return value


def plan_create(
    block: Json, proposed: Json, region: str | None, default_tags: dict[str, str]
) -> Json:
    """A new resource: every computed attribute left unset is unknown until apply."""

    def unknown_if_unset(name: str, attr: Json, value: Any, path: tuple[str, ...]) -> Any:
        return UNKNOWN if value is None and attr.get("computed") else value

    planned: Json = walk_block(block, proposed, unknown_if_unset)
    attrs = block.get("attributes", {})
    if "region" in attrs and planned.get("region") is UNKNOWN and region:
        planned["region"] = region
    if "tags_all" in attrs and planned.get("tags_all") is UNKNOWN:
        tags = proposed.get("tags") or {}
        if is_known(tags):
            planned["tags_all"] = {**default_tags, **tags}
    return planned


def placeholder(name: str, ty: Any, type_name: str, seed: str) -> Any:
    """A plausible stand-in for a computed value nobody configured."""
    digest = hashlib.sha1(f"{type_name}/{seed}/{name}".encode()).hexdigest()[:12]
    if ty == "string":
        if name == "id":
            return f"standin-{digest}"
        if name == "arn" or name.endswith("_arn"):
            return f"arn:aws:standin:us-east-1:{ACCOUNT_ID}:{type_name}/{digest}"
        if name == "account_id" or name.endswith("_account_id"):
            return ACCOUNT_ID
        if name.endswith(("json", "policy")):
            return '{"Version":"2012-10-17","Statement":[]}'
        return f"standin-{name}"
    if ty == "number":
        return 0
    if ty == "bool":
        return False
    if isinstance(ty, list) and ty[0] in ("list", "set"):
        return []
    if isinstance(ty, list) and ty[0] == "map":
        return {}
    return None


def apply_create(block: Json, planned: Json, type_name: str) -> Json:
    """Fill what was unknown at plan time with placeholders, as if the API had answered."""

    def fill(name: str, attr: Json, value: Any, path: tuple[str, ...]) -> Any:
        if value is UNKNOWN:
            return placeholder(name, attr.get("type"), type_name, "/".join(path))
        return value

    filled: Json = walk_block(block, planned, fill)
    return filled


def read_computed(block: Json, config: Json, type_name: str) -> Json:
    """A data source nobody taught us: computed attributes get placeholders."""

    def fill(name: str, attr: Json, value: Any, path: tuple[str, ...]) -> Any:
        if value is None and attr.get("computed") and "type" in attr:
            return placeholder(name, attr["type"], type_name, "/".join(path))
        return value

    result: Json = walk_block(block, config, fill)
    return result
