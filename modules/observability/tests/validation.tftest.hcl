# Every validation rule of modules/observability, broken once: the plan must fail on
# exactly that input.

mock_provider "aws" {
  override_data {
    target = data.aws_region.current
    values = { name = "ap-northeast-1" }
  }
}

mock_provider "opsdeck" {}

variables {
  name            = "opsdeck-prod"
  functions       = { api = { function_name = "opsdeck-prod-api", log_group_name = "/aws/lambda/opsdeck-prod-api" } }
  alarm_topic_arn = "arn:aws:sns:ap-northeast-1:123456789012:opsdeck-prod-alarms"
}

run "valid_inputs_plan" {
  command = plan
}

run "name_too_long_for_xray" {
  command = plan
  variables { name = "a-name-that-is-far-too-long-for-xray" }
  expect_failures = [var.name]
}

run "api_stage_with_slash" {
  command = plan
  variables { api = { name = "opsdeck", stage_name = "live/v1" } }
  expect_failures = [var.api]
}

run "function_key_upper_case" {
  command = plan
  variables { functions = { API = { function_name = "f", log_group_name = "/aws/lambda/f" } } }
  expect_failures = [var.functions]
}

run "function_arn_instead_of_name" {
  command = plan
  variables { functions = { api = { function_name = "arn:aws:lambda:ap-northeast-1:123456789012:function:f", log_group_name = "/aws/lambda/f" } } }
  expect_failures = [var.functions]
}

run "cluster_arn_instead_of_identifier" {
  command = plan
  variables { database = { cluster_identifier = "arn:aws:rds:ap-northeast-1:123456789012:cluster:db" } }
  expect_failures = [var.database]
}

run "max_capacity_not_a_half_step" {
  command = plan
  variables { database = { cluster_identifier = "db", max_capacity = 2.3 } }
  expect_failures = [var.database]
}

run "max_connections_fractional" {
  command = plan
  variables { database = { cluster_identifier = "db", max_connections = 10.5 } }
  expect_failures = [var.database]
}

run "connections_alarm_percent_100" {
  command = plan
  variables { database = { cluster_identifier = "db", connections_alarm_percent = 100 } }
  expect_failures = [var.database]
}

run "distribution_domain_instead_of_id" {
  command = plan
  variables { cloudfront = { distribution_id = "d111111abcdef8.cloudfront.net" } }
  expect_failures = [var.cloudfront]
}

run "state_machine_version_arn" {
  command = plan
  variables { state_machine_arns = { wf = "arn:aws:states:ap-northeast-1:123456789012:stateMachine:wf:3" } }
  expect_failures = [var.state_machine_arns]
}

run "topic_name_instead_of_arn" {
  command = plan
  variables { alarm_topic_arn = "opsdeck-prod-alarms" }
  expect_failures = [var.alarm_topic_arn]
}

run "us_east_1_topic_in_tokyo" {
  command = plan
  variables { alarm_topic_arn_us_east_1 = "arn:aws:sns:ap-northeast-1:123456789012:alarms" }
  expect_failures = [var.alarm_topic_arn_us_east_1]
}

run "cloudfront_without_a_us_east_1_topic" {
  command = plan
  variables { cloudfront = { distribution_id = "E2QWRUHAPOMQZL" } }
  expect_failures = [opsdeck_alarm_set.edge]
}

run "runbook_url_with_fragment" {
  command = plan
  variables { runbook_url = "https://wiki.example.com/runbook#alarms" }
  expect_failures = [var.runbook_url]
}

run "percentage_threshold_above_100" {
  command = plan
  variables { alarms = { api_5xx_percent = 500 } }
  expect_failures = [var.alarms]
}

run "latency_threshold_zero" {
  command = plan
  variables { alarms = { api_p95_latency_ms = 0 } }
  expect_failures = [var.alarms]
}

run "detection_bound_above_p4" {
  command = plan
  variables { alarms = { max_detection_seconds = 600 } }
  expect_failures = [var.alarms]
}

run "text_filter_pattern" {
  command = plan
  variables { logs = { error_pattern = "ERROR" } }
  expect_failures = [var.logs]
}

run "sampling_rate_above_one" {
  command = plan
  variables { xray = { fixed_rate = 5 } }
  expect_failures = [var.xray]
}

run "reservoir_fractional" {
  command = plan
  variables { xray = { reservoir_size = 0.5 } }
  expect_failures = [var.xray]
}

run "latency_group_zero" {
  command = plan
  variables { xray = { latency_threshold_seconds = 0 } }
  expect_failures = [var.xray]
}

run "notifications_without_insights" {
  command = plan
  variables { xray = { insights_enabled = false, notifications_enabled = true } }
  expect_failures = [var.xray]
}

run "budget_zero" {
  command = plan
  variables { cost = { monthly_budget_usd = 0 } }
  expect_failures = [var.cost]
}

run "anomaly_threshold_zero" {
  command = plan
  variables { cost = { anomaly_threshold_usd = 0 } }
  expect_failures = [var.cost]
}

run "anomaly_topic_not_an_arn" {
  command = plan
  variables { cost = { anomaly_topic_arn = "cost-topic" } }
  expect_failures = [var.cost]
}

run "two_anomaly_tags" {
  command = plan
  variables { cost = { anomaly_monitor_tags = { Environment = "prod", Project = "opsdeck" } } }
  expect_failures = [var.cost]
}

run "reserved_tag_key" {
  command = plan
  variables { tags = { "aws:cost" = "x" } }
  expect_failures = [var.tags]
}
