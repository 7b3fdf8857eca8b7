# Issue 13, queue mode (README, "Queue mode: what the module adds" and "Configuration"): one SQS queue per fleet, its
# dead-letter queue, the completion path, the dispatcher on a schedule, the IAM that goes with
# them and the load signal that counts the queue; and direct mode, which creates none of it.

mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}

# The queues' URLs come from SQS (the url attribute); fixed here so that FLEET_CONFIG can be
# compared. ARNs and names are built from names in the module, so they need no override.
override_resource {
  target          = module.fleet_queue[0].aws_sqs_queue.fleet
  override_during = plan
  values          = { url = "https://sqs.eu-west-1.amazonaws.com/123456789012/demo-fleet-queue" }
}

override_resource {
  target          = module.fleet_queue[0].aws_sqs_queue.dead_letter
  override_during = plan
  values          = { url = "https://sqs.eu-west-1.amazonaws.com/123456789012/demo-fleet-queue-dlq" }
}

override_resource {
  target          = module.fleet_queue[0].aws_sqs_queue.completions
  override_during = plan
  values          = { url = "https://sqs.eu-west-1.amazonaws.com/123456789012/demo-fleet-completions" }
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
      { name = "Demo-G6", max_instances = 4 },
      { name = "demo-g4dn", max_instances = 4 },
    ]
  }
  scaling_api           = { deployer_principal_arns = ["arn:aws:iam::123456789012:role/deployer"] }
  dispatch              = "queue"
  dispatch_output_path  = "s3://demo-bucket/async/out"
  dispatch_failure_path = "s3://demo-bucket/async/failed/"
}

run "fleet_config_carries_dispatch_and_the_queue" {
  command = plan

  assert {
    condition = {
      for k, v in jsondecode(module.functions.function_environments["router"].FLEET_CONFIG) : k => v if contains(["dispatch", "queue", "burst_signal"], k)
      } == {
      dispatch     = "queue"
      burst_signal = true
      queue = {
        queue_url            = "https://sqs.eu-west-1.amazonaws.com/123456789012/demo-fleet-queue"
        completion_queue_url = "https://sqs.eu-west-1.amazonaws.com/123456789012/demo-fleet-completions"
        output_path          = "s3://demo-bucket/async/out/"
        failure_path         = "s3://demo-bucket/async/failed/"
        room_per_capacity    = 2
        run_seconds          = 58
        signal_seconds       = 10
      }
    }
    error_message = "FLEET_CONFIG must carry dispatch = queue, burst_signal and the queue object of README, Configuration (paths end in /)"
  }

  assert {
    condition     = length(module.functions.function_environments) == 5 && length(distinct([for env in values(module.functions.function_environments) : env])) == 1
    error_message = "the five functions (with the dispatcher) must get the same STATE_TABLE and FLEET_CONFIG"
  }

  assert {
    condition     = output.fleet_queue_url == "https://sqs.eu-west-1.amazonaws.com/123456789012/demo-fleet-queue" && output.fleet_dead_letter_queue_url == "https://sqs.eu-west-1.amazonaws.com/123456789012/demo-fleet-queue-dlq"
    error_message = "the outputs fleet_queue_url and fleet_dead_letter_queue_url name the fleet queue and its DLQ"
  }
}

run "fleet_queue_is_encrypted_and_dead_letters_after_max_receive_count" {
  command = plan

  variables {
    dispatch_max_receive_count = 7
  }

  assert {
    condition = module.fleet_queue[0].redrive_policy == {
      deadLetterTargetArn = "arn:aws:sqs:eu-west-1:123456789012:demo-fleet-queue-dlq"
      maxReceiveCount     = 7
    }
    error_message = "the fleet queue's redrive policy sends a message to its DLQ after dispatch_max_receive_count receives"
  }

  assert {
    condition = alltrue([
      for q in values(module.fleet_queue[0].encryption.queues) : q.sqs_managed_sse_enabled == true && q.kms_master_key_id == null
    ]) && module.fleet_queue[0].encryption.topic_kms_master_key_id == "alias/aws/sns"
    error_message = "without a customer key the queues use SSE-SQS and the topic the AWS managed key for SNS"
  }

  assert {
    condition     = module.fleet_queue[0].visibility_timeout_seconds.fleet > module.functions.timeouts["dispatcher"] && module.fleet_queue[0].visibility_timeout_seconds.completions > module.functions.timeouts["dispatcher"]
    error_message = "a received message must stay invisible longer than one dispatcher invocation can run"
  }
}

run "a_customer_key_encrypts_the_queues_and_the_topic" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition = alltrue([
      for q in values(module.fleet_queue[0].encryption.queues) : q.kms_master_key_id == "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    ]) && module.fleet_queue[0].encryption.topic_kms_master_key_id == "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "kms_key_arn must encrypt the three queues and the completion topic"
  }
}

run "completion_queue_takes_notifications_only_from_the_completion_topic" {
  command = plan

  assert {
    condition     = module.fleet_queue[0].subscribed_topic_arns == { fleet = "arn:aws:sns:eu-west-1:123456789012:demo-fleet-completions" } && output.fleet_completion_topic_arn == "arn:aws:sns:eu-west-1:123456789012:demo-fleet-completions"
    error_message = "without caller topics the module creates the completion topic and the completion queue subscribes to it"
  }

  assert {
    condition = jsondecode(module.fleet_queue[0].completion_queue_policy).Statement == [{
      Sid       = "CompletionTopics"
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = "arn:aws:sqs:eu-west-1:123456789012:demo-fleet-completions"
      Condition = { ArnEquals = { "aws:SourceArn" = ["arn:aws:sns:eu-west-1:123456789012:demo-fleet-completions"] } }
    }]
    error_message = "only SNS, from the subscribed topic (aws:SourceArn), may send to the completion queue"
  }
}

