# Every validation rule of modules/audit, broken once; rules of different inputs share a
# run (expect_failures lists exactly the inputs each run breaks).

mock_provider "aws" {
  override_data {
    target = data.aws_region.current
    values = { id = "ap-northeast-1", name = "ap-northeast-1" }
  }
  override_data {
    target = data.aws_caller_identity.current
    values = { account_id = "123456789012" }
  }
}

variables {
  name                 = "opsdeck-prod"
  break_glass_role_arn = "arn:aws:iam::123456789012:role/break-glass"
}

run "valid_inputs_plan" {
  command = plan
}

run "first_rule_of_each_input" {
  command = plan
  variables {
    name                            = "OpsDeck"
    data_event_bucket_arns          = ["my-bucket"]
    data_event_lambda_function_arns = ["arn:aws:lambda:ap-northeast-1:123456789012:function:f:live"]
    break_glass_role_arn            = "arn:aws:iam::123456789012:user/admin"
    log_bucket                      = { archive_after_days = 90, expire_after_days = 100 }
    log_retention_in_days           = 31
    kms_key_deletion_window_in_days = 3
    permissions_boundary            = "arn:aws:iam::123456789012:role/x"
    tags                            = { "aws:x" = "y" }
  }
  expect_failures = [
    var.name, var.data_event_bucket_arns, var.data_event_lambda_function_arns, var.break_glass_role_arn,
    var.log_bucket, var.log_retention_in_days, var.kms_key_deletion_window_in_days, var.permissions_boundary, var.tags,
  ]
}

run "second_rule_of_log_bucket" {
  command = plan
  variables { log_bucket = { noncurrent_expire_after_days = 0 } }
  expect_failures = [var.log_bucket]
}
