"""FLEET_CONFIG: parsed once, and a bad one fails fast naming the field."""

from __future__ import annotations

import json

import pytest

from fleet_autoscaler.config import ConfigError, load_config, parse_config, table_name
from tests.support.harness import default_config


def test_design_example_parses():
    config = parse_config(json.dumps(default_config()))
    assert config.fleet_name == "demo"
    assert config.strategy == "race"
    assert [e.name for e in config.by_priority] == ["demo-g5", "demo-g6", "demo-g4dn"]
    assert config.endpoints[0].variant == "AllTraffic"
    assert config.capacity_retry_seconds == 900
    assert config.router_cache_ttl_seconds == 5.0
    assert config.burst_signal is True  # the router's RoutedPerCapacity (direct, async)
    assert parse_config(json.dumps(default_config(burst_signal=False))).burst_signal is False


def test_optional_fields_take_defaults():
    config = parse_config(
        json.dumps(
            {
                "fleet_name": "f",
                "min_capacity": 0,
                "max_capacity": 4,
                "endpoints": [{"name": "only"}],
            }
        )
    )
    assert config.dimension_id == "f"
    assert config.invocation_mode == "async"
    assert config.endpoints[0].max_instances == 4
    assert config.endpoints[0].priority == 1
    assert config.metrics_namespace == "SageMakerFleet"
    assert config.drain_timeout_seconds == 900
    assert config.backlog_max_age_seconds == 300
    assert config.scale_to_zero_idle_seconds == 900
    assert config.trim_hold_seconds == 120
    assert (config.router_api_name, config.router_api_stage) == (None, None)


def test_scale_to_zero_guard_fields_are_read():
    config = parse_config(
        _broken(scale_to_zero_idle_seconds=0, router_api={"name": "fleet-router", "stage": "v1"})
    )
    assert config.scale_to_zero_idle_seconds == 0
    assert (config.router_api_name, config.router_api_stage) == ("fleet-router", "v1")


def test_control_plane_metric_and_drain_fields_are_read():
    config = parse_config(
        _broken(metrics_namespace="Team/Fleet", drain_timeout_seconds=0, backlog_max_age_seconds=90)
    )
    assert config.metrics_namespace == "Team/Fleet"
    assert (config.drain_timeout_seconds, config.backlog_max_age_seconds) == (0, 90)


def _broken(**changes):
    config = default_config()
    for key, value in changes.items():
        if key.startswith("endpoint0_"):
            config["endpoints"][0][key.removeprefix("endpoint0_")] = value
        elif value is None:
            config.pop(key)
        else:
            config[key] = value
    return json.dumps(config)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (None, "FLEET_CONFIG is not set"),
        ("", "FLEET_CONFIG is not set"),
        ("{oops", "not valid JSON"),
        ("[]", "must be a JSON object"),
        (_broken(fleet_name=None), "fleet_name"),
        (_broken(fleet_name=""), "fleet_name"),
        (_broken(strategy="random"), "strategy"),
        (_broken(invocation_mode="batch"), "invocation_mode"),
        (_broken(min_capacity=-1), "min_capacity"),
        (_broken(max_capacity="12"), "max_capacity"),
        (_broken(min_capacity=5, max_capacity=4), "min_capacity (5) exceeds max_capacity"),
        (_broken(max_capacity=13), "max_capacity (13) exceeds what the endpoints can hold"),
        (_broken(activity_timeout_seconds=0), "activity_timeout_seconds"),
        (_broken(endpoints=[]), "endpoints"),
        (_broken(endpoints="demo-g5"), "endpoints"),
        (_broken(endpoint0_name=None), "endpoints[0].name"),
        (_broken(endpoint0_capacity_per_instance=0), "endpoints[0].capacity_per_instance"),
        (_broken(endpoint0_capacity_per_instance=1.5), "endpoints[0].capacity_per_instance"),
        (_broken(endpoint0_min_instances=5), "endpoints[0].min_instances (5) exceeds"),
        (_broken(endpoint0_priority=0), "endpoints[0].priority"),
        (_broken(endpoint0_share=-1), "endpoints[0].share"),
        (_broken(endpoint0_max_instances=True), "endpoints[0].max_instances"),
        (_broken(invocation_mode="realtime"), "endpoints[0].min_instances must be >= 1"),
        (_broken(metrics_namespace=""), "metrics_namespace"),
        (_broken(metrics_namespace="AWS/SageMaker"), "metrics_namespace"),
        (_broken(metrics_namespace="x" * 256), "metrics_namespace"),
        (_broken(drain_timeout_seconds=-1), "drain_timeout_seconds"),
        (_broken(drain_timeout_seconds="900"), "drain_timeout_seconds"),
        (_broken(backlog_max_age_seconds=-5), "backlog_max_age_seconds"),
        (_broken(backlog_max_age_seconds=1.5), "backlog_max_age_seconds"),
        (_broken(scale_to_zero_idle_seconds=-1), "scale_to_zero_idle_seconds"),
        (_broken(scale_to_zero_idle_seconds=1.5), "scale_to_zero_idle_seconds"),
        (_broken(scale_to_zero_idle_seconds=True), "scale_to_zero_idle_seconds"),
        (_broken(trim_hold_seconds=-1), "trim_hold_seconds"),
        (_broken(trim_hold_seconds=2.5), "trim_hold_seconds"),
        (_broken(router_api="fleet-router"), "router_api"),
        (_broken(router_api={"name": "fleet-router"}), "router_api"),
        (_broken(router_api={"name": "", "stage": "v1"}), "router_api.name"),
        (_broken(router_api={"name": "r", "stage": 1}), "router_api.stage"),
        (_broken(burst_signal="true"), "burst_signal must be true or false, got 'true'"),
        (_broken(burst_signal=1), "burst_signal must be true or false, got 1"),
    ],
)
def test_invalid_config_names_the_bad_field(text, field):
    with pytest.raises(
        ConfigError,
        match=field.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(").replace(")", r"\)"),
    ):
        parse_config(text)


def test_duplicate_endpoint_names_are_rejected():
    config = default_config()
    config["endpoints"][1]["name"] = "demo-g5"
    with pytest.raises(ConfigError, match=r"endpoints\[1\].name 'demo-g5' is duplicated"):
        parse_config(json.dumps(config))


def test_config_is_read_from_the_environment_once(monkeypatch):
    load_config.cache_clear()
    monkeypatch.setenv("FLEET_CONFIG", json.dumps(default_config()))
    first = load_config()
    monkeypatch.setenv("FLEET_CONFIG", "{broken")
    assert load_config() is first
    load_config.cache_clear()
    with pytest.raises(ConfigError):
        load_config()
    load_config.cache_clear()


def test_state_table_is_required(monkeypatch):
    monkeypatch.delenv("STATE_TABLE", raising=False)
    with pytest.raises(ConfigError, match="STATE_TABLE"):
        table_name()
    monkeypatch.setenv("STATE_TABLE", "t")
    assert table_name() == "t"
