# Plan-level tests of the seed's compute (R1.2, R3.3-a/b, R3.4-a/b/c, R4.1, R4.4-d, R6.2-a,
# R6.3-d) and of issue 16 (authorizer, WAF, account role, names) against a mocked AWS
# provider: no credentials, no emulator. Values the assertions compare are pinned with
# override_during = plan, since mocked computed values are otherwise only known after apply.
# The IAM policies are rendered by the module itself (jsonencode, no mocked
# aws_iam_policy_document), so the assertions read the exact JSON attached to the roles.

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
  target          = aws_api_gateway_stage.this[0]
  override_during = plan
  values = {
    arn        = "arn:aws:apigateway:ap-northeast-1::/restapis/a1b2c3d4e5/stages/live"
    invoke_url = "https://a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com/live"
  }
}
override_resource {
  target          = aws_cloudwatch_log_group.state_machine[0]
  override_during = plan
  values          = { arn = "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/vendedlogs/states/opsdeck-workflow" }
}

variables {
  name               = "opsdeck"
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
    condition     = aws_kms_key.this[0].enable_key_rotation
    error_message = "The created key must rotate."
  }
  # Issue 16, finding 5: the exact key policy, every principal, action and log group.
  assert {
    condition = jsondecode(aws_kms_key.this[0].policy).Statement == [
      {
        Sid       = "AccountAdministersThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::123456789012:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsUsesKeyForModuleLogGroups"
        Effect    = "Allow"
        Principal = { Service = "logs.ap-northeast-1.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = { ArnLike = { "kms:EncryptionContext:aws:logs:arn" = [
          "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/lambda/opsdeck-api",
          "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/lambda/opsdeck-worker",
          "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/apigateway/opsdeck/access",
          "arn:aws:logs:ap-northeast-1:123456789012:log-group:API-Gateway-Execution-Logs_*/live",
          "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/vendedlogs/states/opsdeck-workflow",
        ] } }
      },
      {
        Sid       = "LogDeliveryDecryptsStateMachineData"
        Effect    = "Allow"
        Principal = { Service = "delivery.logs.amazonaws.com" }
        Action    = "kms:Decrypt"
        Resource  = "*"
        Condition = { StringEquals = { "kms:EncryptionContext:aws:states:stateMachineArn" = "arn:aws:states:ap-northeast-1:123456789012:stateMachine:opsdeck-workflow" } }
      },
    ]
    error_message = "The created key must be administered through IAM, usable by CloudWatch Logs for the module's log groups only, and by log delivery for this state machine's data only."
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

  # The exact policy each execution role gets: every action and every resource. An added
  # statement, action or resource ("dynamodb:*", Resource "*") or a missing one fails.
  assert {
    condition = jsondecode(aws_iam_role_policy.function["api"].policy).Statement == [
      {
        Sid      = "WriteOwnLogGroup"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/lambda/opsdeck-api:*"]
      },
      {
        Sid      = "WriteTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = ["*"]
      },
      {
        Sid      = "DescribeNetworkInterfaces"
        Effect   = "Allow"
        Action   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
        Resource = ["*"]
      },
      {
        Sid    = "CreateNetworkInterfacesInOwnSubnets"
        Effect = "Allow"
        Action = ["ec2:CreateNetworkInterface"]
        Resource = [
          "arn:aws:ec2:ap-northeast-1:123456789012:network-interface/*",
          "arn:aws:ec2:ap-northeast-1:123456789012:subnet/subnet-0a1b2c3d4e5f60001",
          "arn:aws:ec2:ap-northeast-1:123456789012:subnet/subnet-0a1b2c3d4e5f60002",
          "arn:aws:ec2:ap-northeast-1:123456789012:security-group/sg-0aaaaaaaaaaaaaaaa",
        ]
      },
      {
        Sid      = "ManageOwnNetworkInterfaces"
        Effect   = "Allow"
        Action   = ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
        Resource = ["arn:aws:ec2:ap-northeast-1:123456789012:network-interface/*"]
      },
      {
        Sid      = "ReadGivenSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        Resource = ["arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:opsdeck/jwt-signing-secret-AbCdEf"]
      },
      {
        Sid       = "DecryptGivenSecrets"
        Effect    = "Allow"
        Action    = ["kms:Decrypt"]
        Resource  = ["arn:aws:kms:ap-northeast-1:123456789012:key/55555555-0000-0000-0000-000000000000"]
        Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.ap-northeast-1.amazonaws.com" } }
      },
    ]
    error_message = "The api function's role must hold exactly: its own log group, X-Ray, its network interfaces in the given subnets and security groups, and exactly the given secrets and their keys (R4.1-a/c/d)."
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.function["worker"].policy).Statement[0].Resource == ["arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/lambda/opsdeck-worker:*"] && length(jsondecode(aws_iam_role_policy.function["worker"].policy).Statement) == 7
    error_message = "Each function may write only to its own log group (R4.1-d)."
  }
  # The state machine: invoking exactly the live alias of its task function is asserted by
  # value, so deleting InvokeLiveAliases (or widening it) fails here.
  assert {
    condition = jsondecode(aws_iam_role_policy.state_machine[0].policy).Statement == [
      {
        Sid      = "InvokeLiveAliases"
        Effect   = "Allow"
        Action   = ["lambda:InvokeFunction"]
        Resource = ["arn:aws:lambda:ap-northeast-1:123456789012:function:opsdeck-worker:live"]
      },
      {
        Sid    = "ConfigureLogDelivery"
        Effect = "Allow"
        Action = [
          "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
        ]
        Resource = ["*"]
      },
      {
        Sid      = "WriteTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
        Resource = ["*"]
      },
      {
        Sid       = "UseKeyForOwnData"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = ["arn:aws:kms:ap-northeast-1:123456789012:key/cccccccc-0000-0000-0000-000000000000"]
        Condition = { StringEquals = { "kms:EncryptionContext:aws:states:stateMachineArn" = "arn:aws:states:ap-northeast-1:123456789012:stateMachine:opsdeck-workflow" } }
      },
    ]
    error_message = "The state machine may invoke exactly the live alias of its task function, configure its log delivery, write traces and use the module's key for its own data."
  }
  assert {
    condition = (
      { for k, r in aws_iam_role.function : k => jsondecode(r.assume_role_policy).Statement } == {
        for k in ["api", "worker"] : k => [{
          Sid       = "LambdaOfThisAccount"
          Effect    = "Allow"
          Principal = { Service = "lambda.amazonaws.com" }
          Action    = ["sts:AssumeRole"]
          Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
        }]
      } &&
      jsondecode(aws_iam_role.state_machine[0].assume_role_policy).Statement == [{
        Sid       = "StepFunctionsOfThisAccount"
        Effect    = "Allow"
        Principal = { Service = "states.amazonaws.com" }
        Action    = ["sts:AssumeRole"]
        Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
      }]
    )
    error_message = "Only Lambda (or Step Functions) acting for this account may assume the roles (confused deputy)."
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
  # Issue 16, finding 1: the account-wide logging role is not this stack's by default.
  assert {
    condition     = length(module.apigateway_account) == 0 && output.apigateway_account_role_arn == null
    error_message = "The account's API Gateway logging role must not be managed by default (modules/apigateway-account owns it)."
  }
  assert {
    condition     = length(aws_wafv2_web_acl.api) == 0 && length(aws_wafv2_web_acl_association.api) == 0 && output.web_acl_arn == null
    error_message = "No web ACL by default."
  }
  # Without an authorizer the function authenticates (seed R1.4-b); health is open either way.
  assert {
    condition     = length(aws_api_gateway_authorizer.this) == 0 && length(aws_api_gateway_method.this) == 3 && alltrue([for m in aws_api_gateway_method.this : m.authorization == "NONE"]) && output.api_authorization_type == "NONE"
    error_message = "Without api.authorizer every route is left to the function."
  }
  assert {
    condition     = output.api_domain_name == "a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com" && output.api_origin_path == "/live" && output.api_health_url == "https://a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com/live/health"
    error_message = "The outputs must give CloudFront the API's host and origin path, and the checks the health URL."
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
    condition     = length(aws_api_gateway_rest_api.this) == 0 && length(aws_sfn_state_machine.this) == 0 && length(module.apigateway_account) == 0 && length(aws_wafv2_web_acl.api) == 0
    error_message = "Disabled parts must build nothing."
  }
  assert {
    condition     = aws_lambda_function.this["jobs"].memory_size == 1024 && aws_lambda_function.this["jobs"].reserved_concurrent_executions == 5 && aws_lambda_function.this["jobs"].timeout == 900
    error_message = "Per-function settings must apply."
  }
  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.function["jobs"].policy).Statement : s.Sid] == ["WriteOwnLogGroup", "WriteTraces", "DescribeNetworkInterfaces", "CreateNetworkInterfacesInOwnSubnets", "ManageOwnNetworkInterfaces"]
    error_message = "Without secrets no secret may be readable."
  }
}

