# Plan-level tests of the seed's database (R1.1, R1.4, R4.1-c, R4.4-a/c/d, P6,
# P7) against a mocked AWS provider: no credentials, no emulator. Values the
# assertions compare are pinned with override_during = plan, since mocked
# computed values are otherwise only known after apply.

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

  mock_resource "aws_rds_cluster" {
    override_during = plan
    defaults = {
      id                  = "opsdeck"
      arn                 = "arn:aws:rds:ap-northeast-1:123456789012:cluster:opsdeck"
      cluster_resource_id = "cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
      master_user_secret = [{
        secret_arn    = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:rds!cluster-0000-AbCdEf"
        kms_key_id    = "arn:aws:kms:ap-northeast-1:123456789012:key/dddddddd-0000-0000-0000-000000000000"
        secret_status = "active"
      }]
    }
  }
  mock_resource "aws_iam_role" {
    override_during = plan
    defaults        = { arn = "arn:aws:iam::123456789012:role/opsdeck-rds-monitoring", name = "opsdeck-rds-monitoring" }
  }
}

override_resource {
  target          = aws_kms_key.database
  override_during = plan
  values = {
    arn    = "arn:aws:kms:ap-northeast-1:123456789012:key/dddddddd-0000-0000-0000-000000000000"
    key_id = "dddddddd-0000-0000-0000-000000000000"
  }
}
override_resource {
  target          = aws_kms_key.secrets
  override_during = plan
  values = {
    arn    = "arn:aws:kms:ap-northeast-1:123456789012:key/55555555-0000-0000-0000-000000000000"
    key_id = "55555555-0000-0000-0000-000000000000"
  }
}
override_resource {
  target          = aws_secretsmanager_secret.jwt_signing
  override_during = plan
  values = {
    id  = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:opsdeck/jwt-signing-secret-AbCdEf"
    arn = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:opsdeck/jwt-signing-secret-AbCdEf"
  }
}
override_resource {
  target          = aws_secretsmanager_secret.bedrock_api_key[0]
  override_during = plan
  values = {
    id  = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:opsdeck/bedrock-api-key-GhIjKl"
    arn = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:opsdeck/bedrock-api-key-GhIjKl"
  }
}
override_resource {
  target          = aws_db_subnet_group.this
  override_during = plan
  values          = { name = "opsdeck" }
}
override_resource {
  target          = aws_rds_cluster_parameter_group.this
  override_during = plan
  values          = { name = "opsdeck-20250101000000000000000001" }
}

variables {
  name                   = "opsdeck"
  subnet_ids             = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
  vpc_security_group_ids = ["sg-0dddddddddddddddd"]
  availability_zones     = ["ap-northeast-1a", "ap-northeast-1c"]
}

