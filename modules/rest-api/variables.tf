variable "name" {
  description = "Name of the REST API (also used in the access log group name)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,127}$", var.name))
    error_message = "name must be 1-128 letters, digits, '-' or '_', starting with a letter or digit."
  }
}

variable "description" {
  description = "Description of the REST API."
  type        = string
  default     = null
}

variable "collection" {
  description = "Static first path segment, for example \"endpoints\"."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9._-]+$", var.collection))
    error_message = "collection must be a single path segment of letters, digits, '.', '_' or '-'."
  }
}

variable "path_parameter" {
  description = "Name of the path parameter of the second segment, for example \"fleet\"."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9_]*$", var.path_parameter))
    error_message = "path_parameter must start with a letter and hold only letters, digits and '_'."
  }
}

variable "http_methods" {
  description = "HTTP methods on /<collection>/{<path_parameter>}; each uses AWS_IAM authorization."
  type        = list(string)

  validation {
    condition     = length(var.http_methods) > 0 && alltrue([for m in var.http_methods : contains(["GET", "POST", "PUT", "PATCH", "DELETE"], m)])
    error_message = "http_methods must be a non-empty list of GET, POST, PUT, PATCH, DELETE."
  }
}

variable "function_name" {
  description = "Name of the Lambda function behind the API (gets an invoke permission for this API)."
  type        = string
}

variable "function_invoke_arn" {
  description = "Invoke ARN of the Lambda function behind the API."
  type        = string
}

variable "integration_timeout_milliseconds" {
  description = "How long API Gateway waits for the function, ms (50-300000). Above 29000 only for Regional and private REST APIs, and only after a Service Quotas increase of the account's integration timeout (which may lower its throttle quota); edge-optimized APIs stay at 29000."
  type        = number
  default     = 29000

  validation {
    condition     = var.integration_timeout_milliseconds >= 50 && var.integration_timeout_milliseconds <= 300000 && floor(var.integration_timeout_milliseconds) == var.integration_timeout_milliseconds
    error_message = "integration_timeout_milliseconds must be a whole number of milliseconds from 50 to 300000 (above 29000 needs a Service Quotas increase)."
  }
}

variable "binary_media_types" {
  description = "Media types the API treats as binary: request bodies of these types reach the function base64-encoded (isBase64Encoded), and a base64 response with isBase64Encoded goes back as bytes. [\"*/*\"] covers every type; [] treats every body as UTF-8 text."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for t in var.binary_media_types : can(regex("^[A-Za-z0-9*][A-Za-z0-9!#$&^_.+*-]*/[A-Za-z0-9*][A-Za-z0-9!#$&^_.+*-]*$", t))])
    error_message = "binary_media_types must be media types such as \"image/png\", \"application/*\" or \"*/*\"."
  }
}

variable "allowed_principal_arns" {
  description = "IAM principal ARNs (roles, users, accounts) allowed to call the API; every other principal is denied by the resource policy. Empty: no resource policy, IAM identity policies decide."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.allowed_principal_arns : can(regex("^arn:aws[a-zA-Z-]*:(iam|sts)::", p))])
    error_message = "allowed_principal_arns must be IAM or STS ARNs (arn:<partition>:iam::<account>:...)."
  }
}

variable "stage_name" {
  description = "Name of the stage (part of the invoke URL)."
  type        = string
  default     = "live"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,128}$", var.stage_name))
    error_message = "stage_name must be 1-128 letters, digits, '-' or '_'."
  }
}

variable "throttling_burst_limit" {
  description = "Stage-wide throttling burst limit (requests)."
  type        = number
  default     = 500

  validation {
    condition     = var.throttling_burst_limit >= 0
    error_message = "throttling_burst_limit must be 0 or more."
  }
}

variable "throttling_rate_limit" {
  description = "Stage-wide throttling rate limit (requests per second)."
  type        = number
  default     = 1000

  validation {
    condition     = var.throttling_rate_limit >= 0
    error_message = "throttling_rate_limit must be 0 or more."
  }
}

variable "logging_level" {
  description = "API Gateway execution logging level: OFF, ERROR or INFO (needs the account's API Gateway CloudWatch role unless OFF)."
  type        = string
  default     = "ERROR"

  validation {
    condition     = contains(["OFF", "ERROR", "INFO"], var.logging_level)
    error_message = "logging_level must be OFF, ERROR or INFO."
  }
}

variable "access_logs_enabled" {
  description = "Write access logs to a log group the module creates. Needs the account's API Gateway CloudWatch Logs role (set once per account and region)."
  type        = bool
  default     = true
}

variable "logging_prerequisites" {
  description = "IDs of resources that must exist before the stage logs, for example the aws_api_gateway_account that sets the account's CloudWatch Logs role. Empty when the account already has one."
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

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the access log group; null uses CloudWatch Logs encryption."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
