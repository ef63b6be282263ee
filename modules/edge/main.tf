data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  bucket_name     = coalesce(var.bucket_name, "${var.name}-frontend-${local.account_id}")
  log_bucket_name = "${var.name}-edge-logs-${local.account_id}"
  origin_id       = "s3-${local.bucket_name}"
  # The release folder: a rollback is an apply with the previous version.
  origin_path = "/${var.app_version}"

  use_oac = var.origin_access == "oac"
  use_oai = var.origin_access == "oai"

  use_certificate = var.acm_certificate_arn != null

  # AWS's managed policies for an API behind CloudFront (IDs are the same in
  # every account): nothing cached, every viewer header but Host forwarded
  # (API Gateway routes on its own host name; with caching disabled the
  # Authorization header is forwarded too), every query string and cookie.
  managed_cache_policy_caching_disabled                = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
  managed_origin_request_policy_all_viewer_except_host = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
  api_origin_id                                        = "api"
  # Whether a secret is set is no secret; its value stays sensitive.
  api_origin_verify = nonsensitive(var.api_origin_verify_secret != null)
}

################################################################################
# Log bucket: CloudFront standard logs and the frontend bucket's S3 access logs
################################################################################

resource "aws_s3_bucket" "logs" {
  #checkov:skip=CKV_AWS_18:This is the access-log bucket; logging it into itself would log its own log writes forever.
  #checkov:skip=CKV_AWS_144:Access logs are kept in one region; a replica would double the storage of an audit trail that CloudTrail (envs/prod) also keeps.
  #checkov:skip=CKV_AWS_145:CloudFront standard logging cannot write to SSE-KMS buckets (AWS documents SSE-S3 only); SSE-S3 as the seed asks for S3 (R4.4-b).
  #checkov:skip=CKV2_AWS_62:Nothing reacts to new log objects; they are read by queries (Athena) when needed.
  bucket        = local.log_bucket_name
  force_destroy = var.force_destroy

  tags = merge(var.tags, { Name = local.log_bucket_name })
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# CloudFront standard logs are delivered with an ACL grant to the awslogsdelivery
# account, which needs ACLs enabled: BucketOwnerPreferred keeps the objects
# owned by this account all the same.
resource "aws_s3_bucket_ownership_controls" "logs" {
  #checkov:skip=CKV2_AWS_65:CloudFront standard logging delivers with an ACL grant to the awslogsdelivery account and fails on buckets with ACLs disabled (AWS documents this); public ACLs stay blocked by the public access block.
  bucket = aws_s3_bucket.logs.id
  rule {
    object_ownership = "BucketOwnerPreferred"
  }
}

resource "aws_s3_bucket_acl" "logs" {
  bucket = aws_s3_bucket.logs.id
  acl    = "log-delivery-write"

  depends_on = [aws_s3_bucket_ownership_controls.logs, aws_s3_bucket_public_access_block.logs]
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    id     = "expire-access-logs"
    status = "Enabled"
    filter {}
    expiration {
      days = var.access_logs.retention_days
    }
    # An overwritten or deleted log object stays recoverable this long.
    noncurrent_version_expiration {
      noncurrent_days = var.access_logs.noncurrent_version_retention_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.logs]
}

resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.logs.arn, "${aws_s3_bucket.logs.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        # S3 server access logs of the frontend bucket (the logging service
        # principal replaces ACL grants for them).
        Sid       = "S3ServerAccessLogsOfFrontendBucket"
        Effect    = "Allow"
        Principal = { Service = "logging.s3.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "${aws_s3_bucket.logs.arn}/s3/*"
        Condition = {
          ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:s3:::${local.bucket_name}" }
          StringEquals = { "aws:SourceAccount" = local.account_id }
        }
      },
    ]
  })

  depends_on = [aws_s3_bucket_public_access_block.logs]
}

################################################################################
# Frontend bucket: private, reachable only through CloudFront
################################################################################

resource "aws_s3_bucket" "frontend" {
  #checkov:skip=CKV_AWS_144:Releases are rebuilt from git tags by the pipeline; versioning keeps replaced objects, so a second region is not needed for this content.
  #checkov:skip=CKV_AWS_145:SSE-S3 by requirement (seed R4.4-b); with SSE-KMS every CloudFront miss would also be a KMS request and the key policy would have to trust CloudFront.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to uploads; the pipeline applies after it uploads a release.
  bucket        = local.bucket_name
  force_destroy = var.force_destroy

  tags = merge(var.tags, { Name = local.bucket_name })
}

resource "aws_s3_bucket_public_access_block" "frontend" {
  bucket                  = aws_s3_bucket.frontend.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# No ACLs at all: the bucket owner owns every object, access is by policy only.
resource "aws_s3_bucket_ownership_controls" "frontend" {
  bucket = aws_s3_bucket.frontend.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "frontend" {
  bucket = aws_s3_bucket.frontend.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "frontend" {
  bucket = aws_s3_bucket.frontend.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "frontend" {
  bucket = aws_s3_bucket.frontend.id

  # Current objects (every release folder) stay: rollbacks need them.
  rule {
    id     = "expire-replaced-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.frontend]
}

resource "aws_s3_bucket_logging" "frontend" {
  bucket        = aws_s3_bucket.frontend.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "s3/"

  depends_on = [aws_s3_bucket_policy.logs]
}

resource "aws_cloudfront_origin_access_control" "this" {
  count = local.use_oac ? 1 : 0

  name                              = "${var.name}-frontend"
  description                       = "CloudFront signs its requests to ${local.bucket_name}"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_origin_access_identity" "this" {
  count = local.use_oai ? 1 : 0

  comment = "${var.name}: reads ${local.bucket_name}"
}

resource "aws_s3_bucket_policy" "frontend" {
  bucket = aws_s3_bucket.frontend.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.frontend.arn, "${aws_s3_bucket.frontend.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      }],
      # Reads only, only objects, only this distribution (R1.3-b, R4.1-b).
      local.use_oac ? [{
        Sid       = "CloudFrontReadsThroughOriginAccessControl"
        Effect    = "Allow"
        Principal = { Service = "cloudfront.amazonaws.com" }
        Action    = "s3:GetObject"
        Resource  = "${aws_s3_bucket.frontend.arn}/*"
        Condition = { StringEquals = { "AWS:SourceArn" = aws_cloudfront_distribution.this.arn } }
      }] : [],
      # The identity's statement has no Condition at all (not "Condition": null).
      local.use_oai ? [{
        Sid       = "CloudFrontReadsThroughOriginAccessIdentity"
        Effect    = "Allow"
        Principal = { AWS = aws_cloudfront_origin_access_identity.this[0].iam_arn }
        Action    = "s3:GetObject"
        Resource  = "${aws_s3_bucket.frontend.arn}/*"
      }] : [],
    )
  })

  depends_on = [aws_s3_bucket_public_access_block.frontend]
}

################################################################################
# CloudFront
################################################################################

resource "aws_cloudfront_cache_policy" "this" {
  name        = "${var.name}-frontend"
  comment     = "${var.name}: static frontend, ${var.cache.default_ttl} s by default"
  default_ttl = var.cache.default_ttl
  min_ttl     = var.cache.min_ttl
  max_ttl     = var.cache.max_ttl

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_gzip   = var.cache.compress
    enable_accept_encoding_brotli = var.cache.compress

    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = length(var.cache.query_strings) == 0 ? "none" : "whitelist"
      dynamic "query_strings" {
        for_each = length(var.cache.query_strings) == 0 ? [] : [1]
        content {
          items = var.cache.query_strings
        }
      }
    }
  }
}

resource "aws_cloudfront_response_headers_policy" "this" {
  #checkov:skip=CKV_AWS_259:HSTS is always sent and overrides the origin's: security_headers defaults to two years with includeSubDomains (validated to at least one day); checkov cannot resolve optional() object defaults through the module call.
  name    = "${var.name}-security-headers"
  comment = "${var.name}: HSTS, CSP, nosniff, frame options, referrer policy"

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = var.security_headers.hsts_max_age_seconds
      include_subdomains         = var.security_headers.hsts_include_subdomains
      preload                    = var.security_headers.hsts_preload
      override                   = true
    }
    content_security_policy {
      content_security_policy = var.security_headers.content_security_policy
      override                = true
    }
    content_type_options {
      override = true
    }
    frame_options {
      frame_option = var.security_headers.frame_options
      override     = true
    }
    referrer_policy {
      referrer_policy = var.security_headers.referrer_policy
      override        = true
    }
  }
}

resource "aws_cloudfront_distribution" "this" {
  #checkov:skip=CKV_AWS_68:A WAF web ACL is optional (web_acl_arn): the distribution serves static files only, and a web ACL costs at least USD 5 a month plus requests; pass one to enable it.
  #checkov:skip=CKV2_AWS_47:A WAF web ACL is optional (web_acl_arn), see CKV_AWS_68; its rules (such as the Log4j rule set) are the web ACL's business.
  #checkov:skip=CKV_AWS_310:No origin group: the S3 origin is regional and redundant across zones (a group would need a replica bucket in a second region, CKV_AWS_144), and the API origin is a regional API Gateway stage, which a group cannot fail over for non-GET methods.
  #checkov:skip=CKV_AWS_374:The service has no country restrictions; geo blocking is a business decision, not a default.
  #checkov:skip=CKV_AWS_174:TLSv1.2_2021 or newer is enforced whenever a certificate is given (minimum_protocol_version, validated), and require_custom_certificate (default true) refuses a distribution without one at plan time; checkov cannot see the precondition.
  #checkov:skip=CKV2_AWS_42:A custom certificate is required by default (require_custom_certificate precondition); only a caller who sets it false gets CloudFront's own certificate, for test environments.
  enabled             = true
  is_ipv6_enabled     = true
  http_version        = "http2and3"
  comment             = "${var.name} frontend, release ${var.app_version}"
  default_root_object = var.default_root_object
  price_class         = var.price_class
  aliases             = var.aliases
  web_acl_id          = var.web_acl_arn

  origin {
    origin_id                = local.origin_id
    domain_name              = aws_s3_bucket.frontend.bucket_regional_domain_name
    origin_path              = local.origin_path
    origin_access_control_id = local.use_oac ? aws_cloudfront_origin_access_control.this[0].id : null

    dynamic "s3_origin_config" {
      for_each = local.use_oai ? [1] : []
      content {
        origin_access_identity = aws_cloudfront_origin_access_identity.this[0].cloudfront_access_identity_path
      }
    }
  }

  # The API (modules/compute) under /api/* of the same origin: HTTPS with
  # TLS 1.2 to API Gateway, nothing cached, the secret header that the
  # stage's web ACL requires (api_origin_verify_secret).
  dynamic "origin" {
    for_each = var.api_origin == null ? [] : [var.api_origin]
    content {
      origin_id   = local.api_origin_id
      domain_name = origin.value.domain_name
      origin_path = origin.value.origin_path

      custom_origin_config {
        http_port                = 80
        https_port               = 443
        origin_protocol_policy   = "https-only"
        origin_ssl_protocols     = ["TLSv1.2"]
        origin_read_timeout      = origin.value.read_timeout
        origin_keepalive_timeout = 5
      }

      dynamic "custom_header" {
        for_each = local.api_origin_verify ? [1] : []
        content {
          name  = origin.value.verify_header
          value = var.api_origin_verify_secret
        }
      }
    }
  }

  dynamic "ordered_cache_behavior" {
    for_each = var.api_origin == null ? [] : [var.api_origin]
    content {
      path_pattern               = ordered_cache_behavior.value.path_pattern
      target_origin_id           = local.api_origin_id
      viewer_protocol_policy     = var.viewer_protocol_policy
      allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
      cached_methods             = ["GET", "HEAD"]
      compress                   = false
      cache_policy_id            = local.managed_cache_policy_caching_disabled
      origin_request_policy_id   = local.managed_origin_request_policy_all_viewer_except_host
      response_headers_policy_id = aws_cloudfront_response_headers_policy.this.id
    }
  }

  default_cache_behavior {
    target_origin_id           = local.origin_id
    viewer_protocol_policy     = var.viewer_protocol_policy
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = var.cache.compress
    cache_policy_id            = aws_cloudfront_cache_policy.this.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.this.id
  }

  dynamic "custom_error_response" {
    for_each = var.error_responses
    content {
      error_code            = custom_error_response.value.error_code
      response_code         = custom_error_response.value.response_code
      response_page_path    = custom_error_response.value.response_page_path
      error_caching_min_ttl = custom_error_response.value.error_caching_min_ttl
    }
  }

  logging_config {
    bucket          = aws_s3_bucket.logs.bucket_domain_name
    prefix          = var.access_logs.prefix
    include_cookies = var.access_logs.include_cookies
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = !local.use_certificate
    acm_certificate_arn            = var.acm_certificate_arn
    ssl_support_method             = local.use_certificate ? "sni-only" : null
    minimum_protocol_version       = local.use_certificate ? var.minimum_protocol_version : "TLSv1"
  }

  tags = merge(var.tags, { Name = "${var.name}-frontend", AppVersion = var.app_version })

  lifecycle {
    # Production guard: CloudFront's default certificate pins viewers' TLS
    # at TLSv1 (design.md, known traps); only a custom one takes a minimum.
    precondition {
      condition     = !var.require_custom_certificate || (var.acm_certificate_arn != null && length(var.aliases) > 0)
      error_message = "require_custom_certificate is true (the production default) but acm_certificate_arn or aliases is missing: give an ACM certificate in us-east-1 and the domain names it covers, so that viewers are held to minimum_protocol_version (TLSv1.2_2021 or newer). Without a certificate CloudFront allows TLS 1.0; set require_custom_certificate = false only for test environments."
    }
  }

  depends_on = [aws_s3_bucket_acl.logs]
}
