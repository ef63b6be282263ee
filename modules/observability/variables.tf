variable "name" {
  description = "Name prefix of everything the module creates: dashboard, alarm sets (<name>-app, <name>-edge), metric namespace Opsdeck/<name>, saved queries (folder <name>/), X-Ray rule and groups, budget, anomaly monitor. 1-25 lowercase letters, digits and single hyphens, starting with a letter (X-Ray group names are capped at 32 characters). Required: two stacks of one account must not share it."
  type        = string
  default     = null

  validation {
    # No default on purpose: two instances on one default name would fight
    # over the same dashboard, alarm sets, X-Ray groups and budget.
    condition     = var.name != null
    error_message = "name is required: it prefixes the dashboard, alarm sets, metric namespace, saved queries, X-Ray groups and budget, e.g. \"opsdeck-prod\"."
  }

  validation {
    # 25 keeps the X-Ray group "<name>-faults" inside X-Ray's 32 characters.
    condition     = var.name == null || (can(regex("^[a-z][a-z0-9-]{0,24}$", coalesce(var.name, "x"))) && !endswith(coalesce(var.name, "x"), "-") && !strcontains(coalesce(var.name, "x"), "--"))
    error_message = "name must be 1-25 characters of lowercase letters, digits and single hyphens, start with a letter and not end with a hyphen (the X-Ray group \"<name>-faults\" is capped at 32), e.g. \"opsdeck-prod\"."
  }
}

variable "api" {
  description = "The REST API to watch (modules/compute outputs): name (the ApiName dimension), stage_name (the Stage dimension) and access_log_group_name (searched by the request-id query, optional). null: no API widgets or alarms."
  type = object({
    name                  = string
    stage_name            = string
    access_log_group_name = optional(string)
  })
  default = null

  validation {
    condition     = var.api == null || try(length(var.api.name) > 0 && can(regex("^[A-Za-z0-9_-]{1,128}$", var.api.stage_name)), false)
    error_message = "api.name must be the REST API's name (not empty) and api.stage_name a stage name of 1-128 letters, digits, underscores and hyphens, e.g. { name = \"opsdeck-prod\", stage_name = \"live\" }."
  }
}

variable "functions" {
  description = "Lambda functions to watch, by a short key (modules/compute: function_names and function_log_group_names): function_name is the FunctionName dimension, log_group_name the group its JSON logs go to (metric filters and saved queries read it)."
  type = map(object({
    function_name  = string
    log_group_name = string
  }))
  default  = {}
  nullable = false

  validation {
    # The key becomes part of alarm keys and metric names.
    condition     = alltrue([for k in keys(var.functions) : can(regex("^[a-z][a-z0-9-]{0,23}$", k))])
    error_message = "functions keys must be 1-24 lowercase letters, digits and hyphens starting with a letter (they name alarms and metrics), e.g. \"api\"."
  }

  validation {
    condition     = alltrue([for f in values(var.functions) : can(regex("^[A-Za-z0-9_-]{1,64}$", f.function_name)) && can(regex("^[A-Za-z0-9_/.#-]{1,512}$", f.log_group_name))])
    error_message = "functions[*].function_name must be a Lambda function name (1-64 letters, digits, hyphens, underscores; not an ARN) and log_group_name a CloudWatch Logs group name such as \"/aws/lambda/opsdeck-prod-api\"."
  }
}

