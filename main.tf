# SageMaker fleet autoscaler: several SageMaker endpoints scaled as one fleet by
# Application Auto Scaling through a custom-resource API. See README.md.

module "state_table" {
  source = "./modules/state-table"

  name                        = "${local.name_prefix}-state"
  kms_key_arn                 = var.kms_key_arn
  deletion_protection_enabled = var.state_table_deletion_protection
  tags                        = local.tags
}

module "functions" {
  source = "./modules/functions"

  name_prefix           = local.name_prefix
  fleet_config          = local.fleet_config
  state_table_name      = module.state_table.name
  runtime               = var.lambda.runtime
  architecture          = var.lambda.architecture
  tracing_mode          = var.lambda.tracing_mode
  application_log_level = var.lambda.application_log_level
  router                = var.lambda.router
  scaling_api           = var.lambda.scaling_api
  endpoint_events       = var.lambda.endpoint_events
  reconciler            = var.lambda.reconciler
  dispatcher            = { timeout = local.dispatcher_timeout_seconds }
  fleet_queue = local.queue_mode ? {
    queue_arn            = module.fleet_queue[0].queue_arn
    completion_queue_arn = module.fleet_queue[0].completion_queue_arn
  } : null
  # modules/async-endpoints names each configuration <first 52 characters of the endpoint>-<hash>.
  endpoint_config_name_prefixes = local.queue_mode && var.create_endpoints ? [for name in local.endpoint_names : "${substr(name, 0, 52)}-"] : []
  log_retention_days            = var.log_retention_days
  kms_key_arn                   = var.kms_key_arn
  tags                          = local.tags
}

module "router_api" {
  source = "./modules/router-api"

  name                   = local.router_api_name
  fleet_name             = var.fleet.name
  function_name          = module.functions.function_names["router"]
  function_invoke_arn    = module.functions.function_invoke_arns["router"]
  allowed_principal_arns = var.router_api.allowed_principal_arns
  stage_name             = var.router_api.stage_name
  # The router answers within its own timeout; API Gateway waits this long for it.
  integration_timeout_milliseconds = var.router_api.integration_timeout_milliseconds
  # A real-time router passes model inputs and outputs of any type (base64 in the Lambda
  # event and response); an async router takes headers and answers JSON.
  binary_media_types = var.fleet.invocation_mode == "realtime" ? ["*/*"] : []

  throttling_burst_limit = var.router_api.throttling_burst_limit
  throttling_rate_limit  = var.router_api.throttling_rate_limit
  logging_level          = var.api_stage_logging ? var.router_api.logging_level : "OFF"
  access_logs_enabled    = var.api_stage_logging
  logging_prerequisites  = aws_api_gateway_account.this[*].id
  xray_tracing_enabled   = var.router_api.xray_tracing_enabled
  log_retention_days     = var.log_retention_days
  kms_key_arn            = var.kms_key_arn
  tags                   = local.tags
}

module "scaling_api" {
  source = "./modules/scaling-api"

  name                    = "${local.name_prefix}-scaling"
  dimension_id            = local.fleet_config.dimension_id
  function_name           = module.functions.function_names["scaling_api"]
  function_invoke_arn     = module.functions.function_invoke_arns["scaling_api"]
  deployer_principal_arns = var.scaling_api.deployer_principal_arns
  stage_name              = var.scaling_api.stage_name
  throttling_burst_limit  = var.scaling_api.throttling_burst_limit
  throttling_rate_limit   = var.scaling_api.throttling_rate_limit
  logging_level           = var.api_stage_logging ? var.scaling_api.logging_level : "OFF"
  access_logs_enabled     = var.api_stage_logging
  logging_prerequisites   = aws_api_gateway_account.this[*].id
  xray_tracing_enabled    = var.scaling_api.xray_tracing_enabled
  log_retention_days      = var.log_retention_days
  kms_key_arn             = var.kms_key_arn
  tags                    = local.tags
}

module "autoscaling" {
  source = "./modules/fleet-autoscaling"

