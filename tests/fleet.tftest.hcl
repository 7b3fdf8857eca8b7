# Wiring of the fleet module, in plan mode with a mocked AWS provider. Computed values the
# assertions need (invoke URLs, ARNs) get fixed mock values at plan time.

mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}

variables {
  fleet = {
    name         = "demo"
    strategy     = "priority"
    max_capacity = 12
    endpoints = [
      { name = "demo-g5", max_instances = 4 },
      { name = "Demo-G6", variant = "Blue", max_instances = 4, capacity_per_instance = 2, share = 2 },
      { name = "demo-g4dn", max_instances = 4, priority = 7 },
    ]
  }
  scaling_api = {
    deployer_principal_arns = ["arn:aws:iam::123456789012:role/deployer"]
  }
  tags = { team = "ml" }
}

run "fleet_config_matches_the_inputs" {
  command = plan

  assert {
    condition = jsondecode(module.functions.function_environments["router"].FLEET_CONFIG) == {
      fleet_name                 = "demo"
      dimension_id               = "demo"
      invocation_mode            = "async"
      strategy                   = "priority"
      min_capacity               = 0
      max_capacity               = 12
      activity_timeout_seconds   = 1500
      capacity_retry_seconds     = 900
      router_cache_ttl_seconds   = 5
      max_failover_attempts      = 2
      metrics_namespace          = "SageMakerFleet"
      drain_timeout_seconds      = 900
      backlog_max_age_seconds    = 300
      scale_to_zero_idle_seconds = 900
      trim_hold_seconds          = 120
      router_api                 = { name = "demo-fleet-router", stage = "live" }
      dispatch                   = "direct"
      burst_signal               = true
      endpoints = [
        { name = "demo-g5", variant = "AllTraffic", capacity_per_instance = 1, min_instances = 0, max_instances = 4, priority = 1, share = 1 },
        { name = "Demo-G6", variant = "Blue", capacity_per_instance = 2, min_instances = 0, max_instances = 4, priority = 2, share = 2 },
        { name = "demo-g4dn", variant = "AllTraffic", capacity_per_instance = 1, min_instances = 0, max_instances = 4, priority = 7, share = 1 },
      ]
    }
    error_message = "FLEET_CONFIG must hold every input with the documented defaults (priority = position unless set)"
  }

  assert {
    condition     = length(distinct([for env in values(module.functions.function_environments) : env])) == 1 && length(module.functions.function_environments) == 4
    error_message = "all four functions must get the same STATE_TABLE and FLEET_CONFIG"
  }

  assert {
    condition     = module.functions.function_environments["reconciler"].STATE_TABLE == "demo-fleet-state" && output.state_table_name == "demo-fleet-state"
    error_message = "STATE_TABLE must name the module's table"
  }

  assert {
    condition = module.functions.function_handlers == {
      router          = "fleet_autoscaler.handlers.router.handler"
      scaling_api     = "fleet_autoscaler.handlers.scaling_api.handler"
      endpoint_events = "fleet_autoscaler.handlers.endpoint_events.handler"
      reconciler      = "fleet_autoscaler.handlers.reconciler.handler"
    }
    error_message = "handlers must be the control plane's entry points"
  }

  assert {
    condition     = length(module.functions.package_sha256) == 44
    error_message = "the functions must deploy the real package archive_file built from lambda_src"
  }
}

