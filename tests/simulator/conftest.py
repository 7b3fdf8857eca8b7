"""Short scenarios (minutes of simulated time) so the suite stays fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.cli import _credentials
from simulator.cloudwatch import DelayedCloudWatch, Key
from simulator.scenario import DEFAULT_START

HERE = Path(__file__).parent


@pytest.fixture(autouse=True)
def _moto_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    _credentials()
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


def published_minute(values: dict[Key, float]) -> DelayedCloudWatch:
    """CloudWatch with minute 0's ``values`` recorded and published (120 s after the minute's
    end), as the alarms read them through ``Published(cloudwatch, 0)``."""
    cloudwatch = DelayedCloudWatch(120, DEFAULT_START)
    for key, value in values.items():
        cloudwatch.record(key, 0, value)
    cloudwatch.publish_due(60 + 120, to_moto=False)
    return cloudwatch


def write_scenario(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'name = "{name}"\n' + body)
    return str(path)


BURST = """
duration_minutes = 70
[[demand]]
at_minute = 0
rate = 2
[[demand]]
at_minute = 5
rate = 30
[[demand]]
at_minute = 30
rate = 0
"""

NIGHT = """
duration_minutes = 75
[[demand]]
at_minute = 0
rate = 12
[[demand]]
at_minute = 10
rate = 0
[[demand]]
at_minute = 45
rate = 12
"""

SHORTAGE = """
duration_minutes = 60
[[demand]]
at_minute = 0
rate = 25
[[demand]]
at_minute = 40
rate = 2
[[shortages]]
instance_type = "ml.g5.2xlarge"
start_minute = 0
end_minute = 60
"""
