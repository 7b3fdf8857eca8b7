# Issue 10: what a first `terraform apply` in a fresh account needs, and what keeps the next
# plan clean. Each run is a fact from the AWS or provider documentation (cited in README.md,
# "Verified offline / needs a real account") turned into an assertion on the planned values.

mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}

variables {
  fleet = {
    name         = "demo"
    max_capacity = 8
    endpoints = [
      { name = "demo-g5", max_instances = 4 },
      { name = "demo-g6", max_instances = 4 },
    ]
  }
}

# 1. The service-linked role is created by the first RegisterScalableTarget, later in the same
# apply, and API Gateway rejects a policy whose Principal does not exist: name it in a condition.
run "service_linked_role_is_a_condition_value_not_a_principal" {
  command = plan

  variables {
    scaling_api = { deployer_principal_arns = ["arn:aws:iam::123456789012:role/deployer"] }
  }

  assert {
    condition = alltrue([
      for s in jsondecode(module.scaling_api.resource_policy).Statement : s.Principal == "*"
    ])
    error_message = "every statement of the scaling API policy must use Principal \"*\" (principals in Principal must exist when the policy is set)"
  }

  assert {
    condition = [
      for s in jsondecode(module.scaling_api.resource_policy).Statement : s.Condition.ArnLike["aws:PrincipalArn"] if s.Effect == "Allow"
      ][0] == [
      "arn:aws:iam::123456789012:role/aws-service-role/custom-resource.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_CustomResource",
      "arn:aws:iam::123456789012:role/deployer",
    ]
    error_message = "the Allow must match the service-linked role and the deployers by aws:PrincipalArn"
  }
}

# 2. With no deployer listed, the caller that runs `terraform apply` (its role ARN) is allowed.
run "empty_deployer_list_admits_the_caller" {
  command = plan

  assert {
    condition = contains([
      for s in jsondecode(module.scaling_api.resource_policy).Statement : s.Condition.ArnNotLike["aws:PrincipalArn"] if s.Effect == "Deny"
    ][0], "arn:aws:iam::123456789012:role/deployer")
    error_message = "with deployer_principal_arns = [] the Deny must spare the caller's role (aws_iam_session_context.issuer_arn)"
  }
}

# 3. RegisterScalableTarget GETs the scaling API: deployment, stage, permission and function
# must exist first.
run "scalable_target_waits_for_everything_the_get_needs" {
  command = plan

  assert {
    condition     = toset(module.autoscaling.registration_prerequisites) == toset(["deployment", "function", "lambda_permission", "stage"])
    error_message = "the scalable target must depend on the scaling API's deployment, stage, Lambda permission and function"
  }
}

# 4. Models and endpoint configurations are named by a hash of what forces their replacement.
run "model_names_follow_the_image_a" {
  command = plan

  variables {
    create_endpoints = true
    endpoint_deployment = {
      image_uri          = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/sample:1"
      execution_role_arn = "arn:aws:iam::123456789012:role/sagemaker"
      instance_types     = { "demo-g5" = "ml.g5.2xlarge", "demo-g6" = "ml.g6.2xlarge" }
      s3_output_path     = "s3://bucket/out"
    }
  }

  assert {
    condition     = can(regex("^demo-g5-[0-9a-f]{10}$", module.endpoints[0].model_names["demo-g5"]))
    error_message = "a model is named <endpoint>-<hash of image, model data, environment, role, isolation>"
  }

  assert {
    condition     = can(regex("^demo-g5-[0-9a-f]{10}$", module.endpoints[0].endpoint_config_names["demo-g5"]))
    error_message = "an endpoint configuration is named <endpoint>-<hash of model and settings>"
  }
}

run "model_names_follow_the_image_b" {
  command = plan

  variables {
    create_endpoints = true
    endpoint_deployment = {
      image_uri          = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/sample:2"
      execution_role_arn = "arn:aws:iam::123456789012:role/sagemaker"
      instance_types     = { "demo-g5" = "ml.g5.2xlarge", "demo-g6" = "ml.g6.2xlarge" }
      s3_output_path     = "s3://bucket/out"
    }
  }

  assert {
    condition     = module.endpoints[0].model_names["demo-g5"] != run.model_names_follow_the_image_a.endpoint_model_names["demo-g5"]
    error_message = "a new image must give the model a new name (else create_before_destroy collides)"
  }

  assert {
    condition     = module.endpoints[0].endpoint_config_names["demo-g5"] != run.model_names_follow_the_image_a.endpoint_config_names["demo-g5"]
    error_message = "a new model must give the endpoint configuration a new name"
  }
}

