variable "endpoints" {
  description = "Endpoints to create: name, instance type, production variant name and initial instance count (async endpoints start with at least one instance; the fleet scales them afterwards)."
  type = list(object({
    name                   = string
    instance_type          = string
    variant                = optional(string, "AllTraffic")
    initial_instance_count = optional(number, 1)
  }))

  validation {
    condition     = length(var.endpoints) >= 1 && length(var.endpoints) <= 10
    error_message = "endpoints must hold 1 to 10 endpoints (the fleet's limit)."
  }

  validation {
    condition     = length(distinct([for e in var.endpoints : e.name])) == length(var.endpoints)
    error_message = "endpoint names must be unique."
  }

  validation {
    condition     = alltrue([for e in var.endpoints : can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", e.name))])
    error_message = "endpoint names must be 1-63 letters, digits and '-', starting and ending with a letter or digit (SageMaker rules)."
  }

  validation {
    condition     = alltrue([for e in var.endpoints : startswith(e.instance_type, "ml.")])
    error_message = "instance_type must be a SageMaker instance type such as ml.g5.2xlarge."
  }

  validation {
    condition     = alltrue([for e in var.endpoints : e.initial_instance_count >= 1 && floor(e.initial_instance_count) == e.initial_instance_count])
    error_message = "initial_instance_count must be a whole number >= 1 (SageMaker creates endpoints with at least one instance)."
  }
}

variable "image_uri" {
  description = "Inference image URI (for example the image container/build_and_push.sh prints)."
  type        = string

  validation {
    condition     = length(var.image_uri) > 0
    error_message = "image_uri must not be empty."
  }
}

variable "model_data_url" {
  description = "S3 URI of the model artifacts (model.tar.gz), or null when the image holds the model."
  type        = string
  default     = null

  validation {
    condition     = var.model_data_url == null || can(regex("^s3://", var.model_data_url))
    error_message = "model_data_url must be an s3:// URI or null."
  }
}

variable "execution_role_arn" {
  description = "IAM role SageMaker assumes to pull the image, read the model and write async results."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-zA-Z-]*:iam::[0-9]{12}:role/", var.execution_role_arn))
    error_message = "execution_role_arn must be an IAM role ARN."
  }
}

variable "environment" {
  description = "Environment variables of the container (ENDPOINT_NAME is set per endpoint)."
  type        = map(string)
  default     = {}
}

variable "enable_network_isolation" {
  description = "Run the container without network access (the sample container needs none)."
  type        = bool
  default     = true
}

variable "s3_output_path" {
  description = "s3:// prefix for async inference results; each endpoint writes under <prefix>/<endpoint>/ (or to <prefix>/ itself with shared_output_path)."
  type        = string

  validation {
    condition     = can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$", var.s3_output_path))
    error_message = "s3_output_path must be an s3://bucket[/prefix] URI."
  }
}

variable "shared_output_path" {
  description = "Every endpoint writes to s3_output_path (and s3_failure_path) itself, with no per-endpoint suffix: the fleet's queue mode, where outputs are named by the dispatcher (<InferenceId>.out)."
  type        = bool
  default     = false
}

variable "s3_failure_path" {
  description = "s3:// prefix for failed async inferences, or null."
  type        = string
  default     = null

  validation {
    condition     = var.s3_failure_path == null || can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$", var.s3_failure_path))
    error_message = "s3_failure_path must be an s3://bucket[/prefix] URI or null."
  }
}

variable "success_topic_arn" {
  description = "SNS topic notified of successful async inferences, or null."
  type        = string
  default     = null
}

variable "error_topic_arn" {
  description = "SNS topic notified of failed async inferences, or null."
  type        = string
  default     = null
}

variable "max_concurrent_invocations_per_instance" {
  description = "Concurrent requests SageMaker sends to one instance (1-1000)."
  type        = number
  default     = 1

  validation {
    condition     = var.max_concurrent_invocations_per_instance >= 1 && var.max_concurrent_invocations_per_instance <= 1000
    error_message = "max_concurrent_invocations_per_instance must be between 1 and 1000."
  }
}

variable "kms_key_arn" {
  description = "KMS key for the async inference outputs written to S3, or null (S3's default encryption)."
  type        = string
  default     = null
}

variable "volume_kms_key_arn" {
  description = "KMS key for the instances' ML storage volumes, or null. Must be null for instance types with local NVMe storage (ml.g4dn, ml.g5, ml.g6, ml.p4d, ml.*d, ...): they encrypt it in hardware and CreateEndpointConfig rejects a volume key."
  type        = string
  default     = null

  validation {
    condition     = var.volume_kms_key_arn == null || can(regex("^arn:aws[a-zA-Z-]*:kms:", coalesce(var.volume_kms_key_arn, "x")))
    error_message = "volume_kms_key_arn must be a KMS key ARN or null."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
