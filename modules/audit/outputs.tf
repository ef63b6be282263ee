output "trail_arn" {
  description = "ARN of the trail."
  value       = aws_cloudtrail.this.arn
}

output "trail_name" {
  description = "Name of the trail."
  value       = aws_cloudtrail.this.name
}

output "bucket_id" {
  description = "Name of the bucket the log files are delivered to (AWSLogs/<account>/CloudTrail/...)."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the trail's bucket."
  value       = aws_s3_bucket.this.arn
}

output "kms_key_arn" {
  description = "ARN of the key encrypting the log files and the log group."
  value       = aws_kms_key.this.arn
}

output "cloudwatch_log_group_name" {
  description = "CloudWatch Logs group receiving the trail's events."
  value       = aws_cloudwatch_log_group.this.name
}

output "cloudwatch_logs_role_arn" {
  description = "ARN of the role CloudTrail assumes to write the log group."
  value       = aws_iam_role.cloudwatch_logs.arn
}