variable "database" {
  description = <<-EOT
    The Aurora Serverless v2 cluster to watch (modules/database: db_cluster_id). null: no database widgets or alarms.
    max_capacity: the cluster's maximum ACU (seed R1.1-b: 2); the capacity alarm fires at it.
    max_connections: the cluster's max_connections (SHOW max_connections). null takes AWS's documented Aurora PostgreSQL Serverless v2 figure for the largest documented maximum ACU at or below max_capacity (189 at 1 ACU, 823 at 4, 1669 at 8, 3360 at 16, 5000 from 32): low rather than high, so the alarm fires early rather than late.
    connections_alarm_percent: the connections alarm fires above this share of max_connections.
  EOT
  type = object({
    cluster_identifier        = string
    max_capacity              = optional(number, 2)
    max_connections           = optional(number)
    connections_alarm_percent = optional(number, 80)
  })
  default = null

  validation {
    condition     = var.database == null || try(can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,62}$", var.database.cluster_identifier)), false)
    error_message = "database.cluster_identifier must be an Aurora cluster identifier (1-63 letters, digits and hyphens, starting with a letter), not an ARN."
  }

  validation {
    condition     = var.database == null || try(var.database.max_capacity >= 1 && var.database.max_capacity <= 256 && var.database.max_capacity * 2 == floor(var.database.max_capacity * 2), false)
    error_message = "database.max_capacity must be the cluster's maximum ACU: 1 to 256 in steps of 0.5 (seed: 2)."
  }

  validation {
    condition     = var.database == null || try(var.database.max_connections == null, false) || try(var.database.max_connections >= 1 && floor(var.database.max_connections) == var.database.max_connections, false)
    error_message = "database.max_connections must be null (estimated from max_capacity) or the cluster's max_connections, a whole number of at least 1."
  }

  validation {
    condition     = var.database == null || try(var.database.connections_alarm_percent > 0 && var.database.connections_alarm_percent < 100, false)
    error_message = "database.connections_alarm_percent must be above 0 and below 100 (default 80)."
  }
}

variable "cloudfront" {
  description = "The CloudFront distribution to watch (modules/edge: distribution_id). Its metrics live in us-east-1: the dashboard widget reads them there, and its alarms form a set of their own in us-east-1 that notifies alarm_topic_arn_us_east_1. null: no CloudFront widget or alarm."
  type = object({
    distribution_id = string
  })
  default = null

  validation {
    condition     = var.cloudfront == null || try(can(regex("^[A-Z0-9]{1,32}$", var.cloudfront.distribution_id)), false)
    error_message = "cloudfront.distribution_id must be a CloudFront distribution id such as \"E2QWRUHAPOMQZL\" (upper-case letters and digits), not a domain name or an ARN."
  }
}

variable "state_machine_arns" {
  description = "Step Functions state machines to watch, by a short key (modules/compute: state_machine_arn)."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k, v in var.state_machine_arns : can(regex("^[a-z][a-z0-9-]{0,23}$", k)) && can(regex("^arn:aws[a-z-]*:states:[a-z0-9-]+:\\d{12}:stateMachine:[A-Za-z0-9_-]+$", v))])
    error_message = "state_machine_arns must map keys of 1-24 lowercase letters, digits and hyphens to state machine ARNs (\"arn:aws:states:<region>:<account>:stateMachine:<name>\"), not version or alias ARNs."
  }
}

variable "alarm_topic_arn" {
  description = "SNS topic the alarm sets of this region, the budget and (unless cost.anomaly_topic_arn is set) the cost anomaly subscription notify: an opsdeck_slack_alarm_topic, so alarms reach Slack (R3.2-f). Its key must let CloudWatch and Budgets publish (opsdeck_slack_alarm_topic's does)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]{1,256}$", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be an SNS topic ARN in the module's region, e.g. opsdeck_slack_alarm_topic.alarms.arn."
  }
}

variable "alarm_topic_arn_us_east_1" {
  description = "SNS topic in us-east-1 for the CloudFront alarm set (composite alarms cannot reference alarms of another region, and alarms notify topics of their own region). Required with cloudfront."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_topic_arn_us_east_1 == null || can(regex("^arn:aws[a-z-]*:sns:us-east-1:\\d{12}:[A-Za-z0-9_-]{1,256}$", coalesce(var.alarm_topic_arn_us_east_1, "x")))
    error_message = "alarm_topic_arn_us_east_1 must be an SNS topic ARN in us-east-1 (\"arn:aws:sns:us-east-1:<account>:<name>\"): CloudFront alarms live there and can only notify topics of their region."
  }
}

