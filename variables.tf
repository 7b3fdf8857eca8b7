# ---------------------------------------------------------------------------------------
# The fleet (rendered into FLEET_CONFIG). One object, so that checks across fields
# (min <= max, real-time minimums, the capacity ceiling) are variable validations that work
# from Terraform 1.7 on.
# ---------------------------------------------------------------------------------------

variable "fleet" {
  description = <<-EOT
    The fleet: its name, how it is invoked and scaled, and its endpoints in priority order.
    Field names and meanings are those of the control plane's FLEET_CONFIG. Capacity is
    counted in capacity units (instances x capacity_per_instance). priority defaults to the
    endpoint's position (1 = highest).
  EOT
  type = object({
    name                     = string
    dimension_id             = optional(string)
    invocation_mode          = optional(string, "async")
    strategy                 = optional(string, "race")
    min_capacity             = optional(number, 0)
    max_capacity             = number
    activity_timeout_seconds = optional(number, 1500)
    capacity_retry_seconds   = optional(number, 900)
    router_cache_ttl_seconds = optional(number, 5)
    max_failover_attempts    = optional(number, 2)
    endpoints = list(object({
      name                  = string
      variant               = optional(string, "AllTraffic")
      capacity_per_instance = optional(number, 1)
      min_instances         = optional(number, 0)
      max_instances         = optional(number, 4)
      priority              = optional(number)
      share                 = optional(number, 1)
    }))
  })

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,27}$", var.fleet.name))
    error_message = "fleet.name must be 1-28 letters, digits or '-', starting with a letter or digit: it names the fleet's resources and is the router path segment."
  }

  validation {
    condition     = var.fleet.dimension_id == null || can(regex("^[A-Za-z0-9._-]{1,128}$", coalesce(var.fleet.dimension_id, "x")))
    error_message = "fleet.dimension_id must be 1-128 letters, digits, '.', '_' or '-' (it is the last segment of the scaling API URL)."
  }

  validation {
    condition     = contains(["async", "realtime"], var.fleet.invocation_mode)
    error_message = "fleet.invocation_mode must be \"async\" (InvokeEndpointAsync) or \"realtime\" (InvokeEndpoint)."
  }

  validation {
    condition     = contains(["race", "priority", "proportional"], var.fleet.strategy)
    error_message = "fleet.strategy must be \"race\", \"priority\" or \"proportional\"."
  }

  validation {
    condition     = length(var.fleet.endpoints) >= 1 && length(var.fleet.endpoints) <= 10
    error_message = "fleet.endpoints must hold 1 to 10 endpoints: the scaling alarms are CloudWatch metric-math alarms with one metric per endpoint, and CloudWatch allows at most 10 metrics per alarm."
  }

  validation {
    condition     = alltrue([for e in var.fleet.endpoints : can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", e.name))])
    error_message = "fleet.endpoints[*].name must be a SageMaker endpoint name: 1-63 letters, digits and '-', starting and ending with a letter or digit."
  }

  validation {
    condition     = length(distinct([for e in var.fleet.endpoints : e.name])) == length(var.fleet.endpoints)
    error_message = "fleet.endpoints[*].name must be unique: each endpoint belongs to the fleet once."
  }

  validation {
    condition     = alltrue([for e in var.fleet.endpoints : can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", e.variant))])
    error_message = "fleet.endpoints[*].variant must be a production variant name (letters, digits and '-')."
  }

  validation {
    condition     = alltrue([for e in var.fleet.endpoints : e.capacity_per_instance >= 1 && floor(e.capacity_per_instance) == e.capacity_per_instance])
    error_message = "fleet.endpoints[*].capacity_per_instance must be a positive whole number."
  }

  validation {
    condition     = alltrue([for e in var.fleet.endpoints : e.min_instances >= 0 && e.max_instances >= 0 && floor(e.min_instances) == e.min_instances && floor(e.max_instances) == e.max_instances])
    error_message = "fleet.endpoints[*].min_instances and max_instances must be whole numbers >= 0."
  }

  validation {
    condition     = alltrue([for e in var.fleet.endpoints : e.min_instances <= e.max_instances])
    error_message = "fleet.endpoints[*].min_instances must not exceed max_instances."
  }

  validation {
    condition     = alltrue([for e in var.fleet.endpoints : e.priority == null || try(e.priority >= 1 && floor(e.priority) == e.priority, false)])
    error_message = "fleet.endpoints[*].priority must be a whole number >= 1 (1 is the highest) or left unset (its position)."
  }

  validation {
    condition     = alltrue([for e in var.fleet.endpoints : e.share >= 0])
    error_message = "fleet.endpoints[*].share must be >= 0."
  }

  validation {
    condition     = var.fleet.min_capacity >= 0 && var.fleet.max_capacity >= 1 && floor(var.fleet.min_capacity) == var.fleet.min_capacity && floor(var.fleet.max_capacity) == var.fleet.max_capacity
    error_message = "fleet.min_capacity must be a whole number >= 0 and fleet.max_capacity a whole number >= 1."
  }

  validation {
    condition     = var.fleet.min_capacity <= var.fleet.max_capacity
    error_message = "fleet.min_capacity must not exceed fleet.max_capacity."
  }

  validation {
    condition     = var.fleet.max_capacity <= sum(concat([0], [for e in var.fleet.endpoints : e.max_instances * e.capacity_per_instance]))
    error_message = "fleet.max_capacity exceeds what the endpoints can hold (sum of max_instances x capacity_per_instance): raise max_instances or lower max_capacity."
  }

  validation {
    condition     = var.fleet.invocation_mode != "realtime" || (var.fleet.min_capacity >= 1 && alltrue([for e in var.fleet.endpoints : e.min_instances >= 1]))
    error_message = "A realtime fleet cannot scale to zero: fleet.min_capacity and every endpoint's min_instances must be >= 1 (only async endpoints can have zero instances)."
  }

  validation {
    condition     = var.fleet.activity_timeout_seconds >= 60 && var.fleet.capacity_retry_seconds >= 0 && var.fleet.router_cache_ttl_seconds >= 0 && var.fleet.router_cache_ttl_seconds <= 300
    error_message = "fleet.activity_timeout_seconds must be >= 60, capacity_retry_seconds >= 0 and router_cache_ttl_seconds between 0 and 300."
  }

  validation {
    condition     = var.fleet.max_failover_attempts >= 0 && var.fleet.max_failover_attempts <= 9 && floor(var.fleet.max_failover_attempts) == var.fleet.max_failover_attempts
    error_message = "fleet.max_failover_attempts must be a whole number between 0 and 9."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name. null uses \"<fleet.name>-fleet\"."
  type        = string
  default     = null

  validation {
    condition     = var.name_prefix == null || can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,27}$", coalesce(var.name_prefix, "x")))
    error_message = "name_prefix must be 1-28 letters, digits or '-', starting with a letter or digit (function names are limited to 64 characters)."
  }
}

variable "tags" {
  description = "Tags added to every resource the module creates."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the state table, log groups, dead-letter queues, function environments (and endpoints when create_endpoints; the fleet queue, completion queue and topic in queue mode). null uses AWS managed encryption everywhere (SSE-SQS for queues). The key policy must allow logs.<region>.amazonaws.com and events.amazonaws.com, and in queue mode sns.amazonaws.com (delivery to the completion queue) and the endpoints' SageMaker execution role (publishing to the completion topic)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-zA-Z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", coalesce(var.kms_key_arn, "x")))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>) or null."
  }
}

# ---------------------------------------------------------------------------------------
# Autoscaling
# ---------------------------------------------------------------------------------------

variable "scaling_signal" {
  description = "What target tracking follows on an async fleet: \"load\" = (requests arriving per minute at the router + requests waiting or in flight on every endpoint) / in-service capacity units, held near load_target_value, with a fast scale-out step and a scale-from-zero step sized to the waiting work; \"backlog\" = scaling_metric (MAX ApproximateBacklogSizePerInstance) held near target_backlog_per_instance, with the HasBacklogWithoutCapacity wake-up. null: scaling_defaults.json (\"load\"). Realtime fleets always follow scaling_metric."
  type        = string
  default     = null

  validation {
    condition     = var.scaling_signal == null || contains(["load", "backlog"], coalesce(var.scaling_signal, "load"))
    error_message = "scaling_signal must be \"load\" or \"backlog\" (or null for the default in modules/fleet-autoscaling/scaling_defaults.json)."
  }
}

variable "load_target_value" {
  description = "Target of the load signal: requests arriving per minute plus requests waiting / load_backlog_minutes, per in-service capacity unit. Lower serves faster at more cost. null: scaling_defaults.json (load_target_value_queue 5.5 with dispatch = \"queue\", load_target_value_direct 5 otherwise; README, Choosing the defaults)."
  type        = number
  default     = null

  validation {
    condition     = var.load_target_value == null || try(var.load_target_value > 0, false)
    error_message = "load_target_value must be greater than 0 (or null)."
  }
}

variable "load_backlog_minutes" {
  description = "Load signal: the requests waiting or in flight count as work to be served over this many minutes, load = (arrivals + backlog / load_backlog_minutes) / capacity; 1 counts the whole backlog as one minute's work (orders it again every minute while capacity is still being provisioned). null: scaling_defaults.json (load_backlog_minutes_direct 3, load_backlog_minutes_queue 1: queue mode's 1.2x-the-oracle wait target needs the whole queue counted; README, Choosing the defaults)."
  type        = number
  default     = null

  validation {
    condition     = var.load_backlog_minutes == null || try(var.load_backlog_minutes >= 1 && var.load_backlog_minutes <= 15, false)
    error_message = "load_backlog_minutes must be between 1 and 15 minutes (or null for the default)."
  }
}

variable "load_keep_up_waiting" {
  description = "Queue mode (dispatch = \"queue\"), load signal: while fewer requests wait than this many per in-service capacity unit (the endpoints' backlog beyond one in service per unit, plus the fleet queue), target tracking reads the load at most at load_target_value, so the noise of a steady load's arrivals does not ratchet capacity up; 0 turns this off. Ignored in direct mode. null: scaling_defaults.json (load_keep_up_waiting_queue 1; README, Choosing the defaults)."
  type        = number
  default     = null

  validation {
    condition     = var.load_keep_up_waiting == null || try(var.load_keep_up_waiting >= 0 && var.load_keep_up_waiting <= 10, false)
    error_message = "load_keep_up_waiting must be between 0 (off) and 10 requests per in-service unit (or null for the default)."
  }
}

variable "target_backlog_per_instance" {
  description = "Target of the backlog signal (and of realtime fleets): the fleet metric (by default the MAX over endpoints of ApproximateBacklogSizePerInstance, or InvocationsPerInstance for realtime) is held near this value. null: scaling_defaults.json backlog_target_value."
  type        = number
  default     = null

  validation {
    condition     = var.target_backlog_per_instance == null || try(var.target_backlog_per_instance > 0, false)
    error_message = "target_backlog_per_instance must be greater than 0 (or null)."
  }
}

variable "scale_out_cooldown_seconds" {
  description = "Cooldown after a scale-out, seconds (target tracking and the fast step). null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.scale_out_cooldown_seconds == null || try(var.scale_out_cooldown_seconds >= 0 && var.scale_out_cooldown_seconds <= 86400, false)
    error_message = "scale_out_cooldown_seconds must be between 0 and 86400 (or null)."
  }
}

variable "scale_in_cooldown_seconds" {
  description = "Cooldown after a scale-in, seconds. null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.scale_in_cooldown_seconds == null || try(var.scale_in_cooldown_seconds >= 0 && var.scale_in_cooldown_seconds <= 86400, false)
    error_message = "scale_in_cooldown_seconds must be between 0 and 86400 (or null)."
  }
}

