"""`terraform test` with `mock_provider "aws" {}` runs on the stand-in's schema."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.toolchain.conftest import run_tf

ASSERTION = """
mock_provider "aws" {{}}

run "memory" {{
  command = plan

  assert {{
    condition     = aws_lambda_function.handler.memory_size == {memory}
    error_message = "memory_size is not {memory}"
  }}
}}
"""


def _write_test(work: Path, memory: int) -> None:
    for old in (work / "tests").glob("*.tftest.hcl"):
        old.unlink()
    (work / "tests" / "memory.tftest.hcl").write_text(ASSERTION.format(memory=memory))


def test_true_assertion_passes(fixture_copy: Callable[[], Path]) -> None:
    work = fixture_copy()
    _write_test(work, 256)
    result = run_tf(work, "test", "-no-color")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 0 failed" in result.stdout


def test_false_assertion_fails(fixture_copy: Callable[[], Path]) -> None:
    work = fixture_copy()
    _write_test(work, 512)
    result = run_tf(work, "test", "-no-color")
    assert result.returncode == 1
    assert "memory_size is not 512" in result.stdout + result.stderr
    assert "0 passed, 1 failed" in result.stdout


def test_the_fixtures_own_tests_pass(fixture_copy: Callable[[], Path]) -> None:
    result = run_tf(fixture_copy(), "test", "-no-color")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed, 0 failed" in result.stdout
