variable "secret_id" {
  description = "ARN (or name) of the Secrets Manager secret to write the generated value into, e.g. modules/database's jwt_signing_secret_arn."
  type        = string

  validation {
    condition     = can(regex("^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\\d{12}:secret:.+|[A-Za-z0-9/_+=.@-]{1,512})$", var.secret_id))
    error_message = "secret_id must be a Secrets Manager secret ARN (\"arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>\") or name; pass modules/database's jwt_signing_secret_arn."
  }
}

variable "length" {
  description = "Characters of the generated value (letters and digits). 64 carries about 381 bits."
  type        = number
  default     = 64

  validation {
    # 43 letters-and-digits carry 43 * log2(62) = 256 bits, the HS256 key
    # minimum; 4096 is the GetRandomPassword maximum.
    condition     = var.length >= 43 && var.length <= 4096 && floor(var.length) == var.length
    error_message = "length must be a whole number from 43 (256 bits of letters and digits, the HS256 minimum) to 4096."
  }
}

variable "value_version" {
  description = "Raise by one to generate and store a new value: a manual rotation. Anything reading the secret then gets the new value (for a JWT signing secret, tokens signed with the old value stop verifying)."
  type        = number
  default     = 1

  validation {
    condition     = var.value_version >= 1 && floor(var.value_version) == var.value_version
    error_message = "value_version must be a whole number of at least 1; raise it by one to generate a new value."
  }
}
