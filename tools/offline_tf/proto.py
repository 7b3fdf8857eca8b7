"""tfplugin6 protobuf messages and the schema JSON -> protobuf conversion.

The generated ``tfplugin6_pb2.py`` is not vendored: the install step takes it from the
pinned wheel that ships it and writes it under the toolchain's home folder.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

Json = dict[str, Any]
PB2_FILE = "tfplugin6_pb2.py"
PB2_IN_WHEEL = "pyvider/protocols/tfprotov6/protobuf/tfplugin6_pb2.py"


@cache
def load(proto_dir: Path) -> ModuleType:
    path = proto_dir / PB2_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} missing: run `make tf-install`")
    spec = importlib.util.spec_from_file_location("tfplugin6_pb2", path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("tfplugin6_pb2", module)
    spec.loader.exec_module(module)
    return module


def _attribute(pb: ModuleType, name: str, attr: Json) -> Any:
    schema = pb.Schema
    kwargs: Json = {
        "name": name,
        "required": bool(attr.get("required")),
        "optional": bool(attr.get("optional")),
        "computed": bool(attr.get("computed")),
        "sensitive": bool(attr.get("sensitive")),
        "deprecated": bool(attr.get("deprecated")),
        "description": attr.get("description", ""),
    }
    if "nested_type" in attr:
        nt = attr["nested_type"]
        kwargs["nested_type"] = schema.Object(
            nesting=getattr(schema.Object, nt["nesting_mode"].upper()),
            attributes=[_attribute(pb, n, a) for n, a in sorted(nt["attributes"].items())],
        )
    else:
        kwargs["type"] = json.dumps(attr["type"]).encode()
    return schema.Attribute(**kwargs)


def block(pb: ModuleType, blk: Json) -> Any:
    schema = pb.Schema
    return schema.Block(
        attributes=[_attribute(pb, n, a) for n, a in sorted(blk.get("attributes", {}).items())],
        block_types=[
            schema.NestedBlock(
                type_name=n,
                nesting=getattr(schema.NestedBlock, bt["nesting_mode"].upper()),
                min_items=bt.get("min_items", 0),
                max_items=bt.get("max_items", 0),
                block=block(pb, bt["block"]),
            )
            for n, bt in sorted(blk.get("block_types", {}).items())
        ],
    )


def _schema(pb: ModuleType, entry: Json) -> Any:
    return pb.Schema(version=entry.get("version", 0), block=block(pb, entry["block"]))


def _capabilities(pb: ModuleType) -> Any:
    return pb.ServerCapabilities(plan_destroy=True, get_provider_schema_optional=True)


def schema_response(pb: ModuleType, provider: Json) -> Any:
    """GetProviderSchema.Response for one provider's ``providers schema -json`` entry."""
    resp = pb.GetProviderSchema.Response(
        provider=_schema(pb, provider["provider"]), server_capabilities=_capabilities(pb)
    )
    for name, entry in provider.get("resource_schemas", {}).items():
        resp.resource_schemas[name].CopyFrom(_schema(pb, entry))
    for name, entry in provider.get("data_source_schemas", {}).items():
        resp.data_source_schemas[name].CopyFrom(_schema(pb, entry))
    for name, entry in provider.get("ephemeral_resource_schemas", {}).items():
        resp.ephemeral_resource_schemas[name].CopyFrom(_schema(pb, entry))
    for name, fn in provider.get("functions", {}).items():
        resp.functions[name].CopyFrom(
            pb.Function(
                parameters=[
                    pb.Function.Parameter(name=p["name"], type=json.dumps(p["type"]).encode())
                    for p in fn["parameters"]
                ],
                **{"return": pb.Function.Return(type=json.dumps(fn["return_type"]).encode())},
            )
        )
    return resp


def metadata_response(pb: ModuleType, provider: Json) -> Any:
    meta = pb.GetMetadata
    return meta.Response(
        server_capabilities=_capabilities(pb),
        resources=[
            meta.ResourceMetadata(type_name=n) for n in provider.get("resource_schemas", {})
        ],
        data_sources=[
            meta.DataSourceMetadata(type_name=n) for n in provider.get("data_source_schemas", {})
        ],
        ephemeral_resources=[
            meta.EphemeralMetadata(type_name=n)
            for n in provider.get("ephemeral_resource_schemas", {})
        ],
        functions=[meta.FunctionMetadata(name=n) for n in provider.get("functions", {})],
    )
