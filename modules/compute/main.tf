data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  region     = data.aws_region.current.name
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  arn_prefix = "arn:${local.partition}"

  # A release is a version: every artifact key is derived from app_version,
  # so a rollback is an apply with the previous version (README, Releases).
  artifact_prefix = coalesce(var.artifacts.prefix, var.name)
  artifact_keys   = { for k, f in var.functions : k => "${local.artifact_prefix}/${var.app_version}/${k}.zip" }

  default_timeouts = { api = 30, task = 900 }
  functions = { for k, f in var.functions : k => merge(f, {
    function_name = "${var.name}-${k}"
    timeout       = coalesce(f.timeout, local.default_timeouts[f.kind])
    # Strings, not resource attributes, so that the key policy and the roles
    # can name the groups before the groups (which need the key) exist.
    log_group_name = "/aws/lambda/${var.name}-${k}"
  }) }
  function_log_group_arns = { for k, f in local.functions : k => "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:${f.log_group_name}" }

  create_api = var.api.enabled
  # Access logs: JSON, one line per request (R3.4-c, R8.1-b, P5).
  api_access_log_group_name = "/aws/apigateway/${var.name}/access"
  api_access_log_format = jsonencode({
    requestId          = "$context.requestId"
    extendedRequestId  = "$context.extendedRequestId"
    xrayTraceId        = "$context.xrayTraceId"
    ip                 = "$context.identity.sourceIp"
    userAgent          = "$context.identity.userAgent"
    requestTime        = "$context.requestTime"
    httpMethod         = "$context.httpMethod"
    resourcePath       = "$context.resourcePath"
    path               = "$context.path"
    protocol           = "$context.protocol"
    status             = "$context.status"
    responseLength     = "$context.responseLength"
    responseLatency    = "$context.responseLatency"
    integrationLatency = "$context.integrationLatency"
    integrationStatus  = "$context.integrationStatus"
    errorMessage       = "$context.error.message"
    errorType          = "$context.error.responseType"
  })

  create_state_machine       = var.state_machine.enabled
  state_machine_name         = "${var.name}-${var.state_machine.name}"
  state_machine_arn          = "${local.arn_prefix}:states:${local.region}:${local.account_id}:stateMachine:${local.state_machine_name}"
  state_machine_log_group    = "/aws/vendedlogs/states/${local.state_machine_name}"
  task_functions             = sort([for k, f in var.functions : k if f.kind == "task"])
  state_machine_invoke_funcs = coalesce(var.state_machine.invoke_functions, local.task_functions)

  # Default definition: every task function in turn, through its live alias,
  # retrying Lambda's transient errors (AWS's recommended retrier).
  default_definition = length(local.task_functions) == 0 ? null : jsonencode({
    Comment = "${local.state_machine_name}: runs ${join(", ", local.task_functions)} (release ${var.app_version})"
    StartAt = local.task_functions[0]
    States = { for i, k in local.task_functions : k => merge(
      {
        Type       = "Task"
        Resource   = "${local.arn_prefix}:states:::lambda:invoke"
        OutputPath = "$.Payload"
        Parameters = {
          FunctionName = aws_lambda_alias.live[k].arn
          "Payload.$"  = "$"
        }
        Retry = [{
          ErrorEquals     = ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"]
          IntervalSeconds = 1
          MaxAttempts     = 3
          BackoffRate     = 2
          JitterStrategy  = "FULL"
        }]
      },
      i == length(local.task_functions) - 1 ? { End = true } : { Next = local.task_functions[i + 1] }
    ) }
  })

  create_kms_key = var.kms_key_arn == null
  kms_key_arn    = local.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_arn

  account_root_statement = {
    Sid       = "AccountAdministersThroughIam"
    Effect    = "Allow"
    Principal = { AWS = "${local.arn_prefix}:iam::${local.account_id}:root" }
    Action    = "kms:*"
    Resource  = "*"
  }

  secret_env = length(var.secrets.arns) > 0 ? { SECRET_ARNS = join(",", var.secrets.arns) } : {}
}

