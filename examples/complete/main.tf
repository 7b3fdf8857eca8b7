# Three asynchronous endpoints on different instance types, built with the module's
# async-endpoints submodule, and the fleet autoscaler over them.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition
  endpoints = [
    for e in var.endpoints : merge(e, { name = "${var.fleet_name}-${e.suffix}" })
  ]
  output_arn = "arn:${local.partition}:s3:::${var.output_bucket}/${var.output_prefix}/*"
  # The same fleet tag the module puts on its own resources.
  tags = { "fleet-autoscaler:fleet" = var.fleet_name }
}

# The role SageMaker assumes: pull the image, write results, write logs and metrics.
resource "aws_iam_role" "sagemaker" {
  name = "${var.fleet_name}-fleet-sagemaker"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "sagemaker.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy" "sagemaker" {
  name = "async-endpoints"
  role = aws_iam_role.sagemaker.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      {
        Sid      = "PullImage"
        Effect   = "Allow"
        Action   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
        Resource = var.ecr_repository_arn
      },
      {
        # GetAuthorizationToken is account-wide: it has no resource ARN.
        Sid      = "EcrLogin"
        Effect   = "Allow"
        Action   = "ecr:GetAuthorizationToken"
        Resource = "*"
      },
      {
        Sid      = "AsyncResults"
        Effect   = "Allow"
        Action   = ["s3:PutObject", "s3:GetObject"]
        Resource = local.output_arn
      },
      {
        Sid      = "Logs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = "arn:${local.partition}:logs:${var.region}:${data.aws_caller_identity.current.account_id}:log-group:/aws/sagemaker/Endpoints/${var.fleet_name}-*"
      },
      {
        # SageMaker publishes endpoint metrics in its own namespace; PutMetricData has no resource ARN.
        Sid       = "Metrics"
        Effect    = "Allow"
        Action    = "cloudwatch:PutMetricData"
        Resource  = "*"
        Condition = { StringEquals = { "cloudwatch:namespace" = "/aws/sagemaker/Endpoints" } }
      },
      ],
      var.kms_key_arn == null ? [] : [{
        # Async outputs encrypted with the customer managed key: SageMaker writes them as this role.
        Sid      = "AsyncOutputKey"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource = var.kms_key_arn
      }],
    )
  })
}

# The alarm topic's key. CloudWatch publishes alarm notifications as cloudwatch.amazonaws.com,
# which needs kms:GenerateDataKey* and kms:Decrypt on the topic's key; the AWS managed key
# (alias/aws/sns) cannot grant that, so notifications to a topic encrypted with it are dropped
# (Amazon SNS developer guide, "Key management": compatibility with AWS services).
resource "aws_kms_key" "alarms" {
  description             = "Alarm notifications of fleet ${var.fleet_name}"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchAlarmsPublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
      },
    ]
  })
  tags = local.tags
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.fleet_name}-fleet-alarms"
  kms_master_key_id = aws_kms_key.alarms.arn
  tags              = local.tags
}

module "endpoints" {
  source = "../../modules/async-endpoints"

  endpoints = [
    for e in local.endpoints : { name = e.name, instance_type = e.instance_type }
  ]
  image_uri                               = var.image_uri
  execution_role_arn                      = aws_iam_role.sagemaker.arn
  s3_output_path                          = "s3://${var.output_bucket}/${var.output_prefix}/results"
  s3_failure_path                         = "s3://${var.output_bucket}/${var.output_prefix}/failures"
  max_concurrent_invocations_per_instance = 1
  kms_key_arn                             = var.kms_key_arn
  tags                                    = local.tags

  depends_on = [aws_iam_role_policy.sagemaker]
}

module "fleet" {
  source = "../.."

  fleet = {
    name            = var.fleet_name
    invocation_mode = "async"
    strategy        = var.strategy
    min_capacity    = 0
    max_capacity    = var.max_capacity
    endpoints = [
      for index, e in local.endpoints : {
        name          = module.endpoints.endpoint_names[index]
        max_instances = e.max_instances
      }
    ]
  }

  kms_key_arn   = var.kms_key_arn
  alarm_actions = [aws_sns_topic.alarms.arn]

  # A fresh account has no API Gateway CloudWatch Logs role; stage logging fails without one.
  create_api_gateway_account_role = var.create_api_gateway_account_role
  scheduled_actions               = var.scheduled_actions

  scaling_api = { deployer_principal_arns = var.deployer_principal_arns }
  router_api  = { allowed_principal_arns = var.router_caller_arns }

  tags = local.tags
}
