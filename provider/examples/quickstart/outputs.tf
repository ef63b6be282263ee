output "account_id" {
  description = "Account the opsdeck provider calls AWS as."
  value       = data.opsdeck_caller_identity.current.account_id
}

output "caller_arn" {
  description = "ARN of the identity the opsdeck provider uses."
  value       = data.opsdeck_caller_identity.current.arn
}

output "alarm_topic_arn" {
  description = "ARN of the KMS-encrypted alarm topic."
  value       = aws_sns_topic.alarms.arn
}

output "budget_id" {
  description = "Import id of the monthly budget (`<account_id>:<name>`)."
  value       = opsdeck_cost_budget.monthly.id
}
