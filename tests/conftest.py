"""Shared fixtures: fake AWS credentials for every test, moto and a fleet for handler tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fleet_autoscaler import clock, runtime
from tests.support.harness import Fleet, build_fleet, default_config
from tests.support.sagemaker_emulator import SlowSageMaker


@pytest.fixture(autouse=True)
def _aws_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
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
