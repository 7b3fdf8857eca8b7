Feature: Nothing invoked asynchronously is lost silently
  EventBridge targets retry and dead-letter; the asynchronously invoked functions have a
  dead-letter queue; every queue is encrypted.

  Scenario: EventBridge targets retry
    Given I have aws_cloudwatch_event_target defined
    Then it must contain retry_policy

  Scenario: EventBridge targets have a dead-letter queue
    Given I have aws_cloudwatch_event_target defined
    Then it must contain dead_letter_config

  Scenario: The endpoint events function has a dead-letter queue
    Given I have aws_lambda_function defined
    When its function_name is ".*-endpoint-events$" regex
    Then it must contain dead_letter_config

  Scenario: The reconciler has a dead-letter queue
    Given I have aws_lambda_function defined
    When its function_name is ".*-reconciler$" regex
    Then it must contain dead_letter_config

  Scenario: SQS queues are encrypted with SQS managed keys or KMS
    Given I have aws_sqs_queue defined
    Then it must contain sqs_managed_sse_enabled
    And its value must be true
