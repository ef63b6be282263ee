# Plan-level tests of modules/observability (R3.1-a..f, R3.2-a..f, R3.3, R3.4-d/e, R7.2-b/c,
# P3, P4) with mocked providers: no credentials, no emulator. The alarm thresholds are
# asserted by value on the opsdeck_alarm_set arguments; the dashboard on its decoded body.

mock_provider "aws" {
  override_data {
    target = data.aws_region.current
    values = { id = "ap-northeast-1", name = "ap-northeast-1" }
  }
}

mock_provider "opsdeck" {}

variables {
  name = "opsdeck-prod"
  api = {
    name                  = "opsdeck-prod"
    stage_name            = "live"
    access_log_group_name = "/aws/apigateway/opsdeck-prod/access"
  }
  functions = {
    api    = { function_name = "opsdeck-prod-api", log_group_name = "/aws/lambda/opsdeck-prod-api" }
    worker = { function_name = "opsdeck-prod-worker", log_group_name = "/aws/lambda/opsdeck-prod-worker" }
  }
  database           = { cluster_identifier = "opsdeck-prod" }
  cloudfront         = { distribution_id = "E2QWRUHAPOMQZL" }
  state_machine_arns = { workflow = "arn:aws:states:ap-northeast-1:123456789012:stateMachine:opsdeck-prod-workflow" }

  alarm_topic_arn           = "arn:aws:sns:ap-northeast-1:123456789012:opsdeck-prod-alarms"
  alarm_topic_arn_us_east_1 = "arn:aws:sns:us-east-1:123456789012:opsdeck-prod-alarms"

  cost = {
    anomaly_monitor_tags = { Environment = "prod" }
    budget_cost_filters  = { TagKeyValue = ["user:Environment$prod"] }
  }
  tags = { Project = "opsdeck", Environment = "prod" }
}

