"""How `make test` splits the suites over pytest-xdist workers (tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.conftest import unit_of_work


@pytest.mark.parametrize(
    ("nodeid", "unit"),
    [
        ("tests/module/test_module.py::test_fmt", "terraform-module"),
        ("tests/module/test_terraform_test.py::test_every_test_file_passes", "terraform-test"),
        ("tests/toolchain/test_tf_plan.py::test_plan[a::b]", "terraform-toolchain"),
        ("tests/toolchain/test_tf_validate.py::test_x", "terraform-toolchain"),
        ("tests/client/test_end_to_end.py::test_status", "tests/client/test_end_to_end.py"),
        ("tests/unit/test_planner.py::test_p[1-2]", "tests/unit/test_planner.py"),
        ("tests/test_scheduling.py::test_x", "tests/test_scheduling.py"),
        (
            "tests/simulator/test_scenarios.py::test_burst",
            "tests/simulator/test_scenarios.py::test_burst",
        ),
    ],
)
def test_units_are_files_terraform_suites_or_simulator_tests(nodeid: str, unit: str) -> None:
    assert unit_of_work(nodeid) == unit
