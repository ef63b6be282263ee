variable "name" {
  description = "Cluster identifier and name prefix of every resource of the module (instances, KMS aliases, secrets, log groups, the monitoring role). Lowercase letters, digits and hyphens, 1-40 characters, starting with a letter. Required: two stacks of one account and region must not share it."
  type        = string
  default     = null

  validation {
    # No default on purpose: two instances on one default name would fight
    # over the same cluster, secrets and keys.
    condition     = var.name != null
    error_message = "name is required: it is the cluster identifier and prefixes every resource of the module, so it must differ between stacks of one account and region, e.g. \"opsdeck-prod\"."
  }

  validation {
    # 40 leaves room for the longest derived identifier ("<name>-final-snapshot")
    # inside the 63-character RDS limit.
    condition     = var.name == null || (can(regex("^[a-z][a-z0-9-]{0,39}$", coalesce(var.name, "x"))) && !endswith(coalesce(var.name, "x"), "-") && !strcontains(coalesce(var.name, "x"), "--"))
    error_message = "name must be 1-40 characters of lowercase letters, digits and single hyphens, start with a letter and not end with a hyphen (RDS identifier rules), e.g. \"opsdeck-prod\"."
  }
}

variable "role_use_name_prefix" {
  description = "Create the Enhanced Monitoring role with a name prefix and a unique suffix (IAM names are global to the account, across regions). false names it exactly \"<name>-rds-monitoring\"."
  type        = bool
  default     = true
  nullable    = false
}

variable "role_permissions_boundary" {
  description = "ARN of a permissions boundary for the module's IAM role (Enhanced Monitoring), where the organisation requires one."
  type        = string
  default     = null

  validation {
    condition     = var.role_permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", coalesce(var.role_permissions_boundary, "x")))
    error_message = "role_permissions_boundary must be null or an IAM policy ARN (arn:aws:iam::ACCOUNT:policy/NAME)."
  }
}

variable "kms_alias_use_name_prefix" {
  description = "Name the two KMS aliases with a unique suffix (\"alias/<name>-database-<suffix>\", \"alias/<name>-secrets-<suffix>\") instead of exactly \"alias/<name>-database\" and \"alias/<name>-secrets\"."
  type        = bool
  default     = false
  nullable    = false
}

################################################################################
# Network (from modules/network)
################################################################################

variable "subnet_ids" {
  description = "Private subnet IDs for the DB subnet group, in at least two availability zones (modules/network output private_subnet_ids)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "subnet_ids must list at least two subnet IDs (\"subnet-...\") in different availability zones; pass modules/network's private_subnet_ids."
  }
}

variable "vpc_security_group_ids" {
  description = "Security groups of the cluster (modules/network output database_security_group_id, which admits only the Lambda group on the engine port)."
  type        = list(string)

  validation {
    condition     = length(var.vpc_security_group_ids) >= 1 && alltrue([for s in var.vpc_security_group_ids : can(regex("^sg-[0-9a-f]+$", s))])
    error_message = "vpc_security_group_ids must list at least one security group ID (\"sg-...\"); pass modules/network's database_security_group_id."
  }
}

variable "availability_zones" {
  description = "Availability zones of the subnets, in order (modules/network output availability_zones). Instance i is placed in zone i modulo the list, so the writer and the first reader are always in different zones."
  type        = list(string)

  validation {
    condition = length(var.availability_zones) >= 2 && length(distinct(var.availability_zones)) == length(var.availability_zones) && alltrue([
      for az in var.availability_zones : can(regex("^[a-z]{2}(-[a-z]+)+-\\d+[a-z]$", az))
    ])
    error_message = "availability_zones must list at least two distinct zone names such as \"ap-northeast-1a\" (Multi-AZ, seed R1.1-c); pass modules/network's availability_zones."
  }
}

################################################################################
# Engine and capacity
################################################################################

variable "engine_version" {
  description = "Aurora PostgreSQL version. \"16\" (default) pins the major version and leaves the minor to AWS: with auto_minor_version_upgrade, AWS upgrades the minor version in the maintenance window and the plan stays empty (the provider compares the major with the running version). \"major.minor\" pins the minor too, which needs auto_minor_version_upgrade = false: otherwise the first automatic upgrade makes every later plan try to downgrade. The cluster parameter group family follows the major version."
  type        = string
  default     = "16"

  validation {
    # Serverless v2 needs 13.6+, 14.3+, 15.2+ or 16.1+; 13 is the oldest major
    # still supported.
    condition     = can(regex("^\\d+(\\.\\d+)?$", var.engine_version)) && try(tonumber(split(".", var.engine_version)[0]) >= 13, false)
    error_message = "engine_version must be an Aurora PostgreSQL major version of 13 or later that supports Serverless v2, e.g. \"16\", or \"major.minor\" such as \"16.6\" with auto_minor_version_upgrade = false."
  }

  validation {
    condition     = !strcontains(var.engine_version, ".") || !var.auto_minor_version_upgrade
    error_message = "engine_version pins a minor version while auto_minor_version_upgrade is true: after AWS upgrades the minor version the next plan would try to downgrade. Give the major only (e.g. \"16\"), or set auto_minor_version_upgrade = false and upgrade minors yourself."
  }
}

