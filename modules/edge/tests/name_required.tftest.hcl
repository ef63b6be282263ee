# Issue 16, finding 6: `name` has no default, so two instances on the defaults cannot
# collide. This file leaves `name` unset (the other files set it for every run), so the
# plan must stop on var.name: a default brought back would let it pass.

mock_provider "aws" {
  override_data {
    target = data.aws_caller_identity.current
    values = { account_id = "123456789012" }
  }
  override_data {
    target = data.aws_partition.current
    values = { partition = "aws", dns_suffix = "amazonaws.com", reverse_dns_prefix = "com.amazonaws" }
  }
}

variables {
  app_version                = "v1.4.2"
  require_custom_certificate = false
}

run "name_has_no_default" {
  command         = plan
  expect_failures = [var.name]
}
