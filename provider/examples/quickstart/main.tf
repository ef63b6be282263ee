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