  name_prefix                        = local.name_prefix
  resource_id                        = module.scaling_api.resource_id
  invocation_mode                    = var.fleet.invocation_mode
  endpoints                          = [for e in local.fleet_config.endpoints : { name = e.name, variant = e.variant }]
  min_capacity                       = var.fleet.min_capacity
  max_capacity                       = var.fleet.max_capacity
  scaling_signal                     = local.scaling_signal
  scaling_metric                     = var.scaling_metric
  target_value                       = local.scaling_signal == "load" ? var.load_target_value : var.target_backlog_per_instance
  load_backlog_minutes               = var.load_backlog_minutes
  load_keep_up_waiting               = var.load_keep_up_waiting
  scale_out_cooldown_seconds         = var.scale_out_cooldown_seconds
  scale_in_cooldown_seconds          = var.scale_in_cooldown_seconds
  disable_scale_in                   = var.disable_scale_in
  scale_from_zero_capacity           = var.scale_from_zero_capacity
  scale_from_zero_evaluation_periods = var.scale_from_zero_evaluation_periods
  scale_from_zero_cooldown_seconds   = var.scale_from_zero_cooldown_seconds
  fast_scale_out_ratio               = var.fast_scale_out_ratio
  fast_scale_out_evaluation_periods  = var.fast_scale_out_evaluation_periods
  fast_scale_out_headroom            = var.fast_scale_out_headroom
  fast_scale_out_min_capacity        = var.fast_scale_out_min_capacity
  burst_evaluation_periods           = var.burst_evaluation_periods
  fast_scale_in_ratio                = var.fast_scale_in_ratio
  fast_scale_in_evaluation_periods   = var.fast_scale_in_evaluation_periods
  fast_scale_in_cooldown_seconds     = var.fast_scale_in_cooldown_seconds
  fast_scale_in_min_capacity         = var.fast_scale_in_min_capacity
  fast_scale_in_max_percent          = var.fast_scale_in_max_percent
  steady_scale_in_ratio              = var.steady_scale_in_ratio
  steady_scale_in_datapoints         = var.steady_scale_in_datapoints
  steady_scale_in_evaluation_periods = var.steady_scale_in_evaluation_periods
  steady_scale_in_cooldown_seconds   = var.steady_scale_in_cooldown_seconds
  steady_scale_in_min_capacity       = var.steady_scale_in_min_capacity
  fleet_name                         = var.fleet.name
  # Queue mode needs the load signal (terraform_data.dispatch_check says so otherwise).
  fleet_queue_name           = local.queue_mode && local.scaling_signal == "load" ? module.fleet_queue[0].queue_name : null
  burst_signal_seconds       = var.burst_signal_seconds
  metrics_namespace          = var.metrics_namespace
  router_api_name            = module.router_api.rest_api_name
  router_stage_name          = module.router_api.stage_name
  scheduled_actions          = var.scheduled_actions
  registration_prerequisites = module.scaling_api.registration_prerequisites
  tags                       = local.tags

  # Registering the target calls the scaling API, which describes every endpoint.
  depends_on = [module.endpoints, module.endpoint_events]
}

module "endpoint_events" {
  source = "./modules/endpoint-events"

  name_prefix               = local.name_prefix
  endpoint_names            = local.endpoint_names
  events_function_arn       = module.functions.function_arns["endpoint_events"]
  events_function_name      = module.functions.function_names["endpoint_events"]
  reconciler_function_arn   = module.functions.function_arns["reconciler"]
  reconciler_function_name  = module.functions.function_names["reconciler"]
  reconcile_schedule        = local.reconcile_schedule
  dispatch_enabled          = local.queue_mode
  dispatcher_function_arn   = local.queue_mode ? module.functions.function_arns["dispatcher"] : null
  dispatcher_function_name  = local.queue_mode ? module.functions.function_names["dispatcher"] : null
  maximum_retry_attempts    = var.event_retry_attempts
  maximum_event_age_seconds = var.event_maximum_age_seconds
  kms_key_arn               = var.kms_key_arn
  tags                      = local.tags
}

