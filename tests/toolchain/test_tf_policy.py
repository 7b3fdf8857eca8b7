"""The policy scanners read the stand-in's plan JSON: they pass the fixture, catch a violation."""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from offline_tf.layout import REPO_ROOT

POLICY_BIN = REPO_ROOT / "build" / "policy-venv" / "bin"
FIXTURE = Path(__file__).parent / "fixture"
FEATURES = FIXTURE / "compliance"


@pytest.fixture(scope="module")
def scanners() -> Path:
    if not (POLICY_BIN / "checkov").exists():
        pytest.fail("policy scanners missing: run `make policy-install` (make test does)")
    return POLICY_BIN


def _write(tmp_path: Path, plan: dict) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    return path


def _set(plan: dict, type_name: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Change a resource's planned values where each scanner reads them."""

    def modules(module: dict) -> Iterator[dict]:
        yield module
        for child in module.get("child_modules", []):
            yield from modules(child)

    for rc in plan["resource_changes"]:  # terraform-compliance
        if rc["type"] == type_name:
            change(rc["change"]["after"])
    for module in modules(plan["planned_values"]["root_module"]):  # checkov
        for resource in module.get("resources", []):
            if resource["type"] == type_name:
                change(resource["values"])


def _compliance(bin_dir: Path, plan: Path) -> subprocess.CompletedProcess[str]:
    cmd = [str(bin_dir / "terraform-compliance"), "--no-ansi", "-f", str(FEATURES), "-p", str(plan)]
    return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=300)


def _checkov(bin_dir: Path, plan: Path) -> subprocess.CompletedProcess[str]:
    cmd = [str(bin_dir / "checkov"), "--quiet", "--compact", "--skip-download"]
    cmd += ["--framework", "terraform_plan", "-f", str(plan)]
    cmd += ["--repo-root-for-plan-enrichment", str(FIXTURE)]
    return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=300)


def test_compliance_passes_the_fixture_plan(
    scanners: Path, planned: tuple[Path, dict], tmp_path: Path
) -> None:
    result = _compliance(scanners, _write(tmp_path, planned[1]))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 scenarios (4 passed)" in result.stdout


def test_compliance_catches_a_table_without_point_in_time_recovery(
    scanners: Path, planned: tuple[Path, dict], tmp_path: Path
) -> None:
    plan = copy.deepcopy(planned[1])
    _set(plan, "aws_dynamodb_table", lambda v: v["point_in_time_recovery"][0].update(enabled=False))
    result = _compliance(scanners, _write(tmp_path, plan))
    assert result.returncode != 0
    assert "point_in_time_recovery" in result.stdout


def test_checkov_passes_the_fixture_plan_and_catches_a_table_without_recovery(
    scanners: Path, planned: tuple[Path, dict], tmp_path: Path
) -> None:
    good = _checkov(scanners, _write(tmp_path, planned[1]))
    assert good.returncode == 0, good.stdout
    plan = copy.deepcopy(planned[1])
    _set(plan, "aws_dynamodb_table", lambda v: v["point_in_time_recovery"][0].update(enabled=False))
    bad = _checkov(scanners, _write(tmp_path, plan))
    assert bad.returncode == 1
    assert "CKV_AWS_28" in bad.stdout
