variable "app_version" {
  description = "The release to run (e.g. \"v1.4.2\"): the artifact folder of the Lambda functions, the frontend folder CloudFront serves, and the deploy record. The pipeline sets it; a rollback is an apply with the previous one."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,63}$", var.app_version))
    error_message = "app_version must be 1-63 letters, digits, '.', '_' or '-', e.g. \"v1.4.2\"."
  }
}

variable "region" {
  description = "Region of the application (the seed's: Tokyo)."
  type        = string
  default     = "ap-northeast-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-\\d$", var.region))
    error_message = "region must be an AWS region name such as \"ap-northeast-1\"."
  }
}

variable "project" {
  description = "Project tag and first part of every name (\"<project>-<environment>\")."
  type        = string
  default     = "opsdeck"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,11}$", var.project))
    error_message = "project must be 2-12 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Environment tag and second part of every name; the deploy history partition is \"<project>#<environment>\"."
  type        = string
  default     = "prod"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment must be 2-10 lowercase letters or digits, starting with a letter, e.g. \"prod\"."
  }
}

variable "cost_center" {
  description = "CostCenter tag of every resource (a cost allocation tag, R7.2-d)."
  type        = string
  default     = "opsdeck"

  validation {
    condition     = length(var.cost_center) >= 1 && length(var.cost_center) <= 256
    error_message = "cost_center must be 1-256 characters."
  }
}

variable "availability_zones" {
  description = "The two zones of the subnets and the database (pinned, so they never change under a running stack)."
  type        = list(string)
  default     = ["ap-northeast-1a", "ap-northeast-1c"]

  validation {
    condition     = length(var.availability_zones) == 2 && length(distinct(var.availability_zones)) == 2
    error_message = "availability_zones must name two distinct zones of the region (Multi-AZ, seed R1.5-b/c)."
  }
}

variable "artifacts" {
  description = "Where the pipeline uploads each release's Lambda zips: s3://<bucket>/<prefix>/<app_version>/<function>.zip. The bucket exists before the first apply (README, \"First deploy\")."
  type = object({
    bucket = string
    prefix = optional(string, "opsdeck-prod")
  })

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifacts.bucket)) && can(regex("^[A-Za-z0-9._/-]{1,200}$", var.artifacts.prefix))
    error_message = "artifacts.bucket must be an S3 bucket name and artifacts.prefix a key prefix without spaces, e.g. { bucket = \"opsdeck-artifacts-123456789012\" }."
  }
}

variable "slack_notifier_zip" {
  description = "Path of the Slack notifier's zip (cargo xtask lambda slack-notifier writes dist/lambda/slack-notifier.zip)."
  type        = string
  default     = "../../dist/lambda/slack-notifier.zip"

  validation {
    condition     = endswith(var.slack_notifier_zip, ".zip")
    error_message = "slack_notifier_zip must be the path of a .zip file, e.g. \"../../dist/lambda/slack-notifier.zip\"."
  }
}

variable "slack_webhook_url" {
  description = "The Slack incoming webhook URL, written write-only into its secret when slack_webhook_url_version changes. Ephemeral: never in a plan or the state. Pass it with TF_VAR_slack_webhook_url, or leave it null and put the secret's value out of band."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = var.slack_webhook_url == null || can(regex("^https://hooks\\.slack\\.com/", coalesce(var.slack_webhook_url, "x")))
    error_message = "slack_webhook_url must be a Slack incoming webhook (https://hooks.slack.com/...) or null."
  }
}

variable "slack_webhook_url_version" {
  description = "Raise it to write slack_webhook_url again (write-only values are written when their version changes). null: the value is put out of band (aws secretsmanager put-secret-value)."
  type        = number
  default     = null

  validation {
    condition     = var.slack_webhook_url_version == null || try(var.slack_webhook_url_version >= 1 && floor(var.slack_webhook_url_version) == var.slack_webhook_url_version, false)
    error_message = "slack_webhook_url_version must be null or a whole number of at least 1."
  }
}

variable "domain" {
  description = "The site's domain names and their ACM certificate (in us-east-1, for CloudFront). Production guards require both, with a TLS policy of TLSv1.2_2021 or newer."
  type = object({
    aliases                  = list(string)
    acm_certificate_arn      = string
    minimum_protocol_version = optional(string, "TLSv1.2_2021")
  })
}

