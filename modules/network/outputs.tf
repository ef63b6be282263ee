output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_arn" {
  description = "ARN of the VPC."
  value       = aws_vpc.this.arn
}

output "vpc_cidr_block" {
  description = "IPv4 CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "availability_zones" {
  description = "Availability zones the subnets are spread over, in subnet order (index i of every subnet list is in zone i)."
  value       = local.azs
}

output "public_subnet_ids" {
  description = "IDs of the public subnets, one per availability zone, in availability_zones order."
  value       = aws_subnet.public[*].id
}

output "public_subnet_cidr_blocks" {
  description = "CIDR blocks of the public subnets, in availability_zones order."
  value       = aws_subnet.public[*].cidr_block
}

output "private_subnet_ids" {
  description = "IDs of the private subnets, one per availability zone, in availability_zones order. Put Lambda functions, the database and interface endpoints here."
  value       = aws_subnet.private[*].id
}

output "private_subnet_cidr_blocks" {
  description = "CIDR blocks of the private subnets, in availability_zones order."
  value       = aws_subnet.private[*].cidr_block
}

output "internet_gateway_id" {
  description = "ID of the internet gateway."
  value       = aws_internet_gateway.this.id
}

output "nat_gateway_ids" {
  description = "IDs of the NAT gateways: one in \"single\" mode, one per availability zone in \"per_az\" mode."
  value       = aws_nat_gateway.this[*].id
}

output "nat_public_ips" {
  description = "Elastic IP addresses of the NAT gateways: the source addresses of all outbound internet traffic (for allow-lists of third parties)."
  value       = aws_eip.nat[*].public_ip
}

output "public_route_table_id" {
  description = "ID of the route table shared by the public subnets."
  value       = aws_route_table.public.id
}

output "private_route_table_ids" {
  description = "IDs of the private route tables, one per availability zone, in availability_zones order."
  value       = aws_route_table.private[*].id
}

output "default_security_group_id" {
  description = "ID of the VPC's default security group, left with no rules."
  value       = aws_default_security_group.this.id
}

output "lambda_security_group_id" {
  description = "ID of the security group for Lambda functions: no inbound, HTTPS out, database port to the database group."
  value       = aws_security_group.lambda.id
}

output "database_security_group_id" {
  description = "ID of the security group for the database: the engine port from the Lambda group only, no outbound."
  value       = aws_security_group.database.id
}

output "vpc_endpoints_security_group_id" {
  description = "ID of the security group of the interface endpoints, or null when interface_endpoints is empty."
  value       = one(aws_security_group.endpoints[*].id)
}

output "public_network_acl_id" {
  description = "ID of the network ACL of the public subnets."
  value       = aws_network_acl.public.id
}

output "private_network_acl_id" {
  description = "ID of the network ACL of the private subnets."
  value       = aws_network_acl.private.id
}

output "vpc_endpoint_s3_id" {
  description = "ID of the S3 gateway endpoint."
  value       = aws_vpc_endpoint.gateway["s3"].id
}

output "vpc_endpoint_dynamodb_id" {
  description = "ID of the DynamoDB gateway endpoint."
  value       = aws_vpc_endpoint.gateway["dynamodb"].id
}

output "vpc_endpoint_interface_ids" {
  description = "IDs of the interface endpoints, by service suffix (e.g. { secretsmanager = \"vpce-...\" })."
  value       = { for k, v in aws_vpc_endpoint.interface : k => v.id }
}

output "flow_log_id" {
  description = "ID of the VPC flow log, or null when flow logs are disabled."
  value       = one(aws_flow_log.this[*].id)
}

output "flow_log_cloudwatch_log_group_name" {
  description = "Name of the CloudWatch Logs group holding the flow logs, or null when flow logs are disabled."
  value       = one(aws_cloudwatch_log_group.flow_logs[*].name)
}

output "flow_log_cloudwatch_log_group_arn" {
  description = "ARN of the CloudWatch Logs group holding the flow logs, or null when flow logs are disabled."
  value       = one(aws_cloudwatch_log_group.flow_logs[*].arn)
}

output "flow_log_kms_key_arn" {
  description = "ARN of the KMS key encrypting the flow logs (created or given), or null when flow logs are disabled."
  value       = local.create_flow_logs ? local.flow_logs_kms_key_arn : null
}

output "flow_log_iam_role_arn" {
  description = "ARN of the IAM role VPC flow logs assume to write, or null when flow logs are disabled."
  value       = one(aws_iam_role.flow_logs[*].arn)
}
