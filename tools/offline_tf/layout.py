"""Where things live: the pins file, the download cache and the generated toolchain."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PINS_FILE = REPO_ROOT / "requirements" / "terraform.txt"


@dataclass(frozen=True)
class Layout:
    """Directories of one installed toolchain (everything below ``home`` is generated)."""

    home: Path
    cache: Path

    @classmethod
    def default(cls) -> Layout:
        home = os.environ.get("OFFLINE_TF_HOME") or str(REPO_ROOT / "build" / "offline-tf")
        cache = os.environ.get("OFFLINE_TF_CACHE") or str(REPO_ROOT / ".cache" / "offline-tf")
        return cls(home=Path(home).resolve(), cache=Path(cache).resolve())

    @property
    def wheels(self) -> Path:
        return self.cache / "wheels"

    @property
    def schemas(self) -> Path:
        return self.home / "schemas"

    @property
    def proto(self) -> Path:
        return self.home / "proto"

    @property
    def mirror(self) -> Path:
        return self.home / "mirror"

    @property
    def cli_config(self) -> Path:
        return self.home / "terraformrc"

    @property
    def manifest(self) -> Path:
        return self.home / "manifest.json"

    @property
    def sockets(self) -> Path:
        return self.home / "run"

    def schema_json(self, name: str) -> Path:
        return self.schemas / f"{name}.json"

    def schema_pb(self, name: str) -> Path:
        return self.schemas / f"{name}.pb"

    def metadata_pb(self, name: str) -> Path:
        return self.schemas / f"{name}.metadata.pb"
