locals {
  # The scaling defaults live in one file that the simulator reads too (README, "Choosing the defaults");
  # every root input that corresponds defaults to null and falls back to it.
  scaling_defaults = jsondecode(file("${path.module}/modules/fleet-autoscaling/scaling_defaults.json"))

  scaling_signal     = var.fleet.invocation_mode == "realtime" ? "backlog" : coalesce(var.scaling_signal, local.scaling_defaults.scaling_signal)
  reconcile_schedule = coalesce(var.reconcile_schedule, local.scaling_defaults.reconcile_schedule)

  name_prefix = coalesce(var.name_prefix, "${var.fleet.name}-fleet")
  # The router REST API's name: FLEET_CONFIG router_api carries it (a module output would
  # make FLEET_CONFIG depend on the API, which depends on the router function).
  router_api_name = "${local.name_prefix}-router"

  tags = merge(var.tags, {
    "fleet-autoscaler:fleet" = var.fleet.name
  })

  # FLEET_CONFIG: every field of the control plane's contract, defaults filled in.
  fleet_config = {
    fleet_name               = var.fleet.name
    dimension_id             = coalesce(var.fleet.dimension_id, var.fleet.name)
    invocation_mode          = var.fleet.invocation_mode
    strategy                 = var.fleet.strategy
    min_capacity             = var.fleet.min_capacity
    max_capacity             = var.fleet.max_capacity
    activity_timeout_seconds = var.fleet.activity_timeout_seconds
    capacity_retry_seconds   = var.fleet.capacity_retry_seconds
    router_cache_ttl_seconds = var.fleet.router_cache_ttl_seconds
    max_failover_attempts    = var.fleet.max_failover_attempts
    metrics_namespace        = var.metrics_namespace
    drain_timeout_seconds    = coalesce(var.drain_timeout_seconds, local.scaling_defaults.drain_timeout_seconds)
    backlog_max_age_seconds  = coalesce(var.backlog_max_age_seconds, local.scaling_defaults.backlog_max_age_seconds)
    # The scale-to-zero guard reads the router stage's AWS/ApiGateway Count (README).
    scale_to_zero_idle_seconds = coalesce(var.scale_to_zero_idle_seconds, local.scaling_defaults.scale_to_zero_idle_seconds)
    trim_hold_seconds          = coalesce(var.trim_hold_seconds, local.scaling_defaults.trim_hold_seconds)
    router_api                 = { name = local.router_api_name, stage = var.router_api.stage_name }
    dispatch                   = var.dispatch
    # The burst signal (README, burst scale-out alarm): in direct mode the router logs
    # RoutedPerCapacity (embedded metric format) for each request it routes.
    burst_signal = local.burst_signal
    queue = local.queue_mode ? {
      queue_url            = module.fleet_queue[0].queue_url
      completion_queue_url = module.fleet_queue[0].completion_queue_url
      output_path          = local.dispatch_output_path == null ? null : "${trimsuffix(local.dispatch_output_path, "/")}/"
      failure_path         = local.dispatch_failure_path == null ? null : "${trimsuffix(local.dispatch_failure_path, "/")}/"
      room_per_capacity    = var.dispatch_room_per_capacity
      run_seconds          = var.dispatch_run_seconds
      signal_seconds       = var.burst_signal_seconds
    } : null
    endpoints = [
      for index, endpoint in var.fleet.endpoints : {
        name                  = endpoint.name
        variant               = endpoint.variant
        capacity_per_instance = endpoint.capacity_per_instance
        min_instances         = endpoint.min_instances
        max_instances         = endpoint.max_instances
        priority              = coalesce(endpoint.priority, index + 1)
        share                 = endpoint.share
      }
    ]
  }

  endpoint_names = [for endpoint in var.fleet.endpoints : endpoint.name]

  # The burst signal and its alarm: async fleets on the load signal, in both dispatch modes.
  burst_signal = var.burst_signal_seconds > 0 && var.fleet.invocation_mode == "async" && local.scaling_signal == "load"

  # Queue mode (README, "Configuration" and "Queue mode: what the module adds"). The endpoints share one output path: the
  # module's own endpoints use endpoint_deployment's, the caller's are given by
  # dispatch_output_path (and failure path).
  queue_mode            = var.dispatch == "queue"
  dispatch_output_path  = var.create_endpoints ? try(var.endpoint_deployment.s3_output_path, null) : var.dispatch_output_path
  dispatch_failure_path = var.create_endpoints ? try(var.endpoint_deployment.s3_failure_path, null) : var.dispatch_failure_path
  # The dispatcher starts rounds for run_seconds and a round started last may take up to
  # ~30 s more (receives, invocations with a 10 s read timeout, the ledger write); a message
  # it has received stays invisible longer than any one invocation can hold it.
  dispatcher_timeout_seconds = var.dispatch_run_seconds + 30
  queue_visibility_seconds   = local.dispatcher_timeout_seconds + 30
}
