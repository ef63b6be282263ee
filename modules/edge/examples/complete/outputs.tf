output "app_version" {
  description = "The release served."
  value       = module.edge.app_version
}

output "bucket_id" {
  description = "Private frontend bucket."
  value       = module.edge.bucket_id
}

output "log_bucket_id" {
  description = "Access-log bucket."
  value       = module.edge.log_bucket_id
}

output "distribution_id" {
  description = "CloudFront distribution."
  value       = module.edge.distribution_id
}

output "distribution_arn" {
  description = "CloudFront distribution ARN."
  value       = module.edge.distribution_arn
}

output "distribution_domain_name" {
  description = "Where the frontend is served."
  value       = module.edge.distribution_domain_name
}

output "origin_access_control_id" {
  description = "Origin access control (oac)."
  value       = module.edge.origin_access_control_id
}

output "origin_access_identity_id" {
  description = "Origin access identity (oai)."
  value       = module.edge.origin_access_identity_id
}

output "cache_policy_id" {
  description = "Cache policy."
  value       = module.edge.cache_policy_id
}

output "response_headers_policy_id" {
  description = "Security headers policy."
  value       = module.edge.response_headers_policy_id
}

output "release_objects" {
  description = "Objects uploaded per release."
  value       = sort(keys(aws_s3_object.page))
}

output "viewer_minimum_protocol_version" {
  description = "The TLS policy viewers are held to."
  value       = module.edge.viewer_minimum_protocol_version
}
