variable "name_prefix" {
  description = "Prefix of the function, role, log group and queue names (functions are named <prefix>-router, <prefix>-scaling-api, <prefix>-endpoint-events, <prefix>-reconciler and, in queue mode, <prefix>-dispatcher)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,39}$", var.name_prefix))
    error_message = "name_prefix must be 1-40 letters, digits or '-', starting with a letter or digit, so that every function name stays within 64 characters."
  }
}

variable "fleet_config" {
  description = "The fleet definition rendered into FLEET_CONFIG (field names as in the control plane's Configuration contract; the root module fills every default). Optional fields left null are omitted, and the control plane applies its defaults."
  type = object({
    fleet_name                 = string
    dimension_id               = string
    invocation_mode            = string
    strategy                   = string
    min_capacity               = number
    max_capacity               = number
    activity_timeout_seconds   = number
    capacity_retry_seconds     = number
    router_cache_ttl_seconds   = number
    max_failover_attempts      = number
    metrics_namespace          = optional(string)
    drain_timeout_seconds      = optional(number)
    backlog_max_age_seconds    = optional(number)
    scale_to_zero_idle_seconds = optional(number)
    trim_hold_seconds          = optional(number)
    router_api = optional(object({
      name  = string
      stage = string
    }))
    dispatch     = optional(string, "direct")
    burst_signal = optional(bool)
    queue = optional(object({
      queue_url            = string
      completion_queue_url = string
      output_path          = string
      failure_path         = optional(string)
      room_per_capacity    = number
      run_seconds          = number
      signal_seconds       = optional(number, 10)
    }))
    endpoints = list(object({
      name                  = string
      variant               = string
      capacity_per_instance = number
      min_instances         = number
      max_instances         = number
      priority              = number
      share                 = number
    }))
  })

  validation {
    condition     = contains(["async", "realtime"], var.fleet_config.invocation_mode)
    error_message = "fleet_config.invocation_mode must be \"async\" or \"realtime\"."
  }

  validation {
    condition     = length(var.fleet_config.endpoints) >= 1 && length(var.fleet_config.endpoints) <= 10
    error_message = "fleet_config.endpoints must list 1 to 10 endpoints."
  }

  validation {
    condition     = contains(["direct", "queue"], var.fleet_config.dispatch) && (var.fleet_config.dispatch == "queue") == (var.fleet_config.queue != null)
    error_message = "fleet_config.dispatch must be \"direct\" or \"queue\", and fleet_config.queue is set exactly when dispatch = \"queue\"."
  }
}

variable "fleet_queue" {
  description = "Queue mode: ARNs of the fleet queue (the router sends to it, the dispatcher drains it) and of the completion queue (the dispatcher reads the endpoints' notifications from it). null in direct mode."
  type = object({
    queue_arn            = string
    completion_queue_arn = string
  })
  default = null
}

variable "endpoint_config_name_prefixes" {
  description = "Queue mode: name prefixes of the endpoint configurations of the fleet's endpoints, when the module creates them (<endpoint>-); the dispatcher may describe only configurations with these prefixes. Empty: any endpoint configuration of the account and region (the caller's endpoints' configuration names are not known)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for prefix in var.endpoint_config_name_prefixes : can(regex("^[a-zA-Z0-9-]{1,63}$", prefix))])
    error_message = "endpoint_config_name_prefixes must be 1-63 letters, digits or '-' each."
  }
}

variable "dispatcher" {
  description = "Memory (MB) and timeout (s) of the dispatcher function (queue mode). Its reserved concurrency is always 1: one dispatcher per fleet. The timeout must exceed queue.run_seconds."
  type = object({
    memory_size = optional(number, 256)
    timeout     = optional(number, 60)
  })
  default = {}

  validation {
    condition     = var.dispatcher.memory_size >= 128 && var.dispatcher.memory_size <= 10240 && var.dispatcher.timeout >= 1 && var.dispatcher.timeout <= 900
    error_message = "dispatcher: memory_size must be 128-10240 and timeout 1-900."
  }
}

variable "state_table_name" {
  description = "Name of the DynamoDB state table (STATE_TABLE)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.state_table_name))
    error_message = "state_table_name must be a valid DynamoDB table name."
  }
}

variable "source_dir" {
  description = "Directory that holds the fleet_autoscaler package (zipped so that fleet_autoscaler/ is at the zip root). null uses this repository's lambda_src/."
  type        = string
  default     = null
}

variable "package_output_dir" {
  description = "Directory the Lambda zip is written to. null: build/fleet-autoscaler/ under the root module's directory. Keep it with a saved plan: applying the plan elsewhere needs the zip at this path. Not under .terraform/, which `terraform init` recreates."
  type        = string
  default     = null
}

variable "runtime" {
  description = "Lambda runtime of the four functions."
  type        = string
  default     = "python3.12"

  validation {
    condition     = contains(["python3.11", "python3.12", "python3.13", "python3.14"], var.runtime)
    error_message = "runtime must be python3.11, python3.12, python3.13 or python3.14."
  }
}

