variable "name_prefix" {
  description = "Prefix of the policy and alarm names."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,63}$", var.name_prefix))
    error_message = "name_prefix must be 1-64 letters, digits or '-'."
  }
}

variable "resource_id" {
  description = "The scalable target's resource id: the scaling API stage invoke URL + /scalableTargetDimensions/<dimension_id>."
  type        = string
}

variable "invocation_mode" {
  description = "async or realtime: picks the default scaling metric and whether scale-from-zero is set up."
  type        = string
  default     = "async"

  validation {
    condition     = contains(["async", "realtime"], var.invocation_mode)
    error_message = "invocation_mode must be \"async\" or \"realtime\"."
  }
}

variable "endpoints" {
  description = "The fleet's endpoints (name and production variant); one metric per endpoint. CloudWatch allows at most 10 metrics in a metric-math alarm, hence 1-10, and at most 8 with the load signal (which also reads the router's Count and the fleet's capacity), 7 in queue mode (the fleet queue's depth too)."
  type = list(object({
    name    = string
    variant = optional(string, "AllTraffic")
  }))

  validation {
    condition     = length(var.endpoints) >= 1 && length(var.endpoints) <= 10
    error_message = "endpoints must hold 1 to 10 endpoints: CloudWatch allows at most 10 metrics in a metric-math alarm, one per endpoint."
  }
}

variable "min_capacity" {
  description = "Minimum desired capacity of the fleet, in capacity units."
  type        = number

  validation {
    condition     = var.min_capacity >= 0 && floor(var.min_capacity) == var.min_capacity
    error_message = "min_capacity must be a whole number >= 0."
  }
}

variable "max_capacity" {
  description = "Maximum desired capacity of the fleet, in capacity units."
  type        = number

  validation {
    condition     = var.max_capacity >= 1 && floor(var.max_capacity) == var.max_capacity
    error_message = "max_capacity must be a whole number >= 1."
  }
}

variable "scaling_metric" {
  description = "The per-endpoint metric of target tracking and how it is combined. metric_name null: ApproximateBacklogSizePerInstance (async) or InvocationsPerInstance (realtime); variant_dimension null: true for realtime."
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
    error_message = "scaling_metric.aggregation must be MAX, MIN, AVG or SUM (a metric-math function over the endpoints)."
  }
}

variable "target_value" {
  description = "Target value of target tracking. null: scaling_defaults.json, load_target_value_queue or load_target_value_direct (load signal, by dispatch mode) or backlog_target_value (backlog signal)."
  type        = number
  default     = null

  validation {
    condition     = var.target_value == null || try(var.target_value > 0, false)
    error_message = "target_value must be greater than 0 (or null for the default)."
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
  description = "Queue mode, load signal: while fewer requests wait than this many per in-service capacity unit (the endpoints' backlog beyond one in service per unit, plus the fleet queue), target tracking reads the load at most at its target, so the noise of a steady load's arrivals does not ratchet capacity up; 0 turns this off. Ignored in direct mode. null: scaling_defaults.json (load_keep_up_waiting_queue 1; README, Choosing the defaults)."
  type        = number
  default     = null

  validation {
    condition     = var.load_keep_up_waiting == null || try(var.load_keep_up_waiting >= 0 && var.load_keep_up_waiting <= 10, false)
    error_message = "load_keep_up_waiting must be between 0 (off) and 10 requests per in-service unit (or null for the default)."
  }
}

variable "scale_out_cooldown_seconds" {
  description = "Cooldown after a scale-out (target tracking and the fast step), seconds. null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.scale_out_cooldown_seconds == null || try(var.scale_out_cooldown_seconds >= 0, false)
    error_message = "scale_out_cooldown_seconds must be 0 or more (or null)."
  }
}

variable "scale_in_cooldown_seconds" {
  description = "Cooldown after a scale-in, seconds. null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.scale_in_cooldown_seconds == null || try(var.scale_in_cooldown_seconds >= 0, false)
    error_message = "scale_in_cooldown_seconds must be 0 or more (or null)."
  }
}

variable "disable_scale_in" {
  description = "Let target tracking only scale out."
  type        = bool
  default     = false
}

variable "scale_from_zero_capacity" {
  description = "Capacity units the scale-from-zero step adds when MAX(HasBacklogWithoutCapacity) >= 1 (backlog signal; the load signal adds floor(waiting / target) + 1)."
  type        = number
  default     = 1

  validation {
    condition     = var.scale_from_zero_capacity >= 1 && floor(var.scale_from_zero_capacity) == var.scale_from_zero_capacity
    error_message = "scale_from_zero_capacity must be a whole number >= 1."
  }
}

