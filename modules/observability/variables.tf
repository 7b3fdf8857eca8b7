variable "name_prefix" {
  description = "Prefix of the alarm, metric filter and dashboard names."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,200}$", var.name_prefix))
    error_message = "name_prefix must be letters, digits, '-' or '_' (dashboard name rules)."
  }
}

variable "fleet_name" {
  description = "Name of the fleet (the Fleet dimension of the decision metrics)."
  type        = string
}

variable "endpoint_names" {
  description = "The fleet's endpoint names."
  type        = list(string)
}

variable "scaling_metric_name" {
  description = "Per-endpoint metric shown on the dashboard (the one target tracking follows)."
  type        = string
  default     = "ApproximateBacklogSizePerInstance"
}

variable "function_names" {
  description = "Function names by role (router, scaling_api, endpoint_events, reconciler); one error alarm each."
  type        = map(string)
}

variable "decision_log_group_names" {
  description = "Log groups of the functions that log \"fleet decision\" lines (scaling API, endpoint events, reconciler), by role."
  type        = map(string)
}

variable "dead_letter_queue_names" {
  description = "Dead-letter queue names by purpose; one depth alarm each."
  type        = map(string)
}

variable "fleet_queue" {
  description = "Queue mode: the fleet queue and its dead-letter queue (names) and the age of the oldest waiting request, seconds, at which an alarm fires. One alarm each, and dashboard widgets. null in direct mode."
  type = object({
    queue_name             = string
    dead_letter_queue_name = string
    age_alarm_seconds      = number
  })
  default = null

  validation {
    condition     = var.fleet_queue == null || try(var.fleet_queue.age_alarm_seconds >= 60, false)
    error_message = "fleet_queue.age_alarm_seconds must be 60 or more."
  }
}

variable "burst_signal_seconds" {
  description = "The period of the burst scale-out signal, seconds (0: none): the dispatcher's OutstandingPerCapacity in queue mode (fleet_queue set), the router's RoutedPerCapacity (Sum per period) in direct mode. One dashboard widget at that period."
  type        = number
  default     = 0

  validation {
    condition     = contains([0, 10, 20, 30], var.burst_signal_seconds)
    error_message = "burst_signal_seconds must be 0 (none), 10, 20 or 30."
  }
}

variable "load_signal" {
  description = "The load signal to draw (modules/fleet-autoscaling output load_signal_widget): target tracking's metric queries, drawn hidden, its expressions and its target, a horizontal line. null: no load widget (the backlog signal)."
  type = object({
    target      = number
    metrics     = list(object({ id = string, namespace = string, name = string, stat = string, dimensions = map(string) }))
    expressions = list(object({ id = string, expression = string, label = string, visible = bool }))
  })
  default = null
}

variable "router_api_name" {
  description = "Name of the router REST API (ApiName dimension)."
  type        = string
}

variable "router_stage_name" {
  description = "Stage of the router REST API."
  type        = string
}

variable "metric_namespace" {
  description = "CloudWatch namespace of the metrics extracted from the decision logs."
  type        = string
  default     = "SageMakerFleet"

  validation {
    condition     = length(var.metric_namespace) > 0 && !startswith(var.metric_namespace, "AWS/")
    error_message = "metric_namespace must be non-empty and must not start with AWS/."
  }
}

variable "alarm_actions" {
  description = "ARNs (for example SNS topics) notified when an alarm changes to ALARM or back to OK."
  type        = list(string)
  default     = []
}

variable "router_5xx_threshold" {
  description = "Router 5XX answers per 5 minutes above which the router alarm fires."
  type        = number
  default     = 0

  validation {
    condition     = var.router_5xx_threshold >= 0
    error_message = "router_5xx_threshold must be 0 or more."
  }
}

variable "create_alarms" {
  description = "Create the operational alarms."
  type        = bool
  default     = true
}

variable "create_metric_filters" {
  description = "Create the metric filters that turn decision logs into fleet capacity metrics."
  type        = bool
  default     = true
}

variable "create_dashboard" {
  description = "Create the CloudWatch dashboard."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for the alarms."
  type        = map(string)
  default     = {}
}
