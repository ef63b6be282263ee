# Plan-level tests of the account-wide API Gateway logging setting (issue 16, finding 1)
# against a mocked AWS provider. The policies are rendered by Terraform itself (jsonencode),
# so the JSON the role gets is what is asserted.

mock_provider "aws" {
  override_data {
    target = data.aws_region.current
    values = { id = "ap-northeast-1", name = "ap-northeast-1" }
  }
  override_data {
    target = data.aws_caller_identity.current
    values = { account_id = "123456789012" }
  }
  override_data {
    target = data.aws_partition.current
    values = { partition = "aws", dns_suffix = "amazonaws.com", reverse_dns_prefix = "com.amazonaws" }
  }
}

override_resource {
  target          = aws_iam_role.this
  override_during = plan
  values = {
    arn = "arn:aws:iam::123456789012:role/opsdeck-prod-apigw-logs-20250101000000000000000001"
    id  = "opsdeck-prod-apigw-logs-20250101000000000000000001"
  }
}

variables {
  name = "opsdeck-prod"
}

run "the_role_writes_any_api_log_group_of_the_region" {
  command = plan

  # Every API of the account and region logs through this one role: its policy must
  # reach every log group there (not just one API's), for writing only.
  assert {
    condition = jsondecode(aws_iam_role_policy.this.policy).Statement == [
      {
        Sid      = "WriteAnyApiLogGroupOfThisRegion"
        Effect   = "Allow"
        Action   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = ["arn:aws:logs:ap-northeast-1:123456789012:log-group:*", "arn:aws:logs:ap-northeast-1:123456789012:log-group:*:log-stream:*"]
      },
      {
        Sid      = "FindLogGroups"
        Effect   = "Allow"
        Action   = ["logs:DescribeLogGroups"]
        Resource = ["arn:aws:logs:ap-northeast-1:123456789012:log-group:*"]
      },
    ]
    error_message = "The role must write any log group of the account and region (every API's), and nothing else."
  }
  assert {
    condition = jsondecode(aws_iam_role.this.assume_role_policy).Statement == [{
      Sid       = "ApiGatewayOfThisAccount"
      Effect    = "Allow"
      Principal = { Service = "apigateway.amazonaws.com" }
      Action    = ["sts:AssumeRole"]
      Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
    }]
    error_message = "Only API Gateway acting for this account may assume the role."
  }
  assert {
    condition     = aws_api_gateway_account.this.cloudwatch_role_arn == "arn:aws:iam::123456789012:role/opsdeck-prod-apigw-logs-20250101000000000000000001"
    error_message = "The account setting must point at the module's role."
  }
  # IAM names are global: a prefix with a unique suffix, so two regions or stacks never collide.
  # (The mock fills the unset one of name/name_prefix with a random value.)
  assert {
    condition     = aws_iam_role.this.name_prefix == "opsdeck-prod-apigw-logs-" && aws_iam_role.this.permissions_boundary == null
    error_message = "The role must be named by prefix by default, with no boundary unless given."
  }
}

run "fixed_name_and_a_permissions_boundary" {
  command = plan

  variables {
    role_use_name_prefix      = false
    role_permissions_boundary = "arn:aws:iam::123456789012:policy/platform-boundary"
  }

  assert {
    condition     = aws_iam_role.this.name == "opsdeck-prod-apigateway-cloudwatch"
    error_message = "role_use_name_prefix = false must name the role exactly."
  }
  assert {
    condition     = aws_iam_role.this.permissions_boundary == "arn:aws:iam::123456789012:policy/platform-boundary"
    error_message = "The permissions boundary must reach the role."
  }
}

run "name_format" {
  command = plan
  variables {
    name = "Opsdeck_Prod"
  }
  expect_failures = [var.name]
}

run "permissions_boundary_is_a_policy_arn" {
  command = plan
  variables {
    role_permissions_boundary = "arn:aws:iam::123456789012:role/boundary"
  }
  expect_failures = [var.role_permissions_boundary]
}

run "tags_keys" {
  command = plan
  variables {
    tags = { "aws:owner" = "x" }
  }
  expect_failures = [var.tags]
}
