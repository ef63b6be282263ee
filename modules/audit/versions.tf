terraform {
  # The project's common floor (see modules/network/versions.tf): one
  # composition pins one Terraform version.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.90 is the project's floor; 6.0 changes data.aws_region and other
      # interfaces the modules read.
      version = ">= 5.90, < 6.0"
    }
  }
}
