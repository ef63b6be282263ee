//! The monthly cost model: the dated price table of `docs/pricing/ap-northeast-1.toml` applied to
//! the resources of a plan (what exists, from the plan) and to the usage assumptions of the
//! same table (how much it is used, our estimate). docs/cost.md explains every line.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::plan::{Plan, Resource};

/// The price table, compiled in so that a report always says which table it used.
pub const TABLE_TOML: &str = include_str!("../../docs/pricing/ap-northeast-1.toml");
/// Where the table lives in the repository (for messages and reports).
pub const TABLE_PATH: &str = "docs/pricing/ap-northeast-1.toml";

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PriceTable {
    pub region: String,
    pub currency: String,
    pub checked: String,
    pub hours_per_month: f64,
    pub budget_usd: f64,
    pub assumptions: Assumptions,
    pub prices: BTreeMap<String, Price>,
    pub usage: BTreeMap<String, Usage>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Assumptions {
    pub apply_always_free_tiers: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Price {
    pub usd: f64,
    pub unit: String,
    pub what: String,
    pub source: String,
    pub as_of: String,
    pub estimate: bool,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub free_per_month: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Usage {
    pub value: f64,
    pub why: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PricingError {
    #[error("the price table {TABLE_PATH} does not parse: {0}")]
    Parse(String),
    #[error("the price table {TABLE_PATH} has no {kind} `{key}`, which the cost model uses; add it with its source and date")]
    Missing { kind: &'static str, key: String },
}

impl PricingError {
    /// The CLI error code of this failure.
    pub fn code(&self) -> crate::ErrorCode {
        match self {
            Self::Parse(_) => crate::ErrorCode::PriceTableInvalid,
            Self::Missing { .. } => crate::ErrorCode::PriceTableIncomplete,
        }
    }
}

impl PriceTable {
    pub fn load() -> Result<Self, PricingError> {
        Self::parse(TABLE_TOML)
    }

    pub fn parse(text: &str) -> Result<Self, PricingError> {
        toml::from_str(text).map_err(|e| PricingError::Parse(e.to_string()))
    }

    fn price(&self, key: &str) -> Result<&Price, PricingError> {
        self.prices.get(key).ok_or_else(|| PricingError::Missing {
            kind: "price",
            key: key.into(),
        })
    }

    fn usage(&self, key: &str) -> Result<f64, PricingError> {
        self.usage
            .get(key)
            .map(|u| u.value)
            .ok_or_else(|| PricingError::Missing {
                kind: "usage assumption",
                key: key.into(),
            })
    }
}

/// Whether a line follows from what the plan creates, or from the usage assumptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Billed whether or not the stack serves traffic (hours, keys, alarms ...).
    Fixed,
    /// Billed by volume: quantity from `[usage]` of the price table (our estimate).
    Usage,
}

#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub item: String,
    pub quantity: f64,
    pub unit: String,
    pub price_key: String,
    pub unit_usd: f64,
    /// Always-free allowance deducted from the quantity.
    pub free: f64,
    pub monthly_usd: f64,
    pub basis: Basis,
    /// The price or the quantity is our estimate.
    pub estimate: bool,
    /// The resources the line counts (empty for usage lines that follow the whole stack).
    pub resources: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    pub region: String,
    pub table: &'static str,
    pub table_checked: String,
    pub lines: Vec<Line>,
    pub fixed_usd: f64,
    pub total_usd: f64,
    pub budget_usd: f64,
    /// Where the budget comes from: a budget resource of the plan, or the price table.
    pub budget_source: String,
    /// Resource types of the plan that the model does not price (usually free ones).
    pub unpriced_types: Vec<String>,
}

impl Estimate {
    /// The lines by cost, largest first.
    pub fn largest(&self, n: usize) -> Vec<&Line> {
        let mut lines: Vec<&Line> = self.lines.iter().collect();
        lines.sort_by(|a, b| b.monthly_usd.total_cmp(&a.monthly_usd));
        lines.truncate(n);
        lines
    }
}

struct Builder<'a> {
    table: &'a PriceTable,
    lines: Vec<Line>,
}

impl Builder<'_> {
    fn add(
        &mut self,
        item: &str,
        price_key: &str,
        quantity: f64,
        basis: Basis,
        resources: Vec<String>,
    ) -> Result<(), PricingError> {
        if quantity <= 0.0 {
            return Ok(());
        }
        let price = self.table.price(price_key)?;
        let free = if self.table.assumptions.apply_always_free_tiers {
            price.free_per_month.unwrap_or(0.0).min(quantity)
        } else {
            0.0
        };
        self.lines.push(Line {
            item: item.into(),
            quantity,
            unit: price.unit.clone(),
            price_key: price_key.into(),
            unit_usd: price.usd,
            free,
            monthly_usd: round_cents((quantity - free) * price.usd),
            basis,
            estimate: price.estimate || basis == Basis::Usage,
            resources,
        });
        Ok(())
    }
}

fn round_cents(usd: f64) -> f64 {
    (usd * 100.0).round() / 100.0
}

fn addresses<'a>(resources: impl IntoIterator<Item = &'a Resource>) -> Vec<String> {
    resources.into_iter().map(|r| r.address.clone()).collect()
}

