variable "name" {
  description = "Name of the history table, and prefix of its KMS alias (alias/<name>). 3-200 letters, digits, '_' or '-', e.g. \"opsdeck-deploy-history\". Required: one table holds every service and environment of an account and region (the partition key is \"<service>#<environment>\"), and a second stack on a default name would collide with it."
  type        = string
  default     = null

  validation {
    condition     = var.name != null
    error_message = "name is required: it names the history table and its key alias, e.g. \"opsdeck-deploy-history\" (the name opsdeck_deploy_record's table_name and OPSDECK_HISTORY_TABLE then use)."
  }

  validation {
    # DynamoDB allows 255 characters and '.', but the KMS alias does not allow
    # '.'; 200 leaves room for the "alias/" prefix within KMS's 256.
    condition     = var.name == null || can(regex("^[A-Za-z0-9_-]{3,200}$", coalesce(var.name, "x")))
    error_message = "name must be 3-200 letters, digits, '_' or '-' (a DynamoDB table name that is also a valid KMS alias), e.g. \"opsdeck-deploy-history\"."
  }
}

variable "kms_alias_use_name_prefix" {
  description = "Name the created key's alias with a unique suffix (\"alias/<name>-<suffix>\") instead of exactly \"alias/<name>\"."
  type        = bool
  default     = false
  nullable    = false
}

variable "kms_key_arn" {
  description = "ARN of an existing customer managed KMS key to encrypt the table with. Null (the default) creates a key with yearly rotation for the table alone."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), not an alias or a key id; or null to create a key."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before the created KMS key is deleted after a destroy (7-30 days). Unused with kms_key_arn."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30 && floor(var.kms_key_deletion_window_in_days) == var.kms_key_deletion_window_in_days
    error_message = "kms_key_deletion_window_in_days must be a whole number from 7 to 30 (the range KMS accepts)."
  }
}

variable "deletion_protection_enabled" {
  description = "DynamoDB deletion protection: the history (R2.4, R8.2-c) cannot be deleted by a destroy until this is turned off in a separate apply. Set false only for throwaway copies such as tests."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags of every resource of the module."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")])
    error_message = "tags keys must be 1-128 characters and not start with \"aws:\"; values at most 256 characters."
  }
}
