data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:The result is used by position only: the first az_count names when availability_zones is empty (AWS gives a newly added zone a later letter, so that slice does not move) and otherwise to check the given names. Environments pin availability_zones (envs/prod) for a closed set.
  state = "available"

  # Opt-in zones (Local Zones, Wavelength) lack NAT gateways and Aurora.
  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  region     = data.aws_region.current.id
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # min() keeps slice() from failing on a small region so that the VPC's
  # precondition can report the real problem instead.
  azs = length(var.availability_zones) > 0 ? var.availability_zones : slice(
    data.aws_availability_zones.available.names, 0,
    min(var.az_count, length(data.aws_availability_zones.available.names))
  )

  # Public /24s take the first /20 of the VPC; private /20s take the next ones,
  # so the two tiers never overlap for any az_count up to 6.
  public_subnet_cidrs = length(var.public_subnet_cidrs) > 0 ? var.public_subnet_cidrs : [
    for i in range(var.az_count) : cidrsubnet(var.vpc_cidr, 8, i)
  ]
  private_subnet_cidrs = length(var.private_subnet_cidrs) > 0 ? var.private_subnet_cidrs : [
    for i in range(var.az_count) : cidrsubnet(var.vpc_cidr, 4, i + 1)
  ]

  nat_gateway_count = var.nat_gateway_mode == "per_az" ? var.az_count : 1

  create_flow_logs     = var.flow_logs.enabled
  create_flow_logs_key = var.flow_logs.enabled && var.flow_logs.kms_key_arn == null
  flow_log_group_name  = "/aws/vpc-flow-logs/${var.name}"
  # Built from strings, not from the log group resource, so the key policy can
  # name the group before the group (which needs the key) exists.
  flow_log_group_arn    = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.flow_log_group_name}"
  flow_logs_kms_key_arn = local.create_flow_logs_key ? aws_kms_key.flow_logs[0].arn : var.flow_logs.kms_key_arn

  create_endpoint_sg = length(var.interface_endpoints) > 0

  # Network ACLs are stateless: every flow needs a rule in each direction, on
  # both the tier it leaves and the tier it enters. Only HTTPS leaves the VPC
  # (AWS APIs, Bedrock, Slack) and only the database port crosses between
  # private subnets; nothing else is allowed. 1024-65535 is the ephemeral
  # range AWS documents for NAT gateways and Lambda.
  public_nacl_rules = {
    # Private workloads' HTTPS on its way into the NAT gateway.
    ingress_https_from_vpc = { egress = false, rule_number = 100, from_port = 443, to_port = 443, cidr_block = var.vpc_cidr }
    # (rule 110 in: answers from the internet, aws_network_acl_rule.public_ingress_ephemeral)
    # The NAT gateway forwarding that HTTPS to the internet.
    egress_https_to_internet = { egress = true, rule_number = 100, from_port = 443, to_port = 443, cidr_block = "0.0.0.0/0" }
    # The NAT gateway handing answers back to the private workloads.
    egress_ephemeral_to_vpc = { egress = true, rule_number = 110, from_port = 1024, to_port = 65535, cidr_block = var.vpc_cidr }
  }

  private_nacl_rules = merge(
    {
      # Lambda in one private subnet reaching the database in another.
      ingress_database_from_vpc = { egress = false, rule_number = 100, from_port = var.database_port, to_port = var.database_port, cidr_block = var.vpc_cidr }
      # (rule 120 in: answers to the tier, aws_network_acl_rule.private_ingress_ephemeral)
      # HTTPS to AWS APIs and the internet, through NAT or the endpoints.
      egress_https = { egress = true, rule_number = 100, from_port = 443, to_port = 443, cidr_block = "0.0.0.0/0" }
      # Lambda opening connections to the database in another subnet.
      egress_database_to_vpc = { egress = true, rule_number = 110, from_port = var.database_port, to_port = var.database_port, cidr_block = var.vpc_cidr }
      # The database and the interface endpoints answering their callers.
      egress_ephemeral_to_vpc = { egress = true, rule_number = 120, from_port = 1024, to_port = 65535, cidr_block = var.vpc_cidr }
    },
    local.create_endpoint_sg ? {
      # Lambda reaching interface endpoints, which live in the private subnets.
      ingress_https_from_vpc = { egress = false, rule_number = 110, from_port = 443, to_port = 443, cidr_block = var.vpc_cidr }
    } : {}
  )
}