run "seed_defaults" {
  command = plan

  variables {
    tags = { Project = "opsdeck", Environment = "test" }
  }

  # R1.1-a/b: Aurora PostgreSQL Serverless v2, 0.5-2.0 ACU.
  assert {
    condition     = aws_rds_cluster.this.engine == "aurora-postgresql" && aws_rds_cluster.this.engine_mode == "provisioned"
    error_message = "The cluster must be Aurora PostgreSQL in provisioned mode (Serverless v2)."
  }
  # Issue 16, finding 7: the major is pinned, the minor is AWS's (automatic minor upgrades
  # in the maintenance window), so an upgraded minor never plans a downgrade.
  assert {
    condition     = aws_rds_cluster.this.engine_version == "16" && aws_rds_cluster_parameter_group.this.family == "aurora-postgresql16"
    error_message = "engine_version must default to the major version only (\"16\"), with the family that follows it."
  }
  assert {
    condition     = aws_rds_cluster_instance.writer.auto_minor_version_upgrade && alltrue([for r in aws_rds_cluster_instance.reader : r.auto_minor_version_upgrade])
    error_message = "Minor upgrades stay automatic (security fixes)."
  }
  assert {
    condition     = aws_rds_cluster.this.serverlessv2_scaling_configuration[0].min_capacity == 0.5 && aws_rds_cluster.this.serverlessv2_scaling_configuration[0].max_capacity == 2
    error_message = "Serverless v2 capacity must default to 0.5-2.0 ACU (R1.1-b)."
  }
  assert {
    condition     = aws_rds_cluster_instance.writer.instance_class == "db.serverless" && alltrue([for r in aws_rds_cluster_instance.reader : r.instance_class == "db.serverless"])
    error_message = "Every instance must be a Serverless v2 instance."
  }

  # R1.1-c, R6.3-b/c, P7: two instances in two zones.
  assert {
    condition     = 1 + length(aws_rds_cluster_instance.reader) == 2
    error_message = "Defaults must give two instances, a writer and a reader (R1.1-c)."
  }
  assert {
    condition     = aws_rds_cluster_instance.writer.availability_zone == "ap-northeast-1a" && aws_rds_cluster_instance.reader[0].availability_zone == "ap-northeast-1c"
    error_message = "The writer and the reader must be in different zones."
  }
  assert {
    condition     = aws_rds_cluster_instance.writer.promotion_tier == 1 && aws_rds_cluster_instance.reader[0].promotion_tier == 1
    error_message = "Instances must be in promotion tier 1 so that the failover target scales with the writer."
  }
  assert {
    condition     = output.db_instance_availability_zones == ["ap-northeast-1a", "ap-northeast-1c"]
    error_message = "db_instance_availability_zones must list the two zones."
  }
  assert {
    condition     = !aws_rds_cluster_instance.writer.publicly_accessible && !aws_rds_cluster_instance.reader[0].publicly_accessible
    error_message = "No instance may be publicly accessible."
  }

  # Network inputs reach the cluster.
  assert {
    condition     = aws_db_subnet_group.this.subnet_ids == toset(["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]) && aws_rds_cluster.this.vpc_security_group_ids == toset(["sg-0dddddddddddddddd"])
    error_message = "The cluster must use the given subnets and security group."
  }
  assert {
    condition     = aws_rds_cluster.this.port == 5432 && aws_rds_cluster.this.database_name == "opsdeck"
    error_message = "The cluster must listen on 5432 and create the opsdeck database."
  }

  # R1.1-d: backups 7 days, windows, final snapshot, deletion protection.
  assert {
    condition     = aws_rds_cluster.this.backup_retention_period == 7
    error_message = "Backups must be kept 7 days (R1.1-d)."
  }
  assert {
    condition     = aws_rds_cluster.this.preferred_backup_window == "17:00-18:00" && aws_rds_cluster.this.preferred_maintenance_window == "sun:18:30-sun:19:30"
    error_message = "Backup and maintenance windows must default to the Japanese night."
  }
  assert {
    condition     = aws_rds_cluster.this.deletion_protection && !aws_rds_cluster.this.skip_final_snapshot && aws_rds_cluster.this.final_snapshot_identifier == "opsdeck-final-snapshot"
    error_message = "Deletion protection and a final snapshot must be on by default."
  }
  assert {
    condition     = aws_rds_cluster.this.copy_tags_to_snapshot && !aws_rds_cluster.this.delete_automated_backups
    error_message = "Snapshots must carry the tags and automated backups must outlive the cluster."
  }

  # R1.1-e, R4.4-a: KMS with a customer key that rotates.
  assert {
    condition     = aws_rds_cluster.this.storage_encrypted && aws_rds_cluster.this.kms_key_id == "arn:aws:kms:ap-northeast-1:123456789012:key/dddddddd-0000-0000-0000-000000000000"
    error_message = "Storage must be encrypted with the module's customer key (R1.1-e)."
  }
  assert {
    condition     = aws_kms_key.database.enable_key_rotation && aws_kms_key.secrets.enable_key_rotation
    error_message = "Both customer keys must rotate."
  }
  assert {
    condition     = aws_kms_key.database.deletion_window_in_days == 30 && aws_kms_key.secrets.deletion_window_in_days == 30
    error_message = "Key deletion must wait 30 days by default."
  }

  # R1.1-f, R1.4-a/d: master credentials managed by RDS, rotated every 7 days.
  assert {
    condition     = aws_rds_cluster.this.manage_master_user_password && aws_rds_cluster.this.master_password == null && aws_rds_cluster.this.master_user_secret_kms_key_id == "arn:aws:kms:ap-northeast-1:123456789012:key/dddddddd-0000-0000-0000-000000000000"
    error_message = "RDS must manage the master password in Secrets Manager, under the database key (R1.1-f)."
  }
  assert {
    condition     = aws_secretsmanager_secret_rotation.master_user.rotation_rules[0].automatically_after_days == 7 && aws_secretsmanager_secret_rotation.master_user.secret_id == "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:rds!cluster-0000-AbCdEf"
    error_message = "The master secret must rotate every 7 days (R1.4-d)."
  }
  assert {
    condition     = aws_secretsmanager_secret_rotation.master_user.rotation_lambda_arn == null && aws_secretsmanager_secret_rotation.master_user.rotate_immediately == false
    error_message = "The RDS-managed secret must rotate without a rotation function of ours."
  }

  # TLS, IAM auth, logs, Performance Insights, monitoring.
  assert {
    condition     = aws_rds_cluster.this.db_cluster_parameter_group_name == "opsdeck-20250101000000000000000001" && aws_rds_cluster_parameter_group.this.family == "aurora-postgresql16"
    error_message = "The cluster must use the module's parameter group of the engine's family."
  }
  assert {
    condition     = anytrue([for p in aws_rds_cluster_parameter_group.this.parameter : p.name == "rds.force_ssl" && p.value == "1"])
    error_message = "The parameter group must force TLS (rds.force_ssl = 1, R4.4-e)."
  }
  assert {
    condition     = anytrue([for p in aws_rds_cluster_parameter_group.this.parameter : p.name == "log_min_duration_statement" && p.value == "500"])
    error_message = "Statements slower than 500 ms must be logged (R6.1-e)."
  }
  assert {
    condition     = aws_rds_cluster.this.iam_database_authentication_enabled
    error_message = "IAM database authentication must be on."
  }
  assert {
    condition     = aws_rds_cluster.this.enabled_cloudwatch_logs_exports == toset(["postgresql"])
    error_message = "The postgresql log must be exported to CloudWatch Logs."
  }
  assert {
    condition     = aws_cloudwatch_log_group.this["postgresql"].name == "/aws/rds/cluster/opsdeck/postgresql" && aws_cloudwatch_log_group.this["postgresql"].retention_in_days == 30
    error_message = "The exported log's group must be the one RDS writes to, kept 30 days (R3.4-b)."
  }
  assert {
    condition     = aws_cloudwatch_log_group.this["postgresql"].kms_key_id == "arn:aws:kms:ap-northeast-1:123456789012:key/dddddddd-0000-0000-0000-000000000000"
    error_message = "Database logs must be KMS-encrypted (R4.4-d)."
  }
  # Issue 16, finding 5: the exact key policy, every action and resource.
  assert {
    condition = jsondecode(aws_kms_key.database.policy).Statement == [
      {
        Sid       = "AccountAdministersThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::123456789012:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsUsesKeyForDatabaseLogGroups"
        Effect    = "Allow"
        Principal = { Service = "logs.ap-northeast-1.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = { ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = ["arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/rds/cluster/opsdeck/postgresql"] } }
      },
    ]
    error_message = "The database key must delegate administration to IAM and let CloudWatch Logs use it for this cluster's log groups only."
  }
  assert {
    condition = jsondecode(aws_kms_key.secrets.policy).Statement == [{
      Sid       = "AccountAdministersThroughIam"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::123456789012:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
    error_message = "The secrets key must grant only the account (use goes through IAM)."
  }
  assert {
    condition = alltrue([
      for i in concat([aws_rds_cluster_instance.writer], aws_rds_cluster_instance.reader) :
      i.performance_insights_enabled && i.performance_insights_retention_period == 7 && i.performance_insights_kms_key_id == "arn:aws:kms:ap-northeast-1:123456789012:key/dddddddd-0000-0000-0000-000000000000"
    ])
    error_message = "Performance Insights must be on for every instance, 7 days, under the database key."
  }
  assert {
    condition     = aws_rds_cluster_instance.writer.monitoring_interval == 60 && aws_rds_cluster_instance.writer.monitoring_role_arn == "arn:aws:iam::123456789012:role/opsdeck-rds-monitoring"
    error_message = "Enhanced Monitoring must be on every 60 s with the module's role."
  }
  assert {
    condition     = aws_rds_cluster_instance.writer.auto_minor_version_upgrade && aws_rds_cluster_instance.reader[0].auto_minor_version_upgrade
    error_message = "Minor version upgrades must be automatic."
  }

  # R1.4-b/c, R4.4-c: application secrets, KMS-encrypted, value write-only.
  assert {
    condition     = aws_secretsmanager_secret.jwt_signing.kms_key_id == "arn:aws:kms:ap-northeast-1:123456789012:key/55555555-0000-0000-0000-000000000000" && aws_secretsmanager_secret.jwt_signing.recovery_window_in_days == 30
    error_message = "The JWT secret must be encrypted with the secrets key (R4.4-c)."
  }
  assert {
    condition     = length(aws_secretsmanager_secret.bedrock_api_key) == 0 && output.bedrock_api_key_secret_arn == null
    error_message = "The Bedrock API key secret must not exist unless enabled."
  }

  # R4.1-c: read on exactly these secrets, decrypt on exactly their key.
  # Issue 16, finding 5: the whole document, so an extra statement, action or resource fails.
  assert {
    condition = jsondecode(output.secrets_read_policy_json).Statement == [
      {
        Sid      = "ReadApplicationSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        Resource = ["arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:opsdeck/jwt-signing-secret-AbCdEf"]
      },
      {
        Sid       = "DecryptApplicationSecrets"
        Effect    = "Allow"
        Action    = "kms:Decrypt"
        Resource  = "arn:aws:kms:ap-northeast-1:123456789012:key/55555555-0000-0000-0000-000000000000"
        Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.ap-northeast-1.amazonaws.com" } }
      },
    ]
    error_message = "The read policy must grant read on exactly the JWT secret and decrypt on exactly the secrets key, through Secrets Manager only, and nothing else."
  }
  assert {
    condition = jsondecode(output.db_connect_policy_json).Statement == [{
      Sid      = "ConnectAsIamDatabaseUsers"
      Effect   = "Allow"
      Action   = "rds-db:connect"
      Resource = ["arn:aws:rds-db:ap-northeast-1:123456789012:dbuser:cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ/opsdeck_app"]
    }]
    error_message = "The connect policy must name exactly the IAM database users of this cluster."
  }

  # One tags input reaches every taggable resource.
  assert {
    condition = alltrue([
      for t in [aws_rds_cluster.this.tags, aws_rds_cluster_instance.writer.tags, aws_rds_cluster_instance.reader[0].tags, aws_kms_key.database.tags, aws_kms_key.secrets.tags, aws_db_subnet_group.this.tags, aws_rds_cluster_parameter_group.this.tags, aws_cloudwatch_log_group.this["postgresql"].tags, aws_secretsmanager_secret.jwt_signing.tags, aws_iam_role.monitoring[0].tags] :
      t["Project"] == "opsdeck" && t["Environment"] == "test"
    ])
    error_message = "The tags input must be merged into every taggable resource."
  }
}

run "three_instances_round_robin" {
  command = plan

  variables {
    instance_count     = 3
    availability_zones = ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]
  }

  assert {
    condition     = output.db_instance_availability_zones == ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]
    error_message = "Three instances must spread over three zones, the writer in the first."
  }
  assert {
    condition     = aws_rds_cluster_instance.reader[1].identifier == "opsdeck-3"
    error_message = "Instances must be numbered from the writer (1)."
  }
}

run "bedrock_secret_out_of_band" {
  command = plan

  variables {
    bedrock_api_key_secret = { enabled = true }
  }

  assert {
    condition     = aws_secretsmanager_secret.bedrock_api_key[0].kms_key_id == "arn:aws:kms:ap-northeast-1:123456789012:key/55555555-0000-0000-0000-000000000000"
    error_message = "The Bedrock secret must be encrypted with the secrets key."
  }
  assert {
    condition     = length(aws_secretsmanager_secret_version.bedrock_api_key) == 0
    error_message = "Without value_version the value is put out of band: no version resource."
  }
  assert {
    condition = jsondecode(output.secrets_read_policy_json).Statement[0].Resource == [
      "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:opsdeck/jwt-signing-secret-AbCdEf",
      "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:opsdeck/bedrock-api-key-GhIjKl",
    ]
    error_message = "The read policy must cover exactly the JWT and Bedrock secrets once Bedrock is enabled."
  }
  assert {
    condition     = output.bedrock_api_key_secret_arn == "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:opsdeck/bedrock-api-key-GhIjKl"
    error_message = "bedrock_api_key_secret_arn must name the secret."
  }
}

run "bedrock_secret_value_write_only" {
  command = plan

  variables {
    bedrock_api_key_secret = { enabled = true, value_version = 2 }
    bedrock_api_key        = "bedrock-api-key-for-tests"
  }

  assert {
    condition     = aws_secretsmanager_secret_version.bedrock_api_key[0].secret_string_wo_version == 2 && aws_secretsmanager_secret_version.bedrock_api_key[0].secret_string == null
    error_message = "A given Bedrock key must be written write-only, versioned by value_version."
  }
}

run "throwaway_settings" {
  command = plan

  variables {
    deletion_protection             = false
    skip_final_snapshot             = true
    secret_recovery_window_in_days  = 0
    delete_automated_backups        = true
    monitoring_interval             = 0
    enabled_cloudwatch_logs_exports = ["postgresql", "iam-db-auth-error"]
    serverless_v2_scaling           = { min_capacity = 0, max_capacity = 1 }
    iam_database_users              = []
  }

  assert {
    condition     = !aws_rds_cluster.this.deletion_protection && aws_rds_cluster.this.skip_final_snapshot && aws_rds_cluster.this.final_snapshot_identifier == null && aws_rds_cluster.this.delete_automated_backups
    error_message = "Deletion protection and the final snapshot must be switchable off."
  }
  assert {
    condition     = length(aws_iam_role.monitoring) == 0 && aws_rds_cluster_instance.writer.monitoring_interval == 0
    error_message = "monitoring_interval = 0 must turn Enhanced Monitoring and its role off."
  }
  assert {
    condition     = toset(keys(aws_cloudwatch_log_group.this)) == toset(["postgresql", "iam-db-auth-error"])
    error_message = "Every exported log must get its own group."
  }
  assert {
    condition     = aws_rds_cluster.this.serverlessv2_scaling_configuration[0].min_capacity == 0
    error_message = "A minimum of 0 ACU (auto-pause) must be accepted."
  }
  assert {
    condition     = output.db_connect_policy_json == null
    error_message = "No IAM database users, no connect policy."
  }
}

# Issue 16, finding 7: a pinned minor is allowed with automatic minor upgrades off.
run "pinned_minor_without_automatic_upgrades" {
  command = plan

  variables {
    engine_version             = "16.6"
    auto_minor_version_upgrade = false
  }

  assert {
    condition     = aws_rds_cluster.this.engine_version == "16.6" && !aws_rds_cluster_instance.writer.auto_minor_version_upgrade && alltrue([for r in aws_rds_cluster_instance.reader : !r.auto_minor_version_upgrade])
    error_message = "A pinned minor version must come with automatic minor upgrades off on every instance."
  }
}

# Issue 16, finding 6: the monitoring role by prefix, with a boundary; aliases with a suffix
# on request.
run "role_names_and_boundaries" {
  command = plan

  variables {
    role_permissions_boundary = "arn:aws:iam::123456789012:policy/platform-boundary"
    kms_alias_use_name_prefix = true
  }

  assert {
    condition     = aws_iam_role.monitoring[0].name_prefix == "opsdeck-rds-monitoring-" && aws_iam_role.monitoring[0].permissions_boundary == "arn:aws:iam::123456789012:policy/platform-boundary"
    error_message = "The monitoring role must be named by prefix and carry the boundary."
  }
  assert {
    condition     = aws_kms_alias.database.name_prefix == "alias/opsdeck-database-" && aws_kms_alias.secrets.name_prefix == "alias/opsdeck-secrets-"
    error_message = "kms_alias_use_name_prefix must give both aliases a unique suffix."
  }
}
