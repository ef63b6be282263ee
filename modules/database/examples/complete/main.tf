provider "aws" {
  region = var.region
}

locals {
  tags = {
    Project     = "opsdeck"
    Environment = "example"
  }
}

# The database module takes its network from outside; this example builds
# one with the sibling module, as envs/prod does.
module "network" {
  source = "../../../network"

  name = var.name
  tags = local.tags
}

module "database" {
  source = "../../"

  name                   = var.name
  subnet_ids             = module.network.private_subnet_ids
  vpc_security_group_ids = [module.network.database_security_group_id]
  availability_zones     = module.network.availability_zones
  port                   = 5432

  # Seed values, spelled out: 0.5-2.0 ACU, 2 instances, backups 7 days.
  serverless_v2_scaling   = { min_capacity = 0.5, max_capacity = 2 }
  instance_count          = 2
  backup_retention_period = 7

  deletion_protection            = var.deletion_protection
  skip_final_snapshot            = var.skip_final_snapshot
  delete_automated_backups       = var.delete_automated_backups
  secret_recovery_window_in_days = var.secret_recovery_window_in_days

  bedrock_api_key_secret = { enabled = true } # value put out of band

  tags = local.tags
}

# Fills the JWT signing secret with a value that never enters state.
module "jwt_signing_secret_value" {
  source = "../../modules/generated-secret-value"

  secret_id     = module.database.jwt_signing_secret_arn
  length        = 64
  value_version = 1
}
