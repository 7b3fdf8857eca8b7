# Every validation block of the root module's variables has a run here that makes it fail.
# tests/module/test_module.py checks that no validation block is left without one.

mock_provider "archive" {}

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  fleet = {
    name         = "v"
    max_capacity = 8
    endpoints    = [{ name = "v-a", max_instances = 4 }, { name = "v-b", max_instances = 4 }]
  }
}

run "valid_inputs_plan" {
  command = plan
}

run "rejects_fleet_name_format" {
  command = plan

  variables {
    fleet = {
      name         = "Bad_Name!"
      max_capacity = 8
      endpoints    = [{ name = "v-a", max_instances = 4 }, { name = "v-b", max_instances = 4 }]
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_fleet_dimension_id_format" {
  command = plan

  variables {
    fleet = {
      name         = "v"
      max_capacity = 8
      endpoints    = [{ name = "v-a", max_instances = 4 }, { name = "v-b", max_instances = 4 }]
      dimension_id = "a/b"
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_fleet_invocation_mode_enum" {
  command = plan

  variables {
    fleet = {
      name            = "v"
      max_capacity    = 8
      endpoints       = [{ name = "v-a", max_instances = 4 }, { name = "v-b", max_instances = 4 }]
      invocation_mode = "batch"
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_fleet_strategy_enum" {
  command = plan

  variables {
    fleet = {
      name         = "v"
      max_capacity = 8
      endpoints    = [{ name = "v-a", max_instances = 4 }, { name = "v-b", max_instances = 4 }]
      strategy     = "random"
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_fleet_more_than_ten_endpoints" {
  command = plan

  variables {
    fleet = {
      name         = "v"
      max_capacity = 11
      endpoints    = [{ name = "e0" }, { name = "e1" }, { name = "e2" }, { name = "e3" }, { name = "e4" }, { name = "e5" }, { name = "e6" }, { name = "e7" }, { name = "e8" }, { name = "e9" }, { name = "e10" }]
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_fleet_no_endpoints" {
  command = plan

  variables {
    fleet = {
      name         = "v"
      max_capacity = 1
      endpoints    = []
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_fleet_endpoint_name_format" {
  command = plan

  variables {
    fleet = {
      name         = "v"
      max_capacity = 8
      endpoints    = [{ name = "bad_name" }, { name = "v-b" }]
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_fleet_endpoint_names_unique" {
  command = plan

  variables {
    fleet = {
      name         = "v"
      max_capacity = 8
      endpoints    = [{ name = "v-a" }, { name = "v-a" }]
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_fleet_variant_format" {
  command = plan

  variables {
    fleet = {
      name         = "v"
      max_capacity = 8
      endpoints    = [{ name = "v-a", variant = "all traffic" }, { name = "v-b" }]
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_fleet_capacity_per_instance_positive_integer" {
  command = plan

  variables {
    fleet = {
      name         = "v"
      max_capacity = 8
      endpoints    = [{ name = "v-a", capacity_per_instance = 1.5 }, { name = "v-b" }]
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_fleet_instances_whole_numbers" {
  command = plan

  variables {
    fleet = {
      name         = "v"
      max_capacity = 8
      endpoints    = [{ name = "v-a", min_instances = -1 }, { name = "v-b" }]
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_fleet_min_instances_not_above_max" {
  command = plan

  variables {
    fleet = {
      name         = "v"
      max_capacity = 8
      endpoints    = [{ name = "v-a", min_instances = 5, max_instances = 4 }, { name = "v-b" }]
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_fleet_priority_at_least_one" {
  command = plan

  variables {
    fleet = {
      name         = "v"
      max_capacity = 8
      endpoints    = [{ name = "v-a", priority = 0 }, { name = "v-b" }]
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_fleet_share_not_negative" {
  command = plan

  variables {
    fleet = {
      name         = "v"
      max_capacity = 8
      endpoints    = [{ name = "v-a", share = -1 }, { name = "v-b" }]
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_fleet_capacity_whole_numbers" {
  command = plan

  variables {
    fleet = {
      name         = "v"
      max_capacity = 8
      endpoints    = [{ name = "v-a", max_instances = 4 }, { name = "v-b", max_instances = 4 }]
      min_capacity = 0.5
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_fleet_min_capacity_not_above_max" {
  command = plan

  variables {
    fleet = {
      name         = "v"
      max_capacity = 4
      endpoints    = [{ name = "v-a", max_instances = 4 }, { name = "v-b", max_instances = 4 }]
      min_capacity = 5
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_fleet_max_capacity_within_endpoints" {
  command = plan

  variables {
    fleet = {
      name         = "v"
      max_capacity = 9
      endpoints    = [{ name = "v-a", max_instances = 4 }, { name = "v-b", max_instances = 4 }]
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_fleet_realtime_cannot_scale_to_zero" {
  command = plan

  variables {
    fleet = {
      name            = "v"
      max_capacity    = 8
      endpoints       = [{ name = "v-a", max_instances = 4 }, { name = "v-b", max_instances = 4 }]
      invocation_mode = "realtime"
      min_capacity    = 0
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_fleet_realtime_endpoints_need_an_instance" {
  command = plan

  variables {
    fleet = {
      name            = "v"
      max_capacity    = 8
      endpoints       = [{ name = "v-a", min_instances = 1 }, { name = "v-b", min_instances = 0 }]
      invocation_mode = "realtime"
      min_capacity    = 2
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_fleet_timeouts" {
  command = plan

  variables {
    fleet = {
      name                     = "v"
      max_capacity             = 8
      endpoints                = [{ name = "v-a", max_instances = 4 }, { name = "v-b", max_instances = 4 }]
      activity_timeout_seconds = 10
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_fleet_max_failover_attempts" {
  command = plan

  variables {
    fleet = {
      name                  = "v"
      max_capacity          = 8
      endpoints             = [{ name = "v-a", max_instances = 4 }, { name = "v-b", max_instances = 4 }]
      max_failover_attempts = 10
    }
  }

  expect_failures = [var.fleet]
}

run "rejects_name_prefix_format" {
  command = plan

  variables {
    name_prefix = "has spaces"
  }

  expect_failures = [var.name_prefix]
}

run "rejects_kms_key_arn_format" {
  command = plan

  variables {
    kms_key_arn = "alias/mine"
  }

  expect_failures = [var.kms_key_arn]
}

run "rejects_target_backlog_positive" {
  command = plan

  variables {
    target_backlog_per_instance = 0
  }

  expect_failures = [var.target_backlog_per_instance]
}

run "rejects_scale_out_cooldown_range" {
  command = plan

  variables {
    scale_out_cooldown_seconds = -1
  }

  expect_failures = [var.scale_out_cooldown_seconds]
}

run "rejects_scale_in_cooldown_range" {
  command = plan

  variables {
    scale_in_cooldown_seconds = 90000
  }

  expect_failures = [var.scale_in_cooldown_seconds]
}

run "rejects_scaling_metric_statistic_enum" {
  command = plan

  variables {
    scaling_metric = { statistic = "p99" }
  }

  expect_failures = [var.scaling_metric]
}

run "rejects_scaling_metric_aggregation_enum" {
  command = plan

  variables {
    scaling_metric = { aggregation = "MEDIAN" }
  }

  expect_failures = [var.scaling_metric]
}

run "rejects_scale_from_zero_capacity_whole" {
  command = plan

  variables {
    scale_from_zero_capacity = 0
  }

  expect_failures = [var.scale_from_zero_capacity]
}

run "rejects_scale_from_zero_evaluation_periods_range" {
  command = plan

  variables {
    scale_from_zero_evaluation_periods = 6
  }

  expect_failures = [var.scale_from_zero_evaluation_periods]
}

run "rejects_reconcile_schedule_format" {
  command = plan

  variables {
    reconcile_schedule = "every 5 minutes"
  }

  expect_failures = [var.reconcile_schedule]
}

run "rejects_event_retry_attempts_range" {
  command = plan

  variables {
    event_retry_attempts = 200
  }

  expect_failures = [var.event_retry_attempts]
}

run "rejects_event_maximum_age_range" {
  command = plan

  variables {
    event_maximum_age_seconds = 30
  }

  expect_failures = [var.event_maximum_age_seconds]
}

run "rejects_lambda_runtime_enum" {
  command = plan

  variables {
    lambda = { runtime = "python3.9" }
  }

  expect_failures = [var.lambda]
}

run "rejects_lambda_architecture_and_tracing_enums" {
  command = plan

  variables {
    lambda = { tracing_mode = "On" }
  }

  expect_failures = [var.lambda]
}

run "rejects_lambda_function_sizes" {
  command = plan

  variables {
    lambda = { router = { memory_size = 64 } }
  }

  expect_failures = [var.lambda]
}

run "rejects_lambda_router_timeout_without_room_for_an_attempt" {
  command = plan

  variables {
    lambda = { router = { timeout = 2 } }
  }

  expect_failures = [var.lambda]
}

run "rejects_lambda_scaling_api_timeout_beyond_its_integration" {
  command = plan

  variables {
    lambda = { scaling_api = { timeout = 30 } }
  }

  expect_failures = [var.lambda]
}

run "rejects_lambda_router_timeout_fraction" {
  command = plan

  variables {
    lambda = { router = { timeout = 10.5 } }
  }

  expect_failures = [var.lambda]
}

run "rejects_log_retention_days_allowed" {
  command = plan

  variables {
    log_retention_days = 10
  }

  expect_failures = [var.log_retention_days]
}

run "rejects_router_api_stage_and_logging" {
  command = plan

  variables {
    router_api = { logging_level = "DEBUG" }
  }

  expect_failures = [var.router_api]
}

run "rejects_router_api_throttling" {
  command = plan

  variables {
    router_api = { throttling_rate_limit = -1 }
  }

  expect_failures = [var.router_api]
}

run "rejects_router_api_principals" {
  command = plan

  variables {
    router_api = { allowed_principal_arns = ["someone"] }
  }

  expect_failures = [var.router_api]
}

run "rejects_scaling_api_stage_and_logging" {
  command = plan

  variables {
    scaling_api = { stage_name = "bad stage" }
  }

  expect_failures = [var.scaling_api]
}

run "rejects_scaling_api_throttling" {
  command = plan

  variables {
    scaling_api = { throttling_burst_limit = -5 }
  }

  expect_failures = [var.scaling_api]
}

run "rejects_scaling_api_principals" {
  command = plan

  variables {
    scaling_api = { deployer_principal_arns = ["*"] }
  }

  expect_failures = [var.scaling_api]
}

run "rejects_alarm_actions_are_arns" {
  command = plan

  variables {
    alarm_actions = ["my-topic"]
  }

  expect_failures = [var.alarm_actions]
}

run "rejects_endpoint_deployment_instance_types" {
  command = plan

  variables {
    endpoint_deployment = { image_uri = "i", execution_role_arn = "arn:aws:iam::123456789012:role/r", instance_types = { "v-a" = "g5.2xlarge" }, s3_output_path = "s3://b/o" }
  }

  expect_failures = [var.endpoint_deployment]
}

run "rejects_endpoint_deployment_output_path" {
  command = plan

  variables {
    endpoint_deployment = { image_uri = "i", execution_role_arn = "arn:aws:iam::123456789012:role/r", instance_types = { "v-a" = "ml.g5.2xlarge" }, s3_output_path = "bucket/o" }
  }

  expect_failures = [var.endpoint_deployment]
}

run "rejects_scaling_api_assumed_role_session_arns" {
  command = plan

  variables {
    scaling_api = { deployer_principal_arns = ["arn:aws:sts::123456789012:assumed-role/deployer/session"] }
  }

  expect_failures = [var.scaling_api]
}

run "rejects_scheduled_actions_names" {
  command = plan

  variables {
    scheduled_actions = [
      { name = "peak", schedule = "rate(1 day)", min_capacity = 2 },
      { name = "peak", schedule = "rate(2 days)", min_capacity = 1 },
    ]
  }

  expect_failures = [var.scheduled_actions]
}

run "rejects_scheduled_actions_schedule_format" {
  command = plan

  variables {
    scheduled_actions = [{ name = "peak", schedule = "cron(0 7 * * *)", min_capacity = 2 }]
  }

  expect_failures = [var.scheduled_actions]
}

run "rejects_scheduled_actions_capacities" {
  command = plan

  variables {
    scheduled_actions = [{ name = "peak", schedule = "at(2026-12-24T06:00:00)", min_capacity = 5, max_capacity = 2 }]
  }

  expect_failures = [var.scheduled_actions]
}

run "rejects_scaling_signal_enum" {
  command = plan

  variables {
    scaling_signal = "queue"
  }

  expect_failures = [var.scaling_signal]
}

run "rejects_load_target_value_positive" {
  command = plan

  variables {
    load_target_value = 0
  }

  expect_failures = [var.load_target_value]
}

run "rejects_fast_scale_out_ratio_range" {
  command = plan

  variables {
    fast_scale_out_ratio = 1
  }

  expect_failures = [var.fast_scale_out_ratio]
}

run "rejects_fast_scale_out_evaluation_periods_range" {
  command = plan

  variables {
    fast_scale_out_evaluation_periods = 6
  }

  expect_failures = [var.fast_scale_out_evaluation_periods]
}

run "rejects_burst_evaluation_periods_range" {
  command = plan

  variables {
    burst_evaluation_periods = 7
  }

  expect_failures = [var.burst_evaluation_periods]
}

run "rejects_load_backlog_minutes_below_one" {
  command = plan

  variables {
    load_backlog_minutes = 0.5
  }

  expect_failures = [var.load_backlog_minutes]
}

run "rejects_load_backlog_minutes_above_fifteen" {
  command = plan

  variables {
    load_backlog_minutes = 16
  }

  expect_failures = [var.load_backlog_minutes]
}

run "rejects_load_keep_up_waiting_below_zero" {
  command = plan

  variables {
    load_keep_up_waiting = -1
  }

  expect_failures = [var.load_keep_up_waiting]
}

run "rejects_load_keep_up_waiting_above_ten" {
  command = plan

  variables {
    load_keep_up_waiting = 11
  }

  expect_failures = [var.load_keep_up_waiting]
}

run "rejects_fast_scale_in_ratio_range" {
  command = plan

  variables {
    fast_scale_in_ratio = 0.7
  }

  expect_failures = [var.fast_scale_in_ratio]
}

run "rejects_fast_scale_in_evaluation_periods_range" {
  command = plan

  variables {
    fast_scale_in_evaluation_periods = 11
  }

  expect_failures = [var.fast_scale_in_evaluation_periods]
}

run "rejects_fast_scale_in_cooldown_range" {
  command = plan

  variables {
    fast_scale_in_cooldown_seconds = 59
  }

  expect_failures = [var.fast_scale_in_cooldown_seconds]
}

run "rejects_fast_scale_in_min_capacity_range" {
  command = plan

  variables {
    fast_scale_in_min_capacity = 2
  }

  expect_failures = [var.fast_scale_in_min_capacity]
}

run "rejects_steady_scale_in_ratio_range" {
  command = plan

  variables {
    steady_scale_in_ratio = 0.85
  }

  expect_failures = [var.steady_scale_in_ratio]
}

run "rejects_steady_scale_in_datapoints_range" {
  command = plan

  variables {
    steady_scale_in_datapoints = 0
  }

  expect_failures = [var.steady_scale_in_datapoints]
}

run "rejects_steady_scale_in_evaluation_periods_range" {
  command = plan

  variables {
    steady_scale_in_evaluation_periods = 31
  }

  expect_failures = [var.steady_scale_in_evaluation_periods]
}

run "rejects_steady_scale_in_cooldown_seconds_range" {
  command = plan

  variables {
    steady_scale_in_cooldown_seconds = 59
  }

  expect_failures = [var.steady_scale_in_cooldown_seconds]
}

run "rejects_steady_scale_in_min_capacity_range" {
  command = plan

  variables {
    steady_scale_in_min_capacity = 1.5
  }

  expect_failures = [var.steady_scale_in_min_capacity]
}

run "rejects_fast_scale_in_max_percent_outside_its_steps" {
  command = plan

  variables {
    fast_scale_in_max_percent = 90
  }

  expect_failures = [var.fast_scale_in_max_percent]
}

run "rejects_fast_scale_out_min_capacity_range" {
  command = plan

  variables {
    fast_scale_out_min_capacity = 11
  }

  expect_failures = [var.fast_scale_out_min_capacity]
}

run "rejects_fast_scale_out_min_capacity_fraction" {
  command = plan

  variables {
    fast_scale_out_min_capacity = 1.5
  }

  expect_failures = [var.fast_scale_out_min_capacity]
}

run "rejects_fast_scale_out_headroom_below_one" {
  command = plan

  variables {
    fast_scale_out_headroom = 0.9
  }

  expect_failures = [var.fast_scale_out_headroom]
}

run "rejects_fast_scale_out_headroom_above_four" {
  command = plan

  variables {
    fast_scale_out_headroom = 4.5
  }

  expect_failures = [var.fast_scale_out_headroom]
}

run "rejects_scale_from_zero_cooldown_range" {
  command = plan

  variables {
    scale_from_zero_cooldown_seconds = -1
  }

  expect_failures = [var.scale_from_zero_cooldown_seconds]
}

run "rejects_drain_timeout_range" {
  command = plan

  variables {
    drain_timeout_seconds = 100000
  }

  expect_failures = [var.drain_timeout_seconds]
}

run "rejects_scale_to_zero_idle_range" {
  command = plan

  variables {
    scale_to_zero_idle_seconds = -1
  }

  expect_failures = [var.scale_to_zero_idle_seconds]
}

run "rejects_fractional_scale_to_zero_idle" {
  command = plan

  variables {
    scale_to_zero_idle_seconds = 90.5
  }

  expect_failures = [var.scale_to_zero_idle_seconds]
}

run "rejects_trim_hold_range" {
  command = plan

  variables {
    trim_hold_seconds = 3601
  }

  expect_failures = [var.trim_hold_seconds]
}

run "rejects_fractional_trim_hold" {
  command = plan

  variables {
    trim_hold_seconds = 60.5
  }

  expect_failures = [var.trim_hold_seconds]
}

run "rejects_backlog_max_age_range" {
  command = plan

  variables {
    backlog_max_age_seconds = 10
  }

  expect_failures = [var.backlog_max_age_seconds]
}

run "rejects_metrics_namespace_reserved" {
  command = plan

  variables {
    metrics_namespace = "AWS/Fleet"
  }

  expect_failures = [var.metrics_namespace]
}

run "rejects_load_signal_on_a_realtime_fleet" {
  command = plan

  variables {
    scaling_signal = "load"
    fleet = {
      name            = "v"
      invocation_mode = "realtime"
      min_capacity    = 2
      max_capacity    = 8
      endpoints       = [{ name = "v-a", min_instances = 1, max_instances = 4 }, { name = "v-b", min_instances = 1, max_instances = 4 }]
    }
  }

  expect_failures = [terraform_data.scaling_signal_check]
}

run "rejects_load_signal_over_eight_endpoints" {
  command = plan

  variables {
    fleet = {
      name         = "v"
      max_capacity = 9
      endpoints    = [for i in range(9) : { name = "v-${i}", max_instances = 1 }]
    }
  }

  expect_failures = [terraform_data.scaling_signal_check]
}

run "rejects_fast_scale_out_min_capacity_at_or_above_max_capacity" {
  command = plan

  variables {
    fast_scale_out_min_capacity = 8
  }

  expect_failures = [terraform_data.scaling_signal_check]
}

run "accepts_fast_scale_out_min_capacity_below_max_capacity" {
  command = plan

  variables {
    fast_scale_out_min_capacity = 7
  }

  assert {
    condition     = module.autoscaling.fast_scale_out_alarm.expression == "IF(FILL(c, 0) >= 7, (FILL(a, 0) + (FILL(b1, 0) + FILL(b2, 0)) / 3) / IF(FILL(c, 0) < 1, 1, FILL(c, 0)), 0)"
    error_message = "a gate below fleet.max_capacity is accepted"
  }
}

run "rejects_router_api_integration_timeout_below_50_ms" {
  command = plan

  variables {
    router_api = { integration_timeout_milliseconds = 49 }
  }

  expect_failures = [var.router_api]
}

run "rejects_router_api_integration_timeout_above_300_s" {
  command = plan

  variables {
    router_api = { integration_timeout_milliseconds = 300001 }
  }

  expect_failures = [var.router_api]
}

run "rejects_router_api_integration_timeout_fraction" {
  command = plan

  variables {
    router_api = { integration_timeout_milliseconds = 29000.5 }
  }

  expect_failures = [var.router_api]
}

run "rejects_dispatch_enum" {
  command = plan

  variables {
    dispatch = "fifo"
  }

  expect_failures = [var.dispatch]
}

run "rejects_dispatch_room_per_capacity_zero" {
  command = plan

  variables {
    dispatch_room_per_capacity = 0
  }

  expect_failures = [var.dispatch_room_per_capacity]
}

run "rejects_dispatch_max_receive_count_fraction" {
  command = plan

  variables {
    dispatch_max_receive_count = 2.5
  }

  expect_failures = [var.dispatch_max_receive_count]
}

run "rejects_dispatch_max_receive_count_above_1000" {
  command = plan

  variables {
    dispatch_max_receive_count = 1001
  }

  expect_failures = [var.dispatch_max_receive_count]
}

run "rejects_dispatch_run_seconds_above_840" {
  command = plan

  variables {
    dispatch_run_seconds = 841
  }

  expect_failures = [var.dispatch_run_seconds]
}

run "rejects_burst_signal_seconds_not_a_high_resolution_period" {
  command = plan

  variables {
    burst_signal_seconds = 15
  }

  expect_failures = [var.burst_signal_seconds]
}

run "rejects_dispatch_output_path_not_s3" {
  command = plan

  variables {
    dispatch_output_path = "https://bucket/out"
  }

  expect_failures = [var.dispatch_output_path]
}

run "rejects_dispatch_failure_path_not_s3" {
  command = plan

  variables {
    dispatch_failure_path = "bucket/failed"
  }

  expect_failures = [var.dispatch_failure_path]
}

run "rejects_dispatch_completion_topic_arns_not_sns" {
  command = plan

  variables {
    dispatch_completion_topic_arns = ["arn:aws:sqs:eu-west-1:123456789012:done"]
  }

  expect_failures = [var.dispatch_completion_topic_arns]
}

run "rejects_dispatch_queue_age_alarm_below_a_minute" {
  command = plan

  variables {
    dispatch_queue_age_alarm_seconds = 30
  }

  expect_failures = [var.dispatch_queue_age_alarm_seconds]
}