################################################################################
# VPC, subnets, gateways, routes
################################################################################

resource "aws_vpc" "this" {
  cidr_block = var.vpc_cidr
  # Both are needed for private DNS names of interface endpoints and for RDS
  # endpoints to resolve inside the VPC.
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    precondition {
      condition     = length(local.azs) == var.az_count
      error_message = "The region offers fewer availability zones without opt-in than az_count asks for; lower az_count or list availability_zones explicitly."
    }
    precondition {
      condition     = length(setsubtract(toset(local.azs), toset(data.aws_availability_zones.available.names))) == 0
      error_message = "availability_zones lists zones that are not available (or need opt-in) in this region; use names from \"aws ec2 describe-availability-zones\"."
    }
  }
}

# Taking over the default security group with no rule blocks removes AWS's
# allow-all rules, so anything launched without an explicit group is isolated.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-default-deny-all" })
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_subnet" "public" {
  count = var.az_count

  vpc_id            = aws_vpc.this.id
  cidr_block        = local.public_subnet_cidrs[count.index]
  availability_zone = local.azs[count.index]
  # Only NAT gateways live here and they bring their own Elastic IPs; nothing
  # else should get a public address by accident.
  map_public_ip_on_launch = false

  tags = merge(var.tags, { Name = "${var.name}-public-${local.azs[count.index]}", Tier = "public" })
}

resource "aws_subnet" "private" {
  count = var.az_count

  vpc_id                  = aws_vpc.this.id
  cidr_block              = local.private_subnet_cidrs[count.index]
  availability_zone       = local.azs[count.index]
  map_public_ip_on_launch = false

  tags = merge(var.tags, { Name = "${var.name}-private-${local.azs[count.index]}", Tier = "private" })
}