# Issue 16, finding 5: a caller's policy reaches every execution role exactly as given
# (the module attaches the rendered JSON, nothing is added or dropped), and only there.
run "additional_policies_reach_every_role_verbatim" {
  command = plan

  variables {
    additional_policy_jsons = {
      db_connect = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"ConnectAsApp\",\"Effect\":\"Allow\",\"Action\":\"rds-db:connect\",\"Resource\":\"arn:aws:rds-db:ap-northeast-1:123456789012:dbuser:cluster-ABCDEFGHIJ/app\"}]}"
    }
  }

  assert {
    condition = { for k, p in aws_iam_role_policy.function_additional : k => "${p.name} ${jsonencode(jsondecode(p.policy))}" } == {
      "api/db_connect"    = "db_connect {\"Statement\":[{\"Action\":\"rds-db:connect\",\"Effect\":\"Allow\",\"Resource\":\"arn:aws:rds-db:ap-northeast-1:123456789012:dbuser:cluster-ABCDEFGHIJ/app\",\"Sid\":\"ConnectAsApp\"}],\"Version\":\"2012-10-17\"}"
      "worker/db_connect" = "db_connect {\"Statement\":[{\"Action\":\"rds-db:connect\",\"Effect\":\"Allow\",\"Resource\":\"arn:aws:rds-db:ap-northeast-1:123456789012:dbuser:cluster-ABCDEFGHIJ/app\",\"Sid\":\"ConnectAsApp\"}],\"Version\":\"2012-10-17\"}"
    }
    error_message = "Each additional policy must be attached, exactly as given, to every function's execution role and to nothing else."
  }
  assert {
    condition     = length(jsondecode(aws_iam_role_policy.state_machine[0].policy).Statement) == 4 && !strcontains(aws_iam_role_policy.state_machine[0].policy, "rds-db")
    error_message = "The state machine's role must not receive the functions' additional policies."
  }
}

