Feature: The state store keeps its data safe
  The fleet's state lives in DynamoDB: it must survive mistakes and stay encrypted.

  Scenario: DynamoDB tables have point-in-time recovery
    Given I have aws_dynamodb_table defined
    Then it must contain point_in_time_recovery
    And its enabled must be true

  Scenario: DynamoDB tables are encrypted at rest with a managed key
    Given I have aws_dynamodb_table defined
    Then it must contain server_side_encryption
    And its enabled must be true

  Scenario: DynamoDB tables are on-demand
    Given I have aws_dynamodb_table defined
    Then it must contain billing_mode
    And its value must be PAY_PER_REQUEST
