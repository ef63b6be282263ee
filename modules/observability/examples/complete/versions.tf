terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.90, < 7.0"
    }
    opsdeck = {
      source  = "registry.opsdeck.internal/opsdeck/opsdeck"
      version = "~> 0.1"
    }
  }
}
