output "trail_arn" {
  description = "ARN of the trail."
  value       = module.audit.trail_arn
}

output "bucket_id" {
  description = "Bucket of the log files."
  value       = module.audit.bucket_id
}
