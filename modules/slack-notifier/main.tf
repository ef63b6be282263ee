data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  region     = data.aws_region.current.id
  account_id = data.aws_caller_identity.current.account_id
  arn_prefix = "arn:${data.aws_partition.current.partition}"

  # A string, not the group's attribute, so the key policy can name the group
  # before the group (which needs the key) exists.
  log_group_name = "/aws/lambda/${var.name}"
  log_group_arn  = "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"

  create_kms_key = var.kms_key_arn == null
  kms_key_arn    = local.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_arn

  environment = merge(
    {
      WEBHOOK_SECRET_ARN = var.webhook_secret_arn
      SLACK_TIMEOUT_MS   = tostring(var.slack_timeout_ms)
      SLACK_MAX_ATTEMPTS = tostring(var.slack_max_attempts)
    },
    var.default_dashboard == null ? {} : { DEFAULT_DASHBOARD = var.default_dashboard },
  )

  # Least privilege (R4.1-a/c/d): read the one webhook secret (and decrypt it
  # with its key, only through Secrets Manager), write the function's own log
  # group, send failed events to its own queue (encrypting them with the
  # module's key, only through SQS), and write X-Ray traces when tracing is on.
  role_statements = concat(
    [
      {
        Sid      = "ReadTheWebhookSecret"
        Effect   = "Allow"
        Action   = "secretsmanager:GetSecretValue"
        Resource = var.webhook_secret_arn
      },
      {
        Sid      = "WriteOwnLogGroup"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${local.log_group_arn}:*"
      },
      {
        Sid      = "SendFailedEventsToOwnQueue"
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = aws_sqs_queue.failed.arn
      },
      {
        Sid       = "EncryptFailedEventsThroughSqs"
        Effect    = "Allow"
        Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = local.kms_key_arn
        Condition = { StringEquals = { "kms:ViaService" = "sqs.${local.region}.amazonaws.com" } }
      },
    ],
    var.webhook_secret_kms_key_arn == null ? [] : [{
      Sid       = "DecryptTheWebhookSecretThroughSecretsManager"
      Effect    = "Allow"
      Action    = "kms:Decrypt"
      Resource  = var.webhook_secret_kms_key_arn
      Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.${local.region}.amazonaws.com" } }
    }],
    var.tracing_mode == "Active" ? [{
      # X-Ray has no resource-level permissions: "*" is the only resource.
      Sid      = "WriteTraces"
      Effect   = "Allow"
      Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      Resource = "*"
    }] : [],
  )
}

################################################################################
# KMS key for the log group and the failed-event queue (R4.4-d, P6)
################################################################################

resource "aws_kms_key" "this" {
  count = local.create_kms_key ? 1 : 0

  description             = "${var.name}: logs and failed-event queue of the Slack notifier"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days

  # The account root statement delegates to IAM, as AWS's default policy does
  # (the function's role uses the key through IAM, for SQS). CloudWatch Logs
  # calls KMS as itself and may use the key for this function's group only.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "${local.arn_prefix}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsUsesKeyForTheFunctionLogGroup"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = { ArnLike = { "kms:EncryptionContext:aws:logs:arn" = local.log_group_arn } }
      },
    ]
  })

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  count = local.create_kms_key ? 1 : 0

  name          = var.kms_alias_use_name_prefix ? null : "alias/${var.name}"
  name_prefix   = var.kms_alias_use_name_prefix ? "alias/${var.name}-" : null
  target_key_id = aws_kms_key.this[0].key_id
}

################################################################################
# Logs (R3.4: CloudWatch Logs, 30 days, KMS)
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is 30 days by requirement (seed R3.4-b) to keep log storage cost down; callers can raise log_retention_in_days.
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.kms_key_arn

  tags = var.tags
}

################################################################################
# Failed events: the on-failure destination (nothing is dropped silently)
################################################################################

resource "aws_sqs_queue" "failed" {
  name                              = "${var.name}-failed"
  kms_master_key_id                 = local.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  # 14 days, SQS's maximum: time to notice, fix the webhook and redrive.
  message_retention_seconds = 1209600

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "failed" {
  count = length(var.failed_alarm_actions) > 0 ? 1 : 0

  alarm_name          = "${var.name}-failed-events"
  alarm_description   = "Slack notifications that could not be delivered are waiting in ${aws_sqs_queue.failed.name}: fix the webhook or Slack access, then redrive the queue."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.failed.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.failed_alarm_actions

  tags = var.tags
}

################################################################################
# Role (R4.1: least privilege)
################################################################################

resource "aws_iam_role" "this" {
  name                 = var.role_use_name_prefix ? null : var.name
  name_prefix          = var.role_use_name_prefix ? "${substr(var.name, 0, 37)}-" : null
  permissions_boundary = var.role_permissions_boundary
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "LambdaOfThisAccount"
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
      # Confused deputy: only Lambda functions of this account.
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })

  tags = merge(var.tags, { Name = var.name })

  # The function switches to the new role before the old one goes.
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.name}-least-privilege"
  role   = aws_iam_role.this.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.role_statements })
}

################################################################################
# Function (provided.al2023, the `bootstrap` zip of `cargo xtask lambda slack-notifier`)
################################################################################

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_115:No reserved concurrency by requirement (seed R1.2-f, R7.1-b): a reservation takes capacity from the account pool.
  #checkov:skip=CKV_AWS_116:Failed asynchronous events go to the on-failure destination (aws_lambda_function_event_invoke_config.this, an SQS queue), which keeps the whole invocation record; a dead-letter queue as well would hold every failure twice.
  #checkov:skip=CKV_AWS_117:Not in a VPC: the function reaches Slack and Secrets Manager over the internet and touches no private resource; a VPC would need a NAT gateway for nothing.
  #checkov:skip=CKV_AWS_173:The environment holds no secret (the webhook URL stays in Secrets Manager, only its ARN is here), so the AWS managed key Lambda encrypts it with at rest is enough.
  #checkov:skip=CKV_AWS_272:The zip is built by the project's own pipeline (cargo xtask lambda); code signing (AWS Signer) is not part of the seed's pipeline.
  function_name = var.name
  description   = "opsdeck Slack notifier: SNS alarms, budgets, Step Functions failures and deploy events to Slack Block Kit"
  role          = aws_iam_role.this.arn
  runtime       = "provided.al2023"
  handler       = "bootstrap"
  architectures = ["x86_64"]
  # A local zip (lambda_zip), or the release artifact in S3 (artifact), as
  # modules/compute reads its functions.
  filename         = var.lambda_zip
  s3_bucket        = try(var.artifact.bucket, null)
  s3_key           = try(var.artifact.key, null)
  source_code_hash = var.lambda_zip != null ? filebase64sha256(var.lambda_zip) : try(var.artifact.source_code_hash, null)
  memory_size      = var.memory_size
  timeout          = var.timeout

  environment {
    variables = local.environment
  }

  logging_config {
    # JSON: Lambda's own START/END/REPORT and platform lines become JSON
    # objects like the function's (which writes one JSON object per line,
    # with "level"), so one metric filter or Logs Insights query reads both
    # (R3.4-c), and the log levels below apply.
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this.name
    application_log_level = "INFO"
    system_log_level      = "WARN"
  }

  tracing_config {
    mode = var.tracing_mode
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.this]
}

# SNS invokes the function asynchronously: Lambda retries a failed event, then
# hands it to the queue with the error (Slack down, webhook revoked ...).
resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = var.maximum_retry_attempts
  maximum_event_age_in_seconds = var.maximum_event_age_in_seconds

  destination_config {
    on_failure {
      destination = aws_sqs_queue.failed.arn
    }
  }
}
