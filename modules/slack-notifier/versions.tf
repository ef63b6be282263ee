terraform {
  # 1.11: write-only arguments and ephemeral values, used by the callers to put the
  # webhook URL into Secrets Manager without it reaching the state; the same floor
  # as every module of the project.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.90 introduced the write-only arguments used across the project.
      # 6.x is allowed: the module avoids what 6.0 removed or deprecated
      # (CHANGELOG, "AWS provider 6.x"); 7.0 is not known yet.
      version = ">= 5.90, < 7.0"
    }
  }
}
