variable "name" {
  description = "Name of the router REST API."
  type        = string
}

variable "fleet_name" {
  description = "Name of the fleet (the {fleet} path parameter callers use)."
  type        = string
}

variable "function_name" {
  description = "Name of the router function."
  type        = string
}

variable "function_invoke_arn" {
  description = "Invoke ARN of the router function."
  type        = string
}

variable "integration_timeout_milliseconds" {
  description = "How long API Gateway waits for the router, ms (50-300000; above 29000 needs a Service Quotas increase). Keep the router function's timeout below it: the router answers within its own timeout, and API Gateway answers 504 once this one has passed."
  type        = number
  default     = 29000
}

variable "binary_media_types" {
  description = "Media types the router API treats as binary: [\"*/*\"] for a real-time fleet (model inputs and outputs of any type, base64 between API Gateway and the router), [] for an async fleet (headers in, JSON out)."
  type        = list(string)
  default     = []
}

variable "allowed_principal_arns" {
  description = "IAM principals allowed to call the router; all others are denied by a resource policy. Empty: no resource policy (same-account identities with execute-api:Invoke may call)."
  type        = list(string)
  default     = []
}

variable "stage_name" {
  description = "Stage name of the router API."
  type        = string
  default     = "live"
}

variable "throttling_burst_limit" {
  description = "Throttling burst limit of the router stage."
  type        = number
  default     = 500
}

variable "throttling_rate_limit" {
  description = "Throttling rate limit (requests per second) of the router stage."
  type        = number
  default     = 1000
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
