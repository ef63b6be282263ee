variable "name" {
  description = "Name prefix of every resource (functions \"<name>-<key>\", roles, log groups, the REST API, the state machine, the web ACL, the KMS alias). Lowercase letters, digits and hyphens, 1-32 characters, starting with a letter. Required: two stacks of one account and region must not share it."
  type        = string
  default     = null

  validation {
    # No default on purpose: two instances on one default name would fight
    # over the same functions, log groups and roles.
    condition     = var.name != null
    error_message = "name is required: it prefixes every resource of the module and must differ between stacks of one account and region, e.g. \"opsdeck-prod\"."
  }

  validation {
    # 32 keeps the longest derived name ("<name>-<function>-lambda" roles,
    # capped at 64 by IAM, with function keys up to 24) inside AWS limits.
    condition     = var.name == null || (can(regex("^[a-z][a-z0-9-]{0,31}$", coalesce(var.name, "x"))) && !endswith(coalesce(var.name, "x"), "-") && !strcontains(coalesce(var.name, "x"), "--"))
    error_message = "name must be 1-32 characters of lowercase letters, digits and single hyphens, start with a letter and not end with a hyphen, e.g. \"opsdeck-prod\"."
  }
}

variable "app_version" {
  description = "The release to run, e.g. \"v1.4.2\". Every function's code is read from s3://<artifacts.bucket>/<artifacts.prefix>/<app_version>/<function key>.zip, so a release is an apply with a new version and a rollback is an apply with the previous one. Also set as APP_VERSION in every function's environment and as the description of the live aliases."
  type        = string
  nullable    = false

  validation {
    # It becomes an S3 key segment, a CloudFront origin path (modules/edge)
    # and an environment value: no slashes, no spaces.
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$", var.app_version))
    error_message = "app_version must be 1-63 characters of letters, digits, dots, underscores and hyphens, starting with a letter or digit, e.g. \"v1.4.2\" (it is a path segment of the artifact key)."
  }
}

variable "artifacts" {
  description = <<-EOT
    Where the release artifacts (function zips) live; the module reads them, the pipeline uploads them.
    bucket: S3 bucket name, in the same region as the functions.
    prefix: key prefix, default the module's name: keys are "<prefix>/<app_version>/<function key>.zip".
  EOT
  type = object({
    bucket = string
    prefix = optional(string)
  })
  nullable = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifacts.bucket)) && !strcontains(var.artifacts.bucket, "..")
    error_message = "artifacts.bucket must be an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit."
  }

  validation {
    condition     = var.artifacts.prefix == null || can(regex("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$", coalesce(var.artifacts.prefix, "x")))
    error_message = "artifacts.prefix must be key segments of letters, digits, dots, underscores and hyphens separated by single slashes, without a leading or trailing slash, e.g. \"opsdeck\" or \"releases/opsdeck\"."
  }
}

variable "subnet_ids" {
  description = "Private subnets the functions run in (seed R1.2-e: inside the VPC, to reach the database); at least two, in different zones. modules/network output private_subnet_ids."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids) >= 2 && length(distinct(var.subnet_ids)) == length(var.subnet_ids) && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "subnet_ids must list at least two distinct subnet IDs (\"subnet-...\"), one per availability zone, so the functions survive the loss of a zone."
  }
}

variable "security_group_ids" {
  description = "Security groups of the functions' network interfaces. modules/network output lambda_security_group_id."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.security_group_ids) >= 1 && length(var.security_group_ids) <= 5 && alltrue([for s in var.security_group_ids : can(regex("^sg-[0-9a-f]+$", s))])
    error_message = "security_group_ids must list 1 to 5 security group IDs (\"sg-...\"); Lambda accepts at most 5."
  }
}

