# Issue 11: the load signal (README, Design notes, "The scaling signal"), fast scale-out, sized scale-from-zero and
# the defaults read from modules/fleet-autoscaling/scaling_defaults.json.


mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}

# Every scaling policy's mocked ARN is the same; the fast scale-out policy gets its own so that
# the burst alarm's action can be told apart.
override_resource {
  target          = module.autoscaling.aws_appautoscaling_policy.fast_scale_out[0]
  override_during = plan
  values          = { arn = "arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:fast:resource/custom-resource/demo:policyName/demo-fleet-fast-scale-out" }
}

variables {
  fleet = {
    name         = "demo"
    max_capacity = 12
    endpoints = [
      { name = "demo-g5", max_instances = 4 },
      { name = "demo-g6", max_instances = 4 },
      { name = "demo-g4dn", max_instances = 4 },
    ]
  }
  scaling_api = { deployer_principal_arns = ["arn:aws:iam::123456789012:role/deployer"] }
}

run "defaults_come_from_scaling_defaults_json" {
  command = plan

  assert {
    condition = module.autoscaling.target_tracking == {
      signal             = jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).scaling_signal
      target_value       = jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).load_target_value_direct
      scale_out_cooldown = jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).scale_out_cooldown_seconds
      scale_in_cooldown  = jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).scale_in_cooldown_seconds
    }
    error_message = "an async fleet's target tracking must use the load signal, target and cooldowns of scaling_defaults.json"
  }

  assert {
    condition     = module.endpoint_events.reconcile_schedule == jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).reconcile_schedule
    error_message = "the reconcile schedule defaults to scaling_defaults.json"
  }

  assert {
    condition = {
      for k, v in jsondecode(module.functions.function_environments["router"].FLEET_CONFIG) : k => v
      if contains(["metrics_namespace", "drain_timeout_seconds", "backlog_max_age_seconds", "scale_to_zero_idle_seconds", "trim_hold_seconds"], k)
      } == {
      metrics_namespace          = "SageMakerFleet"
      drain_timeout_seconds      = jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).drain_timeout_seconds
      backlog_max_age_seconds    = jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).backlog_max_age_seconds
      scale_to_zero_idle_seconds = jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).scale_to_zero_idle_seconds
      trim_hold_seconds          = jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).trim_hold_seconds
    }
    error_message = "FLEET_CONFIG must carry metrics_namespace, drain_timeout_seconds, backlog_max_age_seconds, scale_to_zero_idle_seconds and trim_hold_seconds (README, Configuration)"
  }

  assert {
    condition     = module.autoscaling.scale_from_zero_alarm.evaluation_periods == jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).scale_from_zero_evaluation_periods && module.autoscaling.scale_from_zero_policy.cooldown == jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).scale_from_zero_cooldown_seconds
    error_message = "scale-from-zero evaluation periods and cooldown default to scaling_defaults.json"
  }
}

run "load_signal_is_arrivals_plus_waiting_per_in_service_unit" {
  command = plan

  assert {
    condition = [
      for m in module.autoscaling.target_tracking_metrics : m.expression if m.return_data
    ] == ["(FILL(a, 0) + (FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0)) / 3) / IF(FILL(c, 0) < 1, 1, FILL(c, 0))"]
    error_message = "target tracking must follow load = (FILL(a,0) + SUM FILL(b_i,0) / load_backlog_minutes) / max(FILL(c,0), 1), load_backlog_minutes 3 by default"
  }

  assert {
    condition = {
      for m in module.autoscaling.target_tracking_metrics : m.id => {
        namespace  = m.metric_stat[0].metric[0].namespace
        name       = m.metric_stat[0].metric[0].metric_name
        stat       = m.metric_stat[0].stat
        dimensions = { for d in m.metric_stat[0].metric[0].dimensions : d.name => d.value }
      } if length(m.metric_stat) == 1
      } == {
      a  = { namespace = "AWS/ApiGateway", name = "Count", stat = "Sum", dimensions = { ApiName = "demo-fleet-router", Stage = "live" } }
      b1 = { namespace = "AWS/SageMaker", name = "ApproximateBacklogSize", stat = "Average", dimensions = { EndpointName = "demo-g5" } }
      b2 = { namespace = "AWS/SageMaker", name = "ApproximateBacklogSize", stat = "Average", dimensions = { EndpointName = "demo-g6" } }
      b3 = { namespace = "AWS/SageMaker", name = "ApproximateBacklogSize", stat = "Average", dimensions = { EndpointName = "demo-g4dn" } }
      c  = { namespace = "SageMakerFleet", name = "InServiceCapacity", stat = "Maximum", dimensions = { Fleet = "demo" } }
    }
    error_message = "the load signal reads the router stage's Count, each endpoint's ApproximateBacklogSize and the fleet's InServiceCapacity"
  }
}

