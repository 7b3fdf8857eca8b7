output "rest_api_id" {
  description = "ID of the scaling REST API."
  value       = module.api.rest_api_id
}

output "rest_api_name" {
  description = "Name of the scaling REST API."
  value       = module.api.rest_api_name
}

output "stage_invoke_url" {
  description = "Invoke URL of the scaling API stage."
  value       = module.api.invoke_url
}

output "resource_id" {
  description = "The scalable target's resource id: the stage invoke URL + /scalableTargetDimensions/<dimension_id>."
  value       = "${module.api.invoke_url}/scalableTargetDimensions/${var.dimension_id}"
}

output "method_authorizations" {
  description = "Authorization type of each scaling API method."
  value       = module.api.method_authorizations
}

output "resource_policy" {
  description = "Resource policy of the scaling API (JSON)."
  value       = module.api.resource_policy
}

output "service_linked_role_arn" {
  description = "ARN of the Application Auto Scaling custom-resource service-linked role allowed to call the API."
  value       = local.service_linked_role_arn
}

output "access_log_group_name" {
  description = "Access log group of the scaling stage."
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

output "deployer_principal_arns" {
  description = "Principals admitted next to the service-linked role: the input, or the caller's role when it is empty."
  value       = local.deployer_principal_arns
}

output "registration_prerequisites" {
  description = "IDs of everything RegisterScalableTarget's GET needs: deployment, stage, Lambda permission and the function. The scalable target depends on them."
  value       = merge(module.api.registration_prerequisites, { function = var.function_invoke_arn })
}

output "integration_timeout_milliseconds" {
  description = "How long API Gateway waits for the scaling API function, ms."
  value       = module.api.integration_timeout_milliseconds
}

output "binary_media_types" {
  description = "Media types the scaling API treats as binary (none: it speaks JSON)."
  value       = module.api.binary_media_types
}
