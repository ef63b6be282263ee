variable "name" {
  description = "Name prefix for every resource of the network (VPC Name tag, security groups, flow-log group and role, KMS alias). Lowercase letters, digits and hyphens, 1-32 characters, starting with a letter. Required: two stacks of one account and region must not share it."
  type        = string
  default     = null

  validation {
    # No default on purpose: two instances on one default name would fight
    # over the flow-log group, its role and its key alias.
    condition     = var.name != null
    error_message = "name is required: it prefixes the network's named resources (flow-log group, role, KMS alias), so it must differ between stacks of one account and region, e.g. \"opsdeck-prod\"."
  }

  validation {
    # 32 keeps the longest derived name ("<name>-vpc-flow-logs", an IAM role
    # name capped at 64) and the security group names well inside AWS limits.
    condition     = var.name == null || (can(regex("^[a-z][a-z0-9-]{0,31}$", coalesce(var.name, "x"))) && !endswith(coalesce(var.name, "x"), "-") && !strcontains(coalesce(var.name, "x"), "--"))
    error_message = "name must be 1-32 characters of lowercase letters, digits and single hyphens, start with a letter and not end with a hyphen, e.g. \"opsdeck-prod\"."
  }
}

variable "role_use_name_prefix" {
  description = "Create the flow-log role with a name prefix and a unique suffix (IAM names are global to the account, across regions). false names it exactly \"<name>-vpc-flow-logs\"."
  type        = bool
  default     = true
  nullable    = false
}

variable "role_permissions_boundary" {
  description = "ARN of a permissions boundary for the module's IAM role (flow logs), where the organisation requires one."
  type        = string
  default     = null

  validation {
    condition     = var.role_permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", coalesce(var.role_permissions_boundary, "x")))
    error_message = "role_permissions_boundary must be null or an IAM policy ARN (arn:aws:iam::ACCOUNT:policy/NAME)."
  }
}

variable "kms_alias_use_name_prefix" {
  description = "Name the flow-log key's alias with a unique suffix (\"alias/<name>-flow-logs-<suffix>\") instead of exactly \"alias/<name>-flow-logs\"."
  type        = bool
  default     = false
  nullable    = false
}

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC (seed R1.5-a: 10.0.0.0/16)."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    # AWS accepts VPC blocks from /16 to /28; the address must be the network
    # address or AWS silently masks it and the derived subnets drift from it.
    condition = try(
      can(regex("^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$", var.vpc_cidr)) &&
      cidrhost(var.vpc_cidr, 0) == split("/", var.vpc_cidr)[0] &&
      tonumber(split("/", var.vpc_cidr)[1]) >= 16 &&
      tonumber(split("/", var.vpc_cidr)[1]) <= 28,
      false
    )
    error_message = "vpc_cidr must be an IPv4 network address with a prefix from /16 to /28 (the AWS limits), e.g. \"10.0.0.0/16\"; \"10.0.0.1/16\" is not a network address."
  }
}

variable "az_count" {
  description = "Number of availability zones to spread the subnets over (one public and one private subnet each). At least 2 for Multi-AZ (seed R1.5-b/c)."
  type        = number
  default     = 2

  validation {
    # 6 is the largest AZ count of any commercial region, and also what the
    # derived subnet layout has room for.
    condition     = var.az_count >= 2 && var.az_count <= 6 && floor(var.az_count) == var.az_count
    error_message = "az_count must be a whole number from 2 to 6: Multi-AZ needs at least 2 availability zones and no region has more than 6."
  }
}

variable "availability_zones" {
  description = "Availability zone names to use, in order. Empty (default) takes the first az_count zones of the region that need no opt-in."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.availability_zones) == 0 || length(var.availability_zones) == var.az_count
    error_message = "availability_zones must be empty (let the module pick) or list exactly az_count zone names; set az_count to the length of the list."
  }

  validation {
    condition = alltrue([
      for az in var.availability_zones : can(regex("^[a-z]{2}(-[a-z]+)+-\\d+[a-z]$", az))
    ]) && length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "availability_zones must hold distinct availability zone names such as \"ap-northeast-1a\"; a zone listed twice would put both subnets of a tier in one zone."
  }
}

