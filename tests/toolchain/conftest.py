"""Fixtures for the offline Terraform toolchain: run scripts/tf, copies of the fixture."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from offline_tf.layout import REPO_ROOT, Layout

TF = REPO_ROOT / "scripts" / "tf"
FIXTURE = Path(__file__).parent / "fixture"


@dataclass(frozen=True)
class TfResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_tf(workdir: Path, *args: str, env: dict[str, str] | None = None) -> TfResult:
    """``scripts/tf -chdir=workdir args...`` without color, as a subprocess."""
    proc = subprocess.run(
        [str(TF), f"-chdir={workdir}", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
        check=False,
    )
    return TfResult(proc.returncode, proc.stdout, proc.stderr)


def _ignore_state(directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n.endswith((".tfstate", ".tfplan", ".zip"))}


@pytest.fixture(scope="session")
def installed() -> Layout:
    layout = Layout.default()
    if not layout.manifest.exists():
        pytest.fail("offline toolchain not installed: run `make tf-install` (make test does)")
    return layout


@pytest.fixture(scope="session")
def initialized_fixture(installed: Layout, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the fixture module after ``init`` (once per session)."""
    work = tmp_path_factory.mktemp("fixture") / "module"
    shutil.copytree(FIXTURE, work, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    result = run_tf(work, "init", "-backend=false", "-input=false", "-no-color")
    assert result.returncode == 0, result.stderr + result.stdout
    return work


@pytest.fixture
def fixture_copy(initialized_fixture: Path, tmp_path: Path) -> Callable[[], Path]:
    """A fresh, already initialized copy of the fixture module to edit."""

    def make() -> Path:
        work = tmp_path / "module"
        shutil.copytree(initialized_fixture, work, symlinks=True, ignore=_ignore_state)
        return work

    return make


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="session")
def planned(installed: Layout, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The fixture's example after init, plan -out and show -json (once per session)."""
    root = tmp_path_factory.mktemp("plan") / "fixture"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns(".terraform*"))
    example = root / "examples" / "basic"
    for args in (
        ("init", "-input=false", "-no-color"),
        ("plan", "-input=false", "-no-color", "-out=plan.tfplan"),
    ):
        result = run_tf(example, *args)
        assert result.returncode == 0, result.stdout + result.stderr
    show = run_tf(example, "show", "-json", "plan.tfplan")
    assert show.returncode == 0, show.stderr
    return example, show.json()
