# Every validation of every input, one run each: each run breaks exactly one
# rule and expects the plan to fail on that input.

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
    values = { partition = "aws", dns_suffix = "amazonaws.com", reverse_dns_prefix = "com.amazonaws" }
  }
}

variables {
  name = "opsdeck-deploy-history"
}

run "name_too_short" {
  command = plan
  variables {
    name = "ab"
  }
  expect_failures = [var.name]
}

run "name_with_a_dot" {
  command = plan
  variables {
    name = "deploy.history"
  }
  expect_failures = [var.name]
}

run "kms_key_arn_is_an_alias" {
  command = plan
  variables {
    kms_key_arn = "alias/aws/dynamodb"
  }
  expect_failures = [var.kms_key_arn]
}

run "kms_key_deletion_window_too_short" {
  command = plan
  variables {
    kms_key_deletion_window_in_days = 6
  }
  expect_failures = [var.kms_key_deletion_window_in_days]
}

run "kms_key_deletion_window_not_whole" {
  command = plan
  variables {
    kms_key_deletion_window_in_days = 7.5
  }
  expect_failures = [var.kms_key_deletion_window_in_days]
}

run "tag_with_reserved_prefix" {
  command = plan
  variables {
    tags = { "aws:owner" = "x" }
  }
  expect_failures = [var.tags]
}

run "valid_inputs_plan" {
  command = plan
  variables {
    name                            = "shop_deploy-history"
    kms_key_arn                     = "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd"
    kms_key_deletion_window_in_days = 7
    tags                            = { Project = "opsdeck" }
  }
}
