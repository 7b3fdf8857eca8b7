"""`terraform validate` against the stand-in schema: Terraform's own errors for bad HCL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.toolchain.conftest import edit, run_tf

LAMBDA_MEMORY = "  memory_size                    = 256\n"
PITR = "  point_in_time_recovery {\n    enabled = true\n  }\n"
ATTRIBUTE_ID = '  attribute {\n    name = "id"\n    type = "S"\n  }\n'

# (case, edits to main.tf, Terraform's diagnostic summary, text expected in its detail)
NEGATIVE_CASES = [
    (
        "unknown_argument",
        [(LAMBDA_MEMORY, LAMBDA_MEMORY + "  memory_sise = 512\n")],
        "Unsupported argument",
        '"memory_sise" is not expected here',
    ),
    (
        "unknown_nested_argument",
        [('    type = "S"\n', '    type = "S"\n    kind = "HASH"\n')],
        "Unsupported argument",
        '"kind" is not expected here',
    ),
    (
        "block_written_as_attribute",
        [(PITR, "  point_in_time_recovery = { enabled = true }\n")],
        "Unsupported argument",
        "point_in_time_recovery",
    ),
    (
        "attribute_written_as_block",
        [('  tags = { component = "state" }\n', '  tags {\n    component = "state"\n  }\n')],
        "Unsupported block type",
        'Blocks of type "tags" are not expected here',
    ),
    (
        "missing_required_argument",
        [("  role                           = aws_iam_role.handler.arn\n", "")],
        "Missing required argument",
        '"role" is required',
    ),
    (
        "missing_required_nested_argument",
        [(ATTRIBUTE_ID, '  attribute {\n    name = "id"\n  }\n')],
        "Missing required argument",
        '"type" is required',
    ),
    (
        "missing_required_block",
        [('  flexible_time_window {\n    mode = "OFF"\n  }\n', "")],
        "Insufficient flexible_time_window blocks",
        "At least 1",
    ),
    (
        "too_many_single_blocks",
        [(PITR, PITR + PITR)],
        "Too many point_in_time_recovery blocks",
        "No more than 1",
    ),
    (
        "type_error",
        [(LAMBDA_MEMORY, '  memory_size                    = "lots"\n')],
        "Incorrect attribute value type",
        "a number is required",
    ),
    (
        "list_for_string",
        [('  runtime                        = "python3.12"\n', '  runtime = ["python3.12"]\n')],
        "Incorrect attribute value type",
        "string required",
    ),
    (
        "reference_to_missing_attribute",
        [
            (
                "role                           = aws_iam_role.handler.arn",
                "role = aws_iam_role.handler.arnn",
            )
        ],
        "Unsupported attribute",
        'no argument, nested block, or exported attribute named "arnn"',
    ),
    (
        "unknown_resource_type",
        [('resource "aws_iam_role" "handler"', 'resource "aws_iam_rolez" "handler"')],
        "Invalid resource type",
        'does not support resource type "aws_iam_rolez"',
    ),
]


def _validate(workdir: Path) -> dict:
    result = run_tf(workdir, "validate", "-json", "-no-color")
    report: dict = result.json()
    assert (result.returncode == 0) == report["valid"]
    return report


def test_the_fixture_validates(fixture_copy: Callable[[], Path]) -> None:
    report = _validate(fixture_copy())
    assert report["valid"], report["diagnostics"]
    assert report["warning_count"] == 0, report["diagnostics"]


@pytest.mark.parametrize(
    ("edits", "summary", "detail"),
    [pytest.param(e, s, d, id=case) for case, e, s, d in NEGATIVE_CASES],
)
def test_bad_configuration_fails_with_terraforms_error(
    fixture_copy: Callable[[], Path], edits: list[tuple[str, str]], summary: str, detail: str
) -> None:
    work = fixture_copy()
    for old, new in edits:
        edit(work / "main.tf", old, new)
    report = _validate(work)
    assert not report["valid"]
    errors = [d for d in report["diagnostics"] if d["severity"] == "error"]
    assert any(d["summary"] == summary and detail in d.get("detail", "") for d in errors), errors