# Issue 16, finding 2 (and issue 13): an authorizer in front of every route but the health
# check, routes under /api for CloudFront, and the execute-api URL closed to all but
# CloudFront by the module's web ACL.
run "lambda_authorizer_base_path_and_cloudfront_only" {
  command = plan

  variables {
    functions = {
      api        = { kind = "api" }
      worker     = { kind = "task" }
      authorizer = { kind = "authorizer" }
    }
    api = {
      base_path = "api"
      authorizer = {
        type                           = "TOKEN"
        function                       = "authorizer"
        identity_validation_expression = "^Bearer [-0-9A-Za-z._~+/]+=*$"
      }
    }
    api_origin_verify_secret = "0123456789abcdef0123456789abcdef"
  }

  override_resource {
    target          = aws_lambda_alias.live["authorizer"]
    override_during = plan
    values = {
      arn        = "arn:aws:lambda:ap-northeast-1:123456789012:function:opsdeck-authorizer:live"
      invoke_arn = "arn:aws:apigateway:ap-northeast-1:lambda:path/2015-03-31/functions/arn:aws:lambda:ap-northeast-1:123456789012:function:opsdeck-authorizer:live/invocations"
    }
  }
  override_resource {
    target          = aws_api_gateway_authorizer.this[0]
    override_during = plan
    values          = { id = "auth01" }
  }
  override_resource {
    target          = aws_api_gateway_resource.base[0]
    override_during = plan
    values          = { id = "baseid0001" }
  }
  override_resource {
    target          = aws_wafv2_web_acl.api[0]
    override_during = plan
    values          = { arn = "arn:aws:wafv2:ap-northeast-1:123456789012:regional/webacl/opsdeck-api/0001" }
  }

  assert {
    condition = (
      aws_api_gateway_authorizer.this[0].type == "TOKEN" &&
      aws_api_gateway_authorizer.this[0].authorizer_uri == "arn:aws:apigateway:ap-northeast-1:lambda:path/2015-03-31/functions/arn:aws:lambda:ap-northeast-1:123456789012:function:opsdeck-authorizer:live/invocations" &&
      aws_api_gateway_authorizer.this[0].identity_source == "method.request.header.Authorization" &&
      aws_api_gateway_authorizer.this[0].authorizer_result_ttl_in_seconds == 300 &&
      aws_api_gateway_authorizer.this[0].identity_validation_expression == "^Bearer [-0-9A-Za-z._~+/]+=*$"
    )
    error_message = "A TOKEN authorizer must call the authorizer function's live alias with the Authorization header."
  }
  assert {
    condition = { for k, m in aws_api_gateway_method.this : k => "${m.authorization}/${coalesce(m.authorizer_id, "-")}" } == {
      health = "NONE/-"
      proxy  = "CUSTOM/auth01"
      root   = "CUSTOM/auth01"
    }
    error_message = "Every route but the health check must go through the authorizer; the health check stays open (R6.3-d)."
  }
  assert {
    condition     = aws_lambda_permission.authorizer[0].source_arn == "arn:aws:execute-api:ap-northeast-1:123456789012:a1b2c3d4e5/authorizers/auth01" && aws_lambda_permission.authorizer[0].qualifier == "live" && aws_lambda_permission.authorizer[0].function_name == "opsdeck-authorizer"
    error_message = "API Gateway may invoke the authorizer's live alias, for this authorizer only."
  }
  assert {
    condition     = aws_lambda_function.this["authorizer"].timeout == 10
    error_message = "Authorizer functions default to 10 s."
  }
  # Routes under /api: /api (ANY), /api/{proxy+} (ANY), /api/health (GET).
  assert {
    condition = (
      aws_api_gateway_resource.base[0].path_part == "api" &&
      aws_api_gateway_resource.health[0].parent_id == "baseid0001" && aws_api_gateway_resource.proxy[0].parent_id == "baseid0001" &&
      aws_api_gateway_method.this["root"].resource_id == "baseid0001" &&
      output.api_health_url == "https://a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com/live/api/health" && output.api_base_path == "api"
    )
    error_message = "With base_path the routes must live under /api, the health check at /<stage>/api/health."
  }
  # The web ACL: the health check is allowed, then anything without CloudFront's header is
  # blocked, then the managed rule groups.
  assert {
    condition     = [for r in aws_wafv2_web_acl.api[0].rule : "${r.priority} ${r.name}"] == ["0 AllowHealthCheck", "1 RequireCloudFrontOriginHeader", "10 AWSManagedRulesCommonRuleSet", "11 AWSManagedRulesKnownBadInputsRuleSet"]
    error_message = "The web ACL must allow the health check, require CloudFront's header, then apply the managed rule groups."
  }
  assert {
    condition = one([for r in aws_wafv2_web_acl.api[0].rule : (
      length(r.action[0].block) == 1 &&
      r.statement[0].not_statement[0].statement[0].byte_match_statement[0].field_to_match[0].single_header[0].name == "x-origin-verify" &&
      r.statement[0].not_statement[0].statement[0].byte_match_statement[0].positional_constraint == "EXACTLY" &&
      nonsensitive(r.statement[0].not_statement[0].statement[0].byte_match_statement[0].search_string == "0123456789abcdef0123456789abcdef")
    ) if r.name == "RequireCloudFrontOriginHeader"])
    error_message = "Requests without the exact secret in x-origin-verify must be blocked."
  }
  assert {
    condition     = one([for r in aws_wafv2_web_acl.api[0].rule : r.statement[0].byte_match_statement[0].search_string == "/live/api/health" && length(r.action[0].allow) == 1 if r.name == "AllowHealthCheck"])
    error_message = "The health check path on the stage must stay reachable for the deploy checks."
  }
  assert {
    condition     = aws_wafv2_web_acl.api[0].scope == "REGIONAL" && length(aws_wafv2_web_acl.api[0].default_action[0].allow) == 1 && aws_wafv2_web_acl_association.api[0].web_acl_arn == "arn:aws:wafv2:ap-northeast-1:123456789012:regional/webacl/opsdeck-api/0001" && aws_wafv2_web_acl_association.api[0].resource_arn == "arn:aws:apigateway:ap-northeast-1::/restapis/a1b2c3d4e5/stages/live"
    error_message = "The module's regional web ACL must be associated with the stage."
  }
}

