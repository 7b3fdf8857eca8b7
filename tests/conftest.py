"""Shared fixtures: fake AWS credentials for every test, moto and a fleet for handler tests.

Also the scheduling that lets `make test` run the suites in parallel (pytest-xdist,
``--dist loadfile``): every test file is one unit of work, so its module-scoped fixtures
(a moto server, a local world) are built once, on one worker; each Terraform suite is one
unit as a whole (``SERIAL_GROUPS``), and the longest units start first.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fleet_autoscaler import clock, runtime
from tests.support.harness import Fleet, build_fleet, default_config
from tests.support.sagemaker_emulator import SlowSageMaker

TESTS = Path(__file__).resolve().parent
# Directories whose tests must run one after another on a single worker: tests/toolchain
# shares session fixtures (an initialized and a planned copy of its fixture module), and
# tests/module runs `make tf-*` in the repository itself (examples/*/.terraform, build/).
SERIAL_GROUPS = {"module": "terraform-module", "toolchain": "terraform-toolchain"}
# Files of a serial suite that are units of their own: `terraform test` keeps its Terraform
# data apart from the module chain's (mk/terraform.mk, tf-test), so the two run at once.
OWN_UNITS = {"tests/module/test_terraform_test.py": "terraform-test"}
# Suites whose tests are units of their own: whole simulated runs of up to 80 s each, with
# function-scoped fixtures only (tests/simulator/test_scenarios.py alone takes 6 minutes).
PER_TEST_SUITES = {"simulator"}
# Suites by how long they take on the 2-core machine (README, "Tests and benchmarks").
LONGEST_FIRST = ("module", "simulator", "toolchain", "handlers")


def unit_of_work(nodeid: str) -> str:
    """The unit of work a test belongs to: its file, its whole Terraform suite, or itself."""
    path = nodeid.split("::", 1)[0]
    parts = Path(path).parts
    suite = parts[1] if len(parts) > 1 and parts[0] == TESTS.name else ""
    if path in OWN_UNITS:
        return OWN_UNITS[path]
    if suite in SERIAL_GROUPS:
        return SERIAL_GROUPS[suite]
    return nodeid if suite in PER_TEST_SUITES else path


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile``, with each Terraform suite kept whole on one worker and each
    simulator test a unit of its own.

    (``--dist loadgroup`` cannot do it here: pytest-xdist 3.8 marks a group by rewriting
    ``item._nodeid``, which pytest 9 no longer reads, so every test became its own unit
    and three workers ran tests/module's `make tf-*` at once in the same directories.)
    """
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class FileOrSuiteScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of_work(nodeid)

    return FileOrSuiteScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The longest units first (with --no-loadscope-reorder, xdist keeps this order), so
    # that no worker starts a five-minute unit when the others are almost done.
    def rank(item: pytest.Item) -> int:
        suite = item.path.resolve().relative_to(TESTS).parts[0]
        return LONGEST_FIRST.index(suite) if suite in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within a rank is the collection order


Progress = Callable[[str], None]


@pytest.fixture(scope="module")
def progress(pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> Progress:
    """Print a line to the terminal at once, past pytest's capture (also on xdist workers),
    so that a test running for minutes shows what it is doing."""
    capture = pytestconfig.pluginmanager.getplugin("capturemanager")
    started = time.monotonic()
    where = Path(str(request.path)).resolve().relative_to(TESTS.parent).as_posix()

    def say(text: str) -> None:
        elapsed = time.monotonic() - started
        line = f"[{where} +{int(elapsed) // 60}m{int(elapsed) % 60:02d}s] {text}\n"
        with capture.global_and_fixture_disabled():
            sys.stderr.write(line)
            sys.stderr.flush()

    return say


@pytest.fixture(autouse=True)
def _aws_environment(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    yield
    clock.set_clock(None)
    # A module whose local world runs the package on background threads (the queue-mode
    # dispatcher) keeps the package's clients between its tests: resetting them under a
    # round would send that round's calls past the world's runtime stand-in.
    if request.node.get_closest_marker("shared_runtime") is None:
        runtime.reset()


@pytest.fixture
def moto_aws() -> Iterator[None]:
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture
def slow_sagemaker() -> Iterator[SlowSageMaker]:
    emulator = SlowSageMaker().install()
    yield emulator
    emulator.uninstall()


FleetFactory = Callable[..., Fleet]


@pytest.fixture
def make_fleet(
    moto_aws: None, slow_sagemaker: SlowSageMaker, monkeypatch: pytest.MonkeyPatch
) -> FleetFactory:
    def factory(
        instances: dict[str, int] | None = None,
        extra_endpoints: dict[str, int] | None = None,
        **overrides: Any,
    ) -> Fleet:
        return build_fleet(
            monkeypatch, slow_sagemaker, default_config(**overrides), instances, extra_endpoints
        )

    return factory
