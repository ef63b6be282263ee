# Plan-level tests of the seed's frontend delivery (R1.3, R4.1-b, R4.4-b/e, R6.1-c, R8.1-b/c)
# against a mocked AWS provider: no credentials, no emulator.

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

override_resource {
  target          = aws_s3_bucket.frontend
  override_during = plan
  values = {
    id                          = "opsdeck-frontend-123456789012"
    arn                         = "arn:aws:s3:::opsdeck-frontend-123456789012"
    bucket_regional_domain_name = "opsdeck-frontend-123456789012.s3.ap-northeast-1.amazonaws.com"
  }
}
override_resource {
  target          = aws_s3_bucket.logs
  override_during = plan
  values = {
    id                 = "opsdeck-edge-logs-123456789012"
    arn                = "arn:aws:s3:::opsdeck-edge-logs-123456789012"
    bucket_domain_name = "opsdeck-edge-logs-123456789012.s3.amazonaws.com"
  }
}
override_resource {
  target          = aws_cloudfront_distribution.this
  override_during = plan
  values          = { arn = "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE0001" }
}
override_resource {
  target          = aws_cloudfront_origin_access_control.this[0]
  override_during = plan
  values          = { id = "E3OACEXAMPLE01" }
}
override_resource {
  target          = aws_cloudfront_cache_policy.this
  override_during = plan
  values          = { id = "cache-policy-0001" }
}
override_resource {
  target          = aws_cloudfront_response_headers_policy.this
  override_during = plan
  values          = { id = "headers-policy-0001" }
}

variables {
  name        = "opsdeck"
  app_version = "v1.4.2"
  # Most runs look at other things than the certificate; tests/tls.tftest.hcl checks the
  # production guard with the module's defaults.
  require_custom_certificate = false
}

run "private_bucket" {
  command = plan

  # R1.3-a: public access blocked; objects owned by the bucket owner, no ACLs.
  assert {
    condition = (
      aws_s3_bucket_public_access_block.frontend.block_public_acls && aws_s3_bucket_public_access_block.frontend.block_public_policy &&
      aws_s3_bucket_public_access_block.frontend.ignore_public_acls && aws_s3_bucket_public_access_block.frontend.restrict_public_buckets
    )
    error_message = "The frontend bucket must block every kind of public access (R1.3-a)."
  }
  assert {
    condition     = aws_s3_bucket_ownership_controls.frontend.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "Object ownership must be enforced (ACLs disabled)."
  }
  # R4.4-b: SSE-S3; versioning so a release can be restored.
  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.frontend.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "The bucket must be encrypted with SSE-S3 (R4.4-b)."
  }
  assert {
    condition     = aws_s3_bucket_versioning.frontend.versioning_configuration[0].status == "Enabled"
    error_message = "Versioning must be on."
  }
  assert {
    condition     = aws_s3_bucket.frontend.bucket == "opsdeck-frontend-123456789012" && !aws_s3_bucket.frontend.force_destroy
    error_message = "The bucket must be named <name>-frontend-<account> and protected from destroy by default."
  }
  # R1.3-b, R4.4-e: TLS only; reads only by this distribution.
  assert {
    condition     = jsondecode(aws_s3_bucket_policy.frontend.policy).Statement[0].Effect == "Deny" && jsondecode(aws_s3_bucket_policy.frontend.policy).Statement[0].Condition.Bool["aws:SecureTransport"] == "false"
    error_message = "The bucket policy must deny requests without TLS."
  }
  # Issue 16, finding 5: the exact bucket policy, so an extra reader or action fails.
  assert {
    condition = jsondecode(aws_s3_bucket_policy.frontend.policy).Statement == [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = ["arn:aws:s3:::opsdeck-frontend-123456789012", "arn:aws:s3:::opsdeck-frontend-123456789012/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "CloudFrontReadsThroughOriginAccessControl"
        Effect    = "Allow"
        Principal = { Service = "cloudfront.amazonaws.com" }
        Action    = "s3:GetObject"
        Resource  = "arn:aws:s3:::opsdeck-frontend-123456789012/*"
        Condition = { StringEquals = { "AWS:SourceArn" = "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE0001" } }
      },
    ]
    error_message = "Only this distribution may read objects, through origin access control (R1.3-b), and only over TLS."
  }
}

