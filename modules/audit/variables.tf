variable "name" {
  description = "Name of the trail, and prefix of its bucket (<name>-cloudtrail-<account id>), log group (/aws/cloudtrail/<name>), role and key alias. 1-32 lowercase letters, digits and single hyphens, starting with a letter. Required: two trails of one account must not share it."
  type        = string
  default     = null

  validation {
    # No default on purpose: two instances on one default name would fight
    # over the same trail, log group, role and key alias.
    condition     = var.name != null
    error_message = "name is required: it names the trail and prefixes its bucket, log group, role and key alias, e.g. \"opsdeck-prod\"."
  }

  validation {
    condition     = var.name == null || (can(regex("^[a-z][a-z0-9-]{0,31}$", coalesce(var.name, "x"))) && !endswith(coalesce(var.name, "x"), "-") && !strcontains(coalesce(var.name, "x"), "--"))
    error_message = "name must be 1-32 characters of lowercase letters, digits and single hyphens, start with a letter and not end with a hyphen, e.g. \"opsdeck-prod\"."
  }
}

variable "data_event_bucket_arns" {
  description = "S3 buckets whose object-level operations the trail records as data events (R4.2-e, R8.2-a): the application's buckets (frontend, artifacts). Bucket ARNs (arn:aws:s3:::name)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.data_event_bucket_arns : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", a))])
    error_message = "data_event_bucket_arns must be S3 bucket ARNs such as \"arn:aws:s3:::opsdeck-prod-frontend-123456789012\" (no key, no trailing slash)."
  }
}

variable "data_event_lambda_function_arns" {
  description = "Lambda functions whose invocations the trail records as data events (R4.2-e). null records every function of the account; [] none."
  type        = list(string)
  default     = null

  validation {
    condition     = var.data_event_lambda_function_arns == null || alltrue([for a in coalesce(var.data_event_lambda_function_arns, []) : can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\\d{12}:function:[A-Za-z0-9_-]+$", a))])
    error_message = "data_event_lambda_function_arns must be null (every function), [] (none) or unqualified Lambda function ARNs (\"arn:aws:lambda:<region>:<account>:function:<name>\")."
  }
}

variable "break_glass_role_arn" {
  description = "The only IAM role that may delete trail logs, their versions or the bucket, or change its policy, lifecycle or versioning (R8.2). Everyone else, administrators included, is denied by the bucket policy."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::\\d{12}:role/.+$", var.break_glass_role_arn))
    error_message = "break_glass_role_arn must be an IAM role ARN (\"arn:aws:iam::<account>:role/<name>\"), the role your organisation uses for emergencies."
  }
}

variable "log_bucket" {
  description = <<-EOT
    The trail's bucket.
    archive_after_days: log files move to S3 Glacier Flexible Retrieval after this many days.
    expire_after_days: and are deleted after this many (must be later than the archive; 2557 is seven years).
    noncurrent_expire_after_days: replaced versions are deleted after this many days.
    force_destroy: let destroy delete the bucket with its logs (throwaway environments only; the break-glass role still has to run it in AWS).
  EOT
  type = object({
    archive_after_days           = optional(number, 90)
    expire_after_days            = optional(number, 2557)
    noncurrent_expire_after_days = optional(number, 365)
    force_destroy                = optional(bool, false)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.log_bucket.archive_after_days >= 1 && floor(var.log_bucket.archive_after_days) == var.log_bucket.archive_after_days && var.log_bucket.expire_after_days > var.log_bucket.archive_after_days + 90 && floor(var.log_bucket.expire_after_days) == var.log_bucket.expire_after_days
    error_message = "log_bucket.archive_after_days must be a whole number of at least 1 and log_bucket.expire_after_days a whole number more than 90 days later (Glacier bills 90 days at least), e.g. 90 and 2557."
  }

  validation {
    condition     = var.log_bucket.noncurrent_expire_after_days >= 1 && floor(var.log_bucket.noncurrent_expire_after_days) == var.log_bucket.noncurrent_expire_after_days
    error_message = "log_bucket.noncurrent_expire_after_days must be a whole number of days, at least 1."
  }
}

variable "log_retention_in_days" {
  description = "Days the trail's CloudWatch Logs copy is kept (seed R3.4-b: 30); the bucket keeps the files for log_bucket.expire_after_days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a value CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Days the trail's KMS key waits before deletion after a destroy (7-30): the only chance to read the logs it encrypts again."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30 && floor(var.kms_key_deletion_window_in_days) == var.kms_key_deletion_window_in_days
    error_message = "kms_key_deletion_window_in_days must be a whole number from 7 to 30 (the KMS limits)."
  }
}

variable "permissions_boundary" {
  description = "ARN of a permissions boundary for the CloudTrail-to-CloudWatch Logs role, where the organisation requires one."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::(\\d{12}|aws):policy/.+$", coalesce(var.permissions_boundary, "x")))
    error_message = "permissions_boundary must be null or an IAM policy ARN (\"arn:aws:iam::<account>:policy/<name>\")."
  }
}

variable "role_use_name_prefix" {
  description = "Create the CloudTrail-to-CloudWatch Logs role with a name prefix and a unique suffix (IAM names are global to the account, across regions, so two trails never collide); the intended name is in the role's Name tag. false names it exactly \"<name>-cloudtrail-logs\"."
  type        = bool
  default     = true
  nullable    = false
}

variable "kms_alias_use_name_prefix" {
  description = "Name the key's alias with a unique suffix (\"alias/<name>-cloudtrail-<suffix>\") instead of exactly \"alias/<name>-cloudtrail\"."
  type        = bool
  default     = false
  nullable    = false
}

variable "tags" {
  description = "Tags for every taggable resource of the module."
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