variable "functions" {
  description = <<-EOT
    Lambda functions by key (the key names the function "<name>-<key>" and its artifact "<key>.zip").
    kind: "api" (behind API Gateway: 30 s timeout by default), "task" (a Step Functions task: 900 s), seed R1.2-b, or "authorizer" (an API Gateway Lambda authorizer, api.authorizer: 10 s).
    memory_size: MB, 512 by default (seed R1.2-a).
    timeout: seconds; null takes the kind's default (30, 900 or 10).
    architecture: "x86_64" or "arm64"; must match the artifact.
    runtime: "provided.al2023" for the project's Rust functions.
    handler: ignored by provided.* runtimes; kept for other runtimes.
    environment: extra variables (no secrets: functions read those from Secrets Manager, R1.2-c). APP_VERSION is always set.
    reserved_concurrent_executions: null (default, seed R1.2-f / R7.1-b) leaves the function on the unreserved account pool.
    application_log_level / system_log_level: JSON log levels (R3.4-c).
    source_code_hash: base64 SHA-256 of the artifact (`cargo xtask lambda` prints it); set it when an artifact may be replaced under the same version, to redeploy on change.
  EOT
  type = map(object({
    description                    = optional(string, "")
    kind                           = optional(string, "api")
    memory_size                    = optional(number, 512)
    timeout                        = optional(number)
    architecture                   = optional(string, "x86_64")
    runtime                        = optional(string, "provided.al2023")
    handler                        = optional(string, "bootstrap")
    environment                    = optional(map(string), {})
    reserved_concurrent_executions = optional(number)
    application_log_level          = optional(string, "INFO")
    system_log_level               = optional(string, "WARN")
    source_code_hash               = optional(string)
  }))
  default = {
    api    = { kind = "api", description = "HTTP API behind API Gateway" }
    worker = { kind = "task", description = "Step Functions task" }
  }
  nullable = false

  validation {
    condition     = length(var.functions) >= 1 && alltrue([for k in keys(var.functions) : can(regex("^[a-z][a-z0-9-]{0,23}$", k)) && !endswith(k, "-")])
    error_message = "functions must hold at least one function, with keys of 1-24 lowercase letters, digits and hyphens starting with a letter (the key is part of the function, role and log group names)."
  }

  validation {
    condition     = alltrue([for f in values(var.functions) : contains(["api", "task", "authorizer"], f.kind)])
    error_message = "functions[*].kind must be \"api\" (behind API Gateway, 30 s default timeout), \"task\" (Step Functions task, 900 s) or \"authorizer\" (API Gateway Lambda authorizer, 10 s)."
  }

  validation {
    condition     = alltrue([for f in values(var.functions) : f.memory_size >= 128 && f.memory_size <= 10240 && floor(f.memory_size) == f.memory_size])
    error_message = "functions[*].memory_size must be a whole number of MB from 128 to 10240 (the Lambda limits)."
  }

  validation {
    # API Gateway REST integrations time out after 29 s by default, so an API
    # function's own timeout above that only hides the failure.
    condition = alltrue([
      for f in values(var.functions) : f.timeout == null || try(
        f.timeout >= 1 && floor(f.timeout) == f.timeout && f.timeout <= (f.kind == "task" ? 900 : 30), false
      )
    ])
    error_message = "functions[*].timeout must be a whole number of seconds from 1 to 30 for kinds \"api\" and \"authorizer\" (API Gateway gives up after about 29 s) or to 900 for kind \"task\" (the Lambda maximum); null takes 30, 10 or 900."
  }

  validation {
    condition     = alltrue([for f in values(var.functions) : contains(["x86_64", "arm64"], f.architecture)])
    error_message = "functions[*].architecture must be \"x86_64\" or \"arm64\", matching how the artifact was built."
  }

  validation {
    condition     = alltrue([for f in values(var.functions) : can(regex("^(provided\\.al2023|provided\\.al2|nodejs2[02]\\.x|python3\\.1[1-3]|java2[1]|dotnet8)$", f.runtime))])
    error_message = "functions[*].runtime must be a supported Lambda runtime such as \"provided.al2023\" (the project's Rust functions), \"python3.12\" or \"nodejs22.x\"."
  }

  validation {
    condition     = alltrue([for f in values(var.functions) : alltrue([for k in keys(f.environment) : can(regex("^[A-Za-z][A-Za-z0-9_]*$", k)) && k != "APP_VERSION" && !startswith(k, "AWS_")])])
    error_message = "functions[*].environment keys must be letters, digits and underscores starting with a letter; APP_VERSION is set by the module and AWS_* names are reserved by Lambda."
  }

  validation {
    # A reservation is allowed for a function that must be capped, but the
    # seed asks for none; 0 would disable the function.
    condition     = alltrue([for f in values(var.functions) : f.reserved_concurrent_executions == null || try(f.reserved_concurrent_executions >= 1 && floor(f.reserved_concurrent_executions) == f.reserved_concurrent_executions, false)])
    error_message = "functions[*].reserved_concurrent_executions must be null (no reservation, seed R1.2-f) or a whole number of at least 1; 0 would stop the function."
  }

  validation {
    condition = alltrue([for f in values(var.functions) :
      contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], f.application_log_level) &&
      contains(["DEBUG", "INFO", "WARN"], f.system_log_level)
    ])
    error_message = "functions[*].application_log_level must be TRACE, DEBUG, INFO, WARN, ERROR or FATAL, and system_log_level DEBUG, INFO or WARN (Lambda's JSON log levels)."
  }

  validation {
    condition     = alltrue([for f in values(var.functions) : f.source_code_hash == null || can(regex("^[A-Za-z0-9+/]{43}=$", coalesce(f.source_code_hash, "x")))])
    error_message = "functions[*].source_code_hash must be the base64 SHA-256 of the zip (44 characters ending in \"=\"), as `cargo xtask lambda` or `openssl dgst -sha256 -binary f.zip | base64` prints it, or null."
  }
}