variable "auto_minor_version_upgrade" {
  description = "Let AWS apply minor engine upgrades in the maintenance window (security fixes). true (default) needs engine_version to be a major version only."
  type        = bool
  default     = true
  nullable    = false
}

variable "serverless_v2_scaling" {
  description = "Aurora Serverless v2 capacity range in ACUs (seed R1.1-b: 0.5-2.0). Every instance scales inside it. A min of 0 lets idle instances pause (engine 16.3+, 15.7+, 14.12+, 13.15+), with a cold start of some seconds on the next connection."
  type = object({
    min_capacity = optional(number, 0.5)
    max_capacity = optional(number, 2)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.serverless_v2_scaling.min_capacity >= 0 && var.serverless_v2_scaling.min_capacity <= 256 && floor(var.serverless_v2_scaling.min_capacity * 2) == var.serverless_v2_scaling.min_capacity * 2
    error_message = "serverless_v2_scaling.min_capacity must be from 0 to 256 ACU in steps of 0.5 (seed: 0.5)."
  }

  validation {
    # AWS rejects a maximum below 1 ACU.
    condition     = var.serverless_v2_scaling.max_capacity >= 1 && var.serverless_v2_scaling.max_capacity <= 256 && floor(var.serverless_v2_scaling.max_capacity * 2) == var.serverless_v2_scaling.max_capacity * 2
    error_message = "serverless_v2_scaling.max_capacity must be from 1 to 256 ACU in steps of 0.5 (seed: 2.0)."
  }

  validation {
    condition     = var.serverless_v2_scaling.min_capacity <= var.serverless_v2_scaling.max_capacity
    error_message = "serverless_v2_scaling.min_capacity must not exceed max_capacity; raise max_capacity or lower min_capacity."
  }
}

variable "instance_count" {
  description = "Number of Serverless v2 instances: one writer plus readers spread over availability_zones. At least 2, so that a reader in another zone takes over on failure (seed R1.1-c, R6.3-c, P7)."
  type        = number
  default     = 2

  validation {
    condition     = var.instance_count >= 2 && var.instance_count <= 16 && floor(var.instance_count) == var.instance_count
    error_message = "instance_count must be a whole number from 2 (a writer and a reader in another zone, for automatic failover) to 16 (Aurora's limit of 15 readers)."
  }
}

variable "database_name" {
  description = "Name of the database created in the cluster."
  type        = string
  default     = "opsdeck"

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9_]{0,62}$", var.database_name)) && !contains(["postgres", "template0", "template1", "rdsadmin"], lower(var.database_name))
    error_message = "database_name must start with a letter, hold only letters, digits and underscores, be at most 63 characters, and not be a reserved name (postgres, template0, template1, rdsadmin)."
  }
}

variable "master_username" {
  description = "Master user name. Its password is generated, stored and rotated by RDS in Secrets Manager; it never passes through Terraform."
  type        = string
  default     = "opsdeck_admin"

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9_]{0,62}$", var.master_username)) && !contains(["postgres", "rdsadmin", "admin", "root", "public"], lower(var.master_username)) && !startswith(lower(var.master_username), "rds")
    error_message = "master_username must start with a letter, hold only letters, digits and underscores, be at most 63 characters, and not be reserved (postgres, rdsadmin, admin, root, public, or any name starting with \"rds\")."
  }
}

variable "port" {
  description = "Port the cluster listens on; must match modules/network's database_port."
  type        = number
  default     = 5432

  validation {
    condition     = var.port >= 1150 && var.port <= 65535 && floor(var.port) == var.port
    error_message = "port must be a whole number from 1150 to 65535 (the range Aurora accepts); PostgreSQL's default is 5432."
  }
}

variable "iam_database_users" {
  description = "Database users that log in with IAM authentication tokens; the module's db_connect_policy_json grants rds-db:connect as exactly these users. Create each in the database once: CREATE USER <name>; GRANT rds_iam TO <name>;"
  type        = list(string)
  default     = ["opsdeck_app"]

  validation {
    condition = alltrue([
      for u in var.iam_database_users : can(regex("^[a-z_][a-z0-9_]{0,62}$", u)) && !contains(["postgres", "rdsadmin"], u) && !startswith(u, "rds")
    ])
    error_message = "iam_database_users must hold lowercase PostgreSQL role names (letters, digits, underscores, at most 63 characters), not postgres, rdsadmin or any name starting with \"rds\"."
  }
}

