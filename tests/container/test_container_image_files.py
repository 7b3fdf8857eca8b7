"""Static checks of the image recipe and the build script (no Docker engine here)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tests.container.container_support import CONTAINER_DIR

DOCKERFILE = CONTAINER_DIR / "Dockerfile"
SCRIPT = CONTAINER_DIR / "build_and_push.sh"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def _args(keyword: str) -> list[str]:
    return [rest for kw, rest in _instructions() if kw == keyword]


def test_base_image_is_slim_python_pinned_to_a_patch_release() -> None:
    (base_arg,) = [a for a in _args("ARG") if a.startswith("PYTHON_IMAGE=")]
    image = base_arg.split("=", 1)[1]
    assert re.fullmatch(r"python:3\.\d+\.\d+-slim-[a-z]+(@sha256:[0-9a-f]{64})?", image), image
    assert _args("FROM") == ["${PYTHON_IMAGE}"]
    assert ":latest" not in DOCKERFILE.read_text()


def test_runs_as_a_numeric_non_root_user() -> None:
    users = _args("USER")
    assert users, "no USER instruction"
    uid = users[-1].split(":")[0]
    assert uid.isdigit()
    assert int(uid) != 0
    # USER comes after every RUN, so nothing later runs as root by accident.
    kinds = [kw for kw, _ in _instructions()]
    assert max(i for i, kw in enumerate(kinds) if kw == "RUN") < kinds.index("USER")


def test_exposes_8080_and_serve_is_the_entry_point() -> None:
    assert "8080" in _args("EXPOSE")
    assert _args("ENTRYPOINT") == ['["serve"]']
    env = " ".join(_args("ENV"))
    assert 'PATH="/opt/program:${PATH}"' in env
    assert _args("WORKDIR") == ["/opt/program"]
    copies = " ".join(_args("COPY"))
    assert "serve ./serve" in copies
    assert "model_server ./model_server" in copies
    assert os.access(CONTAINER_DIR / "serve", os.X_OK)
    assert (CONTAINER_DIR / "serve").read_text().startswith("#!/usr/bin/env python3\n")


def test_requirements_are_pinned_and_installed() -> None:
    requirements = CONTAINER_DIR / "requirements.txt"
    for line in requirements.read_text().splitlines():
        spec = line.split("#", 1)[0].strip()
        if spec:
            assert re.fullmatch(r"[A-Za-z0-9._\-\[\],]+==[A-Za-z0-9.+!]+", spec), spec
    runs = " ".join(_args("RUN"))
    assert "pip install --no-cache-dir -r requirements.txt" in runs
    assert "COPY requirements.txt ./" in [f"COPY {a}" for a in _args("COPY")]


def test_docker_context_ships_only_what_the_image_needs() -> None:
    ignore = (CONTAINER_DIR / ".dockerignore").read_text().split()
    # Allow-list: exclude everything, then re-include the three things COPY uses.
    assert ignore.index("*") < min(ignore.index(n) for n in ("!serve", "!model_server/"))
    assert "!requirements.txt" in ignore


# --- build_and_push.sh ---------------------------------------------------------


def test_script_is_executable_and_parses() -> None:
    assert SCRIPT.stat().st_mode & stat.S_IXUSR
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)
    text = SCRIPT.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_script_passes_shellcheck() -> None:
    subprocess.run(["shellcheck", str(SCRIPT)], check=True)


def _bin_dir(tmp_path: Path, *, docker: bool, aws: bool, repo_exists: bool = False) -> Path:
    """A PATH with bash and the basics, plus stub docker/aws that log their calls."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("bash", "cat"):
        found = shutil.which(tool)
        assert found
        (bindir / tool).symlink_to(found)
    log = tmp_path / "calls.log"
    stubs = {}
    if docker:
        stubs["docker"] = f"""
echo "docker $*" >> {shlex.quote(str(log))}
if [ "$1" = login ]; then read -r password; echo "stdin=$password" >> {log}; fi
exit 0
"""
    if aws:
        stubs["aws"] = f"""
echo "aws $*" >> {shlex.quote(str(log))}
case "$1 $2" in
  "sts get-caller-identity") echo 123456789012 ;;
  "ecr describe-repositories")
    if [ {int(repo_exists)} = 1 ]; then exit 0; fi
    echo "An error occurred (RepositoryNotFoundException) when calling DescribeRepositories" >&2
    exit 254 ;;
  "ecr get-login-password") echo s3cret-token ;;
  "configure get") exit 1 ;;
esac
exit 0
"""
    for name, body in stubs.items():
        path = bindir / name
        path.write_text(f"#!{shutil.which('bash')}\n{body.lstrip()}")
        path.chmod(0o755)
    return bindir