run "cloudfront_distribution" {
  command = plan

  assert {
    condition     = one(aws_cloudfront_distribution.this.origin).origin_access_control_id == "E3OACEXAMPLE01" && length(one(aws_cloudfront_distribution.this.origin).s3_origin_config) == 0 && length(aws_cloudfront_origin_access_identity.this) == 0
    error_message = "Origin access control must be the default (R4.1-b), with no origin access identity."
  }
  assert {
    condition     = aws_cloudfront_origin_access_control.this[0].signing_behavior == "always" && aws_cloudfront_origin_access_control.this[0].signing_protocol == "sigv4" && aws_cloudfront_origin_access_control.this[0].origin_access_control_origin_type == "s3"
    error_message = "The origin access control must always sign with SigV4 for S3."
  }
  # The frontend rolls back with the backend: the origin path is the release.
  assert {
    condition     = one(aws_cloudfront_distribution.this.origin).origin_path == "/v1.4.2" && output.origin_path == "/v1.4.2"
    error_message = "The origin path must be /<app_version>."
  }
  # R1.3-c, R4.4-e: HTTPS only.
  assert {
    condition     = aws_cloudfront_distribution.this.default_cache_behavior[0].viewer_protocol_policy == "https-only"
    error_message = "Viewers must use HTTPS (R1.3-c)."
  }
  assert {
    condition     = aws_cloudfront_distribution.this.viewer_certificate[0].cloudfront_default_certificate && aws_cloudfront_distribution.this.default_root_object == "index.html" && aws_cloudfront_distribution.this.price_class == "PriceClass_200"
    error_message = "Without a certificate the default one must serve; index.html is the root object; PriceClass_200 includes Japan."
  }
  # R1.3-d, R6.1-c: one hour, compressed, small cache key.
  assert {
    condition = (
      aws_cloudfront_cache_policy.this.default_ttl == 3600 && aws_cloudfront_cache_policy.this.min_ttl == 0 && aws_cloudfront_cache_policy.this.max_ttl == 86400 &&
      aws_cloudfront_cache_policy.this.parameters_in_cache_key_and_forwarded_to_origin[0].enable_accept_encoding_gzip &&
      aws_cloudfront_cache_policy.this.parameters_in_cache_key_and_forwarded_to_origin[0].enable_accept_encoding_brotli &&
      aws_cloudfront_cache_policy.this.parameters_in_cache_key_and_forwarded_to_origin[0].query_strings_config[0].query_string_behavior == "none" &&
      aws_cloudfront_distribution.this.default_cache_behavior[0].compress &&
      aws_cloudfront_distribution.this.default_cache_behavior[0].cache_policy_id == "cache-policy-0001"
    )
    error_message = "The cache policy must default to a 1-hour TTL with compression and be used by the default behaviour (R1.3-d)."
  }
  # R1.3-e: error pages from the bucket.
  assert {
    condition     = { for e in aws_cloudfront_distribution.this.custom_error_response : tostring(e.error_code) => "${e.response_code} ${e.response_page_path}" } == { "403" = "404 /404.html", "404" = "404 /404.html", "500" = "500 /500.html" }
    error_message = "404 and 500 (and S3's 403 for missing objects) must be answered with the error pages (R1.3-e)."
  }
  # R1.3-f: security headers.
  assert {
    condition = (
      aws_cloudfront_distribution.this.default_cache_behavior[0].response_headers_policy_id == "headers-policy-0001" &&
      aws_cloudfront_response_headers_policy.this.security_headers_config[0].strict_transport_security[0].access_control_max_age_sec == 63072000 &&
      aws_cloudfront_response_headers_policy.this.security_headers_config[0].strict_transport_security[0].include_subdomains &&
      startswith(aws_cloudfront_response_headers_policy.this.security_headers_config[0].content_security_policy[0].content_security_policy, "default-src 'self'; connect-src 'self';") &&
      aws_cloudfront_response_headers_policy.this.security_headers_config[0].content_type_options[0].override &&
      aws_cloudfront_response_headers_policy.this.security_headers_config[0].frame_options[0].frame_option == "DENY" &&
      aws_cloudfront_response_headers_policy.this.security_headers_config[0].referrer_policy[0].referrer_policy == "strict-origin-when-cross-origin"
    )
    error_message = "HSTS, CSP, nosniff, X-Frame-Options and Referrer-Policy must be set on every response (R1.3-f)."
  }
  # R8.1-b: access logs to the log bucket.
  assert {
    condition     = aws_cloudfront_distribution.this.logging_config[0].bucket == "opsdeck-edge-logs-123456789012.s3.amazonaws.com" && aws_cloudfront_distribution.this.logging_config[0].prefix == "cloudfront/" && !aws_cloudfront_distribution.this.logging_config[0].include_cookies
    error_message = "Access logs must go to the log bucket without cookies (R8.1-b)."
  }
  assert {
    condition     = aws_cloudfront_distribution.this.web_acl_id == null && length(aws_cloudfront_distribution.this.aliases) == 0
    error_message = "No web ACL and no aliases by default."
  }
  assert {
    condition     = length(aws_cloudfront_distribution.this.origin) == 1 && length(aws_cloudfront_distribution.this.ordered_cache_behavior) == 0
    error_message = "Without api_origin the distribution serves the site only (edge works without an API)."
  }
}

