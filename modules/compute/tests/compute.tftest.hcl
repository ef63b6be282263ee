# Plan-level tests of the seed's compute (R1.2, R3.3-a/b, R3.4-a/b/c, R4.1, R4.4-d, R6.2-a,
# R6.3-d) against a mocked AWS provider: no credentials, no emulator. Values the assertions
# compare are pinned with override_during = plan, since mocked computed values are otherwise
# only known after apply.

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
  # Mocked documents are random strings, which IAM resources refuse; the
  # statements themselves are asserted on the data sources' arguments.
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

override_resource {
  target          = aws_kms_key.this[0]
  override_during = plan
  values = {
    arn    = "arn:aws:kms:ap-northeast-1:123456789012:key/cccccccc-0000-0000-0000-000000000000"
    key_id = "cccccccc-0000-0000-0000-000000000000"
  }
}
override_resource {
  target          = aws_lambda_function.this["api"]
  override_during = plan
  values          = { version = "7", arn = "arn:aws:lambda:ap-northeast-1:123456789012:function:opsdeck-api" }
}
override_resource {
  target          = aws_lambda_function.this["worker"]
  override_during = plan
  values          = { version = "3", arn = "arn:aws:lambda:ap-northeast-1:123456789012:function:opsdeck-worker" }
}
override_resource {
  target          = aws_lambda_alias.live["worker"]
  override_during = plan
  values          = { arn = "arn:aws:lambda:ap-northeast-1:123456789012:function:opsdeck-worker:live" }
}
override_resource {
  target          = aws_lambda_alias.live["api"]
  override_during = plan
  values = {
    arn        = "arn:aws:lambda:ap-northeast-1:123456789012:function:opsdeck-api:live"
    invoke_arn = "arn:aws:apigateway:ap-northeast-1:lambda:path/2015-03-31/functions/arn:aws:lambda:ap-northeast-1:123456789012:function:opsdeck-api:live/invocations"
  }
}
override_resource {
  target          = aws_api_gateway_rest_api.this[0]
  override_during = plan
  values = {
    id               = "a1b2c3d4e5"
    root_resource_id = "rootid0001"
    execution_arn    = "arn:aws:execute-api:ap-northeast-1:123456789012:a1b2c3d4e5"
  }
}
override_resource {
  target          = aws_cloudwatch_log_group.api_access[0]
  override_during = plan
  values          = { arn = "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/apigateway/opsdeck/access" }
}
override_resource {
  target          = aws_cloudwatch_log_group.state_machine[0]
  override_during = plan
  values          = { arn = "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/vendedlogs/states/opsdeck-workflow" }
}

variables {
  app_version        = "v1.4.2"
  artifacts          = { bucket = "opsdeck-artifacts" }
  subnet_ids         = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
  security_group_ids = ["sg-0aaaaaaaaaaaaaaaa"]
  secrets = {
    arns         = ["arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:opsdeck/jwt-signing-secret-AbCdEf"]
    kms_key_arns = ["arn:aws:kms:ap-northeast-1:123456789012:key/55555555-0000-0000-0000-000000000000"]
  }
}

