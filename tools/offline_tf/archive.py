"""``archive_file`` (hashicorp/archive): build the real zip and report its real hashes.

Entries are sorted and carry a fixed timestamp, so the same sources give the same bytes
and hashes on every machine.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Json = dict[str, Any]
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


class ArchiveError(ValueError):
    """A configuration the real provider would reject at read time."""


@dataclass(frozen=True)
class Entry:
    name: str
    data: bytes
    mode: int


def _file_entries(config: Json) -> list[Entry]:
    entries: list[Entry] = []
    if config.get("source_file"):
        path = Path(config["source_file"])
        if not path.is_file():
            raise ArchiveError(f"could not archive missing file: {path}")
        entries.append(Entry(path.name, path.read_bytes(), path.stat().st_mode & 0o777))
    if (
        config.get("source_content_filename") is not None
        or config.get("source_content") is not None
    ):
        if config.get("source_content_filename") is None or config.get("source_content") is None:
            raise ArchiveError("source_content and source_content_filename must be set together")
        entries.append(
            Entry(config["source_content_filename"], config["source_content"].encode(), 0o644)
        )
    for src in config.get("source") or []:
        entries.append(Entry(src["filename"], src["content"].encode(), 0o644))
    if config.get("source_dir"):
        entries += _dir_entries(config)
    return entries


def _excluded(rel: str, patterns: list[str]) -> bool:
    return any(rel == p or fnmatch.fnmatch(rel, p) for p in patterns)


def _dir_entries(config: Json) -> list[Entry]:
    root = Path(config["source_dir"])
    if not root.is_dir():
        raise ArchiveError(f"could not archive missing directory: {root}")
    patterns = [p.rstrip("/") for p in (config.get("excludes") or [])]
    skip_symlink_dirs = bool(config.get("exclude_symlink_directories"))
    out: list[Entry] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=not skip_symlink_dirs):
        base = Path(dirpath)
        dirnames[:] = [
            d for d in dirnames if not _excluded((base / d).relative_to(root).as_posix(), patterns)
        ]
        for name in filenames:
            path = base / name
            rel = path.relative_to(root).as_posix()
            if _excluded(rel, patterns):
                continue
            out.append(Entry(rel, path.read_bytes(), path.stat().st_mode & 0o777))
    return out


def build_zip(entries: list[Entry], output: Path, file_mode: str | None) -> bytes:
    mode_override = int(file_mode, 8) if file_mode else None
    names = [e.name for e in entries]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ArchiveError(f"duplicate file names in archive: {', '.join(duplicates)}")
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for entry in sorted(entries, key=lambda e: e.name):
            info = zipfile.ZipInfo(entry.name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100000 | (mode_override or entry.mode or 0o644)) << 16
            zf.writestr(info, entry.data)
    return output.read_bytes()


def read_archive_file(config: Json) -> Json:
    """The data source's state: config plus output_size and the checksums of the zip."""
    if config.get("type") != "zip":
        raise ArchiveError(f"archive type not supported by the stand-in: {config.get('type')!r}")
    entries = _file_entries(config)
    if not entries:
        raise ArchiveError(
            "one of source, source_content_filename, source_dir, source_file is required"
        )
    data = build_zip(entries, Path(config["output_path"]), config.get("output_file_mode"))
    sha1 = hashlib.sha1(data).hexdigest()
    sha256 = hashlib.sha256(data).digest()
    sha512 = hashlib.sha512(data).digest()
    return {
        **config,
        "id": sha1,
        "output_size": len(data),
        "output_md5": hashlib.md5(data).hexdigest(),
        "output_sha": sha1,
        "output_sha256": sha256.hex(),
        "output_sha512": sha512.hex(),
        "output_base64sha256": base64.b64encode(sha256).decode(),
        "output_base64sha512": base64.b64encode(sha512).decode(),
    }
