variable "name" {
  description = "Name prefix of every resource (buckets \"<name>-frontend-<account>\" and \"<name>-edge-logs-<account>\", CloudFront policies and access controls). Lowercase letters, digits and hyphens, 1-32 characters, starting with a letter. Required, and unique in the account: CloudFront names and bucket names are global, whatever the region."
  type        = string
  default     = null

  validation {
    # No default on purpose: two instances on one default name would fight
    # over the same buckets and CloudFront policies.
    condition     = var.name != null
    error_message = "name is required: it prefixes the buckets and CloudFront policies, which are global, so it must differ between stacks of one account, e.g. \"opsdeck-prod\"."
  }

  validation {
    # "<name>-edge-logs-<12-digit account>" must stay within the 63
    # characters of a bucket name.
    condition     = var.name == null || (can(regex("^[a-z][a-z0-9-]{0,31}$", coalesce(var.name, "x"))) && !endswith(coalesce(var.name, "x"), "-") && !strcontains(coalesce(var.name, "x"), "--"))
    error_message = "name must be 1-32 characters of lowercase letters, digits and single hyphens, start with a letter and not end with a hyphen, e.g. \"opsdeck-prod\"."
  }
}

variable "app_version" {
  description = "The release of the frontend to serve, e.g. \"v1.4.2\": CloudFront reads from the \"/<app_version>\" folder of the bucket (the origin path), so the frontend rolls back with the backend (modules/compute takes the same value). The pipeline uploads each release to its own folder."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$", var.app_version))
    error_message = "app_version must be 1-63 characters of letters, digits, dots, underscores and hyphens, starting with a letter or digit, e.g. \"v1.4.2\" (it becomes the origin path \"/<app_version>\")."
  }
}

variable "bucket_name" {
  description = "Name of the private frontend bucket; null (default) uses \"<name>-frontend-<account id>\" (bucket names are global)."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null || (can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", coalesce(var.bucket_name, "x"))) && !strcontains(coalesce(var.bucket_name, "x"), ".."))
    error_message = "bucket_name must be an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit), or null."
  }
}

variable "force_destroy" {
  description = "Let destroy delete the buckets with their objects (releases and access logs). false (default) protects production content and the audit trail; set true only for throwaway environments."
  type        = bool
  default     = false
  nullable    = false
}

variable "noncurrent_version_retention_days" {
  description = "Days a replaced or deleted object version of the frontend bucket is kept (versioning is on, so an overwritten release can be restored)."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_retention_days >= 1 && floor(var.noncurrent_version_retention_days) == var.noncurrent_version_retention_days
    error_message = "noncurrent_version_retention_days must be a whole number of days, at least 1."
  }
}

variable "origin_access" {
  description = "How CloudFront reads the private bucket (seed R1.3-b, R4.1-b): \"oac\" (default, origin access control: SigV4, works with every S3 feature and region; what AWS recommends now) or \"oai\" (origin access identity, the legacy mechanism the seed names). See README."
  type        = string
  default     = "oac"

  validation {
    condition     = contains(["oac", "oai"], var.origin_access)
    error_message = "origin_access must be \"oac\" (origin access control, recommended) or \"oai\" (origin access identity, legacy)."
  }
}

variable "default_root_object" {
  description = "Object served for \"/\"."
  type        = string
  default     = "index.html"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-][A-Za-z0-9._/-]*$", var.default_root_object)) && !startswith(var.default_root_object, "/")
    error_message = "default_root_object must be an object key relative to the release folder without a leading slash, e.g. \"index.html\"."
  }
}

