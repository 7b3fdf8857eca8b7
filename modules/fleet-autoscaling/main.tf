# Application Auto Scaling over the fleet: a custom-resource scalable target whose resource
# id is the scaling API URL, target tracking on a metric-math signal, and for async fleets
# a fast scale-out step and (when the fleet may sit at zero) a sized scale-from-zero step,
# each woken by a metric-math alarm. Defaults come from scaling_defaults.json.

locals {
  # The scaling defaults live in one file that the simulator reads too (README, "Choosing the defaults").
  defaults = jsondecode(file("${path.module}/scaling_defaults.json"))

  signal = var.invocation_mode == "realtime" ? "backlog" : coalesce(var.scaling_signal, local.defaults.scaling_signal)
  load   = local.signal == "load"

  # Some defaults are held once per dispatch mode, <name>_queue and <name>_direct (README,
  # "Choosing the defaults", says why each differs).
  mode                               = local.queue_mode ? "queue" : "direct"
  target_value                       = coalesce(var.target_value, local.load ? local.defaults["load_target_value_${local.mode}"] : local.defaults.backlog_target_value)
  load_backlog_minutes               = coalesce(var.load_backlog_minutes, local.defaults["load_backlog_minutes_${local.mode}"])
  load_keep_up_waiting               = local.queue_mode ? coalesce(var.load_keep_up_waiting, local.defaults.load_keep_up_waiting_queue) : 0
  scale_out_cooldown_seconds         = coalesce(var.scale_out_cooldown_seconds, local.defaults.scale_out_cooldown_seconds)
  scale_in_cooldown_seconds          = coalesce(var.scale_in_cooldown_seconds, local.defaults.scale_in_cooldown_seconds)
  scale_from_zero_evaluation_periods = coalesce(var.scale_from_zero_evaluation_periods, local.defaults.scale_from_zero_evaluation_periods)
  scale_from_zero_cooldown_seconds   = coalesce(var.scale_from_zero_cooldown_seconds, local.defaults.scale_from_zero_cooldown_seconds)
  fast_scale_out_ratio               = coalesce(var.fast_scale_out_ratio, local.defaults.fast_scale_out_ratio)
  fast_scale_out_evaluation_periods  = coalesce(var.fast_scale_out_evaluation_periods, local.defaults.fast_scale_out_evaluation_periods)
  fast_scale_out_headroom            = coalesce(var.fast_scale_out_headroom, local.defaults["fast_scale_out_headroom_${local.mode}"])
  fast_scale_out_min_capacity        = coalesce(var.fast_scale_out_min_capacity, local.defaults["fast_scale_out_min_capacity_${local.mode}"])
  burst_evaluation_periods           = coalesce(var.burst_evaluation_periods, local.defaults["burst_evaluation_periods_${local.mode}"])
  fast_scale_in_ratio                = coalesce(var.fast_scale_in_ratio, local.defaults.fast_scale_in_ratio)
  fast_scale_in_evaluation_periods   = coalesce(var.fast_scale_in_evaluation_periods, local.defaults.fast_scale_in_evaluation_periods)
  fast_scale_in_cooldown_seconds     = coalesce(var.fast_scale_in_cooldown_seconds, local.defaults.fast_scale_in_cooldown_seconds)
  fast_scale_in_min_capacity         = coalesce(var.fast_scale_in_min_capacity, local.defaults.fast_scale_in_min_capacity)
  fast_scale_in_max_percent          = coalesce(var.fast_scale_in_max_percent, local.defaults["fast_scale_in_max_percent_${local.mode}"])
  # The steady scale-in alarm reads one metric more than the load (d, see steady_in_metrics);
  # where that passes CloudWatch's 10 metrics, the default turns the step off.
  steady_scale_in_ratio              = var.steady_scale_in_ratio != null ? var.steady_scale_in_ratio : local.steady_in_fits ? local.defaults.steady_scale_in_ratio : 0
  steady_scale_in_datapoints         = coalesce(var.steady_scale_in_datapoints, local.defaults.steady_scale_in_datapoints)
  steady_scale_in_evaluation_periods = coalesce(var.steady_scale_in_evaluation_periods, local.defaults.steady_scale_in_evaluation_periods)
  steady_scale_in_cooldown_seconds   = coalesce(var.steady_scale_in_cooldown_seconds, local.defaults.steady_scale_in_cooldown_seconds)
  steady_scale_in_min_capacity       = coalesce(var.steady_scale_in_min_capacity, local.defaults.steady_scale_in_min_capacity)
  period                             = local.defaults.metric_period_seconds

  # The backlog signal: one metric per endpoint, combined by a metric-math function.
  scaling_metric = {
    namespace         = var.scaling_metric.namespace
    metric_name       = coalesce(var.scaling_metric.metric_name, var.invocation_mode == "async" ? "ApproximateBacklogSizePerInstance" : "InvocationsPerInstance")
    statistic         = var.scaling_metric.statistic
    aggregation       = var.scaling_metric.aggregation
    variant_dimension = coalesce(var.scaling_metric.variant_dimension, var.invocation_mode == "realtime")
  }
  metric_ids         = [for index, _ in var.endpoints : "m${index + 1}"]
  backlog_expression = "${local.scaling_metric.aggregation}([${join(", ", local.metric_ids)}])"
  backlog_ids        = [for index, _ in var.endpoints : "b${index + 1}"]

  # The load signal (README, Design notes, "The scaling signal"): requests that arrived in the minute (a) plus the
  # requests waiting or in flight on every endpoint (b_i) spread over load_backlog_minutes (H),
  # per in-service capacity unit (c, which the control plane publishes in its logs). With H = 1
  # a backlog counts as one minute's work and, as CloudWatch publishes datapoints minutes late
  # and c counts only capacity in service, target tracking orders it again every minute while
  # the capacity it ordered is still provisioning. The default is per dispatch mode: 3 in direct
  # mode, 1 in queue mode, where the fleet queue's depth is work no endpoint holds yet and
  # counting all of it keeps the burst's wait within 1.2x the oracle (README, "Choosing the
  # defaults"). Target tracking accepts any function
  # CloudWatch metric math supports as long as the result is one time series (Application Auto
  # Scaling user guide, "Create a target tracking scaling policy ... using metric math"); FILL
  # turns a missing datapoint into 0 and IF(FILL(c, 0) < 1, 1, ...) keeps the divisor >= 1.
  #
  # In queue mode (README, "Queue mode: what the module adds", the load signal row) the requests waiting in the fleet queue join the
  # work: q = AWS/SQS ApproximateNumberOfMessagesVisible of the fleet queue (the messages
  # available for retrieval; the dispatcher holds a received message only for one round, and
  # what it dispatched is in the endpoints' b_i), Maximum over the minute.
  queue_mode = var.fleet_queue_name != null
  load_metrics = concat(
    [{ id = "a", namespace = "AWS/ApiGateway", name = "Count", stat = "Sum", dimensions = { ApiName = coalesce(var.router_api_name, "unset"), Stage = coalesce(var.router_stage_name, "unset") } }],
    [for index, endpoint in var.endpoints : { id = local.backlog_ids[index], namespace = "AWS/SageMaker", name = "ApproximateBacklogSize", stat = "Average", dimensions = { EndpointName = endpoint.name } }],
    local.queue_mode ? [{ id = "q", namespace = "AWS/SQS", name = "ApproximateNumberOfMessagesVisible", stat = "Maximum", dimensions = { QueueName = var.fleet_queue_name } }] : [],
    [{ id = "c", namespace = var.metrics_namespace, name = "InServiceCapacity", stat = "Maximum", dimensions = { Fleet = coalesce(var.fleet_name, "unset") } }],
  )
  # A metric-math alarm reads at most 10 metrics (a, every b_i, c and q): the root module
  # checks that the fleet has at most 8 endpoints (7 in queue mode) with the load signal.
  endpoint_terms = [for id in local.backlog_ids : "FILL(${id}, 0)"]
  backlog_terms  = concat(local.endpoint_terms, local.queue_mode ? ["FILL(q, 0)"] : [])
  work           = join(" + ", concat(["FILL(a, 0)"], local.backlog_terms))
  # What waits, for the load. Direct mode: every endpoint's backlog. Queue mode: the
  # endpoints hold only what the dispatcher sent them, and ApproximateBacklogSize counts the
  # requests in service too, about one per in-service unit at a steady load, so a fleet that
  # keeps up would read as one with work waiting; only the endpoints' backlog beyond one
  # request per in-service unit counts, IF(B - c > 0, B - c, 0), and the fleet queue's depth
  # in full (README, "Queue mode", the load). IF compares with a scalar, as the divisor below
  # does. One in service per unit is exact for one concurrent invocation per instance and
  # capacity_per_instance 1; with more concurrent invocations than units per instance
  # (MaxConcurrentInvocationsPerInstance) more are in service and the load overstates what
  # waits, as without the subtraction; with fewer it understates it by the difference.
  endpoint_backlog = join(" + ", local.endpoint_terms)
  endpoint_waiting = "IF((${local.endpoint_backlog} - FILL(c, 0)) > 0, ${local.endpoint_backlog} - FILL(c, 0), 0)"
  waiting          = local.queue_mode ? "${local.endpoint_waiting} + FILL(q, 0)" : local.endpoint_backlog
  load_work        = "FILL(a, 0) + (${local.waiting}) / ${local.load_backlog_minutes}"
  load_expression  = "(${local.load_work}) / IF(FILL(c, 0) < 1, 1, FILL(c, 0))"
  # Work that waits while no capacity is in service: what scale-from-zero must serve.
  waiting_without_capacity = "IF(FILL(c, 0) < 1, ${local.work}, 0)"
  # With the backlog signal, scale-from-zero watches each endpoint's HasBacklogWithoutCapacity.
  no_capacity_metrics = [for index, endpoint in var.endpoints : { id = local.backlog_ids[index], namespace = "AWS/SageMaker", name = "HasBacklogWithoutCapacity", stat = "Maximum", dimensions = { EndpointName = endpoint.name } }]

  fleet_expression = local.load ? local.load_expression : local.backlog_expression

  # What target tracking reads in queue mode (README, "Queue mode", the load): the load, but
  # no more than the target while fewer requests wait (W) than load_keep_up_waiting (k) per
  # in-service unit. A fleet that keeps up holds little waiting work, and its load is then
  # mostly the minute's arrivals per unit, whose noise crosses the target for three minutes
  # in a row now and then: target tracking scales out on three datapoints above its target
  # and in only on fifteen below 90 % of it, so that noise ratchets capacity up through a
  # long steady peak. Once work queues (W >= k units) the load counts in full; a load below
  # the target is never changed, so scale-in is as before. The step alarms read the load
  # itself. W and the load are queries of their own, which the returned one names by id
  # (TargetTrackingMetricDataQuery, Expression: "can also use the Id of other expressions";
  # Application Auto Scaling API reference); 0 turns the cap off.
  keep_up            = local.load && local.load_keep_up_waiting > 0
  keep_up_limit      = local.load_keep_up_waiting == 1 ? "IF(FILL(c, 0) < 1, 1, FILL(c, 0))" : "${local.load_keep_up_waiting} * IF(FILL(c, 0) < 1, 1, FILL(c, 0))"
  tracked_expression = "IF(waiting < ${local.keep_up_limit}, IF(load > ${local.target_value}, ${local.target_value}, load), load)"
  load_label         = "Requests arriving and waiting per in-service capacity unit"
  # The expressions target tracking evaluates after its metrics, the returned one last.
  tracking_expressions = local.keep_up ? [
    { id = "waiting", label = "Requests waiting beyond one in service per unit, and on the fleet queue", expression = local.waiting, return_data = false },
    { id = "load", label = local.load_label, expression = local.load_expression, return_data = false },
    { id = "tracked", label = "The load, at most the target while fewer than ${local.load_keep_up_waiting} request(s) per in-service unit wait", expression = local.tracked_expression, return_data = true },
    ] : [
    { id = local.load ? "load" : "fleet", label = local.load ? local.load_label : "${local.scaling_metric.aggregation} ${local.scaling_metric.metric_name} over the fleet", expression = local.fleet_expression, return_data = true },
  ]

  scale_from_zero = var.invocation_mode == "async" && var.min_capacity == 0
  fast_scale_out  = local.load
  fast_scale_in   = local.load && local.fast_scale_in_ratio > 0
  steady_scale_in = local.load && local.steady_scale_in_ratio > 0
  # The burst signal wakes fast scale-out within seconds (async fleets on the load signal, both
  # dispatch modes): in queue mode the dispatcher's OutstandingPerCapacity, in direct mode the
  # router's RoutedPerCapacity; both high resolution, every burst_signal_seconds.
  burst_scale_out = local.load && var.burst_signal_seconds > 0
  # Direct mode: Sum of RoutedPerCapacity over a period of P s x 60 / P = requests routed per
  # minute per capacity unit, the load's arrivals term, so the fast threshold applies (6, 3, 2).
  burst_per_minute = var.burst_signal_seconds > 0 ? 60 / var.burst_signal_seconds : 0

  # Scale from zero with the load signal adds floor(waiting / target) + 1 units: the alarm fires
  # above 0, and step i covers waiting in [(i-1) x target, i x target) and adds i units (a lower
  # bound is inclusive above the threshold, API reference StepAdjustment; the simulator's
  # scale_from_zero_units applies the same steps); the
  # last step is open and adds max_capacity (AAS caps at max_capacity anyway). At most 20 steps.
  zero_steps = min(var.max_capacity, 20)
  scale_from_zero_steps = local.load ? [
    for i in range(1, local.zero_steps + 1) : {
      lower      = (i - 1) * local.target_value
      upper      = i == local.zero_steps ? null : i * local.target_value
      adjustment = i == local.zero_steps ? var.max_capacity : i
    }
  ] : [{ lower = 0, upper = null, adjustment = var.scale_from_zero_capacity }]

  # Fast scale-out: at load = m x target (m >= ratio) capacity grows by (m x h - 1) x 100 %, so
  # the new capacity is about actual x load x h / target, h = fast_scale_out_headroom: a burst
  # is sized as if the target were target / h. Bounds are offsets above the alarm threshold
  # (ratio x target), one step per whole multiple of the target, the last step open; between
  # two multiples the lower one's percent applies (simulator/autoscaling.py
  # fast_scale_out_percent applies the same steps). Queue mode tracks 5.5 with h = 1.75: the
  # fleet serves steady traffic at 5.5 per unit, and a burst, whose later datapoints arrive
  # minutes late, gets the capacity of target 5.5 / 1.75 (about 3.1) at once (README,
  # "Choosing the defaults").
  # A step adjustment is an integer; + 1e-6 keeps (2.3 + i) x 1.1 - 1 from losing a percent to
  # rounding.
  fast_threshold = local.fast_scale_out_ratio * local.target_value
  # The fast alarm reads the load only while at least fast_scale_out_min_capacity units are
  # in service, 0 otherwise (1 or less: the load itself; the step cannot grow 0 units anyway,
  # a percent of 0 is 0). A one-unit fleet's minute of 4-7 arrivals doubles by chance; in
  # queue mode the burst alarm (the outstanding work, 2 of 2 datapoints) still sees a real
  # burst on one unit, so the default there is 2 (README, "Choosing the defaults").
  fast_scale_out_expression = (local.fast_scale_out_min_capacity > 1
    ? "IF(FILL(c, 0) >= ${local.fast_scale_out_min_capacity}, ${local.load_expression}, 0)"
    : local.load_expression
  )
  fast_steps = [
    for i in range(0, 9) : {
      lower      = i * local.target_value
      upper      = i == 8 ? null : (i + 1) * local.target_value
      adjustment = floor(((local.fast_scale_out_ratio + i) * local.fast_scale_out_headroom - 1) * 100 + 0.000001)
    }
  ]

  # Fast scale-in: target tracking scales in only after its low alarm has 15 of 15 datapoints
  # below 90 % of the target; this step removes capacity after fast_scale_in_evaluation_periods
  # datapoints below T = fast_scale_in_ratio x target. Step bounds are offsets from the alarm
  # threshold; below the threshold a step's lower bound is exclusive and its upper bound
  # inclusive, one step may have a null lower bound and a step with a negative lower bound
  # needs it (Application Auto Scaling API reference, StepAdjustment). So the steps are:
  # load in (2T/3, T) -33 %, (4T/9, 2T/3] -50 %, (T/5, 4T/9] -66 %, (T/10, T/5] -85 % and at
  # most T/10 -93 %, the steps deeper than fast_scale_in_max_percent left out and the last one
  # kept open (queue mode 93, direct mode 66: README, "Choosing the defaults"). Each leaves load
  # below 1.5 x T after the step (T / 0.67, (2T/3) / 0.5, (4T/9) / 0.34, (T/5) / 0.15,
  # (T/10) / 0.07), which is at most 0.9 x target for a ratio <= 0.6: target tracking does not
  # scale straight back out. simulator/autoscaling.py scale_in_percent picks the same steps.
  # Ranges may not overlap or leave a gap (StepAdjustment); five steps are within the 20 step
  # adjustments a step scaling policy may hold (Application Auto Scaling user guide, "Quotas").
  # The bounds are rounded to 1e-6 (T / 3 would otherwise render as -0.5999...96).
  fast_in_threshold = local.fast_scale_in_ratio * local.target_value
  fast_in_bounds    = [for part in [0, 1 / 3, 5 / 9, 4 / 5, 9 / 10, 1] : floor(local.fast_in_threshold * part * 1000000 + 0.5) / 1000000]
  fast_in_kept = [
    for i, adjustment in [-33, -50, -66, -85, -93] : {
      lower = -local.fast_in_bounds[i + 1], upper = i == 0 ? 0 : -local.fast_in_bounds[i], adjustment = adjustment
    } if abs(adjustment) <= local.fast_scale_in_max_percent
  ]
  fast_in_steps = [
    for i, step in local.fast_in_kept : merge(step, { lower = i == length(local.fast_in_kept) - 1 ? null : step.lower })
  ]

  # Steady scale-in: while the load sits a little below the target, one noisy minute above
  # 90 % of it restarts target tracking's 15-of-15 count, so a fleet that drained a burst can
  # hold its peak capacity until the load falls away (README, "Targets that stay unmet" traced
  # this in `step`). This alarm is "M out of N" (datapoints_to_alarm of evaluation_periods,
  # CloudWatch user guide, "Evaluating an alarm") on load < S = steady_scale_in_ratio x target,
  # and its steps remove 15 % for load in (7S/8, S] and 25 % at most 7S/8 (offsets from the
  # threshold as for fast scale-in; the first step's upper bound 0 and the second's null lower
  # bound, StepAdjustment). As the alarm can be in ALARM while its newest datapoint is above S,
  # a value above S matches no step and nothing is removed. For S <= 0.8 x target each step
  # leaves the load below 0.95 x the target (S / 0.85, (7S/8) / 0.75), so target tracking,
  # which scales out above the target, does not scale straight back out.
  # simulator/autoscaling.py steady_scale_in_percent picks the same steps.
  # The alarm reads the load only while every desired unit is in service as well, c >= d
  # (d: the control plane's DesiredCapacity, published in the same EMF line as c; README,
  # "Backlog and the fleet-capacity metric"): a fleet short of its desired capacity, with an
  # endpoint failed or instances still provisioning, is not trimmed (the benchmark's
  # endpoint-failure scenario lost a unit to this step a minute before an endpoint was deleted).
  steady_in_metrics   = concat(local.load_metrics, [{ id = "d", namespace = var.metrics_namespace, name = "DesiredCapacity", stat = "Maximum", dimensions = { Fleet = coalesce(var.fleet_name, "unset") } }])
  steady_in_fits      = length(local.steady_in_metrics) <= 10
  steady_in_threshold = local.steady_scale_in_ratio * local.target_value
  steady_in_split     = floor(local.steady_in_threshold / 8 * 1000000 + 0.5) / 1000000
  steady_in_steps = [
    { lower = -local.steady_in_split, upper = 0, adjustment = -15 },
    { lower = null, upper = -local.steady_in_split, adjustment = -25 },
  ]
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
    target_value       = local.target_value
    scale_in_cooldown  = local.scale_in_cooldown_seconds
    scale_out_cooldown = local.scale_out_cooldown_seconds
    disable_scale_in   = var.disable_scale_in

    customized_metric_specification {
      # The load signal: a, b_i and c.
      dynamic "metrics" {
        for_each = local.load ? local.load_metrics : []
        content {
          id          = metrics.value.id
          label       = "${metrics.value.name} of ${join("/", values(metrics.value.dimensions))}"
          return_data = false

          metric_stat {
            stat = metrics.value.stat

            metric {
              namespace   = metrics.value.namespace
              metric_name = metrics.value.name

              dynamic "dimensions" {
                for_each = metrics.value.dimensions
                content {
                  name  = dimensions.key
                  value = dimensions.value
                }
              }
            }
          }
        }
      }

      # The backlog signal: one metric per endpoint.
      dynamic "metrics" {
        for_each = local.load ? [] : var.endpoints
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

      dynamic "metrics" {
        for_each = local.tracking_expressions
        content {
          id          = metrics.value.id
          label       = metrics.value.label
          expression  = metrics.value.expression
          return_data = metrics.value.return_data
        }
      }
    }
  }

  lifecycle {
    precondition {
      condition     = !local.load || (var.router_api_name != null && var.router_stage_name != null && var.fleet_name != null)
      error_message = "The load signal needs router_api_name, router_stage_name and fleet_name."
    }
    precondition {
      condition     = !local.queue_mode || local.load
      error_message = "Queue mode (fleet_queue_name) needs the load signal: the endpoints' own backlogs stay within what the dispatcher sends them, and only the load signal counts the fleet queue."
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
    cooldown                = local.scale_from_zero_cooldown_seconds
    metric_aggregation_type = "Maximum"

    dynamic "step_adjustment" {
      for_each = local.scale_from_zero_steps
      content {
        metric_interval_lower_bound = tostring(step_adjustment.value.lower)
        metric_interval_upper_bound = step_adjustment.value.upper == null ? null : tostring(step_adjustment.value.upper)
        scaling_adjustment          = step_adjustment.value.adjustment
      }
    }
  }
}

# Alarms may use metric math with up to 10 metrics and 10 expressions, and functions such as
# FILL, IF and MAX (CloudWatch PutMetricAlarm, Metrics: MetricDataQuery).
resource "aws_cloudwatch_metric_alarm" "scale_from_zero" {
  count = local.scale_from_zero ? 1 : 0

  alarm_name          = local.load ? "${var.name_prefix}-waiting-without-capacity" : "${var.name_prefix}-has-backlog-without-capacity"
  alarm_description   = local.load ? "Requests arrive or wait while the fleet has no capacity in service: add floor(waiting / ${local.target_value}) + 1 capacity units." : "Requests wait in an endpoint of the fleet while it has no instances: add ${var.scale_from_zero_capacity} capacity unit(s)."
  comparison_operator = local.load ? "GreaterThanThreshold" : "GreaterThanOrEqualToThreshold"
  threshold           = local.load ? 0 : 1
  evaluation_periods  = local.scale_from_zero_evaluation_periods
  datapoints_to_alarm = local.scale_from_zero_evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.scale_from_zero[0].arn]

  dynamic "metric_query" {
    for_each = local.load ? local.load_metrics : local.no_capacity_metrics
    content {
      id          = metric_query.value.id
      return_data = false

      metric {
        namespace   = metric_query.value.namespace
        metric_name = metric_query.value.name
        period      = local.period
        stat        = metric_query.value.stat
        dimensions  = metric_query.value.dimensions
      }
    }
  }

  metric_query {
    id          = local.load ? "waiting" : "backlog"
    label       = local.load ? "Requests arriving and waiting while no capacity is in service" : "MAX HasBacklogWithoutCapacity over the fleet"
    expression  = local.load ? local.waiting_without_capacity : "MAX([${join(", ", local.backlog_ids)}])"
    return_data = true
  }

  tags = var.tags
}

