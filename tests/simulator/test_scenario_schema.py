"""Scenario files are checked against the schema: every mistake names the file and the key."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

from simulator import cli
from simulator.scenario import SCENARIO_DIR, ScenarioError, available, load
from simulator.validation import SCHEMA_FILE, check_schema, schema
from tests.simulator.conftest import write_scenario

ENDPOINT = "[[endpoints]]\nname = 'only'\ninstance_type = 'ml.g5.2xlarge'\nmax_instances = 2\n"


@pytest.mark.parametrize(
    ("body", "key", "message"),
    [
        # unknown keys and tables, with a suggestion and the allowed keys
        ("duraton_minutes = 20\n", "duraton_minutes", "did you mean duration_minutes?"),
        ("[autoscalling]\nreconcile_minutes = 1\n", "autoscalling", "unknown table"),
        ("[autoscaling]\nscale_out_cooldown = 1\n", "autoscaling.scale_out_cooldown", "allowed:"),
        ("[[demand]]\nat_minute = 0\nrates = 3\n", "demand[0].rates", "did you mean rate?"),
        ('[instance_types."ml.g5.2xlarge"]\nprovision = 1\n', '"ml.g5.2xlarge".provision', ""),
        ('[instance_types."g5"]\nprovisioning_seconds = 1\n', "instance_types.g5", "a SageMaker"),
        # wrong types
        ("duration_minutes = '20'\n", "duration_minutes", r'must be an integer, got "20"'),
        ("duration_minutes = 2.5\n", "duration_minutes", "must be an integer, got 2.5"),
        ("[[demand]]\nat_minute = 0\nrate = 'lots'\n", "demand[0].rate", "must be a numbe"),
        ("seed = true\n", "seed", "must be an intege"),
        ("demand = 3\n", "demand", "must be a list of tables ([[...]])"),
        # impossible values
        ("duration_minutes = 0\n", "duration_minutes", "must be >= 1, got 0"),
        ('strategy = "fastest"\n', "strategy", 'must be one of "race", "priority"'),
        (
            "[autoscaling]\nscale_in_cooldown_seconds = -5\n",
            "autoscaling.scale_in_cooldown_seconds",
            ">= 0",
        ),
        (
            "[autoscaling]\nscale_out_cooldown_seconds = '5m'\n",
            "autoscaling.scale_out_cooldown_seconds",
            "must be a number",
        ),
        ("min_capacity = 5\nmax_capacity = 3\n", "min_capacity", "5 is above max_capacity"),
        (
            '[[shortages]]\ninstance_type = "ml.g5.2xlarge"\nstart_minute = 30\nend_minute = 10\n',
            "shortages[0].end_minute",
            "must be after start_minute (30)",
        ),
        (
            '[[shortages]]\ninstance_type = "ml.p5.48xlarge"\nstart_minute = 1\nend_minute = 9\n',
            "shortages[0].instance_type",
            "'ml.p5.48xlarge' is not defined; defined: ml.g4dn.2xlarge, ml.g5.2xlarge",
        ),
        (
            "[[endpoints]]\nname = 'x'\ninstance_type = 'ml.p5.48xlarge'\nmax_instances = 1\n",
            "endpoints[0].instance_type",
            "'ml.p5.48xlarge' is not defined; defined in [instance_types]: ml.g4dn",
        ),
        (
            ENDPOINT.replace("max_instances = 2", "initial_instances = 3\nmax_instances = 2"),
            "endpoints[0].initial_instances",
            "3 is above max_instances",
        ),
        (ENDPOINT + ENDPOINT, "endpoints[1].name", "'only' is used twice"),
        (
            "[[endpoints]]\nname = 'x'\nmax_instances = 1\n",
            "endpoints[0].instance_type",
            "is required",
        ),
        (
            '[instance_types."ml.p5.48xlarge"]\nprovisioning_seconds = 1\n'
            "deprovisioning_seconds = 1\nrequests_per_minute = 1\n",
            '"ml.p5.48xlarge".price_per_hour',
            "is required",
        ),
        (
            "[[demand]]\nat_minute = 0\nrate = 1\n[[demand]]\nat_minute = 0\nrate = 2\n",
            "demand[1].at_minute",
            "must be greater than demand",
        ),
        (
            '[[incidents]]\nendpoint = "demo-g7"\nat_minute = 3\naction = "fail"\n',
            "incidents[0].endpoint",
            "'demo-g7' is not one of the endpoints: demo-g4dn, demo-g5, demo-g6",
        ),
        (
            '[[incidents]]\nendpoint = "demo-g5"\nat_minute = 500\naction = "fail"\n',
            "incidents[0].at_minute",
            "after the run ends (duration_minutes 120)",
        ),
        ("start_time = 2026-11-30T07:00:00\n", "start_time", "expected the simulated clock"),
    ],
)
def test_a_mistake_names_the_file_and_the_key(tmp_path, body, key, message):
    path = write_scenario(tmp_path, "bad", body)
    with pytest.raises(ScenarioError) as raised:
        load(path)
    text = str(raised.value)
    assert text.startswith(f"{path}: ")
    line = next((line for line in text.splitlines() if f"{key}: " in line), text)
    assert f"{key}: " in line and message in line, text


def test_every_problem_of_a_file_is_listed_at_once(tmp_path):
    path = write_scenario(tmp_path, "bad", "duraton_minutes = 1\nseed = 'x'\n[autoscalling]\n")
    with pytest.raises(ScenarioError) as raised:
        load(path)
    assert str(raised.value).startswith(f"{path}: 3 problems\n")
    assert [p.key for p in raised.value.problems] == ["autoscalling", "duraton_minutes", "seed"]


def test_the_cli_exits_non_zero_and_runs_nothing(tmp_path, capsys):
    path = write_scenario(tmp_path, "typo", "duraton_minutes = 20\n")
    out = tmp_path / "out"
    assert cli.main(["--scenario", path, "--out", str(out), "--no-plot"]) == 2
    captured = capsys.readouterr()
    assert f"error: {path}: duraton_minutes: unknown key" in captured.err
    assert captured.out == ""
    assert not out.exists()


def test_the_defaults_and_every_shipped_scenario_pass_the_schema():
    import tomllib

    for toml in sorted(SCENARIO_DIR.glob("*.toml")):
        assert check_schema(tomllib.loads(toml.read_text()), partial=True) == [], toml
    for name in available():
        load(name)


def test_the_schema_lists_the_keys_other_models_add():
    # Keys of the simulator's fidelity work: accepted here so one schema stays the list.
    properties = schema()["properties"]
    assert {"metric_delay_seconds", "service_time_cv"} <= set(properties)
    per_type = properties["instance_types"]["additionalProperties"]["properties"]
    assert "price_per_hour" in per_type
    assert json.loads(SCHEMA_FILE.read_text())["additionalProperties"] is False


def test_autoscaling_keys_come_from_the_settings_dataclass():
    autoscaling = schema()["properties"]["autoscaling"]
    assert set(autoscaling["properties"]) == {
        f.name for f in fields(type(load("step").autoscaling))
    }
    assert autoscaling["additionalProperties"] is False


def test_known_keys_in_a_scenario_file_are_accepted(tmp_path):
    body = (
        "start_time = 2026-11-30T07:00:00+01:00\nmetric_delay_seconds = 120\n"
        "service_time_cv = 0.3\n"
        '[instance_types."ml.g5.2xlarge"]\nprice_per_hour = 1.5\n'
    )
    scenario = load(write_scenario(tmp_path, "ok", body))
    assert scenario.start_time.isoformat() == "2026-11-30T07:00:00+01:00"
    assert scenario.instance_types["ml.g5.2xlarge"].provisioning_seconds == 480
