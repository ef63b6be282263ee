output "secret_id" {
  description = "The secret the value was written to (as given), for dependency ordering."
  value       = aws_secretsmanager_secret_version.this.secret_id
}

output "secret_version_id" {
  description = "Secrets Manager version ID of the value the last apply wrote (AWSCURRENT)."
  value       = aws_secretsmanager_secret_version.this.version_id
}