module "observability" {
  source = "./modules/observability"

  name_prefix         = local.name_prefix
  fleet_name          = var.fleet.name
  endpoint_names      = local.endpoint_names
  scaling_metric_name = coalesce(var.scaling_metric.metric_name, var.fleet.invocation_mode == "async" ? "ApproximateBacklogSizePerInstance" : "InvocationsPerInstance")
  function_names      = module.functions.function_names
  decision_log_group_names = {
    for role, group in module.functions.log_group_names : role => group if !contains(["router", "dispatcher"], role)
  }
  dead_letter_queue_names = {
    functions = module.functions.dead_letter_queue_name
    events    = module.endpoint_events.dead_letter_queue_name
  }
  fleet_queue = local.queue_mode ? {
    queue_name             = module.fleet_queue[0].queue_name
    dead_letter_queue_name = module.fleet_queue[0].dead_letter_queue_name
    age_alarm_seconds      = var.dispatch_queue_age_alarm_seconds
  } : null
  burst_signal_seconds = local.burst_signal ? var.burst_signal_seconds : 0
  load_signal          = module.autoscaling.load_signal_widget
  metric_namespace     = var.metrics_namespace
  router_api_name      = module.router_api.rest_api_name
  router_stage_name    = module.router_api.stage_name
  alarm_actions        = var.alarm_actions
  create_alarms        = var.create_alarms
  create_dashboard     = var.create_dashboard
  tags                 = local.tags
}

# Checks across inputs (variable validations may refer to other variables only from 1.9).
resource "terraform_data" "scaling_signal_check" {
  lifecycle {
    precondition {
      condition     = var.fleet.invocation_mode == "async" || var.scaling_signal != "load"
      error_message = "scaling_signal = \"load\" needs an async fleet (it reads the endpoints' ApproximateBacklogSize); realtime fleets follow scaling_metric."
    }
    precondition {
      condition     = local.scaling_signal != "load" || length(var.fleet.endpoints) <= (local.queue_mode ? 7 : 8)
      error_message = local.queue_mode ? "In queue mode the load signal reads the router's Count, every endpoint's backlog, the fleet's capacity and the fleet queue's depth, and a CloudWatch metric-math alarm reads at most 10 metrics: at most 7 endpoints." : "The load signal reads the router's Count, every endpoint's backlog and the fleet's capacity, and a CloudWatch metric-math alarm reads at most 10 metrics: at most 8 endpoints. Set scaling_signal = \"backlog\" for 9 or 10 endpoints."
    }
    precondition {
      # The fast scale-out alarm reads 0 while fewer than fast_scale_out_min_capacity units
      # are in service; at fleet.max_capacity the step has nothing left to add.
      condition     = var.fast_scale_out_min_capacity == null || try(var.fast_scale_out_min_capacity <= 1 || var.fast_scale_out_min_capacity < var.fleet.max_capacity, true)
      error_message = "fast_scale_out_min_capacity (${coalesce(var.fast_scale_out_min_capacity, 0)}) must be below fleet.max_capacity (${var.fleet.max_capacity}), or 0 or 1: the fast scale-out alarm only reads the load from that many capacity units in service, so the step could never add capacity."
    }
  }
}

