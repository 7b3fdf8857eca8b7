variable "name_prefix" {
  description = "Prefix of the queue and topic names: <prefix>-queue, <prefix>-queue-dlq, <prefix>-completions (queue and topic)."
  type        = string

  validation {
    # SQS queue names are at most 80 characters (the longest suffix here is -queue-dlq).
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,63}$", var.name_prefix))
    error_message = "name_prefix must be 1-64 letters, digits or '-', starting with a letter or digit."
  }
}

variable "max_receive_count" {
  description = "Dispatch attempts of one request before SQS moves it to the dead-letter queue (the redrive policy's maxReceiveCount, 1-1000). The dispatcher receives a message only when an endpoint has room, so this counts failed dispatches, not time spent waiting for capacity."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be a whole number from 1 to 1000."
  }
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout of the fleet queue and the completion queue, seconds (0-43200): longer than one dispatcher invocation (its Lambda timeout), so that a message received in a round is not received again while that invocation runs. Once an endpoint accepts a request, the dispatcher sets that message's own visibility (the hold, README \"Queue mode: the dispatcher\"), so this value no longer bounds how long dispatched work is held."
  type        = number

  validation {
    condition     = var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200 && floor(var.visibility_timeout_seconds) == var.visibility_timeout_seconds
    error_message = "visibility_timeout_seconds must be a whole number from 0 to 43200 (12 hours, the SQS maximum)."
  }
}

variable "message_retention_seconds" {
  description = "How long the fleet queue keeps a request that no endpoint has taken (60-1209600 s). The dead-letter queue keeps its messages for 14 days."
  type        = number
  default     = 1209600

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600 && floor(var.message_retention_seconds) == var.message_retention_seconds
    error_message = "message_retention_seconds must be a whole number from 60 to 1209600 (14 days)."
  }
}

variable "create_completion_topic" {
  description = "Create the completion SNS topic that the fleet's endpoints notify on success and on error (AsyncInferenceConfig NotificationConfig). false: the endpoints notify completion_topic_arns."
  type        = bool
  default     = true
}

variable "completion_topic_arns" {
  description = "SNS topics (besides the module's own) the fleet's endpoints notify on success and error; the completion queue subscribes to each."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.completion_topic_arns : can(regex("^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]+$", arn))])
    error_message = "completion_topic_arns must be SNS topic ARNs (arn:<partition>:sns:<region>:<account>:<name>)."
  }
}

variable "publisher_role_arns" {
  description = "IAM roles that publish to the module's completion topic: the SageMaker execution role of endpoints the root module creates. Each gets an inline policy (<prefix>-publish-completions) with sns:Publish on the topic (and kms on kms_key_arn). Other endpoints' roles need the same in their own policy."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.publisher_role_arns : can(regex("^arn:aws[a-zA-Z-]*:iam::[0-9]{12}:role/", arn))])
    error_message = "publisher_role_arns must be IAM role ARNs (arn:<partition>:iam::<account>:role/<name>)."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key of the queues and the topic, or null: SQS managed encryption (SSE-SQS) for the queues and the AWS managed key alias/aws/sns for the topic. With a key, its policy must let sns.amazonaws.com use it (GenerateDataKey*, Decrypt: SNS encrypts what it delivers to the completion queue) and the SageMaker execution role publish with it."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-zA-Z-]*:kms:", coalesce(var.kms_key_arn, "x")))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:...) or null."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
