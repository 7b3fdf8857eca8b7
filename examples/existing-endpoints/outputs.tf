output "router_invoke_url" {
  description = "POST real-time requests here (SigV4); the body goes to InvokeEndpoint."
  value       = module.fleet.router_invoke_url
}

output "scaling_api_resource_id" {
  description = "Resource id of the fleet's scalable target."
  value       = module.fleet.scaling_api_resource_id
}

output "scalable_target_arn" {
  description = "ARN of the fleet's scalable target."
  value       = module.fleet.scalable_target_arn
}

output "alarm_names" {
  description = "The fleet's alarms."
  value       = module.fleet.alarm_names
}
