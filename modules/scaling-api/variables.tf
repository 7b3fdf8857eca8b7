variable "name" {
  description = "Name of the scaling REST API."
  type        = string
}

variable "dimension_id" {
  description = "The fleet's scalableTargetDimensionId (the last segment of the scalable target's resource id)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,128}$", var.dimension_id))
    error_message = "dimension_id must be 1-128 letters, digits, '.', '_' or '-' (one URL path segment)."
  }
}

variable "function_name" {
  description = "Name of the scaling API function."
  type        = string
}

variable "function_invoke_arn" {
  description = "Invoke ARN of the scaling API function."
  type        = string
}

variable "deployer_principal_arns" {
  description = "IAM principals that register the scalable target (RegisterScalableTarget calls the API with the caller's credentials) or operate the fleet. Everyone else but the custom-resource service-linked role is denied. Empty: the role of the caller that runs `terraform apply`."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.deployer_principal_arns : !can(regex("^arn:aws[a-zA-Z-]*:sts::[0-9]{12}:assumed-role/", p))])
    error_message = "deployer_principal_arns must hold role ARNs (arn:aws:iam::<account>:role/<name>), not assumed-role session ARNs: aws:PrincipalArn is always the role's ARN."
  }
}

variable "stage_name" {
  description = "Stage name of the scaling API."
  type        = string
  default     = "live"
}

variable "throttling_burst_limit" {
  description = "Throttling burst limit of the scaling stage."
  type        = number
  default     = 20
}

variable "throttling_rate_limit" {
  description = "Throttling rate limit (requests per second) of the scaling stage."
  type        = number
  default     = 10
}

variable "logging_level" {
  description = "Execution logging level (OFF, ERROR, INFO)."
  type        = string
  default     = "ERROR"
}

variable "access_logs_enabled" {
  description = "Write the stage's access logs (needs the account's API Gateway CloudWatch Logs role)."
  type        = bool
  default     = true
}

variable "logging_prerequisites" {
  description = "IDs of resources that must exist before the stage logs (the aws_api_gateway_account that sets the account's CloudWatch Logs role), or []."
  type        = list(string)
  default     = []
}

variable "xray_tracing_enabled" {
  description = "Enable X-Ray tracing on the stage."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of the access log group, in days."
  type        = number
  default     = 365
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the access log group, or null."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