run "cognito_and_iam_authorizers" {
  command = plan

  variables {
    api = {
      authorizer = {
        type                   = "COGNITO_USER_POOLS"
        cognito_user_pool_arns = ["arn:aws:cognito-idp:ap-northeast-1:123456789012:userpool/ap-northeast-1_AbCdEf123"]
        authorization_scopes   = ["opsdeck/api"]
      }
      web_acl = { enabled = true, managed_rule_groups = ["AWSManagedRulesKnownBadInputsRuleSet"] }
    }
  }

  assert {
    condition     = aws_api_gateway_authorizer.this[0].type == "COGNITO_USER_POOLS" && aws_api_gateway_authorizer.this[0].provider_arns == toset(["arn:aws:cognito-idp:ap-northeast-1:123456789012:userpool/ap-northeast-1_AbCdEf123"]) && aws_api_gateway_authorizer.this[0].authorizer_uri == null
    error_message = "A Cognito authorizer must name the user pools."
  }
  assert {
    condition     = aws_api_gateway_method.this["proxy"].authorization == "COGNITO_USER_POOLS" && aws_api_gateway_method.this["proxy"].authorization_scopes == toset(["opsdeck/api"]) && aws_api_gateway_method.this["health"].authorization == "NONE" && length(aws_lambda_permission.authorizer) == 0
    error_message = "Routes must require the Cognito token with its scopes; health stays open; no Lambda permission for a Cognito authorizer."
  }
  assert {
    condition     = [for r in aws_wafv2_web_acl.api[0].rule : r.name] == ["AWSManagedRulesKnownBadInputsRuleSet"]
    error_message = "Without the origin secret the web ACL holds the managed rule groups only."
  }
}