variable "scale_from_zero_evaluation_periods" {
  description = "60-second periods (all breaching) before the scale-from-zero alarm fires. null: scaling_defaults.json."
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
    condition     = var.scale_from_zero_cooldown_seconds == null || try(var.scale_from_zero_cooldown_seconds >= 0, false)
    error_message = "scale_from_zero_cooldown_seconds must be 0 or more (or null)."
  }
}

variable "scaling_signal" {
  description = "Signal of an async fleet: \"load\" (requests arriving + waiting per in-service capacity unit) or \"backlog\" (scaling_metric, by default MAX ApproximateBacklogSizePerInstance). null: scaling_defaults.json. Realtime fleets always use scaling_metric."
  type        = string
  default     = null

  validation {
    condition     = var.scaling_signal == null || contains(["load", "backlog"], coalesce(var.scaling_signal, "load"))
    error_message = "scaling_signal must be \"load\" or \"backlog\" (or null)."
  }
}

variable "fast_scale_out_ratio" {
  description = "The fast scale-out step fires when load > ratio x target. null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.fast_scale_out_ratio == null || try(var.fast_scale_out_ratio > 1, false)
    error_message = "fast_scale_out_ratio must be greater than 1 (or null)."
  }
}

variable "fast_scale_out_evaluation_periods" {
  description = "60-second datapoints above the fast threshold before the fast step fires (1 = the first). null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.fast_scale_out_evaluation_periods == null || contains([1, 2, 3, 4, 5], coalesce(var.fast_scale_out_evaluation_periods, 1))
    error_message = "fast_scale_out_evaluation_periods must be 1 to 5 (or null)."
  }
}

variable "fast_scale_out_headroom" {
  description = "The fast scale-out step (and the burst alarm that runs it) sizes a burst as if the target were target / headroom: at load m x target it grows capacity to about actual x m x headroom. 1: as target tracking would. null: scaling_defaults.json (fast_scale_out_headroom_queue 1.75, fast_scale_out_headroom_direct 1)."
  type        = number
  default     = null

  validation {
    condition     = var.fast_scale_out_headroom == null || try(var.fast_scale_out_headroom >= 1 && var.fast_scale_out_headroom <= 4, false)
    error_message = "fast_scale_out_headroom must be from 1 to 4 (or null): below 1 the step would order less than target tracking, above 4 a burst orders more than four times what the target needs."
  }
}

variable "fast_scale_out_min_capacity" {
  description = "The fast scale-out alarm only breaches while the fleet's InServiceCapacity is at least this many units (0 or 1: always; a smaller fleet is left to target tracking and the burst alarm). null: scaling_defaults.json (fast_scale_out_min_capacity_queue 2, fast_scale_out_min_capacity_direct 0)."
  type        = number
  default     = null

  validation {
    condition     = var.fast_scale_out_min_capacity == null || try(floor(var.fast_scale_out_min_capacity) == var.fast_scale_out_min_capacity && var.fast_scale_out_min_capacity >= 0 && var.fast_scale_out_min_capacity <= 10, false)
    error_message = "fast_scale_out_min_capacity must be an integer from 0 to 10 (or null): a larger fleet's load is not doubled by chance, and a higher gate only delays its scale-out."
  }
}

variable "burst_evaluation_periods" {
  description = "Datapoints of burst_signal_seconds each (all breaching) of the burst signal (queue mode: the dispatcher's OutstandingPerCapacity; direct mode: the router's RoutedPerCapacity, per minute) above the fast threshold before the burst alarm fires the fast scale-out step. null: scaling_defaults.json (burst_evaluation_periods_queue 2, burst_evaluation_periods_direct 4: the router's arrivals per period are noisier at light traffic)."
  type        = number
  default     = null

  validation {
    condition     = var.burst_evaluation_periods == null || contains([1, 2, 3, 4, 5, 6], coalesce(var.burst_evaluation_periods, 1))
    error_message = "burst_evaluation_periods must be an integer from 1 to 6 (or null)."
  }
}

variable "burst_signal_seconds" {
  description = "Async fleets on the load signal, both dispatch modes: the period, seconds, of the burst signal (queue mode: how often the dispatcher publishes OutstandingPerCapacity, FLEET_CONFIG queue.signal_seconds; direct mode: the router's RoutedPerCapacity, summed over the period) and of the burst alarm: 10, 20 or 30, or 0 for no burst alarm."
  type        = number
  default     = 10

  validation {
    condition     = contains([0, 10, 20, 30], var.burst_signal_seconds)
    error_message = "burst_signal_seconds must be 0 (off), 10, 20 or 30: a high-resolution alarm's period (CloudWatch PutMetricAlarm)."
  }
}

