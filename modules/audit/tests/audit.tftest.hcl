# Plan-level tests of modules/audit (R4.2-a..e, R8.2-a) with a mocked AWS provider.

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
    values = { partition = "aws" }
  }
}

override_resource {
  target          = aws_cloudwatch_log_group.this
  override_during = plan
  values          = { arn = "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/cloudtrail/opsdeck-prod" }
}

override_resource {
  target          = aws_kms_key.this
  override_during = plan
  values          = { arn = "arn:aws:kms:ap-northeast-1:123456789012:key/dddddddd-0000-0000-0000-000000000000" }
}

override_resource {
  target          = aws_s3_bucket.this
  override_during = plan
  values          = { id = "opsdeck-prod-cloudtrail-123456789012", arn = "arn:aws:s3:::opsdeck-prod-cloudtrail-123456789012" }
}

variables {
  name                   = "opsdeck-prod"
  data_event_bucket_arns = ["arn:aws:s3:::opsdeck-prod-frontend-123456789012", "arn:aws:s3:::opsdeck-prod-artifacts"]
  break_glass_role_arn   = "arn:aws:iam::123456789012:role/break-glass"
}

run "trail_settings" {
  command = plan

  # R4.2-a/b/d: one multi-region trail with global service events and file validation.
  assert {
    condition     = aws_cloudtrail.this.is_multi_region_trail && aws_cloudtrail.this.include_global_service_events && aws_cloudtrail.this.enable_log_file_validation
    error_message = "R4.2-a/b/d: the trail must be multi-region, include global service events and validate its log files."
  }
  # R4.2-c, R4.4: in its own bucket, encrypted with its key, copied to CloudWatch Logs.
  assert {
    condition     = aws_cloudtrail.this.s3_bucket_name == "opsdeck-prod-cloudtrail-123456789012" && aws_cloudtrail.this.kms_key_id == "arn:aws:kms:ap-northeast-1:123456789012:key/dddddddd-0000-0000-0000-000000000000" && aws_cloudtrail.this.cloud_watch_logs_group_arn == "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/cloudtrail/opsdeck-prod:*"
    error_message = "R4.2-c: the trail must write to its bucket, KMS-encrypted, and deliver to its log group."
  }
  # R4.2-e: management events, S3 object events of the app buckets, Lambda invocations.
  assert {
    condition = (
      aws_cloudtrail.this.event_selector[0].include_management_events &&
      aws_cloudtrail.this.event_selector[0].read_write_type == "All" &&
      [for d in aws_cloudtrail.this.event_selector[0].data_resource : d.values if d.type == "AWS::S3::Object"][0] == tolist(["arn:aws:s3:::opsdeck-prod-frontend-123456789012/", "arn:aws:s3:::opsdeck-prod-artifacts/"]) &&
      [for d in aws_cloudtrail.this.event_selector[0].data_resource : d.values if d.type == "AWS::Lambda::Function"][0] == tolist(["arn:aws:lambda"])
    )
    error_message = "R4.2-e: the trail must record management events, object events of the application buckets and every Lambda invocation."
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.retention_in_days == 30 && aws_cloudwatch_log_group.this.kms_key_id == "arn:aws:kms:ap-northeast-1:123456789012:key/dddddddd-0000-0000-0000-000000000000"
    error_message = "The trail's log group must be kept 30 days and encrypted with the trail's key."
  }
}