variable "fast_scale_out_ratio" {
  description = "Load signal: the fast scale-out step fires when load > ratio x load_target_value and grows capacity to about actual x load x fast_scale_out_headroom / target at once. null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.fast_scale_out_ratio == null || try(var.fast_scale_out_ratio > 1 && var.fast_scale_out_ratio <= 10, false)
    error_message = "fast_scale_out_ratio must be greater than 1 and at most 10 (or null)."
  }
}

variable "fast_scale_out_evaluation_periods" {
  description = "Load signal: 60-second datapoints above the fast threshold before the fast step fires (1 = the first). null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.fast_scale_out_evaluation_periods == null || contains([1, 2, 3, 4, 5], coalesce(var.fast_scale_out_evaluation_periods, 1))
    error_message = "fast_scale_out_evaluation_periods must be 1 to 5 (or null)."
  }
}

variable "fast_scale_out_headroom" {
  description = "Load signal: the fast scale-out step (and the burst alarm that runs it) sizes a burst as if load_target_value were load_target_value / headroom: at load m x target it grows capacity to about actual x m x headroom at once; target tracking then settles the fleet at load_target_value. 1: as target tracking would. null: scaling_defaults.json (fast_scale_out_headroom_queue 1.75, fast_scale_out_headroom_direct 1)."
  type        = number
  default     = null

  validation {
    condition     = var.fast_scale_out_headroom == null || try(var.fast_scale_out_headroom >= 1 && var.fast_scale_out_headroom <= 4, false)
    error_message = "fast_scale_out_headroom must be from 1 to 4 (or null): below 1 the step would order less than target tracking, above 4 a burst orders more than four times what the target needs."
  }
}

