output "db_cluster_arn" {
  description = "ARN of the Aurora cluster."
  value       = module.database.db_cluster_arn
}

output "db_cluster_endpoint" {
  description = "Writer endpoint."
  value       = module.database.db_cluster_endpoint
}

output "db_cluster_reader_endpoint" {
  description = "Reader endpoint."
  value       = module.database.db_cluster_reader_endpoint
}

output "db_instance_ids" {
  description = "Instances, the initial writer first."
  value       = module.database.db_instance_ids
}

output "db_instance_availability_zones" {
  description = "Zones of the instances."
  value       = module.database.db_instance_availability_zones
}

output "db_cluster_master_user_secret_arn" {
  description = "RDS-managed master credentials secret."
  value       = module.database.db_cluster_master_user_secret_arn
}

output "jwt_signing_secret_arn" {
  description = "JWT signing secret."
  value       = module.database.jwt_signing_secret_arn
}

output "jwt_signing_secret_version_id" {
  description = "Version of the generated JWT signing secret value."
  value       = module.jwt_signing_secret_value.secret_version_id
}

output "bedrock_api_key_secret_arn" {
  description = "Bedrock API key secret (value put out of band)."
  value       = module.database.bedrock_api_key_secret_arn
}

output "secrets_read_policy_json" {
  description = "Policy for the Lambda roles: read exactly these secrets."
  value       = module.database.secrets_read_policy_json
}

output "db_connect_policy_json" {
  description = "Policy for the Lambda roles: IAM login as the app user."
  value       = module.database.db_connect_policy_json
}

output "vpc_id" {
  description = "VPC of the example."
  value       = module.network.vpc_id
}