# Fast scale-out: target tracking waits for several datapoints above the target; this step
# reacts on the first datapoint where load > fast_scale_out_ratio x target.
resource "aws_appautoscaling_policy" "fast_scale_out" {
  count = local.fast_scale_out ? 1 : 0

  name               = "${var.name_prefix}-fast-scale-out"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.fleet.service_namespace
  scalable_dimension = aws_appautoscaling_target.fleet.scalable_dimension
  resource_id        = aws_appautoscaling_target.fleet.resource_id

  step_scaling_policy_configuration {
    adjustment_type          = "PercentChangeInCapacity"
    min_adjustment_magnitude = 1
    cooldown                 = local.scale_out_cooldown_seconds
    metric_aggregation_type  = "Maximum"

    dynamic "step_adjustment" {
      for_each = local.fast_steps
      content {
        metric_interval_lower_bound = tostring(step_adjustment.value.lower)
        metric_interval_upper_bound = step_adjustment.value.upper == null ? null : tostring(step_adjustment.value.upper)
        scaling_adjustment          = step_adjustment.value.adjustment
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "fast_scale_out" {
  count = local.fast_scale_out ? 1 : 0

  alarm_name          = "${var.name_prefix}-fast-scale-out"
  alarm_description   = "Load above ${local.fast_scale_out_ratio} x the target (${local.target_value})${local.fast_scale_out_min_capacity > 1 ? " with at least ${local.fast_scale_out_min_capacity} capacity units in service" : ""}: grow capacity to about actual x load x ${local.fast_scale_out_headroom} / target at once."
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.fast_threshold
  evaluation_periods  = local.fast_scale_out_evaluation_periods
  datapoints_to_alarm = local.fast_scale_out_evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.fast_scale_out[0].arn]

  dynamic "metric_query" {
    for_each = local.load_metrics
    content {
      id          = metric_query.value.id
      return_data = false

      metric {
        namespace   = metric_query.value.namespace
        metric_name = metric_query.value.name
        period      = local.period
        stat        = metric_query.value.stat
        dimensions  = metric_query.value.dimensions
      }
    }
  }

  metric_query {
    id          = "load"
    label       = local.fast_scale_out_min_capacity > 1 ? "${local.load_label} (0 while fewer than ${local.fast_scale_out_min_capacity} units are in service)" : local.load_label
    expression  = local.fast_scale_out_expression
    return_data = true
  }

  tags = var.tags
}

# Burst scale-out: the load signal's 1-minute datapoints arrive about 2 minutes late, so the
# fast alarm sees a burst about 3 minutes after it starts. A high-resolution signal, every
# burst_signal_seconds, lets this alarm run the fast scale-out step within seconds instead.
# PutMetricAlarm Period: "Valid values are 10, 20, 30, and any multiple of 60", and 10, 20 or
# 30 only for metrics stored with a StorageResolution of 1; for an alarm on a metric math
# expression "you specify the period for each metric within the objects in the Metrics
# array" (CloudWatch API reference, PutMetricAlarm). "If the alarm period is 10 seconds or 30
# seconds, the alarm is evaluated every 10 seconds" (CloudWatch user guide, AlarmThatSendsEmail).
#
# Queue mode: the dispatcher publishes OutstandingPerCapacity = (fleet queue
# ApproximateNumberOfMessages + its ledger's outstanding requests) / max(in-service capacity
# units, 1) with PutMetricData (StorageResolution 1), and the alarm reads its Maximum. Unlike
# the load it counts no arrivals (a); the ledger counts a dispatched request until its
# completion, and its backlog clamp forgets one whose completion was lost. Missing data is not
# breaching: the dispatcher publishes nothing between its scheduled invocations (about 2 s a
# minute at the default dispatch_run_seconds 58, 10 s at 50).
#
# Direct mode: the router writes one embedded-metric-format (EMF) log line per routed request
# with RoutedPerCapacity = 1 / max(in-service capacity units, 1) (FLEET_CONFIG burst_signal);
# CloudWatch Logs extracts it from the router's log group (no PutMetricData, no IAM beyond
# writing logs). An EMF MetricDefinition accepts StorageResolution 1 (CloudWatch user guide,
# "Specification: Embedded metric format"). The Sum over a period of P s is the requests routed
# per capacity unit in it; m x 60 / P is the load's arrivals term, per minute, without the
# backlog (which the 1-minute load and the fast alarm still count). "If you plan on using the
# embedded metric format to send high-resolution metrics and create alarms on these metrics,
# we recommended that you flush logs to CloudWatch Logs at an interval of 5 seconds or less
# ... If you are using Lambda on other platforms where you can't control the log flush
# interval, consider using 'M out of N' alarms" (CloudWatch user guide, "Setting alarms on
# metrics created with the embedded metric format"): Lambda's flush is not ours to set; the
# alarm needs burst_evaluation_periods breaching datapoints of as many (M = N), and a period
# with no routed request is missing data, not breaching.
#
# Both modes drive the fast scale-out policy with the fast alarm's threshold: step bounds are
# offsets from the threshold of the alarm that invokes the policy, so the same steps apply.
# "Except for Auto Scaling actions, the actions happen only on state transitions" (CloudWatch
# user guide, Alarm actions): while the burst lasts the alarm keeps invoking the policy, which
# its cooldown paces. A high-resolution alarm costs more than a standard one.
resource "aws_cloudwatch_metric_alarm" "burst_scale_out" {
  count = local.burst_scale_out ? 1 : 0

  alarm_name = "${var.name_prefix}-burst-scale-out"
  alarm_description = (local.queue_mode
    ? "Requests waiting in the fleet queue or in flight per in-service capacity unit (the dispatcher's OutstandingPerCapacity, every ${var.burst_signal_seconds} s) above ${local.fast_scale_out_ratio} x the target (${local.target_value}) for ${local.burst_evaluation_periods} datapoints: run the fast scale-out step without waiting for the 1-minute load signal."
    : "Requests routed per minute per in-service capacity unit (the router's RoutedPerCapacity, summed every ${var.burst_signal_seconds} s, x ${local.burst_per_minute}) above ${local.fast_scale_out_ratio} x the target (${local.target_value}) for ${local.burst_evaluation_periods} datapoints: run the fast scale-out step without waiting for the 1-minute load signal."
  )
  # Queue mode: one metric.
  namespace   = local.queue_mode ? var.metrics_namespace : null
  metric_name = local.queue_mode ? "OutstandingPerCapacity" : null
  dimensions  = local.queue_mode ? { Fleet = coalesce(var.fleet_name, "unset") } : null
  statistic   = local.queue_mode ? "Maximum" : null
  period      = local.queue_mode ? var.burst_signal_seconds : null

  comparison_operator = "GreaterThanThreshold"
  threshold           = local.fast_threshold
  evaluation_periods  = local.burst_evaluation_periods
  datapoints_to_alarm = local.burst_evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.fast_scale_out[0].arn]

  # Direct mode: the router's RoutedPerCapacity (m), per minute (e).
  dynamic "metric_query" {
    for_each = local.queue_mode ? [] : ["m"]
    content {
      id          = "m"
      return_data = false

      metric {
        namespace   = var.metrics_namespace
        metric_name = "RoutedPerCapacity"
        period      = var.burst_signal_seconds
        stat        = "Sum"
        dimensions  = { Fleet = coalesce(var.fleet_name, "unset") }
      }
    }
  }

  dynamic "metric_query" {
    for_each = local.queue_mode ? [] : ["e"]
    content {
      id          = "e"
      label       = "Requests routed per minute per in-service capacity unit"
      expression  = "m * ${local.burst_per_minute}"
      return_data = true
    }
  }

  tags = var.tags
}

# The scale-in steps: fast scale-in, the mirror of fast scale-out (local.fast_in_steps), and
# steady scale-in (local.steady_in_steps), one policy and one alarm each. With target tracking
# and step scaling on one target, "Application Auto Scaling gives precedence to the policy
# that provides the largest capacity for both scale out and scale in", and "if the step
# scaling policy initiates a scale-in activity before the target tracking policy is ready to
# scale in, the scale-in activity will not be blocked" (Application Auto Scaling API
# reference, PutScalingPolicy). A negative PercentChangeInCapacity is rounded toward zero (the
# AWS step scaling example as Pulumi's awsx StepScalingPolicy reference quotes it: "remove 10
# percent of 14, 1.4, rounded down to 1"); that it removes at least one unit between 0 and -1
# is assumed, not found in the docs. simulator/autoscaling.py percent_scale_in does the same.
#
# Steady scale-in is a third scale-in policy beside target tracking and fast scale-in; when
# several act in one minute the largest capacity wins, so right after a burst it can hold back
# fast scale-in for one minute, until its own cooldown lets fast scale-in act alone. Each alarm
# reads the load only while at least its minimum capacity is in service (steady scale-in: and
# every desired unit, local.steady_in_metrics), and the target value otherwise, which never
# breaches (ratio < 1).
locals {
  scale_in_steps = merge(
    local.fast_scale_in ? {
      fast = {
        cooldown    = local.fast_scale_in_cooldown_seconds
        steps       = local.fast_in_steps
        threshold   = local.fast_in_threshold
        periods     = local.fast_scale_in_evaluation_periods
        datapoints  = local.fast_scale_in_evaluation_periods
        metrics     = local.load_metrics
        description = "Load below ${local.fast_scale_in_ratio} x the target (${local.target_value}) for ${local.fast_scale_in_evaluation_periods} minutes with at least ${local.fast_scale_in_min_capacity} capacity units in service: remove 33 to ${local.fast_scale_in_max_percent} % of the capacity."
        label       = "${local.load_label} (the target while fewer than ${local.fast_scale_in_min_capacity} units are in service)"
        expression  = "IF(FILL(c, 0) >= ${local.fast_scale_in_min_capacity}, ${local.load_expression}, ${local.target_value})"
      }
    } : {},
    local.steady_scale_in ? {
      steady = {
        cooldown    = local.steady_scale_in_cooldown_seconds
        steps       = local.steady_in_steps
        threshold   = local.steady_in_threshold
        periods     = local.steady_scale_in_evaluation_periods
        datapoints  = local.steady_scale_in_datapoints
        metrics     = local.steady_in_metrics
        description = "Load below ${local.steady_scale_in_ratio} x the target (${local.target_value}) on ${local.steady_scale_in_datapoints} of ${local.steady_scale_in_evaluation_periods} minutes with at least ${local.steady_scale_in_min_capacity} capacity units and all the desired capacity in service: remove 15 or 25 % of the capacity."
        label       = "${local.load_label} (the target while fewer than ${local.steady_scale_in_min_capacity} units, or fewer than the desired capacity, are in service)"
        expression  = "IF(FILL(c, 0) >= ${local.steady_scale_in_min_capacity}, IF(FILL(c, 0) >= FILL(d, 0), ${local.load_expression}, ${local.target_value}), ${local.target_value})"
      }
    } : {},
  )
}

resource "aws_appautoscaling_policy" "scale_in" {
  for_each = local.scale_in_steps

  name               = "${var.name_prefix}-${each.key}-scale-in"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.fleet.service_namespace
  scalable_dimension = aws_appautoscaling_target.fleet.scalable_dimension
  resource_id        = aws_appautoscaling_target.fleet.resource_id

  step_scaling_policy_configuration {
    adjustment_type         = "PercentChangeInCapacity"
    cooldown                = each.value.cooldown
    metric_aggregation_type = "Maximum"

    dynamic "step_adjustment" {
      for_each = each.value.steps
      content {
        metric_interval_lower_bound = step_adjustment.value.lower == null ? null : tostring(step_adjustment.value.lower)
        metric_interval_upper_bound = tostring(step_adjustment.value.upper)
        scaling_adjustment          = step_adjustment.value.adjustment
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "scale_in" {
  for_each = local.scale_in_steps

  alarm_name          = "${var.name_prefix}-${each.key}-scale-in"
  alarm_description   = each.value.description
  comparison_operator = "LessThanThreshold"
  threshold           = each.value.threshold
  evaluation_periods  = each.value.periods
  datapoints_to_alarm = each.value.datapoints
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.scale_in[each.key].arn]

  dynamic "metric_query" {
    for_each = each.value.metrics
    content {
      id          = metric_query.value.id
      return_data = false

      metric {
        namespace   = metric_query.value.namespace
        metric_name = metric_query.value.name
        period      = local.period
        stat        = metric_query.value.stat
        dimensions  = metric_query.value.dimensions
      }
    }
  }

  metric_query {
    id          = "load"
    label       = each.value.label
    expression  = each.value.expression
    return_data = true
  }

  lifecycle {
    precondition {
      condition     = each.key != "steady" || local.steady_in_fits
      error_message = "The steady scale-in alarm reads the load's metrics and the fleet's DesiredCapacity, and a metric-math alarm reads at most 10 metrics: at most ${local.queue_mode ? 6 : 7} endpoints with steady scale-in in ${local.mode} mode. Set steady_scale_in_ratio = 0 (or leave it null, which turns the step off for a fleet this size)."
    }
    precondition {
      condition     = each.key != "steady" || local.steady_scale_in_datapoints <= local.steady_scale_in_evaluation_periods
      error_message = "steady_scale_in_datapoints (${local.steady_scale_in_datapoints}) must be at most steady_scale_in_evaluation_periods (${local.steady_scale_in_evaluation_periods}): the alarm needs M of the last N datapoints (PutMetricAlarm DatapointsToAlarm)."
    }
    precondition {
      condition     = each.key != "steady" || local.steady_scale_in_min_capacity * (1 - local.steady_scale_in_ratio) > 1
      error_message = "steady_scale_in_min_capacity (${local.steady_scale_in_min_capacity}) must be above 1 / (1 - steady_scale_in_ratio) (${local.steady_scale_in_ratio}): below it, removing one unit at a load just under the threshold can push the load above the target, and target tracking scales straight back out."
    }
  }

  tags = var.tags
}

# The fast scale-in step's policy and alarm had addresses of their own until 2026-12-05.
moved {
  from = aws_appautoscaling_policy.fast_scale_in[0]
  to   = aws_appautoscaling_policy.scale_in["fast"]
}

moved {
  from = aws_cloudwatch_metric_alarm.fast_scale_in[0]
  to   = aws_cloudwatch_metric_alarm.scale_in["fast"]
}