variable "fast_scale_out_min_capacity" {
  description = "Load signal: the fast scale-out alarm only breaches while the fleet's InServiceCapacity is at least this many units (0 or 1: always; a smaller fleet is left to target tracking and the burst alarm). null: scaling_defaults.json (fast_scale_out_min_capacity_queue 2, fast_scale_out_min_capacity_direct 0)."
  type        = number
  default     = null

  validation {
    condition     = var.fast_scale_out_min_capacity == null || try(floor(var.fast_scale_out_min_capacity) == var.fast_scale_out_min_capacity && var.fast_scale_out_min_capacity >= 0 && var.fast_scale_out_min_capacity <= 10, false)
    error_message = "fast_scale_out_min_capacity must be an integer from 0 to 10 (or null): a larger fleet's load is not doubled by chance, and a higher gate only delays its scale-out."
  }
}

variable "burst_evaluation_periods" {
  description = "Datapoints (burst_signal_seconds each) of the burst signal above the fast threshold before the burst alarm runs the fast scale-out step (1-6): the dispatcher's OutstandingPerCapacity in queue mode, the router's RoutedPerCapacity per minute in direct mode. null: scaling_defaults.json (burst_evaluation_periods_queue 2, burst_evaluation_periods_direct 4: the router's arrivals per period are noisier at light traffic)."
  type        = number
  default     = null

  validation {
    condition     = var.burst_evaluation_periods == null || contains([1, 2, 3, 4, 5, 6], coalesce(var.burst_evaluation_periods, 1))
    error_message = "burst_evaluation_periods must be an integer from 1 to 6 (or null)."
  }
}

variable "burst_signal_seconds" {
  description = "Async fleets on the load signal, both dispatch modes: the period of the burst signal and of the burst scale-out alarm, seconds; 0 turns both off. The signal is a high-resolution metric per in-service capacity unit (namespace metrics_namespace, dimension Fleet): in queue mode the dispatcher publishes OutstandingPerCapacity (requests in the fleet queue or in flight) every this many seconds (FLEET_CONFIG queue.signal_seconds); in direct mode the router logs RoutedPerCapacity for each request it routes (embedded metric format, FLEET_CONFIG burst_signal) and the alarm reads its Sum per period, per minute. The alarm runs the fast scale-out step within seconds of a burst. 10, 20 or 30 (the periods of a high-resolution alarm) or 0."
  type        = number
  default     = 10

  validation {
    condition     = contains([0, 10, 20, 30], var.burst_signal_seconds)
    error_message = "burst_signal_seconds must be 0 (off), 10, 20 or 30: CloudWatch accepts a period under 60 s only of 10, 20 or 30 s (PutMetricAlarm Period), for metrics published with StorageResolution 1."
  }
}

variable "fast_scale_in_ratio" {
  description = "Load signal: the fast scale-in step fires when load < ratio x load_target_value for fast_scale_in_evaluation_periods datapoints (0: no fast scale-in step). null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.fast_scale_in_ratio == null || try(var.fast_scale_in_ratio == 0 || (var.fast_scale_in_ratio > 0 && var.fast_scale_in_ratio <= 0.6), false)
    error_message = "fast_scale_in_ratio must be 0 (off) or greater than 0 and at most 0.6 (or null)."
  }
}

variable "fast_scale_in_evaluation_periods" {
  description = "Load signal: 60-second datapoints below the fast scale-in threshold before the fast scale-in step fires. null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.fast_scale_in_evaluation_periods == null || try(floor(var.fast_scale_in_evaluation_periods) == var.fast_scale_in_evaluation_periods && var.fast_scale_in_evaluation_periods >= 1 && var.fast_scale_in_evaluation_periods <= 10, false)
    error_message = "fast_scale_in_evaluation_periods must be an integer from 1 to 10 (or null)."
  }
}

variable "fast_scale_in_cooldown_seconds" {
  description = "Load signal: cooldown of the fast scale-in step, seconds. null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.fast_scale_in_cooldown_seconds == null || try(floor(var.fast_scale_in_cooldown_seconds) == var.fast_scale_in_cooldown_seconds && var.fast_scale_in_cooldown_seconds >= 60 && var.fast_scale_in_cooldown_seconds <= 3600, false)
    error_message = "fast_scale_in_cooldown_seconds must be an integer from 60 to 3600 (or null)."
  }
}