################################################################################
# KMS key for the log groups and the state machine
################################################################################

resource "aws_kms_key" "this" {
  count = local.create_kms_key ? 1 : 0

  description             = "${var.name}: CloudWatch Logs of the functions, the API and the state machine, and the state machine's data"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days

  # The account root statement delegates to IAM, as AWS's default policy
  # does (the state machine's role uses the key through IAM). CloudWatch Logs
  # calls KMS as itself and may use the key only for this module's log groups
  # (encryption context). The API's execution log group is named by API
  # Gateway after the API's id, hence its pattern.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      local.account_root_statement,
      {
        Sid       = "CloudWatchLogsUsesKeyForModuleLogGroups"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action = [
          "kms:Encrypt*",
          "kms:Decrypt*",
          "kms:ReEncrypt*",
          "kms:GenerateDataKey*",
          "kms:Describe*",
        ]
        Resource = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = concat(
              values(local.function_log_group_arns),
              local.create_api ? [
                "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:${local.api_access_log_group_name}",
                "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:API-Gateway-Execution-Logs_*/${var.api.stage_name}",
              ] : [],
              local.create_state_machine ? ["${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:${local.state_machine_log_group}"] : [],
            )
          }
        }
      },
      ],
      # Step Functions logging of an encrypted state machine: the log
      # delivery service decrypts the execution data it writes, for this
      # state machine only.
      local.create_state_machine ? [{
        Sid       = "LogDeliveryDecryptsStateMachineData"
        Effect    = "Allow"
        Principal = { Service = "delivery.logs.amazonaws.com" }
        Action    = "kms:Decrypt"
        Resource  = "*"
        Condition = {
          StringEquals = { "kms:EncryptionContext:aws:states:stateMachineArn" = local.state_machine_arn }
        }
      }] : [],
    )
  })

  tags = merge(var.tags, { Name = "${var.name}-compute" })
}

resource "aws_kms_alias" "this" {
  count = local.create_kms_key ? 1 : 0

  name          = "alias/${var.name}-compute"
  target_key_id = aws_kms_key.this[0].key_id
}

################################################################################
# Lambda functions
################################################################################

resource "aws_cloudwatch_log_group" "function" {
  for_each = local.functions
  #checkov:skip=CKV_AWS_338:Retention is 30 days by requirement (seed R3.4-b) to keep log storage cost down; callers can raise log_retention_in_days.

  name              = each.value.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.kms_key_arn

  tags = merge(var.tags, { Name = each.value.log_group_name })
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    sid     = "LambdaOfThisAccount"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    # Confused deputy: only Lambda functions of this account.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = local.functions

  name               = "${each.value.function_name}-lambda"
  description        = "Execution role of the Lambda function ${each.value.function_name}"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json

  tags = merge(var.tags, { Name = "${each.value.function_name}-lambda" })
}

