variable "region" {
  description = "AWS region of the endpoints."
  type        = string
}

variable "fleet_name" {
  description = "Name of the fleet."
  type        = string
  default     = "realtime"
}

variable "endpoints" {
  description = "Existing real-time endpoints, in priority order, with their production variant and instance bounds (min_instances >= 1: real-time endpoints cannot scale to zero)."
  type = list(object({
    name                  = string
    variant               = optional(string, "AllTraffic")
    capacity_per_instance = optional(number, 1)
    min_instances         = optional(number, 1)
    max_instances         = optional(number, 4)
  }))
}

variable "min_capacity" {
  description = "Minimum fleet capacity (>= 1 for a real-time fleet)."
  type        = number
  default     = 2
}

variable "max_capacity" {
  description = "Maximum fleet capacity, in capacity units."
  type        = number
  default     = 8
}

variable "target_invocations_per_instance" {
  description = "Target of MAX over endpoints of InvocationsPerInstance (per minute)."
  type        = number
  default     = 100
}

variable "deployer_principal_arns" {
  description = "Principals that run terraform apply (they register the scalable target)."
  type        = list(string)
  default     = []
}

variable "alarm_topic_arn" {
  description = "Existing SNS topic for the fleet's alarms, or null."
  type        = string
  default     = null
}

variable "default_tags" {
  description = "Tags the provider adds to every resource."
  type        = map(string)
  default = {
    project = "sagemaker-fleet-autoscaler"
    example = "existing-endpoints"
  }
}

variable "create_api_gateway_account_role" {
  description = "Set the account's API Gateway CloudWatch Logs role (one per account and region). true for a fresh account; false when the account already has one."
  type        = bool
  default     = true
}
