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