run "load_backlog_minutes_spreads_only_the_backlog_of_the_tracked_load" {
  command = plan

  variables {
    load_backlog_minutes = 2.5
  }

  assert {
    condition = [
      for m in module.autoscaling.target_tracking_metrics : m.expression if m.return_data
    ] == ["(FILL(a, 0) + (FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0)) / 2.5) / IF(FILL(c, 0) < 1, 1, FILL(c, 0))"]
    error_message = "load_backlog_minutes divides the backlog terms of the load signal, not the arrivals"
  }

  assert {
    condition     = module.autoscaling.fast_scale_out_alarm.expression == [for m in module.autoscaling.target_tracking_metrics : m.expression if m.return_data][0]
    error_message = "the fast scale-out alarm watches the same load as target tracking"
  }

  assert {
    condition = [
      for q in module.autoscaling.scale_from_zero_alarm_queries : q.expression if q.return_data
    ] == ["IF(FILL(c, 0) < 1, FILL(a, 0) + FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0), 0)"]
    error_message = "scale-from-zero sizes on the whole waiting work, whatever load_backlog_minutes is"
  }
}

run "scale_from_zero_adds_what_the_waiting_work_needs" {
  command = plan

  assert {
    condition = [
      for q in module.autoscaling.scale_from_zero_alarm_queries : q.expression if q.return_data
    ] == ["IF(FILL(c, 0) < 1, FILL(a, 0) + FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0), 0)"]
    error_message = "the scale-from-zero alarm watches work waiting while no capacity is in service"
  }

  assert {
    condition     = module.autoscaling.scale_from_zero_alarm.threshold == 0 && module.autoscaling.scale_from_zero_alarm.comparison_operator == "GreaterThanThreshold"
    error_message = "any waiting work without capacity fires the alarm"
  }

  assert {
    condition = jsonencode([for s in module.autoscaling.scale_from_zero_policy.steps : [s.lower, s.upper, s.adjustment]]) == jsonencode([
      [0, 5, 1], [5, 10, 2], [10, 15, 3], [15, 20, 4], [20, 25, 5], [25, 30, 6],
      [30, 35, 7], [35, 40, 8], [40, 45, 9], [45, 50, 10], [50, 55, 11], [55, null, 12],
    ])
    error_message = "step i covers waiting in [(i - 1) x target, i x target) and adds i units: floor(waiting / load_target_value) + 1, at most max_capacity"
  }
}

