data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.id
  arn_prefix = "arn:${data.aws_partition.current.partition}"

  role_name = "${var.name}-apigateway-cloudwatch"

  assume_role_policy = {
    Version = "2012-10-17"
    Statement = [{
      Sid       = "ApiGatewayOfThisAccount"
      Effect    = "Allow"
      Principal = { Service = "apigateway.amazonaws.com" }
      Action    = ["sts:AssumeRole"]
      # Confused deputy: only API Gateway acting for this account.
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  }

  # The setting is one per account and region and serves every REST and
  # WebSocket API there, whatever its log group names (execution logs
  # "API-Gateway-Execution-Logs_<api id>/<stage>", access logs any group the
  # stage names): so every group of this account and region, for writing
  # only. That is AWS's AmazonAPIGatewayPushToCloudWatchLogs without its
  # reads (GetLogEvents, FilterLogEvents) and without "*" across accounts
  # and regions.
  log_groups = "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:*"
  role_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "WriteAnyApiLogGroupOfThisRegion"
        Effect   = "Allow"
        Action   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = [local.log_groups, "${local.log_groups}:log-stream:*"]
      },
      {
        # DescribeLogGroups has no resource-level permission narrower than
        # the account and region.
        Sid      = "FindLogGroups"
        Effect   = "Allow"
        Action   = ["logs:DescribeLogGroups"]
        Resource = [local.log_groups]
      },
    ]
  }
}

resource "aws_iam_role" "this" {
  name                 = var.role_use_name_prefix ? null : local.role_name
  name_prefix          = var.role_use_name_prefix ? "${substr(var.name, 0, 26)}-apigw-logs-" : null
  description          = "API Gateway writes the execution and access logs of every API of ${local.region} with this role (account setting)"
  assume_role_policy   = jsonencode(local.assume_role_policy)
  permissions_boundary = var.role_permissions_boundary

  tags = merge(var.tags, { Name = local.role_name })

  # The account keeps pointing at a working role while it is replaced.
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "write-api-log-groups"
  role   = aws_iam_role.this.id
  policy = jsonencode(local.role_policy)
}

resource "aws_api_gateway_account" "this" {
  cloudwatch_role_arn = aws_iam_role.this.arn

  # API Gateway checks at once that it can assume the role and write with it.
  depends_on = [aws_iam_role_policy.this]
}
