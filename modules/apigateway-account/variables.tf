variable "name" {
  description = "Prefix of the role's name (\"<name>-apigw-logs-<random>\" with role_use_name_prefix, else \"<name>-apigateway-cloudwatch\"). Lowercase letters, digits and hyphens, 1-32 characters, starting with a letter; required, so that two stacks never share a role by accident."
  type        = string
  default     = null

  validation {
    condition     = var.name != null
    error_message = "name is required: it prefixes the role this module creates, e.g. \"opsdeck-prod\"."
  }

  validation {
    condition     = var.name == null || can(regex("^[a-z][a-z0-9-]{0,31}$", coalesce(var.name, "x"))) && !endswith(coalesce(var.name, "x"), "-") && !strcontains(coalesce(var.name, "x"), "--")
    error_message = "name must be 1-32 characters of lowercase letters, digits and single hyphens, start with a letter and not end with a hyphen, e.g. \"opsdeck-prod\"."
  }
}

variable "role_use_name_prefix" {
  description = "Create the role with a name prefix and a unique suffix (IAM names are global to the account, across regions: two regions or two stacks never collide). false names it exactly \"<name>-apigateway-cloudwatch\"."
  type        = bool
  default     = true
  nullable    = false
}

variable "role_permissions_boundary" {
  description = "ARN of a permissions boundary for the role, where the organisation requires one."
  type        = string
  default     = null

  validation {
    condition     = var.role_permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", coalesce(var.role_permissions_boundary, "x")))
    error_message = "role_permissions_boundary must be null or an IAM policy ARN (arn:aws:iam::ACCOUNT:policy/NAME)."
  }
}

variable "tags" {
  description = "Tags for the role."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")])
    error_message = "tags keys must be 1-128 characters and not start with \"aws:\"; values at most 256 characters."
  }
}
