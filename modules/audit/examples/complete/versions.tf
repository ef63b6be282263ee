terraform {
  # The project's common floor (see modules/network/versions.tf): one
  # composition pins one Terraform version.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.90 is the project's floor; 6.x is allowed (CHANGELOG, "AWS
      # provider 6.x"); 7.0 is not known yet.
      version = ">= 5.90, < 7.0"
    }
  }
}
