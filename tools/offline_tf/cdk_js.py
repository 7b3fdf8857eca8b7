"""Parse the JavaScript that cdktn / CDKTF generate for one provider type.

A prebuilt provider package has one ``lib/<name>/index.js`` (and ``index.d.ts``) per
resource, data source or ephemeral resource. From it we read, per nested struct:

- ``function <struct>ToHclTerraform`` (and ``synthesizeHclAttributes()`` on the top-level
  class): every *configurable* attribute with ``isBlock``, ``type`` (simple, list, set, map,
  struct) and ``storageClassType`` (``string``, ``stringList``, ..., or a struct name).
- ``class <Struct>OutputReference`` (or the top-level class): a comment
  ``// name - computed: X, optional: Y, required: Z`` before *every* schema attribute
  (computed-only ones too), followed by a getter or ``new XList(this, "n", isSet)``.
- ``index.d.ts`` interfaces: whether a property is optional (``?``). Older CDKTF builds drop
  the flag comments of settable attributes, so this is the fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_FLAG_COMMENT_RE = re.compile(
    r"^ +// ([a-z0-9_]+) - computed: (true|false), optional: (true|false), "
    r"required: (true|false)\n",
    re.M,
)
_HCL_ENTRY_RE = re.compile(
    r"^\s+([A-Za-z0-9_]+): \{\n\s+value: ([^\n]*)\n\s+isBlock: (true|false),\n"
    r"\s+type: \"(\w+)\",\n\s+storageClassType: \"(\w+)\",",
    re.M,
)
_NEW_RE = re.compile(r"= new (\w+)\(this, \"([a-z0-9_]+)\"(?:, (true|false))?\);")
_GETTER_RE = re.compile(r"\n    get \w+\(\) \{\n\s+return (.*?);\n")
_PRIMITIVE_MAP_RE = re.compile(r"= (new cdkt[nf]\.\w+Map\(this, \"[a-z0-9_]+\"\));")
_ITEM_RE = re.compile(r"get\((?:index|key)\) \{\n\s+return new (\w+)\(")
_HCL_FN_RE = re.compile(r"\b([a-z]\w*ToHclTerraform)\b")
_PRIMITIVE_HCL_FN_RE = re.compile(r"(string|number|boolean|any)ToHclTerraform$")
_TF_TYPE_RE = re.compile(r'(?:static |\b\w+\.)tfResourceType = "([^"]+)"')
_INTERFACE_RE = re.compile(r"export interface (\w+)(?: extends [\w.]+)? \{\n(.*?)\n\}", re.S)
_DTS_PROP_RE = re.compile(r"#([a-z0-9_]+) \w+#\1\}\n\s+\*/\n\s+readonly \w+(\?)?:")

BASE_KINDS = {
    "TerraformResource": "resource",
    "TerraformDataSource": "data",
    "TerraformProvider": "provider",
    "TerraformEphemeralResource": "ephemeral",
}


@dataclass(frozen=True)
class HclEntry:
    """One configurable attribute as ``...ToHclTerraform`` describes it."""

    is_block: bool
    kind: str  # simple | list | set | map | struct
    storage: str  # storageClassType
    child_fn: str | None  # the nested struct's ToHclTerraform function


@dataclass(frozen=True)
class Member:
    """One schema attribute as the flag comment and the code after it describe it."""

    computed: bool
    optional: bool
    required: bool
    wrapper: str | None = None  # class of `new X(this, "name"...)`
    is_set: str | None = None  # third argument of that constructor
    getter: str | None = None


@dataclass
class JsClass:
    name: str
    base: str
    members: dict[str, Member] = field(default_factory=dict)
    hcl: dict[str, HclEntry] | None = None
    item: str | None = None  # item class of a List/Map wrapper
    tf_type: str | None = None

    @property
    def kind(self) -> str | None:
        return BASE_KINDS.get(self.base.rsplit(".", 1)[-1])


@dataclass
class JsModule:
    """Everything parsed from one ``lib/<name>/index.js`` (+ ``index.d.ts``)."""

    classes: dict[str, JsClass] = field(default_factory=dict)
    hcl_functions: dict[str, dict[str, HclEntry]] = field(default_factory=dict)
    interfaces: dict[str, dict[str, bool]] = field(default_factory=dict)  # prop -> required


def parse_hcl_entries(chunk: str) -> dict[str, HclEntry]:
    body = chunk[chunk.find("const attrs = {") :]
    end = body.find("\n    // remove undefined")
    if end >= 0:
        body = body[:end]
    out: dict[str, HclEntry] = {}
    for m in _HCL_ENTRY_RE.finditer(body):
        name, value, is_block, kind, storage = m.groups()
        fns = [
            f
            for f in _HCL_FN_RE.findall(value)
            if not value.startswith(f"cdktn.{f}") and not _PRIMITIVE_HCL_FN_RE.match(f)
        ]
        out[name] = HclEntry(is_block == "true", kind, storage, fns[0] if fns else None)
    return out


def _parse_members(chunk: str) -> dict[str, Member]:
    members: dict[str, Member] = {}
    marks = list(_FLAG_COMMENT_RE.finditer(chunk))
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(chunk)
        body = chunk[mark.end() : end]
        name = mark.group(1)
        new = _NEW_RE.search(body)
        getter = _GETTER_RE.search("\n" + body)
        prim_map = _PRIMITIVE_MAP_RE.search(body)
        getter_text = prim_map.group(1) if prim_map else (getter.group(1) if getter else None)
        own_new = new is not None and new.group(2) == name
        members[name] = Member(
            computed=mark.group(2) == "true",
            optional=mark.group(3) == "true",
            required=mark.group(4) == "true",
            wrapper=new.group(1) if own_new and new else None,
            is_set=new.group(3) if own_new and new else None,
            getter=getter_text,
        )
    return members


def _parse_class(chunk: str) -> JsClass | None:
    m = re.match(r"class (\w+) extends ([\w.]+)", chunk)
    if not m:
        return None
    cls = JsClass(name=m.group(1), base=m.group(2))
    item = _ITEM_RE.search(chunk)
    if item:
        cls.item = item.group(1)
    tf_type = _TF_TYPE_RE.search(chunk)
    if tf_type:
        cls.tf_type = tf_type.group(1)
    synth = chunk.find("synthesizeHclAttributes() {")
    if synth >= 0:
        cls.hcl = parse_hcl_entries(chunk[synth:])
    cls.members = _parse_members(chunk)
    return cls


def parse_dts(src: str) -> dict[str, dict[str, bool]]:
    """``export interface X { readonly a?: ...}`` -> {"X": {"a": False}} (True = required)."""
    out: dict[str, dict[str, bool]] = {}
    for m in _INTERFACE_RE.finditer(src):
        out[m.group(1)] = {
            pm.group(1): pm.group(2) is None for pm in _DTS_PROP_RE.finditer(m.group(2))
        }
    return out


def parse_module(js: str, dts: str = "") -> JsModule:
    js = js.split("\n//# sourceMappingURL=", maxsplit=1)[0]
    mod = JsModule(interfaces=parse_dts(dts) if dts else {})
    for chunk in re.split(r"\n(?=(?:class|function) )", js):
        if chunk.startswith("function "):
            fn = re.match(r"function (\w+ToHclTerraform)\(", chunk)
            if fn:
                mod.hcl_functions[fn.group(1)] = parse_hcl_entries(chunk)
        elif chunk.startswith("class "):
            cls = _parse_class(chunk)
            if cls is not None:
                mod.classes[cls.name] = cls
    return mod
