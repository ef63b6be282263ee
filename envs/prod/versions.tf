terraform {
  # 1.11: write-only arguments (the Slack webhook URL reaches Secrets Manager without
  # entering the state) and use_lockfile of the S3 backend.
  required_version = ">= 1.11"

  # Partial configuration: `terraform init -backend-config=prod.s3.tfbackend` on AWS;
  # `cargo xtask up` writes the emulator's file. The lock is a lock file next to the
  # state in the same bucket (use_lockfile): no DynamoDB table.
  backend "s3" {
    key          = "opsdeck/prod/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # The modules' range (5.90 is the project's floor).
      version = ">= 5.90, < 6.0"
    }
    opsdeck = {
      source  = "registry.opsdeck.internal/opsdeck/opsdeck"
      version = "~> 0.1"
    }
  }
}
