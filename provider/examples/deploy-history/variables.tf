variable "region" {
  description = "AWS region of the stack and its history table."
  type        = string
  default     = "ap-northeast-1"
}

variable "app_version" {
  description = "Version to deploy, e.g. v1.4.2 (the Git tag of a GitHub Release)."
  type        = string
}

variable "commit" {
  description = "Commit deployed (GITHUB_SHA in the pipeline); null outside CI."
  type        = string
  default     = null
}

variable "repository" {
  description = "GitHub repository of the releases, OWNER/REPO."
  type        = string
  default     = "acme/shop"
}
