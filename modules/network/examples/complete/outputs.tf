output "vpc_id" {
  description = "ID of the VPC."
  value       = module.network.vpc_id
}

output "availability_zones" {
  description = "Zones of the subnets, in subnet order."
  value       = module.network.availability_zones
}

output "public_subnet_ids" {
  description = "IDs of the public subnets."
  value       = module.network.public_subnet_ids
}

output "private_subnet_ids" {
  description = "IDs of the private subnets."
  value       = module.network.private_subnet_ids
}

output "nat_gateway_ids" {
  description = "IDs of the NAT gateways (1 in \"single\" mode)."
  value       = module.network.nat_gateway_ids
}

output "lambda_security_group_id" {
  description = "Security group for Lambda functions."
  value       = module.network.lambda_security_group_id
}

output "database_security_group_id" {
  description = "Security group for the database."
  value       = module.network.database_security_group_id
}

output "vpc_endpoint_interface_ids" {
  description = "Interface endpoints by service."
  value       = module.network.vpc_endpoint_interface_ids
}

output "flow_log_cloudwatch_log_group_name" {
  description = "Log group of the VPC flow logs."
  value       = module.network.flow_log_cloudwatch_log_group_name
}