# 5. CreateEndpointConfig rejects a volume key on instance types with local NVMe storage: the
# root kms_key_arn encrypts the async outputs only; the volume key is its own input.
run "kms_key_encrypts_outputs_not_volumes" {
  command = plan

  variables {
    kms_key_arn      = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    create_endpoints = true
    endpoint_deployment = {
      image_uri          = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/sample:1"
      execution_role_arn = "arn:aws:iam::123456789012:role/sagemaker"
      instance_types     = { "demo-g5" = "ml.g5.2xlarge", "demo-g6" = "ml.g6.2xlarge" }
      s3_output_path     = "s3://bucket/out"
    }
  }

  assert {
    condition = alltrue([
      for name, e in module.endpoints[0].encryption : e.volume_kms_key_arn == null && e.output_kms_key_id == "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    ])
    error_message = "kms_key_arn must reach the async output config only, never the volume key"
  }
}

run "volume_key_on_local_storage_instances_is_rejected" {
  command = plan

  variables {
    create_endpoints = true
    endpoint_deployment = {
      image_uri          = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/sample:1"
      execution_role_arn = "arn:aws:iam::123456789012:role/sagemaker"
      instance_types     = { "demo-g5" = "ml.g5.2xlarge", "demo-g6" = "ml.m5.xlarge" }
      s3_output_path     = "s3://bucket/out"
      volume_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    }
  }

  expect_failures = [terraform_data.endpoint_deployment_check]
}

# 6. Stage logging needs the account's API Gateway CloudWatch role: it can be turned off.
run "stage_logging_can_be_turned_off" {
  command = plan

  variables {
    api_stage_logging = false
  }

  assert {
    condition     = module.router_api.logging == { access_logs = false, execution_logging_level = "OFF" } && module.scaling_api.logging == { access_logs = false, execution_logging_level = "OFF" }
    error_message = "api_stage_logging = false must remove access logs and set execution logging OFF on both stages"
  }
}

run "stage_logging_is_on_by_default" {
  command = plan

  assert {
    condition     = module.router_api.logging == { access_logs = true, execution_logging_level = "ERROR" }
    error_message = "stages log by default"
  }
}

# 7. Reserved concurrency needs an account quota of 100 + the reservations: unreserved by default.
run "functions_are_unreserved_by_default" {
  command = plan

  assert {
    condition     = values(module.functions.reserved_concurrent_executions) == [-1, -1, -1, -1]
    error_message = "every function must default to unreserved concurrency (-1)"
  }
}

# 8. API Gateway stores execute-api:/* expanded; the policy must be written in that form.
run "resource_policies_use_the_execution_arn" {
  command = plan

  variables {
    router_api = { allowed_principal_arns = ["arn:aws:iam::123456789012:role/client"] }
  }

  assert {
    condition = alltrue(flatten([
      for policy in [module.scaling_api.resource_policy, module.router_api.resource_policy] : [
        for s in jsondecode(policy).Statement : s.Resource == "arn:aws:execute-api:eu-west-1:123456789012:abc123/*"
      ]
    ]))
    error_message = "resource policies must name the API by its execution ARN + /* (no execute-api:/* shorthand)"
  }
}

# 11. The package is built outside .terraform/ with a fixed file mode.
run "package_has_a_stable_path_and_mode" {
  command = plan

  assert {
    condition     = !strcontains(module.functions.package_path, ".terraform") && module.functions.package_file_mode == "0644"
    error_message = "the Lambda zip must be built outside .terraform/ with output_file_mode 0644"
  }
}

# 12. API Gateway's execution log group is pre-created with the module's retention.
run "execution_log_groups_are_managed" {
  command = plan

  assert {
    condition     = module.router_api.execution_log_group_name == "API-Gateway-Execution-Logs_abc123/live"
    error_message = "the router stage's execution log group must be created by the module"
  }
}

# Scheduled scaling: capacity in place before a known peak.
run "scheduled_actions_reach_the_scalable_target" {
  command = plan

  variables {
    scheduled_actions = [
      { name = "morning-peak", schedule = "cron(0 7 ? * MON-FRI *)", timezone = "Europe/Berlin", min_capacity = 4 },
      { name = "night", schedule = "cron(0 20 * * ? *)", min_capacity = 0, max_capacity = 2 },
    ]
  }

  assert {
    condition = jsonencode(module.autoscaling.scheduled_actions) == jsonencode({
      "morning-peak" = { schedule = "cron(0 7 ? * MON-FRI *)", timezone = "Europe/Berlin", min_capacity = "4", max_capacity = null }
      "night"        = { schedule = "cron(0 20 * * ? *)", timezone = "UTC", min_capacity = "0", max_capacity = "2" }
    })
    error_message = "each scheduled action must set the fleet's scalable target min/max on its schedule"
  }

  assert {
    condition     = alltrue([for id in module.autoscaling.scheduled_action_resource_ids : id == module.autoscaling.scalable_target_resource_id])
    error_message = "scheduled actions must act on the fleet's scalable target"
  }
}