# Every metric of the dashboard as "<namespace>/<metric>/<dimension pairs>#<stat>",
# and every expression's label, per widget title.
run "dashboard_shows_every_r31_widget_with_its_metrics" {
  command = plan

  # R3.1-a: API latency p50/p95/p99 and count.
  assert {
    condition = alltrue([for s in ["AWS/ApiGateway/Latency/ApiName/opsdeck-prod/Stage/live#p50", "AWS/ApiGateway/Latency/ApiName/opsdeck-prod/Stage/live#p95", "AWS/ApiGateway/Latency/ApiName/opsdeck-prod/Stage/live#p99", "AWS/ApiGateway/Count/ApiName/opsdeck-prod/Stage/live#Sum"] :
      contains(flatten([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : [for m in try(w.properties.metrics, []) : "${join("/", [for x in m : x if can(tostring(x))])}#${try(m[length(m) - 1].stat, "")}"] if try(w.properties.title, "") == "API latency (p50/p95/p99) and requests"]), s)
    ])
    error_message = "R3.1-a: the API latency widget must show Latency p50, p95, p99 and Count of the API's stage."
  }

  # R3.1-b: Lambda duration p95/max and errors, per function.
  assert {
    condition = alltrue(flatten([for f in ["opsdeck-prod-api", "opsdeck-prod-worker"] : [for s in ["Duration/FunctionName/${f}#p95", "Duration/FunctionName/${f}#Maximum", "Errors/FunctionName/${f}#Sum"] :
      contains(flatten([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : [for m in try(w.properties.metrics, []) : "${join("/", [for x in m : x if can(tostring(x))])}#${try(m[length(m) - 1].stat, "")}"] if try(w.properties.title, "") == "Lambda duration (p95, max) and errors"]), "AWS/Lambda/${s}")
    ]]))
    error_message = "R3.1-b: the Lambda widget must show Duration p95 and Maximum and Errors of every function."
  }

  # R3.1-c: database connections and capacity.
  assert {
    condition = alltrue([for s in ["AWS/RDS/DatabaseConnections/DBClusterIdentifier/opsdeck-prod#Maximum", "AWS/RDS/ServerlessDatabaseCapacity/DBClusterIdentifier/opsdeck-prod#Maximum"] :
      contains(flatten([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : [for m in try(w.properties.metrics, []) : "${join("/", [for x in m : x if can(tostring(x))])}#${try(m[length(m) - 1].stat, "")}"] if try(w.properties.title, "") == "Aurora connections and capacity (ACU)"]), s)
    ])
    error_message = "R3.1-c: the database widget must show DatabaseConnections and ServerlessDatabaseCapacity of the cluster."
  }

  # R3.1-d: error rates as expressions over the right metrics.
  assert {
    condition = alltrue([for label in ["API 5xx %", "API 4xx %", "Lambda api error %", "Lambda worker error %"] :
      contains(flatten([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : [for m in try(w.properties.metrics, []) : try(m[0].label, "")] if try(w.properties.title, "") == "Error rates (%)"]), label)
    ])
    error_message = "R3.1-d: the error-rate widget must show API 5xx and 4xx % and each function's error %."
  }
  assert {
    condition = alltrue([for s in ["AWS/ApiGateway/5XXError/ApiName/opsdeck-prod/Stage/live#Sum", "AWS/ApiGateway/4XXError/ApiName/opsdeck-prod/Stage/live#Sum", "AWS/Lambda/Invocations/FunctionName/opsdeck-prod-api#Sum"] :
      contains(flatten([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : [for m in try(w.properties.metrics, []) : "${join("/", [for x in m : x if can(tostring(x))])}#${try(m[length(m) - 1].stat, "")}"] if try(w.properties.title, "") == "Error rates (%)"]), s)
    ])
    error_message = "R3.1-d: the error-rate expressions must read 5XXError, 4XXError and Invocations."
  }

  # R3.1-e: CloudFront requests and 5xx rate, read in us-east-1.
  assert {
    condition = alltrue([for s in ["AWS/CloudFront/Requests/DistributionId/E2QWRUHAPOMQZL/Region/Global#Sum", "AWS/CloudFront/5xxErrorRate/DistributionId/E2QWRUHAPOMQZL/Region/Global#Average"] :
      contains(flatten([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : [for m in try(w.properties.metrics, []) : "${join("/", [for x in m : x if can(tostring(x))])}#${try(m[length(m) - 1].stat, "")}"] if try(w.properties.region, "") == "us-east-1"]), s)
    ])
    error_message = "R3.1-e: a us-east-1 widget must show CloudFront Requests and 5xxErrorRate of the distribution."
  }

  # R3.1-f: Step Functions executions.
  assert {
    condition = alltrue([for m in ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"] :
      contains(flatten([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : [for x in try(w.properties.metrics, []) : "${join("/", [for y in x : y if can(tostring(y))])}#${try(x[length(x) - 1].stat, "")}"] if try(w.properties.title, "") == "Step Functions executions"]), "AWS/States/${m}/StateMachineArn/arn:aws:states:ap-northeast-1:123456789012:stateMachine:opsdeck-prod-workflow#Sum")
    ])
    error_message = "R3.1-f: the Step Functions widget must show started, succeeded, failed and timed-out executions."
  }

  # The six metric widgets and nothing but the inputs' resources.
  assert {
    condition     = length([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w if w.type == "metric"]) == 6
    error_message = "The dashboard must have exactly the six R3.1 metric widgets."
  }
  assert {
    condition     = output.dashboard_url == "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#dashboards/dashboard/opsdeck-prod"
    error_message = "dashboard_url must be the console deep link of the dashboard."
  }
}

