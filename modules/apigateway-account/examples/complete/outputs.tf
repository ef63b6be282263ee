output "role_arn" {
  description = "ARN of the role API Gateway logs with."
  value       = module.apigateway_account.role_arn
}

output "cloudwatch_role_arn" {
  description = "The account setting."
  value       = module.apigateway_account.cloudwatch_role_arn
}
