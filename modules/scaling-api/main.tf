# The Application Auto Scaling custom-resource API:
# GET/PATCH /scalableTargetDimensions/{scalableTargetDimensionId} (AWS_IAM) -> scaling function.
# Only the custom-resource service-linked role and the listed deployers may call it.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

# The role behind the caller's session: an aws:PrincipalArn is always the role ARN, never the
# assumed-role session ARN that aws_caller_identity returns.
data "aws_iam_session_context" "current" {
  arn = data.aws_caller_identity.current.arn
}

locals {
  # RegisterScalableTarget calls the API with the caller's credentials, so with no deployer
  # listed the caller that runs `terraform apply` is admitted; otherwise the Deny would block it.
  deployer_principal_arns = length(var.deployer_principal_arns) > 0 ? var.deployer_principal_arns : [data.aws_iam_session_context.current.issuer_arn]
  service_linked_role_arn = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/aws-service-role/custom-resource.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_CustomResource"
}

module "api" {
  source = "../rest-api"

  name                   = var.name
  description            = "Application Auto Scaling custom-resource API of fleet ${var.dimension_id}"
  collection             = "scalableTargetDimensions"
  path_parameter         = "scalableTargetDimensionId"
  http_methods           = ["GET", "PATCH"]
  function_name          = var.function_name
  function_invoke_arn    = var.function_invoke_arn
  allowed_principal_arns = concat([local.service_linked_role_arn], local.deployer_principal_arns)
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