run "target_tracking_is_metric_math_over_every_endpoint" {
  command = plan

  variables {
    scaling_signal = "backlog"
  }

  assert {
    condition     = length(module.autoscaling.target_tracking_metrics) == 4
    error_message = "one metric query per endpoint plus one expression"
  }

  assert {
    condition = [
      for m in module.autoscaling.target_tracking_metrics : m.expression
      if m.expression != null && m.expression != ""
    ] == ["MAX([m1, m2, m3])"]
    error_message = "exactly one expression, MAX over the three endpoint queries"
  }

  assert {
    condition = alltrue([
      for m in module.autoscaling.target_tracking_metrics :
      m.return_data == (m.id == "fleet")
    ])
    error_message = "only the fleet expression returns data"
  }

  assert {
    condition = sort(flatten([
      for m in module.autoscaling.target_tracking_metrics : [
        for stat in m.metric_stat : [
          for d in stat.metric[0].dimensions : d.value if d.name == "EndpointName"
        ] if stat.metric[0].metric_name == "ApproximateBacklogSizePerInstance" && stat.metric[0].namespace == "AWS/SageMaker" && stat.stat == "Average"
      ]
    ])) == sort(["demo-g5", "Demo-G6", "demo-g4dn"])
    error_message = "each endpoint's ApproximateBacklogSizePerInstance (Average) must be queried once"
  }

  assert {
    condition     = module.autoscaling.scalable_target_resource_id == "https://abc123.execute-api.eu-west-1.amazonaws.com/live/scalableTargetDimensions/demo"
    error_message = "the scalable target's resource id must be the scaling API URL of the fleet's dimension"
  }

  assert {
    condition     = output.scaling_api_resource_id == module.autoscaling.scalable_target_resource_id
    error_message = "the output must be the scalable target's resource id"
  }
}

run "async_fleet_at_zero_scales_from_zero" {
  command = plan

  variables {
    scaling_signal = "backlog"
  }

  assert {
    condition     = output.scale_from_zero_alarm_name == "demo-fleet-has-backlog-without-capacity" && output.scale_from_zero_policy_arn != null
    error_message = "an async fleet with min_capacity 0 needs the scale-from-zero policy and alarm"
  }

  assert {
    condition = sort([
      for q in module.autoscaling.scale_from_zero_alarm_queries : q.metric[0].dimensions.EndpointName
      if length(q.metric) == 1 && q.metric[0].metric_name == "HasBacklogWithoutCapacity"
    ]) == sort(["demo-g5", "Demo-G6", "demo-g4dn"])
    error_message = "the alarm must read HasBacklogWithoutCapacity of every endpoint"
  }

  assert {
    condition = [
      for q in module.autoscaling.scale_from_zero_alarm_queries : q.expression if q.return_data
    ] == ["MAX([b1, b2, b3])"]
    error_message = "the alarm must fire on MAX over the endpoints"
  }
}

run "event_rule_names_exactly_the_fleet_endpoints" {
  command = plan

  assert {
    condition = jsondecode(module.endpoint_events.event_pattern) == {
      source        = ["aws.sagemaker"]
      "detail-type" = ["SageMaker Endpoint State Change"]
      detail        = { EndpointName = ["demo-g5", "Demo-G6", "demo-g4dn"] }
    }
    error_message = "the rule must match state changes of exactly the fleet's endpoints"
  }

  assert {
    condition     = module.endpoint_events.reconcile_schedule == "rate(1 minute)"
    error_message = "the reconciler runs every minute by default (scaling_defaults.json)"
  }
}

