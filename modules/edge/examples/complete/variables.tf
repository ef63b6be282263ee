variable "region" {
  description = "AWS region of the buckets (CloudFront itself is global)."
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

variable "app_version" {
  description = "The release to serve; must be one of released_versions. Apply with the previous one to roll back."
  type        = string
  default     = "v1"
}

variable "released_versions" {
  description = "Releases whose pages the example uploads (index, 404 and 500 pages per release folder), as the pipeline would."
  type        = list(string)
  default     = ["v1", "v2"]
}

variable "origin_access" {
  description = "\"oac\" (recommended) or \"oai\" (legacy, named by the seed)."
  type        = string
  default     = "oac"
}
