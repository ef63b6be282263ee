# Issue 16, finding 3 (and issue 13's production guard): with the module's defaults a
# distribution without a certificate is refused at plan time, because CloudFront's default
# certificate holds viewers to TLSv1 only; with a certificate, TLSv1.2_2021 or newer.

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
  name        = "opsdeck"
  app_version = "v1.4.2"
}

run "defaults_refuse_the_default_certificate" {
  command = plan

  expect_failures = [aws_cloudfront_distribution.this]
}

run "defaults_refuse_a_certificate_without_aliases" {
  command = plan

  variables {
    acm_certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/aaaaaaaa-0000-0000-0000-000000000000"
  }

  expect_failures = [aws_cloudfront_distribution.this]
}

run "a_certificate_holds_viewers_to_tls_1_2_2021" {
  command = plan

  variables {
    aliases             = ["www.example.com"]
    acm_certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/aaaaaaaa-0000-0000-0000-000000000000"
  }

  assert {
    condition = (
      !aws_cloudfront_distribution.this.viewer_certificate[0].cloudfront_default_certificate &&
      aws_cloudfront_distribution.this.viewer_certificate[0].minimum_protocol_version == "TLSv1.2_2021" &&
      aws_cloudfront_distribution.this.viewer_certificate[0].ssl_support_method == "sni-only"
    )
    error_message = "With a certificate viewers must use TLSv1.2_2021 or newer over SNI."
  }
}

run "older_tls_1_2_policies_are_refused" {
  command = plan

  variables {
    aliases                  = ["www.example.com"]
    acm_certificate_arn      = "arn:aws:acm:us-east-1:123456789012:certificate/aaaaaaaa-0000-0000-0000-000000000000"
    minimum_protocol_version = "TLSv1.2_2019"
  }

  expect_failures = [var.minimum_protocol_version]
}

run "test_environments_may_opt_out_knowingly" {
  command = plan

  variables {
    require_custom_certificate = false
  }

  assert {
    condition     = aws_cloudfront_distribution.this.viewer_certificate[0].cloudfront_default_certificate
    error_message = "require_custom_certificate = false must allow CloudFront's certificate."
  }
}
