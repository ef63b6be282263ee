# Plan-level tests of modules/audit (R4.2-a..e, R8.2-a) with a mocked AWS provider.

mock_provider "aws" {
  override_data {
    target = data.aws_region.current
    values = { name = "ap-northeast-1" }
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
  assert {
    condition     = [for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s if s.Sid == "DenyInsecureTransport"][0].Condition == { Bool = { "aws:SecureTransport" = "false" } }
    error_message = "The bucket policy must deny requests without TLS."
  }
  assert {
    condition = (
      [for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s if s.Sid == "DenyDeletesExceptBreakGlass"][0].Effect == "Deny" &&
      toset([for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s if s.Sid == "DenyDeletesExceptBreakGlass"][0].Action) == toset(["s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:DeleteObject", "s3:DeleteObjectVersion"]) &&
      [for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s if s.Sid == "DenyDeletesExceptBreakGlass"][0].Condition == { ArnNotEquals = { "aws:PrincipalArn" = "arn:aws:iam::123456789012:role/break-glass" } }
    )
    error_message = "Deletes of logs, versions, the bucket and its policy must be denied to everyone but the break-glass role."
  }
  assert {
    condition = (
      [for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s if s.Sid == "CloudTrailWritesThisTrail"][0].Resource == "arn:aws:s3:::opsdeck-prod-cloudtrail-123456789012/AWSLogs/123456789012/*" &&
      [for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s if s.Sid == "CloudTrailWritesThisTrail"][0].Condition.StringEquals["aws:SourceArn"] == "arn:aws:cloudtrail:ap-northeast-1:123456789012:trail/opsdeck-prod"
    )
    error_message = "Only this trail may write, and only under AWSLogs/<account>/."
  }
  assert {
    condition     = [for s in jsondecode(aws_kms_key.this.policy).Statement : s if s.Sid == "CloudTrailEncryptsThisTrail"][0].Condition.StringEquals["aws:SourceArn"] == "arn:aws:cloudtrail:ap-northeast-1:123456789012:trail/opsdeck-prod"
    error_message = "The key may encrypt for this trail only."
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.cloudwatch_logs.policy).Statement[0].Action == ["logs:CreateLogStream", "logs:PutLogEvents"] && jsondecode(aws_iam_role_policy.cloudwatch_logs.policy).Statement[0].Resource == "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/cloudtrail/opsdeck-prod:log-stream:*"
    error_message = "The delivery role may write streams of the trail's group only."
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
