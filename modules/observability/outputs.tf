output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "dashboard_arn" {
  description = "ARN of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_arn
}

output "dashboard_url" {
  description = "Console deep link to the dashboard."
  value       = local.dashboard_console_url
}

output "alarm_sets" {
  description = "The opsdeck_alarm_set resources, one object { name, region } each: the application set in the module's region, the CloudFront set in us-east-1."
  value       = local.alarm_sets
}

output "app_alarm_set_name" {
  description = "Name of the application alarm set (its composite alarm), or null."
  value       = one(opsdeck_alarm_set.app[*].name)
}

output "app_composite_alarm_arn" {
  description = "ARN of the application set's composite alarm, or null."
  value       = one(opsdeck_alarm_set.app[*].composite_alarm_arn)
}

output "app_alarm_arns" {
  description = "ARNs of the application set's child alarms, by key."
  value       = one(opsdeck_alarm_set.app[*].alarm_arns)
}

output "edge_alarm_set_name" {
  description = "Name of the CloudFront alarm set in us-east-1, or null."
  value       = one(opsdeck_alarm_set.edge[*].name)
}

output "edge_composite_alarm_arn" {
  description = "ARN of the CloudFront set's composite alarm (us-east-1), or null."
  value       = one(opsdeck_alarm_set.edge[*].composite_alarm_arn)
}

output "detection_seconds" {
  description = "Worst-case seconds from a fault to each alarm firing, by set and key (P4)."
  value = merge(
    { for k, v in try(opsdeck_alarm_set.app[0].detection_seconds, {}) : "app/${k}" => v },
    { for k, v in try(opsdeck_alarm_set.edge[0].detection_seconds, {}) : "edge/${k}" => v },
  )
}

output "metric_namespace" {
  description = "Namespace of the metrics the metric filters publish (Opsdeck/<name>)."
  value       = local.metric_namespace
}

output "error_metric_filter_names" {
  description = "Metric filters counting each function's error lines, by function key."
  value       = { for k, f in aws_cloudwatch_log_metric_filter.errors : k => f.name }
}

output "db_connection_error_metric_filter_names" {
  description = "Metric filters counting database connection errors, by function key."
  value       = { for k, f in aws_cloudwatch_log_metric_filter.db_connection_errors : k => f.name }
}

output "query_definition_ids" {
  description = "Saved Logs Insights queries (folder <name>/), by name."
  value       = { for k, q in aws_cloudwatch_query_definition.this : k => q.query_definition_id }
}

output "xray_sampling_rule_arn" {
  description = "ARN of the X-Ray sampling rule, or null."
  value       = one(aws_xray_sampling_rule.this[*].arn)
}

output "xray_group_arns" {
  description = "ARNs of the X-Ray groups (faults, slow), by key."
  value       = { for k, g in aws_xray_group.this : k => g.arn }
}

output "budget_id" {
  description = "Import id of the monthly budget (<account_id>:<name>), or null."
  value       = one(opsdeck_cost_budget.monthly[*].id)
}

output "anomaly_monitor_arn" {
  description = "ARN of the Cost Anomaly Detection monitor, or null."
  value       = one(aws_ce_anomaly_monitor.this[*].arn)
}

output "anomaly_subscription_arn" {
  description = "ARN of the Cost Anomaly Detection subscription, or null."
  value       = one(aws_ce_anomaly_subscription.this[*].arn)
}
