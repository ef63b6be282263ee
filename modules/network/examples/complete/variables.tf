variable "region" {
  description = "AWS region to build the example network in."
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

variable "nat_gateway_mode" {
  description = "\"single\" or \"per_az\"; see the module README for the trade-off."
  type        = string
  default     = "single"
}