/// Metrics an alarm of `opsdeck_alarm_set` reads: CloudWatch bills a metric-math alarm per
/// metric (a ratio reads two).
fn alarm_set_metrics(alarm: &Value) -> f64 {
    const RATIO_PRESETS: [&str; 3] = ["lambda_error_rate", "api_5xx_rate", "sfn_failure_rate"];
    if alarm.get("ratio").is_some_and(|r| !r.is_null()) {
        return 2.0;
    }
    match alarm.get("preset").and_then(Value::as_str) {
        Some(p)
            if RATIO_PRESETS.contains(&p) || p.ends_with("_rate") && p != "cloudfront_5xx_rate" =>
        {
            2.0
        }
        _ => 1.0,
    }
}

fn metric_alarm_metrics(r: &Resource) -> f64 {
    let queries = r
        .attr("metric_query")
        .known()
        .and_then(Value::as_array)
        .map(|q| {
            q.iter()
                .filter(|m| {
                    m.get("metric")
                        .and_then(Value::as_array)
                        .is_some_and(|a| !a.is_empty())
                })
                .count()
        })
        .unwrap_or(0);
    queries.max(1) as f64
}

/// The cluster a Serverless v2 instance belongs to, for its ACU range.
fn cluster_of<'a>(plan: &'a Plan, instance: &Resource) -> Option<&'a Resource> {
    let clusters: Vec<&Resource> = plan.of("aws_rds_cluster").collect();
    if let Some(id) = instance.attr("cluster_identifier").as_str() {
        if let Some(c) = clusters
            .iter()
            .find(|c| c.attr("cluster_identifier").as_str() == Some(id))
        {
            return Some(c);
        }
    }
    // Unknown until apply (a generated id): the instance's own module holds its cluster.
    clusters
        .iter()
        .find(|c| c.module() == instance.module())
        .or(clusters.first())
        .copied()
}

/// Priced or known to be free: anything else is listed as unpriced.
const KNOWN_TYPES: &[&str] = &[
    "aws_rds_cluster",
    "aws_rds_cluster_instance",
    "aws_nat_gateway",
    "aws_eip",
    "aws_vpc_endpoint",
    "aws_kms_key",
    "aws_secretsmanager_secret",
    "aws_cloudwatch_metric_alarm",
    "aws_cloudwatch_composite_alarm",
    "aws_cloudwatch_dashboard",
    "aws_cloudwatch_log_metric_filter",
    "aws_cloudwatch_log_group",
    "aws_wafv2_web_acl",
    "aws_cloudtrail",
    "aws_lambda_function",
    "aws_api_gateway_rest_api",
    "aws_sfn_state_machine",
    "aws_cloudfront_distribution",
    "aws_s3_bucket",
    "aws_dynamodb_table",
    "aws_sns_topic",
    "aws_xray_sampling_rule",
    "aws_budgets_budget",
    "aws_ce_anomaly_monitor",
    "aws_ce_anomaly_subscription",
    "opsdeck_alarm_set",
    "opsdeck_slack_alarm_topic",
    "opsdeck_cost_budget",
    "opsdeck_deploy_record",
];