run "seed_defaults" {
  command = plan

  # R1.2-a/b: 512 MB; 30 s for API functions, 900 s for Step Functions tasks.
  assert {
    condition     = aws_lambda_function.this["api"].memory_size == 512 && aws_lambda_function.this["worker"].memory_size == 512
    error_message = "Functions must default to 512 MB (R1.2-a)."
  }
  assert {
    condition     = aws_lambda_function.this["api"].timeout == 30 && aws_lambda_function.this["worker"].timeout == 900
    error_message = "API functions must default to 30 s and task functions to 900 s (R1.2-b)."
  }
  # R1.2-d, R3.3-a: X-Ray active.
  assert {
    condition     = alltrue([for f in aws_lambda_function.this : f.tracing_config[0].mode == "Active"])
    error_message = "Every function must have X-Ray tracing Active (R1.2-d)."
  }
  # R1.2-e: in the private subnets with the Lambda security group.
  assert {
    condition = alltrue([for f in aws_lambda_function.this :
      toset(f.vpc_config[0].subnet_ids) == toset(["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]) &&
      toset(f.vpc_config[0].security_group_ids) == toset(["sg-0aaaaaaaaaaaaaaaa"])
    ])
    error_message = "Every function must run in the given subnets with the given security group (R1.2-e)."
  }
  # R1.2-f, R7.1-b: no reserved concurrency.
  assert {
    condition     = alltrue([for f in aws_lambda_function.this : f.reserved_concurrent_executions == -1])
    error_message = "Functions must have no reserved concurrency by default (R1.2-f)."
  }
  # R3.4-c: JSON logs into the module's own groups, with levels.
  assert {
    condition = (
      aws_lambda_function.this["api"].logging_config[0].log_format == "JSON" &&
      aws_lambda_function.this["api"].logging_config[0].log_group == "/aws/lambda/opsdeck-api" &&
      aws_lambda_function.this["api"].logging_config[0].application_log_level == "INFO" &&
      aws_lambda_function.this["api"].logging_config[0].system_log_level == "WARN"
    )
    error_message = "Functions must log JSON to /aws/lambda/<name>-<key> with INFO/WARN levels (R3.4-c)."
  }
  # R3.4-a/b, R4.4-d: log groups by the module, 30 days, KMS.
  assert {
    condition = alltrue([for g in concat(values(aws_cloudwatch_log_group.function), aws_cloudwatch_log_group.api_access, aws_cloudwatch_log_group.api_execution, aws_cloudwatch_log_group.state_machine) :
      g.retention_in_days == 30 && g.kms_key_id == "arn:aws:kms:ap-northeast-1:123456789012:key/cccccccc-0000-0000-0000-000000000000"
    ])
    error_message = "Every log group must keep 30 days and be encrypted with the module's key (R3.4-b, R4.4-d)."
  }
  assert {
    condition     = aws_cloudwatch_log_group.api_execution[0].name == "API-Gateway-Execution-Logs_a1b2c3d4e5/live"
    error_message = "The API execution log group must be created by the module under the name API Gateway writes to."
  }
  assert {
    condition     = aws_kms_key.this[0].enable_key_rotation && strcontains(aws_kms_key.this[0].policy, "/aws/lambda/opsdeck-api") && strcontains(aws_kms_key.this[0].policy, "API-Gateway-Execution-Logs_*/live")
    error_message = "The created key must rotate and let CloudWatch Logs use it for the module's log groups only."
  }
}

run "releases_are_versions" {
  command = plan

  # Code comes from s3://<bucket>/<prefix>/<app_version>/<key>.zip; every apply publishes.
  assert {
    condition     = aws_lambda_function.this["api"].s3_bucket == "opsdeck-artifacts" && aws_lambda_function.this["api"].s3_key == "opsdeck/v1.4.2/api.zip" && aws_lambda_function.this["worker"].s3_key == "opsdeck/v1.4.2/worker.zip"
    error_message = "Artifacts must be read from <prefix>/<app_version>/<function>.zip of the artifact bucket."
  }
  assert {
    condition     = alltrue([for f in aws_lambda_function.this : f.publish && f.environment[0].variables["APP_VERSION"] == "v1.4.2"])
    error_message = "Every function must publish a version and know its release (APP_VERSION)."
  }
  assert {
    condition     = aws_lambda_alias.live["api"].name == "live" && aws_lambda_alias.live["api"].function_version == "7" && aws_lambda_alias.live["worker"].function_version == "3"
    error_message = "The live alias must point to the version this apply published."
  }
  assert {
    condition     = output.artifact_keys == { api = "opsdeck/v1.4.2/api.zip", worker = "opsdeck/v1.4.2/worker.zip" }
    error_message = "artifact_keys must report the keys read."
  }
}

run "rollback_is_the_previous_version" {
  command = plan

  variables {
    app_version = "v1.4.1"
    artifacts   = { bucket = "opsdeck-artifacts", prefix = "releases/opsdeck" }
  }

  assert {
    condition     = aws_lambda_function.this["api"].s3_key == "releases/opsdeck/v1.4.1/api.zip" && aws_lambda_alias.live["api"].description == "Release v1.4.1"
    error_message = "Applying the previous version must read the previous artifacts and label the alias with it."
  }
  assert {
    condition     = aws_api_gateway_stage.this[0].variables["app_version"] == "v1.4.1"
    error_message = "The stage must carry the release it serves."
  }
}

run "least_privilege_roles" {
  command = plan

  assert {
    condition     = alltrue([for d in values(data.aws_iam_policy_document.function) : alltrue([for s in d.statement : !contains(s.actions, "*") && !contains(s.actions, "logs:*")])])
    error_message = "No execution role statement may allow \"*\" actions (R4.1-a)."
  }
  assert {
    condition = alltrue([for s in data.aws_iam_policy_document.function["api"].statement :
      s.resources == toset(["arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/lambda/opsdeck-api:*"]) if s.sid == "WriteOwnLogGroup"
    ])
    error_message = "A function may write only to its own log group (R4.1-d)."
  }
  assert {
    condition = alltrue([for s in data.aws_iam_policy_document.function["api"].statement :
      s.resources == toset(["arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:opsdeck/jwt-signing-secret-AbCdEf"]) if s.sid == "ReadGivenSecrets"
      ]) && alltrue([for s in data.aws_iam_policy_document.function["api"].statement :
      s.resources == toset(["arn:aws:kms:ap-northeast-1:123456789012:key/55555555-0000-0000-0000-000000000000"]) if s.sid == "DecryptGivenSecrets"
    ])
    error_message = "A function may read exactly the given secrets and decrypt with exactly their keys (R4.1-c)."
  }
  assert {
    condition     = toset([for s in data.aws_iam_policy_document.function["api"].statement : s.sid]) == toset(["WriteOwnLogGroup", "WriteTraces", "DescribeNetworkInterfaces", "CreateNetworkInterfacesInOwnSubnets", "ManageOwnNetworkInterfaces", "ReadGivenSecrets", "DecryptGivenSecrets"])
    error_message = "Execution roles must hold exactly logs, X-Ray, VPC interfaces and the given secrets."
  }
  assert {
    condition = alltrue([for s in data.aws_iam_policy_document.function["api"].statement :
      alltrue([for r in s.resources : strcontains(r, ":subnet/subnet-0a1b2c3d4e5f6000") || strcontains(r, ":security-group/sg-0aaaaaaaaaaaaaaaa") || endswith(r, ":network-interface/*")]) if s.sid == "CreateNetworkInterfacesInOwnSubnets"
    ])
    error_message = "Network interfaces may be created only in the given subnets and security groups."
  }
  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.state_machine[0].statement : s.resources == toset(["arn:aws:lambda:ap-northeast-1:123456789012:function:opsdeck-worker:live"]) if s.sid == "InvokeLiveAliases"])
    error_message = "The state machine may invoke only the live aliases of its task functions."
  }
}