variable "fast_scale_in_min_capacity" {
  description = "Load signal: the fast scale-in alarm only breaches while the fleet's InServiceCapacity is at least this many units (smaller fleets are left to target tracking). null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.fast_scale_in_min_capacity == null || try(floor(var.fast_scale_in_min_capacity) == var.fast_scale_in_min_capacity && var.fast_scale_in_min_capacity >= 3, false)
    error_message = "fast_scale_in_min_capacity must be an integer of at least 3 (or null): below 3 units a step that removes one unit can double the load and target tracking scales straight back out."
  }
}

variable "fast_scale_in_max_percent" {
  description = "Load signal: the fast scale-in step's deepest removal, percent: 66 (steps -33/-50/-66 %), 85 (adds -85 % at load <= T/5) or 93 (adds -85 % and -93 % at load <= T/10), T = fast_scale_in_ratio x load_target_value; each step leaves the load below 0.9 x the target. null: scaling_defaults.json (fast_scale_in_max_percent_queue 93, fast_scale_in_max_percent_direct 66)."
  type        = number
  default     = null

  validation {
    condition     = var.fast_scale_in_max_percent == null || contains([66, 85, 93], coalesce(var.fast_scale_in_max_percent, 0))
    error_message = "fast_scale_in_max_percent must be 66, 85 or 93 (or null): the fast scale-in steps are -33, -50, -66, -85 and -93 %, each sized so that target tracking does not scale straight back out."
  }
}

variable "steady_scale_in_ratio" {
  description = "Load signal: the steady scale-in step fires when load < ratio x load_target_value on steady_scale_in_datapoints of steady_scale_in_evaluation_periods datapoints (M of N, so one noisy minute does not restart the count as it does target tracking's 15 of 15); 0: no steady scale-in step. null: scaling_defaults.json (steady_scale_in_ratio 0.8; off on a fleet whose steady scale-in alarm would read more than 10 metrics: more than 7 endpoints, 6 in queue mode)."
  type        = number
  default     = null

  validation {
    condition     = var.steady_scale_in_ratio == null || try(var.steady_scale_in_ratio == 0 || (var.steady_scale_in_ratio > 0 && var.steady_scale_in_ratio <= 0.8), false)
    error_message = "steady_scale_in_ratio must be 0 (off) or greater than 0 and at most 0.8 (or null): above 0.8 x the target the step's 15 % removal can leave the load above the target, and target tracking scales straight back out."
  }
}

variable "steady_scale_in_datapoints" {
  description = "Load signal: how many of the last steady_scale_in_evaluation_periods 60-second datapoints must be below the steady scale-in threshold (the alarm's datapoints_to_alarm, M of N). null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.steady_scale_in_datapoints == null || try(floor(var.steady_scale_in_datapoints) == var.steady_scale_in_datapoints && var.steady_scale_in_datapoints >= 1 && var.steady_scale_in_datapoints <= 30, false)
    error_message = "steady_scale_in_datapoints must be an integer from 1 to 30 (or null), and at most steady_scale_in_evaluation_periods."
  }
}

variable "steady_scale_in_evaluation_periods" {
  description = "Load signal: the 60-second datapoints the steady scale-in alarm evaluates (its evaluation_periods, N of M of N). null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.steady_scale_in_evaluation_periods == null || try(floor(var.steady_scale_in_evaluation_periods) == var.steady_scale_in_evaluation_periods && var.steady_scale_in_evaluation_periods >= 1 && var.steady_scale_in_evaluation_periods <= 30, false)
    error_message = "steady_scale_in_evaluation_periods must be an integer from 1 to 30 (or null)."
  }
}

variable "steady_scale_in_cooldown_seconds" {
  description = "Load signal: cooldown of the steady scale-in step, seconds. null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.steady_scale_in_cooldown_seconds == null || try(floor(var.steady_scale_in_cooldown_seconds) == var.steady_scale_in_cooldown_seconds && var.steady_scale_in_cooldown_seconds >= 60 && var.steady_scale_in_cooldown_seconds <= 3600, false)
    error_message = "steady_scale_in_cooldown_seconds must be an integer from 60 to 3600 (or null)."
  }
}

variable "steady_scale_in_min_capacity" {
  description = "Load signal: the steady scale-in alarm only breaches while the fleet's InServiceCapacity is at least this many units; it must exceed 1 / (1 - steady_scale_in_ratio) (6 at 0.8), so that removing one unit leaves the load below the target. null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.steady_scale_in_min_capacity == null || try(floor(var.steady_scale_in_min_capacity) == var.steady_scale_in_min_capacity && var.steady_scale_in_min_capacity >= 2, false)
    error_message = "steady_scale_in_min_capacity must be an integer of at least 2 (or null), and above 1 / (1 - steady_scale_in_ratio)."
  }
}

variable "scaling_metric" {
  description = "Per-endpoint metric of target tracking and the metric-math function that combines the endpoints. metric_name null: ApproximateBacklogSizePerInstance (async) or InvocationsPerInstance (realtime); variant_dimension null: true for realtime."
  type = object({
    namespace         = optional(string, "AWS/SageMaker")
    metric_name       = optional(string)
    statistic         = optional(string, "Average")
    aggregation       = optional(string, "MAX")
    variant_dimension = optional(bool)
  })
  default = {}

  validation {
    condition     = contains(["Average", "Maximum", "Minimum", "Sum", "SampleCount"], var.scaling_metric.statistic)
    error_message = "scaling_metric.statistic must be Average, Maximum, Minimum, Sum or SampleCount."
  }

  validation {
    condition     = contains(["MAX", "MIN", "AVG", "SUM"], var.scaling_metric.aggregation)
    error_message = "scaling_metric.aggregation must be MAX, MIN, AVG or SUM."
  }
}

variable "disable_scale_in" {
  description = "Let target tracking only scale out."
  type        = bool
  default     = false
}

