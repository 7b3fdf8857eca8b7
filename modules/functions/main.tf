# One package built from lambda_src/, four functions (five in queue mode: the dispatcher)
# with one role each.
# ARNs are built from names and the caller's account so that the policies are known at
# plan time (plan scanners and tests read them).

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition
  source_dir = coalesce(var.source_dir, "${path.module}/../../lambda_src")
  # Outside .terraform/, which a fresh workspace (`terraform init`) does not have.
  package_output_dir = coalesce(var.package_output_dir, "${path.root}/build/fleet-autoscaler")

  # SageMaker endpoint ARNs use the lower-cased endpoint name.
  endpoint_arns = [
    for endpoint in var.fleet_config.endpoints :
    "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}:endpoint/${lower(endpoint.name)}"
  ]
  state_table_arn = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${var.state_table_name}"
  dlq_arn         = "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${local.dlq_name}"
  dlq_name        = "${var.name_prefix}-functions-dlq"

  router_invoke_action = var.fleet_config.invocation_mode == "async" ? "sagemaker:InvokeEndpointAsync" : "sagemaker:InvokeEndpoint"

  # Queue mode (README, "Router" and "Queue mode: the dispatcher"): the router only sends to the fleet queue (no
  # DynamoDB read, no SageMaker call), and a fifth function, the dispatcher, drains it.
  queue_mode = var.fleet_config.dispatch == "queue"
  # Endpoint configurations the dispatcher describes to check the shared output path: those
  # of the endpoints the root module creates (named <endpoint>-<hash>, so a name prefix known
  # at plan time), or any in the account and region when the caller brings the endpoints
  # (their configuration names are not known to the module).
  endpoint_config_arns = length(var.endpoint_config_name_prefixes) > 0 ? [
    for prefix in var.endpoint_config_name_prefixes :
    "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}:endpoint-config/${lower(prefix)}*"
  ] : ["arn:${local.partition}:sagemaker:${local.region}:${local.account_id}:endpoint-config/*"]

  base_functions = {
    router = {
      handler      = "fleet_autoscaler.handlers.router.handler"
      description  = "Routes requests of fleet ${var.fleet_config.fleet_name} to its endpoints"
      asynchronous = false
      dynamodb     = local.queue_mode ? [] : ["dynamodb:GetItem"]
      sagemaker    = local.queue_mode ? [] : ["sagemaker:DescribeEndpoint", local.router_invoke_action]
      metrics      = false
      settings     = var.router
    }
    scaling_api = {
      handler      = "fleet_autoscaler.handlers.scaling_api.handler"
      description  = "Application Auto Scaling custom-resource API of fleet ${var.fleet_config.fleet_name}"
      asynchronous = false
      dynamodb     = ["dynamodb:GetItem", "dynamodb:PutItem"]
      sagemaker    = ["sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpointWeightsAndCapacities"]
      metrics      = false
      settings     = var.scaling_api
    }
    endpoint_events = {
      handler      = "fleet_autoscaler.handlers.endpoint_events.handler"
      description  = "Endpoint state changes of fleet ${var.fleet_config.fleet_name}"
      asynchronous = true
      dynamodb     = ["dynamodb:GetItem", "dynamodb:PutItem"]
      sagemaker    = ["sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpointWeightsAndCapacities"]
      metrics      = false
      settings     = var.endpoint_events
    }
    reconciler = {
      handler      = "fleet_autoscaler.handlers.reconciler.handler"
      description  = "Scheduled repair of fleet ${var.fleet_config.fleet_name}"
      asynchronous = true
      dynamodb     = ["dynamodb:GetItem", "dynamodb:PutItem"]
      sagemaker    = ["sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpointWeightsAndCapacities"]
      metrics      = true
      settings     = var.reconciler
    }
  }

  # Invoked by an EventBridge schedule; reserved concurrency 1, so one dispatcher per fleet.
  dispatcher = {
    handler      = "fleet_autoscaler.handlers.dispatcher.handler"
    description  = "Dispatches the fleet queue of fleet ${var.fleet_config.fleet_name} to endpoints with room"
    asynchronous = false
    # The fleet item and its own ledger item ("<fleet>#dispatch"), one PutItem per invocation.
    dynamodb  = ["dynamodb:GetItem", "dynamodb:PutItem"]
    sagemaker = ["sagemaker:DescribeEndpoint", "sagemaker:InvokeEndpointAsync"]
    metrics   = false
    settings  = merge(var.dispatcher, { reserved_concurrent_executions = 1 })
  }

  functions = merge(local.base_functions, local.queue_mode ? { dispatcher = local.dispatcher } : {})

  function_names = { for key, _ in local.functions : key => "${var.name_prefix}-${replace(key, "_", "-")}" }

  log_group_names = { for key, name in local.function_names : key => "/aws/lambda/${name}" }

  fleet_config_json = jsonencode({ for key, value in var.fleet_config : key => value if value != null })

  # Queue mode: every queue.signal_seconds (0 = never) the dispatcher reads the fleet queue's
  # depth (sqs:GetQueueAttributes) and publishes OutstandingPerCapacity with PutMetricData
  # (high resolution, for the burst scale-out alarm). The control plane's defaults when the
  # fields are absent: signal_seconds 10, metrics_namespace "SageMakerFleet".
  dispatch_signal   = local.queue_mode && try(var.fleet_config.queue.signal_seconds, 0) > 0
  metrics_namespace = coalesce(var.fleet_config.metrics_namespace, "SageMakerFleet")
  dispatcher_signal_statements = local.dispatch_signal ? [{
    # PutMetricData has no resource-level permissions: "*" is its only resource, and the
    # cloudwatch:namespace condition key limits it to the fleet's own namespace (CloudWatch
    # user guide, "Using condition keys to limit access to CloudWatch namespaces").
    Sid       = "FleetSignal"
    Effect    = "Allow"
    Action    = "cloudwatch:PutMetricData"
    Resource  = "*"
    Condition = { StringEquals = { "cloudwatch:namespace" = local.metrics_namespace } }
  }] : []

  # SQS authorizes a batch call (DeleteMessageBatch, ChangeMessageVisibilityBatch) with the
  # single action's permission: there is no IAM action for the batch versions (Amazon SQS
  # Developer Guide, "Amazon SQS batch actions").
  queue_statements = {
    router = local.queue_mode ? [{
      Sid      = "FleetQueue"
      Effect   = "Allow"
      Action   = "sqs:SendMessage"
      Resource = var.fleet_queue.queue_arn
    }] : []
    # Every statement of one shape (lists), so that the conditional's two lists have one type.
    dispatcher = local.queue_mode ? [
      {
        Sid      = "FleetQueue"
        Effect   = "Allow"
        Action   = concat(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"], local.dispatch_signal ? ["sqs:GetQueueAttributes"] : [])
        Resource = [var.fleet_queue.queue_arn]
      },
      {
        Sid      = "CompletionQueue"
        Effect   = "Allow"
        Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage"]
        Resource = [var.fleet_queue.completion_queue_arn]
      },
      {
        # The cold-start check that every endpoint writes to the shared output path.
        Sid      = "FleetEndpointConfigs"
        Effect   = "Allow"
        Action   = ["sagemaker:DescribeEndpointConfig"]
        Resource = local.endpoint_config_arns
      },
    ] : []
  }

  policies = {
    for key, fn in local.functions : key => jsonencode({
      Version = "2012-10-17"
      Statement = concat(
        [
          {
            Sid      = "WriteOwnLogs"
            Effect   = "Allow"
            Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
            Resource = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_names[key]}:*"
          },
        ],
        length(fn.dynamodb) > 0 ? [{
          Sid      = "FleetState"
          Effect   = "Allow"
          Action   = fn.dynamodb
          Resource = local.state_table_arn
        }] : [],
        length(fn.sagemaker) > 0 ? [{
          Sid      = "FleetEndpoints"
          Effect   = "Allow"
          Action   = fn.sagemaker
          Resource = local.endpoint_arns
        }] : [],
        lookup(local.queue_statements, key, []),
        key == "dispatcher" ? local.dispatcher_signal_statements : [],
        fn.asynchronous ? [{
          Sid      = "DeadLetterQueue"
          Effect   = "Allow"
          Action   = "sqs:SendMessage"
          Resource = local.dlq_arn
        }] : [],
        fn.metrics ? [{
          # The reconciler reads every endpoint's ApproximateBacklogSize with one GetMetricData
          # call (README, "Backlog and the fleet-capacity metric"). GetMetricData supports no resource-level permissions,
          # so "*" is its only valid resource. The metrics the functions publish are log lines
          # in the embedded metric format (no cloudwatch:PutMetricData), but for the queue-mode
          # dispatcher's high-resolution signal (statement FleetSignal).
          Sid      = "FleetMetrics"
          Effect   = "Allow"
          Action   = "cloudwatch:GetMetricData"
          Resource = "*"
        }] : [],
        var.tracing_mode == "Active" ? [{
          # X-Ray trace segments have no resource ARN; "*" is the only valid resource.
          Sid      = "Tracing"
          Effect   = "Allow"
          Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
          Resource = "*"
        }] : [],
        var.kms_key_arn != null ? [{
          Sid      = "CustomerKey"
          Effect   = "Allow"
          Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
          Resource = var.kms_key_arn
        }] : [],
      )
    })
  }
}

