output "name" {
  description = "Name of the state table (the functions' STATE_TABLE)."
  value       = aws_dynamodb_table.this.name
}

output "arn" {
  description = "ARN of the state table."
  value       = aws_dynamodb_table.this.arn
}