run "caller_topics_replace_the_module_topic" {
  command = plan

  variables {
    dispatch_completion_topic_arns = ["arn:aws:sns:eu-west-1:123456789012:done", "arn:aws:sns:eu-west-1:123456789012:failed"]
  }

  assert {
    condition     = module.fleet_queue[0].subscribed_topic_arns == { "topic-0" = "arn:aws:sns:eu-west-1:123456789012:done", "topic-1" = "arn:aws:sns:eu-west-1:123456789012:failed" } && output.fleet_completion_topic_arn == null
    error_message = "the completion queue subscribes to the caller's topics, and the module creates none"
  }
}

run "dispatcher_runs_every_minute_alone" {
  command = plan

  assert {
    condition     = module.functions.function_handlers["dispatcher"] == "fleet_autoscaler.handlers.dispatcher.handler" && module.functions.function_names["dispatcher"] == "demo-fleet-dispatcher"
    error_message = "the dispatcher function runs the control plane's dispatcher handler"
  }

  assert {
    condition     = module.functions.reserved_concurrent_executions["dispatcher"] == 1 && module.functions.timeouts["dispatcher"] == 88
    error_message = "one dispatcher per fleet (reserved concurrency 1), with a timeout above run_seconds and its last round (58 + 30)"
  }

  assert {
    condition     = module.endpoint_events.dispatch_schedule == "rate(1 minute)" && module.endpoint_events.dispatch_target.arn == module.functions.function_arns["dispatcher"]
    error_message = "an EventBridge schedule rate(1 minute) invokes the dispatcher"
  }

  assert {
    condition = module.endpoint_events.dispatch_target.maximum_retry_attempts == 0 && module.functions.dispatcher_event_invoke_config == {
      maximum_retry_attempts       = 0
      maximum_event_age_in_seconds = 60
    }
    error_message = "a late or failed tick is dropped, not retried: the next minute's replaces it"
  }

  assert {
    condition     = contains(output.alarm_names, "demo-fleet-dispatcher-errors")
    error_message = "the dispatcher's errors (for example a wrong output path) raise an alarm"
  }
}

run "dispatcher_and_router_are_scoped_to_the_fleets_queues_and_endpoints" {
  command = plan

  variables {
    dispatch_run_seconds     = 120
    burst_signal_seconds     = 30
    burst_evaluation_periods = 3
  }

  assert {
    condition = {
      for s in jsondecode(module.functions.role_policies["dispatcher"]).Statement : s.Sid => [s.Action, s.Resource] if s.Sid != "WriteOwnLogs" && s.Sid != "Tracing"
      } == {
      FleetState     = [["dynamodb:GetItem", "dynamodb:PutItem"], "arn:aws:dynamodb:eu-west-1:123456789012:table/demo-fleet-state"]
      FleetEndpoints = [["sagemaker:DescribeEndpoint", "sagemaker:InvokeEndpointAsync"], ["arn:aws:sagemaker:eu-west-1:123456789012:endpoint/demo-g5", "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/demo-g6", "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/demo-g4dn"]]
      FleetQueue = [
        ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
        ["arn:aws:sqs:eu-west-1:123456789012:demo-fleet-queue"],
      ]
      CompletionQueue      = [["sqs:ReceiveMessage", "sqs:DeleteMessage"], ["arn:aws:sqs:eu-west-1:123456789012:demo-fleet-completions"]]
      FleetEndpointConfigs = [["sagemaker:DescribeEndpointConfig"], ["arn:aws:sagemaker:eu-west-1:123456789012:endpoint-config/*"]]
      FleetSignal          = ["cloudwatch:PutMetricData", "*"]
    }
    error_message = "the dispatcher may touch only the state table, the fleet's endpoints, its two queues (and read the fleet queue's depth), (caller's endpoints) endpoint configurations, and publish its signal"
  }

  assert {
    condition = [
      for s in jsondecode(module.functions.role_policies["dispatcher"]).Statement : s.Condition if s.Sid == "FleetSignal"
    ] == [{ StringEquals = { "cloudwatch:namespace" = "SageMakerFleet" } }]
    error_message = "PutMetricData has no resource-level permissions: the cloudwatch:namespace condition limits it to the fleet's metrics namespace"
  }

  assert {
    condition     = jsondecode(module.functions.function_environments["dispatcher"].FLEET_CONFIG).queue.signal_seconds == 30 && module.autoscaling.burst_scale_out_alarm.period == 30 && module.autoscaling.burst_scale_out_alarm.evaluation_periods == 3 && module.autoscaling.burst_scale_out_alarm.datapoints_to_alarm == 3
    error_message = "burst_signal_seconds sets FLEET_CONFIG queue.signal_seconds and the burst alarm's period; burst_evaluation_periods its datapoints"
  }

  assert {
    condition = {
      for s in jsondecode(module.functions.role_policies["router"]).Statement : s.Sid => [s.Action, s.Resource] if s.Sid != "WriteOwnLogs" && s.Sid != "Tracing"
    } == { FleetQueue = ["sqs:SendMessage", "arn:aws:sqs:eu-west-1:123456789012:demo-fleet-queue"] }
    error_message = "in queue mode the router only sends to the fleet queue: no DynamoDB read, no SageMaker call"
  }

  assert {
    condition = alltrue([
      for role in ["scaling_api", "endpoint_events", "reconciler"] :
      length([for s in jsondecode(module.functions.role_policies[role]).Statement : s if can(regex("sqs:(Receive|Delete|SendMessage$)", jsonencode(s.Action))) && s.Sid != "DeadLetterQueue"]) == 0
    ])
    error_message = "no other function touches the fleet queue"
  }

  assert {
    condition     = module.functions.timeouts["dispatcher"] == 150 && module.fleet_queue[0].visibility_timeout_seconds.fleet == 180
    error_message = "the dispatcher's timeout follows run_seconds (+30 s) and the visibility timeout exceeds it"
  }
}

