data "aws_region" "current" {}

locals {
  region = data.aws_region.current.id

  # The metrics the metric filters publish (R3.4-e, R3.2-c).
  metric_namespace            = "Opsdeck/${var.name}"
  db_connection_errors_metric = "DatabaseConnectionErrors"
  error_lines_metric          = { for k in keys(var.functions) : k => "ErrorLines-${k}" }
  function_log_group_names    = sort(distinct([for f in values(var.functions) : f.log_group_name]))
  api_log_group_names         = var.api == null ? [] : compact([var.api.access_log_group_name])
  has_functions               = length(var.functions) > 0
  api_stage_service           = var.api == null ? null : "${var.api.name}/${var.api.stage_name}"
  cloudfront_widget_region    = "us-east-1"
  anomaly_topic_arn           = coalesce(var.cost.anomaly_topic_arn, var.alarm_topic_arn)
  documented_max_connections  = [[1, 189], [4, 823], [8, 1669], [16, 3360], [32, 5000]]
  estimated_max_connections   = var.database == null ? null : max([for row in local.documented_max_connections : row[0] <= var.database.max_capacity ? row[1] : 0]...)
  max_connections             = var.database == null ? null : coalesce(var.database.max_connections, local.estimated_max_connections)
  connections_alarm_threshold = var.database == null ? null : floor(local.max_connections * var.database.connections_alarm_percent / 100)
  dashboard_name              = var.name
  dashboard_console_url       = "https://${local.region}.console.aws.amazon.com/cloudwatch/home?region=${local.region}#dashboards/dashboard/${local.dashboard_name}"
  runbook                     = { for k, anchor in local.runbook_anchors : k => "${var.runbook_url}#${anchor}" }
  runbook_anchors = {
    api_5xx              = "api-5xx-rate"
    api_latency          = "api-p95-latency"
    lambda               = "lambda-error-rate"
    sfn                  = "step-functions-failure-rate"
    db_connection_errors = "database-connection-errors"
    aurora_connections   = "aurora-connections"
    aurora_capacity      = "aurora-capacity"
    aurora_cpu           = "aurora-cpu"
    cloudfront_5xx       = "cloudfront-5xx"
  }
}

################################################################################
# Dashboard (R3.1-a..f): six metric widgets built only from the inputs
################################################################################