run "log_bucket" {
  command = plan

  # R8.1-c: a retention period; ACLs only for CloudFront's log delivery.
  assert {
    condition     = aws_s3_bucket_lifecycle_configuration.logs.rule[0].expiration[0].days == 365 && aws_s3_bucket_lifecycle_configuration.logs.rule[0].status == "Enabled"
    error_message = "Access logs must expire after 365 days by default (R8.1-c)."
  }
  # Issue 16, item 8: a deleted or overwritten log object stays recoverable for 90 days.
  assert {
    condition     = aws_s3_bucket_lifecycle_configuration.logs.rule[0].noncurrent_version_expiration[0].noncurrent_days == 90
    error_message = "Old versions of log objects must be kept 90 days by default, not one."
  }
  assert {
    condition     = aws_s3_bucket_ownership_controls.logs.rule[0].object_ownership == "BucketOwnerPreferred" && aws_s3_bucket_acl.logs.acl == "log-delivery-write"
    error_message = "The log bucket must accept CloudFront's log delivery (ACL) and keep objects owned by the account."
  }
  assert {
    condition     = aws_s3_bucket_public_access_block.logs.block_public_acls && aws_s3_bucket_public_access_block.logs.restrict_public_buckets && one(one(aws_s3_bucket_server_side_encryption_configuration.logs.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "The log bucket must be private and encrypted with SSE-S3."
  }
  assert {
    condition     = aws_s3_bucket_logging.frontend.target_bucket == "opsdeck-edge-logs-123456789012" && aws_s3_bucket_logging.frontend.target_prefix == "s3/"
    error_message = "The frontend bucket's S3 access logs must go to the log bucket under s3/."
  }
}

run "origin_access_identity_as_the_seed_names" {
  command = plan

  variables {
    origin_access = "oai"
  }

  override_resource {
    target          = aws_cloudfront_origin_access_identity.this[0]
    override_during = plan
    values = {
      iam_arn                         = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1OAIEXAMPLE01"
      cloudfront_access_identity_path = "origin-access-identity/cloudfront/E1OAIEXAMPLE01"
    }
  }

  assert {
    condition     = length(aws_cloudfront_origin_access_control.this) == 0 && one(one(aws_cloudfront_distribution.this.origin).s3_origin_config).origin_access_identity == "origin-access-identity/cloudfront/E1OAIEXAMPLE01"
    error_message = "origin_access = \"oai\" must use an origin access identity instead of the control."
  }
  assert {
    condition = length(jsondecode(aws_s3_bucket_policy.frontend.policy).Statement) == 2 && jsondecode(aws_s3_bucket_policy.frontend.policy).Statement[1] == {
      Sid       = "CloudFrontReadsThroughOriginAccessIdentity"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1OAIEXAMPLE01" }
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::opsdeck-frontend-123456789012/*"
    }
    error_message = "With an identity the bucket policy must let exactly that identity read objects, with no Condition member at all (issue 16: not \"Condition\": null)."
  }
  assert {
    condition     = !strcontains(aws_s3_bucket_policy.frontend.policy, "null")
    error_message = "The bucket policy must not render a null member."
  }
}

run "certificate_and_aliases" {
  command = plan

  variables {
    aliases                = ["www.example.com"]
    acm_certificate_arn    = "arn:aws:acm:us-east-1:123456789012:certificate/aaaaaaaa-0000-0000-0000-000000000000"
    web_acl_arn            = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/0000"
    viewer_protocol_policy = "redirect-to-https"
  }

  # R4.4-e: TLS 1.2 or newer with a certificate.
  assert {
    condition = (
      !aws_cloudfront_distribution.this.viewer_certificate[0].cloudfront_default_certificate &&
      aws_cloudfront_distribution.this.viewer_certificate[0].minimum_protocol_version == "TLSv1.2_2021" &&
      aws_cloudfront_distribution.this.viewer_certificate[0].ssl_support_method == "sni-only"
    )
    error_message = "With a certificate, viewers must use TLS 1.2 or newer over SNI (R4.4-e)."
  }
  assert {
    condition     = tolist(aws_cloudfront_distribution.this.aliases) == tolist(["www.example.com"]) && aws_cloudfront_distribution.this.web_acl_id == "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/0000"
    error_message = "Aliases and the web ACL must be attached when given."
  }
}

# Issue 13: the API under /api/* of the site's own origin.
run "api_behind_cloudfront" {
  command = plan

  variables {
    aliases             = ["www.example.com"]
    acm_certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/aaaaaaaa-0000-0000-0000-000000000000"
    api_origin = {
      domain_name = "a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com"
      origin_path = "/live"
    }
    api_origin_verify_secret = "0123456789abcdef0123456789abcdef"
  }

  assert {
    condition = one([for o in aws_cloudfront_distribution.this.origin : (
      o.domain_name == "a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com" && o.origin_path == "/live" &&
      o.custom_origin_config[0].origin_protocol_policy == "https-only" &&
      o.custom_origin_config[0].origin_ssl_protocols == toset(["TLSv1.2"]) &&
      o.custom_origin_config[0].origin_read_timeout == 30
    ) if o.origin_id == "api"])
    error_message = "The API origin must be the stage's host with origin path /<stage>, reached over HTTPS with TLS 1.2 only: /api/x reaches /<stage>/api/x."
  }
  assert {
    condition = one([for o in aws_cloudfront_distribution.this.origin : (
      length(o.custom_header) == 1 &&
      one(o.custom_header).name == "x-origin-verify" &&
      nonsensitive(one(o.custom_header).value == "0123456789abcdef0123456789abcdef")
    ) if o.origin_id == "api"])
    error_message = "CloudFront must send the secret header the stage's web ACL requires."
  }
  assert {
    condition = (
      length(aws_cloudfront_distribution.this.ordered_cache_behavior) == 1 &&
      aws_cloudfront_distribution.this.ordered_cache_behavior[0].path_pattern == "/api/*" &&
      aws_cloudfront_distribution.this.ordered_cache_behavior[0].target_origin_id == "api" &&
      aws_cloudfront_distribution.this.ordered_cache_behavior[0].cache_policy_id == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad" &&
      aws_cloudfront_distribution.this.ordered_cache_behavior[0].origin_request_policy_id == "b689b0a8-53d0-40ab-baf2-68738e2966ac" &&
      toset(aws_cloudfront_distribution.this.ordered_cache_behavior[0].allowed_methods) == toset(["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]) &&
      aws_cloudfront_distribution.this.ordered_cache_behavior[0].viewer_protocol_policy == "https-only" &&
      aws_cloudfront_distribution.this.ordered_cache_behavior[0].response_headers_policy_id == "headers-policy-0001"
    )
    error_message = "/api/* must go to the API uncached (CachingDisabled), with every method and every viewer header but Host (AllViewerExceptHostHeader), HTTPS only, with the security headers."
  }
  assert {
    condition     = strcontains(aws_cloudfront_response_headers_policy.this.security_headers_config[0].content_security_policy[0].content_security_policy, "connect-src 'self'")
    error_message = "The default CSP must let the page call its own origin, where the API now is."
  }
}
