data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  region     = data.aws_region.current.id
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  arn_prefix = "arn:${local.partition}"

  # A release is a version: every artifact key is derived from app_version,
  # so a rollback is an apply with the previous version (README, Releases).
  artifact_prefix = coalesce(var.artifacts.prefix, var.name)
  artifact_keys   = { for k, f in var.functions : k => "${local.artifact_prefix}/${var.app_version}/${k}.zip" }

  default_timeouts = { api = 30, task = 900, authorizer = 10 }
  functions = { for k, f in var.functions : k => merge(f, {
    function_name = "${var.name}-${k}"
    timeout       = coalesce(f.timeout, local.default_timeouts[f.kind])
    # Strings, not resource attributes, so that the key policy and the roles
    # can name the groups before the groups (which need the key) exist.
    log_group_name = "/aws/lambda/${var.name}-${k}"
  }) }
  function_log_group_arns = { for k, f in local.functions : k => "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:${f.log_group_name}" }

  create_api = var.api.enabled
  # Routes live under "/<base_path>" when one is set (e.g. "api", so that
  # CloudFront can serve the API under /api/* of the site's own origin,
  # modules/edge api_origin), else at the root of the stage.
  api_base_path   = var.api.base_path == null ? "" : "${var.api.base_path}/"
  api_health_path = "${local.api_base_path}${var.api.health_path}"

  # IAM names are global to the account (every region): with
  # role_use_name_prefix each role gets a unique suffix after a prefix of at
  # most 38 characters (IAM's limit for prefixes).
  function_role_names  = { for k, f in var.functions : k => "${var.name}-${k}-lambda" }
  function_role_prefix = { for k, f in var.functions : k => "${substr("${var.name}-${k}", 0, 36)}-" }
  state_machine_role   = "${var.name}-${var.state_machine.name}-states"
  state_machine_prefix = "${substr("${var.name}-${var.state_machine.name}", 0, 30)}-states-"
  kms_alias_name       = "alias/${var.name}-compute"
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

  name          = var.kms_alias_use_name_prefix ? null : local.kms_alias_name
  name_prefix   = var.kms_alias_use_name_prefix ? "${local.kms_alias_name}-" : null
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