def _run(bindir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": str(bindir), "HOME": str(bindir.parent), **env},
        check=False,
    )


def test_help_needs_no_tools(tmp_path: Path) -> None:
    result = _run(_bin_dir(tmp_path, docker=False, aws=False), "--help")
    assert result.returncode == 0, result.stderr
    for text in ("Usage:", "--region", "--tag", "--no-push", "linux/amd64", "ECR"):
        assert text in result.stdout


def test_unknown_option_is_a_usage_error(tmp_path: Path) -> None:
    result = _run(_bin_dir(tmp_path, docker=True, aws=True), "--frobnicate")
    assert result.returncode == 2
    assert "unknown argument" in result.stderr


def test_missing_docker_is_reported(tmp_path: Path) -> None:
    result = _run(_bin_dir(tmp_path, docker=False, aws=True), "--region", "eu-west-1")
    assert result.returncode == 1
    assert "docker: the Docker CLI was not found on PATH" in result.stderr
    assert "aws:" not in result.stderr
    assert not (tmp_path / "calls.log").exists(), "nothing may run before the tool check"


def test_missing_aws_cli_is_reported(tmp_path: Path) -> None:
    result = _run(_bin_dir(tmp_path, docker=True, aws=False), "--region", "eu-west-1")
    assert result.returncode == 1
    assert "aws: the AWS CLI v2 was not found on PATH" in result.stderr
    assert not (tmp_path / "calls.log").exists()


def test_both_missing_are_reported_together(tmp_path: Path) -> None:
    result = _run(_bin_dir(tmp_path, docker=False, aws=False))
    assert result.returncode == 1
    assert "docker:" in result.stderr
    assert "aws:" in result.stderr


def test_no_push_builds_without_the_aws_cli(tmp_path: Path) -> None:
    result = _run(_bin_dir(tmp_path, docker=True, aws=False), "--no-push", "--tag", "t1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "sagemaker-fleet-load-model:t1"
    calls = (tmp_path / "calls.log").read_text()
    assert "--platform linux/amd64 --tag sagemaker-fleet-load-model:t1" in calls
    assert "docker push" not in calls


def test_push_creates_the_missing_repository_logs_in_tags_and_pushes(tmp_path: Path) -> None:
    bindir = _bin_dir(tmp_path, docker=True, aws=True)
    result = _run(bindir, "--name", "load/model", "--tag", "v1", AWS_REGION="eu-west-1")
    assert result.returncode == 0, result.stderr
    uri = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/load/model:v1"
    assert result.stdout.strip().splitlines()[-1] == uri
    calls = (tmp_path / "calls.log").read_text().splitlines()
    expected_in_order = [
        "docker info",
        f"--platform linux/amd64 --tag load/model:v1 --provenance=false --load {CONTAINER_DIR}",
        "aws sts get-caller-identity",
        "aws ecr describe-repositories --region eu-west-1 --repository-names load/model",
        "aws ecr create-repository --region eu-west-1 --repository-name load/model",
        # The two sides of the login pipe start together: either may log first.
        "stdin=s3cret-token",
        f"docker tag load/model:v1 {uri}",
        f"docker push {uri}",
    ]
    position = 0
    for fragment in expected_in_order:
        matches = [i for i, line in enumerate(calls) if fragment in line and i >= position]
        assert matches, f"{fragment!r} missing or out of order in:\n" + "\n".join(calls)
        position = matches[0]
    login = calls.index(
        "docker login --username AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    )
    assert calls.index("aws ecr get-login-password --region eu-west-1") < calls.index(
        "stdin=s3cret-token"
    )
    assert login < calls.index("stdin=s3cret-token")
    assert all("s3cret-token" not in line for line in calls if line.startswith(("docker", "aws")))


def test_existing_repository_is_not_recreated(tmp_path: Path) -> None:
    bindir = _bin_dir(tmp_path, docker=True, aws=True, repo_exists=True)
    result = _run(bindir, "--region", "cn-north-1", "--account", "210987654321", "-t", "x")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(
        "210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-fleet-load-model:x"
    )
    calls = (tmp_path / "calls.log").read_text()
    assert "create-repository" not in calls
    assert "sts get-caller-identity" not in calls


def test_missing_region_is_a_clear_error(tmp_path: Path) -> None:
    result = _run(_bin_dir(tmp_path, docker=True, aws=True), "--tag", "x")
    assert result.returncode == 1
    assert "no AWS region" in result.stderr


@pytest.mark.parametrize("name", ["Upper", "bad name", "-lead", "a//b"])
def test_invalid_repository_names_are_rejected(tmp_path: Path, name: str) -> None:
    result = _run(_bin_dir(tmp_path, docker=True, aws=True), "--name", name)
    assert result.returncode in (1, 2)
    assert "error" in result.stderr
