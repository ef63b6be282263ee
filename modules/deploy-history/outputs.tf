output "table_name" {
  description = "Name of the history table: `table_name` of opsdeck_deploy_record and opsdeck_deploy_history, and OPSDECK_HISTORY_TABLE of the opsdeck CLI."
  value       = aws_dynamodb_table.this.name
}

output "table_arn" {
  description = "ARN of the history table."
  value       = aws_dynamodb_table.this.arn
}

output "partition_key" {
  description = "Partition key attribute (\"pk\", a string: \"<service>#<environment>\")."
  value       = aws_dynamodb_table.this.hash_key
}

output "sort_key" {
  description = "Sort key attribute (\"sk\", a string: the time-ordered deploy id, or \"<deploy_id>#event#<event_id>\" for a mark)."
  value       = aws_dynamodb_table.this.range_key
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the table (created here unless kms_key_arn was given)."
  value       = local.kms_key_arn
}

output "writer_policy_json" {
  description = "IAM policy for the deploy pipeline's role: append deploy records and marks, read the history. No update or delete."
  value       = jsonencode(local.writer_policy)
}

output "reader_policy_json" {
  description = "IAM policy for roles that only read the history (dashboards, rollback dry runs)."
  value       = jsonencode(local.reader_policy)
}