run "api_gateway_rest" {
  command = plan

  # R3.3-b: X-Ray on the stage (REST API); R3.4-c, R8.1-b: JSON access logs.
  assert {
    condition     = aws_api_gateway_stage.this[0].xray_tracing_enabled && aws_api_gateway_stage.this[0].stage_name == "live"
    error_message = "The stage must have X-Ray tracing on (R3.3-b)."
  }
  assert {
    condition     = aws_api_gateway_stage.this[0].access_log_settings[0].destination_arn == "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/apigateway/opsdeck/access" && can(jsondecode(aws_api_gateway_stage.this[0].access_log_settings[0].format).requestId)
    error_message = "The stage must write JSON access logs to the module's access log group."
  }
  # R6.2-a: 100 req/s; execution logging on; no data trace.
  assert {
    condition = (
      aws_api_gateway_method_settings.all[0].method_path == "*/*" &&
      aws_api_gateway_method_settings.all[0].settings[0].throttling_rate_limit == 100 &&
      aws_api_gateway_method_settings.all[0].settings[0].throttling_burst_limit == 200 &&
      aws_api_gateway_method_settings.all[0].settings[0].logging_level == "ERROR" &&
      aws_api_gateway_method_settings.all[0].settings[0].metrics_enabled &&
      !aws_api_gateway_method_settings.all[0].settings[0].data_trace_enabled
    )
    error_message = "Method settings must throttle at 100 req/s (burst 200), log errors and record metrics, without data trace (R6.2-a)."
  }
  assert {
    condition     = aws_api_gateway_rest_api.this[0].endpoint_configuration[0].types == tolist(["REGIONAL"])
    error_message = "The REST API must be regional by default."
  }
  # R6.3-d: a health route through the live alias.
  assert {
    condition     = aws_api_gateway_resource.health[0].path_part == "health" && aws_api_gateway_method.this["health"].http_method == "GET"
    error_message = "The API must have a GET /health route (R6.3-d)."
  }
  assert {
    condition     = alltrue([for i in aws_api_gateway_integration.this : i.type == "AWS_PROXY" && endswith(i.uri, "function:opsdeck-api:live/invocations")])
    error_message = "Every route must be a Lambda proxy integration through the live alias."
  }
  assert {
    condition     = aws_lambda_permission.api[0].qualifier == "live" && aws_lambda_permission.api[0].source_arn == "arn:aws:execute-api:ap-northeast-1:123456789012:a1b2c3d4e5/live/*/*"
    error_message = "API Gateway may invoke only the live alias, from this API's stage only."
  }
  assert {
    condition     = length(aws_api_gateway_account.this) == 1 && length(aws_wafv2_web_acl_association.api) == 0
    error_message = "The account's API Gateway logging role is managed by default and no WAF is associated without a web ACL."
  }
}

