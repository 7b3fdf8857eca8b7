variable "name" {
  description = "Name of the DynamoDB table that holds the fleet state."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.name))
    error_message = "name must be 3-255 characters of letters, digits, '_', '-' and '.' (DynamoDB table name rules)."
  }
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for server-side encryption. null uses the AWS managed key (alias/aws/dynamodb)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-zA-Z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:...) or null."
  }
}

variable "deletion_protection_enabled" {
  description = "Protect the table against deletion (turn off before `terraform destroy`)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for the table."
  type        = map(string)
  default     = {}
}
