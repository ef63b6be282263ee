# Every validation of every input, one run each: each run breaks exactly one rule
# and expects the plan to fail on that input.

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
  name               = "opsdeck-slack-notifier"
  lambda_zip         = "tests/stub/bootstrap.zip"
  webhook_secret_arn = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:opsdeck/slack-webhook-AbCdEf"
}

run "name_format" {
  command = plan
  variables {
    name = "slack notifier!"
  }
  expect_failures = [var.name]
}

run "lambda_zip_is_a_zip" {
  command = plan
  variables {
    lambda_zip = "target/release/slack-notifier"
  }
  expect_failures = [var.lambda_zip]
}

run "webhook_url_in_place_of_the_secret" {
  command = plan
  variables {
    webhook_secret_arn = "https://hooks.slack.com/services/T000/B000/XXXX"
  }
  expect_failures = [var.webhook_secret_arn]
}

run "webhook_secret_kms_key_is_a_key_arn" {
  command = plan
  variables {
    webhook_secret_kms_key_arn = "alias/aws/secretsmanager"
  }
  expect_failures = [var.webhook_secret_kms_key_arn]
}

run "kms_key_is_a_key_arn" {
  command = plan
  variables {
    kms_key_arn = "alias/aws/sqs"
  }
  expect_failures = [var.kms_key_arn]
}

run "kms_key_deletion_window_range" {
  command = plan
  variables {
    kms_key_deletion_window_in_days = 3
  }
  expect_failures = [var.kms_key_deletion_window_in_days]
}

run "memory_size_range" {
  command = plan
  variables {
    memory_size = 64
  }
  expect_failures = [var.memory_size]
}

run "timeout_leaves_room_for_a_retry" {
  command = plan
  variables {
    timeout = 3
  }
  expect_failures = [var.timeout]
}

run "slack_timeout_range" {
  command = plan
  variables {
    slack_timeout_ms = 50
  }
  expect_failures = [var.slack_timeout_ms]
}

run "slack_max_attempts_range" {
  command = plan
  variables {
    slack_max_attempts = 0
  }
  expect_failures = [var.slack_max_attempts]
}

run "default_dashboard_name" {
  command = plan
  variables {
    default_dashboard = "ops dashboard"
  }
  expect_failures = [var.default_dashboard]
}

run "log_retention_is_a_cloudwatch_value" {
  command = plan
  variables {
    log_retention_in_days = 31
  }
  expect_failures = [var.log_retention_in_days]
}

run "maximum_retry_attempts_range" {
  command = plan
  variables {
    maximum_retry_attempts = 3
  }
  expect_failures = [var.maximum_retry_attempts]
}

run "maximum_event_age_range" {
  command = plan
  variables {
    maximum_event_age_in_seconds = 30
  }
  expect_failures = [var.maximum_event_age_in_seconds]
}

run "tracing_mode_values" {
  command = plan
  variables {
    tracing_mode = "Off"
  }
  expect_failures = [var.tracing_mode]
}

run "failed_alarm_actions_are_arns" {
  command = plan
  variables {
    failed_alarm_actions = ["oncall@example.com"]
  }
  expect_failures = [var.failed_alarm_actions]
}

run "permissions_boundary_is_a_policy_arn" {
  command = plan
  variables {
    role_permissions_boundary = "arn:aws:iam::123456789012:role/boundary"
  }
  expect_failures = [var.role_permissions_boundary]
}

run "tags_keys" {
  command = plan
  variables {
    tags = { "aws:owner" = "x" }
  }
  expect_failures = [var.tags]
}

run "zip_or_artifact_not_both" {
  command = plan
  variables {
    artifact = { bucket = "opsdeck-artifacts", key = "opsdeck/v1/slack-notifier.zip" }
  }
  expect_failures = [var.lambda_zip]
}

run "artifact_key_is_a_zip" {
  command = plan
  variables {
    lambda_zip = null
    artifact   = { bucket = "opsdeck-artifacts", key = "/opsdeck/v1/slack-notifier" }
  }
  expect_failures = [var.artifact]
}
