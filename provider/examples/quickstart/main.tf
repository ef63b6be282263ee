# The smallest configuration that uses both providers: opsdeck reads who it calls
# AWS as, hashicorp/aws creates an alarm topic encrypted with a customer key that
# CloudWatch may use (alarms cannot publish to a topic under alias/aws/sns).

provider "aws" {
  region      = var.region
  max_retries = var.max_retries
}

provider "opsdeck" {
  region      = var.region
  max_retries = var.max_retries
  default_tags = {
    Project     = "opsdeck"
    Environment = var.environment
  }
}

data "opsdeck_caller_identity" "current" {}

data "aws_iam_policy_document" "alarm_key" {
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.opsdeck_caller_identity.current.account_id}:root"]
    }
  }

  statement {
    sid       = "AlarmServicesEncrypt"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "alarms" {
  description         = "opsdeck quickstart: alarm topic"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.alarm_key.json
  tags                = { Environment = var.environment }
}

resource "aws_sns_topic" "alarms" {
  name              = "opsdeck-${var.environment}-alarms"
  kms_master_key_id = aws_kms_key.alarms.arn
  tags              = { Environment = var.environment }
}

# Who may publish: CloudWatch alarms and AWS Budgets, for this account only.
data "aws_iam_policy_document" "alarm_topic" {
  statement {
    sid       = "AlarmServicesPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.opsdeck_caller_identity.current.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarm_topic.json
}

# The seed's budget (R7.2-b): USD 100 a month on the costs tagged with this
# environment (R7.2-d), alerts at 50/80/100 % actual and 100 % forecasted to the topic.
# The resource checks at apply time that the topic policy and key let Budgets publish.
resource "opsdeck_cost_budget" "monthly" {
  name         = "opsdeck-${var.environment}-monthly"
  limit_usd    = var.monthly_budget_usd
  topic_arn    = aws_sns_topic.alarms.arn
  cost_filters = { TagKeyValue = [format("user:Environment$%s", var.environment)] }

  depends_on = [aws_sns_topic_policy.alarms]
}
