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

variable "aliases" {
  description = "Domain names the distribution serves (covered by acm_certificate_arn)."
  type        = list(string)
  default     = []
}

variable "acm_certificate_arn" {
  description = "ACM certificate in us-east-1 for the aliases."
  type        = string
  default     = null
}

variable "require_custom_certificate" {
  description = "Refuse to build without a certificate and aliases (the module's production default). false only for a throwaway test."
  type        = bool
  default     = true
}

variable "api_origin" {
  description = "The API to serve under /api/*: { domain_name, origin_path } from modules/compute (outputs api_domain_name, api_origin_path), or null."
  type = object({
    domain_name = string
    origin_path = string
  })
  default = null
}

variable "api_origin_verify_secret" {
  description = "Secret header value CloudFront sends to the API (the same as modules/compute api_origin_verify_secret); pass it as TF_VAR_api_origin_verify_secret."
  type        = string
  default     = null
  sensitive   = true
}
