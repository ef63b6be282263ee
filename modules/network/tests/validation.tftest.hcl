# Every validation of every input, one run each: each run breaks exactly one
# rule and expects the plan to fail on that input.

mock_provider "aws" {
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
}

variables {
  name = "opsdeck"
}

run "role_permissions_boundary_is_a_policy_arn" {
  command = plan
  variables {
    role_permissions_boundary = "arn:aws:iam::123456789012:role/boundary"
  }
  expect_failures = [var.role_permissions_boundary]
}

run "name_format" {
  command = plan
  variables {
    name = "Opsdeck_Prod"
  }
  expect_failures = [var.name]
}

run "vpc_cidr_format" {
  command = plan
  variables {
    vpc_cidr = "10.0.0.1/16"
  }
  expect_failures = [var.vpc_cidr]
}

run "az_count_at_least_two" {
  command = plan
  variables {
    az_count = 1
  }
  expect_failures = [var.az_count]
}

run "availability_zones_count" {
  command = plan
  variables {
    availability_zones = ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]
  }
  expect_failures = [var.availability_zones]
}

run "availability_zones_distinct" {
  command = plan
  variables {
    availability_zones = ["ap-northeast-1a", "ap-northeast-1a"]
  }
  expect_failures = [var.availability_zones]
}

run "public_subnet_cidrs_format" {
  command = plan
  variables {
    public_subnet_cidrs = ["10.0.0.0/24", "10.0.1.0/33"]
  }
  expect_failures = [var.public_subnet_cidrs]
}

run "public_subnet_cidrs_count" {
  command = plan
  variables {
    public_subnet_cidrs = ["10.0.0.0/24"]
  }
  expect_failures = [var.public_subnet_cidrs]
}

run "public_subnet_cidrs_need_room_to_derive" {
  command = plan
  variables {
    vpc_cidr             = "10.0.0.0/24"
    private_subnet_cidrs = ["10.0.0.128/26", "10.0.0.192/26"]
  }
  expect_failures = [var.public_subnet_cidrs]
}

run "public_subnet_cidrs_inside_vpc" {
  command = plan
  variables {
    public_subnet_cidrs = ["10.0.0.0/24", "10.1.0.0/24"]
  }
  expect_failures = [var.public_subnet_cidrs]
}

run "private_subnet_cidrs_format" {
  command = plan
  variables {
    private_subnet_cidrs = ["10.0.16.0/20", "not-a-cidr"]
  }
  expect_failures = [var.private_subnet_cidrs]
}

run "private_subnet_cidrs_count" {
  command = plan
  variables {
    private_subnet_cidrs = ["10.0.16.0/20", "10.0.32.0/20", "10.0.48.0/20"]
  }
  expect_failures = [var.private_subnet_cidrs]
}

run "private_subnet_cidrs_need_room_to_derive" {
  command = plan
  variables {
    vpc_cidr            = "10.0.0.0/24"
    public_subnet_cidrs = ["10.0.0.0/28", "10.0.0.16/28"]
  }
  expect_failures = [var.private_subnet_cidrs]
}

run "private_subnet_cidrs_inside_vpc" {
  command = plan
  variables {
    private_subnet_cidrs = ["10.0.16.0/20", "192.168.0.0/20"]
  }
  expect_failures = [var.private_subnet_cidrs]
}

run "nat_gateway_mode_values" {
  command = plan
  variables {
    nat_gateway_mode = "none"
  }
  expect_failures = [var.nat_gateway_mode]
}

run "database_port_range" {
  command = plan
  variables {
    database_port = 80
  }
  expect_failures = [var.database_port]
}

run "flow_logs_retention_values" {
  command = plan
  variables {
    flow_logs = { retention_in_days = 31 }
  }
  expect_failures = [var.flow_logs]
}

run "flow_logs_traffic_type_values" {
  command = plan
  variables {
    flow_logs = { traffic_type = "all" }
  }
  expect_failures = [var.flow_logs]
}

run "flow_logs_aggregation_interval_values" {
  command = plan
  variables {
    flow_logs = { max_aggregation_interval = 300 }
  }
  expect_failures = [var.flow_logs]
}

run "flow_logs_kms_key_arn_format" {
  command = plan
  variables {
    flow_logs = { kms_key_arn = "alias/flow-logs" }
  }
  expect_failures = [var.flow_logs]
}

run "interface_endpoints_format" {
  command = plan
  variables {
    interface_endpoints = ["com.amazonaws.ap-northeast-1.secretsmanager", "Logs"]
  }
  expect_failures = [var.interface_endpoints]
}

run "interface_endpoints_no_gateway_services" {
  command = plan
  variables {
    interface_endpoints = ["secretsmanager", "s3"]
  }
  expect_failures = [var.interface_endpoints]
}

run "tags_reserved_prefix" {
  command = plan
  variables {
    tags = { "aws:cloudformation:stack-name" = "x" }
  }
  expect_failures = [var.tags]
}

# Not an input validation but the same kind of guard: a region with fewer
# zones than az_count fails on the VPC's precondition, not on slice().
run "region_has_too_few_zones" {
  command = plan
  variables {
    az_count = 4
  }
  expect_failures = [aws_vpc.this]
}

run "availability_zones_exist_in_region" {
  command = plan
  variables {
    availability_zones = ["ap-northeast-1a", "ap-northeast-1b"]
  }
  expect_failures = [aws_vpc.this]
}
