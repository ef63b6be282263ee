provider "aws" {
  region = var.region
}

# Once per account and region, in the stack that owns account-wide settings:
# every REST and WebSocket API of the region then logs through this role.
module "apigateway_account" {
  source = "../../"

  name = var.name

  tags = {
    Project     = "opsdeck"
    Environment = "example"
  }
}