variable "runbook_url" {
  description = "URL of the alert-response runbook (docs/runbooks/operations.md of this repository, as your team reads it). Every alarm links to its own section: runbook_url#<anchor>."
  type        = string
  default     = "https://github.com/opsdeck/opsdeck/blob/main/docs/runbooks/operations.md"

  validation {
    condition     = can(regex("^https?://[^\\s#]+$", var.runbook_url))
    error_message = "runbook_url must be an http(s) URL without spaces and without a #fragment (the module appends each alarm's anchor)."
  }
}

variable "alarms" {
  description = <<-EOT
    Alarm thresholds and timing; the defaults are the seed's (R3.2) and P4's.
    api_5xx_percent: API 5xx rate (R3.2-a, 5). lambda_error_percent: per function (R3.2-b, 5). sfn_failure_percent: per state machine (R3.2-e, 10).
    api_p95_latency_ms: API p95 latency (R6.1-a, 2000). aurora_cpu_percent: 80.
    Database connection errors (R3.2-c) and CloudFront 5xx (R3.2-d) fire on any, by definition.
    max_detection_seconds: the worst-case detection time every alarm must meet, checked at plan time by opsdeck_alarm_set (P4: 300).
  EOT
  type = object({
    api_5xx_percent       = optional(number, 5)
    lambda_error_percent  = optional(number, 5)
    sfn_failure_percent   = optional(number, 10)
    api_p95_latency_ms    = optional(number, 2000)
    aurora_cpu_percent    = optional(number, 80)
    max_detection_seconds = optional(number, 300)
  })
  default  = {}
  nullable = false

  validation {
    condition = alltrue([for p in [var.alarms.api_5xx_percent, var.alarms.lambda_error_percent, var.alarms.sfn_failure_percent, var.alarms.aurora_cpu_percent] :
    p > 0 && p < 100])
    error_message = "alarms.api_5xx_percent, lambda_error_percent, sfn_failure_percent and aurora_cpu_percent are percentages: above 0 and below 100 (seed: 5, 5, 10, 80)."
  }

  validation {
    condition     = var.alarms.api_p95_latency_ms > 0
    error_message = "alarms.api_p95_latency_ms must be above 0 (seed R6.1-a: 2000)."
  }

  validation {
    condition     = var.alarms.max_detection_seconds >= 60 && var.alarms.max_detection_seconds <= 300
    error_message = "alarms.max_detection_seconds must be from 60 to 300: P4 asks for an alarm within 5 minutes of the fault."
  }
}

variable "logs" {
  description = <<-EOT
    Metric filters on the functions' JSON logs (R3.4-e, R3.2-c).
    error_pattern: counts error lines of each function into Opsdeck/<name> ErrorLines-<key>. Lambda's JSON log format puts the level in $.level.
    db_connection_error_pattern: counts database connection errors of every function into Opsdeck/<name> DatabaseConnectionErrors, which the db_connection_errors alarm watches. The default matches the project's convention ("error_kind": "db_connection") and the usual PostgreSQL client messages.
  EOT
  type = object({
    error_pattern               = optional(string, "{ $.level = \"ERROR\" || $.level = \"FATAL\" }")
    db_connection_error_pattern = optional(string, "{ $.error_kind = \"db_connection\" || $.message = \"*connection refused*\" || $.message = \"*could not connect to server*\" || $.message = \"*remaining connection slots are reserved*\" || $.message = \"*too many connections*\" || $.message = \"*password authentication failed*\" }")
  })
  default  = {}
  nullable = false

  validation {
    # CloudWatch Logs takes up to 1024 characters; JSON patterns are enclosed in braces.
    condition = alltrue([for p in [var.logs.error_pattern, var.logs.db_connection_error_pattern] :
    length(p) <= 1024 && startswith(trimspace(p), "{") && endswith(trimspace(p), "}")])
    error_message = "logs.error_pattern and logs.db_connection_error_pattern must be JSON filter patterns (\"{ $.level = \\\"ERROR\\\" }\") of at most 1024 characters: the functions log JSON (R3.4-c)."
  }
}