variable "fast_scale_in_ratio" {
  description = "The fast scale-in step fires when load < ratio x target for fast_scale_in_evaluation_periods datapoints (0: no fast scale-in step). null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.fast_scale_in_ratio == null || try(var.fast_scale_in_ratio == 0 || (var.fast_scale_in_ratio > 0 && var.fast_scale_in_ratio <= 0.6), false)
    error_message = "fast_scale_in_ratio must be 0 (off) or greater than 0 and at most 0.6 (or null)."
  }
}

variable "fast_scale_in_evaluation_periods" {
  description = "60-second datapoints below the fast scale-in threshold before the fast scale-in step fires. null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.fast_scale_in_evaluation_periods == null || try(floor(var.fast_scale_in_evaluation_periods) == var.fast_scale_in_evaluation_periods && var.fast_scale_in_evaluation_periods >= 1 && var.fast_scale_in_evaluation_periods <= 10, false)
    error_message = "fast_scale_in_evaluation_periods must be an integer from 1 to 10 (or null)."
  }
}

variable "fast_scale_in_cooldown_seconds" {
  description = "Cooldown of the fast scale-in step, seconds. null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.fast_scale_in_cooldown_seconds == null || try(floor(var.fast_scale_in_cooldown_seconds) == var.fast_scale_in_cooldown_seconds && var.fast_scale_in_cooldown_seconds >= 60 && var.fast_scale_in_cooldown_seconds <= 3600, false)
    error_message = "fast_scale_in_cooldown_seconds must be an integer from 60 to 3600 (or null)."
  }
}

variable "fast_scale_in_min_capacity" {
  description = "The fast scale-in alarm only breaches while the fleet's InServiceCapacity is at least this many units (smaller fleets are left to target tracking). null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.fast_scale_in_min_capacity == null || try(floor(var.fast_scale_in_min_capacity) == var.fast_scale_in_min_capacity && var.fast_scale_in_min_capacity >= 3, false)
    error_message = "fast_scale_in_min_capacity must be an integer of at least 3 (or null): below 3 units a step that removes one unit can double the load and target tracking scales straight back out."
  }
}

variable "fast_scale_in_max_percent" {
  description = "The fast scale-in step's deepest removal, percent: 66 (steps -33/-50/-66 %), 85 (adds -85 % at load <= T/5) or 93 (adds -85 % and -93 % at load <= T/10), T = fast_scale_in_ratio x target; each step leaves the load below 0.9 x the target. null: scaling_defaults.json (fast_scale_in_max_percent_queue 93, fast_scale_in_max_percent_direct 66)."
  type        = number
  default     = null

  validation {
    condition     = var.fast_scale_in_max_percent == null || contains([66, 85, 93], coalesce(var.fast_scale_in_max_percent, 0))
    error_message = "fast_scale_in_max_percent must be 66, 85 or 93 (or null): the fast scale-in steps are -33, -50, -66, -85 and -93 %, each sized so that target tracking does not scale straight back out."
  }
}

variable "steady_scale_in_ratio" {
  description = "the steady scale-in step fires when load < ratio x target on steady_scale_in_datapoints of steady_scale_in_evaluation_periods datapoints (M of N, so one noisy minute does not restart the count as it does target tracking's 15 of 15); 0: no steady scale-in step. null: scaling_defaults.json (steady_scale_in_ratio 0.8; off on a fleet whose steady scale-in alarm would read more than 10 metrics: more than 7 endpoints, 6 in queue mode)."
  type        = number
  default     = null

  validation {
    condition     = var.steady_scale_in_ratio == null || try(var.steady_scale_in_ratio == 0 || (var.steady_scale_in_ratio > 0 && var.steady_scale_in_ratio <= 0.8), false)
    error_message = "steady_scale_in_ratio must be 0 (off) or greater than 0 and at most 0.8 (or null): above 0.8 x the target the step's 15 % removal can leave the load above the target, and target tracking scales straight back out."
  }
}

variable "steady_scale_in_datapoints" {
  description = "how many of the last steady_scale_in_evaluation_periods 60-second datapoints must be below the steady scale-in threshold (the alarm's datapoints_to_alarm, M of N). null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.steady_scale_in_datapoints == null || try(floor(var.steady_scale_in_datapoints) == var.steady_scale_in_datapoints && var.steady_scale_in_datapoints >= 1 && var.steady_scale_in_datapoints <= 30, false)
    error_message = "steady_scale_in_datapoints must be an integer from 1 to 30 (or null), and at most steady_scale_in_evaluation_periods."
  }
}

