terraform {
  # 1.11 is the first release with write-only arguments and ephemeral
  # resources, which the sibling database module relies on; keeping every
  # module on the same floor lets one composition pin one Terraform version.
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