run "fast_scale_out_min_capacity_zero_reads_the_load_on_any_fleet" {
  command = plan

  variables {
    fast_scale_out_min_capacity = 0
  }

  assert {
    condition     = module.autoscaling.fast_scale_out_alarm.expression == [for m in module.autoscaling.target_tracking_metrics : m.expression if m.id == "load"][0]
    error_message = "fast_scale_out_min_capacity 0: the fast scale-out alarm reads the load itself (the query target tracking caps), whatever the capacity"
  }
}

run "queue_mode_tracks_its_own_target_and_sizes_the_fast_step_with_headroom" {
  command = plan

  assert {
    condition     = module.autoscaling.target_tracking.target_value == jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).load_target_value_queue && module.autoscaling.fast_scale_out_alarm.threshold == 11
    error_message = "queue mode tracks load_target_value_queue (5.5) and its fast alarm fires above fast_scale_out_ratio x 5.5 = 11"
  }

  assert {
    condition = jsonencode([for s in module.autoscaling.fast_scale_out_policy.steps : [s.lower, s.upper, s.adjustment]]) == jsonencode([
      [0, 5.5, 250], [5.5, 11, 425], [11, 16.5, 600], [16.5, 22, 775], [22, 27.5, 950],
      [27.5, 33, 1125], [33, 38.5, 1300], [38.5, 44, 1475], [44, null, 1650],
    ])
    error_message = "queue mode: steps one target (5.5) wide above the threshold add floor(((ratio + i) x headroom - 1) x 100) %, headroom 1.75 (scaling_defaults.json fast_scale_out_headroom_queue): a burst is sized as if the target were about 3.1"
  }
}

run "load_target_value_and_headroom_override_the_queue_mode_defaults" {
  command = plan

  variables {
    load_target_value       = 4
    fast_scale_out_headroom = 1
  }

  assert {
    condition = module.autoscaling.target_tracking.target_value == 4 && jsonencode([for s in module.autoscaling.fast_scale_out_policy.steps : [s.lower, s.upper, s.adjustment]]) == jsonencode([
      [0, 4, 100], [4, 8, 200], [8, 12, 300], [12, 16, 400], [16, 20, 500], [20, 24, 600],
      [24, 28, 700], [28, 32, 800], [32, null, 900],
    ])
    error_message = "load_target_value 4 and fast_scale_out_headroom 1 set by the user: the plain steps of target 4 in queue mode too"
  }
}

run "fast_scale_out_headroom_rounds_down_to_whole_percents" {
  command = plan

  variables {
    fast_scale_out_ratio    = 2.3
    fast_scale_out_headroom = 1.1
  }

  assert {
    condition     = [for s in module.autoscaling.fast_scale_out_policy.steps : s.adjustment] == [153, 263, 373, 483, 593, 703, 813, 923, 1033]
    error_message = "(2.3 + i) x 1.1 - 1, in percent, is 153, 263, ... exactly: no step loses a percent to binary rounding"
  }
}

run "target_tracking_reads_the_load_at_most_at_its_target_while_the_fleet_keeps_up" {
  command = plan

  assert {
    condition = jsonencode({
      for m in module.autoscaling.target_tracking_metrics : m.id => [m.expression, m.return_data] if m.expression != null && m.expression != ""
      }) == jsonencode({
      waiting = ["IF((FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0) - FILL(c, 0)) > 0, FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0) - FILL(c, 0), 0) + FILL(q, 0)", false]
      load    = ["(FILL(a, 0) + (IF((FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0) - FILL(c, 0)) > 0, FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0) - FILL(c, 0), 0) + FILL(q, 0)) / 1) / IF(FILL(c, 0) < 1, 1, FILL(c, 0))", false]
      tracked = ["IF(waiting < IF(FILL(c, 0) < 1, 1, FILL(c, 0)), IF(load > 5.5, 5.5, load), load)", true]
    })
    error_message = "queue mode (scaling_defaults.json load_keep_up_waiting_queue 1): target tracking returns the load capped at its target (5.5) while fewer requests wait than one per in-service unit; W and the load are queries of their own that return no data"
  }

  assert {
    condition     = module.autoscaling.target_tracking.target_value == jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).load_target_value_queue && jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).load_keep_up_waiting_queue == 1
    error_message = "the expression above is written for the defaults: load_keep_up_waiting_queue 1 and load_target_value_queue 5.5, which target tracking uses"
  }
}

