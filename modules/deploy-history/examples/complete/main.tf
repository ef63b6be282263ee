provider "aws" {
  region = var.region
}

module "deploy_history" {
  source = "../../"

  name                            = var.name
  deletion_protection_enabled     = var.deletion_protection_enabled
  kms_key_deletion_window_in_days = var.kms_key_deletion_window_in_days

  tags = {
    Project     = "opsdeck"
    Environment = "example"
  }
}

# The pipeline's role appends to the history and reads it; it cannot rewrite it.
resource "aws_iam_policy" "deploy_history_writer" {
  name        = "${var.name}-writer"
  description = "Append deploy records and marks to ${var.name}"
  policy      = module.deploy_history.writer_policy_json
}
