variable "name_prefix" {
  description = "Prefix of the rule and queue names."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,40}$", var.name_prefix))
    error_message = "name_prefix must be 1-41 letters, digits or '-'."
  }
}

variable "endpoint_names" {
  description = "The fleet's endpoint names; the rule matches exactly these."
  type        = list(string)

  validation {
    condition     = length(var.endpoint_names) >= 1 && length(var.endpoint_names) == length(distinct(var.endpoint_names))
    error_message = "endpoint_names must be a non-empty list of distinct names."
  }
}

variable "events_function_arn" {
  description = "ARN of the endpoint events function."
  type        = string
}

variable "events_function_name" {
  description = "Name of the endpoint events function."
  type        = string
}

variable "reconciler_function_arn" {
  description = "ARN of the reconciler function."
  type        = string
}

variable "reconciler_function_name" {
  description = "Name of the reconciler function."
  type        = string
}

variable "reconcile_schedule" {
  description = "EventBridge schedule expression of the reconciler, for example rate(5 minutes)."
  type        = string
  default     = "rate(5 minutes)"

  validation {
    condition     = can(regex("^(rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|cron\\(.+\\))$", var.reconcile_schedule))
    error_message = "reconcile_schedule must be rate(<n> minute(s)|hour(s)|day(s)) or cron(...)."
  }
}

variable "dispatch_enabled" {
  description = "Queue mode: schedule the dispatcher function (dispatch_schedule)."
  type        = bool
  default     = false
}

variable "dispatcher_function_arn" {
  description = "ARN of the dispatcher function (queue mode), or null."
  type        = string
  default     = null
}

variable "dispatcher_function_name" {
  description = "Name of the dispatcher function (queue mode), or null."
  type        = string
  default     = null
}

variable "dispatch_schedule" {
  description = "EventBridge schedule expression of the dispatcher. Each run dispatches for run_seconds (below a minute by default), so one run per minute keeps the queue drained."
  type        = string
  default     = "rate(1 minute)"

  validation {
    condition     = can(regex("^(rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|cron\\(.+\\))$", var.dispatch_schedule))
    error_message = "dispatch_schedule must be rate(<n> minute(s)|hour(s)|day(s)) or cron(...)."
  }
}

variable "maximum_retry_attempts" {
  description = "EventBridge retries of a failed delivery (0-185)."
  type        = number
  default     = 8

  validation {
    condition     = var.maximum_retry_attempts >= 0 && var.maximum_retry_attempts <= 185
    error_message = "maximum_retry_attempts must be between 0 and 185."
  }
}

variable "maximum_event_age_seconds" {
  description = "Maximum age of an event EventBridge still delivers (60-86400 s)."
  type        = number
  default     = 3600

  validation {
    condition     = var.maximum_event_age_seconds >= 60 && var.maximum_event_age_seconds <= 86400
    error_message = "maximum_event_age_seconds must be between 60 and 86400."
  }
}

variable "dead_letter_retention_seconds" {
  description = "Retention of the EventBridge dead-letter queue (60-1209600 s)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dead_letter_retention_seconds >= 60 && var.dead_letter_retention_seconds <= 1209600
    error_message = "dead_letter_retention_seconds must be between 60 and 1209600."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the dead-letter queue (its policy must allow events.amazonaws.com), or null for SQS managed encryption."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
