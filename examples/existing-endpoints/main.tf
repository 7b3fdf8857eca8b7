# A real-time fleet over endpoints that already exist: the module creates no endpoint, it
# routes to and scales the ones named here.

module "fleet" {
  source = "../.."

  fleet = {
    name            = var.fleet_name
    invocation_mode = "realtime"
    strategy        = "priority"
    min_capacity    = var.min_capacity
    max_capacity    = var.max_capacity
    endpoints       = var.endpoints
  }

  # Real-time endpoints publish InvocationsPerInstance per variant (the module's default for
  # realtime fleets); hold the busiest endpoint near the target.
  target_backlog_per_instance = var.target_invocations_per_instance
  scaling_metric              = { aggregation = "MAX", statistic = "Sum" }

  scaling_api = { deployer_principal_arns = var.deployer_principal_arns }

  # A fresh account has no API Gateway CloudWatch Logs role; stage logging fails without one.
  create_api_gateway_account_role = var.create_api_gateway_account_role
  alarm_actions                   = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]

  tags = { fleet = var.fleet_name }
}
