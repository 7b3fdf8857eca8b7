# The fleet's front door: POST /endpoints/{fleet} (AWS_IAM) -> router function.

module "api" {
  source = "../rest-api"

  name                   = var.name
  description            = "Routes inference requests of fleet ${var.fleet_name} to its SageMaker endpoints"
  collection             = "endpoints"
  path_parameter         = "fleet"
  http_methods           = ["POST"]
  function_name          = var.function_name
  function_invoke_arn    = var.function_invoke_arn
  allowed_principal_arns = var.allowed_principal_arns

  integration_timeout_milliseconds = var.integration_timeout_milliseconds
  binary_media_types               = var.binary_media_types

  stage_name             = var.stage_name
  throttling_burst_limit = var.throttling_burst_limit
  throttling_rate_limit  = var.throttling_rate_limit
  logging_level          = var.logging_level
  access_logs_enabled    = var.access_logs_enabled
  logging_prerequisites  = var.logging_prerequisites
  xray_tracing_enabled   = var.xray_tracing_enabled
  log_retention_days     = var.log_retention_days
  kms_key_arn            = var.kms_key_arn
  tags                   = var.tags
}
