# EventBridge -> Lambda: endpoint state changes of the fleet's endpoints (exact names) to the
# events function, a schedule for the reconciler and, in queue mode, one for the dispatcher.
# Every target retries (the dispatcher's: not at all, see below) and dead-letters into an
# encrypted SQS queue.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  rule_arn_prefix = "arn:${data.aws_partition.current.partition}:events:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:rule"
  rule_names = merge(
    {
      endpoint_state = "${var.name_prefix}-endpoint-state"
      reconcile      = "${var.name_prefix}-reconcile"
    },
    var.dispatch_enabled ? { dispatch = "${var.name_prefix}-dispatch" } : {},
  )
  event_pattern = jsonencode({
    source        = ["aws.sagemaker"]
    "detail-type" = ["SageMaker Endpoint State Change"]
    detail        = { EndpointName = var.endpoint_names }
  })
}

resource "aws_sqs_queue" "dlq" {
  name                      = "${var.name_prefix}-events-dlq"
  message_retention_seconds = var.dead_letter_retention_seconds
  kms_master_key_id         = var.kms_key_arn
  sqs_managed_sse_enabled   = var.kms_key_arn == null ? true : null
  tags                      = var.tags
}

resource "aws_sqs_queue_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EventBridgeDeadLetters"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.dlq.arn
      Condition = { ArnEquals = { "aws:SourceArn" = [for name in values(local.rule_names) : "${local.rule_arn_prefix}/${name}"] } }
    }]
  })
}

resource "aws_cloudwatch_event_rule" "endpoint_state" {
  name          = local.rule_names.endpoint_state
  description   = "SageMaker Endpoint State Change of the fleet's endpoints"
  event_pattern = local.event_pattern
  tags          = var.tags
}

resource "aws_cloudwatch_event_target" "endpoint_state" {
  rule      = aws_cloudwatch_event_rule.endpoint_state.name
  target_id = "endpoint-events"
  arn       = var.events_function_arn

  retry_policy {
    maximum_retry_attempts       = var.maximum_retry_attempts
    maximum_event_age_in_seconds = var.maximum_event_age_seconds
  }

  dead_letter_config {
    arn = aws_sqs_queue.dlq.arn
  }
}

resource "aws_lambda_permission" "endpoint_state" {
  statement_id  = "AllowEndpointStateEvents"
  action        = "lambda:InvokeFunction"
  function_name = var.events_function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.endpoint_state.arn
}

resource "aws_cloudwatch_event_rule" "reconcile" {
  name                = local.rule_names.reconcile
  description         = "Scheduled reconcile of the fleet"
  schedule_expression = var.reconcile_schedule
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "reconcile" {
  rule      = aws_cloudwatch_event_rule.reconcile.name
  target_id = "reconciler"
  arn       = var.reconciler_function_arn

  retry_policy {
    maximum_retry_attempts       = var.maximum_retry_attempts
    maximum_event_age_in_seconds = var.maximum_event_age_seconds
  }

  dead_letter_config {
    arn = aws_sqs_queue.dlq.arn
  }
}

resource "aws_lambda_permission" "reconcile" {
  statement_id  = "AllowReconcileSchedule"
  action        = "lambda:InvokeFunction"
  function_name = var.reconciler_function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.reconcile.arn
}

# Queue mode: the dispatcher runs every minute (README, "Queue mode: the dispatcher": a schedule, not an SQS
# event source mapping, so that a message is received only when an endpoint has room and its
# receive count counts dispatch attempts). A delivery that fails is not retried: the next
# tick comes within a minute; one that cannot be delivered at all is dead-lettered.
resource "aws_cloudwatch_event_rule" "dispatch" {
  count = var.dispatch_enabled ? 1 : 0

  name                = local.rule_names.dispatch
  description         = "Scheduled dispatch of the fleet queue"
  schedule_expression = var.dispatch_schedule
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "dispatch" {
  count = var.dispatch_enabled ? 1 : 0

  rule      = aws_cloudwatch_event_rule.dispatch[0].name
  target_id = "dispatcher"
  arn       = var.dispatcher_function_arn

  retry_policy {
    maximum_retry_attempts       = 0
    maximum_event_age_in_seconds = 60
  }

  dead_letter_config {
    arn = aws_sqs_queue.dlq.arn
  }

  lifecycle {
    precondition {
      condition     = var.dispatcher_function_arn != null && var.dispatcher_function_name != null
      error_message = "dispatch_enabled needs dispatcher_function_arn and dispatcher_function_name."
    }
  }
}

resource "aws_lambda_permission" "dispatch" {
  count = var.dispatch_enabled ? 1 : 0

  statement_id  = "AllowDispatchSchedule"
  action        = "lambda:InvokeFunction"
  function_name = var.dispatcher_function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.dispatch[0].arn
}