variable "architecture" {
  description = "Instruction set of the functions (the package is pure Python)."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "tracing_mode" {
  description = "X-Ray tracing mode of the functions: Active or PassThrough."
  type        = string
  default     = "Active"

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "tracing_mode must be Active or PassThrough."
  }
}

variable "application_log_level" {
  description = "Lambda application log level filter (the control plane logs decisions at INFO)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.application_log_level)
    error_message = "application_log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL."
  }
}

variable "router" {
  description = "Memory (MB), timeout (s) and reserved concurrency (-1 = unreserved) of the router function. The timeout is the router's time budget: keep it below the API Gateway integration timeout (28 s under the default 29 s)."
  type = object({
    memory_size                    = optional(number, 256)
    timeout                        = optional(number, 28)
    reserved_concurrent_executions = optional(number, -1)
  })
  default = {}

  validation {
    condition     = var.router.memory_size >= 128 && var.router.memory_size <= 10240 && var.router.timeout >= 1 && var.router.timeout <= 900 && var.router.reserved_concurrent_executions >= -1
    error_message = "router: memory_size must be 128-10240, timeout 1-900, reserved_concurrent_executions -1 or more."
  }

  validation {
    # The router keeps 1 s to answer and 1 s to connect, and an attempt needs at least 1 s
    # to read (fleet_autoscaler.routing.attempt_read_timeout).
    condition     = var.router.timeout >= 3 && floor(var.router.timeout) == var.router.timeout
    error_message = "router.timeout must be a whole number of seconds, at least 3: the router keeps 1 s to answer and 1 s to connect, and an attempt needs at least 1 s."
  }
}

variable "scaling_api" {
  description = "Memory (MB), timeout (s) and reserved concurrency of the scaling API function."
  type = object({
    memory_size                    = optional(number, 256)
    timeout                        = optional(number, 28)
    reserved_concurrent_executions = optional(number, -1)
  })
  default = {}

  validation {
    condition     = var.scaling_api.memory_size >= 128 && var.scaling_api.memory_size <= 10240 && var.scaling_api.timeout >= 1 && var.scaling_api.timeout <= 900 && var.scaling_api.reserved_concurrent_executions >= -1
    error_message = "scaling_api: memory_size must be 128-10240, timeout 1-900, reserved_concurrent_executions -1 or more."
  }
}

variable "endpoint_events" {
  description = "Memory (MB), timeout (s) and reserved concurrency of the endpoint events function."
  type = object({
    memory_size                    = optional(number, 256)
    timeout                        = optional(number, 60)
    reserved_concurrent_executions = optional(number, -1)
  })
  default = {}

  validation {
    condition     = var.endpoint_events.memory_size >= 128 && var.endpoint_events.memory_size <= 10240 && var.endpoint_events.timeout >= 1 && var.endpoint_events.timeout <= 900 && var.endpoint_events.reserved_concurrent_executions >= -1
    error_message = "endpoint_events: memory_size must be 128-10240, timeout 1-900, reserved_concurrent_executions -1 or more."
  }
}

variable "reconciler" {
  description = "Memory (MB), timeout (s) and reserved concurrency of the reconciler function."
  type = object({
    memory_size                    = optional(number, 256)
    timeout                        = optional(number, 120)
    reserved_concurrent_executions = optional(number, -1)
  })
  default = {}

  validation {
    condition     = var.reconciler.memory_size >= 128 && var.reconciler.memory_size <= 10240 && var.reconciler.timeout >= 1 && var.reconciler.timeout <= 900 && var.reconciler.reserved_concurrent_executions >= -1
    error_message = "reconciler: memory_size must be 128-10240, timeout 1-900, reserved_concurrent_executions -1 or more."
  }
}

variable "log_retention_days" {
  description = "Retention of the function log groups, in days (a value CloudWatch Logs accepts)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for log groups, the dead-letter queue and environment variables. null uses AWS managed encryption. The key policy must allow logs.<region>.amazonaws.com."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-zA-Z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:...) or null."
  }
}

variable "dead_letter_retention_seconds" {
  description = "How long the functions' dead-letter queue keeps failed asynchronous invocations (60-1209600 s)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dead_letter_retention_seconds >= 60 && var.dead_letter_retention_seconds <= 1209600
    error_message = "dead_letter_retention_seconds must be between 60 and 1209600 (14 days)."
  }
}

variable "maximum_event_age_seconds" {
  description = "Maximum age of an asynchronous invocation before Lambda sends it to the dead-letter queue (60-21600 s)."
  type        = number
  default     = 3600

  validation {
    condition     = var.maximum_event_age_seconds >= 60 && var.maximum_event_age_seconds <= 21600
    error_message = "maximum_event_age_seconds must be between 60 and 21600."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
