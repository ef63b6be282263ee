output "app_version" {
  description = "The release served (the input, echoed for compositions and checks)."
  value       = var.app_version
}

output "origin_path" {
  description = "Origin path of the distribution, \"/<app_version>\": the bucket folder CloudFront serves."
  value       = local.origin_path
}

output "bucket_id" {
  description = "Name of the private frontend bucket; the pipeline uploads each release to \"<app_version>/\" in it."
  value       = aws_s3_bucket.frontend.id
}

output "bucket_arn" {
  description = "ARN of the frontend bucket."
  value       = aws_s3_bucket.frontend.arn
}

output "bucket_regional_domain_name" {
  description = "Regional domain name of the frontend bucket (the origin)."
  value       = aws_s3_bucket.frontend.bucket_regional_domain_name
}

output "log_bucket_id" {
  description = "Name of the access-log bucket (CloudFront logs under access_logs.prefix, S3 access logs under \"s3/\")."
  value       = aws_s3_bucket.logs.id
}

output "distribution_id" {
  description = "ID of the CloudFront distribution (for invalidations and alarms)."
  value       = aws_cloudfront_distribution.this.id
}

output "distribution_arn" {
  description = "ARN of the CloudFront distribution."
  value       = aws_cloudfront_distribution.this.arn
}

output "distribution_domain_name" {
  description = "Domain name of the distribution, e.g. d111111abcdef8.cloudfront.net."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "distribution_hosted_zone_id" {
  description = "Route 53 zone ID for alias records pointing at the distribution."
  value       = aws_cloudfront_distribution.this.hosted_zone_id
}

output "origin_access_control_id" {
  description = "ID of the origin access control, or null when origin_access is \"oai\"."
  value       = one(aws_cloudfront_origin_access_control.this[*].id)
}

output "origin_access_identity_id" {
  description = "ID of the origin access identity, or null when origin_access is \"oac\"."
  value       = one(aws_cloudfront_origin_access_identity.this[*].id)
}

output "cache_policy_id" {
  description = "ID of the cache policy."
  value       = aws_cloudfront_cache_policy.this.id
}

output "response_headers_policy_id" {
  description = "ID of the security headers policy."
  value       = aws_cloudfront_response_headers_policy.this.id
}

output "viewer_minimum_protocol_version" {
  description = "The TLS security policy viewers are held to: minimum_protocol_version with a certificate, \"TLSv1\" with CloudFront's default certificate (only when require_custom_certificate is false)."
  value       = aws_cloudfront_distribution.this.viewer_certificate[0].minimum_protocol_version
}

output "api_path_pattern" {
  description = "Path pattern CloudFront sends to the API origin (api_origin.path_pattern), or null without api_origin."
  value       = var.api_origin == null ? null : var.api_origin.path_pattern
}
