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

variable "app_version" {
  description = "The release to run; must be one of released_versions. Apply with the previous one to roll back."
  type        = string
  default     = "v1"
}

variable "released_versions" {
  description = "Releases whose artifacts the example uploads to its artifact bucket, as the pipeline would have done for each release."
  type        = list(string)
  default     = ["v1", "v2"]

  validation {
    condition     = length(var.released_versions) > 0
    error_message = "released_versions must name at least one release."
  }
}

variable "lambda_zip" {
  description = "Path of the health function's zip, built by `cargo xtask lambda health` (dist/lambda/health.zip)."
  type        = string
  default     = "../../../../dist/lambda/health.zip"
}

variable "api_origin_verify_secret" {
  description = "Secret CloudFront sends to the API in the x-origin-verify header (32-128 letters, digits, '-', '_'); null leaves the execute-api URL open. Pass it from the environment (TF_VAR_api_origin_verify_secret), never in a file under version control."
  type        = string
  default     = null
  sensitive   = true
}
