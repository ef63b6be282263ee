# Plan-level tests of the Slack notifier module (R1.4-e, R3.4-b/c/d, R4.1-a/c/d,
# R4.4-d, P6) against a mocked AWS provider: no credentials, no emulator. ARNs
# the assertions compare are pinned with override_during = plan.

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

  mock_resource "aws_kms_key" {
    override_during = plan
    defaults = {
      arn    = "arn:aws:kms:ap-northeast-1:123456789012:key/11111111-2222-3333-4444-555555555555"
      key_id = "11111111-2222-3333-4444-555555555555"
    }
  }
  mock_resource "aws_sqs_queue" {
    override_during = plan
    defaults = {
      arn = "arn:aws:sqs:ap-northeast-1:123456789012:opsdeck-slack-notifier-failed"
      url = "https://sqs.ap-northeast-1.amazonaws.com/123456789012/opsdeck-slack-notifier-failed"
    }
  }
  mock_resource "aws_iam_role" {
    override_during = plan
    defaults        = { arn = "arn:aws:iam::123456789012:role/opsdeck-slack-notifier" }
  }
  mock_resource "aws_lambda_function" {
    override_during = plan
    defaults        = { arn = "arn:aws:lambda:ap-northeast-1:123456789012:function:opsdeck-slack-notifier" }
  }
}

variables {
  name               = "opsdeck-slack-notifier"
  lambda_zip         = "tests/stub/bootstrap.zip"
  webhook_secret_arn = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:opsdeck/slack-webhook-AbCdEf"
}

run "function_runs_the_rust_bootstrap_on_al2023" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.runtime == "provided.al2023" && aws_lambda_function.this.handler == "bootstrap"
    error_message = "The notifier must run as provided.al2023 with the bootstrap executable."
  }
  assert {
    condition     = aws_lambda_function.this.architectures == tolist(["x86_64"])
    error_message = "The zip is built for x86_64 (glibc checked against AL2023): the function must be x86_64."
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables["WEBHOOK_SECRET_ARN"] == var.webhook_secret_arn
    error_message = "The function must read the webhook from the given secret."
  }
  # Issue 16, finding 5: this replaces a check for the absence of one key (WEBHOOK_URL) that
  # the module never wrote, which no input could fail. The environment is asserted exactly,
  # and no value may be a URL, whatever its key.
  assert {
    condition = aws_lambda_function.this.environment[0].variables == tomap({
      WEBHOOK_SECRET_ARN = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:opsdeck/slack-webhook-AbCdEf"
      SLACK_TIMEOUT_MS   = "5000"
      SLACK_MAX_ATTEMPTS = "4"
    })
    error_message = "The function's environment must hold exactly the secret's ARN and the Slack settings."
  }
  assert {
    condition     = !anytrue([for v in values(aws_lambda_function.this.environment[0].variables) : can(regex("(?i)^https?://|hooks\\.slack\\.com", v))])
    error_message = "The webhook URL (or any URL) must never be in the function's environment."
  }
  assert {
    condition     = coalesce(aws_lambda_function.this.reserved_concurrent_executions, -1) == -1
    error_message = "No reserved concurrency (seed R1.2-f)."
  }
  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "Active"
    error_message = "X-Ray tracing is on by default (seed R1.2-d)."
  }
  assert {
    condition     = aws_lambda_function.this.logging_config[0].log_group == "/aws/lambda/opsdeck-slack-notifier"
    error_message = "The function must log to its own group."
  }
  # Issue 16, item 8: JSON logs, like modules/compute's functions.
  assert {
    condition     = aws_lambda_function.this.logging_config[0].log_format == "JSON" && aws_lambda_function.this.logging_config[0].application_log_level == "INFO" && aws_lambda_function.this.logging_config[0].system_log_level == "WARN"
    error_message = "The function must log JSON (R3.4-c)."
  }
  assert {
    condition     = aws_lambda_function.this.filename == "tests/stub/bootstrap.zip" && aws_lambda_function.this.s3_bucket == null
    error_message = "lambda_zip must deploy the local zip."
  }
}

run "logs_and_failed_events_are_kept_encrypted" {
  command = plan

  assert {
    condition     = aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "Log retention must be 30 days (seed R3.4-b)."
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.kms_key_id == aws_kms_key.this[0].arn
    error_message = "The log group must be encrypted with the module's key (R4.4-d)."
  }
  assert {
    condition     = aws_sqs_queue.failed.kms_master_key_id == aws_kms_key.this[0].arn
    error_message = "The failed-event queue must be encrypted with the module's key (P6)."
  }
  assert {
    condition     = aws_sqs_queue.failed.message_retention_seconds == 1209600
    error_message = "Failed events must be kept 14 days, SQS's maximum."
  }
  assert {
    condition     = aws_lambda_function_event_invoke_config.this.destination_config[0].on_failure[0].destination == aws_sqs_queue.failed.arn
    error_message = "Events that fail after Lambda's retries must go to the queue."
  }
  assert {
    condition     = aws_lambda_function_event_invoke_config.this.maximum_retry_attempts == 2
    error_message = "Lambda must retry a failed event twice before giving it to the queue."
  }
  assert {
    condition     = aws_kms_key.this[0].enable_key_rotation
    error_message = "The created key must rotate."
  }
  # Issue 16, finding 5: the exact key policy (an anytrue over the statements let any extra
  # statement through).
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
        Sid       = "CloudWatchLogsUsesKeyForTheFunctionLogGroup"
        Effect    = "Allow"
        Principal = { Service = "logs.ap-northeast-1.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = { ArnLike = { "kms:EncryptionContext:aws:logs:arn" = "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/lambda/opsdeck-slack-notifier" } }
      },
    ]
    error_message = "The key must be administered through IAM and usable by CloudWatch Logs for the function's log group only."
  }
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.failed) == 0
    error_message = "No queue alarm without failed_alarm_actions."
  }
}