variable "scale_from_zero_capacity" {
  description = "Backlog signal only: capacity units the scale-from-zero step adds when MAX(HasBacklogWithoutCapacity) >= 1 (async fleets with min_capacity 0). The load signal adds floor(waiting work / load_target_value) + 1 instead."
  type        = number
  default     = 1

  validation {
    condition     = var.scale_from_zero_capacity >= 1 && floor(var.scale_from_zero_capacity) == var.scale_from_zero_capacity
    error_message = "scale_from_zero_capacity must be a whole number >= 1."
  }
}

variable "scale_from_zero_evaluation_periods" {
  description = "60-second datapoints that must breach before scale-from-zero fires (1 = wake on the first minute with work waiting). null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.scale_from_zero_evaluation_periods == null || contains([1, 2, 3, 4, 5], coalesce(var.scale_from_zero_evaluation_periods, 1))
    error_message = "scale_from_zero_evaluation_periods must be 1 to 5 (or null)."
  }
}

variable "scale_from_zero_cooldown_seconds" {
  description = "Cooldown of the scale-from-zero step policy, seconds. null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.scale_from_zero_cooldown_seconds == null || try(var.scale_from_zero_cooldown_seconds >= 0 && var.scale_from_zero_cooldown_seconds <= 86400, false)
    error_message = "scale_from_zero_cooldown_seconds must be between 0 and 86400 (or null)."
  }
}

variable "drain_timeout_seconds" {
  description = "An endpoint's last instances leave only when its backlog is 0 or this long after the drain started (FLEET_CONFIG drain_timeout_seconds). null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.drain_timeout_seconds == null || try(var.drain_timeout_seconds >= 0 && var.drain_timeout_seconds <= 86400 && floor(var.drain_timeout_seconds) == var.drain_timeout_seconds, false)
    error_message = "drain_timeout_seconds must be a whole number between 0 and 86400 (or null)."
  }
}

variable "scale_to_zero_idle_seconds" {
  description = "The scale-to-zero guard: a plan of 0 capacity keeps the fleet's smallest capacity until the fleet has had no arrivals (router Count) and no waiting work for this long (FLEET_CONFIG scale_to_zero_idle_seconds; 0 disables the guard). null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.scale_to_zero_idle_seconds == null || try(var.scale_to_zero_idle_seconds >= 0 && var.scale_to_zero_idle_seconds <= 86400 && floor(var.scale_to_zero_idle_seconds) == var.scale_to_zero_idle_seconds, false)
    error_message = "scale_to_zero_idle_seconds must be a whole number between 0 and 86400 (or null)."
  }
}

variable "trim_hold_seconds" {
  description = "Make before break after growth: no endpoint is scaled in until this long after the fleet's serving capacity last grew, so a trim never puts an endpoint in Updating just before the burst the next datapoint shows (FLEET_CONFIG trim_hold_seconds; 0 trims at once). null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.trim_hold_seconds == null || try(var.trim_hold_seconds >= 0 && var.trim_hold_seconds <= 3600 && floor(var.trim_hold_seconds) == var.trim_hold_seconds, false)
    error_message = "trim_hold_seconds must be a whole number between 0 and 3600 (or null)."
  }
}

variable "backlog_max_age_seconds" {
  description = "The router ignores a stored per-endpoint backlog older than this (FLEET_CONFIG backlog_max_age_seconds). null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.backlog_max_age_seconds == null || try(var.backlog_max_age_seconds >= 60 && var.backlog_max_age_seconds <= 3600 && floor(var.backlog_max_age_seconds) == var.backlog_max_age_seconds, false)
    error_message = "backlog_max_age_seconds must be a whole number between 60 and 3600 (or null)."
  }
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the control plane's metrics: InServiceCapacity/DesiredCapacity and the router's RoutedPerCapacity (embedded metric format), the dispatcher's OutstandingPerCapacity (PutMetricData) and the decision-log metric filters (FLEET_CONFIG metrics_namespace)."
  type        = string
  default     = "SageMakerFleet"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/#:-]{1,255}$", var.metrics_namespace)) && !startswith(var.metrics_namespace, "AWS/")
    error_message = "metrics_namespace must be 1-255 letters, digits or . _ / # : - and must not start with AWS/ (reserved for AWS services)."
  }
}

variable "scheduled_actions" {
  description = "Scheduled changes of the fleet's min and/or max capacity (capacity units), for known peaks: name, schedule as at(yyyy-mm-ddThh:mm:ss), rate(<n> <unit>) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>), IANA timezone (default UTC), optional start_time/end_time (UTC)."
  type = list(object({
    name         = string
    schedule     = string
    timezone     = optional(string, "UTC")
    min_capacity = optional(number)
    max_capacity = optional(number)
    start_time   = optional(string)
    end_time     = optional(string)
  }))
  default = []

  validation {
    condition     = alltrue([for a in var.scheduled_actions : can(regex("^[A-Za-z0-9_-]{1,200}$", a.name))]) && length(distinct([for a in var.scheduled_actions : a.name])) == length(var.scheduled_actions)
    error_message = "scheduled_actions[*].name must be unique, 1-200 letters, digits, '_' or '-'."
  }

  validation {
    condition = alltrue([for a in var.scheduled_actions : can(regex(
      "^(at\\([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\)|rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|cron\\([^ ]+ [^ ]+ [^ ]+ [^ ]+ [^ ]+ [^ ]+\\))$", a.schedule
    ))])
    error_message = "scheduled_actions[*].schedule must be at(yyyy-mm-ddThh:mm:ss), rate(<n> minute(s)|hour(s)|day(s)) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) (six fields, Application Auto Scaling's cron syntax)."
  }

  validation {
    condition = alltrue([
      for a in var.scheduled_actions : (a.min_capacity != null || a.max_capacity != null) &&
      (a.min_capacity == null ? true : a.min_capacity >= 0 && floor(a.min_capacity) == a.min_capacity) &&
      (a.max_capacity == null ? true : a.max_capacity >= 0 && floor(a.max_capacity) == a.max_capacity) &&
      (a.min_capacity == null || a.max_capacity == null ? true : a.min_capacity <= a.max_capacity)
    ])
    error_message = "scheduled_actions[*] must set min_capacity and/or max_capacity, whole numbers >= 0, with min_capacity <= max_capacity."
  }
}