# A fixed file mode keeps the zip's hash independent of the builder's umask, so a different
# machine does not redeploy the functions (archive provider, output_file_mode).
data "archive_file" "package" {
  type             = "zip"
  source_dir       = local.source_dir
  output_path      = "${local.package_output_dir}/${var.name_prefix}-lambda.zip"
  output_file_mode = "0644"
  excludes         = ["**/__pycache__/**", "**/*.pyc", "__pycache__", "fleet_autoscaler/__pycache__"]
}

resource "aws_sqs_queue" "dlq" {
  name                      = local.dlq_name
  message_retention_seconds = var.dead_letter_retention_seconds
  kms_master_key_id         = var.kms_key_arn
  sqs_managed_sse_enabled   = var.kms_key_arn == null ? true : null
  tags                      = var.tags
}

resource "aws_iam_role" "this" {
  for_each = local.functions

  name        = "${local.function_names[each.key]}-fn"
  description = "Execution role of ${local.function_names[each.key]}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  for_each = local.functions

  name   = "fleet-autoscaler"
  role   = aws_iam_role.this[each.key].id
  policy = local.policies[each.key]

  lifecycle {
    precondition {
      condition     = !local.queue_mode || var.fleet_queue != null
      error_message = "fleet_config.dispatch = \"queue\" needs fleet_queue (the fleet queue's and the completion queue's ARNs)."
    }
    precondition {
      condition     = !local.queue_mode || var.dispatcher.timeout > try(var.fleet_config.queue.run_seconds, 0)
      error_message = "dispatcher.timeout must exceed fleet_config.queue.run_seconds: the dispatcher keeps dispatching for run_seconds."
    }
  }
}