run "the_dashboard_draws_the_load_and_what_target_tracking_reads" {
  command = plan

  assert {
    condition = [
      for w in jsondecode(module.observability.dashboard_body).widgets : [
        for m in w.properties.metrics : [m[0].id, m[0].visible] if can(m[0].expression)
      ] if startswith(w.properties.title, "Load signal")
    ] == [[["waiting", false], ["load", true], ["tracked", true]]]
    error_message = "queue mode: one load-signal widget draws the load and the capped value target tracking returns; the waiting work is hidden"
  }

  assert {
    condition = [
      for w in jsondecode(module.observability.dashboard_body).widgets : [
        for m in w.properties.metrics : m[0].expression if can(m[0].expression) && m[0].id == "tracked"
      ] if startswith(w.properties.title, "Load signal")
    ] == [[for q in module.autoscaling.target_tracking_metrics : q.expression if q.return_data]]
    error_message = "the widget's tracked line is the expression target tracking returns"
  }

  assert {
    condition = jsonencode([
      for w in jsondecode(module.observability.dashboard_body).widgets : sort([
        for m in w.properties.metrics : m[length(m) - 1].id if !can(m[0].expression) && !m[length(m) - 1].visible
      ]) if startswith(w.properties.title, "Load signal")
      ]) == jsonencode([["a", "b1", "b2", "b3", "c", "q"]]) && jsonencode([
      for w in jsondecode(module.observability.dashboard_body).widgets : w.properties.annotations.horizontal[0].value if startswith(w.properties.title, "Load signal")
    ]) == jsonencode([5.5])
    error_message = "the policy's metrics (a, b1-b3, c, q) are drawn hidden, and the target (5.5) is a horizontal line"
  }
}

run "load_keep_up_waiting_scales_the_limit_and_0_turns_the_cap_off" {
  command = plan

  variables {
    load_keep_up_waiting = 2.5
    load_target_value    = 6
  }

  assert {
    condition     = [for m in module.autoscaling.target_tracking_metrics : m.expression if m.return_data] == ["IF(waiting < 2.5 * IF(FILL(c, 0) < 1, 1, FILL(c, 0)), IF(load > 6, 6, load), load)"]
    error_message = "load_keep_up_waiting 2.5 and load_target_value 6: the load is capped at 6 while fewer than 2.5 requests per in-service unit wait"
  }
}

run "load_keep_up_waiting_zero_tracks_the_load_itself" {
  command = plan

  variables {
    load_keep_up_waiting = 0
  }

  assert {
    condition     = [for m in module.autoscaling.target_tracking_metrics : m.id if m.expression != null && m.expression != ""] == ["load"] && [for m in module.autoscaling.target_tracking_metrics : m.id if m.return_data] == ["load"]
    error_message = "load_keep_up_waiting 0: target tracking returns the load itself, with no waiting or tracked query"
  }
}

run "load_backlog_minutes_overrides_the_queue_mode_default" {
  command = plan

  variables {
    load_backlog_minutes = 3
  }

  assert {
    condition = [
      for m in module.autoscaling.target_tracking_metrics : m.expression if m.id == "load"
    ] == ["(FILL(a, 0) + (IF((FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0) - FILL(c, 0)) > 0, FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0) - FILL(c, 0), 0) + FILL(q, 0)) / 3) / IF(FILL(c, 0) < 1, 1, FILL(c, 0))"]
    error_message = "load_backlog_minutes set by the user spreads the endpoints' backlog and the fleet queue's depth alike"
  }
}

run "load_signal_counts_the_fleet_queue" {
  command = plan

  assert {
    condition = [
      for m in module.autoscaling.target_tracking_metrics : m.expression if m.id == "load"
    ] == ["(FILL(a, 0) + (IF((FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0) - FILL(c, 0)) > 0, FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0) - FILL(c, 0), 0) + FILL(q, 0)) / 1) / IF(FILL(c, 0) < 1, 1, FILL(c, 0))"]
    error_message = "queue mode: load = (FILL(a,0) + (max(SUM FILL(b_i,0) - FILL(c,0), 0) + FILL(q,0)) / load_backlog_minutes) / max(FILL(c,0), 1): the endpoints' backlog beyond one request per in-service unit, and the fleet queue in full (README, Queue mode); load_backlog_minutes_queue 1 by default"
  }

  assert {
    condition = [
      for m in module.autoscaling.target_tracking_metrics : {
        namespace  = m.metric_stat[0].metric[0].namespace
        name       = m.metric_stat[0].metric[0].metric_name
        stat       = m.metric_stat[0].stat
        dimensions = { for d in m.metric_stat[0].metric[0].dimensions : d.name => d.value }
      } if m.id == "q"
      ] == [{
        namespace  = "AWS/SQS"
        name       = "ApproximateNumberOfMessagesVisible"
        stat       = "Maximum"
        dimensions = { QueueName = "demo-fleet-queue" }
    }]
    error_message = "q is the fleet queue's AWS/SQS ApproximateNumberOfMessagesVisible (QueueName), Maximum"
  }

  assert {
    condition = [
      for q in module.autoscaling.scale_from_zero_alarm_queries : q.expression if q.return_data
    ] == ["IF(FILL(c, 0) < 1, FILL(a, 0) + FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0) + FILL(q, 0), 0)"] && contains([for q in module.autoscaling.scale_from_zero_alarm_queries : q.id], "q")
    error_message = "scale-from-zero fires on requests queued in the fleet queue while no capacity is in service"
  }

  assert {
    condition     = module.autoscaling.fast_scale_out_alarm.expression == "IF(FILL(c, 0) >= ${jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).fast_scale_out_min_capacity_queue}, (FILL(a, 0) + (IF((FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0) - FILL(c, 0)) > 0, FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0) - FILL(c, 0), 0) + FILL(q, 0)) / 1) / IF(FILL(c, 0) < 1, 1, FILL(c, 0)), 0)"
    error_message = "the fast scale-out alarm follows the same load, read only from fast_scale_out_min_capacity_queue units in service (scaling_defaults.json)"
  }

  assert {
    condition     = length(module.autoscaling.scale_from_zero_alarm_queries) == 7
    error_message = "a, three b_i, q, c and the expression: within CloudWatch's 10 metrics"
  }

  assert {
    condition = module.autoscaling.burst_scale_out_alarm_name == "demo-fleet-burst-scale-out" && module.autoscaling.burst_scale_out_alarm == {
      namespace           = "SageMakerFleet"
      metric_name         = "OutstandingPerCapacity"
      dimensions          = tomap({ Fleet = "demo" })
      statistic           = "Maximum"
      period              = 10
      expression          = null
      threshold           = module.autoscaling.fast_scale_out_alarm.threshold
      comparison_operator = "GreaterThanThreshold"
      evaluation_periods  = 2
      datapoints_to_alarm = 2
      treat_missing_data  = "notBreaching"
      alarm_actions       = toset([module.autoscaling.fast_scale_out_policy_arn])
    }
    error_message = "queue mode: the burst alarm reads the dispatcher's OutstandingPerCapacity (Maximum, 10 s) and runs the fast scale-out policy at the fast alarm's threshold after 2 datapoints"
  }

  assert {
    condition     = module.autoscaling.fast_scale_out_policy_arn == "arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:fast:resource/custom-resource/demo:policyName/demo-fleet-fast-scale-out" && module.autoscaling.burst_scale_out_alarm.evaluation_periods == jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).burst_evaluation_periods_queue
    error_message = "the burst alarm's action is the fast scale-out policy itself, and its datapoints default to scaling_defaults.json"
  }
}

