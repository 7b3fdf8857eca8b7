"""`terraform test` of the module (tests/*.tftest.hcl), offline.

A unit of work of its own (tests/conftest.py): it keeps its Terraform data apart
(`make tf-test`, TF_DATA_DIR under build/), so it runs beside test_module.py's chain of
fmt, validate, plans and scanners instead of after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.support.make import REPO, make

pytestmark = pytest.mark.skipif(
    not (REPO / "main.tf").exists(), reason="the Terraform module is not in this checkout"
)


def test_every_test_file_passes(progress: Callable[[str], None]) -> None:
    result = make("tf-test", progress=progress)
    output = result.stdout[-6000:] + result.stderr[-3000:]
    assert result.returncode == 0, output
    files = sorted((REPO / "tests").glob("*.tftest.hcl"))
    for path in files:
        assert f"tests/{path.name}... pass" in result.stdout, output
    runs = sum(path.read_text().count('\nrun "') for path in files)
    assert re.search(rf"Success! {runs} passed, 0 failed", result.stdout), output
