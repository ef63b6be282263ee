# Plan-level tests of the seed's network (R1.5, R4.3, R4.4-d, P7) against a
# mocked AWS provider: no credentials, no emulator. IDs the assertions compare
# are pinned with override_during = plan, since mocked IDs are otherwise only
# known after apply.

mock_provider "aws" {
  # Tokyo has no "b" zone: a realistic check that subnets follow the zone list.
  override_data {
    target = data.aws_availability_zones.available
    values = {
      names    = ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]
      zone_ids = ["apne1-az4", "apne1-az1", "apne1-az2"]
    }
  }
  override_data {
    target = data.aws_region.current
    values = { id = "ap-northeast-1", name = "ap-northeast-1" }
  }
  override_data {
    target = data.aws_caller_identity.current
    values = { account_id = "123456789012" }
  }
  override_data {
    target = data.aws_partition.current
    values = { partition = "aws", dns_suffix = "amazonaws.com", reverse_dns_prefix = "com.amazonaws" }
  }

  mock_resource "aws_internet_gateway" {
    override_during = plan
    defaults        = { id = "igw-0123456789abcdef0" }
  }
  mock_resource "aws_kms_key" {
    override_during = plan
    defaults = {
      arn    = "arn:aws:kms:ap-northeast-1:123456789012:key/11111111-2222-3333-4444-555555555555"
      key_id = "11111111-2222-3333-4444-555555555555"
    }
  }
  mock_resource "aws_cloudwatch_log_group" {
    override_during = plan
    defaults        = { arn = "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/vpc-flow-logs/opsdeck" }
  }
  mock_resource "aws_iam_role" {
    override_during = plan
    defaults        = { arn = "arn:aws:iam::123456789012:role/opsdeck-vpc-flow-logs" }
  }
}

# Distinct IDs per instance, so that "route i uses NAT j" can be asserted.
override_resource {
  target          = aws_security_group.lambda
  override_during = plan
  values          = { id = "sg-0aaaaaaaaaaaaaaaa" }
}
override_resource {
  target          = aws_security_group.database
  override_during = plan
  values          = { id = "sg-0dddddddddddddddd" }
}
override_resource {
  target          = aws_security_group.endpoints[0]
  override_during = plan
  values          = { id = "sg-0eeeeeeeeeeeeeeee" }
}
override_resource {
  target          = aws_nat_gateway.this[0]
  override_during = plan
  values          = { id = "nat-00000000000000000" }
}
override_resource {
  target          = aws_nat_gateway.this[1]
  override_during = plan
  values          = { id = "nat-11111111111111111" }
}
override_resource {
  target          = aws_nat_gateway.this[2]
  override_during = plan
  values          = { id = "nat-22222222222222222" }
}
override_resource {
  target          = aws_subnet.public[0]
  override_during = plan
  values          = { id = "subnet-0public000000000" }
}
override_resource {
  target          = aws_subnet.public[1]
  override_during = plan
  values          = { id = "subnet-0public111111111" }
}
override_resource {
  target          = aws_subnet.public[2]
  override_during = plan
  values          = { id = "subnet-0public222222222" }
}
override_resource {
  target          = aws_route_table.private[0]
  override_during = plan
  values          = { id = "rtb-0private00000000000" }
}
override_resource {
  target          = aws_route_table.private[1]
  override_during = plan
  values          = { id = "rtb-0private11111111111" }
}
override_resource {
  target          = aws_route_table.private[2]
  override_during = plan
  values          = { id = "rtb-0private22222222222" }
}

variables {
  name = "opsdeck"
}