# Queue mode (dispatch = "queue") and the inputs it needs.
resource "terraform_data" "dispatch_check" {
  count = local.queue_mode ? 1 : 0

  lifecycle {
    precondition {
      condition     = var.fleet.invocation_mode == "async"
      error_message = "dispatch = \"queue\" needs an async fleet (fleet.invocation_mode = \"async\"): the dispatcher calls InvokeEndpointAsync. Realtime fleets use dispatch = \"direct\"."
    }
    precondition {
      condition     = local.scaling_signal == "load"
      error_message = "dispatch = \"queue\" needs scaling_signal = \"load\" (the default): requests wait in the fleet queue, not in the endpoints, so only the load signal (which counts the queue) sees them; the backlog signal would never wake a fleet at zero."
    }
    precondition {
      condition     = local.dispatch_output_path != null
      error_message = "dispatch = \"queue\" needs the S3OutputPath every endpoint shares: set dispatch_output_path for endpoints the module does not create (with create_endpoints, endpoint_deployment.s3_output_path is used)."
    }
    precondition {
      condition     = !var.create_endpoints || (var.dispatch_output_path == null && var.dispatch_failure_path == null && length(var.dispatch_completion_topic_arns) == 0)
      error_message = "With create_endpoints, leave dispatch_output_path, dispatch_failure_path and dispatch_completion_topic_arns unset: the module's endpoints share endpoint_deployment.s3_output_path (and s3_failure_path) and notify the module's completion topic."
    }
    precondition {
      condition     = !var.create_endpoints || (try(var.endpoint_deployment.success_topic_arn, null) == null && try(var.endpoint_deployment.error_topic_arn, null) == null)
      error_message = "In queue mode the module's endpoints notify the fleet's completion topic (output fleet_completion_topic_arn) on success and error: leave endpoint_deployment.success_topic_arn and error_topic_arn null and subscribe your own consumers to that topic."
    }
  }
}

# Queue mode: the fleet queue, its dead-letter queue and the completion path.
module "fleet_queue" {
  source = "./modules/fleet-queue"
  count  = local.queue_mode ? 1 : 0

  name_prefix                = local.name_prefix
  max_receive_count          = var.dispatch_max_receive_count
  visibility_timeout_seconds = local.queue_visibility_seconds
  # The module's endpoints notify the module's topic; the caller's endpoints notify the topics
  # the caller names, or the module's when none are named.
  create_completion_topic = var.create_endpoints || length(var.dispatch_completion_topic_arns) == 0
  completion_topic_arns   = var.create_endpoints ? [] : var.dispatch_completion_topic_arns
  publisher_role_arns     = var.create_endpoints && var.endpoint_deployment != null ? [var.endpoint_deployment.execution_role_arn] : []
  kms_key_arn             = var.kms_key_arn
  tags                    = local.tags
}

# The router's time budget. Each attempt reads for the time the function has left minus 1 s
# to answer and 1 s to connect (fleet_autoscaler.routing), so the router answers within its
# Lambda timeout. If API Gateway stopped waiting first, the caller would get API Gateway's
# 504 while an attempt, or a failover to the next endpoint, still runs unseen. The router
# must time out before the integration does, with at least the cold start's margin.
resource "terraform_data" "router_time_budget_check" {
  lifecycle {
    precondition {
      condition     = var.lambda.router.timeout * 1000 < var.router_api.integration_timeout_milliseconds
      error_message = "lambda.router.timeout (${var.lambda.router.timeout} s) must be below router_api.integration_timeout_milliseconds (${var.router_api.integration_timeout_milliseconds} ms): the router answers within its own timeout, and API Gateway answers 504 once the integration timeout has passed. Lower lambda.router.timeout to ${max(ceil(var.router_api.integration_timeout_milliseconds / 1000) - 1, 1)} s or less, or raise the integration timeout (above 29000 ms after a Service Quotas increase, see README)."
    }
  }
}

