output "function_arn" {
  description = "ARN of the notifier function: give it to opsdeck_slack_alarm_topic.notifier_function_arn."
  value       = aws_lambda_function.this.arn
}

output "function_name" {
  description = "Name of the notifier function."
  value       = aws_lambda_function.this.function_name
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the function's execution role."
  value       = aws_iam_role.this.name
}

output "log_group_name" {
  description = "The function's log group (JSON lines, one per delivery or failure)."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the function's log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "failed_queue_arn" {
  description = "ARN of the SQS queue that keeps events the function could not deliver (the on-failure destination)."
  value       = aws_sqs_queue.failed.arn
}

output "failed_queue_url" {
  description = "URL of the failed-event queue, for redrive and inspection."
  value       = aws_sqs_queue.failed.url
}

output "kms_key_arn" {
  description = "KMS key of the log group and the queue (created, or the given kms_key_arn)."
  value       = local.kms_key_arn
}