################################################################################
# Backups, maintenance, deletion
################################################################################

variable "backup_retention_period" {
  description = "Days automated backups (and point-in-time recovery) are kept (seed R1.1-d: 7)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_period >= 1 && var.backup_retention_period <= 35 && floor(var.backup_retention_period) == var.backup_retention_period
    error_message = "backup_retention_period must be a whole number of days from 1 to 35; Aurora always keeps backups, so 0 is not allowed (seed: 7)."
  }
}

variable "preferred_backup_window" {
  description = "Daily UTC window for automated backups, \"hh:mm-hh:mm\", at least 30 minutes. Default 17:00-18:00 UTC is 02:00-03:00 in Japan."
  type        = string
  default     = "17:00-18:00"

  validation {
    condition = can(regex("^([01]\\d|2[0-3]):[0-5]\\d-([01]\\d|2[0-3]):[0-5]\\d$", var.preferred_backup_window)) && try(
      (
        (
          tonumber(substr(var.preferred_backup_window, 6, 2)) * 60 + tonumber(substr(var.preferred_backup_window, 9, 2))
          -tonumber(substr(var.preferred_backup_window, 0, 2)) * 60 - tonumber(substr(var.preferred_backup_window, 3, 2))
        ) + 1440
      ) % 1440 >= 30,
      false
    )
    error_message = "preferred_backup_window must be a UTC window \"hh:mm-hh:mm\" at least 30 minutes long, e.g. \"17:00-18:00\"."
  }
}

variable "preferred_maintenance_window" {
  description = "Weekly UTC window for maintenance, \"ddd:hh:mm-ddd:hh:mm\", at least 30 minutes, not overlapping the backup window. Default sun:18:30-sun:19:30 UTC is Monday 03:30-04:30 in Japan."
  type        = string
  default     = "sun:18:30-sun:19:30"

  validation {
    # Minutes into the week of each end; the window may wrap past Sunday.
    condition = can(regex("^(mon|tue|wed|thu|fri|sat|sun):([01]\\d|2[0-3]):[0-5]\\d-(mon|tue|wed|thu|fri|sat|sun):([01]\\d|2[0-3]):[0-5]\\d$", lower(var.preferred_maintenance_window))) && try(
      (
        (
          index(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], lower(substr(var.preferred_maintenance_window, 10, 3))) * 1440 +
          tonumber(substr(var.preferred_maintenance_window, 14, 2)) * 60 + tonumber(substr(var.preferred_maintenance_window, 17, 2)) -
          index(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], lower(substr(var.preferred_maintenance_window, 0, 3))) * 1440 -
          tonumber(substr(var.preferred_maintenance_window, 4, 2)) * 60 - tonumber(substr(var.preferred_maintenance_window, 7, 2))
        ) + 10080
      ) % 10080 >= 30,
      false
    )
    error_message = "preferred_maintenance_window must be a UTC window \"ddd:hh:mm-ddd:hh:mm\" with days mon-sun, at least 30 minutes long, e.g. \"sun:18:30-sun:19:30\"."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the cluster (including from terraform destroy) until this is set to false and applied."
  type        = bool
  default     = true
  nullable    = false
}

variable "skip_final_snapshot" {
  description = "Delete the cluster without a final snapshot. Off by default: destroying takes a snapshot named final_snapshot_identifier."
  type        = bool
  default     = false
  nullable    = false
}

variable "delete_automated_backups" {
  description = "Delete the automated backups together with the cluster. Off by default: they stay restorable for backup_retention_period days after a deletion, mistaken or not (seed R8.1-c, N1)."
  type        = bool
  default     = false
  nullable    = false
}

variable "final_snapshot_identifier" {
  description = "Name of the snapshot taken when the cluster is deleted. Null uses \"<name>-final-snapshot\". Snapshot names are unique per account and region: change it before destroying a cluster of the same name again."
  type        = string
  default     = null

  validation {
    condition     = var.final_snapshot_identifier == null || (can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,254}$", coalesce(var.final_snapshot_identifier, "x"))) && !endswith(coalesce(var.final_snapshot_identifier, "x"), "-") && !strcontains(coalesce(var.final_snapshot_identifier, "x"), "--"))
    error_message = "final_snapshot_identifier must be null or 1-255 letters, digits and single hyphens, start with a letter and not end with a hyphen."
  }
}

variable "apply_immediately" {
  description = "Apply changes that need a restart at once rather than in the maintenance window."
  type        = bool
  default     = false
  nullable    = false
}

################################################################################
# Observability
################################################################################