run "fast_scale_out_fires_on_the_first_datapoint_above_ratio_times_target" {
  command = plan

  assert {
    condition = module.autoscaling.fast_scale_out_alarm == {
      threshold           = 10
      comparison_operator = "GreaterThanThreshold"
      evaluation_periods  = 1
      datapoints_to_alarm = 1
      expression          = "(FILL(a, 0) + (FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0)) / 3) / IF(FILL(c, 0) < 1, 1, FILL(c, 0))"
    }
    error_message = "the fast alarm fires when load > fast_scale_out_ratio x target (2 x 5) on the first datapoint"
  }

  assert {
    condition     = module.autoscaling.fast_scale_out_policy.adjustment_type == "PercentChangeInCapacity" && module.autoscaling.fast_scale_out_policy.min_adjustment_magnitude == 1
    error_message = "the fast step grows capacity by a percentage, at least one unit"
  }

  assert {
    condition = jsonencode([for s in module.autoscaling.fast_scale_out_policy.steps : [s.lower, s.upper, s.adjustment]]) == jsonencode([
      [0, 5, 100], [5, 10, 200], [10, 15, 300], [15, 20, 400], [20, 25, 500], [25, 30, 600],
      [30, 35, 700], [35, 40, 800], [40, null, 900],
    ])
    error_message = "direct mode (headroom 1, scaling_defaults.json fast_scale_out_headroom_direct): at load = m x target the fast step adds (m - 1) x 100 % so that the new capacity is about actual x load / target"
  }

  assert {
    condition = module.autoscaling.burst_scale_out_alarm_name == "demo-fleet-burst-scale-out" && module.autoscaling.burst_scale_out_alarm == {
      namespace           = "SageMakerFleet"
      metric_name         = "RoutedPerCapacity"
      dimensions          = tomap({ Fleet = "demo" })
      statistic           = "Sum"
      period              = 10
      expression          = "m * 6"
      threshold           = module.autoscaling.fast_scale_out_alarm.threshold
      comparison_operator = "GreaterThanThreshold"
      evaluation_periods  = 4
      datapoints_to_alarm = 4
      treat_missing_data  = "notBreaching"
      alarm_actions       = toset(["arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:fast:resource/custom-resource/demo:policyName/demo-fleet-fast-scale-out"])
    }
    error_message = "direct mode: the burst alarm reads the router's RoutedPerCapacity (Sum over 10 s, x 6 = per minute) and runs the fast scale-out policy at the fast alarm's threshold after 4 datapoints (scaling_defaults.json burst_evaluation_periods_direct)"
  }

  assert {
    condition     = module.autoscaling.fast_scale_out_policy_arn == "arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:fast:resource/custom-resource/demo:policyName/demo-fleet-fast-scale-out" && jsondecode(module.functions.function_environments["router"].FLEET_CONFIG).burst_signal == true
    error_message = "the burst alarm's action is the fast scale-out policy itself, and FLEET_CONFIG burst_signal = true tells the router to log RoutedPerCapacity"
  }
}

run "fast_scale_out_min_capacity_gates_the_fast_alarm_in_direct_mode_too" {
  command = plan

  variables {
    fast_scale_out_min_capacity = 3
  }

  assert {
    condition     = module.autoscaling.fast_scale_out_alarm.expression == "IF(FILL(c, 0) >= 3, (FILL(a, 0) + (FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0)) / 3) / IF(FILL(c, 0) < 1, 1, FILL(c, 0)), 0)"
    error_message = "the fast scale-out alarm reads 0 (never above its threshold) while fewer than fast_scale_out_min_capacity units are in service"
  }

  assert {
    condition     = [for m in module.autoscaling.target_tracking_metrics : m.expression if m.return_data] == ["(FILL(a, 0) + (FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0)) / 3) / IF(FILL(c, 0) < 1, 1, FILL(c, 0))"]
    error_message = "target tracking keeps the plain load"
  }
}

run "burst_signal_seconds_zero_turns_the_burst_signal_and_alarm_off" {
  command = plan

  variables {
    burst_signal_seconds = 0
  }

  assert {
    condition     = module.autoscaling.burst_scale_out_alarm == null && module.autoscaling.burst_scale_out_alarm_name == null && jsondecode(module.functions.function_environments["router"].FLEET_CONFIG).burst_signal == false
    error_message = "burst_signal_seconds = 0: FLEET_CONFIG burst_signal = false and no burst alarm"
  }

  assert {
    condition     = module.autoscaling.fast_scale_out_alarm != null && !strcontains(module.observability.dashboard_body, "RoutedPerCapacity")
    error_message = "turning the burst signal off keeps fast scale-out and drops the signal's widget"
  }
}

run "fast_scale_in_defaults_come_from_scaling_defaults_json" {
  command = plan

  assert {
    condition = module.autoscaling.fast_scale_in_alarm == {
      threshold           = jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).fast_scale_in_ratio * jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).load_target_value_direct
      comparison_operator = "LessThanThreshold"
      evaluation_periods  = jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).fast_scale_in_evaluation_periods
      datapoints_to_alarm = jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).fast_scale_in_evaluation_periods
      treat_missing_data  = "notBreaching"
      expression          = "IF(FILL(c, 0) >= ${jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).fast_scale_in_min_capacity}, (FILL(a, 0) + (FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0)) / 3) / IF(FILL(c, 0) < 1, 1, FILL(c, 0)), ${jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).load_target_value_direct})"
    }
    error_message = "the fast scale-in alarm's ratio, periods and minimum capacity default to scaling_defaults.json"
  }

  assert {
    condition     = module.autoscaling.fast_scale_in_policy.cooldown == jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).fast_scale_in_cooldown_seconds && length(module.autoscaling.fast_scale_in_policy.steps) == 3
    error_message = "the fast scale-in cooldown defaults to scaling_defaults.json"
  }
}

