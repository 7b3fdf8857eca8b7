# Asynchronous SageMaker endpoints for a fleet: per endpoint a model, an endpoint
# configuration with async_inference_config and the endpoint. The fleet autoscaler changes
# instance counts with UpdateEndpointWeightsAndCapacities, which Terraform does not track.

locals {
  endpoints = { for endpoint in var.endpoints : endpoint.name => endpoint }
}

resource "aws_sagemaker_model" "this" {
  for_each = local.endpoints

  name                     = each.key
  execution_role_arn       = var.execution_role_arn
  enable_network_isolation = var.enable_network_isolation

  primary_container {
    image          = var.image_uri
    model_data_url = var.model_data_url
    environment    = merge(var.environment, { ENDPOINT_NAME = each.key })
  }

  tags = var.tags
}

resource "aws_sagemaker_endpoint_configuration" "this" {
  # checkov:skip=CKV_AWS_98:a customer managed key is optional (var.kms_key_arn); without one SageMaker encrypts the instance volumes and S3 outputs with AWS managed keys
  for_each = local.endpoints

  name_prefix = "${substr(each.key, 0, 36)}-"
  kms_key_arn = var.kms_key_arn

  production_variants {
    variant_name           = each.value.variant
    model_name             = aws_sagemaker_model.this[each.key].name
    instance_type          = each.value.instance_type
    initial_instance_count = each.value.initial_instance_count
  }

  async_inference_config {
    client_config {
      max_concurrent_invocations_per_instance = var.max_concurrent_invocations_per_instance
    }

    output_config {
      s3_output_path  = "${trimsuffix(var.s3_output_path, "/")}/${each.key}/"
      s3_failure_path = var.s3_failure_path == null ? null : "${trimsuffix(var.s3_failure_path, "/")}/${each.key}/"
      kms_key_id      = var.kms_key_arn

      dynamic "notification_config" {
        for_each = var.success_topic_arn != null || var.error_topic_arn != null ? [1] : []
        content {
          success_topic = var.success_topic_arn
          error_topic   = var.error_topic_arn
        }
      }
    }
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_sagemaker_endpoint" "this" {
  for_each = local.endpoints

  name                 = each.key
  endpoint_config_name = aws_sagemaker_endpoint_configuration.this[each.key].name
  tags                 = var.tags
}