run "seed_defaults" {
  command = plan

  variables {
    tags = { Project = "opsdeck", Environment = "test" }
  }

  # R1.5-a
  assert {
    condition     = aws_vpc.this.cidr_block == "10.0.0.0/16"
    error_message = "The VPC must default to 10.0.0.0/16 (R1.5-a)."
  }
  assert {
    condition     = aws_vpc.this.enable_dns_support && aws_vpc.this.enable_dns_hostnames
    error_message = "DNS support and hostnames must be on (interface endpoints, RDS endpoints)."
  }

  # R1.5-b/c: 2 + 2 subnets in two distinct zones, in zone order.
  assert {
    condition     = length(aws_subnet.public) == 2 && length(aws_subnet.private) == 2
    error_message = "Defaults must give 2 public and 2 private subnets (R1.5-b/c)."
  }
  assert {
    condition     = aws_subnet.public[*].availability_zone == ["ap-northeast-1a", "ap-northeast-1c"]
    error_message = "Public subnets must use the first two zones of the region, one each."
  }
  assert {
    condition     = aws_subnet.private[*].availability_zone == ["ap-northeast-1a", "ap-northeast-1c"]
    error_message = "Private subnets must use the first two zones of the region, one each."
  }
  assert {
    condition     = length(distinct(aws_subnet.private[*].availability_zone)) == 2 && length(distinct(aws_subnet.public[*].availability_zone)) == 2
    error_message = "Each tier's subnets must be in distinct zones (Multi-AZ)."
  }
  assert {
    condition     = aws_subnet.public[*].cidr_block == ["10.0.0.0/24", "10.0.1.0/24"]
    error_message = "Public subnets must default to 10.0.0.0/24 and 10.0.1.0/24."
  }
  assert {
    condition     = aws_subnet.private[*].cidr_block == ["10.0.16.0/20", "10.0.32.0/20"]
    error_message = "Private subnets must default to 10.0.16.0/20 and 10.0.32.0/20."
  }
  assert {
    condition     = !anytrue(concat(aws_subnet.public[*].map_public_ip_on_launch, aws_subnet.private[*].map_public_ip_on_launch))
    error_message = "No subnet may hand out public IPs on launch."
  }
  assert {
    condition     = output.availability_zones == tolist(["ap-northeast-1a", "ap-northeast-1c"])
    error_message = "availability_zones output must list the zones in subnet order."
  }

  # R1.5-d: one NAT gateway, in the first public subnet, serving every zone.
  assert {
    condition     = length(aws_nat_gateway.this) == 1 && length(aws_eip.nat) == 1
    error_message = "\"single\" mode must create exactly one NAT gateway and one EIP (R1.5-d)."
  }
  assert {
    condition     = aws_nat_gateway.this[0].subnet_id == "subnet-0public000000000" && aws_nat_gateway.this[0].connectivity_type == "public"
    error_message = "The NAT gateway must sit in the first public subnet."
  }
  assert {
    condition     = aws_eip.nat[0].domain == "vpc"
    error_message = "NAT EIPs must be VPC EIPs."
  }
  assert {
    condition     = alltrue([for r in aws_route.private_nat : r.nat_gateway_id == "nat-00000000000000000" && r.destination_cidr_block == "0.0.0.0/0"])
    error_message = "In \"single\" mode every private route table must send 0.0.0.0/0 to the one NAT gateway."
  }
  assert {
    condition     = length(aws_route_table.private) == 2 && length(aws_route_table_association.private) == 2
    error_message = "Each private subnet must have its own route table."
  }
  assert {
    condition     = aws_route.public_internet.gateway_id == "igw-0123456789abcdef0" && aws_route.public_internet.destination_cidr_block == "0.0.0.0/0"
    error_message = "The public route table must send 0.0.0.0/0 to the internet gateway."
  }
  assert {
    condition     = length(aws_route_table_association.public) == 2
    error_message = "Both public subnets must use the public route table."
  }
  assert {
    condition     = length(output.nat_gateway_ids) == 1
    error_message = "nat_gateway_ids must list the one NAT gateway."
  }

  # R4.3: security groups.
  # The default security group's rule sets are computed, so "no rules" can
  # only be checked after apply (emulator tests); here: it is managed at all.
  assert {
    condition     = aws_default_security_group.this.tags["Name"] == "opsdeck-default-deny-all"
    error_message = "The default security group must be taken over by the module."
  }
  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.database_from_lambda.security_group_id == "sg-0dddddddddddddddd" &&
      aws_vpc_security_group_ingress_rule.database_from_lambda.referenced_security_group_id == "sg-0aaaaaaaaaaaaaaaa" &&
      aws_vpc_security_group_ingress_rule.database_from_lambda.ip_protocol == "tcp" &&
      aws_vpc_security_group_ingress_rule.database_from_lambda.from_port == 5432 &&
      aws_vpc_security_group_ingress_rule.database_from_lambda.to_port == 5432 &&
      aws_vpc_security_group_ingress_rule.database_from_lambda.cidr_ipv4 == null
    )
    error_message = "The database group must accept TCP 5432 from the Lambda group only (R4.3-b/c/d)."
  }
  assert {
    condition = (
      aws_vpc_security_group_egress_rule.lambda_database.security_group_id == "sg-0aaaaaaaaaaaaaaaa" &&
      aws_vpc_security_group_egress_rule.lambda_database.referenced_security_group_id == "sg-0dddddddddddddddd" &&
      aws_vpc_security_group_egress_rule.lambda_database.from_port == 5432 &&
      aws_vpc_security_group_egress_rule.lambda_database.to_port == 5432
    )
    error_message = "The Lambda group may reach the database group on TCP 5432 only."
  }
  assert {
    condition = (
      aws_vpc_security_group_egress_rule.lambda_https.security_group_id == "sg-0aaaaaaaaaaaaaaaa" &&
      aws_vpc_security_group_egress_rule.lambda_https.ip_protocol == "tcp" &&
      aws_vpc_security_group_egress_rule.lambda_https.from_port == 443 &&
      aws_vpc_security_group_egress_rule.lambda_https.to_port == 443 &&
      aws_vpc_security_group_egress_rule.lambda_https.cidr_ipv4 == "0.0.0.0/0"
    )
    error_message = "The Lambda group's only other egress must be HTTPS (R4.3-e)."
  }
  assert {
    condition     = length(aws_security_group.lambda.ingress) == 0 && length(aws_security_group.database.egress) == 0
    error_message = "The Lambda group must have no inline ingress and the database group no egress at all."
  }
  assert {
    condition     = output.lambda_security_group_id == "sg-0aaaaaaaaaaaaaaaa" && output.database_security_group_id == "sg-0dddddddddddddddd"
    error_message = "Security group outputs must name the Lambda and database groups."
  }

  # R1.5-f: NACL rules, exactly the documented ones.
  assert {
    condition     = toset(keys(aws_network_acl_rule.public)) == toset(["ingress_https_from_vpc", "egress_https_to_internet", "egress_ephemeral_to_vpc"])
    error_message = "The public NACL must hold exactly the documented rules (plus the ephemeral return rule)."
  }
  assert {
    condition = alltrue([
      for r in [aws_network_acl_rule.public_ingress_ephemeral, aws_network_acl_rule.private_ingress_ephemeral] :
      !r.egress && r.from_port == 1024 && r.to_port == 65535 && r.cidr_block == "0.0.0.0/0"
    ])
    error_message = "Each tier must admit answers on the ephemeral ports 1024-65535 and nothing wider."
  }
  assert {
    condition     = toset(keys(aws_network_acl_rule.private)) == toset(["ingress_database_from_vpc", "egress_https", "egress_database_to_vpc", "egress_ephemeral_to_vpc"])
    error_message = "Without interface endpoints the private NACL must hold exactly the documented rules (plus the ephemeral return rule)."
  }
  assert {
    condition = (
      aws_network_acl_rule.private["ingress_database_from_vpc"].from_port == 5432 &&
      aws_network_acl_rule.private["ingress_database_from_vpc"].to_port == 5432 &&
      aws_network_acl_rule.private["ingress_database_from_vpc"].cidr_block == "10.0.0.0/16" &&
      !aws_network_acl_rule.private["ingress_database_from_vpc"].egress
    )
    error_message = "The private NACL must admit the database port from inside the VPC only."
  }
  assert {
    condition     = alltrue([for r in concat(values(aws_network_acl_rule.public), values(aws_network_acl_rule.private), [aws_network_acl_rule.public_ingress_ephemeral, aws_network_acl_rule.private_ingress_ephemeral]) : r.protocol == "tcp" && r.rule_action == "allow"])
    error_message = "NACL rules must be TCP allow rules (everything else falls to the implicit deny)."
  }
  assert {
    condition     = aws_network_acl_rule.public["egress_ephemeral_to_vpc"].cidr_block == "10.0.0.0/16" && aws_network_acl_rule.public["ingress_https_from_vpc"].cidr_block == "10.0.0.0/16"
    error_message = "The public NACL may exchange only HTTPS and its answers with the VPC."
  }

  # R3.4-b, R4.4-d: flow logs, KMS, 30 days.
  assert {
    condition     = aws_flow_log.this[0].traffic_type == "ALL" && aws_flow_log.this[0].log_destination_type == "cloud-watch-logs"
    error_message = "Flow logs must capture ALL traffic to CloudWatch Logs."
  }
  assert {
    condition     = aws_flow_log.this[0].log_destination == "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/vpc-flow-logs/opsdeck"
    error_message = "Flow logs must go to the module's log group."
  }
  assert {
    condition     = aws_cloudwatch_log_group.flow_logs[0].retention_in_days == 30
    error_message = "Flow logs must be kept 30 days (R3.4-b)."
  }
  assert {
    condition     = aws_cloudwatch_log_group.flow_logs[0].kms_key_id == "arn:aws:kms:ap-northeast-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    error_message = "The flow log group must be encrypted with the module's KMS key (R4.4-d)."
  }
  assert {
    condition     = aws_kms_key.flow_logs[0].enable_key_rotation
    error_message = "The flow log key must rotate."
  }
  # Issue 16, finding 5: the exact key policy and role policy, every action and resource.
  assert {
    condition = jsondecode(aws_kms_key.flow_logs[0].policy).Statement == [
      {
        Sid       = "AccountAdministersThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::123456789012:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsUsesKeyForFlowLogGroup"
        Effect    = "Allow"
        Principal = { Service = "logs.ap-northeast-1.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = { ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/vpc-flow-logs/opsdeck" } }
      },
    ]
    error_message = "The key policy must delegate administration to IAM and let CloudWatch Logs of the region use the key for the flow log group only."
  }
  assert {
    condition = jsondecode(aws_iam_role_policy.flow_logs[0].policy).Statement == [
      {
        Sid      = "WriteFlowLogGroup"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = ["arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/vpc-flow-logs/opsdeck", "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/vpc-flow-logs/opsdeck:log-stream:*"]
      },
      {
        Sid      = "FindFlowLogGroup"
        Effect   = "Allow"
        Action   = "logs:DescribeLogGroups"
        Resource = "arn:aws:logs:ap-northeast-1:123456789012:log-group:*"
      },
    ]
    error_message = "The flow log role may write only its log group and find log groups."
  }
  assert {
    condition = jsondecode(aws_iam_role.flow_logs[0].assume_role_policy).Statement == [{
      Sid       = "VpcFlowLogsOfThisAccount"
      Effect    = "Allow"
      Principal = { Service = "vpc-flow-logs.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = "123456789012" }
        ArnLike      = { "aws:SourceArn" = "arn:aws:ec2:ap-northeast-1:123456789012:vpc-flow-log/*" }
      }
    }]
    error_message = "The flow log role must only be assumable by this account's flow logs."
  }

  # Gateway endpoints on every private route table.
  assert {
    condition     = aws_vpc_endpoint.gateway["s3"].service_name == "com.amazonaws.ap-northeast-1.s3" && aws_vpc_endpoint.gateway["dynamodb"].service_name == "com.amazonaws.ap-northeast-1.dynamodb"
    error_message = "S3 and DynamoDB gateway endpoints must use the region's service names."
  }
  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.gateway : e.vpc_endpoint_type == "Gateway" && toset(e.route_table_ids) == toset(["rtb-0private00000000000", "rtb-0private11111111111"])])
    error_message = "Gateway endpoints must be attached to every private route table."
  }
  assert {
    condition     = length(aws_vpc_endpoint.interface) == 0 && length(aws_security_group.endpoints) == 0
    error_message = "No interface endpoint (and no endpoint group) by default."
  }

  # One tags input reaches every taggable resource.
  assert {
    condition = alltrue([
      for t in [aws_vpc.this.tags, aws_subnet.private[0].tags, aws_nat_gateway.this[0].tags, aws_security_group.database.tags, aws_kms_key.flow_logs[0].tags, aws_cloudwatch_log_group.flow_logs[0].tags, aws_flow_log.this[0].tags, aws_network_acl.private.tags, aws_vpc_endpoint.gateway["s3"].tags] :
      t["Project"] == "opsdeck" && t["Environment"] == "test"
    ])
    error_message = "The tags input must be merged into every taggable resource."
  }
}

