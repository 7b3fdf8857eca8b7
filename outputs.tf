output "router_invoke_url" {
  description = "The fleet's router: POST <url> with SigV4 (service execute-api) and the InputLocation header (async fleets)."
  value       = module.router_api.invoke_url
}

output "router_rest_api_id" {
  description = "ID of the router REST API."
  value       = module.router_api.rest_api_id
}

output "scaling_api_resource_id" {
  description = "Resource id of the custom-resource scalable target (the scaling API URL of the fleet's dimension)."
  value       = module.scaling_api.resource_id
}

output "scaling_api_rest_api_id" {
  description = "ID of the scaling REST API (grant execute-api:Invoke on it to deployers)."
  value       = module.scaling_api.rest_api_id
}

output "scalable_target_arn" {
  description = "ARN of the fleet's scalable target."
  value       = module.autoscaling.scalable_target_arn
}

output "target_tracking_policy_arn" {
  description = "ARN of the target-tracking scaling policy."
  value       = module.autoscaling.target_tracking_policy_arn
}

output "scale_from_zero_policy_arn" {
  description = "ARN of the scale-from-zero step policy (async fleets with min_capacity 0), or null."
  value       = module.autoscaling.scale_from_zero_policy_arn
}

output "scale_from_zero_alarm_name" {
  description = "Name of the HasBacklogWithoutCapacity alarm that drives scale-from-zero, or null."
  value       = module.autoscaling.scale_from_zero_alarm_name
}

output "state_table_name" {
  description = "Name of the DynamoDB state table."
  value       = module.state_table.name
}

output "state_table_arn" {
  description = "ARN of the DynamoDB state table."
  value       = module.state_table.arn
}

output "function_names" {
  description = "Lambda function names by role (router, scaling_api, endpoint_events, reconciler, and dispatcher in queue mode)."
  value       = module.functions.function_names
}

output "function_arns" {
  description = "Lambda function ARNs by role."
  value       = module.functions.function_arns
}

output "dead_letter_queue_arns" {
  description = "Dead-letter queues: the asynchronously invoked functions' and EventBridge's."
  value = {
    functions = module.functions.dead_letter_queue_arn
    events    = module.endpoint_events.dead_letter_queue_arn
  }
}

output "alarm_names" {
  description = "Names of the operational alarms (function errors, dead letters, failed scaling activities, router 5XX)."
  value       = module.observability.alarm_names
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard, or null."
  value       = module.observability.dashboard_name
}

output "endpoint_names" {
  description = "Names of the fleet's endpoints, in priority order of the input."
  value       = var.create_endpoints ? module.endpoints[0].endpoint_names : local.endpoint_names
}

output "fleet_config" {
  description = "The FLEET_CONFIG JSON every function receives."
  value       = module.functions.fleet_config_json
}

output "endpoint_model_names" {
  description = "SageMaker model of each created endpoint (<endpoint>-<hash of what forces a new model>), or {} without create_endpoints."
  value       = var.create_endpoints ? module.endpoints[0].model_names : {}
}

output "endpoint_config_names" {
  description = "Endpoint configuration of each created endpoint (<endpoint>-<hash>), or {} without create_endpoints."
  value       = var.create_endpoints ? module.endpoints[0].endpoint_config_names : {}
}

output "fleet_queue_url" {
  description = "Queue mode: URL of the fleet queue the router puts every request on; null in direct mode."
  value       = local.queue_mode ? module.fleet_queue[0].queue_url : null
}

output "fleet_dead_letter_queue_url" {
  description = "Queue mode: URL of the fleet queue's dead-letter queue (requests that failed dispatch_max_receive_count dispatches); null in direct mode."
  value       = local.queue_mode ? module.fleet_queue[0].dead_letter_queue_url : null
}

output "fleet_completion_queue_url" {
  description = "Queue mode: URL of the completion queue the dispatcher reads the endpoints' success and error notifications from; null in direct mode."
  value       = local.queue_mode ? module.fleet_queue[0].completion_queue_url : null
}

output "fleet_completion_topic_arn" {
  description = "Queue mode: the SNS topic the fleet's endpoints notify on success and error (the module's endpoints do; point your own endpoints' NotificationConfig at it unless you gave dispatch_completion_topic_arns), or null."
  value       = local.queue_mode ? module.fleet_queue[0].completion_topic_arn : null
}
