# A deploy recorded in the history: the stack applies first, the record after it
# (depends_on), and the history gives the version a rollback applies.

provider "aws" {
  region = var.region
}

provider "opsdeck" {
  region = var.region
}

module "deploy_history" {
  source = "../../../modules/deploy-history"

  name = "opsdeck-deploy-history"
  tags = { Project = "opsdeck", Environment = "prod" }
}

# Stands for the application stack the version deploys (Lambda, API, front end...).
resource "terraform_data" "app" {
  input = var.app_version
}

resource "opsdeck_deploy_record" "app" {
  table_name  = module.deploy_history.table_name
  service     = "shop"
  environment = "prod"
  version     = var.app_version
  release_url = "https://github.com/${var.repository}/releases/tag/${var.app_version}"
  commit      = var.commit

  # Only a stack that applied gets a "succeeded" record.
  depends_on = [terraform_data.app]
}

data "opsdeck_deploy_history" "app" {
  table_name  = module.deploy_history.table_name
  service     = "shop"
  environment = "prod"
  limit       = 10

  depends_on = [opsdeck_deploy_record.app]
}
