variable "region" {
  description = "AWS region whose API Gateway account setting the example manages."
  type        = string
  default     = "ap-northeast-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-\\d+$", var.region))
    error_message = "region must be an AWS region name such as \"ap-northeast-1\"."
  }
}

variable "name" {
  description = "Name prefix of the example's role."
  type        = string
  default     = "opsdeck-example"
}
