output "function_names" {
  description = "Function names by role: router, scaling_api, endpoint_events, reconciler (and dispatcher in queue mode)."
  value       = { for key, fn in aws_lambda_function.this : key => fn.function_name }
}

output "function_arns" {
  description = "Function ARNs by role."
  value       = { for key, fn in aws_lambda_function.this : key => fn.arn }
}

output "function_invoke_arns" {
  description = "Function invoke ARNs by role (for API Gateway integrations)."
  value       = { for key, fn in aws_lambda_function.this : key => fn.invoke_arn }
}

output "function_handlers" {
  description = "Handler of each function, by role."
  value       = { for key, fn in aws_lambda_function.this : key => fn.handler }
}

output "function_environments" {
  description = "Environment variables of each function, by role (STATE_TABLE, FLEET_CONFIG)."
  value       = { for key, fn in aws_lambda_function.this : key => one(fn.environment).variables }
}

output "log_group_names" {
  description = "Log group of each function, by role."
  value       = { for key, lg in aws_cloudwatch_log_group.this : key => lg.name }
}

output "role_arns" {
  description = "Execution role ARN of each function, by role."
  value       = { for key, role in aws_iam_role.this : key => role.arn }
}

output "role_policies" {
  description = "Inline policy document (JSON) of each function's role, by role."
  value       = { for key, policy in aws_iam_role_policy.this : key => policy.policy }
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue of the asynchronously invoked functions."
  value       = aws_sqs_queue.dlq.arn
}

output "dead_letter_queue_name" {
  description = "Name of the dead-letter queue of the asynchronously invoked functions."
  value       = aws_sqs_queue.dlq.name
}

output "fleet_config_json" {
  description = "The FLEET_CONFIG JSON given to every function."
  value       = local.fleet_config_json
}

output "endpoint_arns" {
  description = "ARNs of the fleet's endpoints, the only SageMaker resources the roles may act on."
  value       = local.endpoint_arns
}

output "package_sha256" {
  description = "Base64 SHA-256 of the Lambda package."
  value       = data.archive_file.package.output_base64sha256
}

output "package_path" {
  description = "Path of the Lambda zip (keep it with a saved plan)."
  value       = data.archive_file.package.output_path
}

output "package_file_mode" {
  description = "File mode of every file in the Lambda zip (fixed, so the hash does not depend on the umask)."
  value       = data.archive_file.package.output_file_mode
}

output "reserved_concurrent_executions" {
  description = "Reserved concurrency of each function by role (-1 = unreserved)."
  value       = { for key, fn in aws_lambda_function.this : key => fn.reserved_concurrent_executions }
}

output "timeouts" {
  description = "Timeout of each function by role, seconds (the router's is its time budget)."
  value       = { for key, fn in aws_lambda_function.this : key => fn.timeout }
}

output "dispatcher_event_invoke_config" {
  description = "Retries and maximum event age of the dispatcher's scheduled invocations, or null in direct mode."
  value = one([
    for config in aws_lambda_function_event_invoke_config.dispatcher : {
      maximum_retry_attempts       = config.maximum_retry_attempts
      maximum_event_age_in_seconds = config.maximum_event_age_in_seconds
    }
  ])
}
