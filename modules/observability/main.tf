# What the fleet does, at a glance: metrics from the control plane's decision logs
# (desired, actual, failed activities), operational alarms and a dashboard.

data "aws_region" "current" {}

locals {
  region = data.aws_region.current.region

  # Every "fleet decision" log line carries desired, planned, actual and status.
  decision_metrics = {
    desired = { metric = "DesiredCapacity", pattern = "{ $.message = \"fleet decision\" }", value = "$.desired" }
    actual  = { metric = "ActualCapacity", pattern = "{ $.message = \"fleet decision\" }", value = "$.actual" }
    failed  = { metric = "FailedScalingActivities", pattern = "{ ($.message = \"fleet decision\") && ($.status = \"Failed\") }", value = "1" }
  }
  decision_filters = merge([
    for role, group in var.decision_log_group_names : {
      for key, m in local.decision_metrics : "${role}-${key}" => merge(m, { log_group = group })
    }
  ]...)

  alarm_actions = var.alarm_actions

  # The queue-mode names with placeholders in direct mode, where nothing reads them.
  fleet_queue = var.fleet_queue == null ? { queue_name = "", dead_letter_queue_name = "", age_alarm_seconds = 0 } : var.fleet_queue
  queue_mode  = var.fleet_queue != null

  # The load signal as target tracking computes it: its metrics drawn hidden (a metric-math
  # expression on a dashboard refers to them by id), its expressions and its target.
  load_signal = var.load_signal == null ? { target = 0, metrics = [], expressions = [] } : var.load_signal
  load_signal_metrics = concat(
    [for m in local.load_signal.metrics : concat([m.namespace, m.name], flatten([for k, v in m.dimensions : [k, v]]), [{ id = m.id, stat = m.stat, visible = false }])],
    [for e in local.load_signal.expressions : [{ id = e.id, expression = e.expression, label = e.label, visible = e.visible }]],
  )

  # The burst scale-out signal (modules/fleet-autoscaling): direct mode's alarm reads the Sum of
  # RoutedPerCapacity per period x 60 / period, requests routed per minute per capacity unit.
  burst_per_minute = var.burst_signal_seconds > 0 ? 60 / var.burst_signal_seconds : 0

  # The operational alarms, one entry each: any function error, any dead letter, a failed
  # scaling activity (from the decision logs), and router 5XX answers above a threshold.
  alarms = merge(
    {
      for key, function_name in var.function_names : "${replace(key, "_", "-")}-errors" => {
        description = "The ${key} function of fleet ${var.fleet_name} failed."
        namespace   = "AWS/Lambda"
        metric      = "Errors"
        dimensions  = { FunctionName = function_name }
        statistic   = "Sum"
        threshold   = 1
      }
    },
    {
      for key, queue in var.dead_letter_queue_names : "${replace(key, "_", "-")}-dead-letters" => {
        description = "Events or invocations of fleet ${var.fleet_name} were dead-lettered to ${queue}."
        namespace   = "AWS/SQS"
        metric      = "ApproximateNumberOfMessagesVisible"
        dimensions  = { QueueName = queue }
        statistic   = "Maximum"
        threshold   = 1
      }
    },
    var.create_metric_filters ? {
      failed-scaling-activities = {
        description = "A scaling activity of fleet ${var.fleet_name} failed (no progress within activity_timeout_seconds, or no endpoint can take the capacity)."
        namespace   = var.metric_namespace
        metric      = "FailedScalingActivities"
        dimensions  = { Fleet = var.fleet_name }
        statistic   = "Sum"
        threshold   = 1
      }
    } : {},
    # Queue mode: a request waiting too long in the fleet queue (no endpoint with room: the
    # fleet cannot scale, or the dispatcher is not running) and any request dead-lettered
    # after failing max_receive_count dispatches.
    var.fleet_queue == null ? {} : {
      fleet-queue-age = {
        description = "The oldest request in the fleet queue of fleet ${var.fleet_name} has waited ${var.fleet_queue.age_alarm_seconds} s or more for an endpoint with room."
        namespace   = "AWS/SQS"
        metric      = "ApproximateAgeOfOldestMessage"
        dimensions  = { QueueName = var.fleet_queue.queue_name }
        statistic   = "Maximum"
        threshold   = var.fleet_queue.age_alarm_seconds
      }
      fleet-queue-dead-letters = {
        description = "Requests of fleet ${var.fleet_name} failed every dispatch attempt and were moved to ${var.fleet_queue.dead_letter_queue_name}."
        namespace   = "AWS/SQS"
        metric      = "ApproximateNumberOfMessagesVisible"
        dimensions  = { QueueName = var.fleet_queue.dead_letter_queue_name }
        statistic   = "Maximum"
        threshold   = 1
      }
    },
    {
      router-5xx = {
        description = "The router of fleet ${var.fleet_name} answered 5XX (no capacity or every endpoint failed)."
        namespace   = "AWS/ApiGateway"
        metric      = "5XXError"
        dimensions  = { ApiName = var.router_api_name, Stage = var.router_stage_name }
        statistic   = "Sum"
        threshold   = var.router_5xx_threshold + 1
      }
    },
  )

  endpoint_names = var.endpoint_names
  function_keys  = sort(keys(var.function_names))
  query_sources  = join(" | ", [for group in values(var.decision_log_group_names) : "SOURCE '${group}'"])
  target_fields = join(", ", [
    for index, name in local.endpoint_names : "max(`targets.${name}`) as endpoint${index + 1}"
  ])
  endpoint_legend = join(", ", [for index, name in local.endpoint_names : "endpoint${index + 1} = ${name}"])

  widgets = concat(
    [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title   = "${var.scaling_metric_name} per endpoint"
          region  = local.region
          view    = "timeSeries"
          stat    = "Average"
          period  = 60
          metrics = [for name in local.endpoint_names : ["AWS/SageMaker", var.scaling_metric_name, "EndpointName", name, { label = name }]]
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title  = "Fleet desired vs actual capacity (capacity units)"
          region = local.region
          view   = "timeSeries"
          stat   = "Maximum"
          period = 60
          metrics = [
            [var.metric_namespace, "DesiredCapacity", "Fleet", var.fleet_name, { label = "desired" }],
            [var.metric_namespace, "ActualCapacity", "Fleet", var.fleet_name, { label = "actual" }],
          ]
        }
      },
      {
        type = "log", x = 0, y = 6, width = 12, height = 6
        properties = {
          title  = "Planned instances per endpoint (${local.endpoint_legend})"
          region = local.region
          view   = "timeSeries"
          query  = "${local.query_sources} | filter message = \"fleet decision\" | stats ${local.target_fields} by bin(1m)"
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title   = "HasBacklogWithoutCapacity per endpoint (async)"
          region  = local.region
          view    = "timeSeries"
          stat    = "Maximum"
          period  = 60
          metrics = [for name in local.endpoint_names : ["AWS/SageMaker", "HasBacklogWithoutCapacity", "EndpointName", name, { label = name }]]
        }
      },
      {
        type = "metric", x = 0, y = 12, width = 12, height = 6
        properties = {
          title  = "Routing: router API requests and errors"
          region = local.region
          view   = "timeSeries"
          stat   = "Sum"
          period = 60
          metrics = [
            ["AWS/ApiGateway", "Count", "ApiName", var.router_api_name, "Stage", var.router_stage_name, { label = "requests" }],
            ["AWS/ApiGateway", "4XXError", "ApiName", var.router_api_name, "Stage", var.router_stage_name, { label = "4XX" }],
            ["AWS/ApiGateway", "5XXError", "ApiName", var.router_api_name, "Stage", var.router_stage_name, { label = "5XX" }],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 12, width = 12, height = 6
        properties = {
          title   = "Function errors"
          region  = local.region
          view    = "timeSeries"
          stat    = "Sum"
          period  = 60
          metrics = [for key in local.function_keys : ["AWS/Lambda", "Errors", "FunctionName", var.function_names[key], { label = key }]]
        }
      },
      {
        type = "metric", x = 0, y = 18, width = 12, height = 6
        properties = {
          title   = "Dead-letter queues (messages visible)"
          region  = local.region
          view    = "timeSeries"
          stat    = "Maximum"
          period  = 300
          metrics = [for key, queue in var.dead_letter_queue_names : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue, { label = key }]]
        }
      },
      {
        type = "metric", x = 12, y = 18, width = 12, height = 6
        properties = {
          title   = "Failed scaling activities"
          region  = local.region
          view    = "timeSeries"
          stat    = "Sum"
          period  = 300
          metrics = [[var.metric_namespace, "FailedScalingActivities", "Fleet", var.fleet_name, { label = "failed decisions" }]]
        }
      },
    ],
    # Queue mode: what waits in the fleet queue, how long, and what was dead-lettered
    # (AWS/SQS metrics by QueueName). slice() keeps them only in queue mode (the widgets
    # differ in shape, so a conditional could not choose between them and []).
    slice([
      {
        type = "metric", x = 0, y = 24, width = 8, height = 6
        properties = {
          title  = "Fleet queue: requests waiting and being dispatched"
          region = local.region
          view   = "timeSeries"
          stat   = "Maximum"
          period = 60
          metrics = [
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", local.fleet_queue.queue_name, { label = "waiting" }],
            ["AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "QueueName", local.fleet_queue.queue_name, { label = "being dispatched" }],
          ]
        }
      },
      {
        type = "metric", x = 8, y = 24, width = 8, height = 6
        properties = {
          title   = "Fleet queue: age of the oldest request (s)"
          region  = local.region
          view    = "timeSeries"
          stat    = "Maximum"
          period  = 60
          metrics = [["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", local.fleet_queue.queue_name, { label = "oldest" }]]
          annotations = {
            horizontal = [{ label = "alarm", value = local.fleet_queue.age_alarm_seconds }]
          }
        }
      },
      {
        type = "metric", x = 16, y = 24, width = 8, height = 6
        properties = {
          title   = "Fleet queue: dead-lettered requests"
          region  = local.region
          view    = "timeSeries"
          stat    = "Maximum"
          period  = 60
          metrics = [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", local.fleet_queue.dead_letter_queue_name, { label = "dead letters" }]]
        }
      },
    ], 0, var.fleet_queue == null ? 0 : 3),
    # The burst scale-out signal, at its period: what the burst alarm reads. slice() keeps one
    # widget, of the dispatch mode, when there is a signal.
    slice([
      {
        type = "metric", x = 0, y = 30, width = 12, height = 6
        properties = {
          title   = "Fleet queue: requests waiting or in flight per in-service capacity unit (burst scale-out signal)"
          region  = local.region
          view    = "timeSeries"
          stat    = "Maximum"
          period  = var.burst_signal_seconds
          metrics = [[var.metric_namespace, "OutstandingPerCapacity", "Fleet", var.fleet_name, { label = "outstanding per unit" }]]
        }
      },
    ], 0, local.queue_mode && var.burst_signal_seconds > 0 ? 1 : 0),
    slice([
      {
        type = "metric", x = 0, y = 24, width = 12, height = 6
        properties = {
          title  = "Routed requests per in-service capacity unit (burst scale-out signal)"
          region = local.region
          view   = "timeSeries"
          stat   = "Sum"
          period = var.burst_signal_seconds
          metrics = [
            [var.metric_namespace, "RoutedPerCapacity", "Fleet", var.fleet_name, { id = "m", label = "routed per unit in ${var.burst_signal_seconds} s" }],
            [{ id = "e", expression = "m * ${local.burst_per_minute}", label = "routed per unit per minute (burst alarm)" }],
          ]
        }
      },
    ], 0, !local.queue_mode && var.burst_signal_seconds > 0 ? 1 : 0),
    # What target tracking follows: the load (and, in queue mode, the value it returns, at
    # most the target while the fleet keeps up) against the target.
    slice([
      {
        type = "metric", x = 0, y = 36, width = 24, height = 6
        properties = {
          title   = "Load signal: requests arriving and waiting per in-service capacity unit, and what target tracking reads"
          region  = local.region
          view    = "timeSeries"
          period  = 60
          metrics = local.load_signal_metrics
          annotations = {
            horizontal = [{ label = "target", value = local.load_signal.target }]
          }
        }
      },
    ], 0, var.load_signal == null ? 0 : 1),
  )
}

resource "aws_cloudwatch_log_metric_filter" "decision" {
  for_each = var.create_metric_filters ? local.decision_filters : {}

  name           = "${var.name_prefix}-${each.key}"
  log_group_name = each.value.log_group
  pattern        = each.value.pattern

  metric_transformation {
    namespace  = var.metric_namespace
    name       = each.value.metric
    value      = each.value.value
    dimensions = { Fleet = "$.fleet" }
  }
}

resource "aws_cloudwatch_metric_alarm" "operational" {
  for_each = var.create_alarms ? local.alarms : {}

  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = each.value.threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_dashboard" "fleet" {
  count = var.create_dashboard ? 1 : 0

  dashboard_name = "${var.name_prefix}-fleet"
  dashboard_body = jsonencode({ widgets = local.widgets })
}
