output "scalable_target_arn" {
  description = "ARN of the fleet's scalable target."
  value       = aws_appautoscaling_target.fleet.arn
}

output "scalable_target_resource_id" {
  description = "Resource id of the scalable target (the scaling API URL)."
  value       = aws_appautoscaling_target.fleet.resource_id
}

output "target_tracking_policy_arn" {
  description = "ARN of the target-tracking policy."
  value       = aws_appautoscaling_policy.target_tracking.arn
}

output "target_tracking_metrics" {
  description = "Metric queries of the target-tracking policy: one per endpoint and the fleet expression."
  value       = one(one(aws_appautoscaling_policy.target_tracking.target_tracking_scaling_policy_configuration).customized_metric_specification).metrics
}

output "fleet_metric_expression" {
  description = "The metric-math expression target tracking follows."
  value       = local.fleet_expression
}

output "load_signal_widget" {
  description = "The load signal as a dashboard draws it: target tracking's metric queries (hidden), its expressions (the load and, in queue mode, the capped value it returns; the waiting work hidden) and its target. null with the backlog signal."
  value = local.load ? {
    target      = local.target_value
    metrics     = local.load_metrics
    expressions = [for e in local.tracking_expressions : { id = e.id, expression = e.expression, label = e.label, visible = e.id != "waiting" }]
  } : null
}

output "target_tracking" {
  description = "Signal, target value and cooldowns of target tracking (after the scaling_defaults.json fallbacks)."
  value = {
    signal             = local.signal
    target_value       = one(aws_appautoscaling_policy.target_tracking.target_tracking_scaling_policy_configuration).target_value
    scale_out_cooldown = one(aws_appautoscaling_policy.target_tracking.target_tracking_scaling_policy_configuration).scale_out_cooldown
    scale_in_cooldown  = one(aws_appautoscaling_policy.target_tracking.target_tracking_scaling_policy_configuration).scale_in_cooldown
  }
}

locals {
  step_policies = merge(
    { for policy in aws_appautoscaling_policy.scale_from_zero : "scale_from_zero" => policy },
    { for policy in aws_appautoscaling_policy.fast_scale_out : "fast_scale_out" => policy },
    { for key, policy in aws_appautoscaling_policy.scale_in : "${key}_scale_in" => policy },
  )
  # The steps of each step policy (lower, upper offsets from the alarm threshold; adjustment).
  # step_adjustment is a set; ordered here by lower bound: zero-padded keys of lower + 1e12
  # sort numerically for negative bounds too, and a null lower bound ("0") sorts first.
  ordered_steps = {
    for name, policy in local.step_policies : name => values({
      for step in one(policy.step_scaling_policy_configuration).step_adjustment : (step.metric_interval_lower_bound == null ? "0" : format("%020.6f", tonumber(step.metric_interval_lower_bound) + 1000000000000)) => {
        lower      = step.metric_interval_lower_bound == null ? null : tonumber(step.metric_interval_lower_bound)
        upper      = step.metric_interval_upper_bound == null ? null : tonumber(step.metric_interval_upper_bound)
        adjustment = step.scaling_adjustment
      }
    })
  }
}

output "scale_from_zero_policy" {
  description = "Cooldown and steps (lower, upper offsets above the alarm threshold; units added) of the scale-from-zero policy, or null."
  value = one([
    for policy in aws_appautoscaling_policy.scale_from_zero : {
      cooldown = one(policy.step_scaling_policy_configuration).cooldown
      steps    = local.ordered_steps["scale_from_zero"]
    }
  ])
}

output "scale_from_zero_alarm" {
  description = "Threshold, comparison and evaluation periods of the scale-from-zero alarm, or null."
  value = one([
    for alarm in aws_cloudwatch_metric_alarm.scale_from_zero : {
      threshold           = alarm.threshold
      comparison_operator = alarm.comparison_operator
      evaluation_periods  = alarm.evaluation_periods
    }
  ])
}

output "fast_scale_out_policy_arn" {
  description = "ARN of the fast scale-out step policy (load signal), or null."
  value       = one(aws_appautoscaling_policy.fast_scale_out[*].arn)
}

output "fast_scale_out_policy" {
  description = "Adjustment type, minimum magnitude and steps of the fast scale-out policy, or null."
  value = one([
    for policy in aws_appautoscaling_policy.fast_scale_out : {
      adjustment_type          = one(policy.step_scaling_policy_configuration).adjustment_type
      min_adjustment_magnitude = one(policy.step_scaling_policy_configuration).min_adjustment_magnitude
      steps                    = local.ordered_steps["fast_scale_out"]
    }
  ])
}

output "fast_scale_out_alarm" {
  description = "Threshold, comparison, evaluation and the expression of the fast scale-out alarm, or null."
  value = one([
    for alarm in aws_cloudwatch_metric_alarm.fast_scale_out : {
      threshold           = alarm.threshold
      comparison_operator = alarm.comparison_operator
      evaluation_periods  = alarm.evaluation_periods
      datapoints_to_alarm = alarm.datapoints_to_alarm
      expression          = one([for q in alarm.metric_query : q.expression if q.return_data])
    }
  ])
}

output "burst_scale_out_alarm_name" {
  description = "Name of the burst scale-out alarm (async fleet on the load signal, burst_signal_seconds > 0), or null."
  value       = one(aws_cloudwatch_metric_alarm.burst_scale_out[*].alarm_name)
}

