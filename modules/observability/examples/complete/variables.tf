variable "region" {
  description = "Region of the application."
  type        = string
  default     = "ap-northeast-1"
}

variable "name" {
  description = "Name prefix, as modules/compute's name."
  type        = string
  default     = "opsdeck-example"
}

variable "distribution_id" {
  description = "CloudFront distribution id (modules/edge output distribution_id)."
  type        = string
  default     = "E2QWRUHAPOMQZL"
}
