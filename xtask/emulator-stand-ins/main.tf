# What an AWS account and the release pipeline provide before envs/prod applies, stood in
# on the emulator for `cargo xtask up` and the envs/prod terratest suite. Never applied
# to AWS: there the state bucket and the artifact bucket are created once (envs/prod
# README, "First deploy"), the pipeline uploads each release's artifacts, and the
# certificate is requested for the real domain and validated.

terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.90, < 6.0"
    }
  }
}

variable "region" {
  description = "Region of envs/prod."
  type        = string
  default     = "ap-northeast-1"
}

variable "state_bucket" {
  description = "Bucket of the S3 backend (with its lock file)."
  type        = string
  default     = "opsdeck-terraform-state"
}

variable "artifact_bucket" {
  description = "Bucket the pipeline uploads release artifacts to."
  type        = string
  default     = "opsdeck-artifacts"
}

variable "artifact_prefix" {
  description = "Key prefix of the artifacts (envs/prod artifacts.prefix)."
  type        = string
  default     = "opsdeck-prod"
}

variable "released_versions" {
  description = "Every release uploaded so far; rollbacks need the previous ones."
  type        = list(string)
}

variable "lambda_zip" {
  description = "The function zip uploaded for each release and function (the project's health handler)."
  type        = string
}

variable "functions" {
  description = "Function keys of modules/compute in envs/prod."
  type        = list(string)
  default     = ["api", "worker", "authorizer"]
}

variable "function_zips" {
  description = "A zip of its own for some functions (e.g. { authorizer = \"dist/lambda/authorizer.zip\" }); the others get lambda_zip."
  type        = map(string)
  default     = {}
}

variable "domain" {
  description = "Domain of the test certificate."
  type        = string
  default     = "app.opsdeck.test"
}

provider "aws" {
  region      = var.region
  max_retries = 2
}

provider "aws" {
  alias       = "us_east_1"
  region      = "us-east-1"
  max_retries = 2
}

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_18:Emulator stand-in.
  #checkov:skip=CKV_AWS_144:Emulator stand-in.
  #checkov:skip=CKV_AWS_145:Emulator stand-in.
  #checkov:skip=CKV2_AWS_62:Emulator stand-in.
  #checkov:skip=CKV2_AWS_61:Emulator stand-in.
  #checkov:skip=CKV2_AWS_6:Emulator stand-in.
  bucket        = var.state_bucket
  force_destroy = true
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket" "artifacts" {
  #checkov:skip=CKV_AWS_18:Emulator stand-in.
  #checkov:skip=CKV_AWS_144:Emulator stand-in.
  #checkov:skip=CKV_AWS_145:Emulator stand-in.
  #checkov:skip=CKV2_AWS_62:Emulator stand-in.
  #checkov:skip=CKV2_AWS_61:Emulator stand-in.
  #checkov:skip=CKV2_AWS_6:Emulator stand-in.
  bucket        = var.artifact_bucket
  force_destroy = true
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_object" "artifact" {
  for_each = { for pair in setproduct(var.released_versions, var.functions) : "${pair[0]}/${pair[1]}" => pair }

  bucket = aws_s3_bucket.artifacts.id
  key    = "${var.artifact_prefix}/${each.value[0]}/${each.value[1]}.zip"
  source = lookup(var.function_zips, each.value[1], var.lambda_zip)
  # source_hash, not etag: S3 gives a zip over 5 MiB (uploaded in parts) an ETag that is
  # not its MD5, and an etag argument would then want an update at every plan.
  source_hash = filemd5(lookup(var.function_zips, each.value[1], var.lambda_zip))

  depends_on = [aws_s3_bucket_versioning.artifacts]
}

# A requested certificate, as an operator requests one for the real domain.
resource "aws_acm_certificate" "site" {
  #checkov:skip=CKV_AWS_233:Emulator stand-in, never replaced while in use.
  provider = aws.us_east_1

  domain_name       = var.domain
  validation_method = "DNS"
}

output "state_bucket" {
  value = aws_s3_bucket.state.id
}

output "artifact_bucket" {
  value = aws_s3_bucket.artifacts.id
}

output "certificate_arn" {
  value = aws_acm_certificate.site.arn
}
