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
  description = "Name of the stage's access log group."
  value       = aws_cloudwatch_log_group.access.name
}