# ---------------------------------------------------------------------------------------
# Dispatch: direct (each request to one endpoint's own queue) or queue (one fleet queue)
# ---------------------------------------------------------------------------------------

variable "dispatch" {
  description = "How an async fleet's requests reach the endpoints: \"direct\" (the router sends each request to one endpoint's own async queue) or \"queue\" (the router puts every request on one SQS queue per fleet, and a dispatcher sends it to an endpoint only while that endpoint has room: late binding). \"queue\" needs an async fleet and the load signal. FLEET_CONFIG dispatch."
  type        = string
  default     = "direct"

  validation {
    condition     = contains(["direct", "queue"], var.dispatch)
    error_message = "dispatch must be \"direct\" or \"queue\"."
  }
}

variable "dispatch_room_per_capacity" {
  description = "Queue mode: requests outstanding (waiting in the endpoint or in flight) that the dispatcher lets an endpoint hold per in-service capacity unit (k, FLEET_CONFIG queue.room_per_capacity). Lower keeps more work in the fleet queue, where any endpoint can take it; higher keeps instances busy between dispatcher rounds."
  type        = number
  default     = 2

  validation {
    condition     = var.dispatch_room_per_capacity > 0 && var.dispatch_room_per_capacity <= 1000
    error_message = "dispatch_room_per_capacity must be greater than 0 (and at most 1000)."
  }
}

variable "dispatch_max_receive_count" {
  description = "Queue mode: dispatch attempts of one request before SQS moves it to the dead-letter queue (the fleet queue's redrive maxReceiveCount). The dispatcher receives a request only when an endpoint has room, so waiting for capacity never counts."
  type        = number
  default     = 5

  validation {
    condition     = var.dispatch_max_receive_count >= 1 && var.dispatch_max_receive_count <= 1000 && floor(var.dispatch_max_receive_count) == var.dispatch_max_receive_count
    error_message = "dispatch_max_receive_count must be a whole number from 1 to 1000 (the range of an SQS redrive policy's maxReceiveCount)."
  }
}

variable "dispatch_run_seconds" {
  description = "Queue mode: how long one scheduled dispatcher invocation keeps dispatching, seconds (FLEET_CONFIG queue.run_seconds). It runs once a minute with reserved concurrency 1: at 58 the next minute's invocation, throttled while this one finishes its last round, runs about a second later (Lambda retries a throttled asynchronous event after 1 s, 2 s, ... within its 60 s maximum age); with less the fleet queue waits undispatched for the rest of each minute (60 - run_seconds s). Its Lambda timeout is run_seconds + 30 (room for the last round) and the queues' visibility timeout 30 s longer still."
  type        = number
  default     = 58

  validation {
    condition     = var.dispatch_run_seconds >= 1 && var.dispatch_run_seconds <= 840 && floor(var.dispatch_run_seconds) == var.dispatch_run_seconds
    error_message = "dispatch_run_seconds must be a whole number from 1 to 840 (FLEET_CONFIG queue.run_seconds; the dispatcher's Lambda timeout, run_seconds + 30, stays within 900)."
  }
}

variable "dispatch_output_path" {
  description = "Queue mode with endpoints the module does not create: the S3OutputPath every fleet endpoint shares (s3://bucket/prefix), where each output lands as <InferenceId>.out. The dispatcher refuses to dispatch while an endpoint's configuration names another path. With create_endpoints, leave null: endpoint_deployment.s3_output_path is the shared path."
  type        = string
  default     = null

  validation {
    condition     = var.dispatch_output_path == null || can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$", coalesce(var.dispatch_output_path, "x")))
    error_message = "dispatch_output_path must be an s3://bucket[/prefix] URI or null."
  }
}

variable "dispatch_failure_path" {
  description = "Queue mode with endpoints the module does not create: the S3FailurePath every fleet endpoint shares, or null when they have none. With create_endpoints, leave null: endpoint_deployment.s3_failure_path is the shared path."
  type        = string
  default     = null

  validation {
    condition     = var.dispatch_failure_path == null || can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$", coalesce(var.dispatch_failure_path, "x")))
    error_message = "dispatch_failure_path must be an s3://bucket[/prefix] URI or null."
  }
}

variable "dispatch_completion_topic_arns" {
  description = "Queue mode with endpoints the module does not create: the SNS topics those endpoints notify on success and error (AsyncInferenceConfig NotificationConfig); the completion queue subscribes to each. Empty: the module creates a completion topic (output fleet_completion_topic_arn) for them to notify. With create_endpoints, leave empty: the module's endpoints notify the module's topic."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.dispatch_completion_topic_arns : can(regex("^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]+$", arn))])
    error_message = "dispatch_completion_topic_arns must be SNS topic ARNs (arn:<partition>:sns:<region>:<account>:<name>)."
  }
}

variable "dispatch_queue_age_alarm_seconds" {
  description = "Queue mode: the alarm on the fleet queue fires when its oldest request has waited this long, seconds (ApproximateAgeOfOldestMessage). Leave room for a scale-from-zero start."
  type        = number
  default     = 1800

  validation {
    condition     = var.dispatch_queue_age_alarm_seconds >= 60 && var.dispatch_queue_age_alarm_seconds <= 1209600
    error_message = "dispatch_queue_age_alarm_seconds must be between 60 and 1209600 (14 days, the longest a message stays in SQS)."
  }
}

# ---------------------------------------------------------------------------------------
# Events and reconcile
# ---------------------------------------------------------------------------------------

