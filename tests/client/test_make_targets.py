"""The serve targets work from a fresh clone: each builds the virtual environment first."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
@pytest.mark.parametrize(
    ("target", "command"),
    [("serve-container", "container/serve"), ("serve-local", "-m local_api")],
)
def test_a_serve_target_creates_the_venv_before_it_runs(
    tmp_path: Path, target: str, command: str
) -> None:
    venv = tmp_path / "fresh-venv"  # does not exist, as in a fresh clone
    plan = subprocess.run(
        ["make", "--no-print-directory", "-n", target, f"VENV={venv}"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    lines = plan.splitlines()
    creates = [i for i, line in enumerate(lines) if f"-m venv {venv}" in line]
    runs = [i for i, line in enumerate(lines) if command in line]
    assert creates, plan
    assert runs, plan
    assert creates[0] < runs[-1], plan
