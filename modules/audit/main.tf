data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id     = data.aws_caller_identity.current.account_id
  partition      = data.aws_partition.current.partition
  region         = data.aws_region.current.id
  bucket_name    = "${var.name}-cloudtrail-${local.account_id}"
  bucket_arn     = "arn:${local.partition}:s3:::${local.bucket_name}"
  log_group_name = "/aws/cloudtrail/${var.name}"
  log_group_arn  = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"
  # Known before the trail exists, so the key, bucket and role policies can name it.
  trail_arn = "arn:${local.partition}:cloudtrail:${local.region}:${local.account_id}:trail/${var.name}"

  # R4.2-e: object-level S3 operations on the application's buckets, Lambda invocations.
  lambda_data_values = var.data_event_lambda_function_arns == null ? ["arn:${local.partition}:lambda"] : var.data_event_lambda_function_arns
  data_resources = concat(
    length(var.data_event_bucket_arns) == 0 ? [] : [{ type = "AWS::S3::Object", values = [for b in var.data_event_bucket_arns : "${b}/"] }],
    length(local.lambda_data_values) == 0 ? [] : [{ type = "AWS::Lambda::Function", values = local.lambda_data_values }],
  )

  # Who may delete trail logs, their versions, or the bucket: the break-glass role only.
  protected_actions = ["s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:DeleteObject", "s3:DeleteObjectVersion"]
}

################################################################################
# KMS key: encrypts the log files (CloudTrail) and their CloudWatch Logs copy
################################################################################

resource "aws_kms_key" "this" {
  description             = "${var.name}: CloudTrail log files and their CloudWatch Logs copy"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudTrailEncryptsThisTrail"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "kms:GenerateDataKey*"
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceArn" = local.trail_arn }
          StringLike   = { "kms:EncryptionContext:aws:cloudtrail:arn" = "arn:${local.partition}:cloudtrail:*:${local.account_id}:trail/*" }
        }
      },
      {
        Sid       = "CloudTrailDescribesTheKey"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "kms:DescribeKey"
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceArn" = local.trail_arn } }
      },
      {
        Sid       = "CloudWatchLogsUseTheKeyForTheTrailGroup"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = { ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = local.log_group_arn } }
      },
    ]
  })
  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = var.kms_alias_use_name_prefix ? null : "alias/${var.name}-cloudtrail"
  name_prefix   = var.kms_alias_use_name_prefix ? "alias/${var.name}-cloudtrail-" : null
  target_key_id = aws_kms_key.this.key_id
}

################################################################################
# The trail's bucket (R4.2-c): private, TLS only, versioned, archived, deletes denied
################################################################################

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:This bucket holds the audit trail itself; logging its own access would log into itself. CloudTrail data events of the application buckets are recorded by this trail.
  #checkov:skip=CKV_AWS_144:Cross-region replication is out of the seed's scope; the trail is multi-region and the files are integrity-checked (log file validation).
  #checkov:skip=CKV2_AWS_62:Nothing reacts to new log files; the CloudWatch Logs copy is what alerting reads.
  bucket        = local.bucket_name
  force_destroy = var.log_bucket.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.this.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "archive-then-expire"
    status = "Enabled"
    filter {}

    transition {
      days          = var.log_bucket.archive_after_days
      storage_class = "GLACIER"
    }
    expiration {
      days = var.log_bucket.expire_after_days
    }
    noncurrent_version_expiration {
      noncurrent_days = var.log_bucket.noncurrent_expire_after_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "CloudTrailChecksTheBucketAcl"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "s3:GetBucketAcl"
        Resource  = local.bucket_arn
        Condition = { StringEquals = { "aws:SourceArn" = local.trail_arn } }
      },
      {
        Sid       = "CloudTrailWritesThisTrail"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "${local.bucket_arn}/AWSLogs/${local.account_id}/*"
        Condition = {
          StringEquals = {
            "s3:x-amz-acl"  = "bucket-owner-full-control"
            "aws:SourceArn" = local.trail_arn
          }
        }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "DenyDeletesExceptBreakGlass"
        Effect    = "Deny"
        Principal = "*"
        Action    = local.protected_actions
        Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
        Condition = { ArnNotEquals = { "aws:PrincipalArn" = var.break_glass_role_arn } }
      },
    ]
  })

  depends_on = [aws_s3_bucket_public_access_block.this]
}

################################################################################
# CloudWatch Logs copy (R8.2-a searchable, alarms possible): 30 days, KMS
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:The searchable copy is kept 30 days by requirement (R3.4-b); the bucket keeps the files for years.
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = aws_kms_key.this.arn
  tags              = var.tags
}

resource "aws_iam_role" "cloudwatch_logs" {
  # IAM names are global to the account (every region): by default a prefix
  # of at most 38 characters (IAM's limit) and a unique suffix.
  name                 = var.role_use_name_prefix ? null : "${var.name}-cloudtrail-logs"
  name_prefix          = var.role_use_name_prefix ? "${substr(var.name, 0, 21)}-cloudtrail-logs-" : null
  description          = "CloudTrail ${var.name} delivers its events to ${local.log_group_name}"
  permissions_boundary = var.permissions_boundary
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "CloudTrailOfThisTrail"
      Effect    = "Allow"
      Principal = { Service = "cloudtrail.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = {
          "aws:SourceAccount" = local.account_id
          "aws:SourceArn"     = local.trail_arn
        }
      }
    }]
  })
  tags = merge(var.tags, { Name = "${var.name}-cloudtrail-logs" })

  # The trail switches to the new role before the old one goes.
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_iam_role_policy" "cloudwatch_logs" {
  name = "deliver-to-${var.name}-log-group"
  role = aws_iam_role.cloudwatch_logs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "WriteTheTrailLogGroup"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "${aws_cloudwatch_log_group.this.arn}:log-stream:*"
    }]
  })
}

################################################################################
# The trail (R4.2-a..e, R8.2-a)
################################################################################

resource "aws_cloudtrail" "this" {
  #checkov:skip=CKV_AWS_252:No SNS notification per log file: nothing consumes it; alerting reads the CloudWatch Logs copy.
  name                          = var.name
  s3_bucket_name                = aws_s3_bucket.this.id
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
  kms_key_id                    = aws_kms_key.this.arn
  cloud_watch_logs_group_arn    = "${aws_cloudwatch_log_group.this.arn}:*"
  cloud_watch_logs_role_arn     = aws_iam_role.cloudwatch_logs.arn

  event_selector {
    read_write_type           = "All"
    include_management_events = true

    dynamic "data_resource" {
      for_each = local.data_resources
      content {
        type   = data_resource.value.type
        values = data_resource.value.values
      }
    }
  }

  tags = var.tags

  depends_on = [aws_s3_bucket_policy.this, aws_iam_role_policy.cloudwatch_logs]
}
