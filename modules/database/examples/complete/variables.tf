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
  description = "Name prefix of the example's resources."
  type        = string
  default     = "opsdeck-example"
}

# The inputs below keep production defaults; a throwaway run (such as the
# emulator tests) sets them to false / true / true / 0 so that destroy leaves
# nothing behind but KMS keys pending deletion.
variable "deletion_protection" {
  description = "Passed to modules/database."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Passed to modules/database."
  type        = bool
  default     = false
}

variable "delete_automated_backups" {
  description = "Passed to modules/database."
  type        = bool
  default     = false
}

variable "secret_recovery_window_in_days" {
  description = "Passed to modules/database."
  type        = number
  default     = 30
}
