# Queue mode (README, "Queue mode: what the module adds" and "Queue mode: the dispatcher"): one SQS queue per fleet that the router fills
# and the dispatcher drains into the endpoints with room, its dead-letter queue, and the
# completion path: the endpoints' async success/error notifications (SNS) delivered to an SQS
# queue that the dispatcher reads to learn which dispatched requests have finished.
#
# ARNs are built from names and the caller's account, so that the functions' policies that
# name them are known at plan time (plan scanners and tests read them).

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  arn_prefix = "${data.aws_partition.current.partition}:%s:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}"

  names = {
    queue             = "${var.name_prefix}-queue"
    dead_letter_queue = "${var.name_prefix}-queue-dlq"
    completion_queue  = "${var.name_prefix}-completions"
    completion_topic  = "${var.name_prefix}-completions"
  }
  queue_arn             = "arn:${format(local.arn_prefix, "sqs")}:${local.names.queue}"
  dead_letter_queue_arn = "arn:${format(local.arn_prefix, "sqs")}:${local.names.dead_letter_queue}"
  completion_queue_arn  = "arn:${format(local.arn_prefix, "sqs")}:${local.names.completion_queue}"
  completion_topic_arn  = "arn:${format(local.arn_prefix, "sns")}:${local.names.completion_topic}"

  # The topics the completion queue subscribes to: the module's own (key "fleet") and the
  # caller's. Keys are static so that for_each works while the ARNs are unknown.
  subscribed_topics = merge(
    var.create_completion_topic ? { fleet = local.completion_topic_arn } : {},
    { for index, arn in var.completion_topic_arns : "topic-${index}" => arn },
  )

  redrive_policy = jsonencode({
    deadLetterTargetArn = local.dead_letter_queue_arn
    maxReceiveCount     = var.max_receive_count
  })

  # What the endpoints' execution role needs to publish to the completion topic: sns:Publish
  # and, for a topic encrypted with a customer key, that key (the AWS managed alias/aws/sns
  # key's policy already admits every principal of the account through SNS).
  publisher_policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid      = "PublishCompletions"
        Effect   = "Allow"
        Action   = ["sns:Publish"]
        Resource = [local.completion_topic_arn]
      }],
      var.kms_key_arn == null ? [] : [{
        Sid      = "CompletionTopicKey"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource = [var.kms_key_arn]
      }],
    )
  })

  # SSE: a customer managed key when given, otherwise SSE-SQS (SQS managed keys), which
  # needs no key policy: SNS can deliver to an SSE-SQS queue, while the AWS managed key
  # alias/aws/sqs would refuse SNS (its policy cannot be changed). Terraform AWS provider,
  # aws_sqs_queue: kms_master_key_id, sqs_managed_sse_enabled; Amazon SQS Developer Guide,
  # "Encryption at rest" and "Configure KMS permissions for AWS services".
  sqs_encryption = {
    kms_master_key_id       = var.kms_key_arn
    sqs_managed_sse_enabled = var.kms_key_arn == null ? true : null
  }
}

# The dead-letter queue keeps a request that failed max_receive_count dispatches. SQS keeps a
# moved message's original enqueue timestamp for standard queues, so the DLQ keeps them for
# the maximum, 14 days (Amazon SQS Developer Guide, "Using dead-letter queues").
resource "aws_sqs_queue" "dead_letter" {
  name                      = local.names.dead_letter_queue
  message_retention_seconds = 1209600
  kms_master_key_id         = local.sqs_encryption.kms_master_key_id
  sqs_managed_sse_enabled   = local.sqs_encryption.sqs_managed_sse_enabled
  tags                      = var.tags
}

# A standard queue: ordering is best effort (FIFO as far as SQS allows); a FIFO queue with one
# message group would hold every later request behind one that waits to be dispatched again.
resource "aws_sqs_queue" "fleet" {
  name                       = local.names.queue
  visibility_timeout_seconds = var.visibility_timeout_seconds
  message_retention_seconds  = var.message_retention_seconds
  kms_master_key_id          = local.sqs_encryption.kms_master_key_id
  sqs_managed_sse_enabled    = local.sqs_encryption.sqs_managed_sse_enabled

  # After maxReceiveCount receives without a delete, SQS moves the message to the
  # dead-letter queue (redrive policy: deadLetterTargetArn, maxReceiveCount).
  redrive_policy = local.redrive_policy

  tags = var.tags

  depends_on = [aws_sqs_queue.dead_letter]
}

# Only the fleet queue may move messages into its dead-letter queue.
resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {
  queue_url = aws_sqs_queue.dead_letter.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [local.queue_arn]
  })

  depends_on = [aws_sqs_queue.fleet]
}

# SageMaker publishes async success and error notifications to SNS (AsyncInferenceConfig
# OutputConfig NotificationConfig SuccessTopic/ErrorTopic); the topic is encrypted with the
# customer key, or with the AWS managed key alias/aws/sns, whose key policy lets every
# principal of the account use it through SNS.
resource "aws_sns_topic" "completions" {
  count = var.create_completion_topic ? 1 : 0

  name              = local.names.completion_topic
  kms_master_key_id = coalesce(var.kms_key_arn, "alias/aws/sns")
  tags              = var.tags
}

# "In order to receive Amazon SNS notifications, your IAM role must have sns:Publish
# permissions" (SageMaker developer guide, async inference, "Check prediction results"), and
# CreateEndpoint refuses an execution role without it ("... has sns Publish permissions for
# topic ...", aws/amazon-sagemaker-examples#4461): the grant goes into the role's own policy,
# not only the topic's. The role belongs to the caller; this adds one inline policy to it.
resource "aws_iam_role_policy" "publisher" {
  count = var.create_completion_topic ? length(var.publisher_role_arns) : 0

  name = "${var.name_prefix}-publish-completions"
  # The role name is the last segment of its ARN (arn:...:role/<path>/<name>).
  role   = element(split("/", var.publisher_role_arns[count.index]), length(split("/", var.publisher_role_arns[count.index])) - 1)
  policy = local.publisher_policy
}

resource "aws_sqs_queue" "completions" {
  name                       = local.names.completion_queue
  visibility_timeout_seconds = var.visibility_timeout_seconds
  message_retention_seconds  = 345600
  kms_master_key_id          = local.sqs_encryption.kms_master_key_id
  sqs_managed_sse_enabled    = local.sqs_encryption.sqs_managed_sse_enabled
  tags                       = var.tags
}

# SNS delivers to the queue only if the queue's policy lets sns.amazonaws.com send from the
# subscribed topics (Amazon SNS Developer Guide, "Fanout to Amazon SQS queues": the queue
# policy with aws:SourceArn of the topic).
resource "aws_sqs_queue_policy" "completions" {
  queue_url = aws_sqs_queue.completions.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "CompletionTopics"
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = local.completion_queue_arn
      Condition = { ArnEquals = { "aws:SourceArn" = values(local.subscribed_topics) } }
    }]
  })
}

# raw_message_delivery stays false: the dispatcher reads the SNS envelope, whose "Message"
# is SageMaker's notification JSON (README, "Queue mode: the dispatcher").
resource "aws_sns_topic_subscription" "completions" {
  for_each = local.subscribed_topics

  topic_arn            = each.value
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.completions.arn
  raw_message_delivery = false

  depends_on = [aws_sqs_queue_policy.completions, aws_sns_topic.completions]
}
