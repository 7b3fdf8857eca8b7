# Application Auto Scaling over the fleet: a custom-resource scalable target whose resource
# id is the scaling API URL, target tracking on metric math over every endpoint, and for
# async fleets that may sit at zero, a step policy woken by a metric-math alarm on
# HasBacklogWithoutCapacity.

locals {
  scaling_metric = {
    namespace         = var.scaling_metric.namespace
    metric_name       = coalesce(var.scaling_metric.metric_name, var.invocation_mode == "async" ? "ApproximateBacklogSizePerInstance" : "InvocationsPerInstance")
    statistic         = var.scaling_metric.statistic
    aggregation       = var.scaling_metric.aggregation
    variant_dimension = coalesce(var.scaling_metric.variant_dimension, var.invocation_mode == "realtime")
  }
  metric_ids       = [for index, _ in var.endpoints : "m${index + 1}"]
  fleet_expression = "${local.scaling_metric.aggregation}([${join(", ", local.metric_ids)}])"

  scale_from_zero = var.invocation_mode == "async" && var.min_capacity == 0
  backlog_ids     = [for index, _ in var.endpoints : "b${index + 1}"]
}

# RegisterScalableTarget calls the scaling API's GET at once; the deployment, the stage, the
# Lambda permission and the function must exist by then, or the API answers 500 to AAS.
resource "terraform_data" "registration_prerequisites" {
  input = var.registration_prerequisites
}

resource "aws_appautoscaling_target" "fleet" {
  service_namespace  = "custom-resource"
  scalable_dimension = "custom-resource:ResourceType:Property"
  resource_id        = var.resource_id
  min_capacity       = var.min_capacity
  max_capacity       = var.max_capacity
  tags               = var.tags

  depends_on = [terraform_data.registration_prerequisites]
}

# Scheduled scaling: at each schedule AAS sets the target's min and/or max capacity; when the
# current capacity is below the new minimum it scales out to it (Application Auto Scaling user
# guide, "Scheduled scaling"; schedules in at(), rate() or cron() form with an IANA time zone).
resource "aws_appautoscaling_scheduled_action" "fleet" {
  for_each = { for action in var.scheduled_actions : action.name => action }

  name               = "${var.name_prefix}-${each.key}"
  service_namespace  = aws_appautoscaling_target.fleet.service_namespace
  scalable_dimension = aws_appautoscaling_target.fleet.scalable_dimension
  resource_id        = aws_appautoscaling_target.fleet.resource_id
  schedule           = each.value.schedule
  timezone           = each.value.timezone
  start_time         = each.value.start_time
  end_time           = each.value.end_time

  scalable_target_action {
    min_capacity = each.value.min_capacity == null ? null : tostring(each.value.min_capacity)
    max_capacity = each.value.max_capacity == null ? null : tostring(each.value.max_capacity)
  }
}

resource "aws_appautoscaling_policy" "target_tracking" {
  name               = "${var.name_prefix}-target-tracking"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.fleet.service_namespace
  scalable_dimension = aws_appautoscaling_target.fleet.scalable_dimension
  resource_id        = aws_appautoscaling_target.fleet.resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.target_value
    scale_in_cooldown  = var.scale_in_cooldown_seconds
    scale_out_cooldown = var.scale_out_cooldown_seconds
    disable_scale_in   = var.disable_scale_in

    customized_metric_specification {
      dynamic "metrics" {
        for_each = var.endpoints
        content {
          id          = local.metric_ids[metrics.key]
          label       = "${local.scaling_metric.metric_name} of ${metrics.value.name}"
          return_data = false

          metric_stat {
            stat = local.scaling_metric.statistic

            metric {
              namespace   = local.scaling_metric.namespace
              metric_name = local.scaling_metric.metric_name

              dimensions {
                name  = "EndpointName"
                value = metrics.value.name
              }

              dynamic "dimensions" {
                for_each = local.scaling_metric.variant_dimension ? [metrics.value.variant] : []
                content {
                  name  = "VariantName"
                  value = dimensions.value
                }
              }
            }
          }
        }
      }

      metrics {
        id          = "fleet"
        label       = "${local.scaling_metric.aggregation} ${local.scaling_metric.metric_name} over the fleet"
        expression  = local.fleet_expression
        return_data = true
      }
    }
  }
}

resource "aws_appautoscaling_policy" "scale_from_zero" {
  count = local.scale_from_zero ? 1 : 0

  name               = "${var.name_prefix}-scale-from-zero"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.fleet.service_namespace
  scalable_dimension = aws_appautoscaling_target.fleet.scalable_dimension
  resource_id        = aws_appautoscaling_target.fleet.resource_id

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = var.scale_out_cooldown_seconds
    metric_aggregation_type = "Maximum"

    step_adjustment {
      metric_interval_lower_bound = "0"
      scaling_adjustment          = var.scale_from_zero_capacity
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "scale_from_zero" {
  count = local.scale_from_zero ? 1 : 0

  alarm_name          = "${var.name_prefix}-has-backlog-without-capacity"
  alarm_description   = "Requests wait in an endpoint of the fleet while it has no instances: add ${var.scale_from_zero_capacity} capacity unit(s)."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  evaluation_periods  = var.scale_from_zero_evaluation_periods
  datapoints_to_alarm = var.scale_from_zero_evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.scale_from_zero[0].arn]

  dynamic "metric_query" {
    for_each = var.endpoints
    content {
      id          = local.backlog_ids[metric_query.key]
      return_data = false

      metric {
        namespace   = "AWS/SageMaker"
        metric_name = "HasBacklogWithoutCapacity"
        period      = 60
        stat        = "Maximum"
        dimensions  = { EndpointName = metric_query.value.name }
      }
    }
  }

  metric_query {
    id          = "backlog"
    label       = "MAX HasBacklogWithoutCapacity over the fleet"
    expression  = "MAX([${join(", ", local.backlog_ids)}])"
    return_data = true
  }

  tags = var.tags
}