run "signal_seconds_zero_publishes_nothing_and_creates_no_burst_alarm" {
  command = plan

  variables {
    burst_signal_seconds = 0
  }

  assert {
    condition     = module.autoscaling.burst_scale_out_alarm == null && module.autoscaling.burst_scale_out_alarm_name == null && jsondecode(module.functions.function_environments["dispatcher"].FLEET_CONFIG).queue.signal_seconds == 0 && jsondecode(module.functions.function_environments["dispatcher"].FLEET_CONFIG).burst_signal == false
    error_message = "burst_signal_seconds = 0: FLEET_CONFIG queue.signal_seconds = 0, burst_signal = false and no burst alarm"
  }

  assert {
    condition     = !strcontains(module.functions.role_policies["dispatcher"], "cloudwatch:PutMetricData") && !strcontains(module.functions.role_policies["dispatcher"], "sqs:GetQueueAttributes")
    error_message = "a dispatcher that publishes no signal gets neither PutMetricData nor GetQueueAttributes"
  }

  assert {
    condition     = !strcontains(module.observability.dashboard_body, "OutstandingPerCapacity")
    error_message = "no signal, no signal widget"
  }
}

run "seven_endpoints_fit_in_queue_mode" {
  command = plan

  variables {
    fleet = {
      name         = "demo"
      max_capacity = 7
      endpoints    = [for i in range(7) : { name = "demo-${i}", max_instances = 1 }]
    }
  }

  assert {
    condition     = length(module.autoscaling.scale_from_zero_alarm_queries) == 11 && length([for q in module.autoscaling.scale_from_zero_alarm_queries : q if q.expression == null || q.expression == ""]) == 10
    error_message = "7 endpoints: 10 metrics (a, b1-b7, q, c) and one expression"
  }

  assert {
    condition = [
      for m in module.autoscaling.target_tracking_metrics : m.expression if m.id == "load"
    ] == ["(FILL(a, 0) + (IF((${join(" + ", [for i in range(7) : "FILL(b${i + 1}, 0)"])} - FILL(c, 0)) > 0, ${join(" + ", [for i in range(7) : "FILL(b${i + 1}, 0)"])} - FILL(c, 0), 0) + FILL(q, 0)) / 1) / IF(FILL(c, 0) < 1, 1, FILL(c, 0))"]
    error_message = "the seven endpoints' backlogs are summed, less one request per in-service unit, before the fleet queue joins"
  }

  assert {
    condition     = length(module.autoscaling.fast_scale_out_alarm.expression) <= 1024 && alltrue([for m in module.autoscaling.target_tracking_metrics : length(coalesce(m.expression, "-")) <= 1024])
    error_message = "the longest expression (the fast alarm's, seven endpoints) stays well within a metric-math expression's length limit"
  }
}

run "eight_endpoints_exceed_the_metric_limit_in_queue_mode" {
  command = plan

  variables {
    fleet = {
      name         = "demo"
      max_capacity = 8
      endpoints    = [for i in range(8) : { name = "demo-${i}", max_instances = 1 }]
    }
  }

  expect_failures = [terraform_data.scaling_signal_check]
}

run "queue_alarms_and_dashboard_widgets" {
  command = plan

  assert {
    condition     = contains(output.alarm_names, "demo-fleet-fleet-queue-age") && contains(output.alarm_names, "demo-fleet-fleet-queue-dead-letters")
    error_message = "queue mode alarms on the fleet queue's oldest message and on any dead-lettered request"
  }

  assert {
    condition = length([
      for w in jsondecode(module.observability.dashboard_body).widgets : w
      if can(regex("demo-fleet-queue", jsonencode(w.properties.metrics))) && !startswith(w.properties.title, "Load signal")
    ]) == 3
    error_message = "the dashboard shows the fleet queue's depth, its oldest message's age and its dead letters"
  }

  assert {
    condition = [
      for w in jsondecode(module.observability.dashboard_body).widgets : [w.properties.stat, w.properties.period, w.properties.metrics]
      if strcontains(jsonencode(w.properties), "OutstandingPerCapacity")
    ] == [["Maximum", 10, [["SageMakerFleet", "OutstandingPerCapacity", "Fleet", "demo", { label = "outstanding per unit" }]]]]
    error_message = "the dashboard shows the dispatcher's OutstandingPerCapacity at its 10 s resolution"
  }
}