locals {
  api_dims        = var.api == null ? [] : ["ApiName", var.api.name, "Stage", var.api.stage_name]
  function_keys   = sort(keys(var.functions))
  state_machines  = sort(keys(var.state_machine_arns))
  cluster_dims    = var.database == null ? [] : ["DBClusterIdentifier", var.database.cluster_identifier]
  cloudfront_dims = var.cloudfront == null ? [] : ["DistributionId", var.cloudfront.distribution_id, "Region", "Global"]

  # Each widget is keyed by the criterion it shows, so a test (and a reader) can find it.
  # Metric entries are JSON strings here (CloudWatch mixes strings and an options object
  # in one array, which HCL conditionals cannot type); the body decodes them.
  widgets = {
    # R3.1-a: API response time, p50/p95/p99, and the request count on the right axis.
    api_latency = var.api == null ? null : {
      title = "API latency (p50/p95/p99) and requests"
      metrics = concat(
        [for p in ["p50", "p95", "p99"] : jsonencode(concat(["AWS/ApiGateway", "Latency"], local.api_dims, [{ stat = p, label = "Latency ${p}" }]))],
        [jsonencode(concat(["AWS/ApiGateway", "Count"], local.api_dims, [{ stat = "Sum", label = "Requests", yAxis = "right" }]))],
      )
    }
    # R3.1-b: Lambda duration p95 and max, and errors, per function.
    lambda_duration = local.has_functions ? {
      title = "Lambda duration (p95, max) and errors"
      metrics = flatten([for k in local.function_keys : [
        jsonencode(["AWS/Lambda", "Duration", "FunctionName", var.functions[k].function_name, { stat = "p95", label = "${k} p95" }]),
        jsonencode(["AWS/Lambda", "Duration", "FunctionName", var.functions[k].function_name, { stat = "Maximum", label = "${k} max" }]),
        jsonencode(["AWS/Lambda", "Errors", "FunctionName", var.functions[k].function_name, { stat = "Sum", label = "${k} errors", yAxis = "right" }]),
      ]])
    } : null
    # R3.1-c: database connections and Serverless v2 capacity.
    database = var.database == null ? null : {
      title = "Aurora connections and capacity (ACU)"
      metrics = [
        jsonencode(concat(["AWS/RDS", "DatabaseConnections"], local.cluster_dims, [{ stat = "Maximum", label = "Connections (max ${local.max_connections})" }])),
        jsonencode(concat(["AWS/RDS", "ServerlessDatabaseCapacity"], local.cluster_dims, [{ stat = "Maximum", label = "Capacity (max ${var.database.max_capacity} ACU)", yAxis = "right" }])),
      ]
    }
    # R3.1-d: error rates in percent: API 5xx and 4xx, Lambda errors per function.
    error_rates = var.api == null && !local.has_functions ? null : {
      title = "Error rates (%)"
      metrics = concat(
        var.api == null ? [] : [
          jsonencode([{ expression = "100 * FILL(api5, 0) / api_count", label = "API 5xx %", id = "api_5xx_rate" }]),
          jsonencode([{ expression = "100 * FILL(api4, 0) / api_count", label = "API 4xx %", id = "api_4xx_rate" }]),
          jsonencode(concat(["AWS/ApiGateway", "5XXError"], local.api_dims, [{ stat = "Sum", id = "api5", visible = false }])),
          jsonencode(concat(["AWS/ApiGateway", "4XXError"], local.api_dims, [{ stat = "Sum", id = "api4", visible = false }])),
          jsonencode(concat(["AWS/ApiGateway", "Count"], local.api_dims, [{ stat = "Sum", id = "api_count", visible = false }])),
        ],
        flatten([for i, k in local.function_keys : [
          jsonencode([{ expression = "100 * FILL(fe${i}, 0) / fi${i}", label = "Lambda ${k} error %", id = "fn_rate${i}" }]),
          jsonencode(["AWS/Lambda", "Errors", "FunctionName", var.functions[k].function_name, { stat = "Sum", id = "fe${i}", visible = false }]),
          jsonencode(["AWS/Lambda", "Invocations", "FunctionName", var.functions[k].function_name, { stat = "Sum", id = "fi${i}", visible = false }]),
        ]]),
      )
    }
    # R3.1-e: CloudFront requests and 5xx rate; CloudFront publishes them in us-east-1.
    cloudfront = var.cloudfront == null ? null : {
      title  = "CloudFront requests and 5xx rate"
      region = local.cloudfront_widget_region
      metrics = [
        jsonencode(concat(["AWS/CloudFront", "Requests"], local.cloudfront_dims, [{ stat = "Sum", label = "Requests" }])),
        jsonencode(concat(["AWS/CloudFront", "5xxErrorRate"], local.cloudfront_dims, [{ stat = "Average", label = "5xx rate (%)", yAxis = "right" }])),
      ]
    }
    # R3.1-f: Step Functions executions started/succeeded/failed/timed out.
    step_functions = length(local.state_machines) == 0 ? null : {
      title = "Step Functions executions"
      metrics = flatten([for k in local.state_machines : [
        for m in ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"] :
        jsonencode(["AWS/States", m, "StateMachineArn", var.state_machine_arns[k], { stat = "Sum", label = "${k} ${trimprefix(m, "Executions")}" }])
      ]])
    }
  }
  widget_order = ["api_latency", "lambda_duration", "database", "error_rates", "cloudfront", "step_functions"]
  present      = [for k in local.widget_order : k if local.widgets[k] != null]

  dashboard_body = jsonencode({
    widgets = concat(
      [{
        type   = "text"
        x      = 0
        y      = 0
        width  = 24
        height = 2
        properties = {
          markdown = "# ${var.name}\nAlarms: ${join(", ", [for s in local.alarm_sets : s.name])}. What to do when one fires: [alert response](${var.runbook_url}). Traces: X-Ray trace map and groups `${var.name}-faults`, `${var.name}-slow`. Saved Logs Insights queries: folder `${var.name}/`."
        }
      }],
      [for i, k in local.present : {
        type   = "metric"
        x      = (i % 2) * 12
        y      = 2 + floor(i / 2) * 6
        width  = 12
        height = 6
        properties = {
          title   = local.widgets[k].title
          view    = "timeSeries"
          stacked = false
          region  = try(local.widgets[k].region, local.region)
          period  = 60
          metrics = [for m in local.widgets[k].metrics : jsondecode(m)]
        }
      }],
    )
  })
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = local.dashboard_name
  dashboard_body = local.dashboard_body
}

