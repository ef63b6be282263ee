variable "region" {
  description = "AWS region to build the example in."
  type        = string
  default     = "ap-northeast-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-\\d+$", var.region))
    error_message = "region must be an AWS region name such as \"ap-northeast-1\"."
  }
}

variable "name" {
  description = "Name of the example's history table."
  type        = string
  default     = "opsdeck-example-deploy-history"
}

# Production keeps deletion protection on; a throwaway run (such as the
# emulator tests) sets false and a 7-day key window so destroy cleans up.
variable "deletion_protection_enabled" {
  description = "Passed to modules/deploy-history."
  type        = bool
  default     = true
}

variable "kms_key_deletion_window_in_days" {
  description = "Passed to modules/deploy-history."
  type        = number
  default     = 30
}