run "module_endpoints_share_one_output_path_and_notify_the_completion_topic" {
  command = plan

  variables {
    dispatch_output_path  = null
    dispatch_failure_path = null
    create_endpoints      = true
    endpoint_deployment = {
      image_uri          = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/sample:1"
      execution_role_arn = "arn:aws:iam::123456789012:role/sagemaker"
      instance_types     = { "demo-g5" = "ml.g5.2xlarge", "Demo-G6" = "ml.g6.2xlarge", "demo-g4dn" = "ml.g4dn.2xlarge" }
      s3_output_path     = "s3://bucket/out"
      s3_failure_path    = "s3://bucket/failed"
    }
  }

  assert {
    condition = length(module.endpoints[0].output_config) == 3 && alltrue([
      for config in values(module.endpoints[0].output_config) :
      config.s3_output_path == "s3://bucket/out/" && config.s3_failure_path == "s3://bucket/failed/" &&
      config.success_topic == "arn:aws:sns:eu-west-1:123456789012:demo-fleet-completions" &&
      config.error_topic == "arn:aws:sns:eu-west-1:123456789012:demo-fleet-completions"
    ])
    error_message = "in queue mode every endpoint shares one S3OutputPath and S3FailurePath (no per-endpoint suffix) and notifies the completion topic on success and error"
  }

  assert {
    condition     = jsondecode(module.functions.function_environments["dispatcher"].FLEET_CONFIG).queue.output_path == "s3://bucket/out/" && jsondecode(module.functions.function_environments["dispatcher"].FLEET_CONFIG).queue.failure_path == "s3://bucket/failed/"
    error_message = "FLEET_CONFIG's output and failure paths are the endpoints' shared paths"
  }

  assert {
    condition = module.fleet_queue[0].publisher_role_names == ["sagemaker"] && jsondecode(module.fleet_queue[0].publisher_policy).Statement == [{
      Sid      = "PublishCompletions"
      Effect   = "Allow"
      Action   = ["sns:Publish"]
      Resource = ["arn:aws:sns:eu-west-1:123456789012:demo-fleet-completions"]
    }]
    error_message = "the endpoints' execution role gets sns:Publish on the completion topic in its own policy (CreateEndpoint checks the role)"
  }

  assert {
    condition = [
      for s in jsondecode(module.functions.role_policies["dispatcher"]).Statement : s.Resource if s.Sid == "FleetEndpointConfigs"
    ] == [["arn:aws:sagemaker:eu-west-1:123456789012:endpoint-config/demo-g5-*", "arn:aws:sagemaker:eu-west-1:123456789012:endpoint-config/demo-g6-*", "arn:aws:sagemaker:eu-west-1:123456789012:endpoint-config/demo-g4dn-*"]]
    error_message = "with the module's endpoints the dispatcher may describe only their configurations (<endpoint>-<hash>)"
  }

  assert {
    condition     = alltrue([for name in values(module.endpoints[0].endpoint_config_names) : anytrue([for prefix in ["demo-g5-", "Demo-G6-", "demo-g4dn-"] : startswith(name, prefix)])])
    error_message = "the configuration names the dispatcher's policy allows must match the names modules/async-endpoints gives"
  }
}

run "execution_role_with_a_path_and_a_customer_key" {
  command = plan

  variables {
    dispatch_output_path  = null
    dispatch_failure_path = null
    kms_key_arn           = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    create_endpoints      = true
    endpoint_deployment = {
      image_uri          = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/sample:1"
      execution_role_arn = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-1"
      instance_types     = { "demo-g5" = "ml.g5.2xlarge", "Demo-G6" = "ml.g6.2xlarge", "demo-g4dn" = "ml.g4dn.2xlarge" }
      s3_output_path     = "s3://bucket/out"
    }
  }

  assert {
    condition     = module.fleet_queue[0].publisher_role_names == ["AmazonSageMaker-ExecutionRole-1"]
    error_message = "the publisher policy goes to the role named by the last segment of its ARN (roles may have paths)"
  }

  assert {
    condition = [for s in jsondecode(module.fleet_queue[0].publisher_policy).Statement : s if s.Sid == "CompletionTopicKey"] == [{
      Sid      = "CompletionTopicKey"
      Effect   = "Allow"
      Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
      Resource = ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
    }]
    error_message = "with a customer key on the topic, the execution role may use that key to publish"
  }
}