run "role_has_least_privilege" {
  command = plan

  # Issue 16, finding 5: the exact policy, every action and resource. This replaces an
  # assertion (Resource != "*" outside WriteTraces) that a list ["*"] passed whatever the
  # module did, and per-Sid checks that an extra statement or action passed.
  assert {
    condition = jsondecode(aws_iam_role_policy.this.policy).Statement == [
      {
        Sid      = "ReadTheWebhookSecret"
        Effect   = "Allow"
        Action   = "secretsmanager:GetSecretValue"
        Resource = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:opsdeck/slack-webhook-AbCdEf"
      },
      {
        Sid      = "WriteOwnLogGroup"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/lambda/opsdeck-slack-notifier:*"
      },
      {
        Sid      = "SendFailedEventsToOwnQueue"
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = "arn:aws:sqs:ap-northeast-1:123456789012:opsdeck-slack-notifier-failed"
      },
      {
        Sid       = "EncryptFailedEventsThroughSqs"
        Effect    = "Allow"
        Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = "arn:aws:kms:ap-northeast-1:123456789012:key/11111111-2222-3333-4444-555555555555"
        Condition = { StringEquals = { "kms:ViaService" = "sqs.ap-northeast-1.amazonaws.com" } }
      },
      {
        Sid      = "WriteTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      },
    ]
    error_message = "The role must hold exactly: read the secret, write its logs, send to its queue (and use the key for it through SQS), write traces."
  }
  # Issue 16, item 8: the trust policy names this account (confused deputy).
  assert {
    condition = jsondecode(aws_iam_role.this.assume_role_policy).Statement == [{
      Sid       = "LambdaOfThisAccount"
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
    }]
    error_message = "Only Lambda acting for this account may assume the role."
  }
  # Issue 16, finding 6: a name prefix (IAM is global) by default.
  assert {
    condition     = aws_iam_role.this.name_prefix == "opsdeck-slack-notifier-" && aws_iam_role.this.permissions_boundary == null
    error_message = "The role must be named by prefix by default."
  }
}

run "given_keys_are_used_and_scoped" {
  command = plan

  variables {
    kms_key_arn                = "arn:aws:kms:ap-northeast-1:123456789012:key/99999999-8888-7777-6666-555555555555"
    webhook_secret_kms_key_arn = "arn:aws:kms:ap-northeast-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    tracing_mode               = "PassThrough"
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && length(aws_kms_alias.this) == 0
    error_message = "A given kms_key_arn must not create a key."
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.kms_key_id == var.kms_key_arn && aws_sqs_queue.failed.kms_master_key_id == var.kms_key_arn
    error_message = "The given key must encrypt the log group and the queue."
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement :
      s if s.Sid == "DecryptTheWebhookSecretThroughSecretsManager"]) == {
      Sid       = "DecryptTheWebhookSecretThroughSecretsManager"
      Effect    = "Allow"
      Action    = "kms:Decrypt"
      Resource  = "arn:aws:kms:ap-northeast-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
      Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.ap-northeast-1.amazonaws.com" } }
    }
    error_message = "The role may decrypt with the secret's key, through Secrets Manager only."
  }
  assert {
    condition     = !contains([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Sid], "WriteTraces")
    error_message = "No X-Ray permissions when tracing is off."
  }
}

run "failed_events_can_page_someone" {
  command = plan

  variables {
    failed_alarm_actions = ["arn:aws:sns:ap-northeast-1:123456789012:oncall-email"]
    default_dashboard    = "opsdeck-prod"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.failed[0].dimensions["QueueName"] == "opsdeck-slack-notifier-failed" && aws_cloudwatch_metric_alarm.failed[0].threshold == 0
    error_message = "Any event in the failed-event queue must raise the alarm."
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables["DEFAULT_DASHBOARD"] == "opsdeck-prod"
    error_message = "default_dashboard must reach the function."
  }
}

# Issue 16, item 8: the zip from the release bucket, as modules/compute reads its functions.
run "release_artifact_in_s3" {
  command = plan

  variables {
    lambda_zip = null
    artifact = {
      bucket           = "opsdeck-artifacts"
      key              = "opsdeck/v1.4.2/slack-notifier.zip"
      source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    }
    role_use_name_prefix      = false
    role_permissions_boundary = "arn:aws:iam::123456789012:policy/platform-boundary"
  }

  assert {
    condition     = aws_lambda_function.this.s3_bucket == "opsdeck-artifacts" && aws_lambda_function.this.s3_key == "opsdeck/v1.4.2/slack-notifier.zip" && aws_lambda_function.this.filename == null && aws_lambda_function.this.source_code_hash == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    error_message = "artifact must deploy the zip from S3 with its hash."
  }
  assert {
    condition     = aws_iam_role.this.name == "opsdeck-slack-notifier" && aws_iam_role.this.permissions_boundary == "arn:aws:iam::123456789012:policy/platform-boundary"
    error_message = "role_use_name_prefix = false names the role exactly; the boundary must reach it."
  }
}
