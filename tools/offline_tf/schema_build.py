"""Turn a parsed cdktn / CDKTF module into schema blocks (``providers schema -json`` shape).

Heuristics, learned from comparing with real provider schemas:

- A primitive (string, number, bool, their lists/maps) is an attribute with its cty type.
- A complex value that is not computed is a nested block: list or set from ``type``, a
  struct gives single nesting, ``new XOutputReference(this, "n")`` on a list gives
  ``max_items = 1``, and ``required`` gives ``min_items = 1``.
- A complex value that *is* computed is an attribute (blocks never carry ``computed``):
  list/set become ``list(object)``/``set(object)`` (SDKv2 ConfigModeAttr), struct and map
  become a framework-style ``nested_type``. The ``isBlock`` flag alone is not reliable.
- ``any`` is ``dynamic``. Terraform rejects set blocks with dynamic content; cdktn truncates
  a few huge recursive blocks (wafv2 ``statement``) to ``any``, so those become lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from offline_tf.cdk_js import HclEntry, JsModule, Member

Json = dict[str, Any]
CtyType = Any  # "string" | ["list", CtyType] | ["object", {...}] ...

_PRIMITIVES = {"string": "string", "number": "number", "boolean": "bool", "any": "dynamic"}
_STORAGE_RE = re.compile(r"^(string|number|boolean|any)((?:List|Map)*)$")
_GETTER_TYPES: list[tuple[str, CtyType]] = [
    ("getStringAttribute", "string"),
    ("getNumberAttribute", "number"),
    ("getBooleanAttribute", "bool"),
    ("getStringMapAttribute", ["map", "string"]),
    ("getNumberMapAttribute", ["map", "number"]),
    ("getBooleanMapAttribute", ["map", "bool"]),
]


def storage_to_cty(kind: str, storage: str) -> CtyType:
    """``stringList`` / ``numberMap`` / ``stringListMap`` -> a cty type (JSON form)."""
    m = _STORAGE_RE.match(storage)
    if not m:
        raise ValueError(f"not a primitive storage class: {storage}")
    ty: CtyType = _PRIMITIVES[m.group(1)]
    wraps = re.findall(r"List|Map", m.group(2))
    for i, wrap in enumerate(wraps):
        outermost = i == len(wraps) - 1
        if wrap == "Map":
            ty = ["map", ty]
        else:
            ty = ["set" if outermost and kind == "set" else "list", ty]
    return ty


def getter_to_cty(expr: str) -> CtyType | None:
    """The cty type of a computed-only attribute, from the getter that reads it."""
    for marker, ty in _GETTER_TYPES:
        if marker in expr:
            return ty
    as_set = "Fn.tolist(" in expr
    if "getNumberListAttribute" in expr:
        return ["set" if as_set else "list", "number"]
    if "getListAttribute" in expr:
        return ["set" if as_set else "list", "string"]
    m = re.search(r"new cdkt[nf]\.(String|Number|Boolean)Map\(", expr)
    if m:
        return ["map", {"String": "string", "Number": "number", "Boolean": "bool"}[m.group(1)]]
    if "interpolationForAttribute" in expr or "getAnyMapAttribute" in expr:
        return "dynamic"
    return None


def block_object_type(block: Json) -> CtyType:
    attrs: dict[str, CtyType] = {}
    for name, attr in block.get("attributes", {}).items():
        attrs[name] = attr["type"] if "type" in attr else nested_type_cty(attr["nested_type"])
    for name, bt in block.get("block_types", {}).items():
        attrs[name] = block_type_cty(bt)
    return ["object", attrs]


def block_type_cty(bt: Json) -> CtyType:
    obj = block_object_type(bt["block"])
    return obj if bt["nesting_mode"] == "single" else [bt["nesting_mode"], obj]


def nested_type_cty(nt: Json) -> CtyType:
    obj = block_object_type({"attributes": nt["attributes"]})
    return obj if nt["nesting_mode"] == "single" else [nt["nesting_mode"], obj]


def contains_dynamic(ty: CtyType) -> bool:
    if ty == "dynamic":
        return True
    if isinstance(ty, list):
        if ty[0] == "object":
            return any(contains_dynamic(t) for t in ty[1].values())
        return contains_dynamic(ty[1])
    return False


def _flags(member: Member) -> dict[str, bool]:
    if member.required:
        return {"required": True}
    flags = {k: True for k in ("optional", "computed") if getattr(member, k)}
    return flags or {"optional": True}


def _is_complex(entry: HclEntry | None, member: Member) -> bool:
    if member.wrapper is not None:
        return True
    return entry is not None and not _STORAGE_RE.match(entry.storage)


@dataclass
class BlockBuilder:
    """Builds the schema blocks of one parsed module; collects warnings on the way."""

    module: JsModule
    warnings: list[str] = field(default_factory=list)

    def _item_class(self, wrapper: str) -> tuple[str, bool]:
        cls = self.module.classes.get(wrapper)
        if cls and cls.item:
            return cls.item, wrapper.endswith("Map") and cls.base.endswith("ComplexMap")
        return wrapper, False

    def _child_interface(self, entry: HclEntry | None) -> dict[str, bool] | None:
        if entry is None or entry.child_fn is None:
            return None
        struct = entry.child_fn[0].upper() + entry.child_fn[1 : -len("ToHclTerraform")]
        return self.module.interfaces.get(struct)

    def block(
        self,
        members: dict[str, Member] | None,
        hcl: dict[str, HclEntry],
        where: str,
        required_props: dict[str, bool] | None = None,
        skip: frozenset[str] = frozenset(),
    ) -> Json:
        attributes: Json = {}
        block_types: Json = {}
        names = list(members or {}) + [n for n in hcl if n not in (members or {})]
        for name in names:
            if name in skip:
                continue
            member = (members or {}).get(name)
            if member is None:  # provider structs and old CDKTF builds: no flag comment
                required = bool(required_props and required_props.get(name))
                member = Member(computed=False, optional=not required, required=required)
            entry = hcl.get(name)
            flags = _flags(member)
            if not _is_complex(entry, member):
                attributes[name] = {
                    "type": self._primitive_type(entry, member, where, name),
                    **flags,
                }
                continue
            self._complex(name, entry, member, flags, where, attributes, block_types)
        out: Json = {"attributes": attributes}
        if block_types:
            out["block_types"] = block_types
        return out

    def _primitive_type(
        self, entry: HclEntry | None, member: Member, where: str, name: str
    ) -> CtyType:
        if entry is not None:
            return storage_to_cty(entry.kind, entry.storage)
        ty = getter_to_cty(member.getter or "")
        if ty is None:
            self.warnings.append(f"{where}.{name}: unknown getter {member.getter!r}")
            return "dynamic"
        return ty

    def _complex(
        self,
        name: str,
        entry: HclEntry | None,
        member: Member,
        flags: dict[str, bool],
        where: str,
        attributes: Json,
        block_types: Json,
    ) -> None:
        kind = entry.kind if entry else None
        child_cls: str | None = None
        single = False
        if member.wrapper:
            child_cls, is_map = self._item_class(member.wrapper)
            if kind is None:
                if is_map:
                    kind = "map"
                elif member.is_set is None:
                    kind = "struct"
                else:
                    kind = "set" if member.is_set == "true" else "list"
            single = member.wrapper == child_cls  # new XOutputReference(this, "n")
        child = self.module.classes.get(child_cls or "")
        child_hcl = (
            self.module.hcl_functions.get(entry.child_fn, {}) if entry and entry.child_fn else {}
        )
        inner = self.block(
            child.members if child else None,
            child_hcl,
            f"{where}.{name}",
            required_props=self._child_interface(entry),
        )
        if member.computed or kind == "map":
            attributes[name] = self._nested_attribute(kind, inner, flags)
            return
        bt: Json = {
            "nesting_mode": {"set": "set", "struct": "single"}.get(kind or "", "list"),
            "block": inner,
        }
        if bt["nesting_mode"] == "set" and contains_dynamic(block_object_type(inner)):
            bt["nesting_mode"] = "list"
            self.warnings.append(f"{where}.{name}: set block with dynamic content -> list")
        if bt["nesting_mode"] in ("list", "set"):
            if single:
                bt["max_items"] = 1
            if flags.get("required"):
                bt["min_items"] = 1
        block_types[name] = bt

    @staticmethod
    def _nested_attribute(kind: str | None, inner: Json, flags: dict[str, bool]) -> Json:
        if kind in ("struct", "map"):
            attrs = dict(inner["attributes"])
            for bn, bt in inner.get("block_types", {}).items():
                attrs[bn] = {"type": block_type_cty(bt), "optional": True, "computed": True}
            mode = "single" if kind == "struct" else "map"
            return {"nested_type": {"nesting_mode": mode, "attributes": attrs}, **flags}
        collection = kind if kind in ("list", "set") else "list"
        return {"type": [collection, block_object_type(inner)], **flags}


def top_level_schemas(module: JsModule) -> tuple[list[tuple[str, str, Json]], list[str]]:
    """(kind, Terraform type name, block) for each resource / data source / provider class."""
    builder = BlockBuilder(module)
    out: list[tuple[str, str, Json]] = []
    for name, cls in module.classes.items():
        kind = cls.kind
        if not cls.tf_type or cls.hcl is None or kind is None:
            continue
        where = "provider" if kind == "provider" else cls.tf_type
        skip = frozenset({"alias"}) if kind == "provider" else frozenset()
        required = module.interfaces.get(name + "Config")
        out.append((kind, cls.tf_type, builder.block(cls.members, cls.hcl, where, required, skip)))
    return out, builder.warnings
