Feature: Logs are kept, and not forever

  Scenario: Log groups have a retention period
    Given I have aws_cloudwatch_log_group defined
    Then it must contain retention_in_days
    And its value must be greater than 0

  Scenario: Functions log to their own log group in JSON
    Given I have aws_lambda_function defined
    Then it must contain logging_config
    And it must contain log_format
    And its value must be JSON
