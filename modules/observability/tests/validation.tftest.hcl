# Every validation rule of modules/observability, broken once. Rules of different inputs
# share a run (each run's expect_failures lists exactly the inputs it breaks), so the
# file needs as many plans as the input with the most rules has rules.

mock_provider "aws" {
  override_data {
    target = data.aws_region.current
    values = { id = "ap-northeast-1", name = "ap-northeast-1" }
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

run "first_rule_of_each_input" {
  command = plan
  variables {
    name                      = "a-name-that-is-far-too-long-for-xray" # X-Ray group names
    api                       = { name = "opsdeck", stage_name = "live/v1" }
    functions                 = { API = { function_name = "f", log_group_name = "/aws/lambda/f" } }
    database                  = { cluster_identifier = "arn:aws:rds:ap-northeast-1:123456789012:cluster:db" }
    cloudfront                = { distribution_id = "d111111abcdef8.cloudfront.net" }
    state_machine_arns        = { wf = "arn:aws:states:ap-northeast-1:123456789012:stateMachine:wf:3" }
    alarm_topic_arn           = "opsdeck-prod-alarms"
    alarm_topic_arn_us_east_1 = "arn:aws:sns:ap-northeast-1:123456789012:alarms"
    runbook_url               = "https://wiki.example.com/runbook#alarms"
    alarms                    = { api_5xx_percent = 500 }
    logs                      = { error_pattern = "ERROR" }
    xray                      = { fixed_rate = 5 }
    cost                      = { monthly_budget_usd = 0 }
    tags                      = { "aws:cost" = "x" }
  }
  expect_failures = [
    var.name, var.api, var.functions, var.database, var.cloudfront, var.state_machine_arns, var.alarm_topic_arn,
    var.alarm_topic_arn_us_east_1, var.runbook_url, var.alarms, var.logs, var.xray, var.cost, var.tags,
  ]
}

run "second_rule_of_each_input" {
  command = plan
  variables {
    functions = { api = { function_name = "arn:aws:lambda:ap-northeast-1:123456789012:function:f", log_group_name = "/aws/lambda/f" } }
    database  = { cluster_identifier = "db", max_capacity = 2.3 }
    alarms    = { api_p95_latency_ms = 0 }
    xray      = { reservoir_size = 0.5 }
    cost      = { anomaly_threshold_usd = 0 }
  }
  expect_failures = [var.functions, var.database, var.alarms, var.xray, var.cost]
}

run "third_rule_of_each_input" {
  command = plan
  variables {
    database = { cluster_identifier = "db", max_connections = 10.5 }
    alarms   = { max_detection_seconds = 600 }
    xray     = { latency_threshold_seconds = 0 }
    cost     = { anomaly_topic_arn = "cost-topic" }
  }
  expect_failures = [var.database, var.alarms, var.xray, var.cost]
}

run "fourth_rule_of_each_input" {
  command = plan
  variables {
    database = { cluster_identifier = "db", connections_alarm_percent = 100 }
    xray     = { insights_enabled = false, notifications_enabled = true }
    cost     = { anomaly_monitor_tags = { Environment = "prod", Project = "opsdeck" } }
  }
  expect_failures = [var.database, var.xray, var.cost]
}

run "cloudfront_without_a_us_east_1_topic" {
  command = plan
  variables { cloudfront = { distribution_id = "E2QWRUHAPOMQZL" } }
  expect_failures = [opsdeck_alarm_set.edge]
}