################################################################################
# Alarms (R3.2, P3, P4): only opsdeck_alarm_set, one composite per set, to Slack
################################################################################

locals {
  app_alarms = merge(
    var.api == null ? {} : {
      # R3.2-a: API error rate > 5 %.
      api_5xx = { preset = "api_5xx_rate", dimension = var.api.name, threshold = var.alarms.api_5xx_percent, severity = "critical", runbook_url = local.runbook.api_5xx }
      # R6.1-a: p95 < 2 s.
      api_latency = { preset = "api_p95_latency", dimension = var.api.name, threshold = var.alarms.api_p95_latency_ms, severity = "medium", runbook_url = local.runbook.api_latency }
    },
    # R3.2-b: Lambda error rate > 5 %, per function.
    { for k, f in var.functions : "lambda-${k}" => { preset = "lambda_error_rate", dimension = f.function_name, threshold = var.alarms.lambda_error_percent, severity = "high", runbook_url = local.runbook.lambda } },
    # R3.2-e: Step Functions failure rate > 10 %, per state machine.
    { for k, arn in var.state_machine_arns : "sfn-${k}" => { preset = "sfn_failure_rate", dimension = arn, threshold = var.alarms.sfn_failure_percent, severity = "high", runbook_url = local.runbook.sfn } },
    # R3.2-c: any database connection error, counted by the metric filters below.
    local.has_functions ? {
      db_connection_errors = { preset = "db_connection_errors", dimension = "${local.metric_namespace}/${local.db_connection_errors_metric}", threshold = 0, severity = "critical", runbook_url = local.runbook.db_connection_errors }
    } : {},
    var.database == null ? {} : {
      aurora_connections = { preset = "aurora_connections", dimension = var.database.cluster_identifier, threshold = local.connections_alarm_threshold, severity = "high", runbook_url = local.runbook.aurora_connections }
      aurora_capacity    = { preset = "aurora_capacity", dimension = var.database.cluster_identifier, threshold = var.database.max_capacity, severity = "medium", runbook_url = local.runbook.aurora_capacity }
      aurora_cpu         = { preset = "aurora_cpu", dimension = var.database.cluster_identifier, threshold = var.alarms.aurora_cpu_percent, severity = "medium", runbook_url = local.runbook.aurora_cpu }
    },
  )

  alarm_sets = concat(
    length(local.app_alarms) == 0 ? [] : [{ name = "${var.name}-app", region = local.region }],
    var.cloudfront == null ? [] : [{ name = "${var.name}-edge", region = "us-east-1" }],
  )
}

resource "opsdeck_alarm_set" "app" {
  count = length(local.app_alarms) == 0 ? 0 : 1

  name                  = "${var.name}-app"
  description           = "${var.name}: the application (API, functions, workflows, database)"
  alarms                = local.app_alarms
  alarm_actions         = [var.alarm_topic_arn]
  ok_actions            = [var.alarm_topic_arn]
  max_detection_seconds = var.alarms.max_detection_seconds
  tags                  = var.tags

  # The metric filters publish what db_connection_errors watches.
  depends_on = [aws_cloudwatch_log_metric_filter.db_connection_errors]
}

