# Every validation of every input, one run (at least) each: each run breaks
# exactly one rule and expects the plan to fail on that input.

mock_provider "aws" {
  override_data {
    target = data.aws_region.current
    values = { id = "ap-northeast-1", name = "ap-northeast-1" }
  }
  override_data {
    target = data.aws_caller_identity.current
    values = { account_id = "123456789012" }
  }
  override_data {
    target = data.aws_partition.current
    values = { partition = "aws", dns_suffix = "amazonaws.com", reverse_dns_prefix = "com.amazonaws" }
  }
}

variables {
  name               = "opsdeck"
  app_version        = "v1.4.2"
  artifacts          = { bucket = "opsdeck-artifacts" }
  subnet_ids         = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
  security_group_ids = ["sg-0aaaaaaaaaaaaaaaa"]
}

run "valid_inputs_plan" {
  command = plan
}

run "name_format" {
  command = plan
  variables {
    name = "Opsdeck_Prod"
  }
  expect_failures = [var.name]
}

run "app_version_no_slashes" {
  command = plan
  variables {
    app_version = "releases/v1"
  }
  expect_failures = [var.app_version]
}

run "artifacts_bucket_name" {
  command = plan
  variables {
    artifacts = { bucket = "Opsdeck_Artifacts" }
  }
  expect_failures = [var.artifacts]
}

run "artifacts_prefix_no_edge_slashes" {
  command = plan
  variables {
    artifacts = { bucket = "opsdeck-artifacts", prefix = "/releases/" }
  }
  expect_failures = [var.artifacts]
}

run "subnet_ids_two_distinct" {
  command = plan
  variables {
    subnet_ids = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60001"]
  }
  expect_failures = [var.subnet_ids]
}

run "security_group_ids_format" {
  command = plan
  variables {
    security_group_ids = ["opsdeck-lambda"]
  }
  expect_failures = [var.security_group_ids]
}

run "functions_key_format" {
  command = plan
  variables {
    functions     = { "Api_Handler" = {} }
    api           = { function = "Api_Handler" }
    state_machine = { enabled = false }
  }
  expect_failures = [var.functions]
}

run "functions_kind" {
  command = plan
  variables {
    functions = { api = {}, worker = { kind = "batch" } }
  }
  expect_failures = [var.functions]
}

run "functions_memory_range" {
  command = plan
  variables {
    functions = { api = { memory_size = 64 }, worker = { kind = "task" } }
  }
  expect_failures = [var.functions]
}

run "functions_api_timeout_at_most_30" {
  command = plan
  variables {
    functions = { api = { timeout = 60 }, worker = { kind = "task" } }
  }
  expect_failures = [var.functions]
}

run "functions_architecture" {
  command = plan
  variables {
    functions = { api = { architecture = "aarch64" }, worker = { kind = "task" } }
  }
  expect_failures = [var.functions]
}

run "functions_runtime" {
  command = plan
  variables {
    functions = { api = { runtime = "go1.x" }, worker = { kind = "task" } }
  }
  expect_failures = [var.functions]
}

run "functions_environment_reserved_names" {
  command = plan
  variables {
    functions = { api = { environment = { APP_VERSION = "v0" } }, worker = { kind = "task" } }
  }
  expect_failures = [var.functions]
}

run "functions_reserved_concurrency_not_zero" {
  command = plan
  variables {
    functions = { api = { reserved_concurrent_executions = 0 }, worker = { kind = "task" } }
  }
  expect_failures = [var.functions]
}

run "functions_log_levels" {
  command = plan
  variables {
    functions = { api = { system_log_level = "ERROR" }, worker = { kind = "task" } }
  }
  expect_failures = [var.functions]
}

run "functions_source_code_hash" {
  command = plan
  variables {
    functions = { api = { source_code_hash = "abc123" }, worker = { kind = "task" } }
  }
  expect_failures = [var.functions]
}

run "secrets_arns_full" {
  command = plan
  variables {
    secrets = { arns = ["opsdeck/jwt-signing-secret"] }
  }
  expect_failures = [var.secrets]
}

run "secrets_key_arns_not_aliases" {
  command = plan
  variables {
    secrets = {
      arns         = ["arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:opsdeck/jwt-AbCdEf"]
      kms_key_arns = ["arn:aws:kms:ap-northeast-1:123456789012:alias/secrets"]
    }
  }
  expect_failures = [var.secrets]
}

run "secrets_keys_need_secrets" {
  command = plan
  variables {
    secrets = { kms_key_arns = ["arn:aws:kms:ap-northeast-1:123456789012:key/55555555-0000-0000-0000-000000000000"] }
  }
  expect_failures = [var.secrets]
}