variable "cache" {
  description = <<-EOT
    The cache policy (seed R1.3-d: 1 hour; R6.1-c: hit ratio above 80 %).
    default_ttl / min_ttl / max_ttl: seconds; the default applies when the origin sends no Cache-Control.
    compress: gzip and Brotli (R6.1-b page load).
    query_strings: query string names that are part of the cache key (default none, for the best hit ratio).
  EOT
  type = object({
    default_ttl   = optional(number, 3600)
    min_ttl       = optional(number, 0)
    max_ttl       = optional(number, 86400)
    compress      = optional(bool, true)
    query_strings = optional(list(string), [])
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.cache.min_ttl >= 0 && var.cache.min_ttl <= var.cache.default_ttl && var.cache.default_ttl <= var.cache.max_ttl && var.cache.max_ttl <= 31536000
    error_message = "cache TTLs must satisfy 0 <= min_ttl <= default_ttl <= max_ttl <= 31536000 (one year), e.g. 0, 3600, 86400."
  }

  validation {
    condition     = length(var.cache.query_strings) <= 10 && alltrue([for q in var.cache.query_strings : can(regex("^[A-Za-z0-9_.~-]+$", q))])
    error_message = "cache.query_strings must list at most 10 query string names (a CloudFront limit) of letters, digits and _.~-."
  }
}

variable "error_responses" {
  description = "Custom error responses (seed R1.3-e): the origin's error_code is answered with the page response_page_path (an object of the release folder) and response_code, cached error_caching_min_ttl seconds. S3 answers a missing object with 403 when the reader may not list the bucket, so 403 maps to the 404 page too."
  type = list(object({
    error_code            = number
    response_code         = number
    response_page_path    = string
    error_caching_min_ttl = optional(number, 10)
  }))
  default = [
    { error_code = 403, response_code = 404, response_page_path = "/404.html", error_caching_min_ttl = 60 },
    { error_code = 404, response_code = 404, response_page_path = "/404.html", error_caching_min_ttl = 60 },
    { error_code = 500, response_code = 500, response_page_path = "/500.html", error_caching_min_ttl = 10 },
  ]
  nullable = false

  validation {
    condition     = alltrue([for e in var.error_responses : contains([400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504], e.error_code)])
    error_message = "error_responses[*].error_code must be one CloudFront can replace: 400, 403, 404, 405, 414, 416, 500, 501, 502, 503 or 504."
  }

  validation {
    condition     = length(distinct([for e in var.error_responses : e.error_code])) == length(var.error_responses)
    error_message = "error_responses must list each error_code once."
  }

  validation {
    condition     = alltrue([for e in var.error_responses : e.response_code >= 200 && e.response_code <= 599 && startswith(e.response_page_path, "/") && e.error_caching_min_ttl >= 0])
    error_message = "error_responses[*] need a response_code from 200 to 599, a response_page_path starting with \"/\" (e.g. \"/404.html\") and a non-negative error_caching_min_ttl."
  }
}

variable "security_headers" {
  description = <<-EOT
    The response headers policy (seed R1.3-f), applied to every response, overriding the origin's.
    content_security_policy: the Content-Security-Policy header. The default lets the page call only its own origin (connect-src 'self'), which is where api_origin serves the API (/api/*).
    hsts_max_age_seconds / hsts_include_subdomains / hsts_preload: Strict-Transport-Security (default two years, subdomains, no preload: preload is hard to undo).
    frame_options: X-Frame-Options, "DENY" or "SAMEORIGIN".
    referrer_policy: Referrer-Policy.
    X-Content-Type-Options: nosniff is always sent.
  EOT
  type = object({
    content_security_policy = optional(string, "default-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'; upgrade-insecure-requests")
    hsts_max_age_seconds    = optional(number, 63072000)
    hsts_include_subdomains = optional(bool, true)
    hsts_preload            = optional(bool, false)
    frame_options           = optional(string, "DENY")
    referrer_policy         = optional(string, "strict-origin-when-cross-origin")
  })
  default  = {}
  nullable = false

  validation {
    # A CSP header beyond 1783 characters is refused by CloudFront.
    condition     = length(trimspace(var.security_headers.content_security_policy)) > 0 && length(var.security_headers.content_security_policy) <= 1783
    error_message = "security_headers.content_security_policy must be a non-empty policy of at most 1783 characters (CloudFront's limit)."
  }

  validation {
    # Browsers ignore HSTS below a day in practice; preload lists ask a year.
    condition     = var.security_headers.hsts_max_age_seconds >= 86400 && floor(var.security_headers.hsts_max_age_seconds) == var.security_headers.hsts_max_age_seconds && (!var.security_headers.hsts_preload || (var.security_headers.hsts_max_age_seconds >= 31536000 && var.security_headers.hsts_include_subdomains))
    error_message = "security_headers.hsts_max_age_seconds must be a whole number of at least 86400 (one day); hsts_preload also needs at least 31536000 and hsts_include_subdomains = true."
  }

  validation {
    condition     = contains(["DENY", "SAMEORIGIN"], var.security_headers.frame_options)
    error_message = "security_headers.frame_options must be \"DENY\" or \"SAMEORIGIN\"."
  }

  validation {
    condition     = contains(["no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin", "same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url"], var.security_headers.referrer_policy)
    error_message = "security_headers.referrer_policy must be a Referrer-Policy value CloudFront accepts, e.g. \"strict-origin-when-cross-origin\"."
  }
}

variable "access_logs" {
  description = <<-EOT
    CloudFront standard access logs (seed R8.1-b, R8.2-b) to a log bucket the module creates, with a lifecycle rule (R8.1-c).
    retention_days: days a log object is kept.
    noncurrent_version_retention_days: days an overwritten or deleted log object's old version is kept (versioning is on): time to notice and undo a tampering with the audit trail.
    prefix: key prefix of the distribution's logs.
    include_cookies: log cookies too (off: they may carry personal data).
    The frontend bucket's S3 server access logs go to the same bucket under "s3/".
  EOT
  type = object({
    retention_days                    = optional(number, 365)
    noncurrent_version_retention_days = optional(number, 90)
    prefix                            = optional(string, "cloudfront/")
    include_cookies                   = optional(bool, false)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.access_logs.retention_days >= 1 && floor(var.access_logs.retention_days) == var.access_logs.retention_days && var.access_logs.noncurrent_version_retention_days >= 30 && floor(var.access_logs.noncurrent_version_retention_days) == var.access_logs.noncurrent_version_retention_days
    error_message = "access_logs.retention_days must be a whole number of days, at least 1, and access_logs.noncurrent_version_retention_days a whole number of at least 30 (a deleted log object must stay recoverable long enough to be noticed)."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*/$", var.access_logs.prefix)) && !startswith(var.access_logs.prefix, "s3/")
    error_message = "access_logs.prefix must be key segments ending with a slash, e.g. \"cloudfront/\"; \"s3/\" is taken by the bucket's own access logs."
  }
}

variable "viewer_protocol_policy" {
  description = "HTTPS for viewers (seed R1.3-c, R4.4-e): \"https-only\" (default) refuses plain HTTP; \"redirect-to-https\" answers it with a 301 to HTTPS (friendlier for people typing the name, with HSTS after the first visit)."
  type        = string
  default     = "https-only"

  validation {
    condition     = contains(["https-only", "redirect-to-https"], var.viewer_protocol_policy)
    error_message = "viewer_protocol_policy must be \"https-only\" or \"redirect-to-https\"; \"allow-all\" would serve plain HTTP."
  }
}

variable "price_class" {
  description = "CloudFront price class: \"PriceClass_200\" (default: includes Japan and the rest of Asia, where the seed's users are), \"PriceClass_100\" (North America and Europe only, cheapest) or \"PriceClass_All\"."
  type        = string
  default     = "PriceClass_200"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be \"PriceClass_100\", \"PriceClass_200\" or \"PriceClass_All\"."
  }
}