output "burst_scale_out_alarm" {
  description = "Metric (namespace, name, dimensions, statistic, period; in direct mode those of the metric query m), the expression the alarm watches (direct mode; null in queue mode), threshold, comparison, evaluation, missing-data treatment and actions of the burst scale-out alarm, or null."
  value = one([
    for alarm in aws_cloudwatch_metric_alarm.burst_scale_out : merge(
      length(alarm.metric_query) == 0 ? {
        namespace   = alarm.namespace
        metric_name = alarm.metric_name
        dimensions  = alarm.dimensions
        statistic   = alarm.statistic
        period      = alarm.period
        expression  = null
        } : {
        namespace   = one([for q in alarm.metric_query : one(q.metric).namespace if !q.return_data])
        metric_name = one([for q in alarm.metric_query : one(q.metric).metric_name if !q.return_data])
        dimensions  = one([for q in alarm.metric_query : one(q.metric).dimensions if !q.return_data])
        statistic   = one([for q in alarm.metric_query : one(q.metric).stat if !q.return_data])
        period      = one([for q in alarm.metric_query : one(q.metric).period if !q.return_data])
        expression  = one([for q in alarm.metric_query : q.expression if q.return_data])
      },
      {
        threshold           = alarm.threshold
        comparison_operator = alarm.comparison_operator
        evaluation_periods  = alarm.evaluation_periods
        datapoints_to_alarm = alarm.datapoints_to_alarm
        treat_missing_data  = alarm.treat_missing_data
        alarm_actions       = alarm.alarm_actions
      },
    )
  ])
}

locals {
  # The scale-in steps (main.tf local.scale_in_steps) as the outputs below show them.
  scale_in_policies = {
    for key, policy in aws_appautoscaling_policy.scale_in : key => {
      adjustment_type         = one(policy.step_scaling_policy_configuration).adjustment_type
      cooldown                = one(policy.step_scaling_policy_configuration).cooldown
      metric_aggregation_type = one(policy.step_scaling_policy_configuration).metric_aggregation_type
      steps                   = local.ordered_steps["${key}_scale_in"]
    }
  }
  scale_in_alarms = {
    for key, alarm in aws_cloudwatch_metric_alarm.scale_in : key => {
      threshold           = alarm.threshold
      comparison_operator = alarm.comparison_operator
      evaluation_periods  = alarm.evaluation_periods
      datapoints_to_alarm = alarm.datapoints_to_alarm
      treat_missing_data  = alarm.treat_missing_data
      expression          = one([for q in alarm.metric_query : q.expression if q.return_data])
    }
  }
}

output "fast_scale_in_policy_arn" {
  description = "ARN of the fast scale-in step policy (load signal, fast_scale_in_ratio > 0), or null."
  value       = try(aws_appautoscaling_policy.scale_in["fast"].arn, null)
}

output "fast_scale_in_policy" {
  description = "Adjustment type, cooldown, metric aggregation and steps (lower, upper offsets from the alarm threshold; percent) of the fast scale-in policy, or null."
  value       = lookup(local.scale_in_policies, "fast", null)
}

output "fast_scale_in_alarm" {
  description = "Threshold, comparison, evaluation and the expression of the fast scale-in alarm, or null."
  value       = lookup(local.scale_in_alarms, "fast", null)
}

output "steady_scale_in_policy_arn" {
  description = "ARN of the steady scale-in step policy (load signal, steady_scale_in_ratio > 0), or null."
  value       = try(aws_appautoscaling_policy.scale_in["steady"].arn, null)
}

output "steady_scale_in_policy" {
  description = "Adjustment type, cooldown, metric aggregation and steps (lower, upper offsets from the alarm threshold; percent) of the steady scale-in policy, or null."
  value       = lookup(local.scale_in_policies, "steady", null)
}

output "steady_scale_in_metrics" {
  description = "The metrics the steady scale-in alarm reads (id, namespace, name, stat, dimensions): the load's and d, the fleet's DesiredCapacity; null without steady scale-in."
  value       = local.steady_scale_in ? local.steady_in_metrics : null
}

output "steady_scale_in_alarm" {
  description = "Threshold, comparison, evaluation (datapoints_to_alarm of evaluation_periods) and the expression of the steady scale-in alarm, or null."
  value       = lookup(local.scale_in_alarms, "steady", null)
}

output "scale_from_zero_policy_arn" {
  description = "ARN of the scale-from-zero step policy, or null when the fleet cannot sit at zero."
  value       = one(aws_appautoscaling_policy.scale_from_zero[*].arn)
}

output "scale_from_zero_alarm_name" {
  description = "Name of the scale-from-zero alarm (waiting without capacity, or HasBacklogWithoutCapacity with the backlog signal), or null."
  value       = one(aws_cloudwatch_metric_alarm.scale_from_zero[*].alarm_name)
}

output "scale_from_zero_alarm_queries" {
  description = "Metric queries of the scale-from-zero alarm (empty when there is none)."
  value       = flatten([for alarm in aws_cloudwatch_metric_alarm.scale_from_zero : alarm.metric_query])
}

output "registration_prerequisites" {
  description = "Names of what the scalable target waits for before registration."
  value       = keys(var.registration_prerequisites)
}

output "scheduled_actions" {
  description = "Scheduled actions by input name: schedule, timezone, min and max capacity."
  value = {
    for key, action in aws_appautoscaling_scheduled_action.fleet : key => {
      schedule     = action.schedule
      timezone     = action.timezone
      min_capacity = one(action.scalable_target_action).min_capacity
      max_capacity = one(action.scalable_target_action).max_capacity
    }
  }
}

output "scheduled_action_resource_ids" {
  description = "Resource ids the scheduled actions act on (the fleet's scalable target)."
  value       = [for action in aws_appautoscaling_scheduled_action.fleet : action.resource_id]
}
