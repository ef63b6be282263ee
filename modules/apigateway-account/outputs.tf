output "role_arn" {
  description = "ARN of the role API Gateway writes logs with (the account setting of this region)."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of that role."
  value       = aws_iam_role.this.name
}

output "cloudwatch_role_arn" {
  description = "The account setting as API Gateway reports it (equals role_arn once applied)."
  value       = aws_api_gateway_account.this.cloudwatch_role_arn
}