run "direct_mode_creates_no_queue_and_no_dispatcher" {
  command = plan

  variables {
    dispatch              = "direct"
    dispatch_output_path  = null
    dispatch_failure_path = null
  }

  assert {
    condition     = length(module.fleet_queue) == 0 && output.fleet_queue_url == null && output.fleet_dead_letter_queue_url == null && output.fleet_completion_topic_arn == null
    error_message = "direct mode creates no fleet queue, dead-letter queue or completion topic"
  }

  assert {
    condition     = !contains(keys(module.functions.function_names), "dispatcher") && module.functions.dispatcher_event_invoke_config == null && module.endpoint_events.dispatch_schedule == null
    error_message = "direct mode has no dispatcher function and no dispatch schedule"
  }

  assert {
    condition     = jsondecode(module.functions.function_environments["router"].FLEET_CONFIG).dispatch == "direct" && !contains(keys(jsondecode(module.functions.function_environments["router"].FLEET_CONFIG)), "queue")
    error_message = "direct mode's FLEET_CONFIG says dispatch = direct and has no queue"
  }

  assert {
    condition = [
      for s in jsondecode(module.functions.role_policies["router"]).Statement : s.Action if s.Sid == "FleetEndpoints"
    ] == [["sagemaker:DescribeEndpoint", "sagemaker:InvokeEndpointAsync"]] && !strcontains(module.functions.role_policies["router"], "sqs:")
    error_message = "the direct router keeps InvokeEndpointAsync and touches no queue"
  }

  assert {
    condition     = !strcontains(module.autoscaling.fleet_metric_expression, "q") && !anytrue([for a in output.alarm_names : strcontains(a, "fleet-queue")])
    error_message = "direct mode's load signal and alarms do not read a fleet queue"
  }

  assert {
    condition     = [for m in module.autoscaling.target_tracking_metrics : m.id if m.return_data] == ["load"] && !contains([for m in module.autoscaling.target_tracking_metrics : m.id], "tracked")
    error_message = "direct mode: target tracking reads the load itself (load_keep_up_waiting is queue mode's)"
  }

  assert {
    condition = [
      for w in jsondecode(module.observability.dashboard_body).widgets : [
        for m in w.properties.metrics : m[0].id if can(m[0].expression)
      ] if startswith(w.properties.title, "Load signal")
    ] == [["load"]]
    error_message = "direct mode: the load-signal widget draws the load target tracking follows"
  }

  assert {
    condition     = module.autoscaling.burst_scale_out_alarm.metric_name == "RoutedPerCapacity" && !strcontains(module.observability.dashboard_body, "OutstandingPerCapacity") && strcontains(module.observability.dashboard_body, "RoutedPerCapacity")
    error_message = "direct mode has no dispatcher signal: its burst alarm and signal widget read the router's RoutedPerCapacity"
  }
}

run "queue_mode_needs_an_async_fleet" {
  command = plan

  variables {
    fleet = {
      name            = "demo"
      invocation_mode = "realtime"
      min_capacity    = 1
      max_capacity    = 4
      endpoints       = [{ name = "demo-rt", min_instances = 1, max_instances = 4 }]
    }
  }

  expect_failures = [terraform_data.dispatch_check]
}

run "queue_mode_needs_the_load_signal" {
  command = plan

  variables {
    scaling_signal = "backlog"
  }

  expect_failures = [terraform_data.dispatch_check]
}

run "queue_mode_needs_a_shared_output_path" {
  command = plan

  variables {
    dispatch_output_path = null
  }

  expect_failures = [terraform_data.dispatch_check]
}

run "module_endpoints_take_their_paths_and_topics_from_endpoint_deployment" {
  command = plan

  variables {
    create_endpoints = true
    endpoint_deployment = {
      image_uri          = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/sample:1"
      execution_role_arn = "arn:aws:iam::123456789012:role/sagemaker"
      instance_types     = { "demo-g5" = "ml.g5.2xlarge", "Demo-G6" = "ml.g6.2xlarge", "demo-g4dn" = "ml.g4dn.2xlarge" }
      s3_output_path     = "s3://bucket/out"
    }
  }

  expect_failures = [terraform_data.dispatch_check]
}

run "module_endpoints_in_queue_mode_notify_only_the_completion_topic" {
  command = plan

  variables {
    dispatch_output_path  = null
    dispatch_failure_path = null
    create_endpoints      = true
    endpoint_deployment = {
      image_uri          = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/sample:1"
      execution_role_arn = "arn:aws:iam::123456789012:role/sagemaker"
      instance_types     = { "demo-g5" = "ml.g5.2xlarge", "Demo-G6" = "ml.g6.2xlarge", "demo-g4dn" = "ml.g4dn.2xlarge" }
      s3_output_path     = "s3://bucket/out"
      success_topic_arn  = "arn:aws:sns:eu-west-1:123456789012:mine"
    }
  }

  expect_failures = [terraform_data.dispatch_check]
}

run "queue_mode_with_create_endpoints_needs_endpoint_deployment" {
  command = plan

  variables {
    dispatch_output_path  = null
    dispatch_failure_path = null
    create_endpoints      = true
  }

  # Both root checks say what is missing; no submodule fails on the absent deployment.
  expect_failures = [terraform_data.endpoint_deployment_check, terraform_data.dispatch_check]
}

run "queue_mode_fast_scale_in_removes_up_to_93_percent" {
  command = plan

  # load_target_value 7 rather than the default: T = 4.2 puts bounds such as 7/3 on the
  # 1e-6 rounding the module applies.
  variables {
    load_target_value = 7
  }

  assert {
    condition     = abs(module.autoscaling.fast_scale_in_alarm.threshold - 4.2) < 0.000001
    error_message = "queue mode: the fast scale-in alarm fires below fast_scale_in_ratio (0.6) x load_target_value (7) = 4.2"
  }

  assert {
    condition = jsonencode([for s in module.autoscaling.fast_scale_in_policy.steps : [s.lower, s.upper, s.adjustment]]) == jsonencode([
      [null, -3.78, -93], [-3.78, -3.36, -85], [-3.36, -2.333333, -66], [-2.333333, -1.4, -50], [-1.4, 0, -33],
    ])
    error_message = "queue mode (scaling_defaults.json fast_scale_in_max_percent_queue 93): with T = 4.2, load in (2.8, 4.2) -33 %, (1.866667, 2.8] -50 %, (0.84, 1.866667] -66 %, (0.42, 0.84] -85 %, at most 0.42 -93 % (offsets from the threshold)"
  }
}