run "fast_scale_in_removes_a_third_half_or_two_thirds_below_ratio_times_target" {
  command = plan

  variables {
    load_target_value                = 4
    fast_scale_in_ratio              = 0.45
    fast_scale_in_evaluation_periods = 3
    fast_scale_in_cooldown_seconds   = 180
    fast_scale_in_min_capacity       = 3
  }

  assert {
    condition = module.autoscaling.fast_scale_in_alarm == {
      threshold           = 1.8
      comparison_operator = "LessThanThreshold"
      evaluation_periods  = 3
      datapoints_to_alarm = 3
      treat_missing_data  = "notBreaching"
      expression          = "IF(FILL(c, 0) >= 3, (FILL(a, 0) + (FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0)) / 3) / IF(FILL(c, 0) < 1, 1, FILL(c, 0)), 4)"
    }
    error_message = "the fast scale-in alarm fires when load < ratio x target for 3 of 3 datapoints, and only with at least 3 units in service"
  }

  assert {
    condition = jsonencode(module.autoscaling.fast_scale_in_policy) == jsonencode({
      adjustment_type         = "PercentChangeInCapacity"
      cooldown                = 180
      metric_aggregation_type = "Maximum"
      steps = [
        { adjustment = -66, lower = null, upper = -1 },
        { adjustment = -50, lower = -1, upper = -0.6 },
        { adjustment = -33, lower = -0.6, upper = 0 },
      ]
    })
    error_message = "with T = 1.8 the steps are load in (1.2, 1.8) -33 %, (0.8, 1.2] -50 %, <= 0.8 -66 % (offsets from the threshold)"
  }

  assert {
    condition     = module.autoscaling.fast_scale_in_policy_arn != null
    error_message = "the fast scale-in policy is exported"
  }
}

run "steady_scale_in_defaults_come_from_scaling_defaults_json_in_direct_mode" {
  command = plan

  assert {
    condition = module.autoscaling.steady_scale_in_alarm == {
      threshold           = jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).steady_scale_in_ratio * jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).load_target_value_direct
      comparison_operator = "LessThanThreshold"
      evaluation_periods  = jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).steady_scale_in_evaluation_periods
      datapoints_to_alarm = jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).steady_scale_in_datapoints
      treat_missing_data  = "notBreaching"
      expression          = "IF(FILL(c, 0) >= ${jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).steady_scale_in_min_capacity}, IF(FILL(c, 0) >= FILL(d, 0), (FILL(a, 0) + (FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0)) / 3) / IF(FILL(c, 0) < 1, 1, FILL(c, 0)), ${jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).load_target_value_direct}), ${jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).load_target_value_direct})"
    }
    error_message = "direct mode: the steady scale-in alarm's ratio, M, N and minimum capacity default to scaling_defaults.json"
  }
}

run "steady_scale_in_ratio_zero_creates_no_steady_scale_in" {
  command = plan

  variables {
    steady_scale_in_ratio = 0
  }

  assert {
    condition     = module.autoscaling.steady_scale_in_alarm == null && module.autoscaling.steady_scale_in_policy == null && module.autoscaling.steady_scale_in_policy_arn == null && module.autoscaling.fast_scale_in_alarm != null
    error_message = "steady_scale_in_ratio = 0 turns the steady scale-in step off and leaves fast scale-in"
  }
}