resource "aws_eip" "nat" {
  count = local.nat_gateway_count

  domain = "vpc"

  tags = merge(var.tags, { Name = "${var.name}-nat-${local.azs[count.index]}" })

  # An EIP in a VPC can only be used once the VPC has an internet gateway.
  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  count = local.nat_gateway_count

  allocation_id     = aws_eip.nat[count.index].id
  subnet_id         = aws_subnet.public[count.index].id
  connectivity_type = "public"

  tags = merge(var.tags, { Name = "${var.name}-${local.azs[count.index]}" })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-public", Tier = "public" })
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  count = var.az_count

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

# One private route table per zone even in "single" mode: switching to
# "per_az" then only re-points routes, and no subnet changes tables.
resource "aws_route_table" "private" {
  count = var.az_count

  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-private-${local.azs[count.index]}", Tier = "private" })
}

resource "aws_route" "private_nat" {
  count = var.az_count

  route_table_id         = aws_route_table.private[count.index].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[var.nat_gateway_mode == "per_az" ? count.index : 0].id
}

resource "aws_route_table_association" "private" {
  count = var.az_count

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}

################################################################################
# Network ACLs (rules and their reasons in locals above)
################################################################################

resource "aws_network_acl" "public" {
  vpc_id     = aws_vpc.this.id
  subnet_ids = aws_subnet.public[*].id

  tags = merge(var.tags, { Name = "${var.name}-public", Tier = "public" })
}

resource "aws_network_acl_rule" "public" {
  for_each = local.public_nacl_rules

  network_acl_id = aws_network_acl.public.id
  egress         = each.value.egress
  rule_number    = each.value.rule_number
  rule_action    = "allow"
  protocol       = "tcp"
  from_port      = each.value.from_port
  to_port        = each.value.to_port
  cidr_block     = each.value.cidr_block
}

# Internet servers answering connections the NAT gateway opened. Kept out of
# the map above so that the checkov skip covers this one rule only.
resource "aws_network_acl_rule" "public_ingress_ephemeral" {
  #checkov:skip=CKV_AWS_231:Return path of connections the NAT gateway opened (NACLs are stateless, the NAT gateway picks source ports from 1024-65535); only NAT gateways live in this tier and they accept no inbound connections, so nothing answers on 3389.
  network_acl_id = aws_network_acl.public.id
  egress         = false
  rule_number    = 110
  rule_action    = "allow"
  protocol       = "tcp"
  from_port      = 1024
  to_port        = 65535
  cidr_block     = "0.0.0.0/0"
}

resource "aws_network_acl" "private" {
  vpc_id     = aws_vpc.this.id
  subnet_ids = aws_subnet.private[*].id

  tags = merge(var.tags, { Name = "${var.name}-private", Tier = "private" })
}

resource "aws_network_acl_rule" "private" {
  for_each = local.private_nacl_rules

  network_acl_id = aws_network_acl.private.id
  egress         = each.value.egress
  rule_number    = each.value.rule_number
  rule_action    = "allow"
  protocol       = "tcp"
  from_port      = each.value.from_port
  to_port        = each.value.to_port
  cidr_block     = each.value.cidr_block
}

# Answers to connections the private tier opened: the internet via NAT, S3
# and DynamoDB through the gateway endpoints (public AWS addresses), and the
# database answering Lambda. Kept out of the map above so that the checkov
# skip covers this one rule only.
resource "aws_network_acl_rule" "private_ingress_ephemeral" {
  #checkov:skip=CKV_AWS_231:Return path of HTTPS connections the private tier opened (NACLs are stateless, Lambda and NAT use source ports 1024-65535); the security groups admit nothing from outside the VPC, so nothing answers on 3389.
  network_acl_id = aws_network_acl.private.id
  egress         = false
  rule_number    = 120
  rule_action    = "allow"
  protocol       = "tcp"
  from_port      = 1024
  to_port        = 65535
  cidr_block     = "0.0.0.0/0"
}

################################################################################
# Security groups
################################################################################

resource "aws_security_group" "lambda" {
  #checkov:skip=CKV2_AWS_5:Attached outside this module, to the Lambda functions of the composition (envs/prod); a network module cannot attach it itself.
  name        = "${var.name}-lambda"
  description = "Lambda functions of ${var.name}: no inbound, HTTPS out and the database port to the database group"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-lambda" })
}

resource "aws_security_group" "database" {
  #checkov:skip=CKV2_AWS_5:Attached outside this module, to the Aurora cluster by modules/database; a network module cannot attach it itself.
  name        = "${var.name}-database"
  description = "Database of ${var.name}: inbound only from the Lambda group on the engine port, no outbound"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-database" })
}

# Separate rule resources rather than inline blocks: the two groups refer to
# each other, which inline rules would turn into a dependency cycle. With no
# egress rule the database group has no outbound at all (Terraform removes
# AWS's default allow-all); Aurora needs none, answers are stateful.

resource "aws_vpc_security_group_egress_rule" "lambda_https" {
  security_group_id = aws_security_group.lambda.id
  description       = "HTTPS to AWS APIs (Secrets Manager, X-Ray, Bedrock, logs) and webhooks, via NAT or VPC endpoints"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"

  tags = merge(var.tags, { Name = "${var.name}-lambda-https" })
}

resource "aws_vpc_security_group_egress_rule" "lambda_database" {
  security_group_id            = aws_security_group.lambda.id
  description                  = "Database engine port, only to the database group"
  ip_protocol                  = "tcp"
  from_port                    = var.database_port
  to_port                      = var.database_port
  referenced_security_group_id = aws_security_group.database.id

  tags = merge(var.tags, { Name = "${var.name}-lambda-database" })
}

resource "aws_vpc_security_group_ingress_rule" "database_from_lambda" {
  security_group_id            = aws_security_group.database.id
  description                  = "Database engine port, only from the Lambda group"
  ip_protocol                  = "tcp"
  from_port                    = var.database_port
  to_port                      = var.database_port
  referenced_security_group_id = aws_security_group.lambda.id

  tags = merge(var.tags, { Name = "${var.name}-database-from-lambda" })
}

resource "aws_security_group" "endpoints" {
  count = local.create_endpoint_sg ? 1 : 0

  name        = "${var.name}-vpc-endpoints"
  description = "Interface VPC endpoints of ${var.name}: HTTPS from the Lambda group only"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-vpc-endpoints" })
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_from_lambda" {
  count = local.create_endpoint_sg ? 1 : 0

  security_group_id            = aws_security_group.endpoints[0].id
  description                  = "HTTPS from the Lambda group"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.lambda.id

  tags = merge(var.tags, { Name = "${var.name}-endpoints-from-lambda" })
}

################################################################################
# VPC endpoints
################################################################################

# Gateway endpoints cost nothing and keep S3 and DynamoDB traffic (deploy
# history, artifacts) off the NAT gateway's per-GB charge.
resource "aws_vpc_endpoint" "gateway" {
  for_each = toset(["s3", "dynamodb"])

  vpc_id            = aws_vpc.this.id
  service_name      = "${data.aws_partition.current.reverse_dns_prefix}.${local.region}.${each.key}"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = aws_route_table.private[*].id

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

resource "aws_vpc_endpoint" "interface" {
  for_each = toset(var.interface_endpoints)

  vpc_id              = aws_vpc.this.id
  service_name        = "${data.aws_partition.current.reverse_dns_prefix}.${local.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = aws_subnet.private[*].id
  security_group_ids  = [aws_security_group.endpoints[0].id]
  private_dns_enabled = true

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

################################################################################
# Flow logs
################################################################################

resource "aws_kms_key" "flow_logs" {
  count = local.create_flow_logs_key ? 1 : 0

  description             = "${var.name}: VPC flow logs in CloudWatch Logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  # The account root statement delegates administration to IAM, as AWS's
  # default key policy does; CloudWatch Logs may use the key only for this
  # one log group, which the encryption context condition pins.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsUsesKeyForFlowLogGroup"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action = [
          "kms:Encrypt*",
          "kms:Decrypt*",
          "kms:ReEncrypt*",
          "kms:GenerateDataKey*",
          "kms:Describe*",
        ]
        Resource = "*"
        Condition = {
          ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = local.flow_log_group_arn }
        }
      },
    ]
  })

  tags = merge(var.tags, { Name = "${var.name}-flow-logs" })
}