run "iam_authorizer" {
  command = plan

  variables {
    api = { authorizer = { type = "AWS_IAM" } }
  }

  assert {
    condition     = length(aws_api_gateway_authorizer.this) == 0 && aws_api_gateway_method.this["root"].authorization == "AWS_IAM" && aws_api_gateway_method.this["proxy"].authorization == "AWS_IAM" && aws_api_gateway_method.this["health"].authorization == "NONE"
    error_message = "AWS_IAM needs no authorizer resource and guards every route but health."
  }
}

# Issue 16, finding 1: a stack that owns the account setting manages it through
# modules/apigateway-account, whose role writes any API's logs.
run "account_logging_role_on_request" {
  command = plan

  variables {
    api = { manage_account_cloudwatch_role = true }
  }

  assert {
    condition     = length(module.apigateway_account) == 1
    error_message = "manage_account_cloudwatch_role = true must manage the account setting."
  }
}

# Issue 16, finding 6: roles are named by prefix (IAM is global), with a boundary when
# given; the KMS alias can take a unique suffix too.
run "role_names_and_boundaries" {
  command = plan

  variables {
    role_permissions_boundary = "arn:aws:iam::123456789012:policy/platform-boundary"
    kms_alias_use_name_prefix = true
  }

  assert {
    condition = (
      aws_iam_role.function["api"].name_prefix == "opsdeck-api-" && aws_iam_role.function["worker"].name_prefix == "opsdeck-worker-" &&
      aws_iam_role.state_machine[0].name_prefix == "opsdeck-workflow-states-" &&
      aws_iam_role.function["api"].tags["Name"] == "opsdeck-api-lambda"
    )
    error_message = "Roles must be created with a name prefix (unique suffix) by default."
  }
  assert {
    condition     = length(concat(values(aws_iam_role.function), aws_iam_role.state_machine)) == 3 && alltrue([for r in concat(values(aws_iam_role.function), aws_iam_role.state_machine) : r.permissions_boundary == "arn:aws:iam::123456789012:policy/platform-boundary"])
    error_message = "Every role must carry the permissions boundary."
  }
  assert {
    condition     = aws_kms_alias.this[0].name_prefix == "alias/opsdeck-compute-"
    error_message = "kms_alias_use_name_prefix must give the alias a unique suffix."
  }
}

run "exact_role_names_on_request" {
  command = plan

  variables {
    role_use_name_prefix = false
  }

  assert {
    condition     = aws_iam_role.function["api"].name == "opsdeck-api-lambda" && aws_iam_role.state_machine[0].name == "opsdeck-workflow-states" && aws_kms_alias.this[0].name == "alias/opsdeck-compute"
    error_message = "role_use_name_prefix = false must name the roles exactly."
  }
}
