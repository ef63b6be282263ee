output "dashboard_url" {
  description = "Console link of the dashboard."
  value       = module.observability.dashboard_url
}

output "alarm_sets" {
  description = "The alarm sets and their regions."
  value       = module.observability.alarm_sets
}

output "detection_seconds" {
  description = "Worst-case detection time per alarm."
  value       = module.observability.detection_seconds
}
