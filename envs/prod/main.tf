# The production composition (design.md): network -> database -> compute (secrets wired)
# -> edge -> slack-notifier and the alarm topics -> observability + audit ->
# deploy-history, and the deploy record of app_version written after everything else.

locals {
  name = "${var.project}-${var.environment}"

  # One switch for every protection a destroy must get past (test_allow_destroy only).
  protect = !var.test_allow_destroy

  tags = local.cost_tags
}

data "aws_caller_identity" "current" {}

################################################################################
# Production guards: refused at plan time, not left to a comment
################################################################################

resource "terraform_data" "production_guards" {
  input = {
    aliases             = var.domain.aliases
    acm_certificate_arn = var.domain.acm_certificate_arn
    deletion_protection = local.protect
  }

  lifecycle {
    precondition {
      condition     = length(var.domain.aliases) > 0
      error_message = "domain.aliases is empty: production serves the site on its own domain, with its certificate (not *.cloudfront.net, whose default certificate lets viewers use TLS 1.0)."
    }
    precondition {
      condition     = can(regex("^arn:aws[a-z-]*:acm:us-east-1:\\d{12}:certificate/[0-9a-f-]+$", var.domain.acm_certificate_arn))
      error_message = "domain.acm_certificate_arn must be an ACM certificate ARN in us-east-1 (CloudFront reads certificates there only), e.g. arn:aws:acm:us-east-1:123456789012:certificate/...; request one for the aliases first."
    }
    precondition {
      condition     = contains(["TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"], var.domain.minimum_protocol_version)
      error_message = "domain.minimum_protocol_version must be TLSv1.2_2021 or newer (TLSv1.2_2025, TLSv1.3_2025) in production."
    }
    precondition {
      # Whether it is set is no secret; the value stays sensitive.
      condition     = nonsensitive(var.api_origin_verify_secret != null) || var.test_allow_destroy
      error_message = "api_origin_verify_secret is not set: production reaches the API only through CloudFront, and the stage's web ACL lets through only requests that carry this secret header. Generate one (openssl rand -hex 32) and pass it as TF_VAR_api_origin_verify_secret (envs/prod README, \"The API\"). Only the test-only test_allow_destroy lifts this guard."
    }
    precondition {
      condition     = var.deletion_protection || var.test_allow_destroy
      error_message = "deletion_protection = false is refused in production: the database, the deploy history and the audit trail must survive a mistaken destroy. Only the test-only test_allow_destroy lifts it."
    }
  }
}

################################################################################
# Network and database
################################################################################

module "network" {
  source = "../../modules/network"

  name               = local.name
  availability_zones = var.availability_zones
  tags               = local.tags
}

module "database" {
  #checkov:skip=CKV_AWS_139:Deletion protection is on unless the test-only test_allow_destroy lifts it (checkov cannot resolve !var.test_allow_destroy); a production guard refuses deletion_protection = false.
  source = "../../modules/database"

  name                   = local.name
  subnet_ids             = module.network.private_subnet_ids
  vpc_security_group_ids = [module.network.database_security_group_id]
  availability_zones     = module.network.availability_zones

  deletion_protection            = local.protect
  skip_final_snapshot            = !local.protect
  delete_automated_backups       = !local.protect
  secret_recovery_window_in_days = local.protect ? 30 : 0

  tags = local.tags
}

################################################################################
# Compute: functions, REST API, state machine; code from the release's artifacts
################################################################################

module "compute" {
  source = "../../modules/compute"

  name        = local.name
  app_version = var.app_version
  artifacts   = var.artifacts

  subnet_ids         = module.network.private_subnet_ids
  security_group_ids = [module.network.lambda_security_group_id]

  # The module's two functions, and the authorizer (lambdas/authorizer) that verifies the
  # application's JWT (seed R1.4-b) in front of every route but the health check.
  functions = {
    api    = { kind = "api", description = "HTTP API behind API Gateway" }
    worker = { kind = "task", description = "Step Functions task" }
    authorizer = {
      kind        = "authorizer"
      description = "API Gateway TOKEN authorizer: verifies the application's JWT"
      # The ARN only: the function reads the key from Secrets Manager (R1.2-c).
      environment = { JWT_SECRET_ARN = module.database.jwt_signing_secret_arn }
    }
  }

