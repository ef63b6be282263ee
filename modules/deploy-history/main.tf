data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  create_key  = var.kms_key_arn == null
  kms_key_arn = local.create_key ? aws_kms_key.this[0].arn : var.kms_key_arn

  # The key schema the opsdeck provider and CLI read and write
  # (provider/src/deploy_history/mod.rs): partition "<service>#<environment>",
  # sort "<deploy_id>" (time-ordered) or "<deploy_id>#event#<event_id>".
  partition_key = "pk"
  sort_key      = "sk"
}

################################################################################
# KMS key
################################################################################

resource "aws_kms_key" "this" {
  count = local.create_key ? 1 : 0

  description             = "${var.name}: deploy history table"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days

  # The account administers the key through IAM (AWS's default policy, with
  # its administrative actions spelled out: kms:Create* would include
  # CreateGrant, a use of the key), and principals of this account may use it
  # only through DynamoDB in this region: the key cannot decrypt anything
  # handed to KMS directly.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action = [
          "kms:CreateAlias",
          "kms:Describe*",
          "kms:Enable*",
          "kms:List*",
          "kms:Put*",
          "kms:Update*",
          "kms:Revoke*",
          "kms:Disable*",
          "kms:Get*",
          "kms:Delete*",
          "kms:TagResource",
          "kms:UntagResource",
          "kms:ScheduleKeyDeletion",
          "kms:CancelKeyDeletion",
          "kms:RotateKeyOnDemand",
        ]
        Resource = "*"
      },
      {
        Sid       = "AccountUsesKeyThroughDynamoDB"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action = [
          "kms:Encrypt",
          "kms:Decrypt",
          "kms:ReEncrypt*",
          "kms:GenerateDataKey*",
          "kms:CreateGrant",
          "kms:DescribeKey",
        ]
        Resource = "*"
        Condition = {
          StringEquals = {
            "kms:ViaService"    = "dynamodb.${data.aws_region.current.id}.amazonaws.com"
            "kms:CallerAccount" = data.aws_caller_identity.current.account_id
          }
        }
      },
    ]
  })

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_kms_alias" "this" {
  count = local.create_key ? 1 : 0

  name          = var.kms_alias_use_name_prefix ? null : "alias/${var.name}"
  name_prefix   = var.kms_alias_use_name_prefix ? "alias/${var.name}-" : null
  target_key_id = aws_kms_key.this[0].key_id
}

################################################################################
# History table
################################################################################

resource "aws_dynamodb_table" "this" {
  name = var.name
  # On demand: a few writes per deploy and reads per pipeline run cost
  # fractions of a cent a month, with no capacity to plan (R7.1).
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = local.partition_key
  range_key    = local.sort_key

  attribute {
    name = local.partition_key
    type = "S"
  }

  attribute {
    name = local.sort_key
    type = "S"
  }

  # Recovery to any second of the last 35 days (N1: RPO 1 hour).
  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = local.kms_key_arn
  }

  deletion_protection_enabled = var.deletion_protection_enabled

  tags = merge(var.tags, { Name = var.name })
}

################################################################################
# Policies for the pipeline's roles
################################################################################

# Append-only writers: the provider and `opsdeck history mark` put new items
# with a condition and read; nothing may update or delete history (R8.2-c).
# IAM cannot require the condition of a PutItem (no condition key for it), so
# a writer could still overwrite an item with an unconditional PutItem: see
# README, "Append-only", for why this stays and what would close it.
# A stack that sets retain_on_destroy = false also needs dynamodb:DeleteItem.
# Written with jsonencode (not aws_iam_policy_document) so the module's
# plan-level tests can read the statements.
locals {
  key_through_dynamodb = {
    StringEquals = { "kms:ViaService" = "dynamodb.${data.aws_region.current.id}.amazonaws.com" }
  }

  writer_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "AppendAndReadDeployHistory"
        Effect   = "Allow"
        Action   = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:DescribeTable"]
        Resource = aws_dynamodb_table.this.arn
      },
      {
        Sid       = "UseHistoryKeyThroughDynamoDB"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource  = local.kms_key_arn
        Condition = local.key_through_dynamodb
      },
    ]
  }

  reader_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadDeployHistory"
        Effect   = "Allow"
        Action   = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:DescribeTable"]
        Resource = aws_dynamodb_table.this.arn
      },
      {
        Sid       = "UseHistoryKeyThroughDynamoDB"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:DescribeKey"]
        Resource  = local.kms_key_arn
        Condition = local.key_through_dynamodb
      },
    ]
  }
}
