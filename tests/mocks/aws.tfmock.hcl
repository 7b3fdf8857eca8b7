# Mock AWS values shared by the root module's test files (tests/*.tftest.hcl load them with
# `mock_provider "aws" { source = "./tests/mocks" }`). Terraform reads every .tfmock.hcl file
# of the directory, relative to the module under test, and applies the provider's
# override_during to them; a mock_data or mock_resource block of the same type written in
# the test file itself replaces the one here (Terraform merges inline and file mocks with
# inline first: hashicorp/terraform internal/configs, MockData.Merge with skipCollisions).
# Values are fixed so that assertions can name ARNs and URLs.

mock_data "aws_caller_identity" {
  defaults = { account_id = "123456789012", arn = "arn:aws:sts::123456789012:assumed-role/deployer/session-1" }
}
mock_data "aws_iam_session_context" {
  defaults = { issuer_arn = "arn:aws:iam::123456789012:role/deployer" }
}
mock_data "aws_region" {
  defaults = { region = "eu-west-1" }
}
mock_data "aws_partition" {
  defaults = { partition = "aws" }
}
mock_resource "aws_api_gateway_stage" {
  defaults = { invoke_url = "https://abc123.execute-api.eu-west-1.amazonaws.com/live" }
}
mock_resource "aws_api_gateway_rest_api" {
  defaults = {
    id               = "abc123"
    execution_arn    = "arn:aws:execute-api:eu-west-1:123456789012:abc123"
    root_resource_id = "root"
  }
}
mock_resource "aws_lambda_function" {
  defaults = {
    arn        = "arn:aws:lambda:eu-west-1:123456789012:function:mock"
    invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:mock/invocations"
  }
}
mock_resource "aws_sqs_queue" {
  defaults = {
    arn = "arn:aws:sqs:eu-west-1:123456789012:mock"
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/mock"
  }
}
mock_resource "aws_iam_role" {
  defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
}
mock_resource "aws_appautoscaling_policy" {
  defaults = { arn = "arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:mock" }
}
