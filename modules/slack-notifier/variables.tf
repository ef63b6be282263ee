variable "name" {
  description = "Name of the function, and prefix of its role, log group (/aws/lambda/<name>), queue (<name>-failed) and key alias. Letters, digits, hyphens and underscores, 1-56 characters. Required: two notifiers of one account and region must not share it."
  type        = string
  default     = null

  validation {
    # No default on purpose: two instances on one default name would fight
    # over the same function, queue and log group.
    condition     = var.name != null
    error_message = "name is required: it names the function and prefixes its role, queue, log group and key alias, so it must differ between notifiers of one account and region, e.g. \"opsdeck-prod-slack-notifier\"."
  }

  validation {
    # 56 keeps "<name>-least-privilege" (an IAM policy name, max 128) and
    # "<name>-failed-events" well inside limits, and the function name within 64.
    condition     = var.name == null || can(regex("^[A-Za-z0-9_-]{1,56}$", coalesce(var.name, "x")))
    error_message = "name must be 1-56 letters, digits, hyphens or underscores, e.g. \"opsdeck-slack-notifier\"."
  }
}

variable "lambda_zip" {
  description = "Path of the function's zip: `bootstrap` at its root, built for provided.al2023 x86_64 by `cargo xtask lambda slack-notifier` (dist/lambda/slack-notifier.zip). Give this or artifact, not both."
  type        = string
  default     = null

  validation {
    condition     = var.lambda_zip == null || endswith(coalesce(var.lambda_zip, "x"), ".zip")
    error_message = "lambda_zip must be the path of a .zip file, e.g. \"dist/lambda/slack-notifier.zip\" (cargo xtask lambda slack-notifier writes it)."
  }

  validation {
    condition     = (var.lambda_zip == null) != (var.artifact == null)
    error_message = "Give exactly one of lambda_zip (a local zip) and artifact (the zip in the release bucket, as modules/compute reads its functions)."
  }
}

variable "artifact" {
  description = <<-EOT
    The function's zip in S3, like modules/compute's release artifacts (the pipeline uploads it; the module reads it): bucket and key, e.g. "opsdeck/v1.4.2/slack-notifier.zip". source_code_hash (the base64 SHA-256 `cargo xtask lambda` prints) redeploys when the object changes under the same key. Give this or lambda_zip, not both.
  EOT
  type = object({
    bucket           = string
    key              = string
    source_code_hash = optional(string)
  })
  default = null

  validation {
    condition     = var.artifact == null || (can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", try(var.artifact.bucket, ""))) && endswith(try(var.artifact.key, ""), ".zip") && !startswith(try(var.artifact.key, "/"), "/"))
    error_message = "artifact needs an S3 bucket name and a key of a .zip without a leading slash, e.g. { bucket = \"opsdeck-artifacts\", key = \"opsdeck/v1.4.2/slack-notifier.zip\" }."
  }

  validation {
    condition     = var.artifact == null || try(var.artifact.source_code_hash, null) == null || can(regex("^[A-Za-z0-9+/]{43}=$", try(var.artifact.source_code_hash, "")))
    error_message = "artifact.source_code_hash must be the base64 SHA-256 of the zip (44 characters ending in \"=\"), as `cargo xtask lambda` prints it, or null."
  }
}

variable "webhook_secret_arn" {
  description = "ARN of the Secrets Manager secret that holds the Slack webhook URL (the URL itself, or {\"webhook_url\": \"...\"}). The function may read this secret and no other."
  type        = string

  validation {
    # A URL here would end up in the function's environment and in the state.
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.webhook_secret_arn))
    error_message = "webhook_secret_arn must be a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME), never the webhook URL itself: store the URL in the secret."
  }
}

variable "webhook_secret_kms_key_arn" {
  description = "ARN of the customer managed KMS key that encrypts the webhook secret; the role may decrypt with it through Secrets Manager only. null when the secret uses the AWS managed key aws/secretsmanager."
  type        = string
  default     = null

  validation {
    condition     = var.webhook_secret_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.webhook_secret_kms_key_arn))
    error_message = "webhook_secret_kms_key_arn must be null or a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID); an alias cannot scope an IAM policy."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN for the log group and the failed-event queue. null (default) creates a key with rotation. A given key must let logs.<region>.amazonaws.com use it for the log group."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be null or a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before the created key is deleted (7-30 days)."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30 && floor(var.kms_key_deletion_window_in_days) == var.kms_key_deletion_window_in_days
    error_message = "kms_key_deletion_window_in_days must be a whole number from 7 to 30 (the KMS limits)."
  }
}

