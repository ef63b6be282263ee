provider "aws" {
  region = var.region
}

module "edge" {
  source = "../../"

  name          = var.name
  app_version   = var.app_version
  origin_access = var.origin_access

  # Your domain and its certificate (us-east-1): required unless
  # require_custom_certificate is false (test environments only).
  aliases                    = var.aliases
  acm_certificate_arn        = var.acm_certificate_arn
  require_custom_certificate = var.require_custom_certificate

  # The API of modules/compute under /api/* of the same origin, reachable
  # only through CloudFront when the secret is set on both sides.
  api_origin               = var.api_origin
  api_origin_verify_secret = var.api_origin_verify_secret

  # Throwaway example: destroy removes the releases and the logs with the buckets.
  force_destroy = true

  tags = {
    Project     = "opsdeck"
    Environment = "example"
  }
}

# Each release folder holds the frontend and its error pages (R1.3-e); the
# pipeline uploads them before it applies the new app_version.
locals {
  pages = {
    "index.html" = "<!doctype html><title>opsdeck</title><p>opsdeck %s</p>"
    "404.html"   = "<!doctype html><title>Not found</title><p>Not found (opsdeck %s)</p>"
    "500.html"   = "<!doctype html><title>Error</title><p>Something went wrong (opsdeck %s)</p>"
  }
  objects = { for pair in setproduct(var.released_versions, keys(local.pages)) : "${pair[0]}/${pair[1]}" => format(local.pages[pair[1]], pair[0]) }
}

resource "aws_s3_object" "page" {
  for_each = local.objects

  bucket        = module.edge.bucket_id
  key           = each.key
  content       = each.value
  content_type  = "text/html; charset=utf-8"
  cache_control = "max-age=3600"
}