variable "steady_scale_in_evaluation_periods" {
  description = "the 60-second datapoints the steady scale-in alarm evaluates (its evaluation_periods, N of M of N). null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.steady_scale_in_evaluation_periods == null || try(floor(var.steady_scale_in_evaluation_periods) == var.steady_scale_in_evaluation_periods && var.steady_scale_in_evaluation_periods >= 1 && var.steady_scale_in_evaluation_periods <= 30, false)
    error_message = "steady_scale_in_evaluation_periods must be an integer from 1 to 30 (or null)."
  }
}

variable "steady_scale_in_cooldown_seconds" {
  description = "cooldown of the steady scale-in step, seconds. null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.steady_scale_in_cooldown_seconds == null || try(floor(var.steady_scale_in_cooldown_seconds) == var.steady_scale_in_cooldown_seconds && var.steady_scale_in_cooldown_seconds >= 60 && var.steady_scale_in_cooldown_seconds <= 3600, false)
    error_message = "steady_scale_in_cooldown_seconds must be an integer from 60 to 3600 (or null)."
  }
}

variable "steady_scale_in_min_capacity" {
  description = "the steady scale-in alarm only breaches while the fleet's InServiceCapacity is at least this many units; it must exceed 1 / (1 - steady_scale_in_ratio) (6 at 0.8), so that removing one unit leaves the load below the target. null: scaling_defaults.json."
  type        = number
  default     = null

  validation {
    condition     = var.steady_scale_in_min_capacity == null || try(floor(var.steady_scale_in_min_capacity) == var.steady_scale_in_min_capacity && var.steady_scale_in_min_capacity >= 2, false)
    error_message = "steady_scale_in_min_capacity must be an integer of at least 2 (or null), and above 1 / (1 - steady_scale_in_ratio)."
  }
}

variable "fleet_name" {
  description = "Name of the fleet: the Fleet dimension of the control plane's InServiceCapacity metric (load signal)."
  type        = string
  default     = null
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the control plane's metrics (FLEET_CONFIG metrics_namespace)."
  type        = string
  default     = "SageMakerFleet"

  validation {
    condition     = length(var.metrics_namespace) > 0 && !startswith(var.metrics_namespace, "AWS/")
    error_message = "metrics_namespace must be non-empty and must not start with AWS/."
  }
}

variable "fleet_queue_name" {
  description = "Queue mode: name of the fleet queue, whose ApproximateNumberOfMessagesVisible (q) joins the load signal and the scale-from-zero alarm. null in direct mode."
  type        = string
  default     = null

  validation {
    condition     = var.fleet_queue_name == null || can(regex("^[A-Za-z0-9_-]{1,80}$", coalesce(var.fleet_queue_name, "x")))
    error_message = "fleet_queue_name must be an SQS queue name (1-80 letters, digits, '-' or '_') or null."
  }
}

variable "router_api_name" {
  description = "Name of the router REST API: the ApiName dimension of its Count metric (load signal)."
  type        = string
  default     = null
}

variable "router_stage_name" {
  description = "Stage of the router API: the Stage dimension of its Count metric (load signal)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for the scalable target and the alarm."
  type        = map(string)
  default     = {}
}

variable "registration_prerequisites" {
  description = "IDs of what the scaling API's GET needs (deployment, stage, Lambda permission, function): the scalable target is registered after them."
  type        = map(string)
  default     = {}
}

variable "scheduled_actions" {
  description = "Scheduled changes of the scalable target's min and/or max capacity (capacity units): name, schedule as at(yyyy-mm-ddThh:mm:ss), rate(<n> <unit>) or cron(<6 fields>), IANA timezone, optional start and end time (UTC, RFC 3339)."
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
    error_message = "scheduled_actions[*].schedule must be at(yyyy-mm-ddThh:mm:ss), rate(<n> minute(s)|hour(s)|day(s)) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)."
  }

  validation {
    condition = alltrue([
      for a in var.scheduled_actions : (a.min_capacity != null || a.max_capacity != null) &&
      (a.min_capacity == null ? true : a.min_capacity >= 0 && floor(a.min_capacity) == a.min_capacity) &&
      (a.max_capacity == null ? true : a.max_capacity >= 0 && floor(a.max_capacity) == a.max_capacity) &&
      (a.min_capacity == null || a.max_capacity == null ? true : a.min_capacity <= a.max_capacity)
    ])
    error_message = "scheduled_actions[*] must set min_capacity and/or max_capacity, as whole numbers >= 0 with min_capacity <= max_capacity."
  }
}
