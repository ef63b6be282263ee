# Every validation of every input, one run (at least) each: each run breaks
# exactly one rule and expects the plan to fail on that input.

mock_provider "aws" {
  override_data {
    target = data.aws_region.current
    values = { name = "ap-northeast-1" }
  }
  override_data {
    target = data.aws_caller_identity.current
    values = { account_id = "123456789012" }
  }
  override_data {
    target = data.aws_partition.current
    values = { partition = "aws", dns_suffix = "amazonaws.com", reverse_dns_prefix = "com.amazonaws" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
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
    additional_policy_jsons = { admin = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}" }
  }
  expect_failures = [var.additional_policy_jsons]
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
