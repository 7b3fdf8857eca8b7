# A REST API with one resource path /<collection>/{<parameter>}, AWS_IAM authorization on
# every method and a Lambda proxy integration. router-api and scaling-api build on it.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  # Both statements name the API by its execution ARN: API Gateway stores the execute-api:/*
  # shorthand expanded to it, so the shorthand shows a change on every plan
  # (hashicorp/terraform-provider-aws#15602). Principal is "*" and the allowed principals are
  # aws:PrincipalArn condition values: API Gateway rejects a policy whose Principal names a
  # role that does not exist yet (the custom-resource service-linked role is created by the
  # first RegisterScalableTarget, later in the same apply), and condition values are not
  # checked for existence. The Deny keeps everyone else out.
  api_resource_arn = "${aws_api_gateway_rest_api.this.execution_arn}/*"
  resource_policy = length(var.allowed_principal_arns) == 0 ? null : jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AllowListedPrincipals"
        Effect    = "Allow"
        Principal = "*"
        Action    = "execute-api:Invoke"
        Resource  = local.api_resource_arn
        Condition = { ArnLike = { "aws:PrincipalArn" = var.allowed_principal_arns } }
      },
      {
        Sid       = "DenyEveryoneElse"
        Effect    = "Deny"
        Principal = "*"
        Action    = "execute-api:Invoke"
        Resource  = local.api_resource_arn
        Condition = { ArnNotLike = { "aws:PrincipalArn" = var.allowed_principal_arns } }
      },
    ]
  })
  execution_logging = var.logging_level != "OFF"
  access_log_format = jsonencode({
    requestId          = "$context.requestId"
    extendedRequestId  = "$context.extendedRequestId"
    requestTime        = "$context.requestTime"
    httpMethod         = "$context.httpMethod"
    resourcePath       = "$context.resourcePath"
    status             = "$context.status"
    responseLength     = "$context.responseLength"
    integrationStatus  = "$context.integration.status"
    integrationLatency = "$context.integration.latency"
    caller             = "$context.identity.caller"
    userArn            = "$context.identity.userArn"
    sourceIp           = "$context.identity.sourceIp"
    errorMessage       = "$context.error.message"
  })
}

resource "aws_api_gateway_rest_api" "this" {
  name        = var.name
  description = var.description

  # With a Lambda proxy integration, API Gateway base64-encodes a request body whose
  # Content-Type matches, and turns a response with isBase64Encoded back into bytes when the
  # first Accept type matches; */* matches every type (API Gateway developer guide, "Binary
  # media types for REST APIs in API Gateway").
  binary_media_types = var.binary_media_types

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_rest_api_policy" "this" {
  count = local.resource_policy == null ? 0 : 1

  rest_api_id = aws_api_gateway_rest_api.this.id
  policy      = local.resource_policy
}

resource "aws_api_gateway_resource" "collection" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = var.collection
}

resource "aws_api_gateway_resource" "item" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.collection.id
  path_part   = "{${var.path_parameter}}"
}

resource "aws_api_gateway_request_validator" "parameters" {
  rest_api_id                 = aws_api_gateway_rest_api.this.id
  name                        = "path-parameters"
  validate_request_parameters = true
  validate_request_body       = false
}

resource "aws_api_gateway_method" "this" {
  for_each = toset(var.http_methods)

  rest_api_id          = aws_api_gateway_rest_api.this.id
  resource_id          = aws_api_gateway_resource.item.id
  http_method          = each.value
  authorization        = "AWS_IAM"
  request_validator_id = aws_api_gateway_request_validator.parameters.id
  request_parameters   = { "method.request.path.${var.path_parameter}" = true }
}

resource "aws_api_gateway_integration" "this" {
  for_each = aws_api_gateway_method.this

  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = aws_api_gateway_resource.item.id
  http_method             = each.value.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = var.function_invoke_arn
  # 50 ms to 29 s; Regional and private REST APIs (this one is Regional) up to 300 s after a
  # Service Quotas increase (API Gateway API reference, Integration timeoutInMillis; provider
  # docs, aws_api_gateway_integration timeout_milliseconds).
  timeout_milliseconds = var.integration_timeout_milliseconds
}

