"""The Terraform module, end to end offline: fmt, validate, terraform test, the examples'
plans read by the control plane's own config parser, and the policy scanners on them."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fleet_autoscaler.config import parse_config
from tests.support.make import REPO, make

PLANS = REPO / "build" / "tf-plan"
EXAMPLES = ("complete", "existing-endpoints")
POLICY_BIN = REPO / "build" / "policy-venv" / "bin"

pytestmark = pytest.mark.skipif(
    not (REPO / "main.tf").exists(), reason="the Terraform module is not in this checkout"
)


@pytest.fixture(scope="module")
def checks(progress: Callable[[str], None]) -> subprocess.CompletedProcess[str]:
    """Every Terraform target once but `terraform test` (test_terraform_test.py, a unit of
    work of its own that runs beside this one): fmt, validate, the examples' plans, both
    scanners."""
    return make("tf-fmt", "tf-validate", "tf-plan", "compliance", "checkov", progress=progress)


@pytest.fixture(scope="module")
def plans(checks: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    assert "tf-plan: ./examples/complete" in checks.stdout, checks.stdout[-4000:] + checks.stderr
    return {name: json.loads((PLANS / f"{name}.json").read_text()) for name in EXAMPLES}


def _resources(plan: dict[str, Any], type_name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for change in plan["resource_changes"]:
        if change["type"] == type_name and change["mode"] == "managed":
            yield change["address"], change["change"]["after"]


def _statements(policy: str) -> list[dict[str, Any]]:
    return json.loads(policy)["Statement"]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_fmt_validate_test_plan_and_scanners_pass(checks: subprocess.CompletedProcess[str]) -> None:
    output = checks.stdout[-6000:] + checks.stderr[-3000:]
    assert checks.returncode == 0, output
    for directory in ("modules/functions", "modules/fleet-autoscaling", "examples/complete"):
        assert f"tf-validate: ./{directory}" in checks.stdout
    compliance = re.findall(r"(\d+) scenarios \((\d+) passed", checks.stdout)
    assert len(compliance) == len(EXAMPLES) and all(int(p) >= 15 for _, p in compliance), output
    assert "failed)" not in checks.stdout.replace(", 0 failed)", ")")
    assert re.findall(r"Failed checks: (\d+)", checks.stdout) == ["0"] * (1 + len(EXAMPLES)), output


@pytest.mark.parametrize("example", EXAMPLES)
def test_rendered_fleet_config_is_accepted_by_the_control_plane(
    plans: dict[str, dict[str, Any]], example: str
) -> None:
    functions = dict(_resources(plans[example], "aws_lambda_function"))
    assert len(functions) == 4
    configs = {fn["environment"][0]["variables"]["FLEET_CONFIG"] for fn in functions.values()}
    assert len(configs) == 1, "every function must get the same FLEET_CONFIG"
    config = parse_config(configs.pop())
    tables = [t["name"] for _, t in _resources(plans[example], "aws_dynamodb_table")]
    assert {fn["environment"][0]["variables"]["STATE_TABLE"] for fn in functions.values()} == {
        tables[0]
    }
    rule = next(
        r
        for _, r in _resources(plans[example], "aws_cloudwatch_event_rule")
        if r.get("event_pattern")
    )
    assert json.loads(rule["event_pattern"])["detail"]["EndpointName"] == [
        e.name for e in config.endpoints
    ]
    if example == "complete":
        created = sorted(e["name"] for _, e in _resources(plans[example], "aws_sagemaker_endpoint"))
        assert sorted(e.name for e in config.endpoints) == created
        assert config.invocation_mode == "async" and config.min_capacity == 0
    else:
        assert config.invocation_mode == "realtime"
        assert all(e.min_instances >= 1 for e in config.endpoints)


@pytest.mark.parametrize("example", EXAMPLES)
def test_function_roles_touch_only_the_fleets_endpoints_and_table(
    plans: dict[str, dict[str, Any]], example: str
) -> None:
    plan = plans[example]
    function = next(fn for _, fn in _resources(plan, "aws_lambda_function"))
    config = parse_config(function["environment"][0]["variables"]["FLEET_CONFIG"])
    endpoint_arns = {
        f"arn:aws:sagemaker:eu-west-1:123456789012:endpoint/{e.name.lower()}"
        for e in config.endpoints
    }
    table = next(t["name"] for _, t in _resources(plan, "aws_dynamodb_table"))
    policies = {
        a: p["policy"] for a, p in _resources(plan, "aws_iam_role_policy") if "functions" in a
    }
    assert len(policies) == 4
    for address, policy in policies.items():
        for statement in _statements(policy):
            actions = _as_list(statement["Action"])
            resources = set(_as_list(statement["Resource"]))
            assert not any(a.endswith("*") for a in actions), (address, statement)
            if any(a.startswith("sagemaker:") for a in actions):
                assert resources == endpoint_arns, (address, statement)
            if any(a.startswith("dynamodb:") for a in actions):
                assert resources == {f"arn:aws:dynamodb:eu-west-1:123456789012:table/{table}"}
            if "*" in resources:
                allowed = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
                if address.endswith('["reconciler"]'):
                    # GetMetricData has no resource-level permissions (README, "Backlog and
                    # the fleet-capacity metric").
                    allowed.add("cloudwatch:GetMetricData")
                assert set(actions) <= allowed, (address, statement)


@pytest.mark.parametrize("example", EXAMPLES)
def test_plan_reads_every_data_source_so_scanners_see_the_policies(
    plans: dict[str, dict[str, Any]], example: str
) -> None:
    """A module-level depends_on defers the module's data sources to apply time, leaving the
    policies built from them unknown to checkov and terraform-compliance (issue 10, item 13)."""
    deferred = [
        change["address"]
        for change in plans[example]["resource_changes"]
        if change["mode"] == "data" and "read" in change["change"]["actions"]
    ]
    assert deferred == [], deferred
    for address, role_policy in _resources(plans[example], "aws_iam_role_policy"):
        assert role_policy.get("policy"), f"{address}: policy unknown at plan time"
    # Known only after apply, and documented in README.md: the APIs' resource policies name
    # the API by its execution ARN (item 8), which API Gateway assigns at creation.
    unknown = {
        change["address"]
        for change in plans[example]["resource_changes"]
        if change["type"] == "aws_api_gateway_rest_api_policy"
        and change["change"]["after_unknown"].get("policy")
    }
    assert unknown == {a for a, _ in _resources(plans[example], "aws_api_gateway_rest_api_policy")}


@pytest.mark.parametrize("example", EXAMPLES)
def test_examples_work_in_a_fresh_account(plans: dict[str, dict[str, Any]], example: str) -> None:
    """Stage logging needs the account's API Gateway CloudWatch Logs role (item 6); the
    functions reserve no concurrency (item 7); the Lambda zip is not under .terraform/ (item 11)."""
    accounts = list(_resources(plans[example], "aws_api_gateway_account"))
    assert len(accounts) == 1, "the example must set the account's API Gateway CloudWatch role"
    for address, fn in _resources(plans[example], "aws_lambda_function"):
        assert fn["reserved_concurrent_executions"] == -1, address
        assert ".terraform" not in fn["filename"], address
    stages = dict(_resources(plans[example], "aws_api_gateway_stage"))
    assert len(stages) == 2
    execution_groups = [
        change
        for change in plans[example]["resource_changes"]
        if change["type"] == "aws_cloudwatch_log_group"
        and ".module.api." in change["address"]
        and "execution" in change["address"]
    ]
    assert len(execution_groups) == 2, "both stages' execution log groups must be pre-created"
    assert all(g["change"]["after"]["retention_in_days"] > 0 for g in execution_groups)


@pytest.mark.parametrize("example", EXAMPLES)
def test_router_answers_within_the_integration_timeout_and_binary_types_fit_the_mode(
    plans: dict[str, dict[str, Any]], example: str
) -> None:
    """Issue 12 item 5: the router Lambda times out before API Gateway stops waiting for it
    (so the caller gets the router's own 503/504, never API Gateway's 504 while an attempt
    still runs), and only a real-time router API treats bodies as binary."""
    plan = plans[example]
    functions = dict(_resources(plan, "aws_lambda_function"))
    router = next(fn for address, fn in functions.items() if address.endswith('["router"]'))
    config = parse_config(router["environment"][0]["variables"]["FLEET_CONFIG"])
    integrations = {
        address: i
        for address, i in _resources(plan, "aws_api_gateway_integration")
        if ".router_api." in address
    }
    assert len(integrations) == 1, integrations
    timeout_ms = next(iter(integrations.values()))["timeout_milliseconds"]
    assert 50 <= timeout_ms <= 29000, "the examples need no quota raise"
    assert router["timeout"] >= 3 and router["timeout"] * 1000 < timeout_ms
    apis = {a: api for a, api in _resources(plan, "aws_api_gateway_rest_api")}
    router_api = next(api for a, api in apis.items() if ".router_api." in a)
    scaling_api = next(api for a, api in apis.items() if ".scaling_api." in a)
    expected = ["*/*"] if config.invocation_mode == "realtime" else []
    assert (router_api.get("binary_media_types") or []) == expected
    assert not scaling_api.get("binary_media_types")
    assert example != "existing-endpoints" or expected == ["*/*"], "the realtime example"


def test_complete_example_alarm_topic_can_receive_cloudwatch_alarms(
    plans: dict[str, dict[str, Any]],
) -> None:
    """CloudWatch cannot publish to a topic encrypted with alias/aws/sns (item 9)."""
    plan = plans["complete"]
    topics = dict(_resources(plan, "aws_sns_topic"))
    assert len(topics) == 1
    topic = next(iter(topics.values()))
    assert topic.get("kms_master_key_id") != "alias/aws/sns"
    keys = [k for _, k in _resources(plan, "aws_kms_key")]
    assert len(keys) == 1 and keys[0]["enable_key_rotation"] is True
    statements = _statements(keys[0]["policy"])
    cloudwatch = [
        s for s in statements if s.get("Principal", {}).get("Service") == "cloudwatch.amazonaws.com"
    ]
    assert cloudwatch and {"kms:GenerateDataKey*", "kms:Decrypt"} <= set(
        _as_list(cloudwatch[0]["Action"])
    )
    config = plan["configuration"]["root_module"]["resources"]
    topic_config = next(r for r in config if r["address"] == "aws_sns_topic.alarms")
    assert topic_config["expressions"]["kms_master_key_id"]["references"][0].startswith(
        "aws_kms_key.alarms"
    )


def test_scalable_target_is_registered_after_the_scaling_api_can_answer(
    plans: dict[str, dict[str, Any]],
) -> None:
    """RegisterScalableTarget GETs the scaling API at once (item 3)."""
    plan = plans["complete"]
    fleet = plan["configuration"]["root_module"]["module_calls"]["fleet"]["module"]
    call = fleet["module_calls"]["autoscaling"]
    target = next(
        r for r in call["module"]["resources"] if r["address"] == "aws_appautoscaling_target.fleet"
    )
    assert "terraform_data.registration_prerequisites" in target["depends_on"]
    references = call["expressions"]["registration_prerequisites"]["references"]
    assert "module.scaling_api.registration_prerequisites" in references
    inputs = [
        change["change"]
        for change in plan["resource_changes"]
        if change["address"]
        == "module.fleet.module.autoscaling.terraform_data.registration_prerequisites"
    ]
    assert inputs, "the prerequisites must be planned"


def test_lambda_package_has_the_package_at_its_root_without_bytecode(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(REPO / "lambda_src", source)
    (source / "fleet_autoscaler" / "__pycache__").mkdir(exist_ok=True)
    (source / "fleet_autoscaler" / "__pycache__" / "config.cpython-312.pyc").write_bytes(b"x")
    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text(
        PACKAGE_ROOT.replace("MODULE", str(REPO / "modules" / "functions")).replace(
            "SOURCE", str(source)
        )
    )
    for args in (("init", "-input=false", "-no-color"), ("plan", "-input=false", "-no-color")):
        result = subprocess.run(
            [str(REPO / "scripts" / "tf"), f"-chdir={root}", *args],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    archive = zipfile.ZipFile(root / "build" / "fleet-autoscaler" / "zip-lambda.zip")
    names = archive.namelist()
    assert {(info.external_attr >> 16) & 0o777 for info in archive.infolist()} == {0o644}
    assert "fleet_autoscaler/handlers/router.py" in names
    assert "fleet_autoscaler/config.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


PACKAGE_ROOT = """
provider "aws" {
  region = "eu-west-1"
}