variable "enabled_cloudwatch_logs_exports" {
  description = "Logs the cluster exports to CloudWatch Logs. The module creates their groups first, KMS-encrypted and with log_retention_in_days, so RDS does not create unencrypted, never-expiring ones."
  type        = list(string)
  default     = ["postgresql"]

  validation {
    condition     = length(var.enabled_cloudwatch_logs_exports) >= 1 && alltrue([for l in var.enabled_cloudwatch_logs_exports : contains(["postgresql", "iam-db-auth-error"], l)])
    error_message = "enabled_cloudwatch_logs_exports must list at least one of the logs Aurora PostgreSQL exports: \"postgresql\", \"iam-db-auth-error\"."
  }
}

variable "log_retention_in_days" {
  description = "Days the exported database logs are kept in CloudWatch Logs (seed R3.4-b: 30)."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653 (seed: 30)."
  }
}

variable "performance_insights_retention_period" {
  description = "Days Performance Insights keeps its data. 7 is free; longer costs per vCPU-equivalent."
  type        = number
  default     = 7

  validation {
    condition     = contains(concat([7], [for m in range(1, 24) : m * 31], [731]), var.performance_insights_retention_period)
    error_message = "performance_insights_retention_period must be 7 (free), a multiple of 31 up to 713 (months), or 731 (two years)."
  }
}

variable "monitoring_interval" {
  description = "Seconds between Enhanced Monitoring (OS metrics) samples; 0 turns it off. The module creates the monitoring role when it is on."
  type        = number
  default     = 60

  validation {
    condition     = contains([0, 1, 5, 10, 15, 30, 60], var.monitoring_interval)
    error_message = "monitoring_interval must be 0 (off), 1, 5, 10, 15, 30 or 60 seconds."
  }
}

################################################################################
# Secrets
################################################################################

variable "master_password_rotation_days" {
  description = "Days between automatic rotations of the RDS-managed master password (seed R1.4-d)."
  type        = number
  default     = 7

  validation {
    condition     = var.master_password_rotation_days >= 1 && var.master_password_rotation_days <= 1000 && floor(var.master_password_rotation_days) == var.master_password_rotation_days
    error_message = "master_password_rotation_days must be a whole number of days from 1 to 1000 (the Secrets Manager range)."
  }
}

variable "bedrock_api_key_secret" {
  description = <<-EOT
    The optional Bedrock API key secret (seed R1.4-c).
    enabled: create the secret (KMS-encrypted) and include it in secrets_read_policy_json.
    value_version: null leaves the value to be put out of band (aws secretsmanager put-secret-value); a number writes the ephemeral input bedrock_api_key write-only, and raising it writes a new value.
  EOT
  type = object({
    enabled       = optional(bool, false)
    value_version = optional(number)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.bedrock_api_key_secret.value_version == null || (var.bedrock_api_key_secret.enabled && try(var.bedrock_api_key_secret.value_version >= 1 && floor(var.bedrock_api_key_secret.value_version) == var.bedrock_api_key_secret.value_version, false))
    error_message = "bedrock_api_key_secret.value_version must be null, or a whole number of at least 1 with enabled = true (and the key passed in bedrock_api_key)."
  }
}

variable "bedrock_api_key" {
  description = "The Bedrock API key, written write-only into its secret when bedrock_api_key_secret.value_version is set. Ephemeral: never stored in state or plan. Pass it with TF_VAR_bedrock_api_key."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = var.bedrock_api_key == null || try(length(trimspace(var.bedrock_api_key)) > 0, false)
    error_message = "bedrock_api_key must be null or a non-blank key; unset TF_VAR_bedrock_api_key instead of passing an empty string."
  }
}

variable "secret_recovery_window_in_days" {
  description = "Days a deleted application secret can still be restored. 0 deletes at once (only for throwaway environments)."
  type        = number
  default     = 30

  validation {
    condition     = var.secret_recovery_window_in_days == 0 || (var.secret_recovery_window_in_days >= 7 && var.secret_recovery_window_in_days <= 30 && floor(var.secret_recovery_window_in_days) == var.secret_recovery_window_in_days)
    error_message = "secret_recovery_window_in_days must be 0 (delete at once) or a whole number from 7 to 30."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Days a KMS key of the module waits before deletion after it is scheduled; the only chance to cancel a mistaken destroy of data that key encrypts."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30 && floor(var.kms_key_deletion_window_in_days) == var.kms_key_deletion_window_in_days
    error_message = "kms_key_deletion_window_in_days must be a whole number from 7 to 30 (the KMS range)."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource of the module (cost allocation, seed R7.2-d)."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition = alltrue([
      for k, v in var.tags : length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")
    ])
    error_message = "tags keys must be 1-128 characters and not start with \"aws:\" (reserved by AWS); values at most 256 characters."
  }
}