/// Free of charge in AWS (configuration objects): not listed as unpriced.
const FREE_PREFIXES: &[&str] = &[
    "aws_iam_",
    "aws_kms_alias",
    "aws_vpc",
    "aws_subnet",
    "aws_route",
    "aws_internet_gateway",
    "aws_network_acl",
    "aws_security_group",
    "aws_default_",
    "aws_s3_bucket_",
    "aws_secretsmanager_secret_",
    "aws_lambda_",
    "aws_api_gateway_",
    "aws_cloudfront_",
    "aws_db_subnet_group",
    "aws_rds_cluster_parameter_group",
    "aws_db_parameter_group",
    "aws_sns_topic_",
    "aws_cloudwatch_query_definition",
    "aws_cloudwatch_event_",
    "aws_flow_log",
    "aws_xray_group",
    "aws_acm_",
    "aws_sqs_queue",
    "aws_wafv2_web_acl_association",
    "aws_ssm_parameter",
    "aws_sfn_",
    "random_",
    "terraform_data",
    "null_resource",
    "time_",
    "local_",
];

/// The monthly estimate of a plan.
pub fn estimate(plan: &Plan, table: &PriceTable) -> Result<Estimate, PricingError> {
    let hours = table.hours_per_month;
    let mut b = Builder {
        table,
        lines: Vec::new(),
    };

    // Database: Serverless v2 capacity at the floor (fixed) and above it (usage).
    let instances: Vec<&Resource> = plan
        .of("aws_rds_cluster_instance")
        .filter(|i| i.attr("instance_class").as_str() == Some("db.serverless"))
        .collect();
    let mut floor_acu_hours = 0.0;
    let mut io_optimized = false;
    for instance in &instances {
        let cluster = cluster_of(plan, instance);
        let min = cluster
            .and_then(|c| {
                c.attr("serverlessv2_scaling_configuration.0.min_capacity")
                    .as_f64()
            })
            .unwrap_or(0.5);
        io_optimized |=
            cluster.and_then(|c| c.attr("storage_type").as_str()) == Some("aurora-iopt1");
        floor_acu_hours += min * hours;
    }
    let acu_key = if io_optimized {
        "aurora_io_optimized_acu_hour"
    } else {
        "aurora_acu_hour"
    };
    b.add(
        "Aurora Serverless v2 capacity at the ACU floor (every instance, all month)",
        acu_key,
        floor_acu_hours,
        Basis::Fixed,
        addresses(instances.iter().copied()),
    )?;
    b.add(
        "Aurora Serverless v2 capacity above the floor",
        acu_key,
        instances.len() as f64 * table.usage("aurora_avg_acu_above_floor")? * hours,
        Basis::Usage,
        addresses(instances.iter().copied()),
    )?;
    let clusters: Vec<&Resource> = plan.of("aws_rds_cluster").collect();
    b.add(
        "Aurora storage",
        "aurora_storage_gb_month",
        clusters.len() as f64 * table.usage("aurora_storage_gb")?,
        Basis::Usage,
        addresses(clusters.iter().copied()),
    )?;
    if !io_optimized {
        b.add(
            "Aurora I/O requests",
            "aurora_io_million",
            clusters.len() as f64 * table.usage("aurora_io_million")?,
            Basis::Usage,
            addresses(clusters.iter().copied()),
        )?;
    }

    // Network.
    let nats: Vec<&Resource> = plan.of("aws_nat_gateway").collect();
    b.add(
        "NAT gateway hours",
        "nat_gateway_hour",
        nats.len() as f64 * hours,
        Basis::Fixed,
        addresses(nats.iter().copied()),
    )?;
    let eips: Vec<&Resource> = plan.of("aws_eip").collect();
    b.add(
        "Public IPv4 addresses (Elastic IPs)",
        "public_ipv4_hour",
        eips.len() as f64 * hours,
        Basis::Fixed,
        addresses(eips.iter().copied()),
    )?;
    if !nats.is_empty() {
        b.add(
            "NAT gateway data processing",
            "nat_gateway_gb",
            table.usage("nat_processed_gb")?,
            Basis::Usage,
            addresses(nats.iter().copied()),
        )?;
    }
    let interface: Vec<&Resource> = plan
        .of("aws_vpc_endpoint")
        .filter(|e| e.attr("vpc_endpoint_type").as_str() == Some("Interface"))
        .collect();
    let endpoint_azs: f64 = interface
        .iter()
        .map(|e| {
            e.attr("subnet_ids")
                .known()
                .and_then(Value::as_array)
                .map_or(2, Vec::len) as f64
        })
        .sum();
    b.add(
        "Interface VPC endpoints (per zone)",
        "vpc_interface_endpoint_hour",
        endpoint_azs * hours,
        Basis::Fixed,
        addresses(interface.iter().copied()),
    )?;

    // Keys and secrets.
    let mut keys: Vec<&Resource> = plan.of("aws_kms_key").collect();
    // The Slack topic creates its own key unless given one; a given key of this plan is
    // already counted. (On a first plan a given key's ARN is unknown too: counted twice.)
    let key_arns: Vec<&str> = plan
        .of("aws_kms_key")
        .filter_map(|k| k.attr("arn").as_str())
        .collect();
    keys.extend(plan.of("opsdeck_slack_alarm_topic").filter(|t| {
        !t.attr("kms_key_arn")
            .as_str()
            .is_some_and(|a| key_arns.contains(&a))
    }));
    b.add(
        "KMS customer managed keys",
        "kms_key_month",
        keys.len() as f64,
        Basis::Fixed,
        addresses(keys.iter().copied()),
    )?;
    let mut secrets: Vec<&Resource> = plan.of("aws_secretsmanager_secret").collect();
    secrets.extend(
        plan.of("aws_rds_cluster")
            .filter(|c| c.attr("manage_master_user_password").as_bool() == Some(true)),
    );
    b.add(
        "Secrets Manager secrets (the RDS-managed master secret included)",
        "secret_month",
        secrets.len() as f64,
        Basis::Fixed,
        addresses(secrets.iter().copied()),
    )?;

    // Alarms, dashboards, custom metrics.
    let mut alarm_metrics = 0.0;
    let mut alarm_owners = Vec::new();
    for r in plan.of("aws_cloudwatch_metric_alarm") {
        alarm_metrics += metric_alarm_metrics(r);
        alarm_owners.push(r.address.clone());
    }
    for set in plan.of("opsdeck_alarm_set") {
        if let Some(alarms) = set.attr("alarms").known().and_then(Value::as_object) {
            alarm_metrics += alarms.values().map(alarm_set_metrics).sum::<f64>();
        }
        alarm_owners.push(set.address.clone());
    }
    b.add(
        "CloudWatch alarm metrics (a ratio alarm reads two)",
        "cloudwatch_alarm_metric_month",
        alarm_metrics,
        Basis::Fixed,
        alarm_owners,
    )?;
    let mut composites: Vec<&Resource> = plan.of("aws_cloudwatch_composite_alarm").collect();
    composites.extend(plan.of("opsdeck_alarm_set"));
    b.add(
        "CloudWatch composite alarms (one per alarm set)",
        "cloudwatch_composite_alarm_month",
        composites.len() as f64,
        Basis::Fixed,
        addresses(composites.iter().copied()),
    )?;
    let dashboards: Vec<&Resource> = plan.of("aws_cloudwatch_dashboard").collect();
    b.add(
        "CloudWatch dashboards",
        "cloudwatch_dashboard_month",
        dashboards.len() as f64,
        Basis::Fixed,
        addresses(dashboards.iter().copied()),
    )?;
    let filters: Vec<&Resource> = plan.of("aws_cloudwatch_log_metric_filter").collect();
    b.add(
        "Custom metrics from logs metric filters",
        "cloudwatch_custom_metric_month",
        filters.len() as f64,
        Basis::Fixed,
        addresses(filters.iter().copied()),
    )?;

    // WAF.
    let acls: Vec<&Resource> = plan.of("aws_wafv2_web_acl").collect();
    b.add(
        "WAF web ACLs",
        "waf_web_acl_month",
        acls.len() as f64,
        Basis::Fixed,
        addresses(acls.iter().copied()),
    )?;
    let rules: f64 = acls
        .iter()
        .map(|a| {
            a.attr("rule")
                .known()
                .and_then(Value::as_array)
                .map_or(0, Vec::len) as f64
        })
        .sum();
    b.add(
        "WAF rules",
        "waf_rule_month",
        rules,
        Basis::Fixed,
        addresses(acls.iter().copied()),
    )?;

    // Usage of the application's services.
    let apis: Vec<&Resource> = plan.of("aws_api_gateway_rest_api").collect();
    let api_requests = table.usage("api_requests_million")?;
    if !apis.is_empty() {
        b.add(
            "API Gateway REST requests",
            "api_gateway_rest_million",
            api_requests,
            Basis::Usage,
            addresses(apis.iter().copied()),
        )?;
    }
    if !acls.is_empty() {
        b.add(
            "WAF requests inspected",
            "waf_requests_million",
            api_requests,
            Basis::Usage,
            addresses(acls.iter().copied()),
        )?;
    }
    let functions: Vec<&Resource> = plan.of("aws_lambda_function").collect();
    if !functions.is_empty() {
        let invocations = api_requests + table.usage("task_invocations_million")?;
        let memory_gb = functions
            .iter()
            .filter_map(|f| f.attr("memory_size").as_f64())
            .fold(0.0_f64, f64::max)
            .max(128.0)
            / 1024.0;
        b.add(
            "Lambda invocations",
            "lambda_requests_million",
            invocations,
            Basis::Usage,
            addresses(functions.iter().copied()),
        )?;
        b.add(
            "Lambda duration (largest function memory)",
            "lambda_gb_second",
            invocations * 1e6 * table.usage("lambda_avg_duration_ms")? / 1000.0 * memory_gb,
            Basis::Usage,
            addresses(functions.iter().copied()),
        )?;
    }
    let machines: Vec<&Resource> = plan.of("aws_sfn_state_machine").collect();
    if !machines.is_empty() {
        b.add(
            "Step Functions state transitions",
            "sfn_transitions_1k",
            table.usage("sfn_transitions_thousand")?,
            Basis::Usage,
            addresses(machines.iter().copied()),
        )?;
    }
    let distributions: Vec<&Resource> = plan.of("aws_cloudfront_distribution").collect();
    if !distributions.is_empty() {
        b.add(
            "CloudFront data out (Japan)",
            "cloudfront_gb_japan",
            table.usage("cloudfront_gb")?,
            Basis::Usage,
            addresses(distributions.iter().copied()),
        )?;
        b.add(
            "CloudFront HTTPS requests (Japan)",
            "cloudfront_https_10k_japan",
            table.usage("cloudfront_requests_10k")?,
            Basis::Usage,
            addresses(distributions.iter().copied()),
        )?;
    }
    let log_groups: Vec<&Resource> = plan.of("aws_cloudwatch_log_group").collect();
    if !log_groups.is_empty() {
        let ingest = table.usage("logs_ingest_gb")?;
        b.add(
            "CloudWatch Logs ingestion",
            "logs_ingest_gb",
            ingest,
            Basis::Usage,
            addresses(log_groups.iter().copied()),
        )?;
        // 30-day retention keeps about one month of ingestion stored.
        b.add(
            "CloudWatch Logs storage (30 days kept)",
            "logs_storage_gb_month",
            ingest,
            Basis::Usage,
            addresses(log_groups.iter().copied()),
        )?;
    }
    let buckets: Vec<&Resource> = plan.of("aws_s3_bucket").collect();
    if !buckets.is_empty() {
        b.add(
            "S3 Standard storage",
            "s3_standard_gb_month",
            table.usage("s3_storage_gb")?,
            Basis::Usage,
            addresses(buckets.iter().copied()),
        )?;
    }
    let trails: Vec<&Resource> = plan
        .of("aws_cloudtrail")
        .filter(|t| has_data_events(t))
        .collect();
    if !trails.is_empty() {
        b.add(
            "CloudTrail data events",
            "cloudtrail_data_events_100k",
            table.usage("cloudtrail_data_events_100k")?,
            Basis::Usage,
            addresses(trails.iter().copied()),
        )?;
    }
    let traced = functions
        .iter()
        .any(|f| f.attr("tracing_config.0.mode").as_str() == Some("Active"));
    if traced {
        b.add(
            "X-Ray traces recorded",
            "xray_traces_million",
            table.usage("xray_traces_million")?,
            Basis::Usage,
            Vec::new(),
        )?;
    }
    if !keys.is_empty() {
        b.add(
            "KMS requests",
            "kms_requests_10k",
            table.usage("kms_requests_10k")?,
            Basis::Usage,
            Vec::new(),
        )?;
    }
    if !secrets.is_empty() {
        b.add(
            "Secrets Manager API calls",
            "secrets_api_10k",
            table.usage("secrets_api_10k")?,
            Basis::Usage,
            Vec::new(),
        )?;
    }

    let (budget_usd, budget_source) = budget(plan, table);
    let mut unpriced: Vec<String> = plan
        .resources
        .iter()
        .filter(|r| r.mode == "managed")
        .map(|r| r.kind.clone())
        .filter(|k| !KNOWN_TYPES.contains(&k.as_str()))
        .filter(|k| !FREE_PREFIXES.iter().any(|p| k.starts_with(p)))
        .collect();
    unpriced.sort();
    unpriced.dedup();
    let lines = b.lines;
    let total_usd = round_cents(lines.iter().map(|l| l.monthly_usd).sum());
    let fixed_usd = round_cents(
        lines
            .iter()
            .filter(|l| l.basis == Basis::Fixed)
            .map(|l| l.monthly_usd)
            .sum(),
    );
    Ok(Estimate {
        region: table.region.clone(),
        table: TABLE_PATH,
        table_checked: table.checked.clone(),
        lines,
        fixed_usd,
        total_usd,
        budget_usd,
        budget_source,
        unpriced_types: unpriced,
    })
}