module "functions" {
  source           = "MODULE"
  name_prefix      = "zip"
  state_table_name = "zip-state"
  source_dir       = "SOURCE"
  fleet_config = {
    fleet_name = "zip", dimension_id = "zip", invocation_mode = "async", strategy = "race"
    min_capacity = 0, max_capacity = 1, activity_timeout_seconds = 1500
    capacity_retry_seconds = 900, router_cache_ttl_seconds = 5, max_failover_attempts = 2
    endpoints = [{ name = "zip-a", variant = "AllTraffic", capacity_per_instance = 1,
                   min_instances = 0, max_instances = 1, priority = 1, share = 1 }]
  }
}
"""


def test_every_variable_validation_has_a_failing_run() -> None:
    variables = (REPO / "variables.tf").read_text()
    blocks = re.split(r'^variable "', variables, flags=re.M)[1:]
    expected = {b.split('"', 1)[0]: b.count("validation {") for b in blocks}
    runs = (REPO / "tests" / "validation.tftest.hcl").read_text()
    seen: dict[str, int] = {}
    for target in re.findall(r"expect_failures = \[var\.([a-z_]+)\]", runs):
        seen[target] = seen.get(target, 0) + 1
    missing = {v: n for v, n in expected.items() if n and seen.get(v, 0) < n}
    assert not missing, f"validation blocks without an expect_failures run: {missing}"


def _compliance(plan_path: Path) -> subprocess.CompletedProcess[str]:
    cmd = [
        str(POLICY_BIN / "terraform-compliance"),
        "--no-ansi",
        "-f",
        str(REPO / "tests" / "compliance"),
    ]
    return subprocess.run(
        [*cmd, "-p", str(plan_path)], capture_output=True, text=True, timeout=300, check=False
    )


def _break(plan: dict[str, Any], type_name: str, address_part: str, change: Any) -> None:
    for rc in plan["resource_changes"]:
        if rc["type"] == type_name and address_part in rc["address"]:
            change(rc["change"]["after"])


def _wildcard_endpoints(after: dict[str, Any]) -> None:
    policy = json.loads(after["policy"])
    for statement in policy["Statement"]:
        if statement["Sid"] == "FleetEndpoints":
            statement["Resource"] = "*"
    after["policy"] = json.dumps(policy)


@pytest.mark.parametrize(
    ("type_name", "address_part", "change", "message"),
    [
        ("aws_iam_role_policy", '["router"]', _wildcard_endpoints, "Resource"),
        (
            "aws_api_gateway_method",
            "scaling_api",
            lambda a: a.update(authorization="NONE"),
            "AWS_IAM",
        ),
        (
            "aws_lambda_function",
            '["reconciler"]',
            lambda a: a.update(dead_letter_config=[]),
            "dead_letter_config",
        ),
        (
            "aws_cloudwatch_log_group",
            "router",
            lambda a: a.update(retention_in_days=0),
            "retention_in_days",
        ),
        (
            "aws_dynamodb_table",
            "",
            lambda a: a["point_in_time_recovery"][0].update(enabled=False),
            "point_in_time_recovery",
        ),
        (
            "aws_sqs_queue",
            "events",
            lambda a: a.update(sqs_managed_sse_enabled=False),
            "sqs_managed_sse_enabled",
        ),
        ("aws_cloudwatch_event_target", "", lambda a: a.pop("retry_policy"), "retry_policy"),
    ],
)
def test_compliance_catches_a_broken_plan(
    plans: dict[str, dict[str, Any]],
    tmp_path: Path,
    type_name: str,
    address_part: str,
    change: Any,
    message: str,
) -> None:
    plan = copy.deepcopy(plans["existing-endpoints"])
    _break(plan, type_name, address_part, change)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    result = _compliance(path)
    assert result.returncode != 0, result.stdout[-3000:]
    assert message in result.stdout


QUEUE_ROOT = """
provider "aws" {
  region = "eu-west-1"
}

