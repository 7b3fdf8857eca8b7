output "alarm_names" {
  description = "Names of the operational alarms."
  value       = [for alarm in aws_cloudwatch_metric_alarm.operational : alarm.alarm_name]
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard, or null."
  value       = one(aws_cloudwatch_dashboard.fleet[*].dashboard_name)
}

output "dashboard_body" {
  description = "The dashboard body (JSON), or null."
  value       = one(aws_cloudwatch_dashboard.fleet[*].dashboard_body)
}

output "metric_namespace" {
  description = "Namespace of the decision-log metrics (DesiredCapacity, ActualCapacity, FailedScalingActivities)."
  value       = var.metric_namespace
}