fn has_data_events(trail: &Resource) -> bool {
    let selectors = |path: &str| {
        trail
            .attr(path)
            .known()
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
    };
    let basic = trail
        .attr("event_selector")
        .known()
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter().any(|sel| {
                sel.get("data_resource")
                    .and_then(Value::as_array)
                    .is_some_and(|d| !d.is_empty())
            })
        });
    basic || selectors("advanced_event_selector")
}

/// The monthly budget the plan sets (a budget resource), else the price table's.
pub fn budget(plan: &Plan, table: &PriceTable) -> (f64, String) {
    for b in plan.of("opsdeck_cost_budget") {
        let monthly = b.attr("time_unit").as_str().is_none_or(|t| t == "MONTHLY");
        if let (true, Some(limit)) = (monthly, b.attr("limit_usd").as_f64()) {
            return (limit, format!("{}.limit_usd", b.address));
        }
    }
    for b in plan.of("aws_budgets_budget") {
        let monthly = b.attr("time_unit").as_str() == Some("MONTHLY");
        let limit = b
            .attr("limit_amount")
            .as_str()
            .and_then(|s| s.parse::<f64>().ok());
        if let (true, Some(limit)) = (monthly, limit) {
            return (limit, format!("{}.limit_amount", b.address));
        }
    }
    (
        table.budget_usd,
        format!("{TABLE_PATH} budget_usd (no monthly budget resource in the plan)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_every_price_has_a_source_and_date() {
        let table = PriceTable::load().unwrap();
        assert_eq!(table.region, "ap-northeast-1");
        for (key, price) in &table.prices {
            assert!(
                price.source.starts_with("https://"),
                "{key}: {}",
                price.source
            );
            assert_eq!(price.as_of.len(), 10, "{key}: as_of is a date");
            assert!(price.usd >= 0.0, "{key}");
        }
        assert!(!table.usage.is_empty());
    }

    #[test]
    fn seed_floor_in_tokyo_is_over_the_budget() {
        // Two 0.5-ACU Serverless v2 instances and one NAT gateway with its address: the seed's
        // own floor (R1.1-b, R1.1-c, R1.5-d), which docs/cost.md says exceeds USD 100.
        let plan = Plan::parse(
            r#"{"planned_values": {"root_module": {"resources": [
              {"address": "aws_rds_cluster.db", "mode": "managed", "type": "aws_rds_cluster",
               "values": {"cluster_identifier": "db", "serverlessv2_scaling_configuration": [{"min_capacity": 0.5, "max_capacity": 2}]}},
              {"address": "aws_rds_cluster_instance.a", "mode": "managed", "type": "aws_rds_cluster_instance", "values": {"cluster_identifier": "db", "instance_class": "db.serverless"}},
              {"address": "aws_rds_cluster_instance.b", "mode": "managed", "type": "aws_rds_cluster_instance", "values": {"cluster_identifier": "db", "instance_class": "db.serverless"}},
              {"address": "aws_nat_gateway.this", "mode": "managed", "type": "aws_nat_gateway", "values": {}},
              {"address": "aws_eip.nat", "mode": "managed", "type": "aws_eip", "values": {}}]}}}"#,
        )
        .unwrap();
        let table = PriceTable::load().unwrap();
        let estimate = estimate(&plan, &table).unwrap();
        let floor = &estimate.lines[0];
        assert_eq!(floor.quantity, 730.0);
        assert_eq!(floor.monthly_usd, 109.5);
        assert_eq!(estimate.fixed_usd, 109.5 + 45.26 + 3.65);
        assert!(estimate.total_usd > estimate.budget_usd);
        assert_eq!(estimate.largest(1)[0].price_key, "aurora_acu_hour");
    }
}
