# The fleet's state store: one item per fleet (key `id` = "fleet#<fleet_name>"), written
# by the functions with version-conditional PutItem. On-demand, PITR, encrypted.

resource "aws_dynamodb_table" "this" {
  # checkov:skip=CKV_AWS_119:a customer managed key is optional (var.kms_key_arn); without one the table is encrypted with the AWS managed key (alias/aws/dynamodb)
  name                        = var.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "id"
  deletion_protection_enabled = var.deletion_protection_enabled

  attribute {
    name = "id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags
}
