locals {
  site_url = "https://${var.domain.aliases[0]}"
}

output "opsdeck" {
  description = "What the release pipeline (the opsdeck CLI, issue 15) reads: see README.md, \"The opsdeck output\"."
  value = {
    region                   = var.region
    service                  = var.project
    environment              = var.environment
    app_version              = var.app_version
    history_table_name       = module.deploy_history.table_name
    artifact_bucket          = var.artifacts.bucket
    artifact_prefix          = var.artifacts.prefix
    db_cluster_identifier    = module.database.db_cluster_id
    site_url                 = local.site_url
    api_url                  = module.compute.api_invoke_url
    health_url               = module.compute.api_health_url
    alarm_sets               = module.observability.alarm_sets
    slack_webhook_secret_arn = aws_secretsmanager_secret.slack_webhook.arn
    dashboard_url            = module.observability.dashboard_url
  }
}

output "site_url" {
  description = "The site, on its own domain through CloudFront."
  value       = local.site_url
}

output "cloudfront_domain_name" {
  description = "The distribution's *.cloudfront.net name (point the aliases' DNS records at it)."
  value       = module.edge.distribution_domain_name
}

output "api_url" {
  description = "Base URL of the API stage (through CloudFront under /api once modules/edge serves it there)."
  value       = module.compute.api_invoke_url
}

output "health_url" {
  description = "The post-deploy check (GET)."
  value       = module.compute.api_health_url
}

output "dashboard_url" {
  description = "Console link of the CloudWatch dashboard."
  value       = module.observability.dashboard_url
}

output "alarm_topic_arns" {
  description = "The Slack alarm topics: the region's and us-east-1's (CloudFront)."
  value = {
    (var.region) = opsdeck_slack_alarm_topic.alarms.arn
    "us-east-1"  = opsdeck_slack_alarm_topic.alarms_us_east_1.arn
  }
}

output "alarm_sets" {
  description = "The alarm sets, { name, region } each."
  value       = module.observability.alarm_sets
}

output "history_table_name" {
  description = "The deploy history table."
  value       = module.deploy_history.table_name
}

output "deploy_id" {
  description = "Id of this apply's deploy record in the history."
  value       = opsdeck_deploy_record.release.id
}

output "trail_arn" {
  description = "The CloudTrail trail."
  value       = module.audit.trail_arn
}
