variable "region" {
  description = "AWS region of the example."
  type        = string
  default     = "ap-northeast-1"
}

variable "lambda_zip" {
  description = "The notifier's zip (cargo xtask lambda slack-notifier writes dist/lambda/slack-notifier.zip)."
  type        = string
}

variable "webhook_url" {
  description = "The Slack incoming-webhook URL. Ephemeral: it goes to Secrets Manager through a write-only argument and is kept in no plan and no state."
  type        = string
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = startswith(var.webhook_url, "https://")
    error_message = "webhook_url must be the https:// URL Slack gave for the incoming webhook."
  }
}

variable "webhook_url_version" {
  description = "Bump to store a new webhook_url (write-only arguments are sent only when their version changes)."
  type        = number
  default     = 1
}