  api = {
    # Routes under /api, so that CloudFront serves them on the site's origin (edge api_origin).
    base_path = "api"
    authorizer = {
      type     = "TOKEN"
      function = "authorizer"
      # API Gateway refuses a malformed header with 401 before the function runs.
      identity_validation_expression = "^Bearer [-0-9A-Za-z._~+/]+=*$"
    }
    # The stage's own web ACL: AWS managed rule groups, and with api_origin_verify_secret
    # only requests that came through CloudFront (the health route stays open).
    web_acl = { enabled = true }
    # The account's API Gateway logging role (modules/apigateway-account), managed inside
    # compute so that the stage waits for it without a module-level depends_on.
    manage_account_cloudwatch_role = var.manage_apigateway_account
  }
  api_origin_verify_secret = var.api_origin_verify_secret

  secrets = {
    arns         = compact([module.database.jwt_signing_secret_arn, module.database.bedrock_api_key_secret_arn])
    kms_key_arns = [module.database.secrets_kms_key_arn]
  }
  additional_policy_jsons = { db-connect = module.database.db_connect_policy_json }

  tags = local.tags
}

################################################################################
# Edge: the site on CloudFront, with the production certificate
################################################################################

module "edge" {
  source = "../../modules/edge"

  name                     = local.name
  app_version              = var.app_version
  aliases                  = var.domain.aliases
  acm_certificate_arn      = var.domain.acm_certificate_arn
  minimum_protocol_version = var.domain.minimum_protocol_version
  force_destroy            = !local.protect
  web_acl_arn              = var.cloudfront_web_acl_arn

  # The API on the site's own origin under /api/* (the page calls it without CORS, the
  # default CSP allows it), with the secret header the stage's web ACL requires.
  api_origin = {
    domain_name = module.compute.api_domain_name
    origin_path = module.compute.api_origin_path
  }
  api_origin_verify_secret = var.api_origin_verify_secret

  # No depends_on on the guards: a failed precondition stops the plan anyway, and a
  # module-level depends_on would defer the module's data sources (and so its bucket
  # names) to apply time whenever the guards' input changes.
  tags = local.tags
}

################################################################################
# Slack: the webhook secret, the notifier, a topic per region
################################################################################

resource "aws_secretsmanager_secret" "slack_webhook" {
  #checkov:skip=CKV2_AWS_57:A Slack webhook is rotated in Slack, then written here with a new slack_webhook_url_version; Secrets Manager cannot rotate it.
  name_prefix             = "${local.name}-slack-webhook-"
  description             = "Slack incoming webhook URL of ${local.name} (the URL itself)"
  kms_key_id              = module.database.secrets_kms_key_arn
  recovery_window_in_days = local.protect ? 30 : 0
  tags                    = local.tags

  # The us-east-1 alarm topic checks its webhook secret in its own region.
  replica {
    region = "us-east-1"
  }
}

resource "aws_secretsmanager_secret_version" "slack_webhook" {
  count = var.slack_webhook_url_version == null ? 0 : 1

  secret_id                = aws_secretsmanager_secret.slack_webhook.id
  secret_string_wo         = var.slack_webhook_url
  secret_string_wo_version = var.slack_webhook_url_version
}

module "slack_notifier" {
  source = "../../modules/slack-notifier"

  name                       = "${local.name}-slack-notifier"
  lambda_zip                 = var.slack_notifier_zip
  webhook_secret_arn         = aws_secretsmanager_secret.slack_webhook.arn
  webhook_secret_kms_key_arn = module.database.secrets_kms_key_arn
  default_dashboard          = local.name
  failed_alarm_actions       = compact([var.alarm_email_topic_arn])

  tags = local.tags
}

resource "opsdeck_slack_alarm_topic" "alarms" {
  name                  = "${local.name}-alarms"
  webhook_secret_arn    = aws_secretsmanager_secret.slack_webhook.arn
  notifier_function_arn = module.slack_notifier.function_arn
  tags                  = local.tags
}

# CloudFront alarms notify a topic of their own region (design.md, known traps), and
# opsdeck_slack_alarm_topic checks its secret and notifier in its own region: a
# notifier in us-east-1 too, reading the webhook secret's replica there.
module "slack_notifier_us_east_1" {
  source = "../../modules/slack-notifier"
  providers = {
    aws = aws.us_east_1
  }

  name               = "${local.name}-slack-notifier-use1"
  lambda_zip         = var.slack_notifier_zip
  webhook_secret_arn = local.slack_webhook_replica_arn
  # The replica is encrypted with us-east-1's aws/secretsmanager key.
  webhook_secret_kms_key_arn = null
  default_dashboard          = local.name
  failed_alarm_actions       = []

  tags = local.tags
}

locals {
  slack_webhook_replica_arn = replace(aws_secretsmanager_secret.slack_webhook.arn, ":${var.region}:", ":us-east-1:")
}