run "step_functions" {
  command = plan

  assert {
    condition     = aws_sfn_state_machine.this[0].type == "STANDARD" && aws_sfn_state_machine.this[0].name == "opsdeck-workflow" && aws_sfn_state_machine.this[0].publish
    error_message = "The state machine must be a standard workflow named <name>-workflow that publishes versions."
  }
  assert {
    condition     = aws_sfn_state_machine.this[0].tracing_configuration[0].enabled
    error_message = "The state machine must have X-Ray tracing on."
  }
  assert {
    condition     = aws_sfn_state_machine.this[0].logging_configuration[0].level == "ALL" && aws_sfn_state_machine.this[0].logging_configuration[0].log_destination == "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/vendedlogs/states/opsdeck-workflow:*"
    error_message = "The state machine must log all events to its KMS log group."
  }
  assert {
    condition     = aws_sfn_state_machine.this[0].encryption_configuration[0].type == "CUSTOMER_MANAGED_KMS_KEY" && aws_sfn_state_machine.this[0].encryption_configuration[0].kms_key_id == "arn:aws:kms:ap-northeast-1:123456789012:key/cccccccc-0000-0000-0000-000000000000"
    error_message = "The state machine must encrypt its data with the module's key."
  }
  assert {
    condition     = jsondecode(aws_sfn_state_machine.this[0].definition).StartAt == "worker" && jsondecode(aws_sfn_state_machine.this[0].definition).States.worker.Parameters.FunctionName == "arn:aws:lambda:ap-northeast-1:123456789012:function:opsdeck-worker:live"
    error_message = "The default definition must run the task functions through their live aliases."
  }
}

run "given_key_and_nothing_optional" {
  command = plan

  variables {
    kms_key_arn   = "arn:aws:kms:ap-northeast-1:123456789012:key/eeeeeeee-0000-0000-0000-000000000000"
    api           = { enabled = false }
    state_machine = { enabled = false }
    secrets       = {}
    functions     = { jobs = { kind = "task", memory_size = 1024, reserved_concurrent_executions = 5 } }
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && alltrue([for g in aws_cloudwatch_log_group.function : g.kms_key_id == "arn:aws:kms:ap-northeast-1:123456789012:key/eeeeeeee-0000-0000-0000-000000000000"])
    error_message = "A given key must be used and none created."
  }
  assert {
    condition     = length(aws_api_gateway_rest_api.this) == 0 && length(aws_sfn_state_machine.this) == 0 && length(aws_iam_role.apigateway_cloudwatch) == 0
    error_message = "Disabled parts must build nothing."
  }
  assert {
    condition     = aws_lambda_function.this["jobs"].memory_size == 1024 && aws_lambda_function.this["jobs"].reserved_concurrent_executions == 5 && aws_lambda_function.this["jobs"].timeout == 900
    error_message = "Per-function settings must apply."
  }
  assert {
    condition     = !anytrue([for s in data.aws_iam_policy_document.function["jobs"].statement : contains(["ReadGivenSecrets", "DecryptGivenSecrets"], s.sid)])
    error_message = "Without secrets no secret may be readable."
  }
}
