# Every validation rule of modules/audit, broken once.

mock_provider "aws" {
  override_data {
    target = data.aws_region.current
    values = { name = "ap-northeast-1" }
  }
  override_data {
    target = data.aws_caller_identity.current
    values = { account_id = "123456789012" }
  }
}

variables {
  break_glass_role_arn = "arn:aws:iam::123456789012:role/break-glass"
}

run "valid_inputs_plan" {
  command = plan
}

run "name_with_capitals" {
  command = plan
  variables { name = "OpsDeck" }
  expect_failures = [var.name]
}

run "bucket_name_instead_of_arn" {
  command = plan
  variables { data_event_bucket_arns = ["my-bucket"] }
  expect_failures = [var.data_event_bucket_arns]
}

run "qualified_function_arn" {
  command = plan
  variables { data_event_lambda_function_arns = ["arn:aws:lambda:ap-northeast-1:123456789012:function:f:live"] }
  expect_failures = [var.data_event_lambda_function_arns]
}

run "break_glass_user_not_role" {
  command = plan
  variables { break_glass_role_arn = "arn:aws:iam::123456789012:user/admin" }
  expect_failures = [var.break_glass_role_arn]
}

run "expiry_before_archive_minimum" {
  command = plan
  variables { log_bucket = { archive_after_days = 90, expire_after_days = 100 } }
  expect_failures = [var.log_bucket]
}

run "noncurrent_zero" {
  command = plan
  variables { log_bucket = { noncurrent_expire_after_days = 0 } }
  expect_failures = [var.log_bucket]
}

run "retention_not_a_logs_value" {
  command = plan
  variables { log_retention_in_days = 31 }
  expect_failures = [var.log_retention_in_days]
}

run "key_window_too_short" {
  command = plan
  variables { kms_key_deletion_window_in_days = 3 }
  expect_failures = [var.kms_key_deletion_window_in_days]
}

run "boundary_not_a_policy" {
  command = plan
  variables { permissions_boundary = "arn:aws:iam::123456789012:role/x" }
  expect_failures = [var.permissions_boundary]
}

run "reserved_tag_key" {
  command = plan
  variables { tags = { "aws:x" = "y" } }
  expect_failures = [var.tags]
}