resource "opsdeck_slack_alarm_topic" "alarms_us_east_1" {
  provider = opsdeck.us_east_1

  name                  = "${local.name}-alarms"
  webhook_secret_arn    = local.slack_webhook_replica_arn
  notifier_function_arn = module.slack_notifier_us_east_1.function_arn
  tags                  = local.tags
}

# Cost Anomaly Detection publishes as costalerts.amazonaws.com, which
# opsdeck_slack_alarm_topic does not list among its publishers yet: its own topic,
# encrypted with a key that lets it, delivered to the same notifier.
resource "aws_kms_key" "cost_anomalies" {
  description             = "${local.name}: cost anomaly topic"
  enable_key_rotation     = true
  deletion_window_in_days = local.protect ? 30 : 7
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CostAnomalyDetectionPublishes"
        Effect    = "Allow"
        Principal = { Service = "costalerts.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
      },
    ]
  })
  tags = local.tags
}

resource "aws_sns_topic" "cost_anomalies" {
  name              = "${local.name}-cost-anomalies"
  kms_master_key_id = aws_kms_key.cost_anomalies.arn
  tags              = local.tags
}

resource "aws_sns_topic_policy" "cost_anomalies" {
  arn = aws_sns_topic.cost_anomalies.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "CostAnomalyDetectionOfThisAccount"
      Effect    = "Allow"
      Principal = { Service = "costalerts.amazonaws.com" }
      Action    = "sns:Publish"
      Resource  = aws_sns_topic.cost_anomalies.arn
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}

resource "aws_lambda_permission" "cost_anomalies" {
  statement_id  = "sns-${local.name}-cost-anomalies"
  action        = "lambda:InvokeFunction"
  function_name = module.slack_notifier.function_name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.cost_anomalies.arn
}

resource "aws_sns_topic_subscription" "cost_anomalies" {
  topic_arn = aws_sns_topic.cost_anomalies.arn
  protocol  = "lambda"
  endpoint  = module.slack_notifier.function_arn

  depends_on = [aws_lambda_permission.cost_anomalies]
}

################################################################################
# Observability and audit
################################################################################

module "observability" {
  source = "../../modules/observability"

  name = local.name
  api = {
    name                  = local.name
    stage_name            = module.compute.api_stage_name
    access_log_group_name = module.compute.api_access_log_group_name
  }
  functions = {
    for k, fn in module.compute.function_names : k => {
      function_name  = fn
      log_group_name = module.compute.function_log_group_names[k]
    }
  }
  database           = { cluster_identifier = module.database.db_cluster_id }
  cloudfront         = { distribution_id = module.edge.distribution_id }
  state_machine_arns = { workflow = module.compute.state_machine_arn }

  alarm_topic_arn           = opsdeck_slack_alarm_topic.alarms.arn
  alarm_topic_arn_us_east_1 = opsdeck_slack_alarm_topic.alarms_us_east_1.arn

  cost = {
    monthly_budget_usd   = var.monthly_budget_usd
    budget_cost_filters  = { TagKeyValue = ["user:Environment$${var.environment}"] }
    anomaly_monitor_tags = { Environment = var.environment }
    # Through the policy resource (its arn is the topic's), so the subscription waits
    # for the publish permission without a module-level depends_on.
    anomaly_topic_arn = aws_sns_topic_policy.cost_anomalies.arn
  }

  tags = local.tags
}

module "audit" {
  source = "../../modules/audit"

  name                   = local.name
  data_event_bucket_arns = [module.edge.bucket_arn, "arn:aws:s3:::${var.artifacts.bucket}"]
  # Every invocation of the application's functions, by name (not the whole account).
  data_event_lambda_function_arns = values(module.compute.function_arns)
  break_glass_role_arn            = var.break_glass_role_arn
  log_bucket                      = { force_destroy = !local.protect }
  kms_key_deletion_window_in_days = local.protect ? 30 : 7

  tags = local.tags
}

################################################################################
# Deploy history, and the record of this release, written last
################################################################################

module "deploy_history" {
  source = "../../modules/deploy-history"

  name                            = "${local.name}-deploy-history"
  deletion_protection_enabled     = local.protect
  kms_key_deletion_window_in_days = local.protect ? 30 : 7

  tags = local.tags
}

resource "opsdeck_deploy_record" "release" {
  table_name  = module.deploy_history.table_name
  service     = var.project
  environment = var.environment
  version     = var.app_version
  release_url = var.release_url_prefix == null ? null : "${var.release_url_prefix}${var.app_version}"

  depends_on = [
    module.network,
    module.database,
    module.compute,
    module.edge,
    module.slack_notifier,
    module.observability,
    module.audit,
  ]
}
