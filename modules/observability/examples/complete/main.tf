provider "aws" {
  region = var.region
}

provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"
}

provider "opsdeck" {
  region = var.region
}

data "aws_caller_identity" "current" {}

locals {
  tags = { Project = "opsdeck", Environment = "example" }
}

################################################################################
# Alarm topics the module notifies, one per region. envs/prod uses
# opsdeck_slack_alarm_topic (Slack); a KMS-encrypted topic that CloudWatch and Budgets
# may publish to is enough here (alarms cannot publish under alias/aws/sns).
################################################################################

data "aws_iam_policy_document" "alarm_key" {
  #checkov:skip=CKV_AWS_111:A key policy: "*" is the key itself, and the account administers it through IAM.
  #checkov:skip=CKV_AWS_356:A key policy: "*" is the key itself.
  #checkov:skip=CKV_AWS_109:A key policy: the account administers its own key through IAM.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
  statement {
    sid       = "AlarmServicesEncrypt"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com", "costalerts.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "alarms" {
  description             = "${var.name}: alarm topic"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy                  = data.aws_iam_policy_document.alarm_key.json
  tags                    = local.tags
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.alarms.arn
  tags              = local.tags
}

resource "aws_kms_key" "alarms_us_east_1" {
  provider = aws.us_east_1

  description             = "${var.name}: CloudFront alarm topic"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy                  = data.aws_iam_policy_document.alarm_key.json
  tags                    = local.tags
}

resource "aws_sns_topic" "alarms_us_east_1" {
  provider = aws.us_east_1

  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.alarms_us_east_1.arn
  tags              = local.tags
}

################################################################################
# The module, watching what modules/compute, database and edge would output.
################################################################################

module "observability" {
  source = "../../"

  name = var.name
  api  = { name = var.name, stage_name = "live" }
  functions = {
    for k in ["api", "worker"] : k => {
      function_name  = "${var.name}-${k}"
      log_group_name = aws_cloudwatch_log_group.function[k].name
    }
  }
  database           = { cluster_identifier = var.name }
  cloudfront         = { distribution_id = var.distribution_id }
  state_machine_arns = { workflow = "arn:aws:states:${var.region}:${data.aws_caller_identity.current.account_id}:stateMachine:${var.name}-workflow" }

  alarm_topic_arn           = aws_sns_topic.alarms.arn
  alarm_topic_arn_us_east_1 = aws_sns_topic.alarms_us_east_1.arn

  cost = { anomaly_monitor_tags = { Environment = "example" } }
  tags = local.tags
}

# The metric filters need the functions' log groups (modules/compute creates them).
resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_158:Example stand-in for modules/compute's KMS-encrypted groups.
  #checkov:skip=CKV_AWS_338:30 days, the seed's retention.
  for_each = toset(["api", "worker"])

  name              = "/aws/lambda/${var.name}-${each.key}"
  retention_in_days = 30
  tags              = local.tags
}