# R3.2-d: any CloudFront 5xx. CloudFront's metrics, their alarms and the topic they
# notify live in us-east-1, and a composite cannot reference alarms of another region:
# a set of its own.
resource "opsdeck_alarm_set" "edge" {
  count = var.cloudfront == null ? 0 : 1

  name        = "${var.name}-edge"
  region      = "us-east-1"
  description = "${var.name}: the CloudFront distribution"
  alarms = {
    cloudfront_5xx = { preset = "cloudfront_5xx_rate", dimension = var.cloudfront.distribution_id, threshold = 0, severity = "critical", runbook_url = local.runbook.cloudfront_5xx }
  }
  alarm_actions         = [var.alarm_topic_arn_us_east_1]
  ok_actions            = [var.alarm_topic_arn_us_east_1]
  max_detection_seconds = var.alarms.max_detection_seconds
  tags                  = var.tags

  lifecycle {
    precondition {
      condition     = var.alarm_topic_arn_us_east_1 != null
      error_message = "cloudfront is set but alarm_topic_arn_us_east_1 is null: CloudFront alarms live in us-east-1 and need a topic there (an opsdeck_slack_alarm_topic created with the us-east-1 provider)."
    }
  }
}

################################################################################
# Logs (R3.4-d/e): metric filters and saved Logs Insights queries
################################################################################

# R3.4-e: every ERROR line of a function's JSON logs counted, per function.
resource "aws_cloudwatch_log_metric_filter" "errors" {
  for_each = var.functions

  name           = "${var.name}-${each.key}-errors"
  log_group_name = each.value.log_group_name
  pattern        = var.logs.error_pattern

  metric_transformation {
    namespace = local.metric_namespace
    name      = local.error_lines_metric[each.key]
    value     = "1"
    unit      = "Count"
  }
}

# R3.2-c: database connection errors of every function, into one metric.
resource "aws_cloudwatch_log_metric_filter" "db_connection_errors" {
  for_each = var.functions

  name           = "${var.name}-${each.key}-db-connection-errors"
  log_group_name = each.value.log_group_name
  pattern        = var.logs.db_connection_error_pattern

  metric_transformation {
    namespace = local.metric_namespace
    name      = local.db_connection_errors_metric
    value     = "1"
    unit      = "Count"
  }
}

locals {
  # R3.4-d: the searches an operator needs first (docs/runbooks/operations.md).
  # Lambda's JSON log format: application lines carry level/message/requestId; the
  # platform's report line is type "platform.report" with record.metrics.
  queries = local.has_functions ? {
    errors-by-function = {
      log_groups = local.function_log_group_names
      query      = <<-EOT
        fields @timestamp, @log, level, message, requestId
        | filter level = "ERROR" or level = "FATAL"
        | stats count(*) as errors by @log
        | sort errors desc
      EOT
    }
    slowest-requests = {
      log_groups = local.function_log_group_names
      query      = <<-EOT
        fields @timestamp, @log, record.requestId, record.metrics.durationMs, record.metrics.maxMemoryUsedMB
        | filter type = "platform.report"
        | sort record.metrics.durationMs desc
        | limit 50
      EOT
    }
    cold-starts = {
      log_groups = local.function_log_group_names
      query      = <<-EOT
        filter type = "platform.report" and ispresent(record.metrics.initDurationMs)
        | stats count(*) as cold_starts, avg(record.metrics.initDurationMs) as avg_init_ms, max(record.metrics.initDurationMs) as max_init_ms by @log, bin(1h)
      EOT
    }
    request-by-id = {
      log_groups = concat(local.function_log_group_names, local.api_log_group_names)
      query      = <<-EOT
        fields @timestamp, @log, level, type, message
        | filter requestId = "REPLACE_WITH_REQUEST_ID" or record.requestId = "REPLACE_WITH_REQUEST_ID" or @requestId = "REPLACE_WITH_REQUEST_ID"
        | sort @timestamp asc
      EOT
    }
  } : {}
}