resource "aws_kms_alias" "flow_logs" {
  count = local.create_flow_logs_key ? 1 : 0

  name          = var.kms_alias_use_name_prefix ? null : "alias/${var.name}-flow-logs"
  name_prefix   = var.kms_alias_use_name_prefix ? "alias/${var.name}-flow-logs-" : null
  target_key_id = aws_kms_key.flow_logs[0].key_id
}

resource "aws_cloudwatch_log_group" "flow_logs" {
  count = local.create_flow_logs ? 1 : 0
  #checkov:skip=CKV_AWS_338:Retention is 30 days by requirement (seed R3.4-b) to keep log storage cost down; callers can raise flow_logs.retention_in_days.

  name              = local.flow_log_group_name
  retention_in_days = var.flow_logs.retention_in_days
  kms_key_id        = local.flow_logs_kms_key_arn

  tags = merge(var.tags, { Name = local.flow_log_group_name })
}

resource "aws_iam_role" "flow_logs" {
  count = local.create_flow_logs ? 1 : 0

  name                 = var.role_use_name_prefix ? null : "${var.name}-vpc-flow-logs"
  name_prefix          = var.role_use_name_prefix ? "${substr(var.name, 0, 23)}-vpc-flow-logs-" : null
  description          = "Lets VPC flow logs of ${var.name} write to their CloudWatch Logs group"
  permissions_boundary = var.role_permissions_boundary

  # SourceAccount and SourceArn stop another account's flow logs from
  # assuming this role (confused deputy).
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "VpcFlowLogsOfThisAccount"
      Effect    = "Allow"
      Principal = { Service = "vpc-flow-logs.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:ec2:${local.region}:${local.account_id}:vpc-flow-log/*" }
      }
    }]
  })

  tags = merge(var.tags, { Name = "${var.name}-vpc-flow-logs" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_iam_role_policy" "flow_logs" {
  count = local.create_flow_logs ? 1 : 0

  name = "write-flow-log-group"
  role = aws_iam_role.flow_logs[0].id

  # The group is created above, so no logs:CreateLogGroup; writes are limited
  # to this one group and its streams.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "WriteFlowLogGroup"
        Effect = "Allow"
        Action = [
          "logs:CreateLogStream",
          "logs:PutLogEvents",
          "logs:DescribeLogStreams",
        ]
        Resource = [
          aws_cloudwatch_log_group.flow_logs[0].arn,
          "${aws_cloudwatch_log_group.flow_logs[0].arn}:log-stream:*",
        ]
      },
      {
        # The flow log service checks that the group exists before writing.
        Sid      = "FindFlowLogGroup"
        Effect   = "Allow"
        Action   = "logs:DescribeLogGroups"
        Resource = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"
      },
    ]
  })
}

resource "aws_flow_log" "this" {
  count = local.create_flow_logs ? 1 : 0

  vpc_id                   = aws_vpc.this.id
  traffic_type             = var.flow_logs.traffic_type
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flow_logs[0].arn
  iam_role_arn             = aws_iam_role.flow_logs[0].arn
  max_aggregation_interval = var.flow_logs.max_aggregation_interval

  tags = merge(var.tags, { Name = var.name })
}
