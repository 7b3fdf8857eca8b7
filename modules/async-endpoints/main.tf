# Asynchronous SageMaker endpoints for a fleet: per endpoint a model, an endpoint
# configuration with async_inference_config and the endpoint. The fleet autoscaler changes
# instance counts with UpdateEndpointWeightsAndCapacities, which Terraform does not track.

locals {
  endpoints = { for endpoint in var.endpoints : endpoint.name => endpoint }

  # Everything that forces a new model, per endpoint; its hash is part of the model's name, so
  # create_before_destroy (inherited from the endpoint configuration) creates the new model
  # under a new name instead of failing with "Cannot create already existing model".
  model_inputs = {
    for name, _ in local.endpoints : name => {
      image                    = var.image_uri
      model_data_url           = var.model_data_url
      environment              = merge(var.environment, { ENDPOINT_NAME = name })
      execution_role_arn       = var.execution_role_arn
      enable_network_isolation = var.enable_network_isolation
    }
  }
  model_names = {
    for name, inputs in local.model_inputs : name => "${substr(name, 0, 52)}-${substr(sha1(jsonencode(inputs)), 0, 10)}"
  }

  # Likewise the endpoint configuration: a new name whenever the model or a setting changes.
  # shared_output_path joins the hashed settings only when set, so that the names of existing
  # (per-endpoint path) configurations stay as they were.
  config_names = {
    for name, endpoint in local.endpoints : name => "${substr(name, 0, 52)}-${substr(sha1(jsonencode(merge({
      model                                   = local.model_names[name]
      endpoint                                = endpoint
      s3_output_path                          = var.s3_output_path
      s3_failure_path                         = var.s3_failure_path
      success_topic_arn                       = var.success_topic_arn
      error_topic_arn                         = var.error_topic_arn
      max_concurrent_invocations_per_instance = var.max_concurrent_invocations_per_instance
      kms_key_arn                             = var.kms_key_arn
      volume_kms_key_arn                      = var.volume_kms_key_arn
    }, var.shared_output_path ? { shared_output_path = true } : {}))), 0, 10)}"
  }

  # Each endpoint writes under <prefix>/<endpoint>/, or, with shared_output_path (queue mode),
  # every endpoint writes to the same prefix: the dispatcher names each output
  # <InferenceId>.out, so the router can promise the location before an endpoint is chosen.
  output_paths = {
    for name, _ in local.endpoints : name => var.shared_output_path ? "${trimsuffix(var.s3_output_path, "/")}/" : "${trimsuffix(var.s3_output_path, "/")}/${name}/"
  }
  failure_paths = {
    for name, _ in local.endpoints : name => var.s3_failure_path == null ? null : (
      var.shared_output_path ? "${trimsuffix(var.s3_failure_path, "/")}/" : "${trimsuffix(var.s3_failure_path, "/")}/${name}/"
    )
  }

  # Instance families with local NVMe instance storage: CreateEndpointConfig rejects a volume
  # KmsKeyId for them (SageMaker API reference, CreateEndpointConfig KmsKeyId).
  local_storage_family = "^ml\\.(g4dn|g5|g6|g6e|gr6|p3dn|p4d|p4de|p5|p5e|p5en|m5d|c5d|r5d|c6id|m6id|r6id|inf2|trn1|trn1n)\\."
}

resource "aws_sagemaker_model" "this" {
  for_each = local.endpoints

  name                     = local.model_names[each.key]
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

  name        = local.config_names[each.key]
  kms_key_arn = var.volume_kms_key_arn

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
      s3_output_path  = local.output_paths[each.key]
      s3_failure_path = local.failure_paths[each.key]
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

    precondition {
      condition     = var.volume_kms_key_arn == null || !can(regex(local.local_storage_family, each.value.instance_type))
      error_message = "volume_kms_key_arn cannot be used with ${each.value.instance_type}: instances with local NVMe storage encrypt it in hardware and CreateEndpointConfig rejects a volume key. Leave volume_kms_key_arn null (kms_key_arn still encrypts the async outputs)."
    }
  }
}

resource "aws_sagemaker_endpoint" "this" {
  for_each = local.endpoints

  name                 = each.key
  endpoint_config_name = aws_sagemaker_endpoint_configuration.this[each.key].name
  tags                 = var.tags
}
