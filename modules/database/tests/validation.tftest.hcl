# Every validation of every input, one run (at least) each: each run breaks
# exactly one rule and expects the plan to fail on that input.

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
  name                   = "opsdeck"
  subnet_ids             = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
  vpc_security_group_ids = ["sg-0dddddddddddddddd"]
  availability_zones     = ["ap-northeast-1a", "ap-northeast-1c"]
}

run "name_format" {
  command = plan
  variables {
    name = "opsdeck--prod"
  }
  expect_failures = [var.name]
}

run "subnet_ids_two_or_more" {
  command = plan
  variables {
    subnet_ids = ["subnet-0a1b2c3d4e5f60001"]
  }
  expect_failures = [var.subnet_ids]
}

run "vpc_security_group_ids_format" {
  command = plan
  variables {
    vpc_security_group_ids = ["opsdeck-database"]
  }
  expect_failures = [var.vpc_security_group_ids]
}

run "availability_zones_two_distinct" {
  command = plan
  variables {
    availability_zones = ["ap-northeast-1a", "ap-northeast-1a"]
  }
  expect_failures = [var.availability_zones]
}

run "engine_version_serverless_v2_capable" {
  command = plan
  variables {
    engine_version = "12.9"
  }
  expect_failures = [var.engine_version]
}

run "min_capacity_range" {
  command = plan
  variables {
    serverless_v2_scaling = { min_capacity = -0.5 }
  }
  expect_failures = [var.serverless_v2_scaling]
}

run "min_capacity_half_steps" {
  command = plan
  variables {
    serverless_v2_scaling = { min_capacity = 0.75 }
  }
  expect_failures = [var.serverless_v2_scaling]
}

run "max_capacity_range" {
  command = plan
  variables {
    serverless_v2_scaling = { min_capacity = 0.5, max_capacity = 256.5 }
  }
  expect_failures = [var.serverless_v2_scaling]
}

run "max_capacity_at_least_one" {
  command = plan
  variables {
    serverless_v2_scaling = { min_capacity = 0, max_capacity = 0.5 }
  }
  expect_failures = [var.serverless_v2_scaling]
}

run "max_capacity_half_steps" {
  command = plan
  variables {
    serverless_v2_scaling = { max_capacity = 2.25 }
  }
  expect_failures = [var.serverless_v2_scaling]
}

run "min_not_above_max" {
  command = plan
  variables {
    serverless_v2_scaling = { min_capacity = 4, max_capacity = 2 }
  }
  expect_failures = [var.serverless_v2_scaling]
}

run "instance_count_multi_az" {
  command = plan
  variables {
    instance_count = 1
  }
  expect_failures = [var.instance_count]
}

run "database_name_format" {
  command = plan
  variables {
    database_name = "postgres"
  }
  expect_failures = [var.database_name]
}

run "master_username_reserved" {
  command = plan
  variables {
    master_username = "rdsadmin"
  }
  expect_failures = [var.master_username]
}

run "port_range" {
  command = plan
  variables {
    port = 443
  }
  expect_failures = [var.port]
}

run "iam_database_users_format" {
  command = plan
  variables {
    iam_database_users = ["opsdeck-app"]
  }
  expect_failures = [var.iam_database_users]
}

run "backup_retention_at_least_one_day" {
  command = plan
  variables {
    backup_retention_period = 0
  }
  expect_failures = [var.backup_retention_period]
}

run "backup_window_format_and_length" {
  command = plan
  variables {
    preferred_backup_window = "17:00-17:15"
  }
  expect_failures = [var.preferred_backup_window]
}

run "maintenance_window_format" {
  command = plan
  variables {
    preferred_maintenance_window = "sunday:18:30-sunday:19:30"
  }
  expect_failures = [var.preferred_maintenance_window]
}

run "maintenance_window_at_least_30_minutes" {
  command = plan
  variables {
    preferred_maintenance_window = "sun:18:30-sun:18:45"
  }
  expect_failures = [var.preferred_maintenance_window]
}

run "final_snapshot_identifier_format" {
  command = plan
  variables {
    final_snapshot_identifier = "1-final"
  }
  expect_failures = [var.final_snapshot_identifier]
}

run "log_exports_known_types" {
  command = plan
  variables {
    enabled_cloudwatch_logs_exports = ["slowquery"]
  }
  expect_failures = [var.enabled_cloudwatch_logs_exports]
}

run "log_retention_values" {
  command = plan
  variables {
    log_retention_in_days = 45
  }
  expect_failures = [var.log_retention_in_days]
}

run "performance_insights_retention_values" {
  command = plan
  variables {
    performance_insights_retention_period = 30
  }
  expect_failures = [var.performance_insights_retention_period]
}

run "monitoring_interval_values" {
  command = plan
  variables {
    monitoring_interval = 120
  }
  expect_failures = [var.monitoring_interval]
}

run "master_password_rotation_days_range" {
  command = plan
  variables {
    master_password_rotation_days = 0
  }
  expect_failures = [var.master_password_rotation_days]
}

run "bedrock_value_version_needs_enabled_secret" {
  command = plan
  variables {
    bedrock_api_key_secret = { enabled = false, value_version = 1 }
  }
  expect_failures = [var.bedrock_api_key_secret]
}

run "secret_recovery_window_values" {
  command = plan
  variables {
    secret_recovery_window_in_days = 3
  }
  expect_failures = [var.secret_recovery_window_in_days]
}

run "kms_key_deletion_window_range" {
  command = plan
  variables {
    kms_key_deletion_window_in_days = 45
  }
  expect_failures = [var.kms_key_deletion_window_in_days]
}

run "tags_reserved_prefix" {
  command = plan
  variables {
    tags = { "aws:createdBy" = "me" }
  }
  expect_failures = [var.tags]
}

run "bedrock_api_key_not_blank" {
  command = plan
  variables {
    bedrock_api_key_secret = { enabled = true, value_version = 1 }
    bedrock_api_key        = "  "
  }
  expect_failures = [var.bedrock_api_key]
}

# The same guard for the one rule an input validation cannot express: a
# Bedrock value_version without the (ephemeral) key itself.
run "bedrock_value_version_needs_key" {
  command = plan
  variables {
    bedrock_api_key_secret = { enabled = true, value_version = 1 }
  }
  expect_failures = [aws_secretsmanager_secret_version.bedrock_api_key]
}

# Issue 16, finding 7: a pinned minor with automatic minor upgrades would plan a downgrade
# after AWS's first upgrade.
run "engine_minor_pinned_with_automatic_upgrades" {
  command = plan
  variables {
    engine_version = "16.6"
  }
  expect_failures = [var.engine_version]
}

run "role_permissions_boundary_is_a_policy_arn" {
  command = plan
  variables {
    role_permissions_boundary = "arn:aws:iam::123456789012:role/boundary"
  }
  expect_failures = [var.role_permissions_boundary]
}