variable "secrets" {
  description = <<-EOT
    Secrets the functions may read (seed R1.2-c, R1.4-e, R4.1-c): the execution roles get secretsmanager:GetSecretValue and DescribeSecret on exactly these ARNs, and kms:Decrypt on exactly these keys, only through Secrets Manager.
    arns: secret ARNs, e.g. modules/database outputs jwt_signing_secret_arn and bedrock_api_key_secret_arn.
    kms_key_arns: the keys encrypting them, e.g. modules/database output secrets_kms_key_arn.
    The ARNs are also passed to every function as SECRET_ARNS (comma-separated) so code need not hard-code them.
  EOT
  type = object({
    arns         = optional(list(string), [])
    kms_key_arns = optional(list(string), [])
  })
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for a in var.secrets.arns : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\\d{12}:secret:.+$", a))])
    error_message = "secrets.arns must be full Secrets Manager secret ARNs (\"arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>\"), not names or wildcards."
  }

  validation {
    condition     = alltrue([for a in var.secrets.kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/[0-9a-f-]+$", a))])
    error_message = "secrets.kms_key_arns must be KMS key ARNs (\"arn:aws:kms:<region>:<account>:key/<id>\"); aliases cannot be used in IAM policies."
  }

  validation {
    condition     = length(var.secrets.arns) > 0 || length(var.secrets.kms_key_arns) == 0
    error_message = "secrets.kms_key_arns without secrets.arns grants decryption with nothing to decrypt; list the secrets too, or leave both empty."
  }
}

variable "additional_policy_jsons" {
  description = "More IAM policy documents for every execution role, by a static name: e.g. { db_connect = module.database.db_connect_policy_json } (IAM database authentication). Keys are policy names. Each Allow statement must name its actions and resources: wildcard actions (\"*\", \"*:*\", \"ec2:*\", \"s3:Get*\"), Resource \"*\" (or \"arn:aws:*:*:*:*\", \"arn:aws:s3:::*\") and NotAction/NotResource are refused at plan time (documents only known at apply are checked then)."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k in keys(var.additional_policy_jsons) : can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", k))])
    error_message = "additional_policy_jsons keys must be IAM policy names: 1-64 letters, digits and +=,.@_-."
  }

  validation {
    # Unknown documents (built from other modules' outputs) are checked at
    # apply. Only Allow statements are held to this: a Deny may be broad.
    condition = alltrue([for d in values(var.additional_policy_jsons) : try(
      length(flatten([jsondecode(d).Statement])) > 0 &&
      alltrue([for s in flatten([jsondecode(d).Statement]) : try(s.Effect, "Allow") != "Allow" || (
        !can(s.NotAction) && !can(s.NotResource) &&
        length(flatten([try(s.Action, [])])) > 0 && length(flatten([try(s.Resource, [])])) > 0 &&
        alltrue([for a in flatten([s.Action]) : !strcontains(a, "*") && !strcontains(a, "?")]) &&
        # "*", and ARNs that are "*" in disguise: a wildcard partition or
        # service ("arn:aws:*:*:*:*"), or a resource part of only "*"
        # ("arn:aws:s3:::*", every bucket and object of every account).
        alltrue([for r in flatten([s.Resource]) : r != "*" && !can(regex("^arn:[^:]*[*?]|^arn:[^:]*:[^:]*[*?]|^arn:[^:]*:[^:]*:[^:]*:[^:]*:[*]$", r))])
      )]),
      false
    )])
    error_message = "additional_policy_jsons must hold JSON IAM policy documents with at least one statement, whose Allow statements name exact actions (no \"*\", \"*:*\", \"iam:*\" or \"s3:Get*\" wildcards) and resources (no Resource \"*\", no wildcard service such as \"arn:aws:*:*:*:*\", no resource part of only \"*\" such as \"arn:aws:s3:::*\"), without NotAction or NotResource; grant what the functions need, on what they need it."
  }
}

