# Drawn by Secrets Manager (GetRandomPassword) during plan and apply and
# handed only to the write-only argument below: the value is in neither the
# plan nor the state. Secrets Manager keeps only the version that the last
# apply with a new value_version wrote.
ephemeral "aws_secretsmanager_random_password" "this" {
  password_length            = var.length
  exclude_punctuation        = true
  require_each_included_type = true
}

resource "aws_secretsmanager_secret_version" "this" {
  secret_id                = var.secret_id
  secret_string_wo         = ephemeral.aws_secretsmanager_random_password.this.random_password
  secret_string_wo_version = var.value_version
}
