provider "aws" {
  region = var.region
}

locals {
  tags = {
    Project     = "opsdeck"
    Environment = "example"
  }
  # Both functions run the project's health handler here; a real release
  # uploads one zip per function.
  function_keys = ["api", "worker"]
}

data "aws_caller_identity" "current" {}

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:Example only: takes the first two zones of the region; modules/network pins zones for real environments.
  state = "available"
}

################################################################################
# What the compute module takes from modules/network and modules/database.
# A real composition (envs/prod) passes those modules' outputs instead.
################################################################################

resource "aws_vpc" "this" {
  #checkov:skip=CKV2_AWS_11:Example stand-in for modules/network, which enables flow logs.
  #checkov:skip=CKV2_AWS_12:Example stand-in for modules/network, which restricts the default security group.
  cidr_block           = "10.0.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = merge(local.tags, { Name = var.name })
}

resource "aws_subnet" "private" {
  count = 2

  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet("10.0.0.0/16", 4, count.index + 1)
  availability_zone = data.aws_availability_zones.available.names[count.index]
  tags              = merge(local.tags, { Name = "${var.name}-private-${count.index}" })
}

resource "aws_security_group" "lambda" {
  name        = "${var.name}-lambda"
  description = "Lambda functions of the example: HTTPS out only"
  vpc_id      = aws_vpc.this.id
  tags        = merge(local.tags, { Name = "${var.name}-lambda" })
}

resource "aws_vpc_security_group_egress_rule" "lambda_https" {
  security_group_id = aws_security_group.lambda.id
  description       = "HTTPS to AWS APIs"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_kms_key" "secrets" {
  description             = "${var.name}: application secrets"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministersThroughIam"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
  tags = local.tags
}

resource "aws_secretsmanager_secret" "jwt_signing" {
  #checkov:skip=CKV2_AWS_57:Example stand-in for modules/database, whose rotated secrets the functions read.
  name                    = "${var.name}/jwt-signing-secret"
  kms_key_id              = aws_kms_key.secrets.arn
  recovery_window_in_days = 0
  tags                    = local.tags
}

################################################################################
# The release artifacts: a private, versioned bucket and one zip per function
# and release, as the pipeline uploads them (s3://<bucket>/<name>/<v>/<fn>.zip).
################################################################################

resource "aws_s3_bucket" "artifacts" {
  #checkov:skip=CKV_AWS_18:Example artifact bucket, written only by the pipeline; access is audited by CloudTrail data events in envs/prod.
  #checkov:skip=CKV_AWS_144:Artifacts are rebuilt from git tags; cross-region replication is not needed for them.
  #checkov:skip=CKV_AWS_145:SSE-S3 as the seed asks for S3 (R4.4-b); Lambda reads the artifacts with the deploying principal's rights.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to uploads; the pipeline applies after it uploads.
  bucket_prefix = "${var.name}-artifacts-"
  force_destroy = true
  tags          = local.tags
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    id     = "expire-replaced-artifacts"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_s3_object" "artifact" {
  for_each = { for pair in setproduct(var.released_versions, local.function_keys) : "${pair[0]}/${pair[1]}" => { version = pair[0], function = pair[1] } }

  bucket = aws_s3_bucket.artifacts.id
  key    = "${var.name}/${each.value.version}/${each.value.function}.zip"
  source = var.lambda_zip
  # source_hash, not etag: S3 gives a zip over 5 MiB (uploaded in parts) an ETag that is
  # not its MD5, and an etag argument would then want an update at every plan.
  source_hash = filemd5(var.lambda_zip)

  depends_on = [aws_s3_bucket_versioning.artifacts]
}

################################################################################
# Who may call the API: a Cognito user pool whose tokens the API's authorizer
# accepts (any route but the health check). envs/prod may use its own pool, a
# Lambda authorizer or IAM instead (README, Authorization).
################################################################################

resource "aws_cognito_user_pool" "users" {
  name = "${var.name}-users"

  password_policy {
    minimum_length    = 12
    require_lowercase = true
    require_uppercase = true
    require_numbers   = true
    require_symbols   = false
  }

  tags = local.tags
}

################################################################################
# The account's API Gateway logging role: once per account and region
# (modules/apigateway-account), not in every application stack. The example
# owns a throwaway account, so it sets it too.
################################################################################

module "apigateway_account" {
  source = "../../../apigateway-account"

  name = var.name
  tags = local.tags
}

################################################################################
# The module
################################################################################

module "compute" {
  source = "../../"

  name        = var.name
  app_version = var.app_version
  artifacts = {
    bucket = aws_s3_bucket.artifacts.id
    prefix = var.name
  }

  subnet_ids         = aws_subnet.private[*].id
  security_group_ids = [aws_security_group.lambda.id]

  functions = {
    api    = { kind = "api", description = "Health endpoint behind API Gateway" }
    worker = { kind = "task", description = "Step Functions task", application_log_level = "WARN" }
  }

  secrets = {
    arns         = [aws_secretsmanager_secret.jwt_signing.arn]
    kms_key_arns = [aws_kms_key.secrets.arn]
  }

  # The routes live under /api so that CloudFront can serve them on the
  # site's own origin (modules/edge api_origin); every route but /api/health
  # needs a token of the user pool.
  api = {
    base_path = "api"
    authorizer = {
      type                   = "COGNITO_USER_POOLS"
      cognito_user_pool_arns = [aws_cognito_user_pool.users.arn]
    }
    web_acl = { enabled = true }
  }
  # With the secret, the execute-api URL answers only requests that came
  # through CloudFront (modules/edge api_origin_verify_secret, same value).
  api_origin_verify_secret = var.api_origin_verify_secret

  kms_key_deletion_window_in_days = 7

  tags = local.tags

  # The functions read their code when they are created or updated; the
  # stage logs through the account's role.
  depends_on = [aws_s3_object.artifact, module.apigateway_account]
}
