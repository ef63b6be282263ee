output "topic_arn" {
  description = "The alarm topic: use it as alarm_actions / ok_actions, budget subscriber and EventBridge target."
  value       = opsdeck_slack_alarm_topic.alarms.arn
}

output "topic_kms_key_arn" {
  description = "The key that encrypts the topic (created by opsdeck_slack_alarm_topic)."
  value       = opsdeck_slack_alarm_topic.alarms.kms_key_arn
}

output "subscription_arn" {
  description = "The notifier's subscription to the topic."
  value       = opsdeck_slack_alarm_topic.alarms.subscription_arn
}

output "function_arn" {
  description = "The notifier function."
  value       = module.slack_notifier.function_arn
}

output "failed_queue_url" {
  description = "Where undeliverable notifications wait."
  value       = module.slack_notifier.failed_queue_url
}