run "alarm_thresholds_are_the_seeds" {
  command = plan

  # R3.2-a: API error rate > 5 %.
  assert {
    condition     = opsdeck_alarm_set.app[0].alarms["api_5xx"].preset == "api_5xx_rate" && opsdeck_alarm_set.app[0].alarms["api_5xx"].threshold == 5 && opsdeck_alarm_set.app[0].alarms["api_5xx"].dimension == "opsdeck-prod"
    error_message = "R3.2-a: the API 5xx rate alarm must fire above 5 % of the API's requests."
  }
  # R3.2-b: Lambda error rate > 5 %, per function.
  assert {
    condition = alltrue([for k, f in { api = "opsdeck-prod-api", worker = "opsdeck-prod-worker" } :
      opsdeck_alarm_set.app[0].alarms["lambda-${k}"].preset == "lambda_error_rate" && opsdeck_alarm_set.app[0].alarms["lambda-${k}"].threshold == 5 && opsdeck_alarm_set.app[0].alarms["lambda-${k}"].dimension == f
    ])
    error_message = "R3.2-b: each function must have a Lambda error rate alarm above 5 %."
  }
  # R3.2-c: any database connection error, on the metric the filters publish.
  assert {
    condition     = opsdeck_alarm_set.app[0].alarms["db_connection_errors"].preset == "db_connection_errors" && opsdeck_alarm_set.app[0].alarms["db_connection_errors"].threshold == 0 && opsdeck_alarm_set.app[0].alarms["db_connection_errors"].dimension == "Opsdeck/opsdeck-prod/DatabaseConnectionErrors"
    error_message = "R3.2-c: the database connection error alarm must fire above 0 on Opsdeck/<name>/DatabaseConnectionErrors."
  }
  assert {
    condition = alltrue([for f in aws_cloudwatch_log_metric_filter.db_connection_errors :
      "${f.metric_transformation[0].namespace}/${f.metric_transformation[0].name}" == opsdeck_alarm_set.app[0].alarms["db_connection_errors"].dimension
    ]) && length(aws_cloudwatch_log_metric_filter.db_connection_errors) == 2
    error_message = "R3.2-c: every function's database connection error filter must publish the metric the alarm watches."
  }
  # R3.2-d: any CloudFront 5xx, in us-east-1, to the us-east-1 topic.
  assert {
    condition     = opsdeck_alarm_set.edge[0].alarms["cloudfront_5xx"].preset == "cloudfront_5xx_rate" && opsdeck_alarm_set.edge[0].alarms["cloudfront_5xx"].threshold == 0 && opsdeck_alarm_set.edge[0].region == "us-east-1" && opsdeck_alarm_set.edge[0].alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:opsdeck-prod-alarms"])
    error_message = "R3.2-d: the CloudFront 5xx alarm must fire above 0 % in us-east-1 and notify the us-east-1 topic."
  }
  # R3.2-e: Step Functions failure rate > 10 %.
  assert {
    condition     = opsdeck_alarm_set.app[0].alarms["sfn-workflow"].preset == "sfn_failure_rate" && opsdeck_alarm_set.app[0].alarms["sfn-workflow"].threshold == 10 && opsdeck_alarm_set.app[0].alarms["sfn-workflow"].dimension == "arn:aws:states:ap-northeast-1:123456789012:stateMachine:opsdeck-prod-workflow"
    error_message = "R3.2-e: the Step Functions failure rate alarm must fire above 10 %."
  }
  # R3.2-f: each composite notifies the Slack topic of its region; P4 kept at 300 s.
  assert {
    condition     = opsdeck_alarm_set.app[0].alarm_actions == toset(["arn:aws:sns:ap-northeast-1:123456789012:opsdeck-prod-alarms"]) && opsdeck_alarm_set.app[0].ok_actions == toset(["arn:aws:sns:ap-northeast-1:123456789012:opsdeck-prod-alarms"])
    error_message = "R3.2-f: the application set must notify the Slack topic on ALARM and OK."
  }
  assert {
    condition     = opsdeck_alarm_set.app[0].max_detection_seconds == 300 && opsdeck_alarm_set.edge[0].max_detection_seconds == 300
    error_message = "P4: both sets must keep the plan-time detection bound at 300 s."
  }
  # The Aurora presets: 80 % of 189 connections (estimated for 2 ACU), 2 ACU, 80 % CPU.
  assert {
    condition     = opsdeck_alarm_set.app[0].alarms["aurora_connections"].threshold == 151 && opsdeck_alarm_set.app[0].alarms["aurora_capacity"].threshold == 2 && opsdeck_alarm_set.app[0].alarms["aurora_cpu"].threshold == 80
    error_message = "The Aurora alarms must fire at 80 % of max_connections (151 of 189), at the maximum of 2 ACU and above 80 % CPU."
  }
  # Every alarm links to a section of the runbook that exists.
  assert {
    condition = alltrue([for a in concat(values(opsdeck_alarm_set.app[0].alarms), values(opsdeck_alarm_set.edge[0].alarms)) :
      startswith(a.runbook_url, "https://github.com/opsdeck/opsdeck/blob/main/docs/runbooks/operations.md#") &&
      strcontains(file("../../docs/runbooks/operations.md"), "<a id=\"${split("#", a.runbook_url)[1]}\"></a>")
    ])
    error_message = "Every alarm's runbook_url must point at an anchor that exists in docs/runbooks/operations.md."
  }
  assert {
    condition     = jsonencode(output.alarm_sets) == jsonencode([{ name = "opsdeck-prod-app", region = "ap-northeast-1" }, { name = "opsdeck-prod-edge", region = "us-east-1" }])
    error_message = "alarm_sets must list both sets with their regions (the pipeline's contract)."
  }
}

run "bigger_cluster_takes_the_documented_max_connections" {
  command = plan

  variables {
    database = { cluster_identifier = "opsdeck-prod", max_capacity = 8 }
  }

  assert {
    condition     = opsdeck_alarm_set.app[0].alarms["aurora_connections"].threshold == 1335 && opsdeck_alarm_set.app[0].alarms["aurora_capacity"].threshold == 8
    error_message = "At 8 ACU the connections alarm must fire at 80 % of 1669 (1335) and the capacity alarm at 8."
  }
}

run "logs_count_errors_and_save_the_queries" {
  command = plan

  # R3.4-e: one error-line filter per function on its own log group.
  assert {
    condition = alltrue([for k, g in { api = "/aws/lambda/opsdeck-prod-api", worker = "/aws/lambda/opsdeck-prod-worker" } :
      aws_cloudwatch_log_metric_filter.errors[k].log_group_name == g && strcontains(aws_cloudwatch_log_metric_filter.errors[k].pattern, "$.level = \"ERROR\"") && aws_cloudwatch_log_metric_filter.errors[k].metric_transformation[0].name == "ErrorLines-${k}" && aws_cloudwatch_log_metric_filter.errors[k].metric_transformation[0].namespace == "Opsdeck/opsdeck-prod"
    ])
    error_message = "R3.4-e: each function needs a metric filter counting its JSON ERROR lines into Opsdeck/<name> ErrorLines-<key>."
  }
  # R3.4-d: the four saved queries.
  assert {
    condition     = toset(keys(aws_cloudwatch_query_definition.this)) == toset(["errors-by-function", "slowest-requests", "cold-starts", "request-by-id"])
    error_message = "R3.4-d: the saved queries must be errors by function, slowest requests, cold starts and one request id."
  }
  assert {
    condition     = aws_cloudwatch_query_definition.this["slowest-requests"].name == "opsdeck-prod/slowest-requests" && strcontains(aws_cloudwatch_query_definition.this["slowest-requests"].query_string, "sort record.metrics.durationMs desc")
    error_message = "The slowest-requests query must sort the platform reports by duration."
  }
  assert {
    condition     = strcontains(aws_cloudwatch_query_definition.this["cold-starts"].query_string, "initDurationMs") && contains(aws_cloudwatch_query_definition.this["request-by-id"].log_group_names, "/aws/apigateway/opsdeck-prod/access")
    error_message = "The cold-starts query must read the init duration, and the request-id query the API access log too."
  }
}

run "xray_samples_and_groups_faults_and_slow_requests" {
  command = plan

  assert {
    condition     = aws_xray_sampling_rule.this[0].fixed_rate == 0.05 && aws_xray_sampling_rule.this[0].reservoir_size == 1 && aws_xray_sampling_rule.this[0].service_name == "opsdeck-prod/live"
    error_message = "R3.3: the sampling rule must trace 1 request/s and 5 % of the rest of the API stage."
  }
  assert {
    condition     = aws_xray_group.this["faults"].filter_expression == "service(\"opsdeck-prod/live\") { fault = true OR error = true }" && aws_xray_group.this["slow"].filter_expression == "service(\"opsdeck-prod/live\") { responsetime > 2 }"
    error_message = "R3.3-e, R6.1-a: the X-Ray groups must select faults/errors and responses slower than 2 s."
  }
  assert {
    condition     = alltrue([for g in aws_xray_group.this : g.insights_configuration[0].insights_enabled && g.insights_configuration[0].notifications_enabled])
    error_message = "Both X-Ray groups must have Insights and its notifications on."
  }
}

run "cost_budget_and_anomaly_subscription" {
  command = plan

  assert {
    condition     = opsdeck_cost_budget.monthly[0].limit_usd == 100 && opsdeck_cost_budget.monthly[0].topic_arn == "arn:aws:sns:ap-northeast-1:123456789012:opsdeck-prod-alarms" && opsdeck_cost_budget.monthly[0].cost_filters["TagKeyValue"] == tolist(["user:Environment$prod"])
    error_message = "R7.2-b: the USD 100 budget must alert the Slack topic, on the environment's costs."
  }
  assert {
    condition = (
      aws_ce_anomaly_subscription.this[0].frequency == "IMMEDIATE" &&
      one(aws_ce_anomaly_subscription.this[0].subscriber).type == "SNS" &&
      one(aws_ce_anomaly_subscription.this[0].subscriber).address == "arn:aws:sns:ap-northeast-1:123456789012:opsdeck-prod-alarms" &&
      aws_ce_anomaly_subscription.this[0].threshold_expression[0].dimension[0].key == "ANOMALY_TOTAL_IMPACT_ABSOLUTE" &&
      aws_ce_anomaly_subscription.this[0].threshold_expression[0].dimension[0].values == toset(["10"])
    )
    error_message = "R7.2-c: anomalies of at least USD 10 must go to the topic at once (SNS needs IMMEDIATE)."
  }
  assert {
    condition     = aws_ce_anomaly_monitor.this[0].monitor_type == "CUSTOM" && jsondecode(aws_ce_anomaly_monitor.this[0].monitor_specification).Tags == { Key = "Environment", MatchOptions = null, Values = ["prod"] }
    error_message = "R7.2-c/d: the anomaly monitor must watch the costs tagged Environment = prod."
  }
}

run "anomalies_can_go_to_their_own_topic" {
  command = plan

  variables {
    cost = { anomaly_topic_arn = "arn:aws:sns:ap-northeast-1:123456789012:cost-anomalies" }
  }

  assert {
    condition     = one(aws_ce_anomaly_subscription.this[0].subscriber).address == "arn:aws:sns:ap-northeast-1:123456789012:cost-anomalies" && aws_ce_anomaly_monitor.this[0].monitor_type == "DIMENSIONAL" && aws_ce_anomaly_monitor.this[0].monitor_dimension == "SERVICE"
    error_message = "cost.anomaly_topic_arn must receive the anomalies; without tags the monitor watches the account by service."
  }
}

run "only_what_is_given_is_watched" {
  command = plan

  variables {
    api                = null
    database           = null
    cloudfront         = null
    state_machine_arns = {}
    functions          = { api = { function_name = "f", log_group_name = "/aws/lambda/f" } }
  }

  assert {
    condition     = toset(keys(opsdeck_alarm_set.app[0].alarms)) == toset(["lambda-api", "db_connection_errors"]) && length(opsdeck_alarm_set.edge) == 0
    error_message = "Only the given function's alarms may be planned, and no CloudFront set without a distribution."
  }
  assert {
    condition     = length([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w if w.type == "metric"]) == 2
    error_message = "With only a function, the dashboard has its duration and error-rate widgets."
  }
}
