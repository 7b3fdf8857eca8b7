"""Settings, the `serve` command line, and the model's pure parts (no server needed)."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading

import pytest
from model_server import work
from model_server.config import DEFAULT_PORT, ConfigError, load_settings
from model_server.payload import Limits, PayloadError, check_content_type, parse_csv

from tests.container.container_support import CONTAINER_DIR

SERVE = str(CONTAINER_DIR / "serve")


def _serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, SERVE, *args],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        check=False,
    )


def test_default_port_is_8080_on_all_interfaces() -> None:
    settings = load_settings([], env={})
    assert DEFAULT_PORT == 8080
    assert settings.port == 8080
    assert settings.host == "0.0.0.0"
    assert settings.endpoint_name == "local"


def test_sagemaker_bind_to_port_and_flag_override() -> None:
    assert load_settings([], env={"SAGEMAKER_BIND_TO_PORT": "9001"}).port == 9001
    assert load_settings([], env={"MODEL_SERVER_PORT": "9002"}).port == 9002
    assert load_settings(["--port", "0"], env={"SAGEMAKER_BIND_TO_PORT": "9001"}).port == 0


def test_sagemaker_serve_argument_is_accepted() -> None:
    settings = load_settings(["serve", "--workers", "3"], env={"ENDPOINT_NAME": "ep-a"})
    assert settings.workers == 3
    assert settings.endpoint_name == "ep-a"


@pytest.mark.parametrize(
    ("argv", "env", "fragment"),
    [
        (["--workers", "0"], {}, "workers"),
        ([], {"MODEL_WORKERS": "two"}, "MODEL_WORKERS"),
        ([], {"MODEL_MAX_CPU_PERCENT": "150"}, "cpu percent"),
        ([], {"MODEL_MAX_LATENCY_MS": "-1"}, "latency"),
        ([], {"SAGEMAKER_BIND_TO_PORT": "http"}, "SAGEMAKER_BIND_TO_PORT"),
        (["--port", "70000"], {}, "port"),
    ],
)
def test_invalid_settings_are_rejected(argv: list[str], env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        load_settings(argv, env=env)


def test_serve_help_documents_the_contract() -> None:
    result = _serve("--help")
    assert result.returncode == 0
    for text in ("8080", "ENDPOINT_NAME", "MODEL_MAX_LATENCY_MS", "MODEL_WORKERS", "--port"):
        assert text in result.stdout


def test_serve_rejects_bad_configuration_with_exit_2() -> None:
    result = _serve("--port", "0", env={"MODEL_WORKERS": "0"})
    assert result.returncode == 2
    assert "invalid configuration" in result.stderr
    assert _serve("train").returncode == 2  # only the hosting command exists


def test_serve_fails_clearly_when_the_port_is_taken() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _serve("--host", "127.0.0.1", "--port", str(port), "--workers", "1")
    assert result.returncode == 1
    assert "cannot listen" in result.stderr


LIMITS = Limits(max_latency_ms=1000, max_cpu_percent=80)


def test_parse_csv_applies_configured_ceilings() -> None:
    assert parse_csv(b"1000,80", LIMITS).cpu_percent == 80
    with pytest.raises(PayloadError, match="cpu_percent 81 exceeds the ceiling 80"):
        parse_csv(b"10,81", LIMITS)
    with pytest.raises(PayloadError, match=r"latency_ms 1000\.5 exceeds"):
        parse_csv(b"1000.5,1", LIMITS)


def test_content_type_errors_are_415() -> None:
    check_content_type("text/csv; header=absent")
    with pytest.raises(PayloadError) as err:
        check_content_type("application/jsonlines")
    assert err.value.status == 415


def test_burn_keeps_wall_time_and_duty_cycle() -> None:
    result = work.burn(200, 50, 10)
    assert not result.aborted
    assert 200 <= result.wall_ms < 1500
    assert 0 < result.cpu_ms <= result.wall_ms


def test_burn_stops_within_a_slice_when_aborted() -> None:
    flag = threading.Event()
    work.install_abort_flag(flag)
    try:
        timer = threading.Timer(0.1, flag.set)
        timer.start()
        result = work.burn(10_000, 10, 10)
        timer.join()
    finally:
        work.install_abort_flag(threading.Event())
    assert result.aborted
    assert result.wall_ms < 2000
