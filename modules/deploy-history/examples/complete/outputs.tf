output "table_name" {
  description = "The history table: table_name of the opsdeck resources, OPSDECK_HISTORY_TABLE of the CLI."
  value       = module.deploy_history.table_name
}

output "table_arn" {
  description = "ARN of the history table."
  value       = module.deploy_history.table_arn
}

output "kms_key_arn" {
  description = "The table's KMS key."
  value       = module.deploy_history.kms_key_arn
}

output "writer_policy_arn" {
  description = "The IAM policy to attach to the pipeline's role."
  value       = aws_iam_policy.deploy_history_writer.arn
}