resource "aws_iam_role" "sagemaker" {
  name = "q-sagemaker"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "sagemaker.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = { "fleet-autoscaler:fleet" = "q" }
}

module "fleet" {
  source = "MODULE"

  fleet = {
    name         = "q"
    max_capacity = 8
    endpoints    = [{ name = "q-a", max_instances = 4 }, { name = "q-b", max_instances = 4 }]
  }
  dispatch         = "queue"
  create_endpoints = true
  endpoint_deployment = {
    image_uri          = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/sample:1"
    execution_role_arn = aws_iam_role.sagemaker.arn
    instance_types     = { "q-a" = "ml.g5.2xlarge", "q-b" = "ml.g6.2xlarge" }
    s3_output_path     = "s3://bucket/out"
    s3_failure_path    = "s3://bucket/failed"
  }
  create_api_gateway_account_role = true
  scaling_api = {
    deployer_principal_arns = ["arn:aws:iam::123456789012:role/deployer"]
  }
}
"""


def test_queue_mode_plan_is_clean_under_both_scanners_with_every_policy_known(
    tmp_path: Path,
) -> None:
    """Issue 13: the examples stay in direct mode; a queue-mode root (the module's endpoints,
    their execution role created beside them) is planned offline and scanned like them."""
    root = tmp_path / "queue"
    root.mkdir()
    (root / "main.tf").write_text(QUEUE_ROOT.replace("MODULE", str(REPO)))
    tf = str(REPO / "scripts" / "tf")
    for args in (
        ("init", "-input=false", "-no-color"),
        ("plan", "-input=false", "-lock=false", "-no-color", "-out=plan.tfplan"),
    ):
        result = subprocess.run(
            [tf, f"-chdir={root}", *args], capture_output=True, text=True, timeout=600, check=False
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    shown = subprocess.run(
        [tf, f"-chdir={root}", "show", "-json", "plan.tfplan"],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    plan_path = root / "plan.json"
    plan_path.write_text(shown.stdout)
    plan = json.loads(shown.stdout)

    policies = dict(_resources(plan, "aws_iam_role_policy"))
    unknown = [
        change["address"]
        for change in plan["resource_changes"]
        if change["type"] == "aws_iam_role_policy"
        and change["change"]["after_unknown"].get("policy")
    ]
    assert unknown == [], "every function policy must be known to the scanners at plan time"
    queues = {q["name"] for _, q in _resources(plan, "aws_sqs_queue")}
    assert {"q-fleet-queue", "q-fleet-queue-dlq", "q-fleet-completions"} <= queues
    own_queues = {f"arn:aws:sqs:eu-west-1:123456789012:{name}" for name in queues}
    for address, policy in policies.items():
        for statement in _statements(policy.get("policy") or '{"Statement": []}'):
            actions = _as_list(statement["Action"])
            if any(a.startswith("sqs:") for a in actions):
                assert set(_as_list(statement["Resource"])) <= own_queues, (address, statement)
    dispatcher = next(
        fn for a, fn in _resources(plan, "aws_lambda_function") if a.endswith('["dispatcher"]')
    )
    assert dispatcher["reserved_concurrent_executions"] == 1

    compliance = _compliance(plan_path)
    assert compliance.returncode == 0, compliance.stdout[-3000:]
    assert re.search(r"\d+ scenarios \((1[5-9]|[2-9]\d) passed", compliance.stdout)
    checkov = subprocess.run(
        [str(POLICY_BIN / "checkov"), "--quiet", "--compact", "--skip-download",
         "--framework", "terraform_plan", "-f", str(plan_path),
         "--repo-root-for-plan-enrichment", str(REPO)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert re.findall(r"Failed checks: (\d+)", checkov.stdout) == ["0"], checkov.stdout[-3000:]


@pytest.mark.parametrize("path", ["variables.tf", "modules/fleet-autoscaling/variables.tf"])
def test_a_variables_default_note_names_only_its_own_setting(path: str) -> None:
    # "null: scaling_defaults.json ..." must not quote another setting's default (a bulk edit
    # once gave sixteen variables the burst alarm's note).
    defaults = json.loads((REPO / "modules/fleet-autoscaling/scaling_defaults.json").read_text())
    blocks = re.split(r'^variable "', (REPO / path).read_text(), flags=re.M)[1:]
    # Inputs whose defaults have other names: the root's renamed input, and the submodule's
    # target_value, which defaults to the load or the backlog target.
    own = {
        "target_backlog_per_instance": ("backlog_target_value",),
        "target_value": ("load_target_value", "backlog_target_value"),
    }
    wrong = {}
    for block in blocks:
        name = block.split('"', 1)[0]
        note = re.search(r'description = "[^"\n]*null: scaling_defaults\.json([^"\n]*)"', block)
        text = note.group(1) if note else ""
        cited = {key for key in defaults if re.search(rf"\b{key}\b", text)}
        foreign = {key for key in cited if not key.startswith(own.get(name, (name,)))}
        if foreign:
            wrong[name] = sorted(foreign)
    assert not wrong, wrong