run "iam_is_scoped_to_the_fleet" {
  command = plan

  assert {
    condition = alltrue([
      for role, policy in module.functions.role_policies : alltrue([
        for s in jsondecode(policy).Statement :
        sort(flatten([s.Resource])) == sort([
          "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/demo-g5",
          "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/demo-g6",
          "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/demo-g4dn",
        ]) if anytrue([for a in flatten([s.Action]) : startswith(a, "sagemaker:")])
      ])
    ])
    error_message = "SageMaker actions must apply to the fleet's endpoint ARNs (lower-cased names) only"
  }

  assert {
    condition = alltrue([
      for role, policy in module.functions.role_policies : alltrue([
        for s in jsondecode(policy).Statement :
        flatten([s.Resource]) == ["arn:aws:dynamodb:eu-west-1:123456789012:table/demo-fleet-state"]
        if anytrue([for a in flatten([s.Action]) : startswith(a, "dynamodb:")])
      ])
    ])
    error_message = "DynamoDB actions must apply to the state table only"
  }

  assert {
    condition = alltrue([
      for role, policy in module.functions.role_policies : alltrue([
        for s in jsondecode(policy).Statement : contains(["Tracing", "FleetMetrics"], s.Sid) || !contains(flatten([s.Resource]), "*")
      ])
    ])
    error_message = "no statement but X-Ray tracing and the reconciler's GetMetricData may use a wildcard resource"
  }

  assert {
    condition = flatten([
      for s in jsondecode(module.functions.role_policies["router"]).Statement : s.Action if s.Sid == "FleetState" || s.Sid == "FleetEndpoints"
    ]) == ["dynamodb:GetItem", "sagemaker:DescribeEndpoint", "sagemaker:InvokeEndpointAsync"]
    error_message = "the router reads the table and invokes endpoints asynchronously; it never writes"
  }

  assert {
    condition = alltrue([
      for role in ["scaling_api", "endpoint_events", "reconciler"] :
      flatten([
        for s in jsondecode(module.functions.role_policies[role]).Statement : s.Action if s.Sid == "FleetState" || s.Sid == "FleetEndpoints"
      ]) == ["dynamodb:GetItem", "dynamodb:PutItem", "sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpointWeightsAndCapacities"]
    ])
    error_message = "scaling API, events and reconciler read and write state and update endpoints"
  }

  assert {
    condition = alltrue([
      for role in ["endpoint_events", "reconciler"] :
      contains([for s in jsondecode(module.functions.role_policies[role]).Statement : s.Sid], "DeadLetterQueue")
    ])
    error_message = "the asynchronously invoked functions may write to their dead-letter queue"
  }
}

run "apis_require_iam_and_the_scaling_api_admits_only_autoscaling_and_deployers" {
  command = plan

  assert {
    condition     = module.router_api.method_authorizations == { POST = "AWS_IAM" }
    error_message = "the router has one method, POST, with AWS_IAM authorization"
  }

  assert {
    condition     = module.scaling_api.method_authorizations == { GET = "AWS_IAM", PATCH = "AWS_IAM" }
    error_message = "the scaling API has GET and PATCH with AWS_IAM authorization"
  }

  assert {
    condition = [
      for s in jsondecode(module.scaling_api.resource_policy).Statement : s.Condition.ArnLike["aws:PrincipalArn"] if s.Effect == "Allow"
      ][0] == [
      "arn:aws:iam::123456789012:role/aws-service-role/custom-resource.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_CustomResource",
      "arn:aws:iam::123456789012:role/deployer",
    ]
    error_message = "the scaling API must allow the custom-resource service-linked role and the deployers"
  }

  assert {
    condition = [
      for s in jsondecode(module.scaling_api.resource_policy).Statement : s.Condition.ArnNotLike["aws:PrincipalArn"] if s.Effect == "Deny"
    ][0] == jsondecode(module.scaling_api.resource_policy).Statement[0].Condition.ArnLike["aws:PrincipalArn"]
    error_message = "the scaling API must deny every other principal"
  }

  assert {
    condition     = module.router_api.resource_policy == null
    error_message = "without allowed principals the router has no resource policy"
  }

  assert {
    condition     = output.router_invoke_url == "https://abc123.execute-api.eu-west-1.amazonaws.com/live/endpoints/demo"
    error_message = "the router URL is the stage URL + /endpoints/<fleet>"
  }
}

run "observability_covers_functions_queues_and_scaling" {
  command = plan

  assert {
    condition = toset(output.alarm_names) == toset([
      "demo-fleet-router-errors", "demo-fleet-scaling-api-errors", "demo-fleet-endpoint-events-errors",
      "demo-fleet-reconciler-errors", "demo-fleet-functions-dead-letters", "demo-fleet-events-dead-letters",
      "demo-fleet-failed-scaling-activities", "demo-fleet-router-5xx",
    ])
    error_message = "alarms on every function, both dead-letter queues, failed scaling activities and router 5XX"
  }

  assert {
    condition     = length(jsondecode(module.observability.dashboard_body).widgets) == 10 && output.dashboard_name == "demo-fleet-fleet"
    error_message = "the dashboard must be created with its widgets (eight, the burst signal's and the load signal's)"
  }
}