data "aws_iam_policy_document" "function" {
  for_each = local.functions

  # The module creates the group, so no logs:CreateLogGroup; writes go to
  # this function's group only (R4.1-a/d).
  statement {
    sid       = "WriteOwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.function_log_group_arns[each.key]}:*"]
  }

  # X-Ray has no resource-level permissions: these two actions only accept
  # "*" (R3.3-a, R4.1-e). They can only write trace data.
  statement {
    sid       = "WriteTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  # Lambda creates and removes the function's network interfaces with the
  # execution role. Describe* calls have no resource-level permissions; the
  # others are limited to this account's interfaces in the given subnets
  # and security groups.
  statement {
    sid       = "DescribeNetworkInterfaces"
    actions   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
    resources = ["*"]
  }
  statement {
    sid     = "CreateNetworkInterfacesInOwnSubnets"
    actions = ["ec2:CreateNetworkInterface"]
    resources = concat(
      ["${local.arn_prefix}:ec2:${local.region}:${local.account_id}:network-interface/*"],
      [for s in var.subnet_ids : "${local.arn_prefix}:ec2:${local.region}:${local.account_id}:subnet/${s}"],
      [for g in var.security_group_ids : "${local.arn_prefix}:ec2:${local.region}:${local.account_id}:security-group/${g}"],
    )
  }
  statement {
    sid       = "ManageOwnNetworkInterfaces"
    actions   = ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
    resources = ["${local.arn_prefix}:ec2:${local.region}:${local.account_id}:network-interface/*"]
  }

  # Exactly the secrets passed in, and their keys only through Secrets
  # Manager (R1.2-c, R4.1-c).
  dynamic "statement" {
    for_each = length(var.secrets.arns) > 0 ? [1] : []
    content {
      sid       = "ReadGivenSecrets"
      actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
      resources = var.secrets.arns
    }
  }
  dynamic "statement" {
    for_each = length(var.secrets.kms_key_arns) > 0 ? [1] : []
    content {
      sid       = "DecryptGivenSecrets"
      actions   = ["kms:Decrypt"]
      resources = var.secrets.kms_key_arns
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${local.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = local.functions

  name   = "least-privilege"
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.function[each.key].json
}

resource "aws_iam_role_policy" "function_additional" {
  for_each = { for pair in setproduct(keys(local.functions), keys(var.additional_policy_jsons)) : "${pair[0]}/${pair[1]}" => { function = pair[0], policy = pair[1] } }

  name   = each.value.policy
  role   = aws_iam_role.function[each.value.function].id
  policy = var.additional_policy_jsons[each.value.policy]
}

resource "aws_lambda_function" "this" {
  for_each = local.functions
  #checkov:skip=CKV_AWS_115:No reserved concurrency by requirement (seed R1.2-f, R7.1-b): a reservation takes capacity from the account pool; functions[*].reserved_concurrent_executions sets one where a cap is wanted.
  #checkov:skip=CKV_AWS_116:API functions are invoked synchronously (API Gateway) and task functions by Step Functions, which retries and records failures; a dead-letter queue only applies to asynchronous invocations.
  #checkov:skip=CKV_AWS_173:The environment holds no secrets (APP_VERSION, SECRET_ARNS and caller settings; secret values are read from Secrets Manager at run time, R1.2-c), so the AWS-managed key that Lambda encrypts it with at rest is enough.
  #checkov:skip=CKV_AWS_272:Artifacts are built and uploaded by the project's own pipeline to a private bucket; code signing (AWS Signer) is not part of the seed's pipeline.

  function_name = each.value.function_name
  description   = each.value.description
  role          = aws_iam_role.function[each.key].arn

  s3_bucket        = var.artifacts.bucket
  s3_key           = local.artifact_keys[each.key]
  source_code_hash = each.value.source_code_hash

  runtime       = each.value.runtime
  handler       = each.value.handler
  architectures = [each.value.architecture]
  memory_size   = each.value.memory_size
  timeout       = each.value.timeout

  # -1 is the provider's "no reservation".
  reserved_concurrent_executions = coalesce(each.value.reserved_concurrent_executions, -1)

  # Every change of code or configuration publishes a version; the live
  # alias follows it (Releases in the README).
  publish = true

  environment {
    variables = merge(each.value.environment, local.secret_env, { APP_VERSION = var.app_version })
  }

  tracing_config {
    mode = "Active"
  }

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = var.security_group_ids
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.function[each.key].name
    application_log_level = each.value.application_log_level
    system_log_level      = each.value.system_log_level
  }

  tags = merge(var.tags, { Name = each.value.function_name, AppVersion = var.app_version })

  depends_on = [aws_iam_role_policy.function]
}

resource "aws_lambda_alias" "live" {
  for_each = local.functions

  name             = "live"
  description      = "Release ${var.app_version}"
  function_name    = aws_lambda_function.this[each.key].function_name
  function_version = aws_lambda_function.this[each.key].version
}

################################################################################
# API Gateway (REST)
################################################################################

resource "aws_api_gateway_rest_api" "this" {
  count = local.create_api ? 1 : 0

  name        = var.name
  description = "${var.name} HTTP API (Lambda proxy to ${var.name}-${var.api.function}:live)"

  endpoint_configuration {
    types = [var.api.endpoint_type]
  }

  tags = merge(var.tags, { Name = var.name })

  # A replacement (e.g. another endpoint type) builds the new API before the
  # old one goes, so the stage URL changes without a gap.
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_resource" "health" {
  count = local.create_api ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this[0].id
  parent_id   = aws_api_gateway_rest_api.this[0].root_resource_id
  path_part   = var.api.health_path
}

resource "aws_api_gateway_resource" "proxy" {
  count = local.create_api ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this[0].id
  parent_id   = aws_api_gateway_rest_api.this[0].root_resource_id
  path_part   = "{proxy+}"
}

locals {
  # route => resource id and HTTP method. The health route takes GET only;
  # the rest goes to the function, which authenticates its own requests
  # (JWT, seed R1.4-b).
  api_routes = local.create_api ? {
    health = { resource_id = aws_api_gateway_resource.health[0].id, http_method = "GET" }
    proxy  = { resource_id = aws_api_gateway_resource.proxy[0].id, http_method = "ANY" }
    root   = { resource_id = aws_api_gateway_rest_api.this[0].root_resource_id, http_method = "ANY" }
  } : {}
}

resource "aws_api_gateway_method" "this" {
  for_each = local.api_routes
  #checkov:skip=CKV_AWS_59:The health route must answer unauthenticated checks (seed R6.3-d); the other routes are authenticated by the function with the JWT signing secret (seed R1.4-b), which an API Gateway authorizer would only duplicate.
  #checkov:skip=CKV2_AWS_53:Lambda proxy integration: the function validates its own request bodies and parameters; an API Gateway model would have to repeat every route's schema.

  rest_api_id   = aws_api_gateway_rest_api.this[0].id
  resource_id   = each.value.resource_id
  http_method   = each.value.http_method
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "this" {
  for_each = local.api_routes

  rest_api_id             = aws_api_gateway_rest_api.this[0].id
  resource_id             = each.value.resource_id
  http_method             = aws_api_gateway_method.this[each.key].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  # Through the live alias: a release or a rollback moves the alias, never
  # the integration.
  uri = aws_lambda_alias.live[var.api.function].invoke_arn
}

resource "aws_lambda_permission" "api" {
  count = local.create_api ? 1 : 0

  statement_id  = "AllowApiGatewayStage"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this[var.api.function].function_name
  qualifier     = aws_lambda_alias.live[var.api.function].name
  principal     = "apigateway.amazonaws.com"
  # Any method and path of this API's stage only.
  source_arn = "${aws_api_gateway_rest_api.this[0].execution_arn}/${var.api.stage_name}/*/*"
}

resource "aws_api_gateway_deployment" "this" {
  count = local.create_api ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this[0].id
  description = "Routes of ${var.name}"

  # A new deployment whenever a route or its integration changes.
  triggers = {
    redeployment = sha1(jsonencode([
      local.api_routes,
      [for k in keys(local.api_routes) : aws_api_gateway_integration.this[k].uri],
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [aws_api_gateway_method.this, aws_api_gateway_integration.this]
}

resource "aws_cloudwatch_log_group" "api_access" {
  count = local.create_api ? 1 : 0
  #checkov:skip=CKV_AWS_338:Retention is 30 days by requirement (seed R3.4-b) to keep log storage cost down; callers can raise log_retention_in_days.

  name              = local.api_access_log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.kms_key_arn

  tags = merge(var.tags, { Name = local.api_access_log_group_name })
}

# Created here, not by API Gateway on first use, so that it has the
# retention and the key of the others.
resource "aws_cloudwatch_log_group" "api_execution" {
  count = local.create_api ? 1 : 0
  #checkov:skip=CKV_AWS_338:Retention is 30 days by requirement (seed R3.4-b) to keep log storage cost down; callers can raise log_retention_in_days.

  name              = "API-Gateway-Execution-Logs_${aws_api_gateway_rest_api.this[0].id}/${var.api.stage_name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.kms_key_arn

  tags = merge(var.tags, { Name = "${var.name}-api-execution" })
}

data "aws_iam_policy_document" "apigateway_assume" {
  statement {
    sid     = "ApiGatewayOfThisAccount"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "apigateway_cloudwatch" {
  count = local.create_api && var.api.manage_account_cloudwatch_role ? 1 : 0

  name               = "${var.name}-apigateway-cloudwatch"
  description        = "API Gateway writes execution and access logs of ${var.name} with this role (account setting)"
  assume_role_policy = data.aws_iam_policy_document.apigateway_assume.json

  tags = merge(var.tags, { Name = "${var.name}-apigateway-cloudwatch" })
}

# Narrower than AWS's AmazonAPIGatewayPushToCloudWatchLogs (logs:* reads and
# writes on every group): writes to this API's two groups only. The groups
# exist before the stage, so no logs:CreateLogGroup.
data "aws_iam_policy_document" "apigateway_cloudwatch" {
  count = local.create_api ? 1 : 0

  statement {
    sid     = "WriteApiLogGroups"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = [
      "${aws_cloudwatch_log_group.api_access[0].arn}:*",
      "${aws_cloudwatch_log_group.api_execution[0].arn}:*",
    ]
  }
  statement {
    sid       = "FindLogGroups"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:*"]
  }
}

resource "aws_iam_role_policy" "apigateway_cloudwatch" {
  count = local.create_api && var.api.manage_account_cloudwatch_role ? 1 : 0

  name   = "write-api-log-groups"
  role   = aws_iam_role.apigateway_cloudwatch[0].id
  policy = data.aws_iam_policy_document.apigateway_cloudwatch[0].json
}

resource "aws_api_gateway_account" "this" {
  count = local.create_api && var.api.manage_account_cloudwatch_role ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.apigateway_cloudwatch[0].arn

  depends_on = [aws_iam_role_policy.apigateway_cloudwatch]
}

resource "aws_api_gateway_stage" "this" {
  count = local.create_api ? 1 : 0
  #checkov:skip=CKV_AWS_120:Responses are per user and per release; caching belongs to CloudFront (modules/edge) for static content, and an API cache cluster costs from about USD 14 a month.
  #checkov:skip=CKV2_AWS_51:Clients are browsers and the pipeline's checks over the public internet; a client certificate authenticates API Gateway to an HTTP backend, and this backend is Lambda, reached through IAM.
  #checkov:skip=CKV2_AWS_29:A regional WAF web ACL is optional (api.web_acl_arn) and associated by aws_wafv2_web_acl_association when given; checkov cannot see a conditional association.
  #checkov:skip=CKV2_AWS_77:A web ACL is optional (api.web_acl_arn); its rule sets, the Log4j one included, are configured on the web ACL by its owner, not by this module.
  #checkov:skip=CKV2_AWS_4:Execution logging is always on: aws_api_gateway_method_settings.all sets logging_level from api.logging_level, which the variable's validation restricts to ERROR (default) or INFO; checkov cannot resolve an optional() object attribute.

  rest_api_id   = aws_api_gateway_rest_api.this[0].id
  deployment_id = aws_api_gateway_deployment.this[0].id
  stage_name    = var.api.stage_name
  description   = "Release ${var.app_version}"

  xray_tracing_enabled = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access[0].arn
    format          = local.api_access_log_format
  }

  variables = {
    app_version = var.app_version
  }

  tags = merge(var.tags, { Name = "${var.name}-${var.api.stage_name}" })

  depends_on = [aws_api_gateway_account.this, aws_cloudwatch_log_group.api_execution]
}

resource "aws_api_gateway_method_settings" "all" {
  count = local.create_api ? 1 : 0
  #checkov:skip=CKV_AWS_225:Responses are per user and per release; caching belongs to CloudFront (modules/edge) for static content, and an API cache cluster costs from about USD 14 a month.

  rest_api_id = aws_api_gateway_rest_api.this[0].id
  stage_name  = aws_api_gateway_stage.this[0].stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = var.api.metrics_enabled
    logging_level          = var.api.logging_level
    data_trace_enabled     = var.api.data_trace_enabled
    throttling_rate_limit  = var.api.throttling_rate_limit
    throttling_burst_limit = var.api.throttling_burst_limit
    caching_enabled        = false
    cache_data_encrypted   = true
  }
}

resource "aws_wafv2_web_acl_association" "api" {
  count = local.create_api && var.api.web_acl_arn != null ? 1 : 0

  resource_arn = aws_api_gateway_stage.this[0].arn
  web_acl_arn  = var.api.web_acl_arn
}

################################################################################
# Step Functions
################################################################################

resource "aws_cloudwatch_log_group" "state_machine" {
  count = local.create_state_machine ? 1 : 0
  #checkov:skip=CKV_AWS_338:Retention is 30 days by requirement (seed R3.4-b) to keep log storage cost down; callers can raise log_retention_in_days.

  name              = local.state_machine_log_group
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.kms_key_arn

  tags = merge(var.tags, { Name = local.state_machine_log_group })
}

data "aws_iam_policy_document" "states_assume" {
  statement {
    sid     = "StepFunctionsOfThisAccount"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "state_machine" {
  count = local.create_state_machine ? 1 : 0

  name               = "${local.state_machine_name}-states"
  description        = "Execution role of the state machine ${local.state_machine_name}"
  assume_role_policy = data.aws_iam_policy_document.states_assume.json

  tags = merge(var.tags, { Name = "${local.state_machine_name}-states" })
}

data "aws_iam_policy_document" "state_machine" {
  count = local.create_state_machine ? 1 : 0

  # Only the live aliases of the functions it runs: a rollback moves the
  # alias, the permission stays.
  dynamic "statement" {
    for_each = length(local.state_machine_invoke_funcs) > 0 ? [1] : []
    content {
      sid       = "InvokeLiveAliases"
      actions   = ["lambda:InvokeFunction"]
      resources = [for k in local.state_machine_invoke_funcs : aws_lambda_alias.live[k].arn]
    }
  }

  # Log delivery to CloudWatch Logs is configured through these account-level
  # APIs, which have no resource-level permissions (AWS documents "*").
  statement {
    sid = "ConfigureLogDelivery"
    actions = [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }

  # X-Ray: no resource-level permissions.
  statement {
    sid       = "WriteTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"]
  }

  # The state machine's own data, encrypted with the module's key.
  statement {
    sid       = "UseKeyForOwnData"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [local.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:states:stateMachineArn"
      values   = [local.state_machine_arn]
    }
  }
}

resource "aws_iam_role_policy" "state_machine" {
  count = local.create_state_machine ? 1 : 0

  name   = "least-privilege"
  role   = aws_iam_role.state_machine[0].id
  policy = data.aws_iam_policy_document.state_machine[0].json
}

resource "aws_sfn_state_machine" "this" {
  count = local.create_state_machine ? 1 : 0
  #checkov:skip=CKV_AWS_285:Execution history is logged: level ALL, and include_execution_data defaults to true (state_machine.include_execution_data, an optional() object attribute checkov cannot resolve through a module call); callers may turn data off for privacy, events stay logged.

  name       = local.state_machine_name
  role_arn   = aws_iam_role.state_machine[0].arn
  type       = "STANDARD"
  definition = coalesce(var.state_machine.definition, local.default_definition)
  publish    = var.state_machine.publish

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine[0].arn}:*"
    include_execution_data = var.state_machine.include_execution_data
    level                  = "ALL"
  }

  tracing_configuration {
    enabled = true
  }

  encryption_configuration {
    type                              = "CUSTOMER_MANAGED_KMS_KEY"
    kms_key_id                        = local.kms_key_arn
    kms_data_key_reuse_period_seconds = 300
  }

  tags = merge(var.tags, { Name = local.state_machine_name, AppVersion = var.app_version })

  depends_on = [aws_iam_role_policy.state_machine]
}
