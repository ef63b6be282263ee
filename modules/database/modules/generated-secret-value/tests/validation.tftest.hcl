# Input validations of this module, one run per rule. mock_provider cannot
# load a configuration with an ephemeral resource in Terraform 1.11, so this
# file uses a real provider with dummy credentials: validation fails the plan
# before any API call. Endpoints point at a closed local port so that a rule
# that stopped firing fails the run without traffic leaving the machine.
#
# The ephemeral resource depends on var.length only, so Terraform would open
# it (and call the API) while it validates the other inputs. Runs for those
# inputs therefore also break length, which holds the ephemeral resource
# back; expect_failures still requires their own rule to fire.
provider "aws" {
  region                      = "ap-northeast-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  max_retries                 = 0

  endpoints {
    secretsmanager = "http://127.0.0.1:9"
    sts            = "http://127.0.0.1:9"
  }
}

variables {
  secret_id = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:opsdeck/jwt-signing-secret-AbCdEf"
}

run "secret_id_format" {
  command = plan
  variables {
    secret_id = "arn:aws:s3:::not-a-secret bucket"
    length    = 32
  }
  expect_failures = [var.secret_id, var.length]
}

run "length_at_least_256_bits" {
  command = plan
  variables {
    length = 32
  }
  expect_failures = [var.length]
}

run "value_version_whole_and_positive" {
  command = plan
  variables {
    value_version = 0
    length        = 32
  }
  expect_failures = [var.value_version, var.length]
}
