"""Rebuild a provider schema from a cdktn / CDKTF prebuilt-provider wheel.

The wheel holds a jsii tarball whose ``package/lib/<name>/index.js`` files are parsed in
memory (no unpacking to disk). Output is the ``terraform providers schema -json`` shape.

    python -m offline_tf.extract WHEEL -o schema.json [lib-dir ...]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tarfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from offline_tf import functions
from offline_tf.cdk_js import parse_dts, parse_module
from offline_tf.schema_build import top_level_schemas

Json = dict[str, Any]
_KIND_KEYS = {
    "resource": "resource_schemas",
    "data": "data_source_schemas",
    "ephemeral": "ephemeral_resource_schemas",
}
_PROVIDERS_WITH_FUNCTIONS = {"registry.terraform.io/hashicorp/aws"}


@dataclass
class ProviderSchema:
    source: str  # registry.terraform.io/hashicorp/aws
    version: str  # provider version the package was generated from
    schema: Json
    warnings: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.source.rsplit("/", 1)[-1]

    def document(self) -> Json:
        return {"format_version": "1.0", "provider_schemas": {self.source: self.schema}}


def _jsii_tarball(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as zf:
        names = [n for n in zf.namelist() if n.endswith(".jsii.tgz")]
        if len(names) != 1:
            raise ValueError(f"{wheel}: expected one .jsii.tgz, found {names}")
        return zf.read(names[0])


def _lib_dir(member: str, suffix: str) -> str | None:
    parts = member.split("/")
    if len(parts) == 4 and parts[:2] == ["package", "lib"] and parts[3] == suffix:
        return parts[2]
    return None


def _iter_members(tarball: bytes, suffix: str) -> Iterator[tuple[str, str]]:
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tf:
        for member in tf:
            lib = _lib_dir(member.name, suffix)
            fh = tf.extractfile(member) if lib else None
            if lib and fh:
                yield lib, fh.read().decode("utf-8")


def _package_json(tarball: bytes) -> Json:
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tf:
        fh = tf.extractfile("package/package.json")
        if fh is None:
            raise ValueError("package/package.json missing")
        doc: Json = json.load(fh)
        return doc


def extract_wheel(wheel: Path, only: Iterable[str] | None = None) -> ProviderSchema:
    """Parse every ``lib/<name>`` (or just ``only`` plus ``provider``) of a provider wheel."""
    tarball = _jsii_tarball(wheel)
    provider_info = _package_json(tarball)["cdktf"]["provider"]
    wanted = None if only is None else {*only, "provider"}
    # Two passes: the tarball lists every index.js before the index.d.ts files.
    dts_by_lib = {
        lib: src
        for lib, src in _iter_members(tarball, "index.d.ts")
        if wanted is None or lib in wanted
    }
    schema: Json = {
        "provider": {"version": 0, "block": {"attributes": {}}},
        "resource_schemas": {},
        "data_source_schemas": {},
        "ephemeral_resource_schemas": {},
        "functions": {},
    }
    out = ProviderSchema(provider_info["name"], provider_info["version"], schema)
    for lib, js in _iter_members(tarball, "index.js"):
        if wanted is not None and lib not in wanted:
            continue
        module = parse_module(js)
        module.interfaces = parse_dts(dts_by_lib.get(lib, ""))
        tops, warnings = top_level_schemas(module)
        out.warnings += warnings
        for kind, tf_type, block in tops:
            entry = {"version": 0, "block": block}
            if kind == "provider":
                schema["provider"] = entry
            else:
                schema[_KIND_KEYS[kind]][tf_type] = entry
    if out.source in _PROVIDERS_WITH_FUNCTIONS:
        schema["functions"] = functions.SIGNATURES
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("wheel", type=Path)
    ap.add_argument("-o", "--out", type=Path, required=True)
    ap.add_argument("libs", nargs="*", help="lib/ directory names (default: all)")
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    result = extract_wheel(args.wheel, args.libs or None)
    args.out.write_text(json.dumps(result.document(), sort_keys=True), encoding="utf-8")
    for w in result.warnings:
        print("warning:", w, file=sys.stderr)
    s = result.schema
    print(
        f"{result.source} {result.version}: {len(s['resource_schemas'])} resources, "
        f"{len(s['data_source_schemas'])} data sources, "
        f"{len(s['ephemeral_resource_schemas'])} ephemeral, {time.monotonic() - t0:.1f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