run "per_az_nat_gateways" {
  command = plan

  variables {
    nat_gateway_mode = "per_az"
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 2 && length(aws_eip.nat) == 2
    error_message = "\"per_az\" mode must create one NAT gateway and one EIP per zone."
  }
  assert {
    condition     = aws_nat_gateway.this[*].subnet_id == ["subnet-0public000000000", "subnet-0public111111111"]
    error_message = "Each NAT gateway must sit in its own zone's public subnet."
  }
  assert {
    condition     = aws_route.private_nat[*].nat_gateway_id == ["nat-00000000000000000", "nat-11111111111111111"]
    error_message = "Each private route table must use its own zone's NAT gateway (no cross-AZ dependency)."
  }
}

run "three_zones_per_az" {
  command = plan

  variables {
    az_count         = 3
    nat_gateway_mode = "per_az"
  }

  assert {
    condition     = aws_subnet.private[*].availability_zone == ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]
    error_message = "az_count = 3 must use three distinct zones."
  }
  assert {
    condition     = aws_subnet.public[*].cidr_block == ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"] && aws_subnet.private[*].cidr_block == ["10.0.16.0/20", "10.0.32.0/20", "10.0.48.0/20"]
    error_message = "Derived subnets must continue the layout for a third zone."
  }
  assert {
    condition     = length(aws_nat_gateway.this) == 3 && aws_route.private_nat[2].nat_gateway_id == "nat-22222222222222222"
    error_message = "Three zones in \"per_az\" mode need three NAT gateways, one per route table."
  }
}