resource "aws_cloudwatch_query_definition" "this" {
  for_each = local.queries

  name            = "${var.name}/${each.key}"
  log_group_names = each.value.log_groups
  query_string    = each.value.query
}

################################################################################
# X-Ray (R3.3): sampling, and groups with Insights for faults/errors and slow calls
################################################################################

locals {
  fault_filter   = "fault = true OR error = true"
  latency_filter = "responsetime > ${var.xray.latency_threshold_seconds}"
  # Scoped to the API stage's service when there is one; the trace map shows the rest.
  xray_groups = var.xray.enabled ? {
    faults = local.api_stage_service == null ? local.fault_filter : "service(\"${local.api_stage_service}\") { ${local.fault_filter} }"
    slow   = local.api_stage_service == null ? local.latency_filter : "service(\"${local.api_stage_service}\") { ${local.latency_filter} }"
  } : {}
}

resource "aws_xray_sampling_rule" "this" {
  count = var.xray.enabled ? 1 : 0

  rule_name      = var.name
  priority       = 1000
  version        = 1
  reservoir_size = var.xray.reservoir_size
  fixed_rate     = var.xray.fixed_rate
  service_name   = coalesce(local.api_stage_service, "*")
  service_type   = "*"
  host           = "*"
  http_method    = "*"
  url_path       = "*"
  resource_arn   = "*"
  tags           = var.tags
}

resource "aws_xray_group" "this" {
  for_each = local.xray_groups

  group_name        = "${var.name}-${each.key}"
  filter_expression = each.value

  insights_configuration {
    insights_enabled      = var.xray.insights_enabled
    notifications_enabled = var.xray.notifications_enabled
  }

  tags = var.tags
}

################################################################################
# Cost (R7.2-b/c/d): the USD 100 budget ladder and Cost Anomaly Detection
################################################################################

# R7.2-b: 50/80/100 % actual and 100 % forecast of the monthly limit, to the topic.
resource "opsdeck_cost_budget" "monthly" {
  count = var.cost.enabled ? 1 : 0

  name         = "${var.name}-monthly"
  limit_usd    = var.cost.monthly_budget_usd
  topic_arn    = var.alarm_topic_arn
  cost_filters = length(var.cost.budget_cost_filters) == 0 ? null : var.cost.budget_cost_filters
  tags         = var.tags
}

# R7.2-c: anomalies in the costs carrying the environment's cost allocation tag
# (R7.2-d), or in the account's costs by service when no tag is given.
resource "aws_ce_anomaly_monitor" "this" {
  count = var.cost.enabled ? 1 : 0

  name              = "${var.name}-costs"
  monitor_type      = length(var.cost.anomaly_monitor_tags) == 0 ? "DIMENSIONAL" : "CUSTOM"
  monitor_dimension = length(var.cost.anomaly_monitor_tags) == 0 ? "SERVICE" : null
  monitor_specification = length(var.cost.anomaly_monitor_tags) == 0 ? null : jsonencode({
    And            = null
    CostCategories = null
    Dimensions     = null
    Not            = null
    Or             = null
    Tags = {
      Key          = one(keys(var.cost.anomaly_monitor_tags))
      MatchOptions = null
      Values       = [one(values(var.cost.anomaly_monitor_tags))]
    }
  })
  tags = var.tags
}

# SNS subscribers need IMMEDIATE notifications (AWS refuses DAILY or WEEKLY for them).
resource "aws_ce_anomaly_subscription" "this" {
  count = var.cost.enabled ? 1 : 0

  name             = "${var.name}-cost-anomalies"
  frequency        = "IMMEDIATE"
  monitor_arn_list = [aws_ce_anomaly_monitor.this[0].arn]

  subscriber {
    type    = "SNS"
    address = local.anomaly_topic_arn
  }

  threshold_expression {
    dimension {
      key           = "ANOMALY_TOTAL_IMPACT_ABSOLUTE"
      match_options = ["GREATER_THAN_OR_EQUAL"]
      values        = [tostring(var.cost.anomaly_threshold_usd)]
    }
  }

  tags = var.tags
}
