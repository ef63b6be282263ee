provider "aws" {
  region = var.region
}

module "audit" {
  source = "../../"

  name                 = var.name
  break_glass_role_arn = var.break_glass_role_arn

  # Object operations on the application's buckets; every Lambda invocation (null).
  data_event_bucket_arns = var.data_event_bucket_arns

  # Throwaway example: destroy may delete the logs (as the break-glass role in AWS).
  log_bucket                      = { force_destroy = true }
  kms_key_deletion_window_in_days = 7

  tags = { Project = "opsdeck", Environment = "example" }
}