variable "reconcile_schedule" {
  description = "Schedule expression of the reconciler (it also reads every endpoint's backlog for the router). null: scaling_defaults.json."
  type        = string
  default     = null

  validation {
    condition     = var.reconcile_schedule == null || can(regex("^(rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|cron\\(.+\\))$", coalesce(var.reconcile_schedule, "x")))
    error_message = "reconcile_schedule must be rate(<n> minute(s)|hour(s)|day(s)) or cron(...)."
  }
}

variable "event_retry_attempts" {
  description = "EventBridge retries of a failed delivery to the events function or the reconciler (0-185)."
  type        = number
  default     = 8

  validation {
    condition     = var.event_retry_attempts >= 0 && var.event_retry_attempts <= 185
    error_message = "event_retry_attempts must be between 0 and 185."
  }
}

variable "event_maximum_age_seconds" {
  description = "Oldest event EventBridge still delivers, seconds (60-86400)."
  type        = number
  default     = 3600

  validation {
    condition     = var.event_maximum_age_seconds >= 60 && var.event_maximum_age_seconds <= 86400
    error_message = "event_maximum_age_seconds must be between 60 and 86400."
  }
}

# ---------------------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------------------

variable "lambda" {
  description = "Runtime, architecture, tracing, log level and per-function memory (MB), timeout (s) and reserved concurrency (-1 = unreserved, the default: reserving needs an account concurrency quota of 100 + the sum of the reservations, and new accounts may have 10). router.timeout (default 28) is the router's time budget: at least 3 s and below router_api.integration_timeout_milliseconds."
  type = object({
    runtime               = optional(string, "python3.12")
    architecture          = optional(string, "arm64")
    tracing_mode          = optional(string, "Active")
    application_log_level = optional(string, "INFO")
    router = optional(object({
      memory_size                    = optional(number, 256)
      timeout                        = optional(number, 28)
      reserved_concurrent_executions = optional(number, -1)
    }), {})
    scaling_api = optional(object({
      memory_size                    = optional(number, 256)
      timeout                        = optional(number, 28)
      reserved_concurrent_executions = optional(number, -1)
    }), {})
    endpoint_events = optional(object({
      memory_size                    = optional(number, 256)
      timeout                        = optional(number, 60)
      reserved_concurrent_executions = optional(number, -1)
    }), {})
    reconciler = optional(object({
      memory_size                    = optional(number, 256)
      timeout                        = optional(number, 120)
      reserved_concurrent_executions = optional(number, -1)
    }), {})
  })
  default = {}

  validation {
    condition     = contains(["python3.11", "python3.12", "python3.13", "python3.14"], var.lambda.runtime)
    error_message = "lambda.runtime must be python3.11, python3.12, python3.13 or python3.14 (the control plane needs Python 3.11+)."
  }

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda.architecture) && contains(["Active", "PassThrough"], var.lambda.tracing_mode)
    error_message = "lambda.architecture must be arm64 or x86_64, and lambda.tracing_mode Active or PassThrough."
  }

  validation {
    condition = alltrue([
      for fn in [var.lambda.router, var.lambda.scaling_api, var.lambda.endpoint_events, var.lambda.reconciler] :
      fn.memory_size >= 128 && fn.memory_size <= 10240 && fn.timeout >= 1 && fn.timeout <= 900 && fn.reserved_concurrent_executions >= -1
    ])
    error_message = "Each lambda.<function> needs memory_size 128-10240, timeout 1-900 and reserved_concurrent_executions -1 (unreserved) or more."
  }

  validation {
    # Each attempt's read timeout is the time left minus 1 s to answer and 1 s to connect,
    # and at least 1 s (fleet_autoscaler.routing.attempt_read_timeout).
    condition     = var.lambda.router.timeout >= 3 && floor(var.lambda.router.timeout) == var.lambda.router.timeout
    error_message = "lambda.router.timeout must be a whole number of seconds, at least 3: the router keeps 1 s to answer and 1 s to connect, and an attempt needs at least 1 s to read."
  }

  validation {
    # The scaling API's integration keeps API Gateway's default 29 s timeout; a function
    # allowed to run longer would be cut off by API Gateway (a 504 to Application Auto Scaling).
    condition     = var.lambda.scaling_api.timeout < 29
    error_message = "lambda.scaling_api.timeout must be below 29 s, the scaling API's integration timeout (default 28)."
  }
}

variable "log_retention_days" {
  description = "Retention of every log group (functions and API access logs), days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "state_table_deletion_protection" {
  description = "Protect the state table against deletion."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------------------------------
# APIs
# ---------------------------------------------------------------------------------------

variable "router_api" {
  description = "Router API stage: name, throttling, execution logging level, X-Ray, the principals allowed to call it (empty: no resource policy; IAM identity policies decide), and integration_timeout_milliseconds, how long API Gateway waits for the router (50-300000 ms, default 29000; above 29000 needs a Service Quotas increase of the account's integration timeout, see README). lambda.router.timeout must stay below it."
  type = object({
    stage_name                       = optional(string, "live")
    throttling_burst_limit           = optional(number, 500)
    throttling_rate_limit            = optional(number, 1000)
    logging_level                    = optional(string, "ERROR")
    xray_tracing_enabled             = optional(bool, true)
    allowed_principal_arns           = optional(list(string), [])
    integration_timeout_milliseconds = optional(number, 29000)
  })
  default = {}

  validation {
    # 50 ms to 29 s; the router API is a Regional REST API, which may wait up to 300 s once
    # the account's integration-timeout quota is raised (API Gateway API reference,
    # Integration timeoutInMillis; provider docs, aws_api_gateway_integration
    # timeout_milliseconds: "between 50 and 300,000 milliseconds").
    condition     = var.router_api.integration_timeout_milliseconds >= 50 && var.router_api.integration_timeout_milliseconds <= 300000 && floor(var.router_api.integration_timeout_milliseconds) == var.router_api.integration_timeout_milliseconds
    error_message = "router_api.integration_timeout_milliseconds must be a whole number from 50 to 300000. Above 29000 (29 s), first raise the account's API Gateway quota \"Maximum integration timeout in milliseconds\" in Service Quotas (it may lower the account's throttle quota)."
  }

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,128}$", var.router_api.stage_name)) && contains(["OFF", "ERROR", "INFO"], var.router_api.logging_level)
    error_message = "router_api.stage_name must be 1-128 letters, digits, '-' or '_', and logging_level OFF, ERROR or INFO."
  }

  validation {
    condition     = var.router_api.throttling_burst_limit >= 0 && var.router_api.throttling_rate_limit >= 0
    error_message = "router_api throttling limits must be 0 or more."
  }

  validation {
    condition     = alltrue([for p in var.router_api.allowed_principal_arns : can(regex("^arn:aws[a-zA-Z-]*:(iam|sts)::", p))])
    error_message = "router_api.allowed_principal_arns must be IAM or STS ARNs."
  }
}

