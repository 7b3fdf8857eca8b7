Feature: IAM grants SageMaker and DynamoDB access only to the fleet's own resources
  The functions' roles put every SageMaker action in the statement FleetEndpoints, scoped to
  the fleet's endpoint ARNs, and every DynamoDB action in FleetState, scoped to the state
  table's ARN. (tests/module/test_module.py also checks every statement of every policy.)

  Scenario: SageMaker actions apply to the fleet's endpoint ARNs, never to a wildcard
    Given I have aws_iam_role_policy defined
    When it contains policy
    And it contains Statement
    And its Sid is FleetEndpoints
    Then it must contain Resource
    And its value must not match the ".*\*.*" regex
    And its value must match the "^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:endpoint/[a-z0-9-]+$" regex

  Scenario: DynamoDB actions apply to the state table only
    Given I have aws_iam_role_policy defined
    When it contains policy
    And it contains Statement
    And its Sid is FleetState
    Then it must contain Resource
    And its value must not match the ".*\*.*" regex
    And its value must match the "^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]+$" regex
