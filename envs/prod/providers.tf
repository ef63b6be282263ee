locals {
  # The cost allocation tags (R7.2-d): activate them once in the Billing console.
  cost_tags = {
    Project     = var.project
    Environment = var.environment
    CostCenter  = var.cost_center
  }
}

provider "aws" {
  region      = var.region
  max_retries = var.max_retries
  default_tags {
    tags = local.cost_tags
  }
}

# CloudFront's metrics, their alarms and the topic those notify live in us-east-1, and
# so do the certificates CloudFront uses.
provider "aws" {
  alias       = "us_east_1"
  region      = "us-east-1"
  max_retries = var.max_retries
  default_tags {
    tags = local.cost_tags
  }
}

provider "opsdeck" {
  region       = var.region
  max_retries  = var.max_retries
  default_tags = local.cost_tags
}

provider "opsdeck" {
  alias        = "us_east_1"
  region       = "us-east-1"
  max_retries  = var.max_retries
  default_tags = local.cost_tags
}