variable "api_origin_verify_secret" {
  description = "Secret value of the header (x-origin-verify) CloudFront adds to every request it sends to the API; the stage's web ACL blocks requests without it, so the execute-api URL answers only through CloudFront (the health route stays open). Required in production (a guard refuses null). 32-128 letters, digits, '-' and '_': generate it with `openssl rand -hex 32` and pass it as TF_VAR_api_origin_verify_secret. It is in the state (the web ACL rule and the distribution's origin need it in clear text): the S3 backend encrypts the state. Rotate it by applying a new value (envs/prod README, \"The API\")."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.api_origin_verify_secret == null || can(regex("^[A-Za-z0-9_-]{32,128}$", coalesce(var.api_origin_verify_secret, "x")))
    error_message = "api_origin_verify_secret must be 32-128 letters, digits, '-' or '_' (e.g. the output of `openssl rand -hex 32`), or null (refused by a production guard unless test_allow_destroy is set)."
  }
}

variable "manage_apigateway_account" {
  description = "Manage the account's API Gateway CloudWatch logging role (modules/apigateway-account, through modules/compute). API Gateway needs it before a stage can log, and it is one setting per account and region, shared by every API there: true (default) because envs/prod is usually the only stack of its account and region that sets it; set false when another stack (or a landing zone) owns it, or two stacks overwrite each other's role."
  type        = bool
  default     = true
  nullable    = false
}

variable "cloudfront_web_acl_arn" {
  description = "A WAFv2 web ACL of scope CLOUDFRONT (created in us-east-1) for the distribution, e.g. with per-client rate limits, which only CloudFront can apply on the viewers' addresses. null: none (the API stage has its own regional web ACL)."
  type        = string
  default     = null

  validation {
    condition     = var.cloudfront_web_acl_arn == null || can(regex("^arn:aws[a-z-]*:wafv2:us-east-1:\\d{12}:global/webacl/.+$", coalesce(var.cloudfront_web_acl_arn, "x")))
    error_message = "cloudfront_web_acl_arn must be a global WAFv2 web ACL ARN (\"arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>\") or null."
  }
}

variable "break_glass_role_arn" {
  description = "The IAM role allowed to delete CloudTrail logs or their bucket (modules/audit); nobody else can."
  type        = string
}

variable "release_url_prefix" {
  description = "GitHub Releases URL prefix; the deploy record links <prefix><app_version>, e.g. \"https://github.com/acme/opsdeck/releases/tag/\". null: no link."
  type        = string
  default     = null

  validation {
    condition     = var.release_url_prefix == null || can(regex("^https://[^\\s]+/releases/tag/$", coalesce(var.release_url_prefix, "x")))
    error_message = "release_url_prefix must be null or an https URL ending in /releases/tag/."
  }
}

variable "alarm_email_topic_arn" {
  description = "A topic that does not depend on Slack (e-mail, pager) for the Slack notifier's own failure alarm; null: no such alarm."
  type        = string
  default     = null
}

variable "monthly_budget_usd" {
  description = "The monthly cost budget (seed R7.2-b: 100)."
  type        = number
  default     = 100

  validation {
    condition     = var.monthly_budget_usd > 0
    error_message = "monthly_budget_usd must be above 0, e.g. 100."
  }
}

variable "deletion_protection" {
  description = "Deletion protection of the database, the deploy history and the buckets. A production guard refuses false: only test_allow_destroy lifts it."
  type        = bool
  default     = true
  nullable    = false
}

variable "test_allow_destroy" {
  description = "TEST ONLY (cargo xtask down, the terratest suite): lifts deletion protection, skips the final snapshot, deletes secrets and buckets at once, so a destroy leaves nothing. Never set it for an environment that holds data."
  type        = bool
  default     = false
  nullable    = false
}

variable "max_retries" {
  description = "Retries of failed AWS calls for both providers. Tests set it low so an unimplemented call fails fast."
  type        = number
  default     = 25

  validation {
    condition     = var.max_retries >= 0 && var.max_retries <= 25 && floor(var.max_retries) == var.max_retries
    error_message = "max_retries must be a whole number from 0 to 25."
  }
}