resource "aws_lambda_permission" "api" {
  statement_id  = "AllowInvokeFrom-${var.name}"
  action        = "lambda:InvokeFunction"
  function_name = var.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/*/*/${var.collection}/*"
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id

  # A new deployment whenever the API's shape, an integration's timeout, the binary media
  # types or the resource policy change: a stage serves the deployment's snapshot.
  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_resource.collection.id,
      aws_api_gateway_resource.item.id,
      [for m in aws_api_gateway_method.this : [m.id, m.authorization, m.request_parameters]],
      [for i in aws_api_gateway_integration.this : [i.id, i.uri, i.type, i.timeout_milliseconds]],
      var.binary_media_types,
      local.resource_policy,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [aws_api_gateway_integration.this, aws_api_gateway_rest_api_policy.this]
}

resource "aws_cloudwatch_log_group" "access" {
  # checkov:skip=CKV_AWS_158:a customer managed key is optional (var.kms_key_arn); without one CloudWatch Logs encrypts the group with its own key
  count = var.access_logs_enabled ? 1 : 0

  name              = "/aws/apigateway/${var.name}/access"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

# API Gateway writes execution logs to API-Gateway-Execution-Logs_{rest-api-id}/{stage_name} and
# creates that group itself, without retention or key, and leaves it behind on destroy
# (API Gateway developer guide, "Execution logging for REST APIs"): the module creates it first.
resource "aws_cloudwatch_log_group" "execution" {
  # checkov:skip=CKV_AWS_158:a customer managed key is optional (var.kms_key_arn); without one CloudWatch Logs encrypts the group with its own key
  count = local.execution_logging ? 1 : 0

  name              = "API-Gateway-Execution-Logs_${aws_api_gateway_rest_api.this.id}/${var.stage_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

# What must exist before the stage may log: the account's API Gateway CloudWatch Logs role
# setting when the caller manages it (aws_api_gateway_account). A dependency on these
# resources only, not a module-level depends_on, which would defer every data source of the
# module to apply time and hide its policies from plan scanners.
resource "terraform_data" "logging_prerequisites" {
  input = var.logging_prerequisites
}

resource "aws_api_gateway_stage" "this" {
  # checkov:skip=CKV_AWS_120:responses are per-request decisions (routing, scaling state); a cache would serve stale capacity
  # checkov:skip=CKV2_AWS_29:callers are authenticated with SigV4 (AWS_IAM) and limited by the resource policy; attach a WAF web ACL outside the module if you need one
  # checkov:skip=CKV_AWS_73:X-Ray is on by default (var.xray_tracing_enabled = true) and configurable; checkov's HCL scan cannot resolve the value through the module call
  # checkov:skip=CKV2_AWS_4:the logging level is set by aws_api_gateway_method_settings.all from var.logging_level (default ERROR), which checkov's HCL scan cannot resolve
  # checkov:skip=CKV2_AWS_51:the backend is a Lambda proxy integration, not an HTTP endpoint that could check a client certificate
  # checkov:skip=CKV_AWS_76:access logs are on by default (var.access_logs_enabled) in a dynamic block checkov does not resolve; tests/compliance checks the examples' stages have access_log_settings
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.stage_name
  xray_tracing_enabled = var.xray_tracing_enabled

  dynamic "access_log_settings" {
    for_each = aws_cloudwatch_log_group.access
    content {
      destination_arn = access_log_settings.value.arn
      format          = local.access_log_format
    }
  }

  tags = var.tags

  depends_on = [terraform_data.logging_prerequisites, aws_cloudwatch_log_group.execution]
}

resource "aws_api_gateway_method_settings" "all" {
  # checkov:skip=CKV_AWS_225:caching is off on purpose, see the stage
  # checkov:skip=CKV_AWS_308:caching is off, so there is no cache to encrypt
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true
    logging_level          = var.logging_level
    data_trace_enabled     = false
    caching_enabled        = false
    throttling_burst_limit = var.throttling_burst_limit
    throttling_rate_limit  = var.throttling_rate_limit
  }
}
