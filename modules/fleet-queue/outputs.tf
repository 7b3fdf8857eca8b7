output "queue_url" {
  description = "URL of the fleet queue (FLEET_CONFIG queue.queue_url): the router sends every request here."
  value       = aws_sqs_queue.fleet.url
}

output "queue_arn" {
  description = "ARN of the fleet queue."
  value       = local.queue_arn
}

output "queue_name" {
  description = "Name of the fleet queue (the QueueName dimension of its AWS/SQS metrics)."
  value       = local.names.queue
}

output "dead_letter_queue_url" {
  description = "URL of the fleet queue's dead-letter queue."
  value       = aws_sqs_queue.dead_letter.url
}

output "dead_letter_queue_arn" {
  description = "ARN of the fleet queue's dead-letter queue."
  value       = local.dead_letter_queue_arn
}

output "dead_letter_queue_name" {
  description = "Name of the fleet queue's dead-letter queue."
  value       = local.names.dead_letter_queue
}

output "redrive_policy" {
  description = "Redrive policy of the fleet queue (deadLetterTargetArn, maxReceiveCount), decoded."
  value       = jsondecode(local.redrive_policy)
}

output "completion_queue_url" {
  description = "URL of the completion queue (FLEET_CONFIG queue.completion_queue_url)."
  value       = aws_sqs_queue.completions.url
}

output "completion_queue_arn" {
  description = "ARN of the completion queue."
  value       = local.completion_queue_arn
}

output "completion_queue_policy" {
  description = "Policy of the completion queue (JSON): only the subscribed topics may send."
  value       = aws_sqs_queue_policy.completions.policy
}

output "completion_topic_arn" {
  description = "ARN of the module's completion topic (the endpoints' SuccessTopic and ErrorTopic), or null when the caller's topics are used."
  value       = var.create_completion_topic ? local.completion_topic_arn : null
}

output "subscribed_topic_arns" {
  description = "Topics the completion queue subscribes to, by key (fleet = the module's own topic)."
  value       = local.subscribed_topics
}

output "encryption" {
  description = "How the queues and the topic are encrypted: the queues' kms_master_key_id and sqs_managed_sse_enabled, the topic's key."
  value = {
    queues = {
      for key, queue in { fleet = aws_sqs_queue.fleet, dead_letter = aws_sqs_queue.dead_letter, completions = aws_sqs_queue.completions } :
      key => { kms_master_key_id = queue.kms_master_key_id, sqs_managed_sse_enabled = queue.sqs_managed_sse_enabled }
    }
    topic_kms_master_key_id = one(aws_sns_topic.completions[*].kms_master_key_id)
  }
}

output "visibility_timeout_seconds" {
  description = "Visibility timeout of the fleet queue and of the completion queue, seconds."
  value       = { fleet = aws_sqs_queue.fleet.visibility_timeout_seconds, completions = aws_sqs_queue.completions.visibility_timeout_seconds }
}

output "publisher_policy" {
  description = "Inline policy (JSON) added to each publisher role (the endpoints' execution role): sns:Publish on the completion topic and its customer key; null when the module adds none."
  value       = length(aws_iam_role_policy.publisher) > 0 ? local.publisher_policy : null
}

output "publisher_role_names" {
  description = "Roles that received the publisher policy."
  value       = [for policy in aws_iam_role_policy.publisher : policy.role]
}