run "fast_scale_in_max_percent_85_stops_at_85" {
  command = plan

  variables {
    load_target_value         = 7
    fast_scale_in_max_percent = 85
  }

  assert {
    condition = jsonencode([for s in module.autoscaling.fast_scale_in_policy.steps : [s.lower, s.upper, s.adjustment]]) == jsonencode([
      [null, -3.36, -85], [-3.36, -2.333333, -66], [-2.333333, -1.4, -50], [-1.4, 0, -33],
    ])
    error_message = "fast_scale_in_max_percent 85: load at most T/5 = 0.84 removes 85 %, the open step"
  }
}

run "fast_scale_in_max_percent_66_is_direct_modes_three_steps" {
  command = plan

  variables {
    load_target_value         = 7
    fast_scale_in_max_percent = 66
  }

  assert {
    condition = jsonencode([for s in module.autoscaling.fast_scale_in_policy.steps : [s.lower, s.upper, s.adjustment]]) == jsonencode([
      [null, -2.333333, -66], [-2.333333, -1.4, -50], [-1.4, 0, -33],
    ])
    error_message = "fast_scale_in_max_percent 66: the three steps of direct mode's default"
  }
}

run "steady_scale_in_defaults_come_from_scaling_defaults_json_in_queue_mode" {
  command = plan

  assert {
    condition = module.autoscaling.steady_scale_in_alarm == {
      threshold           = jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).steady_scale_in_ratio * jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).load_target_value_queue
      comparison_operator = "LessThanThreshold"
      evaluation_periods  = jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).steady_scale_in_evaluation_periods
      datapoints_to_alarm = jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).steady_scale_in_datapoints
      treat_missing_data  = "notBreaching"
      expression          = "IF(FILL(c, 0) >= ${jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).steady_scale_in_min_capacity}, IF(FILL(c, 0) >= FILL(d, 0), (FILL(a, 0) + (IF((FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0) - FILL(c, 0)) > 0, FILL(b1, 0) + FILL(b2, 0) + FILL(b3, 0) - FILL(c, 0), 0) + FILL(q, 0)) / 1) / IF(FILL(c, 0) < 1, 1, FILL(c, 0)), ${jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).load_target_value_queue}), ${jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).load_target_value_queue})"
    }
    error_message = "queue mode: the steady scale-in alarm reads the queue-mode load, M of N datapoints, with ratio, M, N and minimum capacity from scaling_defaults.json"
  }

  assert {
    condition     = module.autoscaling.steady_scale_in_policy.cooldown == jsondecode(file("modules/fleet-autoscaling/scaling_defaults.json")).steady_scale_in_cooldown_seconds && [for s in module.autoscaling.steady_scale_in_policy.steps : s.adjustment] == [-25, -15]
    error_message = "the steady scale-in policy removes 25 % or 15 %, with the cooldown of scaling_defaults.json"
  }
}

run "steady_scale_in_reads_the_fleets_desired_capacity" {
  command = plan

  assert {
    condition = [for m in module.autoscaling.steady_scale_in_metrics : m.id] == ["a", "b1", "b2", "b3", "q", "c", "d"] && [
      for m in module.autoscaling.steady_scale_in_metrics : { namespace = m.namespace, name = m.name, stat = m.stat, dimensions = m.dimensions } if m.id == "d"
    ] == [{ namespace = "SageMakerFleet", name = "DesiredCapacity", stat = "Maximum", dimensions = { Fleet = "demo" } }]
    error_message = "the steady scale-in alarm reads the load's metrics and d, the control plane's DesiredCapacity (metrics_namespace, Fleet)"
  }
}

run "steady_scale_in_is_off_by_default_where_its_alarm_would_read_more_than_10_metrics" {
  command = plan

  variables {
    fleet = {
      name         = "demo"
      max_capacity = 14
      endpoints = [
        { name = "demo-1", max_instances = 2 },
        { name = "demo-2", max_instances = 2 },
        { name = "demo-3", max_instances = 2 },
        { name = "demo-4", max_instances = 2 },
        { name = "demo-5", max_instances = 2 },
        { name = "demo-6", max_instances = 2 },
        { name = "demo-7", max_instances = 2 },
      ]
    }
  }

  assert {
    condition     = module.autoscaling.steady_scale_in_alarm == null && module.autoscaling.fast_scale_in_alarm != null
    error_message = "queue mode with 7 endpoints: a, 7 backlogs, q and c are the load alarm's 10 metrics, d would be the 11th, so the default leaves steady scale-in off"
  }
}

run "six_endpoints_keep_steady_scale_in_in_queue_mode" {
  command = plan

  variables {
    fleet = {
      name         = "demo"
      max_capacity = 6
      endpoints    = [for i in range(6) : { name = "demo-${i}", max_instances = 1 }]
    }
  }

  assert {
    condition     = length(module.autoscaling.steady_scale_in_metrics) == 10 && length(module.autoscaling.steady_scale_in_alarm.expression) <= 1024
    error_message = "6 endpoints in queue mode: the steady alarm reads 10 metrics (a, b1-b6, q, c, d), and its expression stays within a metric-math expression's length limit"
  }
}