run "bucket_is_private_versioned_archived_and_guarded" {
  command = plan

  assert {
    condition     = aws_s3_bucket_versioning.this.versioning_configuration[0].status == "Enabled" && aws_s3_bucket_public_access_block.this.block_public_policy && aws_s3_bucket_public_access_block.this.restrict_public_buckets
    error_message = "The trail bucket must be versioned and private."
  }
  assert {
    condition     = one(aws_s3_bucket_lifecycle_configuration.this.rule[0].transition).storage_class == "GLACIER" && one(aws_s3_bucket_lifecycle_configuration.this.rule[0].transition).days == 90 && aws_s3_bucket_lifecycle_configuration.this.rule[0].expiration[0].days == 2557
    error_message = "Log files must move to Glacier after 90 days and expire after seven years."
  }
  # Issue 16, finding 5: every policy of the module is asserted whole (each statement, action,
  # resource and condition), so an added statement or a widened action fails, where a look-up
  # of one statement by Sid let anything else through.
  assert {
    condition = jsondecode(aws_s3_bucket_policy.this.policy).Statement == [
      {
        Sid       = "CloudTrailChecksTheBucketAcl"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "s3:GetBucketAcl"
        Resource  = "arn:aws:s3:::opsdeck-prod-cloudtrail-123456789012"
        Condition = { StringEquals = { "aws:SourceArn" = "arn:aws:cloudtrail:ap-northeast-1:123456789012:trail/opsdeck-prod" } }
      },
      {
        Sid       = "CloudTrailWritesThisTrail"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "arn:aws:s3:::opsdeck-prod-cloudtrail-123456789012/AWSLogs/123456789012/*"
        Condition = { StringEquals = { "s3:x-amz-acl" = "bucket-owner-full-control", "aws:SourceArn" = "arn:aws:cloudtrail:ap-northeast-1:123456789012:trail/opsdeck-prod" } }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = ["arn:aws:s3:::opsdeck-prod-cloudtrail-123456789012", "arn:aws:s3:::opsdeck-prod-cloudtrail-123456789012/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "DenyDeletesExceptBreakGlass"
        Effect    = "Deny"
        Principal = "*"
        Action    = ["s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:DeleteObject", "s3:DeleteObjectVersion"]
        Resource  = ["arn:aws:s3:::opsdeck-prod-cloudtrail-123456789012", "arn:aws:s3:::opsdeck-prod-cloudtrail-123456789012/*"]
        Condition = { ArnNotEquals = { "aws:PrincipalArn" = "arn:aws:iam::123456789012:role/break-glass" } }
      },
    ]
    error_message = "The bucket policy must let only this trail check the ACL and write under AWSLogs/<account>/, deny requests without TLS, and deny deletes of logs, versions, the bucket and its policy to everyone but the break-glass role."
  }
  assert {
    condition = jsondecode(aws_kms_key.this.policy).Statement == [
      {
        Sid       = "AccountAdministersThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::123456789012:root" }
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
          StringEquals = { "aws:SourceArn" = "arn:aws:cloudtrail:ap-northeast-1:123456789012:trail/opsdeck-prod" }
          StringLike   = { "kms:EncryptionContext:aws:cloudtrail:arn" = "arn:aws:cloudtrail:*:123456789012:trail/*" }
        }
      },
      {
        Sid       = "CloudTrailDescribesTheKey"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "kms:DescribeKey"
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceArn" = "arn:aws:cloudtrail:ap-northeast-1:123456789012:trail/opsdeck-prod" } }
      },
      {
        Sid       = "CloudWatchLogsUseTheKeyForTheTrailGroup"
        Effect    = "Allow"
        Principal = { Service = "logs.ap-northeast-1.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = { ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/cloudtrail/opsdeck-prod" } }
      },
    ]
    error_message = "The key must be administered through IAM, used by this trail (encrypt, describe) and by CloudWatch Logs for the trail's log group only."
  }
  assert {
    condition = jsondecode(aws_iam_role_policy.cloudwatch_logs.policy).Statement == [{
      Sid      = "WriteTheTrailLogGroup"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/cloudtrail/opsdeck-prod:log-stream:*"
    }]
    error_message = "The delivery role may write streams of the trail's group only."
  }
  assert {
    condition = jsondecode(aws_iam_role.cloudwatch_logs.assume_role_policy).Statement == [{
      Sid       = "CloudTrailOfThisTrail"
      Effect    = "Allow"
      Principal = { Service = "cloudtrail.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = "123456789012", "aws:SourceArn" = "arn:aws:cloudtrail:ap-northeast-1:123456789012:trail/opsdeck-prod" } }
    }]
    error_message = "Only this trail, of this account, may assume the delivery role (confused deputy)."
  }
}

# Issue 16, finding 6: the role by name prefix (IAM names are global) with the Name tag, the
# boundary when given, the key alias with a unique suffix on request.
run "role_names_and_boundary" {
  command = plan

  assert {
    condition     = aws_iam_role.cloudwatch_logs.name_prefix == "opsdeck-prod-cloudtrail-logs-" && aws_iam_role.cloudwatch_logs.tags["Name"] == "opsdeck-prod-cloudtrail-logs" && aws_iam_role.cloudwatch_logs.permissions_boundary == null
    error_message = "The delivery role must be created with a name prefix by default."
  }
  assert {
    condition     = aws_kms_alias.this.name == "alias/opsdeck-prod-cloudtrail"
    error_message = "The key alias must be alias/<name>-cloudtrail by default."
  }
}

run "exact_names_boundary_and_alias_suffix_on_request" {
  command = plan

  variables {
    role_use_name_prefix      = false
    kms_alias_use_name_prefix = true
    permissions_boundary      = "arn:aws:iam::123456789012:policy/platform-boundary"
  }

  assert {
    condition     = aws_iam_role.cloudwatch_logs.name == "opsdeck-prod-cloudtrail-logs" && aws_iam_role.cloudwatch_logs.permissions_boundary == "arn:aws:iam::123456789012:policy/platform-boundary"
    error_message = "role_use_name_prefix = false must name the role exactly; the boundary must reach it."
  }
  assert {
    condition     = aws_kms_alias.this.name_prefix == "alias/opsdeck-prod-cloudtrail-"
    error_message = "kms_alias_use_name_prefix must give the alias a unique suffix."
  }
}

run "specific_functions_or_none" {
  command = plan

  variables {
    data_event_bucket_arns          = []
    data_event_lambda_function_arns = []
  }

  assert {
    condition     = length(aws_cloudtrail.this.event_selector[0].data_resource) == 0 && aws_cloudtrail.this.event_selector[0].include_management_events
    error_message = "Without buckets or functions the trail records management events only."
  }
}