variable "log_retention_in_days" {
  description = "Retention of every log group of the module (functions, API access and execution logs, state machine), seed R3.4-b: 30 days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a value CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "kms_key_arn" {
  description = "KMS key for the log groups (R4.4-d) and the state machine's data. null (default) creates a customer key with rotation whose policy lets CloudWatch Logs use it only for this module's log groups."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/[0-9a-f-]+$", coalesce(var.kms_key_arn, "x")))
    error_message = "kms_key_arn must be a KMS key ARN (\"arn:aws:kms:<region>:<account>:key/<id>\") or null to create one."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before the created KMS key is deleted after a destroy (7-30 days)."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30 && floor(var.kms_key_deletion_window_in_days) == var.kms_key_deletion_window_in_days
    error_message = "kms_key_deletion_window_in_days must be a whole number from 7 to 30 (the KMS limits)."
  }
}

variable "api" {
  description = <<-EOT
    The API Gateway REST API (REST, not HTTP: X-Ray tracing works only on REST APIs, seed R3.3-b).
    enabled: false builds no API.
    function: key in functions (kind "api") that serves every route through its live alias (Lambda proxy integration).
    stage_name: the stage the deployment is published to.
    endpoint_type: "REGIONAL" (default; put CloudFront or a custom domain in front) or "EDGE" or "PRIVATE".
    throttling_rate_limit / throttling_burst_limit: requests per second and burst for every method (seed R6.2-a: 100 req/s).
    logging_level: execution logging, "ERROR" (default) or "INFO"; "OFF" is refused.
    data_trace_enabled: logs full requests and responses; off by default (personal data, R8.1).
    metrics_enabled: detailed CloudWatch metrics per method.
    health_path: the unauthenticated health route (seed R6.3-d), served by the same function.
    base_path: one path segment the routes live under, e.g. "api" (routes /api, /api/{proxy+}, /api/health), so that modules/edge can serve the API under /api/* of the site's origin; null (default) puts them at the root of the stage.
    manage_account_cloudwatch_role: API Gateway writes execution and access logs with a role set once per account and region (aws_api_gateway_account), shared by every API there. false (default): apply modules/apigateway-account once per account and region instead. true manages it here (through that module, with a role that can write any API's logs): only for a stack that owns the account setting.
    authorizer: null (default) leaves the routes to the function, which authenticates its own requests (JWT, seed R1.4-b). Otherwise every route but the health check goes through it:
      type: "TOKEN" or "REQUEST" (a Lambda authorizer: function names a key of functions of kind "authorizer", called through its live alias), "COGNITO_USER_POOLS" (cognito_user_pool_arns, optional authorization_scopes) or "AWS_IAM" (SigV4-signed callers).
      identity_source: where the token is, default "method.request.header.Authorization".
      identity_validation_expression: TOKEN only: a regular expression the token must match before the authorizer runs, e.g. "^Bearer [-0-9A-Za-z._~+/]+=*$".
      result_ttl_in_seconds: how long a Lambda authorizer's answer is cached (0-3600, default 300).
    web_acl: the module's own regional WAFv2 web ACL on the stage. enabled creates it (also implied by api_origin_verify_secret) with the AWS managed rule groups managed_rule_groups (default the core rule set and known bad inputs, which covers Log4j). Per-client rate limits belong on CloudFront's web ACL (modules/edge web_acl_arn), which sees the viewers' addresses.
    web_acl_arn: a regional WAFv2 web ACL of your own to associate with the stage instead (a stage takes one).
    origin_verify_header: name of the header CloudFront adds to its requests with api_origin_verify_secret (default "x-origin-verify"); modules/edge api_origin.verify_header must match.
  EOT
  type = object({
    enabled                        = optional(bool, true)
    function                       = optional(string, "api")
    stage_name                     = optional(string, "live")
    endpoint_type                  = optional(string, "REGIONAL")
    throttling_rate_limit          = optional(number, 100)
    throttling_burst_limit         = optional(number, 200)
    logging_level                  = optional(string, "ERROR")
    data_trace_enabled             = optional(bool, false)
    metrics_enabled                = optional(bool, true)
    health_path                    = optional(string, "health")
    base_path                      = optional(string)
    manage_account_cloudwatch_role = optional(bool, false)
    authorizer = optional(object({
      type                           = string
      function                       = optional(string)
      cognito_user_pool_arns         = optional(list(string), [])
      authorization_scopes           = optional(list(string), [])
      identity_source                = optional(string, "method.request.header.Authorization")
      identity_validation_expression = optional(string)
      result_ttl_in_seconds          = optional(number, 300)
    }))
    web_acl = optional(object({
      enabled             = optional(bool, false)
      managed_rule_groups = optional(list(string), ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"])
    }), {})
    web_acl_arn          = optional(string)
    origin_verify_header = optional(string, "x-origin-verify")
  })
  default  = {}
  nullable = false

  validation {
    condition     = !var.api.enabled || try(var.functions[var.api.function].kind == "api", false)
    error_message = "api.function must name a function of kind \"api\" in functions (default \"api\"), or set api.enabled = false."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,128}$", var.api.stage_name))
    error_message = "api.stage_name must be 1-128 letters, digits, underscores and hyphens, e.g. \"live\"."
  }

  validation {
    condition     = contains(["REGIONAL", "EDGE", "PRIVATE"], var.api.endpoint_type)
    error_message = "api.endpoint_type must be \"REGIONAL\", \"EDGE\" or \"PRIVATE\"."
  }

  validation {
    condition     = var.api.throttling_rate_limit > 0 && var.api.throttling_burst_limit >= 1 && floor(var.api.throttling_burst_limit) == var.api.throttling_burst_limit && var.api.throttling_burst_limit >= var.api.throttling_rate_limit
    error_message = "api.throttling_rate_limit must be above 0 (seed: 100 req/s) and api.throttling_burst_limit a whole number at least as large as the rate (default 200)."
  }

  validation {
    condition     = contains(["ERROR", "INFO"], var.api.logging_level)
    error_message = "api.logging_level must be \"ERROR\" or \"INFO\": execution logging stays on (seed R3.4-a, R8.1-b)."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+$", var.api.health_path))
    error_message = "api.health_path must be one path segment without slashes, e.g. \"health\"."
  }

  validation {
    condition     = var.api.web_acl_arn == null || can(regex("^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\\d{12}:regional/webacl/.+$", coalesce(var.api.web_acl_arn, "x")))
    error_message = "api.web_acl_arn must be a regional WAFv2 web ACL ARN (\"arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>\") or null."
  }

  validation {
    condition     = !(var.api.web_acl.enabled && var.api.web_acl_arn != null)
    error_message = "api.web_acl.enabled and api.web_acl_arn exclude each other: a stage takes one web ACL. Let the module create it, or give your own."
  }

  validation {
    condition     = length(var.api.web_acl.managed_rule_groups) <= 10 && alltrue([for g in var.api.web_acl.managed_rule_groups : can(regex("^AWSManagedRules[A-Za-z0-9]+$", g))]) && length(distinct(var.api.web_acl.managed_rule_groups)) == length(var.api.web_acl.managed_rule_groups)
    error_message = "api.web_acl.managed_rule_groups must list at most 10 distinct AWS managed rule group names, e.g. \"AWSManagedRulesCommonRuleSet\" or \"AWSManagedRulesKnownBadInputsRuleSet\"."
  }

  validation {
    condition     = var.api.base_path == null || can(regex("^[A-Za-z0-9._-]+$", coalesce(var.api.base_path, "x")))
    error_message = "api.base_path must be one path segment without slashes, e.g. \"api\" (routes under /api), or null for the root of the stage."
  }

  validation {
    condition     = var.api.base_path == null || var.api.base_path != var.api.health_path
    error_message = "api.base_path and api.health_path must differ: the health route is /<base_path>/<health_path>."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9-]{1,64}$", var.api.origin_verify_header)) && !contains(["host", "authorization", "x-forwarded-for", "via"], lower(var.api.origin_verify_header))
    error_message = "api.origin_verify_header must be a header name of letters, digits and hyphens (e.g. \"x-origin-verify\"), and not one the viewer or CloudFront already sends (Host, Authorization, X-Forwarded-For, Via)."
  }

  validation {
    condition     = var.api.authorizer == null || contains(["TOKEN", "REQUEST", "COGNITO_USER_POOLS", "AWS_IAM"], try(var.api.authorizer.type, ""))
    error_message = "api.authorizer.type must be \"TOKEN\" or \"REQUEST\" (Lambda authorizer), \"COGNITO_USER_POOLS\" or \"AWS_IAM\"; or set api.authorizer = null to let the function authenticate."
  }

  validation {
    condition     = var.api.authorizer == null || !contains(["TOKEN", "REQUEST"], try(var.api.authorizer.type, "")) || try(var.functions[var.api.authorizer.function].kind == "authorizer", false)
    error_message = "api.authorizer.function must name a function of kind \"authorizer\" in functions for a TOKEN or REQUEST authorizer, e.g. functions = { authorizer = { kind = \"authorizer\" } } and api.authorizer = { type = \"TOKEN\", function = \"authorizer\" }."
  }

  validation {
    condition     = var.api.authorizer == null || try(var.api.authorizer.type, "") != "COGNITO_USER_POOLS" || (length(try(var.api.authorizer.cognito_user_pool_arns, [])) > 0 && alltrue([for a in try(var.api.authorizer.cognito_user_pool_arns, []) : can(regex("^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\\d{12}:userpool/[a-z0-9-]+_[A-Za-z0-9]+$", a))]))
    error_message = "api.authorizer.cognito_user_pool_arns must list at least one Cognito user pool ARN (\"arn:aws:cognito-idp:<region>:<account>:userpool/<region>_<id>\") for a COGNITO_USER_POOLS authorizer."
  }

  validation {
    condition     = var.api.authorizer == null || (can(regex("^(method\\.request\\.(header|querystring)\\.[A-Za-z0-9_-]+|context\\.[A-Za-z0-9_.]+|stageVariables\\.[A-Za-z0-9_]+)(, ?(method\\.request\\.(header|querystring)\\.[A-Za-z0-9_-]+|context\\.[A-Za-z0-9_.]+|stageVariables\\.[A-Za-z0-9_]+))*$", try(var.api.authorizer.identity_source, ""))) && try(var.api.authorizer.result_ttl_in_seconds >= 0 && var.api.authorizer.result_ttl_in_seconds <= 3600 && floor(var.api.authorizer.result_ttl_in_seconds) == var.api.authorizer.result_ttl_in_seconds, false))
    error_message = "api.authorizer.identity_source must be API Gateway identity sources such as \"method.request.header.Authorization\" (comma-separated for REQUEST), and result_ttl_in_seconds a whole number from 0 to 3600."
  }

  validation {
    condition     = var.api.authorizer == null || try(var.api.authorizer.identity_validation_expression, null) == null || try(var.api.authorizer.type, "") == "TOKEN"
    error_message = "api.authorizer.identity_validation_expression applies to TOKEN authorizers only; remove it or use type = \"TOKEN\"."
  }
}

variable "api_origin_verify_secret" {
  description = "Secret value of the header (api.origin_verify_header) that CloudFront adds to every request it sends to the API (modules/edge api_origin_verify_secret, the same value). When set, the module's web ACL blocks requests to the stage without it, so the execute-api URL answers only through CloudFront; the health route stays open for the deploy checks. 32-128 letters, digits, '-' and '_'. It is stored in state (the web ACL's rule and the distribution's origin need it in clear text; see README, Reaching the API only through CloudFront): keep the state encrypted and rotate it by changing the value in both modules in one apply."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.api_origin_verify_secret == null || can(regex("^[A-Za-z0-9_-]{32,128}$", coalesce(var.api_origin_verify_secret, "x")))
    error_message = "api_origin_verify_secret must be 32-128 letters, digits, '-' or '_' (e.g. the output of `openssl rand -hex 32`), or null."
  }

  validation {
    condition     = var.api_origin_verify_secret == null || var.api.web_acl_arn == null
    error_message = "api_origin_verify_secret needs the module's own web ACL, which enforces the header; with api.web_acl_arn add that rule to your web ACL and leave api_origin_verify_secret null."
  }
}

variable "role_use_name_prefix" {
  description = "Create every IAM role with a name prefix and a unique suffix (IAM names are global to the account, across regions, so two regions or stacks never collide); the full intended name is in the role's Name tag. false names them exactly \"<name>-<function>-lambda\" and \"<name>-<state machine>-states\"."
  type        = bool
  default     = true
  nullable    = false
}

variable "role_permissions_boundary" {
  description = "ARN of a permissions boundary for every IAM role of the module, where the organisation requires one."
  type        = string
  default     = null

  validation {
    condition     = var.role_permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/.+$", coalesce(var.role_permissions_boundary, "x")))
    error_message = "role_permissions_boundary must be null or an IAM policy ARN (arn:aws:iam::ACCOUNT:policy/NAME)."
  }
}

variable "kms_alias_use_name_prefix" {
  description = "Name the created KMS key's alias with a unique suffix (\"alias/<name>-compute-<suffix>\") instead of exactly \"alias/<name>-compute\", for accounts where several stacks may share a name."
  type        = bool
  default     = false
  nullable    = false
}

variable "state_machine" {
  description = <<-EOT
    The Step Functions state machine (standard workflow) with X-Ray, logging of all events and encryption with the module's key.
    enabled: false builds none.
    name: suffix of "<name>-<suffix>".
    definition: Amazon States Language JSON. null (default) runs every function of kind "task" in turn (sorted by key) through its live alias, with retries on Lambda's transient errors.
    invoke_functions: function keys the state machine may invoke (through their live alias); null means every "task" function.
    include_execution_data: log inputs and outputs too (encrypted with the module's key); needed to search executions by their data.
    publish: publish a state machine version on every change, like the Lambda releases.
  EOT
  type = object({
    enabled                = optional(bool, true)
    name                   = optional(string, "workflow")
    definition             = optional(string)
    invoke_functions       = optional(list(string))
    include_execution_data = optional(bool, true)
    publish                = optional(bool, true)
  })
  default  = {}
  nullable = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,40}$", var.state_machine.name))
    error_message = "state_machine.name must be 1-40 letters, digits, underscores and hyphens."
  }

  validation {
    condition     = var.state_machine.definition == null || try(can(jsondecode(var.state_machine.definition).States) && can(jsondecode(var.state_machine.definition).StartAt), false)
    error_message = "state_machine.definition must be Amazon States Language JSON with StartAt and States, or null for the default definition."
  }

  validation {
    condition     = var.state_machine.invoke_functions == null || alltrue([for f in coalesce(var.state_machine.invoke_functions, []) : contains(keys(var.functions), f)])
    error_message = "state_machine.invoke_functions must name keys of functions."
  }

  validation {
    condition     = !var.state_machine.enabled || var.state_machine.definition != null || length([for f in values(var.functions) : f if f.kind == "task"]) > 0
    error_message = "state_machine needs a definition or at least one function of kind \"task\" for the default definition; or set state_machine.enabled = false."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}
