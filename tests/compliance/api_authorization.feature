Feature: Every API method is authorized with IAM
  The router and the scaling API are called with SigV4 only: no anonymous method.

  Scenario: API Gateway methods use AWS_IAM authorization
    Given I have aws_api_gateway_method defined
    Then it must contain authorization
    And its value must be AWS_IAM

  Scenario: API Gateway stages write access logs
    Given I have aws_api_gateway_stage defined
    Then it must contain access_log_settings

  Scenario: API Gateway stages are throttled
    Given I have aws_api_gateway_method_settings defined
    Then it must contain settings
    And it must contain throttling_rate_limit
    And its value must be greater than 0
