provider "aws" {
  region = var.region
}

module "network" {
  source = "../../"

  name             = var.name
  nat_gateway_mode = var.nat_gateway_mode

  # Reaching Secrets Manager privately keeps the database module's secrets
  # traffic off the NAT gateway; the other seed values are the defaults.
  interface_endpoints = ["secretsmanager"]

  tags = {
    Project     = "opsdeck"
    Environment = "example"
  }
}