# Optional: the fleet's endpoints as asynchronous SageMaker endpoints.
resource "terraform_data" "endpoint_deployment_check" {
  count = var.create_endpoints ? 1 : 0

  lifecycle {
    precondition {
      condition     = var.endpoint_deployment != null
      error_message = "create_endpoints = true needs endpoint_deployment (image_uri, execution_role_arn, instance_types, s3_output_path)."
    }
    precondition {
      condition     = var.fleet.invocation_mode == "async"
      error_message = "create_endpoints creates asynchronous endpoints: fleet.invocation_mode must be \"async\"."
    }
    precondition {
      condition     = alltrue([for name in local.endpoint_names : contains(keys(try(var.endpoint_deployment.instance_types, {})), name)])
      error_message = "endpoint_deployment.instance_types must name an instance type for every fleet endpoint."
    }
    precondition {
      # CreateEndpointConfig rejects a volume KmsKeyId for instance types with local NVMe
      # storage (SageMaker API reference, CreateEndpointConfig KmsKeyId).
      condition = try(var.endpoint_deployment.volume_kms_key_arn, null) == null || alltrue([
        for t in values(try(var.endpoint_deployment.instance_types, {})) :
        !can(regex("^ml\\.(g4dn|g5|g6|g6e|gr6|p3dn|p4d|p4de|p5|p5e|p5en|m5d|c5d|r5d|c6id|m6id|r6id|inf2|trn1|trn1n)\\.", t))
      ])
      error_message = "endpoint_deployment.volume_kms_key_arn cannot be used with instance types that have local NVMe storage (ml.g4dn, ml.g5, ml.g6, ml.p4d, ml.*d, ...): SageMaker encrypts that storage in hardware and rejects a volume key. Leave it null; kms_key_arn still encrypts the async outputs."
    }
  }
}

module "endpoints" {
  source = "./modules/async-endpoints"
  count  = var.create_endpoints ? 1 : 0

  endpoints = [
    for e in var.fleet.endpoints : {
      name                   = e.name
      variant                = e.variant
      instance_type          = try(var.endpoint_deployment.instance_types[e.name], "ml.unset")
      initial_instance_count = max(try(var.endpoint_deployment.initial_instance_count, 1), e.min_instances, 1)
    }
  ]
  image_uri                               = try(var.endpoint_deployment.image_uri, "")
  model_data_url                          = try(var.endpoint_deployment.model_data_url, null)
  execution_role_arn                      = try(var.endpoint_deployment.execution_role_arn, "")
  environment                             = try(var.endpoint_deployment.environment, {})
  enable_network_isolation                = try(var.endpoint_deployment.enable_network_isolation, true)
  s3_output_path                          = try(var.endpoint_deployment.s3_output_path, "")
  s3_failure_path                         = try(var.endpoint_deployment.s3_failure_path, null)
  shared_output_path                      = local.queue_mode
  success_topic_arn                       = local.queue_mode ? module.fleet_queue[0].completion_topic_arn : try(var.endpoint_deployment.success_topic_arn, null)
  error_topic_arn                         = local.queue_mode ? module.fleet_queue[0].completion_topic_arn : try(var.endpoint_deployment.error_topic_arn, null)
  max_concurrent_invocations_per_instance = try(var.endpoint_deployment.max_concurrent_invocations_per_instance, 1)
  kms_key_arn                             = try(coalesce(var.endpoint_deployment.kms_key_arn, var.kms_key_arn), null)
  volume_kms_key_arn                      = try(var.endpoint_deployment.volume_kms_key_arn, null)
  tags                                    = local.tags

  # In queue mode the completion topic, the execution role's permission to publish to it and
  # the completion queue's subscription exist before an endpoint is created (CreateEndpoint
  # checks the permission) and can publish a notification.
  depends_on = [terraform_data.endpoint_deployment_check, module.fleet_queue]
}

# Optional, account-wide: the role API Gateway uses to write access and execution logs.
resource "aws_iam_role" "api_gateway_cloudwatch" {
  count = var.create_api_gateway_account_role ? 1 : 0

  name = "${local.name_prefix}-apigw-cloudwatch"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "apigateway.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "api_gateway_cloudwatch" {
  count = var.create_api_gateway_account_role ? 1 : 0

  role       = aws_iam_role.api_gateway_cloudwatch[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

# Stages depend on this resource (through logging_prerequisites), not the API modules as a
# whole: a module-level depends_on would defer the modules' data sources to apply time and leave
# their policies unknown in the plan.
resource "aws_api_gateway_account" "this" {
  count = var.create_api_gateway_account_role ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.api_gateway_cloudwatch[0].arn
  depends_on          = [aws_iam_role_policy_attachment.api_gateway_cloudwatch]
}

data "aws_partition" "current" {}