run "explicit_layout" {
  command = plan

  variables {
    vpc_cidr             = "172.16.0.0/24"
    availability_zones   = ["ap-northeast-1d", "ap-northeast-1a"]
    public_subnet_cidrs  = ["172.16.0.0/28", "172.16.0.16/28"]
    private_subnet_cidrs = ["172.16.0.128/26", "172.16.0.192/26"]
    database_port        = 5433
  }

  assert {
    condition     = aws_subnet.public[*].availability_zone == ["ap-northeast-1d", "ap-northeast-1a"]
    error_message = "Explicit availability_zones must be used in the given order."
  }
  assert {
    condition     = aws_subnet.private[*].cidr_block == ["172.16.0.128/26", "172.16.0.192/26"]
    error_message = "Explicit private_subnet_cidrs must be used as given."
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.database_from_lambda.from_port == 5433 && aws_network_acl_rule.private["egress_database_to_vpc"].to_port == 5433 && aws_network_acl_rule.private["ingress_database_from_vpc"].cidr_block == "172.16.0.0/24"
    error_message = "database_port and vpc_cidr must flow into the security group and NACL rules."
  }
}

run "interface_endpoints" {
  command = plan

  variables {
    interface_endpoints = ["secretsmanager", "bedrock-runtime"]
  }

  assert {
    condition     = toset(keys(aws_vpc_endpoint.interface)) == toset(["secretsmanager", "bedrock-runtime"])
    error_message = "One interface endpoint per listed service."
  }
  assert {
    condition = alltrue([
      for k, e in aws_vpc_endpoint.interface :
      e.vpc_endpoint_type == "Interface" && e.private_dns_enabled && e.service_name == "com.amazonaws.ap-northeast-1.${k}" && e.security_group_ids == toset(["sg-0eeeeeeeeeeeeeeee"])
    ])
    error_message = "Interface endpoints must use private DNS and the endpoint security group."
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.endpoints_from_lambda[0].referenced_security_group_id == "sg-0aaaaaaaaaaaaaaaa" && aws_vpc_security_group_ingress_rule.endpoints_from_lambda[0].from_port == 443
    error_message = "Interface endpoints must accept HTTPS from the Lambda group only."
  }
  assert {
    condition     = aws_network_acl_rule.private["ingress_https_from_vpc"].from_port == 443 && aws_network_acl_rule.private["ingress_https_from_vpc"].cidr_block == "10.0.0.0/16"
    error_message = "The private NACL must admit HTTPS from the VPC once interface endpoints exist there."
  }
}