resource "aws_cloudwatch_log_group" "this" {
  # checkov:skip=CKV_AWS_158:a customer managed key is optional (var.kms_key_arn); without one CloudWatch Logs encrypts the group with its own key
  for_each = local.functions

  name              = local.log_group_names[each.key]
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  # checkov:skip=CKV_AWS_117:the functions call only AWS APIs (DynamoDB, SageMaker); a VPC adds NAT or endpoint cost and no protection
  # checkov:skip=CKV_AWS_272:code signing needs a signing profile the module cannot assume; the package is built from this repository by Terraform
  # checkov:skip=CKV_AWS_116:router and scaling API are invoked synchronously by API Gateway where a DLQ never receives anything; the dispatcher's scheduled ticks are dropped on purpose when late (the next minute replaces them); the other asynchronously invoked functions get the DLQ (dynamic block)
  # checkov:skip=CKV_AWS_50:X-Ray is on by default (var.tracing_mode = "Active") and configurable; checkov's HCL scan cannot resolve the value through the module call
  # checkov:skip=CKV_AWS_173:environment variables hold no secrets (table name, fleet config); a customer key is used when var.kms_key_arn is set
  for_each = local.functions

  function_name                  = local.function_names[each.key]
  description                    = each.value.description
  role                           = aws_iam_role.this[each.key].arn
  runtime                        = var.runtime
  architectures                  = [var.architecture]
  handler                        = each.value.handler
  filename                       = data.archive_file.package.output_path
  source_code_hash               = data.archive_file.package.output_base64sha256
  memory_size                    = each.value.settings.memory_size
  timeout                        = each.value.settings.timeout
  reserved_concurrent_executions = each.value.settings.reserved_concurrent_executions
  kms_key_arn                    = var.kms_key_arn

  environment {
    variables = {
      STATE_TABLE  = var.state_table_name
      FLEET_CONFIG = local.fleet_config_json
    }
  }

  dynamic "dead_letter_config" {
    for_each = each.value.asynchronous ? [local.dlq_arn] : []
    content {
      target_arn = dead_letter_config.value
    }
  }

  tracing_config {
    mode = var.tracing_mode
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this[each.key].name
    application_log_level = var.application_log_level
    system_log_level      = "WARN"
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.this, aws_sqs_queue.dlq]
}

resource "aws_lambda_function_event_invoke_config" "asynchronous" {
  for_each = { for key, fn in local.functions : key => fn if fn.asynchronous }

  function_name                = aws_lambda_function.this[each.key].function_name
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = var.maximum_event_age_seconds
}

# The dispatcher runs every minute with reserved concurrency 1: a tick that arrives while the
# previous run still holds the one slot is throttled, and Lambda retries it ("For throttling
# errors (429) ... Lambda returns the event to the queue and attempts to run the function
# again ... The retry interval increases exponentially from 1 second after the first
# attempt", Lambda developer guide, "How Lambda handles errors and retries with asynchronous
# invocation"). So a run of dispatch_run_seconds 58 hands over to the next minute's within
# seconds, and one that overruns a tick cannot overlap the next. A tick (or a failed run) is
# worth nothing once the next one is due: a failed run is not retried, and a tick expires
# after 60 s, the minimum (Lambda PutFunctionEventInvokeConfig: MaximumRetryAttempts 0-2,
# MaximumEventAgeInSeconds 60-21600).
resource "aws_lambda_function_event_invoke_config" "dispatcher" {
  count = local.queue_mode ? 1 : 0

  function_name                = aws_lambda_function.this["dispatcher"].function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 60
}
