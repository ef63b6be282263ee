output "app_version" {
  description = "The release the functions run (the input, echoed for compositions and checks)."
  value       = var.app_version
}

output "artifact_keys" {
  description = "S3 keys the functions' code was read from, by function key: \"<prefix>/<app_version>/<key>.zip\"."
  value       = local.artifact_keys
}

output "function_names" {
  description = "Lambda function names, by function key."
  value       = { for k, f in aws_lambda_function.this : k => f.function_name }
}

output "function_arns" {
  description = "Unqualified Lambda function ARNs, by function key."
  value       = { for k, f in aws_lambda_function.this : k => f.arn }
}

output "function_versions" {
  description = "Published version of each function for this release, by function key (what the live alias points to)."
  value       = { for k, f in aws_lambda_function.this : k => f.version }
}

output "live_alias_arns" {
  description = "ARNs of the live aliases, by function key: invoke these, never $LATEST."
  value       = { for k, a in aws_lambda_alias.live : k => a.arn }
}

output "live_alias_invoke_arns" {
  description = "API Gateway invoke ARNs of the live aliases, by function key."
  value       = { for k, a in aws_lambda_alias.live : k => a.invoke_arn }
}

output "function_role_arns" {
  description = "Execution role ARNs, by function key."
  value       = { for k, r in aws_iam_role.function : k => r.arn }
}

output "function_role_names" {
  description = "Execution role names, by function key (to attach more policies from outside)."
  value       = { for k, r in aws_iam_role.function : k => r.name }
}

output "function_log_group_names" {
  description = "CloudWatch Logs groups of the functions, by function key."
  value       = { for k, g in aws_cloudwatch_log_group.function : k => g.name }
}

output "kms_key_arn" {
  description = "ARN of the KMS key of the log groups and the state machine (created or given)."
  value       = local.kms_key_arn
}

output "rest_api_id" {
  description = "ID of the REST API, or null when api.enabled is false."
  value       = one(aws_api_gateway_rest_api.this[*].id)
}

output "rest_api_execution_arn" {
  description = "Execution ARN of the REST API (for more Lambda permissions), or null."
  value       = one(aws_api_gateway_rest_api.this[*].execution_arn)
}

output "api_stage_name" {
  description = "Name of the API stage, or null."
  value       = one(aws_api_gateway_stage.this[*].stage_name)
}

output "api_stage_arn" {
  description = "ARN of the API stage (for a WAF association or alarms), or null."
  value       = one(aws_api_gateway_stage.this[*].arn)
}

output "api_invoke_url" {
  description = "Base URL of the stage, e.g. https://<id>.execute-api.<region>.amazonaws.com/live, or null."
  value       = one(aws_api_gateway_stage.this[*].invoke_url)
}

output "api_health_url" {
  description = "URL of the health route (seed R6.3-d) on the execute-api endpoint, \"<api_invoke_url>/<base_path>/<health_path>\", for deploy and rollback checks, or null. It stays open when api_origin_verify_secret closes the rest to all but CloudFront."
  value       = local.create_api ? "${aws_api_gateway_stage.this[0].invoke_url}/${local.api_health_path}" : null
}

output "api_domain_name" {
  description = "Host name of the execute-api endpoint, \"<id>.execute-api.<region>.amazonaws.com\": modules/edge api_origin.domain_name. null without the API."
  value       = local.create_api ? split("/", aws_api_gateway_stage.this[0].invoke_url)[2] : null
}

output "api_origin_path" {
  description = "\"/<stage_name>\": modules/edge api_origin.origin_path, so that CloudFront's \"/<base_path>/...\" reaches \"/<stage_name>/<base_path>/...\" of the stage. null without the API."
  value       = local.create_api ? "/${aws_api_gateway_stage.this[0].stage_name}" : null
}

output "api_base_path" {
  description = "The segment the routes live under (api.base_path), or null when they sit at the root of the stage."
  value       = var.api.base_path
}

output "api_authorizer_id" {
  description = "ID of the API Gateway authorizer (api.authorizer of type TOKEN, REQUEST or COGNITO_USER_POOLS), or null."
  value       = one(aws_api_gateway_authorizer.this[*].id)
}

output "api_authorization_type" {
  description = "Authorization of every route but the health check: \"NONE\" (the function authenticates), \"CUSTOM\", \"COGNITO_USER_POOLS\" or \"AWS_IAM\"."
  value       = local.method_auth_type
}

output "web_acl_arn" {
  description = "ARN of the regional web ACL on the stage (the module's, or api.web_acl_arn), or null."
  value       = local.web_acl_arn
}

output "apigateway_account_role_arn" {
  description = "ARN of the account's API Gateway logging role when api.manage_account_cloudwatch_role manages it here, else null (modules/apigateway-account owns it)."
  value       = one(module.apigateway_account[*].role_arn)
}

output "api_access_log_group_name" {
  description = "CloudWatch Logs group of the API's JSON access logs, or null."
  value       = one(aws_cloudwatch_log_group.api_access[*].name)
}

output "api_execution_log_group_name" {
  description = "CloudWatch Logs group of the API's execution logs, or null."
  value       = one(aws_cloudwatch_log_group.api_execution[*].name)
}

output "state_machine_arn" {
  description = "ARN of the state machine, or null when state_machine.enabled is false."
  value       = one(aws_sfn_state_machine.this[*].arn)
}

output "state_machine_name" {
  description = "Name of the state machine, or null."
  value       = one(aws_sfn_state_machine.this[*].name)
}

output "state_machine_version_arn" {
  description = "ARN of the state machine version published by this apply (state_machine.publish), or null."
  value       = one(aws_sfn_state_machine.this[*].state_machine_version_arn)
}

output "state_machine_role_arn" {
  description = "Execution role ARN of the state machine, or null."
  value       = one(aws_iam_role.state_machine[*].arn)
}

output "state_machine_log_group_name" {
  description = "CloudWatch Logs group of the state machine, or null."
  value       = one(aws_cloudwatch_log_group.state_machine[*].name)
}