variable "scaling_api" {
  description = "Scaling API stage: name, throttling, logging level, X-Ray, and the deployer principals (role ARNs) allowed to call it next to the custom-resource service-linked role (whoever runs `terraform apply`: RegisterScalableTarget calls the API with the caller's credentials). Empty: the role of the caller that runs `terraform apply`."
  type = object({
    stage_name              = optional(string, "live")
    throttling_burst_limit  = optional(number, 20)
    throttling_rate_limit   = optional(number, 10)
    logging_level           = optional(string, "ERROR")
    xray_tracing_enabled    = optional(bool, true)
    deployer_principal_arns = optional(list(string), [])
  })
  default = {}

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,128}$", var.scaling_api.stage_name)) && contains(["OFF", "ERROR", "INFO"], var.scaling_api.logging_level)
    error_message = "scaling_api.stage_name must be 1-128 letters, digits, '-' or '_', and logging_level OFF, ERROR or INFO."
  }

  validation {
    condition     = var.scaling_api.throttling_burst_limit >= 0 && var.scaling_api.throttling_rate_limit >= 0
    error_message = "scaling_api throttling limits must be 0 or more."
  }

  validation {
    condition     = alltrue([for p in var.scaling_api.deployer_principal_arns : can(regex("^arn:aws[a-zA-Z-]*:(iam|sts)::", p))])
    error_message = "scaling_api.deployer_principal_arns must be IAM or STS ARNs."
  }

  validation {
    condition     = alltrue([for p in var.scaling_api.deployer_principal_arns : !can(regex("^arn:aws[a-zA-Z-]*:sts::[0-9]{12}:assumed-role/", p))])
    error_message = "scaling_api.deployer_principal_arns must hold the role ARN (arn:aws:iam::<account>:role/<name>), not an assumed-role session ARN (arn:aws:sts::<account>:assumed-role/...): aws:PrincipalArn is always the role's ARN. data.aws_iam_session_context.current.issuer_arn gives it."
  }
}

variable "create_api_gateway_account_role" {
  description = "Create the account-wide API Gateway CloudWatch Logs role (aws_api_gateway_account). Stage logging (api_stage_logging) fails with \"CloudWatch Logs role ARN must be set in account settings\" without one: set true in a fresh account, leave false when the account already has one (it is one setting per account and region)."
  type        = bool
  default     = false
}

variable "api_stage_logging" {
  description = "Access logs and execution logging (router_api/scaling_api logging_level) on both API stages. Both need the account's API Gateway CloudWatch Logs role (create_api_gateway_account_role, or one the account already has); false turns stage logging off."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------------------------------
# Observability
# ---------------------------------------------------------------------------------------

variable "alarm_actions" {
  description = "ARNs (for example SNS topics) notified when an operational alarm goes to ALARM or back to OK."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.alarm_actions : can(regex("^arn:aws[a-zA-Z-]*:", a))])
    error_message = "alarm_actions must be ARNs."
  }
}

variable "create_alarms" {
  description = "Create the operational alarms (function errors, dead letters, failed scaling activities, router 5XX)."
  type        = bool
  default     = true
}

variable "create_dashboard" {
  description = "Create the fleet's CloudWatch dashboard."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------------------------------
# Optional async endpoints
# ---------------------------------------------------------------------------------------

variable "create_endpoints" {
  description = "Create the fleet's endpoints as asynchronous SageMaker endpoints (needs endpoint_deployment and an async fleet)."
  type        = bool
  default     = false
}

variable "endpoint_deployment" {
  description = "How to create the endpoints when create_endpoints is true: image and role, the instance type of every fleet endpoint (by name), async output settings. kms_key_arn (default: the root kms_key_arn) encrypts the async outputs; volume_kms_key_arn (default null) the ML storage volumes, and must stay null for instance types with local NVMe storage (ml.g4dn, ml.g5, ml.g6, ...)."
  type = object({
    image_uri                               = string
    execution_role_arn                      = string
    instance_types                          = map(string)
    model_data_url                          = optional(string)
    environment                             = optional(map(string), {})
    enable_network_isolation                = optional(bool, true)
    initial_instance_count                  = optional(number, 1)
    s3_output_path                          = string
    s3_failure_path                         = optional(string)
    success_topic_arn                       = optional(string)
    error_topic_arn                         = optional(string)
    max_concurrent_invocations_per_instance = optional(number, 1)
    kms_key_arn                             = optional(string)
    volume_kms_key_arn                      = optional(string)
  })
  default = null

  validation {
    condition     = var.endpoint_deployment == null || alltrue([for t in values(try(var.endpoint_deployment.instance_types, {})) : startswith(t, "ml.")])
    error_message = "endpoint_deployment.instance_types must map endpoint names to SageMaker instance types (ml.*)."
  }

  validation {
    condition     = var.endpoint_deployment == null || can(regex("^s3://", try(var.endpoint_deployment.s3_output_path, "")))
    error_message = "endpoint_deployment.s3_output_path must be an s3:// URI."
  }
}
