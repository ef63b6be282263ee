output "db_cluster_id" {
  description = "Identifier of the Aurora cluster."
  value       = aws_rds_cluster.this.id
}

output "db_cluster_arn" {
  description = "ARN of the Aurora cluster."
  value       = aws_rds_cluster.this.arn
}

output "db_cluster_resource_id" {
  description = "Region-unique, immutable resource ID of the cluster (the \"cluster-...\" part of rds-db:connect ARNs)."
  value       = aws_rds_cluster.this.cluster_resource_id
}

output "db_cluster_endpoint" {
  description = "Writer endpoint of the cluster; follows the writer across failovers."
  value       = aws_rds_cluster.this.endpoint
}

output "db_cluster_reader_endpoint" {
  description = "Load-balanced reader endpoint of the cluster."
  value       = aws_rds_cluster.this.reader_endpoint
}

output "db_cluster_port" {
  description = "Port the cluster listens on."
  value       = aws_rds_cluster.this.port
}

output "db_cluster_database_name" {
  description = "Name of the database created in the cluster."
  value       = aws_rds_cluster.this.database_name
}

output "db_cluster_master_username" {
  description = "Master user name."
  value       = aws_rds_cluster.this.master_username
}

output "db_cluster_master_user_secret_arn" {
  description = "ARN of the RDS-managed Secrets Manager secret holding the master credentials (rotated every master_password_rotation_days). Grant it only to operators and migration jobs; applications log in with IAM tokens."
  value       = aws_rds_cluster.this.master_user_secret[0].secret_arn
}

output "db_instance_ids" {
  description = "Identifiers of the cluster instances, the initial writer first."
  value       = concat([aws_rds_cluster_instance.writer.id], aws_rds_cluster_instance.reader[*].id)
}

output "db_instance_availability_zones" {
  description = "Availability zones of the cluster instances, in db_instance_ids order."
  value       = concat([aws_rds_cluster_instance.writer.availability_zone], aws_rds_cluster_instance.reader[*].availability_zone)
}

output "db_subnet_group_name" {
  description = "Name of the DB subnet group."
  value       = aws_db_subnet_group.this.name
}

output "db_cluster_parameter_group_name" {
  description = "Name of the cluster parameter group (rds.force_ssl = 1)."
  value       = aws_rds_cluster_parameter_group.this.name
}

output "db_kms_key_arn" {
  description = "ARN of the KMS key encrypting storage, snapshots, Performance Insights, the master secret and the database logs."
  value       = aws_kms_key.database.arn
}

output "secrets_kms_key_arn" {
  description = "ARN of the KMS key encrypting the application secrets."
  value       = aws_kms_key.secrets.arn
}

output "jwt_signing_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the JWT signing secret."
  value       = aws_secretsmanager_secret.jwt_signing.arn
}

output "bedrock_api_key_secret_arn" {
  description = "ARN of the Secrets Manager secret for the Bedrock API key, or null when it is not enabled."
  value       = one(aws_secretsmanager_secret.bedrock_api_key[*].arn)
}

output "secrets_read_policy_json" {
  description = "IAM policy document (JSON) that lets its holder read exactly the application secrets of this module (JWT signing secret, and the Bedrock API key secret when enabled) and decrypt with exactly their key, only through Secrets Manager (seed R4.1-c). Attach it to the Lambda execution roles."
  value = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadApplicationSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        Resource = local.application_secret_arns
      },
      {
        Sid      = "DecryptApplicationSecrets"
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = aws_kms_key.secrets.arn
        Condition = {
          StringEquals = { "kms:ViaService" = "secretsmanager.${local.region}.amazonaws.com" }
        }
      },
    ]
  })
}

output "db_connect_policy_json" {
  description = "IAM policy document (JSON) that lets its holder log in to the cluster with IAM authentication as exactly the iam_database_users, or null when that list is empty. Attach it to the Lambda execution roles."
  value = length(var.iam_database_users) == 0 ? null : jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid    = "ConnectAsIamDatabaseUsers"
      Effect = "Allow"
      Action = "rds-db:connect"
      Resource = [
        for u in var.iam_database_users :
        "arn:${local.partition}:rds-db:${local.region}:${local.account_id}:dbuser:${aws_rds_cluster.this.cluster_resource_id}/${u}"
      ]
    }]
  })
}

output "cloudwatch_log_group_names" {
  description = "CloudWatch Logs groups of the exported database logs, by log type."
  value       = { for k, v in aws_cloudwatch_log_group.this : k => v.name }
}

output "enhanced_monitoring_iam_role_arn" {
  description = "ARN of the Enhanced Monitoring role, or null when monitoring_interval is 0."
  value       = one(aws_iam_role.monitoring[*].arn)
}
