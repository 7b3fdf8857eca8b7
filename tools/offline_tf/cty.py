"""cty values on the wire: msgpack with unknowns as extension type 0, or JSON."""

from __future__ import annotations

import json
from typing import Any, Final

import msgpack


class _Unknown:
    """A value not known until apply (Terraform prints it as "(known after apply)")."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
_UNKNOWN_EXT: Final = 0


def _ext_hook(code: int, data: bytes) -> Any:
    # Type 0 is a plain unknown; newer Terraform may send refined unknowns (other codes).
    return UNKNOWN


def _default(obj: object) -> Any:
    if obj is UNKNOWN:
        return msgpack.ExtType(_UNKNOWN_EXT, b"\x00")
    raise TypeError(f"cannot encode {obj!r} as cty msgpack")


def decode_msgpack(data: bytes) -> Any:
    if not data:
        return None
    return msgpack.unpackb(data, raw=False, strict_map_key=False, ext_hook=_ext_hook)


def encode_msgpack(value: Any) -> bytes:
    return msgpack.packb(value, use_bin_type=True, default=_default)


def decode_dynamic(msgpack_bytes: bytes, json_bytes: bytes) -> Any:
    """A tfplugin6 DynamicValue (one of the two encodings is set)."""
    if msgpack_bytes:
        return decode_msgpack(msgpack_bytes)
    if json_bytes:
        return json.loads(json_bytes)
    return None


def is_known(value: Any) -> bool:
    """True when no part of ``value`` is unknown."""
    if value is UNKNOWN:
        return False
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    if isinstance(value, list):
        return all(is_known(v) for v in value)
    return True
