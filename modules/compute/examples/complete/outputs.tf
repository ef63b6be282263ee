output "app_version" {
  description = "The release running."
  value       = module.compute.app_version
}

output "artifact_bucket" {
  description = "Bucket of the release artifacts."
  value       = aws_s3_bucket.artifacts.id
}

output "artifact_keys" {
  description = "Keys the functions' code was read from."
  value       = module.compute.artifact_keys
}

output "subnet_ids" {
  description = "Subnets the functions run in."
  value       = aws_subnet.private[*].id
}

output "lambda_security_group_id" {
  description = "Security group of the functions."
  value       = aws_security_group.lambda.id
}

output "secret_arn" {
  description = "The secret the functions may read."
  value       = aws_secretsmanager_secret.jwt_signing.arn
}

output "function_names" {
  description = "Lambda functions by key."
  value       = module.compute.function_names
}

output "function_versions" {
  description = "Published versions the live aliases point to."
  value       = module.compute.function_versions
}

output "function_role_names" {
  description = "Execution roles by function key."
  value       = module.compute.function_role_names
}

output "function_log_group_names" {
  description = "Log groups by function key."
  value       = module.compute.function_log_group_names
}

output "kms_key_arn" {
  description = "Key of the log groups and the state machine."
  value       = module.compute.kms_key_arn
}

output "rest_api_id" {
  description = "REST API ID."
  value       = module.compute.rest_api_id
}

output "api_stage_name" {
  description = "API stage."
  value       = module.compute.api_stage_name
}

output "api_health_url" {
  description = "Health route URL."
  value       = module.compute.api_health_url
}

output "api_access_log_group_name" {
  description = "Access log group of the API."
  value       = module.compute.api_access_log_group_name
}

output "state_machine_arn" {
  description = "State machine ARN."
  value       = module.compute.state_machine_arn
}

output "state_machine_log_group_name" {
  description = "State machine log group."
  value       = module.compute.state_machine_log_group_name
}

output "api_domain_name" {
  description = "Host of the execute-api endpoint (modules/edge api_origin.domain_name)."
  value       = module.compute.api_domain_name
}

output "api_origin_path" {
  description = "Origin path of the stage (modules/edge api_origin.origin_path)."
  value       = module.compute.api_origin_path
}

output "api_authorizer_id" {
  description = "The Cognito authorizer of the API."
  value       = module.compute.api_authorizer_id
}

output "web_acl_arn" {
  description = "The API's regional web ACL."
  value       = module.compute.web_acl_arn
}

output "user_pool_arn" {
  description = "The Cognito user pool whose tokens the API accepts."
  value       = aws_cognito_user_pool.users.arn
}

output "apigateway_account_role_arn" {
  description = "The account's API Gateway logging role."
  value       = module.apigateway_account.role_arn
}