run "router_principals_get_a_resource_policy" {
  command = plan

  variables {
    router_api = { allowed_principal_arns = ["arn:aws:iam::123456789012:role/client"] }
  }

  assert {
    condition     = jsondecode(module.router_api.resource_policy).Statement[0].Condition.ArnLike["aws:PrincipalArn"] == ["arn:aws:iam::123456789012:role/client"]
    error_message = "listed router callers must be the only allowed principals"
  }
}

run "realtime_fleet" {
  command = plan

  variables {
    fleet = {
      name            = "rt"
      invocation_mode = "realtime"
      min_capacity    = 2
      max_capacity    = 6
      endpoints = [
        { name = "rt-a", min_instances = 1, max_instances = 3 },
        { name = "rt-b", min_instances = 1, max_instances = 3 },
      ]
    }
  }

  assert {
    condition     = output.scale_from_zero_policy_arn == null && output.scale_from_zero_alarm_name == null
    error_message = "a realtime fleet never sits at zero: no scale-from-zero"
  }

  assert {
    condition = flatten([
      for s in jsondecode(module.functions.role_policies["router"]).Statement : s.Action if s.Sid == "FleetEndpoints"
    ]) == ["sagemaker:DescribeEndpoint", "sagemaker:InvokeEndpoint"]
    error_message = "a realtime router calls InvokeEndpoint"
  }

  assert {
    condition = alltrue([
      for m in module.autoscaling.target_tracking_metrics : alltrue([
        for stat in m.metric_stat : stat.metric[0].metric_name == "InvocationsPerInstance" && length(stat.metric[0].dimensions) == 2
      ])
    ])
    error_message = "realtime fleets track InvocationsPerInstance per endpoint and variant"
  }

  assert {
    condition     = module.autoscaling.burst_scale_out_alarm == null && module.autoscaling.burst_scale_out_alarm_name == null && jsondecode(module.functions.function_environments["router"].FLEET_CONFIG).burst_signal == false && !strcontains(module.observability.dashboard_body, "RoutedPerCapacity")
    error_message = "a realtime fleet (backlog signal) has no burst signal: burst_signal = false, no burst alarm and no signal widget"
  }
}

run "async_fleet_with_a_floor_has_no_scale_from_zero" {
  command = plan

  variables {
    fleet = {
      name         = "warm"
      min_capacity = 1
      max_capacity = 4
      endpoints    = [{ name = "warm-a" }]
    }
  }

  assert {
    condition     = output.scale_from_zero_policy_arn == null
    error_message = "scale-from-zero only when min_capacity is 0"
  }
}

run "creates_async_endpoints_when_asked" {
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

  assert {
    condition     = output.endpoint_names == ["demo-g5", "Demo-G6", "demo-g4dn"]
    error_message = "one async endpoint per fleet endpoint"
  }

  assert {
    condition     = alltrue([for name, model in module.endpoints[0].model_names : startswith(model, "${name}-")]) && length(distinct(values(module.endpoints[0].model_names))) == 3
    error_message = "one model per endpoint, named after it"
  }
}

run "create_endpoints_needs_instance_types" {
  command = plan

  variables {
    create_endpoints = true
    endpoint_deployment = {
      image_uri          = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/sample:1"
      execution_role_arn = "arn:aws:iam::123456789012:role/sagemaker"
      instance_types     = { "demo-g5" = "ml.g5.2xlarge" }
      s3_output_path     = "s3://bucket/out"
    }
  }

  expect_failures = [terraform_data.endpoint_deployment_check]
}