run "flow_logs_with_given_key" {
  command = plan

  variables {
    flow_logs = {
      kms_key_arn              = "arn:aws:kms:ap-northeast-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
      traffic_type             = "REJECT"
      max_aggregation_interval = 60
      retention_in_days        = 90
    }
  }

  assert {
    condition     = length(aws_kms_key.flow_logs) == 0 && aws_cloudwatch_log_group.flow_logs[0].kms_key_id == "arn:aws:kms:ap-northeast-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    error_message = "A given key must be used instead of creating one."
  }
  assert {
    condition     = aws_flow_log.this[0].traffic_type == "REJECT" && aws_flow_log.this[0].max_aggregation_interval == 60 && aws_cloudwatch_log_group.flow_logs[0].retention_in_days == 90
    error_message = "flow_logs settings must reach the flow log and its group."
  }
}

run "flow_logs_disabled" {
  command = plan

  variables {
    flow_logs = { enabled = false }
  }

  assert {
    condition     = length(aws_flow_log.this) == 0 && length(aws_cloudwatch_log_group.flow_logs) == 0 && length(aws_kms_key.flow_logs) == 0 && length(aws_iam_role.flow_logs) == 0
    error_message = "Disabled flow logs must create nothing for them."
  }
  assert {
    condition     = output.flow_log_id == null && output.flow_log_kms_key_arn == null
    error_message = "Flow log outputs must be null when disabled."
  }
}

# Issue 16, finding 6: the flow-log role by prefix (IAM is global), with a boundary.
run "role_names_and_boundaries" {
  command = plan

  variables {
    role_permissions_boundary = "arn:aws:iam::123456789012:policy/platform-boundary"
    kms_alias_use_name_prefix = true
  }

  assert {
    condition     = aws_iam_role.flow_logs[0].name_prefix == "opsdeck-vpc-flow-logs-" && aws_iam_role.flow_logs[0].permissions_boundary == "arn:aws:iam::123456789012:policy/platform-boundary"
    error_message = "The flow-log role must be named by prefix and carry the boundary."
  }
  assert {
    condition     = aws_kms_alias.flow_logs[0].name_prefix == "alias/opsdeck-flow-logs-"
    error_message = "kms_alias_use_name_prefix must give the alias a unique suffix."
  }
}
