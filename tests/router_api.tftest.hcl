# The router API under issue 12 item 5: the router's time budget (its Lambda timeout and
# the API Gateway integration timeout, both inputs, consistent with each other) and binary
# payloads (real-time fleets declare every media type binary). Plan mode, mocked AWS.

mock_provider "archive" {}

mock_provider "aws" {
  override_during = plan
  source          = "./tests/mocks"
}

variables {
  fleet = {
    name         = "rb"
    max_capacity = 8
    endpoints    = [{ name = "rb-a", max_instances = 4 }, { name = "rb-b", max_instances = 4 }]
  }
}

run "default_budget_answers_before_api_gateway_gives_up" {
  command = plan

  assert {
    condition     = module.router_api.integration_timeout_milliseconds == 29000
    error_message = "the router integration waits 29 s by default (the most a REST API allows without a quota raise)"
  }

  assert {
    condition     = module.functions.timeouts["router"] == 28
    error_message = "the router Lambda times out at 28 s by default: below the integration's 29 s"
  }

  assert {
    condition     = module.functions.timeouts["router"] * 1000 < module.router_api.integration_timeout_milliseconds
    error_message = "the router must time out before API Gateway stops waiting for it"
  }

  assert {
    condition     = module.scaling_api.integration_timeout_milliseconds == 29000
    error_message = "the scaling API keeps API Gateway's default integration timeout"
  }
}

run "router_timeout_not_below_the_integration_timeout_is_refused" {
  command = plan

  variables {
    lambda = { router = { timeout = 29 } }
  }

  expect_failures = [terraform_data.router_time_budget_check]
}

run "integration_timeout_below_the_router_timeout_is_refused" {
  command = plan

  variables {
    router_api = { integration_timeout_milliseconds = 10000 }
    lambda     = { router = { timeout = 12 } }
  }

  expect_failures = [terraform_data.router_time_budget_check]
}

run "raised_integration_timeout_lets_an_attempt_use_invoke_endpoints_60_s" {
  command = plan

  variables {
    router_api = { integration_timeout_milliseconds = 70000 }
    lambda     = { router = { timeout = 67 } }
  }

  assert {
    condition     = module.router_api.integration_timeout_milliseconds == 70000 && module.functions.timeouts["router"] == 67
    error_message = "both timeouts are inputs"
  }
}

run "short_budget_is_accepted_when_consistent" {
  command = plan

  variables {
    router_api = { integration_timeout_milliseconds = 5500 }
    lambda     = { router = { timeout = 5 } }
  }

  assert {
    condition     = module.router_api.integration_timeout_milliseconds == 5500 && module.functions.timeouts["router"] == 5
    error_message = "a router timeout of 5 s under an integration timeout of 5.5 s is consistent"
  }
}

run "async_router_api_has_no_binary_media_types" {
  command = plan

  assert {
    condition     = length(module.router_api.binary_media_types) == 0
    error_message = "an async router takes headers (InputLocation) and answers JSON: no binary media types"
  }

  assert {
    condition     = length(module.scaling_api.binary_media_types) == 0
    error_message = "the scaling API speaks JSON only"
  }
}

run "realtime_router_api_treats_every_media_type_as_binary" {
  command = plan

  variables {
    fleet = {
      name            = "rt"
      invocation_mode = "realtime"
      min_capacity    = 2
      max_capacity    = 6
      endpoints = [
        { name = "rt-a", min_instances = 1, max_instances = 3 },
        { name = "rt-b", min_instances = 1, max_instances = 3 },
      ]
    }
  }

  assert {
    condition     = length(module.router_api.binary_media_types) == 1 && module.router_api.binary_media_types[0] == "*/*"
    error_message = "a real-time router API declares */* binary, so bodies reach the router base64-encoded and binary answers go back as bytes"
  }

  assert {
    condition     = length(module.scaling_api.binary_media_types) == 0
    error_message = "the scaling API speaks JSON only"
  }
}
