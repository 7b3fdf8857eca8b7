# A REST API with one resource path /<collection>/{<parameter>}, AWS_IAM authorization on
# every method and a Lambda proxy integration. router-api and scaling-api build on it.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  # "execute-api:/*" is API Gateway's shorthand for every method of this API; unlike the
  # execution ARN it is known at plan time.
  resource_policy = length(var.allowed_principal_arns) == 0 ? null : jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AllowListedPrincipals"
        Effect    = "Allow"
        Principal = { AWS = var.allowed_principal_arns }
        Action    = "execute-api:Invoke"
        Resource  = "execute-api:/*"
      },
      {
        Sid       = "DenyEveryoneElse"
        Effect    = "Deny"
        Principal = { AWS = "*" }
        Action    = "execute-api:Invoke"
        Resource  = "execute-api:/*"
        Condition = { ArnNotLike = { "aws:PrincipalArn" = var.allowed_principal_arns } }
      },
    ]
  })
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
  timeout_milliseconds    = var.integration_timeout_milliseconds
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

  # A new deployment whenever the API's shape or its resource policy changes.
  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_resource.collection.id,
      aws_api_gateway_resource.item.id,
      [for m in aws_api_gateway_method.this : [m.id, m.authorization, m.request_parameters]],
      [for i in aws_api_gateway_integration.this : [i.id, i.uri, i.type]],
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
  name              = "/aws/apigateway/${var.name}/access"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_api_gateway_stage" "this" {
  # checkov:skip=CKV_AWS_120:responses are per-request decisions (routing, scaling state); a cache would serve stale capacity
  # checkov:skip=CKV2_AWS_29:callers are authenticated with SigV4 (AWS_IAM) and limited by the resource policy; attach a WAF web ACL outside the module if you need one
  # checkov:skip=CKV_AWS_73:X-Ray is on by default (var.xray_tracing_enabled = true) and configurable; checkov's HCL scan cannot resolve the value through the module call
  # checkov:skip=CKV2_AWS_4:the logging level is set by aws_api_gateway_method_settings.all from var.logging_level (default ERROR), which checkov's HCL scan cannot resolve
  # checkov:skip=CKV2_AWS_51:the backend is a Lambda proxy integration, not an HTTP endpoint that could check a client certificate
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.stage_name
  xray_tracing_enabled = var.xray_tracing_enabled

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format          = local.access_log_format
  }

  tags = var.tags
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
