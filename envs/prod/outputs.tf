locals {
  site_url = "https://${var.domain.aliases[0]}"
  # The API through CloudFront (modules/edge api_origin, compute api.base_path = "api").
  api_url    = "${local.site_url}/api"
  health_url = "${local.api_url}/health"
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
    api_url                  = local.api_url
    health_url               = local.health_url
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
  description = "Base URL of the API, through CloudFront on the site's domain (\"<site_url>/api\"); every route but the health check needs \"Authorization: Bearer <JWT>\"."
  value       = local.api_url
}

output "health_url" {
  description = "The post-deploy check (GET \"<site_url>/api/health\", no token)."
  value       = local.health_url
}

output "api_execute_api_url" {
  description = "The stage's own execute-api URL. Only the health route answers there (\"<url>/api/health\"); the stage's web ACL refuses the rest without CloudFront's origin header."
  value       = module.compute.api_invoke_url
}

output "api_execute_api_health_url" {
  description = "The health route on the execute-api URL, which bypasses CloudFront (to tell an API fault from a CDN fault)."
  value       = module.compute.api_health_url
}

output "api_web_acl_arn" {
  description = "The regional web ACL on the API stage."
  value       = module.compute.web_acl_arn
}

output "api_authorizer_id" {
  description = "The API Gateway authorizer (the authorizer function's live alias)."
  value       = module.compute.api_authorizer_id
}

output "apigateway_account_role_arn" {
  description = "The account's API Gateway logging role when manage_apigateway_account is true, else null."
  value       = module.compute.apigateway_account_role_arn
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