locals {
  # Policies are rendered here (jsonencode) rather than by
  # aws_iam_policy_document, so that the plan-level tests read the exact JSON
  # the roles get (a mocked data source would hide it).
  lambda_assume_policy = {
    Version = "2012-10-17"
    Statement = [{
      Sid       = "LambdaOfThisAccount"
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = ["sts:AssumeRole"]
      # Confused deputy: only Lambda functions of this account.
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  }

  function_policies = { for k, f in local.functions : k => {
    Version = "2012-10-17"
    Statement = concat(
      [
        # The module creates the group, so no logs:CreateLogGroup; writes go
        # to this function's group only (R4.1-a/d).
        {
          Sid      = "WriteOwnLogGroup"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = ["${local.function_log_group_arns[k]}:*"]
        },
        # X-Ray has no resource-level permissions: these two actions only
        # accept "*" (R3.3-a, R4.1-e). They can only write trace data.
        {
          Sid      = "WriteTraces"
          Effect   = "Allow"
          Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
          Resource = ["*"]
        },
        # Lambda creates and removes the function's network interfaces with
        # the execution role. Describe* calls have no resource-level
        # permissions; the others are limited to this account's interfaces in
        # the given subnets and security groups.
        {
          Sid      = "DescribeNetworkInterfaces"
          Effect   = "Allow"
          Action   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
          Resource = ["*"]
        },
        {
          Sid    = "CreateNetworkInterfacesInOwnSubnets"
          Effect = "Allow"
          Action = ["ec2:CreateNetworkInterface"]
          Resource = concat(
            ["${local.arn_prefix}:ec2:${local.region}:${local.account_id}:network-interface/*"],
            [for s in var.subnet_ids : "${local.arn_prefix}:ec2:${local.region}:${local.account_id}:subnet/${s}"],
            [for g in var.security_group_ids : "${local.arn_prefix}:ec2:${local.region}:${local.account_id}:security-group/${g}"],
          )
        },
        {
          Sid      = "ManageOwnNetworkInterfaces"
          Effect   = "Allow"
          Action   = ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
          Resource = ["${local.arn_prefix}:ec2:${local.region}:${local.account_id}:network-interface/*"]
        },
      ],
      # Exactly the secrets passed in, and their keys only through Secrets
      # Manager (R1.2-c, R4.1-c).
      length(var.secrets.arns) == 0 ? [] : [{
        Sid      = "ReadGivenSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        Resource = var.secrets.arns
      }],
      length(var.secrets.kms_key_arns) == 0 ? [] : [{
        Sid       = "DecryptGivenSecrets"
        Effect    = "Allow"
        Action    = ["kms:Decrypt"]
        Resource  = var.secrets.kms_key_arns
        Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.${local.region}.amazonaws.com" } }
      }],
    )
  } }
}

resource "aws_iam_role" "function" {
  for_each = local.functions

  name                 = var.role_use_name_prefix ? null : local.function_role_names[each.key]
  name_prefix          = var.role_use_name_prefix ? local.function_role_prefix[each.key] : null
  description          = "Execution role of the Lambda function ${each.value.function_name}"
  assume_role_policy   = jsonencode(local.lambda_assume_policy)
  permissions_boundary = var.role_permissions_boundary

  tags = merge(var.tags, { Name = local.function_role_names[each.key] })

  # The function switches to the new role before the old one goes.
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = local.functions

  name   = "least-privilege"
  role   = aws_iam_role.function[each.key].id
  policy = jsonencode(local.function_policies[each.key])
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

# "/<base_path>", when the routes do not sit at the root of the stage.
resource "aws_api_gateway_resource" "base" {
  count = local.create_api && var.api.base_path != null ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this[0].id
  parent_id   = aws_api_gateway_rest_api.this[0].root_resource_id
  path_part   = var.api.base_path
}

locals {
  api_parent_id = local.create_api ? (var.api.base_path == null ? aws_api_gateway_rest_api.this[0].root_resource_id : aws_api_gateway_resource.base[0].id) : null
}

resource "aws_api_gateway_resource" "health" {
  count = local.create_api ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this[0].id
  parent_id   = local.api_parent_id
  path_part   = var.api.health_path
}

resource "aws_api_gateway_resource" "proxy" {
  count = local.create_api ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this[0].id
  parent_id   = local.api_parent_id
  path_part   = "{proxy+}"
}

################################################################################
# Authorization: the health route is open (seed R6.3-d); every other route
# goes through api.authorizer when one is set
################################################################################

locals {
  authorizer         = var.api.authorizer
  authorizer_type    = local.authorizer == null ? "NONE" : local.authorizer.type
  lambda_authorizer  = local.create_api && contains(["TOKEN", "REQUEST"], local.authorizer_type)
  create_authorizer  = local.create_api && contains(["TOKEN", "REQUEST", "COGNITO_USER_POOLS"], local.authorizer_type)
  method_auth_type   = { NONE = "NONE", TOKEN = "CUSTOM", REQUEST = "CUSTOM", COGNITO_USER_POOLS = "COGNITO_USER_POOLS", AWS_IAM = "AWS_IAM" }[local.authorizer_type]
  authorizer_scopes  = local.authorizer_type == "COGNITO_USER_POOLS" ? local.authorizer.authorization_scopes : []
  authorizer_context = local.authorizer == null ? "" : jsonencode(local.authorizer)
}

resource "aws_api_gateway_authorizer" "this" {
  count = local.create_authorizer ? 1 : 0

  name            = "${var.name}-${lower(local.authorizer_type)}"
  rest_api_id     = aws_api_gateway_rest_api.this[0].id
  type            = local.authorizer_type
  identity_source = local.authorizer.identity_source
  # Lambda authorizers run through the live alias, like every other call:
  # a release or a rollback moves the authorizer with the API.
  authorizer_uri                   = local.lambda_authorizer ? aws_lambda_alias.live[local.authorizer.function].invoke_arn : null
  identity_validation_expression   = local.authorizer_type == "TOKEN" ? local.authorizer.identity_validation_expression : null
  authorizer_result_ttl_in_seconds = local.authorizer_type == "COGNITO_USER_POOLS" ? null : local.authorizer.result_ttl_in_seconds
  provider_arns                    = local.authorizer_type == "COGNITO_USER_POOLS" ? local.authorizer.cognito_user_pool_arns : null
}

resource "aws_lambda_permission" "authorizer" {
  count = local.lambda_authorizer ? 1 : 0

  statement_id  = "AllowApiGatewayAuthorizer"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this[local.authorizer.function].function_name
  qualifier     = aws_lambda_alias.live[local.authorizer.function].name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this[0].execution_arn}/authorizers/${aws_api_gateway_authorizer.this[0].id}"
}

locals {
  # route => resource id, HTTP method and whether the authorizer guards it.
  # The health route takes GET only and stays open for the deploy checks;
  # the rest goes to the function (which may check the JWT itself as well,
  # seed R1.4-b).
  api_routes = local.create_api ? {
    health = { resource_id = aws_api_gateway_resource.health[0].id, http_method = "GET", authorized = false }
    proxy  = { resource_id = aws_api_gateway_resource.proxy[0].id, http_method = "ANY", authorized = true }
    root   = { resource_id = local.api_parent_id, http_method = "ANY", authorized = true }
  } : {}
}

resource "aws_api_gateway_method" "this" {
  for_each = local.api_routes
  #checkov:skip=CKV_AWS_59:The health route must answer unauthenticated checks (seed R6.3-d); the other routes use api.authorizer (TOKEN/REQUEST Lambda, Cognito or IAM) when set, and otherwise the function authenticates the JWT itself (seed R1.4-b); envs/prod sets an authorizer. checkov cannot resolve the optional() object.
  #checkov:skip=CKV2_AWS_53:Lambda proxy integration: the function validates its own request bodies and parameters; an API Gateway model would have to repeat every route's schema.

  rest_api_id          = aws_api_gateway_rest_api.this[0].id
  resource_id          = each.value.resource_id
  http_method          = each.value.http_method
  authorization        = each.value.authorized ? local.method_auth_type : "NONE"
  authorizer_id        = each.value.authorized && local.create_authorizer ? aws_api_gateway_authorizer.this[0].id : null
  authorization_scopes = each.value.authorized && length(local.authorizer_scopes) > 0 ? local.authorizer_scopes : null
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

  # A new deployment whenever a route, its integration or its authorization
  # changes.
  triggers = {
    redeployment = sha1(jsonencode([
      local.api_routes,
      [for k in keys(local.api_routes) : aws_api_gateway_integration.this[k].uri],
      [for k in keys(local.api_routes) : aws_api_gateway_method.this[k].authorization],
      local.authorizer_context,
      aws_api_gateway_authorizer.this[*].id,
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

# The account's API Gateway logging role is one setting per account and
# region, shared by every API there (design.md, known traps): it belongs to
# modules/apigateway-account, applied once per account and region. This
# switch (off by default) keeps it here for stacks that used to manage it,
# now with a role that can write any API's logs.
module "apigateway_account" {
  source = "../apigateway-account"
  count  = local.create_api && var.api.manage_account_cloudwatch_role ? 1 : 0

  name                      = var.name
  role_use_name_prefix      = var.role_use_name_prefix
  role_permissions_boundary = var.role_permissions_boundary
  tags                      = var.tags
}

moved {
  from = aws_api_gateway_account.this[0]
  to   = module.apigateway_account[0].aws_api_gateway_account.this
}

moved {
  from = aws_iam_role.apigateway_cloudwatch[0]
  to   = module.apigateway_account[0].aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.apigateway_cloudwatch[0]
  to   = module.apigateway_account[0].aws_iam_role_policy.this
}

resource "aws_api_gateway_stage" "this" {
  count = local.create_api ? 1 : 0
  #checkov:skip=CKV_AWS_120:Responses are per user and per release; caching belongs to CloudFront (modules/edge) for static content, and an API cache cluster costs from about USD 14 a month.
  #checkov:skip=CKV2_AWS_51:Clients are browsers and the pipeline's checks over the public internet; a client certificate authenticates API Gateway to an HTTP backend, and this backend is Lambda, reached through IAM.
  #checkov:skip=CKV2_AWS_29:A regional WAF web ACL is optional: api.web_acl.enabled (or api_origin_verify_secret) creates one and api.web_acl_arn associates the caller's, through aws_wafv2_web_acl_association; checkov cannot see a conditional association.
  #checkov:skip=CKV2_AWS_77:The module's web ACL includes AWSManagedRulesKnownBadInputsRuleSet (Log4j) by default (api.web_acl.managed_rule_groups); a given api.web_acl_arn is configured by its owner.
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

  depends_on = [module.apigateway_account, aws_cloudwatch_log_group.api_execution]
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

################################################################################
# WAF on the stage: the module's own regional web ACL (api.web_acl, or
# implied by api_origin_verify_secret), or the caller's (api.web_acl_arn)
################################################################################

locals {
  # Whether a secret is set is no secret; its value stays sensitive.
  origin_verify  = nonsensitive(var.api_origin_verify_secret != null)
  create_web_acl = local.create_api && (var.api.web_acl.enabled || local.origin_verify)
  web_acl_arn    = local.create_web_acl ? aws_wafv2_web_acl.api[0].arn : (local.create_api ? var.api.web_acl_arn : null)
  # What WAF sees of a request to the stage's health route (the stage name
  # is part of the path of an execute-api request).
  health_uri_path = "/${var.api.stage_name}/${local.api_health_path}"
}

resource "aws_wafv2_web_acl" "api" {
  count = local.create_web_acl ? 1 : 0
  #checkov:skip=CKV_AWS_192:AWSManagedRulesKnownBadInputsRuleSet (Log4j, CVE-2021-44228) is in api.web_acl.managed_rule_groups by default and added by a dynamic block, which checkov cannot resolve through the optional() default.
  #checkov:skip=CKV2_AWS_31:WAF logging needs a Firehose, S3 bucket or log group named aws-waf-logs-*; the stage's access and execution logs already record every request, and blocked requests are counted in the rules' CloudWatch metrics.

  name        = "${var.name}-api"
  description = "${var.name}: managed rule groups and, with api_origin_verify_secret, only requests that came through CloudFront"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  # The health route answers the pipeline's checks on the execute-api URL
  # (R6.3-d) even when only CloudFront may reach the rest.
  dynamic "rule" {
    for_each = local.origin_verify ? [1] : []
    content {
      name     = "AllowHealthCheck"
      priority = 0
      action {
        allow {}
      }
      statement {
        byte_match_statement {
          search_string         = local.health_uri_path
          positional_constraint = "EXACTLY"
          field_to_match {
            uri_path {}
          }
          text_transformation {
            priority = 0
            type     = "NONE"
          }
        }
      }
      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = "${var.name}-api-health"
        sampled_requests_enabled   = true
      }
    }
  }

  # The execute-api URL itself is public: only requests that carry the
  # secret header CloudFront adds to its origin requests (modules/edge
  # api_origin_verify_secret) get through.
  dynamic "rule" {
    for_each = local.origin_verify ? [1] : []
    content {
      name     = "RequireCloudFrontOriginHeader"
      priority = 1
      action {
        block {}
      }
      statement {
        not_statement {
          statement {
            byte_match_statement {
              search_string         = var.api_origin_verify_secret
              positional_constraint = "EXACTLY"
              field_to_match {
                single_header {
                  name = lower(var.api.origin_verify_header)
                }
              }
              text_transformation {
                priority = 0
                type     = "NONE"
              }
            }
          }
        }
      }
      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = "${var.name}-api-origin-header"
        sampled_requests_enabled   = true
      }
    }
  }

  dynamic "rule" {
    for_each = { for i, g in var.api.web_acl.managed_rule_groups : g => i }
    content {
      name     = rule.key
      priority = 10 + rule.value
      override_action {
        none {}
      }
      statement {
        managed_rule_group_statement {
          vendor_name = "AWS"
          name        = rule.key
        }
      }
      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = "${var.name}-api-${rule.key}"
        sampled_requests_enabled   = true
      }
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${var.name}-api"
    sampled_requests_enabled   = true
  }

  tags = merge(var.tags, { Name = "${var.name}-api" })
}

resource "aws_wafv2_web_acl_association" "api" {
  count = local.create_api && (local.create_web_acl || var.api.web_acl_arn != null) ? 1 : 0

  resource_arn = aws_api_gateway_stage.this[0].arn
  web_acl_arn  = local.web_acl_arn
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

locals {
  states_assume_policy = {
    Version = "2012-10-17"
    Statement = [{
      Sid       = "StepFunctionsOfThisAccount"
      Effect    = "Allow"
      Principal = { Service = "states.amazonaws.com" }
      Action    = ["sts:AssumeRole"]
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  }

  state_machine_policy = {
    Version = "2012-10-17"
    Statement = concat(
      # Only the live aliases of the functions it runs: a rollback moves the
      # alias, the permission stays.
      length(local.state_machine_invoke_funcs) == 0 ? [] : [{
        Sid      = "InvokeLiveAliases"
        Effect   = "Allow"
        Action   = ["lambda:InvokeFunction"]
        Resource = [for k in local.state_machine_invoke_funcs : aws_lambda_alias.live[k].arn]
      }],
      [
        # Log delivery to CloudWatch Logs is configured through these
        # account-level APIs, which have no resource-level permissions (AWS
        # documents "*").
        {
          Sid    = "ConfigureLogDelivery"
          Effect = "Allow"
          Action = [
            "logs:CreateLogDelivery",
            "logs:GetLogDelivery",
            "logs:UpdateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:DescribeResourcePolicies",
            "logs:DescribeLogGroups",
          ]
          Resource = ["*"]
        },
        # X-Ray: no resource-level permissions.
        {
          Sid      = "WriteTraces"
          Effect   = "Allow"
          Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
          Resource = ["*"]
        },
        # The state machine's own data, encrypted with the module's key.
        {
          Sid       = "UseKeyForOwnData"
          Effect    = "Allow"
          Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
          Resource  = [local.kms_key_arn]
          Condition = { StringEquals = { "kms:EncryptionContext:aws:states:stateMachineArn" = local.state_machine_arn } }
        },
      ],
    )
  }
}

resource "aws_iam_role" "state_machine" {
  count = local.create_state_machine ? 1 : 0

  name                 = var.role_use_name_prefix ? null : local.state_machine_role
  name_prefix          = var.role_use_name_prefix ? local.state_machine_prefix : null
  description          = "Execution role of the state machine ${local.state_machine_name}"
  assume_role_policy   = jsonencode(local.states_assume_policy)
  permissions_boundary = var.role_permissions_boundary

  tags = merge(var.tags, { Name = local.state_machine_role })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_iam_role_policy" "state_machine" {
  count = local.create_state_machine ? 1 : 0

  name   = "least-privilege"
  role   = aws_iam_role.state_machine[0].id
  policy = jsonencode(local.state_machine_policy)
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
