output "rest_api_id" {
  description = "ID of the router REST API."
  value       = module.api.rest_api_id
}

output "rest_api_name" {
  description = "Name of the router REST API."
  value       = module.api.rest_api_name
}

output "stage_name" {
  description = "Stage of the router API."
  value       = module.api.stage_name
}

output "invoke_url" {
  description = "Router URL for the fleet: POST it with SigV4 (service execute-api)."
  value       = "${module.api.invoke_url}/endpoints/${var.fleet_name}"
}

output "stage_invoke_url" {
  description = "Invoke URL of the router stage."
  value       = module.api.invoke_url
}

output "method_authorizations" {
  description = "Authorization type of each router method."
  value       = module.api.method_authorizations
}

output "resource_policy" {
  description = "Resource policy of the router API (JSON) or null."
  value       = module.api.resource_policy
}

output "access_log_group_name" {
  description = "Access log group of the router stage."
  value       = module.api.access_log_group_name
}

output "execution_log_group_name" {
  description = "Execution log group of the stage (created by the module), or null when execution logging is OFF."
  value       = module.api.execution_log_group_name
}

output "logging" {
  description = "What the stage logs: access logs on or off, and the execution logging level."
  value       = module.api.logging
}

output "integration_timeout_milliseconds" {
  description = "How long API Gateway waits for the router, ms."
  value       = module.api.integration_timeout_milliseconds
}

output "binary_media_types" {
  description = "Media types the router API treats as binary."
  value       = module.api.binary_media_types
}
