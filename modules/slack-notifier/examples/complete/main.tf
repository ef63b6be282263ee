# The whole Slack route: the webhook in Secrets Manager (never in the state), the
# notifier function from this module, and the opsdeck topic that alarms, budgets
# and EventBridge publish to, subscribed to the function.

provider "aws" {
  region = var.region
}

provider "opsdeck" {
  region = var.region
}

locals {
  tags = {
    Project     = "opsdeck"
    Environment = "example"
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

# The webhook's own key (R4.4-c, P6); its policy delegates to IAM (written out rather
# than left to the default), and the notifier's role may decrypt with it through
# Secrets Manager only.
resource "aws_kms_key" "webhook" {
  description             = "opsdeck example: the Slack webhook secret"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  tags                    = local.tags
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministersThroughIam"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

resource "aws_secretsmanager_secret" "webhook" {
  #checkov:skip=CKV2_AWS_57:A Slack webhook URL cannot be rotated by a Lambda function; it is replaced by hand in Slack, then stored with a new webhook_url_version.
  name_prefix             = "opsdeck-example-slack-webhook-"
  description             = "Slack incoming-webhook URL read by the opsdeck Slack notifier"
  kms_key_id              = aws_kms_key.webhook.arn
  recovery_window_in_days = 7
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "webhook" {
  secret_id                = aws_secretsmanager_secret.webhook.id
  secret_string_wo         = var.webhook_url
  secret_string_wo_version = var.webhook_url_version
}

module "slack_notifier" {
  source = "../../"

  name                       = "opsdeck-example-slack-notifier"
  lambda_zip                 = var.lambda_zip
  webhook_secret_arn         = aws_secretsmanager_secret.webhook.arn
  webhook_secret_kms_key_arn = aws_kms_key.webhook.arn
  default_dashboard          = "opsdeck-example"
  tags                       = local.tags
}

# No kms_key_arn: the resource creates a key whose policy lets cloudwatch,
# budgets and events use it (alias/opsdeck/sns/opsdeck-example-alarms).
resource "opsdeck_slack_alarm_topic" "alarms" {
  name                  = "opsdeck-example-alarms"
  webhook_secret_arn    = aws_secretsmanager_secret.webhook.arn
  notifier_function_arn = module.slack_notifier.function_arn
  send_test_message     = true
  tags                  = local.tags

  # The test message needs the webhook value in the secret.
  depends_on = [aws_secretsmanager_secret_version.webhook]
}
