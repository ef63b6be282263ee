variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"
}

variable "environment" {
  description = "Environment name, used in names and tags."
  type        = string
  default     = "quickstart"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.environment))
    error_message = "environment must be 2-21 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "max_retries" {
  description = "Retries of failed AWS calls for both providers (keep it low against an emulator so unimplemented calls fail fast)."
  type        = number
  default     = 2

  validation {
    condition     = var.max_retries >= 0 && var.max_retries <= 25 && floor(var.max_retries) == var.max_retries
    error_message = "max_retries must be a whole number from 0 to 25."
  }
}

variable "monthly_budget_usd" {
  description = "Monthly cost budget in USD (the seed's is 100)."
  type        = number
  default     = 100

  validation {
    condition     = var.monthly_budget_usd > 0
    error_message = "monthly_budget_usd must be greater than 0, e.g. 100."
  }
}