run "steady_scale_in_removes_15_or_25_percent_below_ratio_times_target_on_m_of_n" {
  command = plan

  variables {
    load_target_value                  = 4
    steady_scale_in_ratio              = 0.5
    steady_scale_in_datapoints         = 4
    steady_scale_in_evaluation_periods = 6
    steady_scale_in_cooldown_seconds   = 300
    steady_scale_in_min_capacity       = 3
  }

  assert {
    condition = module.autoscaling.steady_scale_in_alarm == {
      threshold           = 2
      comparison_operator = "LessThanThreshold"
      evaluation_periods  = 6
      datapoints_to_alarm = 4
      treat_missing_data  = "notBreaching"
      expression          = "IF(FILL(c, 0) >= 3, IF(FILL(c, 0) >= FILL(d, 0), (FILL(a, 0) + (FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0)) / 3) / IF(FILL(c, 0) < 1, 1, FILL(c, 0)), 4), 4)"
    }
    error_message = "the steady scale-in alarm fires when load < ratio x target on 4 of 6 datapoints, and only with at least 3 units and all the desired capacity in service"
  }

  assert {
    condition = jsonencode(module.autoscaling.steady_scale_in_policy) == jsonencode({
      adjustment_type         = "PercentChangeInCapacity"
      cooldown                = 300
      metric_aggregation_type = "Maximum"
      steps = [
        { adjustment = -25, lower = null, upper = -0.25 },
        { adjustment = -15, lower = -0.25, upper = 0 },
      ]
    })
    error_message = "with S = 2 the steps are load in (1.75, 2] -15 % and <= 1.75 -25 % (offsets from the threshold; a load above S matches none)"
  }

  assert {
    condition     = module.autoscaling.steady_scale_in_policy_arn != null && module.autoscaling.fast_scale_in_policy_arn != null
    error_message = "the steady scale-in policy is exported and sits beside fast scale-in"
  }
}

run "fast_scale_in_ratio_zero_creates_no_fast_scale_in" {
  command = plan

  variables {
    fast_scale_in_ratio = 0
  }

  assert {
    condition     = module.autoscaling.fast_scale_in_alarm == null && module.autoscaling.fast_scale_in_policy == null && module.autoscaling.fast_scale_in_policy_arn == null
    error_message = "fast_scale_in_ratio = 0 turns the fast scale-in step off"
  }

  assert {
    condition     = module.autoscaling.fast_scale_out_alarm != null
    error_message = "turning fast scale-in off keeps fast scale-out"
  }
}

run "backlog_signal_stays_selectable" {
  command = plan

  variables {
    scaling_signal = "backlog"
  }

  assert {
    condition = [
      for m in module.autoscaling.target_tracking_metrics : m.expression if m.return_data
    ] == ["MAX([m1, m2, m3])"] && module.autoscaling.target_tracking.target_value == jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).backlog_target_value
    error_message = "scaling_signal = backlog tracks MAX ApproximateBacklogSizePerInstance at backlog_target_value"
  }

  assert {
    condition = [
      for q in module.autoscaling.scale_from_zero_alarm_queries : q.expression if q.return_data
    ] == ["MAX([b1, b2, b3])"] && module.autoscaling.fast_scale_out_alarm == null && module.autoscaling.fast_scale_in_alarm == null && module.autoscaling.fast_scale_in_policy == null
    error_message = "the backlog signal keeps the HasBacklogWithoutCapacity alarm and has no fast step (neither out nor in)"
  }

  assert {
    condition     = module.autoscaling.burst_scale_out_alarm == null && jsondecode(module.functions.function_environments["router"].FLEET_CONFIG).burst_signal == false
    error_message = "the backlog signal has no burst signal and no burst alarm"
  }

  assert {
    condition     = module.autoscaling.load_signal_widget == null && length([for w in jsondecode(module.observability.dashboard_body).widgets : w if startswith(w.properties.title, "Load signal")]) == 0
    error_message = "the backlog signal draws no load-signal widget"
  }
}

run "reconciler_may_read_the_backlog_metrics" {
  command = plan

  assert {
    condition = [
      for s in jsondecode(module.functions.role_policies["reconciler"]).Statement : [s.Action, s.Resource] if s.Sid == "FleetMetrics"
    ] == [["cloudwatch:GetMetricData", "*"]]
    error_message = "the reconciler reads every endpoint's backlog with one GetMetricData call (no resource-level permissions exist for it)"
  }

  assert {
    condition = alltrue([
      for role in ["router", "scaling_api", "endpoint_events"] :
      !contains([for s in jsondecode(module.functions.role_policies[role]).Statement : s.Sid], "FleetMetrics")
    ])
    error_message = "only the reconciler reads metrics; EMF needs no permission beyond writing logs"
  }
}