variable "memory_size" {
  description = "Memory of the function in MB. 128 is plenty: the function formats JSON and makes one HTTPS call."
  type        = number
  default     = 128

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB from 128 to 10240 (the Lambda limits)."
  }
}

variable "timeout" {
  description = "Function timeout in seconds. It bounds the Slack retries of one invocation (a 429's Retry-After is only waited for when it fits)."
  type        = number
  default     = 60

  validation {
    # Below 10 s one slow Slack answer plus one retry would not fit.
    condition     = var.timeout >= 10 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds from 10 (room for a Slack retry) to 900 (the Lambda limit)."
  }
}

variable "slack_timeout_ms" {
  description = "Timeout of one call to the Slack webhook, in milliseconds."
  type        = number
  default     = 5000

  validation {
    condition     = var.slack_timeout_ms >= 100 && var.slack_timeout_ms <= 60000 && floor(var.slack_timeout_ms) == var.slack_timeout_ms
    error_message = "slack_timeout_ms must be a whole number from 100 to 60000."
  }
}

variable "slack_max_attempts" {
  description = "Attempts per message within one invocation (429 and 5xx are retried), before the invocation fails and Lambda's own retries take over."
  type        = number
  default     = 4

  validation {
    condition     = var.slack_max_attempts >= 1 && var.slack_max_attempts <= 10 && floor(var.slack_max_attempts) == var.slack_max_attempts
    error_message = "slack_max_attempts must be a whole number from 1 to 10."
  }
}

variable "default_dashboard" {
  description = "CloudWatch dashboard linked from alarm messages whose description names none (the [opsdeck] line's dashboard= key). null: no dashboard button."
  type        = string
  default     = null

  validation {
    condition     = var.default_dashboard == null || can(regex("^[A-Za-z0-9_-]{1,255}$", var.default_dashboard))
    error_message = "default_dashboard must be null or a dashboard name: 1-255 letters, digits, hyphens or underscores."
  }
}

variable "log_retention_in_days" {
  description = "Retention of the function's log group (seed R3.4-b: 30 days)."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a value CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "maximum_retry_attempts" {
  description = "Lambda's retries of a failed asynchronous invocation (0-2) before the event goes to the failed-event queue."
  type        = number
  default     = 2

  validation {
    condition     = var.maximum_retry_attempts >= 0 && var.maximum_retry_attempts <= 2 && floor(var.maximum_retry_attempts) == var.maximum_retry_attempts
    error_message = "maximum_retry_attempts must be 0, 1 or 2 (the Lambda limits)."
  }
}

variable "maximum_event_age_in_seconds" {
  description = "How long Lambda keeps retrying an event (60-21600 s) before it goes to the failed-event queue."
  type        = number
  default     = 21600

  validation {
    condition     = var.maximum_event_age_in_seconds >= 60 && var.maximum_event_age_in_seconds <= 21600 && floor(var.maximum_event_age_in_seconds) == var.maximum_event_age_in_seconds
    error_message = "maximum_event_age_in_seconds must be a whole number from 60 to 21600 (the Lambda limits)."
  }
}

variable "tracing_mode" {
  description = "X-Ray tracing of the function: Active (seed R1.2-d, R3.3-a) or PassThrough."
  type        = string
  default     = "Active"

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "tracing_mode must be \"Active\" or \"PassThrough\"."
  }
}

variable "failed_alarm_actions" {
  description = "ARNs notified when events wait in the failed-event queue (an alarm on its depth). Empty: no alarm. Do not use only the Slack topic itself: when Slack is the problem, that alarm could not reach anyone."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.failed_alarm_actions : can(regex("^arn:aws[a-z-]*:", a))])
    error_message = "failed_alarm_actions must be ARNs (an SNS topic with an e-mail or pager subscription, for example)."
  }
}

variable "role_use_name_prefix" {
  description = "Create the role with a name prefix and a unique suffix (IAM names are global to the account, across regions). false names it exactly <name>."
  type        = bool
  default     = true
  nullable    = false
}

variable "kms_alias_use_name_prefix" {
  description = "Name the created key's alias with a unique suffix (\"alias/<name>-<suffix>\") instead of exactly \"alias/<name>\"."
  type        = bool
  default     = false
  nullable    = false
}

variable "role_permissions_boundary" {
  description = "ARN of a permissions boundary for the function's role, where the organisation requires one."
  type        = string
  default     = null

  validation {
    condition     = var.role_permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", var.role_permissions_boundary))
    error_message = "role_permissions_boundary must be null or an IAM policy ARN (arn:aws:iam::ACCOUNT:policy/NAME)."
  }
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")])
    error_message = "tags: keys must be 1-128 characters and not start with \"aws:\" (reserved); values at most 256 characters."
  }
}