run "additional_policy_names" {
  command = plan
  variables {
    additional_policy_jsons = { "db connect" = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  expect_failures = [var.additional_policy_jsons]
}

run "additional_policy_no_star_action" {
  command = plan
  variables {
    additional_policy_jsons = { admin = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"arn:aws:s3:::opsdeck-data/*\"}]}" }
  }
  expect_failures = [var.additional_policy_jsons]
}

run "additional_policy_no_any_service_any_action" {
  command = plan
  variables {
    additional_policy_jsons = { admin = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"*:*\"],\"Resource\":\"arn:aws:s3:::opsdeck-data/*\"}]}" }
  }
  expect_failures = [var.additional_policy_jsons]
}

run "additional_policy_no_iam_wildcard" {
  command = plan
  variables {
    additional_policy_jsons = { iam = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"iam:*\"],\"Resource\":\"arn:aws:iam::123456789012:role/opsdeck-app\"}]}" }
  }
  expect_failures = [var.additional_policy_jsons]
}

# A wildcard in a later statement of a document is found too.
run "additional_policy_wildcard_in_second_statement" {
  command = plan
  variables {
    additional_policy_jsons = { db = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"rds-db:connect\",\"Resource\":\"arn:aws:rds-db:ap-northeast-1:123456789012:dbuser:cluster-ABC/app\"},{\"Action\":\"ec2:*\",\"Resource\":\"arn:aws:ec2:ap-northeast-1:123456789012:instance/i-0123\"}]}" }
  }
  expect_failures = [var.additional_policy_jsons]
}

run "additional_policy_no_statements" {
  command = plan
  variables {
    additional_policy_jsons = { empty = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  expect_failures = [var.additional_policy_jsons]
}

# Issue 16, finding 5: not only a literal "*" action is refused.
run "additional_policy_no_service_wildcard" {
  command = plan
  variables {
    additional_policy_jsons = { ec2 = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"ec2:*\"],\"Resource\":\"arn:aws:ec2:ap-northeast-1:123456789012:instance/i-0123\"}]}" }
  }
  expect_failures = [var.additional_policy_jsons]
}

run "additional_policy_no_partial_wildcard" {
  command = plan
  variables {
    additional_policy_jsons = { s3 = "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:Get*\",\"Resource\":\"arn:aws:s3:::bucket/*\"}}" }
  }
  expect_failures = [var.additional_policy_jsons]
}

run "additional_policy_no_star_resource" {
  command = plan
  variables {
    additional_policy_jsons = { sqs = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sqs:SendMessage\",\"Resource\":[\"*\"]}]}" }
  }
  expect_failures = [var.additional_policy_jsons]
}

run "additional_policy_no_wildcard_service_arn" {
  command = plan
  variables {
    additional_policy_jsons = { any = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sqs:SendMessage\",\"Resource\":\"arn:aws:*:ap-northeast-1:123456789012:table/opsdeck\"}]}" }
  }
  expect_failures = [var.additional_policy_jsons]
}

run "additional_policy_no_star_resource_part" {
  command = plan
  variables {
    additional_policy_jsons = { s3 = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":[\"arn:aws:s3:::opsdeck-data/*\",\"arn:aws:s3:::*\"]}]}" }
  }
  expect_failures = [var.additional_policy_jsons]
}

run "additional_policy_no_not_action" {
  command = plan
  variables {
    additional_policy_jsons = { all_but_iam = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"NotAction\":\"iam:CreateUser\",\"Resource\":\"arn:aws:s3:::bucket\"}]}" }
  }
  expect_failures = [var.additional_policy_jsons]
}

run "additional_policy_exact_grants_and_broad_denies_pass" {
  command = plan
  variables {
    additional_policy_jsons = { db = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"rds-db:connect\",\"Resource\":\"arn:aws:rds-db:ap-northeast-1:123456789012:dbuser:cluster-ABC/app\"},{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"dynamodb:Query\"],\"Resource\":[\"arn:aws:s3:::opsdeck-data/*\",\"arn:aws:dynamodb:*:123456789012:table/opsdeck-*\"]},{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}]}" }
  }
}

run "log_retention_accepted_value" {
  command = plan
  variables {
    log_retention_in_days = 31
  }
  expect_failures = [var.log_retention_in_days]
}

run "kms_key_arn_format" {
  command = plan
  variables {
    kms_key_arn = "alias/opsdeck-compute"
  }
  expect_failures = [var.kms_key_arn]
}

run "kms_key_deletion_window_range" {
  command = plan
  variables {
    kms_key_deletion_window_in_days = 3
  }
  expect_failures = [var.kms_key_deletion_window_in_days]
}

run "api_function_is_an_api_function" {
  command = plan
  variables {
    api = { function = "worker" }
  }
  expect_failures = [var.api]
}

run "api_stage_name" {
  command = plan
  variables {
    api = { stage_name = "live/v1" }
  }
  expect_failures = [var.api]
}

run "api_endpoint_type" {
  command = plan
  variables {
    api = { endpoint_type = "GLOBAL" }
  }
  expect_failures = [var.api]
}

run "api_throttling" {
  command = plan
  variables {
    api = { throttling_rate_limit = 100, throttling_burst_limit = 50 }
  }
  expect_failures = [var.api]
}

run "api_logging_stays_on" {
  command = plan
  variables {
    api = { logging_level = "OFF" }
  }
  expect_failures = [var.api]
}

run "api_health_path_one_segment" {
  command = plan
  variables {
    api = { health_path = "status/health" }
  }
  expect_failures = [var.api]
}

run "api_web_acl_regional" {
  command = plan
  variables {
    api = { web_acl_arn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/0000" }
  }
  expect_failures = [var.api]
}

run "api_base_path_one_segment" {
  command = plan
  variables {
    api = { base_path = "/api" }
  }
  expect_failures = [var.api]
}

run "api_web_acl_one_of_two" {
  command = plan
  variables {
    api = { web_acl = { enabled = true }, web_acl_arn = "arn:aws:wafv2:ap-northeast-1:123456789012:regional/webacl/mine/0000" }
  }
  expect_failures = [var.api]
}

run "api_web_acl_managed_rule_group_names" {
  command = plan
  variables {
    api = { web_acl = { enabled = true, managed_rule_groups = ["CommonRuleSet"] } }
  }
  expect_failures = [var.api]
}

run "api_origin_verify_header_not_host" {
  command = plan
  variables {
    api = { origin_verify_header = "Host" }
  }
  expect_failures = [var.api]
}

run "api_authorizer_type" {
  command = plan
  variables {
    api = { authorizer = { type = "JWT" } }
  }
  expect_failures = [var.api]
}

run "api_authorizer_function_kind" {
  command = plan
  variables {
    api = { authorizer = { type = "TOKEN", function = "api" } }
  }
  expect_failures = [var.api]
}

run "api_authorizer_cognito_pools" {
  command = plan
  variables {
    api = { authorizer = { type = "COGNITO_USER_POOLS", cognito_user_pool_arns = ["ap-northeast-1_AbCdEf123"] } }
  }
  expect_failures = [var.api]
}

run "api_authorizer_identity_source" {
  command = plan
  variables {
    api = { authorizer = { type = "AWS_IAM", identity_source = "Authorization" } }
  }
  expect_failures = [var.api]
}

run "api_authorizer_validation_expression_token_only" {
  command = plan
  variables {
    functions = { api = {}, worker = { kind = "task" }, auth = { kind = "authorizer" } }
    api       = { authorizer = { type = "REQUEST", function = "auth", identity_validation_expression = "^Bearer .+$" } }
  }
  expect_failures = [var.api]
}

run "api_origin_verify_secret_strength" {
  command = plan
  variables {
    api_origin_verify_secret = "short"
  }
  expect_failures = [var.api_origin_verify_secret]
}

run "api_origin_verify_secret_needs_own_web_acl" {
  command = plan
  variables {
    api                      = { web_acl_arn = "arn:aws:wafv2:ap-northeast-1:123456789012:regional/webacl/mine/0000" }
    api_origin_verify_secret = "0123456789abcdef0123456789abcdef"
  }
  expect_failures = [var.api_origin_verify_secret]
}

run "role_permissions_boundary_is_a_policy_arn" {
  command = plan
  variables {
    role_permissions_boundary = "arn:aws:iam::123456789012:role/boundary"
  }
  expect_failures = [var.role_permissions_boundary]
}

run "state_machine_name" {
  command = plan
  variables {
    state_machine = { name = "work flow" }
  }
  expect_failures = [var.state_machine]
}

run "state_machine_definition_asl" {
  command = plan
  variables {
    state_machine = { definition = "{\"Comment\":\"no states\"}" }
  }
  expect_failures = [var.state_machine]
}

run "state_machine_invoke_known_functions" {
  command = plan
  variables {
    state_machine = { invoke_functions = ["missing"] }
  }
  expect_failures = [var.state_machine]
}

run "state_machine_needs_work" {
  command = plan
  variables {
    functions = { api = {} }
  }
  expect_failures = [var.state_machine]
}
