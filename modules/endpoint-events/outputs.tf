output "endpoint_state_rule_name" {
  description = "Name of the endpoint state change rule."
  value       = aws_cloudwatch_event_rule.endpoint_state.name
}

output "event_pattern" {
  description = "Event pattern of the endpoint state change rule (JSON)."
  value       = aws_cloudwatch_event_rule.endpoint_state.event_pattern
}

output "reconcile_rule_name" {
  description = "Name of the reconcile schedule rule."
  value       = aws_cloudwatch_event_rule.reconcile.name
}

output "reconcile_schedule" {
  description = "Schedule expression of the reconciler."
  value       = aws_cloudwatch_event_rule.reconcile.schedule_expression
}

output "dead_letter_queue_arn" {
  description = "ARN of the EventBridge dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "dead_letter_queue_name" {
  description = "Name of the EventBridge dead-letter queue."
  value       = aws_sqs_queue.dlq.name
}

output "dispatch_rule_name" {
  description = "Name of the dispatcher's schedule rule, or null outside queue mode."
  value       = one(aws_cloudwatch_event_rule.dispatch[*].name)
}

output "dispatch_schedule" {
  description = "Schedule expression of the dispatcher, or null outside queue mode."
  value       = one(aws_cloudwatch_event_rule.dispatch[*].schedule_expression)
}

output "dispatch_target" {
  description = "The dispatcher's schedule target: function ARN and retry policy, or null outside queue mode."
  value = one([
    for target in aws_cloudwatch_event_target.dispatch : {
      arn                          = target.arn
      maximum_retry_attempts       = one(target.retry_policy).maximum_retry_attempts
      maximum_event_age_in_seconds = one(target.retry_policy).maximum_event_age_in_seconds
    }
  ])
}
