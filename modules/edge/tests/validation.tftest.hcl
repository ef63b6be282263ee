# Every validation of every input, one run (at least) each: each run breaks
# exactly one rule and expects the plan to fail on that input.

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
  name                       = "opsdeck"
  app_version                = "v1.4.2"
  require_custom_certificate = false
}

run "valid_inputs_plan" {
  command = plan
}

run "name_format" {
  command = plan
  variables {
    name = "opsdeck-"
  }
  expect_failures = [var.name]
}

run "app_version_is_a_path_segment" {
  command = plan
  variables {
    app_version = "/v1"
  }
  expect_failures = [var.app_version]
}

run "bucket_name_format" {
  command = plan
  variables {
    bucket_name = "Opsdeck_Frontend"
  }
  expect_failures = [var.bucket_name]
}

run "noncurrent_version_retention_positive" {
  command = plan
  variables {
    noncurrent_version_retention_days = 0
  }
  expect_failures = [var.noncurrent_version_retention_days]
}

run "origin_access_choice" {
  command = plan
  variables {
    origin_access = "public"
  }
  expect_failures = [var.origin_access]
}

run "default_root_object_relative" {
  command = plan
  variables {
    default_root_object = "/index.html"
  }
  expect_failures = [var.default_root_object]
}

run "cache_ttls_ordered" {
  command = plan
  variables {
    cache = { default_ttl = 100000 }
  }
  expect_failures = [var.cache]
}

run "cache_query_strings" {
  command = plan
  variables {
    cache = { query_strings = ["a b"] }
  }
  expect_failures = [var.cache]
}

run "error_responses_codes" {
  command = plan
  variables {
    error_responses = [{ error_code = 401, response_code = 401, response_page_path = "/401.html" }]
  }
  expect_failures = [var.error_responses]
}

run "error_responses_unique" {
  command = plan
  variables {
    error_responses = [
      { error_code = 404, response_code = 404, response_page_path = "/404.html" },
      { error_code = 404, response_code = 200, response_page_path = "/index.html" },
    ]
  }
  expect_failures = [var.error_responses]
}

run "error_responses_page_path" {
  command = plan
  variables {
    error_responses = [{ error_code = 404, response_code = 404, response_page_path = "404.html" }]
  }
  expect_failures = [var.error_responses]
}

run "security_headers_csp" {
  command = plan
  variables {
    security_headers = { content_security_policy = " " }
  }
  expect_failures = [var.security_headers]
}

run "security_headers_hsts" {
  command = plan
  variables {
    security_headers = { hsts_max_age_seconds = 300 }
  }
  expect_failures = [var.security_headers]
}

run "security_headers_frame_options" {
  command = plan
  variables {
    security_headers = { frame_options = "ALLOW-FROM https://example.com" }
  }
  expect_failures = [var.security_headers]
}

run "security_headers_referrer_policy" {
  command = plan
  variables {
    security_headers = { referrer_policy = "always" }
  }
  expect_failures = [var.security_headers]
}

run "access_logs_retention" {
  command = plan
  variables {
    access_logs = { retention_days = 0 }
  }
  expect_failures = [var.access_logs]
}

run "access_logs_prefix" {
  command = plan
  variables {
    access_logs = { prefix = "s3/" }
  }
  expect_failures = [var.access_logs]
}

run "viewer_protocol_https" {
  command = plan
  variables {
    viewer_protocol_policy = "allow-all"
  }
  expect_failures = [var.viewer_protocol_policy]
}

run "price_class_name" {
  command = plan
  variables {
    price_class = "PriceClass_Asia"
  }
  expect_failures = [var.price_class]
}

run "aliases_domain_names" {
  command = plan
  variables {
    aliases             = ["WWW.Example.com"]
    acm_certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/aaaaaaaa-0000-0000-0000-000000000000"
  }
  expect_failures = [var.aliases]
}

run "aliases_need_a_certificate" {
  command = plan
  variables {
    aliases = ["www.example.com"]
  }
  expect_failures = [var.aliases]
}

run "acm_certificate_in_us_east_1" {
  command = plan
  variables {
    acm_certificate_arn = "arn:aws:acm:ap-northeast-1:123456789012:certificate/aaaaaaaa-0000-0000-0000-000000000000"
  }
  expect_failures = [var.acm_certificate_arn]
}

run "minimum_protocol_tls12" {
  command = plan
  variables {
    minimum_protocol_version = "TLSv1.1_2016"
  }
  expect_failures = [var.minimum_protocol_version]
}

run "web_acl_global" {
  command = plan
  variables {
    web_acl_arn = "arn:aws:wafv2:ap-northeast-1:123456789012:regional/webacl/api/0000"
  }
  expect_failures = [var.web_acl_arn]
}

run "access_logs_noncurrent_versions_kept_a_month" {
  command = plan
  variables {
    access_logs = { noncurrent_version_retention_days = 1 }
  }
  expect_failures = [var.access_logs]
}

run "api_origin_domain_is_an_execute_api_host" {
  command = plan
  variables {
    api_origin = { domain_name = "https://a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com/live", origin_path = "/live" }
  }
  expect_failures = [var.api_origin]
}

run "api_origin_path_is_the_stage" {
  command = plan
  variables {
    api_origin = { domain_name = "a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com", origin_path = "live" }
  }
  expect_failures = [var.api_origin]
}

run "api_origin_path_pattern" {
  command = plan
  variables {
    api_origin = { domain_name = "a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com", origin_path = "/live", path_pattern = "api" }
  }
  expect_failures = [var.api_origin]
}

run "api_origin_verify_header_not_host" {
  command = plan
  variables {
    api_origin = { domain_name = "a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com", origin_path = "/live", verify_header = "Host" }
  }
  expect_failures = [var.api_origin]
}

run "api_origin_read_timeout" {
  command = plan
  variables {
    api_origin = { domain_name = "a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com", origin_path = "/live", read_timeout = 120 }
  }
  expect_failures = [var.api_origin]
}

run "api_origin_verify_secret_strength" {
  command = plan
  variables {
    api_origin               = { domain_name = "a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com", origin_path = "/live" }
    api_origin_verify_secret = "short"
  }
  expect_failures = [var.api_origin_verify_secret]
}

run "api_origin_verify_secret_needs_the_api_origin" {
  command = plan
  variables {
    api_origin_verify_secret = "0123456789abcdef0123456789abcdef"
  }
  expect_failures = [var.api_origin_verify_secret]
}