variable "aliases" {
  description = "Alternate domain names (CNAMEs) of the distribution, e.g. [\"www.example.com\"]; they need acm_certificate_arn."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.aliases : can(regex("^(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", a))])
    error_message = "aliases must be lowercase domain names such as \"www.example.com\" (a leading \"*.\" wildcard is allowed)."
  }

  validation {
    condition     = length(var.aliases) == 0 || var.acm_certificate_arn != null
    error_message = "aliases need acm_certificate_arn: CloudFront serves an alternate domain name only with a certificate that covers it."
  }
}

variable "acm_certificate_arn" {
  description = "ACM certificate (in us-east-1, as CloudFront requires) for the aliases; null serves the *.cloudfront.net name with CloudFront's certificate. Only with a certificate can the minimum TLS version be enforced (see README)."
  type        = string
  default     = null

  validation {
    condition     = var.acm_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:us-east-1:\\d{12}:certificate/[0-9a-f-]+$", coalesce(var.acm_certificate_arn, "x")))
    error_message = "acm_certificate_arn must be an ACM certificate ARN in us-east-1 (CloudFront reads certificates only there), or null."
  }
}

variable "minimum_protocol_version" {
  description = "Minimum TLS version viewers may use with the certificate (seed R4.4-e): \"TLSv1.2_2021\" (default), \"TLSv1.2_2025\" or \"TLSv1.3_2025\" (the 2025 policies need an AWS provider that knows them: 5.100.0 accepts up to TLSv1.2_2021). The older TLS 1.2 policies (2018, 2019) still allow CBC ciphers and are refused."
  type        = string
  default     = "TLSv1.2_2021"

  validation {
    condition     = contains(["TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"], var.minimum_protocol_version)
    error_message = "minimum_protocol_version must be \"TLSv1.2_2021\" or newer: \"TLSv1.2_2021\", \"TLSv1.2_2025\" or \"TLSv1.3_2025\"."
  }
}

variable "require_custom_certificate" {
  description = "Production guard: true (default) refuses, at plan time, a distribution without acm_certificate_arn and at least one alias, because CloudFront's default *.cloudfront.net certificate fixes the viewer policy at TLSv1 (TLS 1.0). Set false only for throwaway or test environments, knowingly."
  type        = bool
  default     = true
  nullable    = false
}