variable "public_subnet_cidrs" {
  description = "CIDR blocks of the public subnets, one per availability zone. Empty (default) derives /24 blocks from vpc_cidr: 10.0.0.0/24, 10.0.1.0/24, ..."
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for c in var.public_subnet_cidrs : try(
        can(regex("^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$", c)) &&
        cidrhost(c, 0) == split("/", c)[0] &&
        tonumber(split("/", c)[1]) >= 16 && tonumber(split("/", c)[1]) <= 28,
        false
      )
    ])
    error_message = "public_subnet_cidrs must hold IPv4 network addresses with a prefix from /16 to /28 (the AWS subnet limits), e.g. \"10.0.0.0/24\"."
  }

  validation {
    # Derived subnets are /24 (public) and /20 (private) carved out of a /16;
    # a VPC smaller than /20 has no room for that layout.
    condition = (length(var.public_subnet_cidrs) == 0 ?
      try(tonumber(split("/", var.vpc_cidr)[1]) <= 20, true) :
      length(var.public_subnet_cidrs) == var.az_count
    )
    error_message = "public_subnet_cidrs must hold exactly az_count blocks, one per availability zone, or be empty to derive them from vpc_cidr, which then must be /16 to /20."
  }

  validation {
    # A block is inside the VPC when it is no larger than the VPC and its
    # address, masked to the VPC prefix, is the VPC's network address.
    condition = alltrue([
      for c in var.public_subnet_cidrs : try(
        tonumber(split("/", c)[1]) >= tonumber(split("/", var.vpc_cidr)[1]) &&
        cidrhost("${split("/", c)[0]}/${split("/", var.vpc_cidr)[1]}", 0) == cidrhost(var.vpc_cidr, 0),
        true # malformed blocks are reported by the format rule above
      )
    ])
    error_message = "public_subnet_cidrs must all lie inside vpc_cidr; pick blocks from the VPC range or widen vpc_cidr."
  }
}

variable "private_subnet_cidrs" {
  description = "CIDR blocks of the private subnets, one per availability zone. Empty (default) derives /20 blocks from vpc_cidr: 10.0.16.0/20, 10.0.32.0/20, ... (room for Lambda ENIs, the database and interface endpoints)."
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for c in var.private_subnet_cidrs : try(
        can(regex("^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$", c)) &&
        cidrhost(c, 0) == split("/", c)[0] &&
        tonumber(split("/", c)[1]) >= 16 && tonumber(split("/", c)[1]) <= 28,
        false
      )
    ])
    error_message = "private_subnet_cidrs must hold IPv4 network addresses with a prefix from /16 to /28 (the AWS subnet limits), e.g. \"10.0.16.0/20\"."
  }

  validation {
    # Derived subnets are /24 (public) and /20 (private) carved out of a /16;
    # a VPC smaller than /20 has no room for that layout.
    condition = (length(var.private_subnet_cidrs) == 0 ?
      try(tonumber(split("/", var.vpc_cidr)[1]) <= 20, true) :
      length(var.private_subnet_cidrs) == var.az_count
    )
    error_message = "private_subnet_cidrs must hold exactly az_count blocks, one per availability zone, or be empty to derive them from vpc_cidr, which then must be /16 to /20."
  }

  validation {
    condition = alltrue([
      for c in var.private_subnet_cidrs : try(
        tonumber(split("/", c)[1]) >= tonumber(split("/", var.vpc_cidr)[1]) &&
        cidrhost("${split("/", c)[0]}/${split("/", var.vpc_cidr)[1]}", 0) == cidrhost(var.vpc_cidr, 0),
        true # malformed blocks are reported by the format rule above
      )
    ])
    error_message = "private_subnet_cidrs must all lie inside vpc_cidr; pick blocks from the VPC range or widen vpc_cidr."
  }
}

