output "scalable_target_arn" {
  description = "ARN of the fleet's scalable target."
  value       = aws_appautoscaling_target.fleet.arn
}

output "scalable_target_resource_id" {
  description = "Resource id of the scalable target (the scaling API URL)."
  value       = aws_appautoscaling_target.fleet.resource_id
}

output "target_tracking_policy_arn" {
  description = "ARN of the target-tracking policy."
  value       = aws_appautoscaling_policy.target_tracking.arn
}

output "target_tracking_metrics" {
  description = "Metric queries of the target-tracking policy: one per endpoint and the fleet expression."
  value       = one(one(aws_appautoscaling_policy.target_tracking.target_tracking_scaling_policy_configuration).customized_metric_specification).metrics
}

output "fleet_metric_expression" {
  description = "The metric-math expression target tracking follows."
  value       = local.fleet_expression
}

output "scale_from_zero_policy_arn" {
  description = "ARN of the scale-from-zero step policy, or null when the fleet cannot sit at zero."
  value       = one(aws_appautoscaling_policy.scale_from_zero[*].arn)
}

output "scale_from_zero_alarm_name" {
  description = "Name of the HasBacklogWithoutCapacity alarm, or null."
  value       = one(aws_cloudwatch_metric_alarm.scale_from_zero[*].alarm_name)
}

output "scale_from_zero_alarm_queries" {
  description = "Metric queries of the scale-from-zero alarm (empty when there is none)."
  value       = flatten([for alarm in aws_cloudwatch_metric_alarm.scale_from_zero : alarm.metric_query])
}

output "registration_prerequisites" {
  description = "Names of what the scalable target waits for before registration."
  value       = keys(var.registration_prerequisites)
}

output "scheduled_actions" {
  description = "Scheduled actions by input name: schedule, timezone, min and max capacity."
  value = {
    for key, action in aws_appautoscaling_scheduled_action.fleet : key => {
      schedule     = action.schedule
      timezone     = action.timezone
      min_capacity = one(action.scalable_target_action).min_capacity
      max_capacity = one(action.scalable_target_action).max_capacity
    }
  }
}

output "scheduled_action_resource_ids" {
  description = "Resource ids the scheduled actions act on (the fleet's scalable target)."
  value       = [for action in aws_appautoscaling_scheduled_action.fleet : action.resource_id]
}
