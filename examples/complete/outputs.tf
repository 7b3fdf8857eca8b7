output "router_invoke_url" {
  description = "POST async requests here (SigV4, header InputLocation)."
  value       = module.fleet.router_invoke_url
}

output "scaling_api_resource_id" {
  description = "Resource id of the fleet's scalable target."
  value       = module.fleet.scaling_api_resource_id
}

output "endpoint_names" {
  description = "The fleet's endpoints."
  value       = module.fleet.endpoint_names
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the fleet."
  value       = module.fleet.dashboard_name
}

output "alarm_topic_arn" {
  description = "SNS topic the fleet's alarms notify; subscribe to it."
  value       = aws_sns_topic.alarms.arn
}