variable "nat_gateway_mode" {
  description = "\"single\" (default, seed R1.5-d): one NAT gateway shared by all private subnets, cheapest but a single point of failure for outbound traffic. \"per_az\": one NAT gateway per availability zone, no cross-AZ dependency, one more gateway's cost per zone. See README."
  type        = string
  default     = "single"

  validation {
    condition     = contains(["single", "per_az"], var.nat_gateway_mode)
    error_message = "nat_gateway_mode must be \"single\" (one shared NAT gateway) or \"per_az\" (one per availability zone)."
  }
}

variable "database_port" {
  description = "TCP port the database listens on (5432 for PostgreSQL). The security groups open only this port from the Lambda group to the database group; the private NACL names it too."
  type        = number
  default     = 5432

  validation {
    # Aurora accepts 1150-65535 only.
    condition     = var.database_port >= 1150 && var.database_port <= 65535 && floor(var.database_port) == var.database_port
    error_message = "database_port must be a whole number from 1150 to 65535 (the range Aurora accepts); PostgreSQL's default is 5432."
  }
}

variable "flow_logs" {
  description = <<-EOT
    VPC flow logs to CloudWatch Logs (seed R3.4, R4.4-d, R8.1-b).
    enabled: turn flow logs off only for throwaway environments.
    retention_in_days: kept 30 days by default (seed R3.4-b).
    traffic_type: ACCEPT, REJECT or ALL.
    max_aggregation_interval: 60 or 600 seconds; 600 writes fewer, cheaper records.
    kms_key_arn: an existing key to encrypt the log group with; null creates a customer key with rotation whose policy lets only this log group use it.
  EOT
  type = object({
    enabled                  = optional(bool, true)
    retention_in_days        = optional(number, 30)
    traffic_type             = optional(string, "ALL")
    max_aggregation_interval = optional(number, 600)
    kms_key_arn              = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_logs.retention_in_days)
    error_message = "flow_logs.retention_in_days must be one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653 (seed: 30)."
  }

  validation {
    condition     = contains(["ACCEPT", "REJECT", "ALL"], var.flow_logs.traffic_type)
    error_message = "flow_logs.traffic_type must be \"ACCEPT\", \"REJECT\" or \"ALL\" (uppercase)."
  }

  validation {
    condition     = contains([60, 600], var.flow_logs.max_aggregation_interval)
    error_message = "flow_logs.max_aggregation_interval must be 60 or 600 seconds, the only values VPC flow logs accept."
  }

  validation {
    condition     = var.flow_logs.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/[0-9a-f-]+$", var.flow_logs.kms_key_arn))
    error_message = "flow_logs.kms_key_arn must be null (the module creates a key) or a KMS key ARN such as \"arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\" (an alias is not accepted by CloudWatch Logs)."
  }
}

variable "interface_endpoints" {
  description = "AWS services to reach through interface VPC endpoints in the private subnets instead of the NAT gateway, by endpoint service suffix (\"secretsmanager\", \"logs\", \"xray\", \"kms\", \"sts\", \"bedrock-runtime\", ...). Each costs about USD 7-10 a month per availability zone plus data; see README. Default: none."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.interface_endpoints : can(regex("^[a-z0-9][a-z0-9.-]*[a-z0-9]$", s))])
    error_message = "interface_endpoints must hold endpoint service suffixes in lowercase, such as \"secretsmanager\" or \"bedrock-runtime\", without the \"com.amazonaws.<region>.\" prefix."
  }

  validation {
    # S3 and DynamoDB already get free gateway endpoints; an interface
    # endpoint for them as well would cost money and split DNS resolution.
    condition     = length(setintersection(toset(var.interface_endpoints), toset(["s3", "dynamodb"]))) == 0
    error_message = "interface_endpoints must not list \"s3\" or \"dynamodb\": the module already creates free gateway endpoints for both."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource of the module (cost allocation, seed R7.2-d)."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition = alltrue([
      for k, v in var.tags : length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")
    ])
    error_message = "tags keys must be 1-128 characters and not start with \"aws:\" (reserved by AWS); values at most 256 characters."
  }
}
