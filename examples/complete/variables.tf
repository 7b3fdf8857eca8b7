variable "region" {
  description = "AWS region of the fleet."
  type        = string
}

variable "fleet_name" {
  description = "Name of the fleet; the endpoints are named <fleet_name>-<suffix>."
  type        = string
  default     = "demo"

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,20}$", var.fleet_name))
    error_message = "fleet_name must be 1-21 letters, digits or '-'."
  }
}

variable "image_uri" {
  description = "Inference image (container/build_and_push.sh prints it)."
  type        = string
}

variable "ecr_repository_arn" {
  description = "ARN of the ECR repository that holds image_uri (the endpoints' role may pull only from it)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-zA-Z-]*:ecr:", var.ecr_repository_arn))
    error_message = "ecr_repository_arn must be an ECR repository ARN."
  }
}

variable "output_bucket" {
  description = "Existing S3 bucket for async results (written under <output_prefix>/)."
  type        = string
}

variable "output_prefix" {
  description = "Key prefix in output_bucket for async results and failures."
  type        = string
  default     = "fleet-demo"
}

variable "endpoints" {
  description = "The fleet's endpoints: name suffix, instance type and per-endpoint maximum, in priority order."
  type = list(object({
    suffix        = string
    instance_type = string
    max_instances = optional(number, 4)
  }))
  default = [
    { suffix = "g5", instance_type = "ml.g5.2xlarge" },
    { suffix = "g6", instance_type = "ml.g6.2xlarge" },
    { suffix = "g4dn", instance_type = "ml.g4dn.2xlarge" },
  ]
}

variable "max_capacity" {
  description = "Maximum fleet capacity, in instances."
  type        = number
  default     = 12
}

variable "strategy" {
  description = "How desired capacity is split over the endpoints: race, priority or proportional."
  type        = string
  default     = "race"
}

variable "deployer_principal_arns" {
  description = "Principals that run terraform apply (they register the scalable target, which calls the scaling API)."
  type        = list(string)
  default     = []
}

variable "router_caller_arns" {
  description = "Principals allowed to call the router (empty: any principal of the account with execute-api:Invoke)."
  type        = list(string)
  default     = []
}

variable "kms_key_arn" {
  description = "Optional customer managed KMS key for every encrypted resource."
  type        = string
  default     = null
}

variable "create_api_gateway_account_role" {
  description = "Set the account's API Gateway CloudWatch Logs role (one per account and region). true for a fresh account; false when the account already has one."
  type        = bool
  default     = true
}

variable "scheduled_actions" {
  description = "Scheduled changes of the fleet's min/max capacity (see the module's scheduled_actions)."
  type = list(object({
    name         = string
    schedule     = string
    timezone     = optional(string, "UTC")
    min_capacity = optional(number)
    max_capacity = optional(number)
  }))
  default = []
}

variable "default_tags" {
  description = "Tags the provider adds to every resource."
  type        = map(string)
  default = {
    project = "sagemaker-fleet-autoscaler"
    example = "complete"
  }
}