variable "xray" {
  description = <<-EOT
    X-Ray (R3.3): a sampling rule for the application, and groups for faults/errors and for slow requests with X-Ray Insights on. The trace map and latency analysis come from the tracing modules/compute turns on.
    fixed_rate: share of requests traced after the reservoir (0-1). reservoir_size: requests per second always traced.
    latency_threshold_seconds: the slow-request group (R6.1-a: 2).
    insights_enabled / notifications_enabled: X-Ray Insights on both groups, and its EventBridge notifications.
  EOT
  type = object({
    enabled                   = optional(bool, true)
    fixed_rate                = optional(number, 0.05)
    reservoir_size            = optional(number, 1)
    latency_threshold_seconds = optional(number, 2)
    insights_enabled          = optional(bool, true)
    notifications_enabled     = optional(bool, true)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.xray.fixed_rate >= 0 && var.xray.fixed_rate <= 1
    error_message = "xray.fixed_rate must be a share from 0 to 1 (0.05 traces 5 % of the requests beyond the reservoir)."
  }

  validation {
    condition     = var.xray.reservoir_size >= 0 && floor(var.xray.reservoir_size) == var.xray.reservoir_size
    error_message = "xray.reservoir_size must be a whole number of requests per second, 0 or more."
  }

  validation {
    condition     = var.xray.latency_threshold_seconds > 0
    error_message = "xray.latency_threshold_seconds must be above 0 (seed R6.1-a: 2)."
  }

  validation {
    condition     = !var.xray.notifications_enabled || var.xray.insights_enabled
    error_message = "xray.notifications_enabled needs xray.insights_enabled = true: X-Ray sends Insights notifications only."
  }
}

variable "cost" {
  description = <<-EOT
    Cost monitoring (R7.2).
    monthly_budget_usd: the opsdeck_cost_budget limit (seed R7.2-b: 100), with its default ladder (50/80/100 % actual, 100 % forecast) to alarm_topic_arn.
    budget_cost_filters: AWS Budgets filters, e.g. { TagKeyValue = ["user:Environment$prod"] } (R7.2-d).
    anomaly_monitor_tags: the Cost Anomaly Detection monitor watches the costs carrying these tags (cost allocation tags, R7.2-d); empty watches the account by service.
    anomaly_threshold_usd: notify anomalies whose total impact is at least this many USD (R7.2-c).
    anomaly_topic_arn: where anomalies go; null uses alarm_topic_arn. Its policy (and key) must let costalerts.amazonaws.com publish.
  EOT
  type = object({
    enabled               = optional(bool, true)
    monthly_budget_usd    = optional(number, 100)
    budget_cost_filters   = optional(map(list(string)), {})
    anomaly_monitor_tags  = optional(map(string), {})
    anomaly_threshold_usd = optional(number, 10)
    anomaly_topic_arn     = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.cost.monthly_budget_usd > 0
    error_message = "cost.monthly_budget_usd must be above 0 (seed R7.2-b: 100)."
  }

  validation {
    condition     = var.cost.anomaly_threshold_usd > 0
    error_message = "cost.anomaly_threshold_usd must be above 0 USD, e.g. 10."
  }

  validation {
    condition     = var.cost.anomaly_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]{1,256}$", coalesce(var.cost.anomaly_topic_arn, "x")))
    error_message = "cost.anomaly_topic_arn must be null (alarm_topic_arn) or an SNS topic ARN."
  }

  validation {
    condition     = length(var.cost.anomaly_monitor_tags) <= 1
    error_message = "cost.anomaly_monitor_tags takes at most one tag (a custom anomaly monitor watches one cost allocation tag), e.g. { Environment = \"prod\" }."
  }
}

variable "tags" {
  description = "Tags for every taggable resource of the module (cost allocation, R7.2-d)."
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
