# The steady scale-in step's checks across its inputs (modules/fleet-autoscaling, the
# preconditions on aws_cloudwatch_metric_alarm.scale_in["steady"]), planned on the submodule alone:
# a failed precondition of a resource can only be expected from the module under test. The
# root module's runs are in scaling_signal.tftest.hcl, dispatch_queue.tftest.hcl and
# validation.tftest.hcl.

mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}

variables {
  name_prefix       = "demo-fleet"
  resource_id       = "https://abc123.execute-api.eu-west-1.amazonaws.com/v1/scalableTargetDimensions/demo"
  endpoints         = [{ name = "demo-g5" }, { name = "demo-g6" }]
  min_capacity      = 0
  max_capacity      = 12
  scaling_signal    = "load"
  fleet_name        = "demo"
  router_api_name   = "demo-router"
  router_stage_name = "v1"
}

run "the_submodule_plans_the_steady_step_it_is_given" {
  command = plan

  module {
    source = "./modules/fleet-autoscaling"
  }

  variables {
    steady_scale_in_ratio              = 0.8
    steady_scale_in_datapoints         = 6
    steady_scale_in_evaluation_periods = 6
    steady_scale_in_min_capacity       = 6
  }

  assert {
    condition     = output.steady_scale_in_alarm.datapoints_to_alarm == 6 && output.steady_scale_in_alarm.evaluation_periods == 6 && output.steady_scale_in_alarm.threshold == 4
    error_message = "M = N = 6 and a minimum capacity of 6 at ratio 0.8 pass both checks (threshold 0.8 x 5)"
  }
}

run "steady_scale_in_needs_m_at_most_n" {
  command = plan

  module {
    source = "./modules/fleet-autoscaling"
  }

  variables {
    steady_scale_in_ratio              = 0.8
    steady_scale_in_datapoints         = 7
    steady_scale_in_evaluation_periods = 6
  }

  expect_failures = [aws_cloudwatch_metric_alarm.scale_in]
}

run "steady_scale_in_needs_a_min_capacity_where_removing_one_unit_keeps_the_load_below_target" {
  command = plan

  module {
    source = "./modules/fleet-autoscaling"
  }

  variables {
    steady_scale_in_ratio        = 0.8
    steady_scale_in_min_capacity = 5
  }

  expect_failures = [aws_cloudwatch_metric_alarm.scale_in]
}

run "steady_scale_in_set_on_a_fleet_whose_alarm_would_read_more_than_10_metrics_is_refused" {
  command = plan

  module {
    source = "./modules/fleet-autoscaling"
  }

  variables {
    endpoints             = [for i in range(8) : { name = "demo-${i}" }]
    steady_scale_in_ratio = 0.8
  }

  expect_failures = [aws_cloudwatch_metric_alarm.scale_in]
}