variable "web_acl_arn" {
  description = "Optional WAFv2 web ACL (scope CLOUDFRONT, created in us-east-1) to attach to the distribution."
  type        = string
  default     = null

  validation {
    condition     = var.web_acl_arn == null || can(regex("^arn:aws[a-z-]*:wafv2:us-east-1:\\d{12}:global/webacl/.+$", coalesce(var.web_acl_arn, "x")))
    error_message = "web_acl_arn must be a global WAFv2 web ACL ARN (\"arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>\") or null."
  }
}

variable "api_origin" {
  description = <<-EOT
    Serve the API (modules/compute) under the site's own origin, so the page calls it without CORS and the default CSP (connect-src 'self') allows it. null (default): the site only.
    domain_name: the execute-api host, modules/compute output api_domain_name.
    origin_path: "/<stage>", modules/compute output api_origin_path: a request for "/api/x" reaches "/<stage>/api/x" of the stage, so the API's routes live under api.base_path = "api" (the first segment of path_pattern).
    path_pattern: the behaviour's pattern, default "/api/*".
    verify_header: the header CloudFront adds with api_origin_verify_secret; modules/compute api.origin_verify_header (default "x-origin-verify").
    read_timeout: seconds CloudFront waits for the API (1-60, default 30; API Gateway gives up after 29).
    The behaviour caches nothing (managed policy CachingDisabled), allows every method and forwards every viewer header but Host, every query string and cookie (managed origin request policy AllViewerExceptHostHeader: API Gateway routes on its own Host name, and with caching disabled the Authorization header is forwarded too), to the origin over HTTPS with TLS 1.2 only.
  EOT
  type = object({
    domain_name   = string
    origin_path   = string
    path_pattern  = optional(string, "/api/*")
    verify_header = optional(string, "x-origin-verify")
    read_timeout  = optional(number, 30)
  })
  default = null

  validation {
    condition     = var.api_origin == null || can(regex("^[a-z0-9]+\\.execute-api\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?$", try(var.api_origin.domain_name, "")))
    error_message = "api_origin.domain_name must be an execute-api host name such as \"a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com\" (modules/compute output api_domain_name), without https:// or a path."
  }

  validation {
    condition     = var.api_origin == null || can(regex("^/[A-Za-z0-9_-]{1,128}$", try(var.api_origin.origin_path, "")))
    error_message = "api_origin.origin_path must be \"/<stage name>\", e.g. \"/live\" (modules/compute output api_origin_path)."
  }

  validation {
    condition     = var.api_origin == null || can(regex("^/[A-Za-z0-9._-]+/\\*$", try(var.api_origin.path_pattern, "")))
    error_message = "api_origin.path_pattern must be one path segment followed by /*, e.g. \"/api/*\", matching modules/compute api.base_path (\"api\")."
  }

  validation {
    condition     = var.api_origin == null || (can(regex("^[A-Za-z0-9-]{1,64}$", try(var.api_origin.verify_header, ""))) && !contains(["host", "authorization", "x-forwarded-for", "via"], lower(try(var.api_origin.verify_header, ""))))
    error_message = "api_origin.verify_header must be a header name of letters, digits and hyphens (e.g. \"x-origin-verify\"), and not Host, Authorization, X-Forwarded-For or Via."
  }

  validation {
    condition     = var.api_origin == null || try(var.api_origin.read_timeout >= 1 && var.api_origin.read_timeout <= 60 && floor(var.api_origin.read_timeout) == var.api_origin.read_timeout, false)
    error_message = "api_origin.read_timeout must be a whole number of seconds from 1 to 60 (CloudFront's limit without a quota increase)."
  }
}

variable "api_origin_verify_secret" {
  description = "Secret value CloudFront sends to the API origin in api_origin.verify_header; modules/compute api_origin_verify_secret (the same value) makes the stage refuse requests without it. 32-128 letters, digits, '-' and '_'. It is stored in state (the distribution's origin needs it in clear text; see README): keep the state encrypted."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.api_origin_verify_secret == null || can(regex("^[A-Za-z0-9_-]{32,128}$", coalesce(var.api_origin_verify_secret, "x")))
    error_message = "api_origin_verify_secret must be 32-128 letters, digits, '-' or '_' (e.g. the output of `openssl rand -hex 32`), or null."
  }

  validation {
    condition     = var.api_origin_verify_secret == null || var.api_origin != null
    error_message = "api_origin_verify_secret is sent to the API origin only: set api_origin too, or leave the secret null."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}
