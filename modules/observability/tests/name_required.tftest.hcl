# Issue 16, finding 6: `name` has no default, so two instances on the defaults cannot
# collide. This file leaves `name` unset (the other files set it for every run), so the
# plan must stop on var.name: a default brought back would let it pass.

mock_provider "aws" {
  override_data {
    target = data.aws_region.current
    values = { id = "ap-northeast-1", name = "ap-northeast-1" }
  }
}

mock_provider "opsdeck" {}

variables {
  functions       = { api = { function_name = "opsdeck-prod-api", log_group_name = "/aws/lambda/opsdeck-prod-api" } }
  alarm_topic_arn = "arn:aws:sns:ap-northeast-1:123456789012:opsdeck-prod-alarms"
}

run "name_has_no_default" {
  command         = plan
  expect_failures = [var.name]
}
