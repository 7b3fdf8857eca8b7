output "rest_api_id" {
  description = "ID of the REST API."
  value       = aws_api_gateway_rest_api.this.id
}

output "rest_api_name" {
  description = "Name of the REST API (the ApiName dimension of its metrics)."
  value       = aws_api_gateway_rest_api.this.name
}

output "execution_arn" {
  description = "Execution ARN of the REST API."
  value       = aws_api_gateway_rest_api.this.execution_arn
}

output "stage_name" {
  description = "Name of the stage."
  value       = aws_api_gateway_stage.this.stage_name
}

output "invoke_url" {
  description = "Invoke URL of the stage (https://<id>.execute-api.<region>.amazonaws.com/<stage>)."
  value       = aws_api_gateway_stage.this.invoke_url
}

output "resource_path" {
  description = "Path of the API's resource, /<collection>/{<path_parameter>}."
  value       = "/${var.collection}/{${var.path_parameter}}"
}

output "method_authorizations" {
  description = "Authorization type of each method, by HTTP method."
  value       = { for key, m in aws_api_gateway_method.this : key => m.authorization }
}

output "resource_policy" {
  description = "The resource policy (JSON), or null when no principals are listed."
  value       = local.resource_policy
}

output "access_log_group_name" {
  description = "Name of the stage's access log group, or null when access logs are off."
  value       = one(aws_cloudwatch_log_group.access[*].name)
}

output "execution_log_group_name" {
  description = "Name of the stage's execution log group (API-Gateway-Execution-Logs_<id>/<stage>), or null when execution logging is OFF."
  value       = one(aws_cloudwatch_log_group.execution[*].name)
}

output "logging" {
  description = "What the stage logs: access logs on or off, and the execution logging level."
  value = {
    access_logs             = length(aws_api_gateway_stage.this.access_log_settings) > 0
    execution_logging_level = one(aws_api_gateway_method_settings.all.settings).logging_level
  }
}

output "registration_prerequisites" {
  description = "IDs of what a call through the stage needs: deployment, stage and the Lambda permission (RegisterScalableTarget calls the API at once)."
  value = {
    deployment        = aws_api_gateway_deployment.this.id
    stage             = aws_api_gateway_stage.this.id
    lambda_permission = aws_lambda_permission.api.id
  }
}

output "integration_timeout_milliseconds" {
  description = "How long API Gateway waits for the function (every method's integration), ms."
  value       = one(distinct([for i in aws_api_gateway_integration.this : i.timeout_milliseconds]))
}

output "binary_media_types" {
  description = "Media types the API treats as binary ([] when none)."
  value       = aws_api_gateway_rest_api.this.binary_media_types
}
