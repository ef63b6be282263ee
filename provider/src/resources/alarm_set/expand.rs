//! From the compact spec of an alarm set to the CloudWatch alarms it stands for.
//!
//! Everything here is pure: presets, ratio → metric math, defaults, the description
//! markers the Slack notifier parses, detection time, and the canonical definition of
//! each alarm. The canonical definition is what the state records (`child_alarms`,
//! `composite_alarm`) and what a refresh rebuilds from `DescribeAlarms`, so a plan is
//! empty exactly when CloudWatch holds what the configuration says.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// CloudWatch's own limit on the length of an alarm description.
pub const MAX_DESCRIPTION: usize = 1024;

/// The math expression of a ratio alarm. `FILL(m1, 0)` keeps a missing numerator
/// datapoint (no errors published) from hiding real traffic, and `IF(m2 > 0, …, 0)` keeps
/// a zero denominator (no traffic) from dividing by zero: no traffic is 0 %, not an error.
pub const RATIO_EXPRESSION: &str = "IF(m2 > 0, 100 * FILL(m1, 0) / m2, 0)";

// The detection bound (P4) lives in `detection`; re-exported for the callers of this module.
pub use super::detection::{
    detection_seconds, publication_delay, CUSTOM_NAMESPACE_DELAY, DEFAULT_AWS_DELAY,
    PUBLICATION_DELAYS,
};

pub const COMPARISONS: &[&str] = &[
    "GreaterThanThreshold",
    "GreaterThanOrEqualToThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
];
pub const TREAT_MISSING_DATA: &[&str] = &["breaching", "notBreaching", "ignore", "missing"];
pub const STATISTICS: &[&str] = &["SampleCount", "Average", "Sum", "Minimum", "Maximum"];
pub const SEVERITIES: &[&str] = &["critical", "high", "medium", "low", "info"];

pub const DEFAULT_COMPARISON: &str = "GreaterThanThreshold";
pub const DEFAULT_PERIOD: i64 = 60;
/// 2 datapoints of 60 s: (2 + 1) × 60 + 60 s delay + 60 s evaluation = 300 s (P4).
pub const DEFAULT_EVALUATION_PERIODS: i64 = 2;
pub const DEFAULT_TREAT_MISSING_DATA: &str = "notBreaching";
pub const DEFAULT_SEVERITY: &str = "high";
pub const DEFAULT_RATIO_STATISTIC: &str = "Sum";
pub const DEFAULT_METRIC_STATISTIC: &str = "Average";
pub const DEFAULT_MAX_DETECTION_SECONDS: i64 = 300;

/// What range a threshold may take, so a typo such as `threshold = 500` on a
/// percentage is caught at plan time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThresholdRange {
    /// A percentage: 0 to 100.
    Percent,
    /// A count: 0 or more.
    NonNegative,
    /// A duration or size: more than 0.
    Positive,
    /// Anything finite.
    Any,
}

impl ThresholdRange {
    pub fn check(self, value: f64) -> Result<(), String> {
        match self {
            Self::Percent if !(0.0..=100.0).contains(&value) => Err(format!(
                "is {value}, but it is a percentage: use a value from 0 to 100"
            )),
            Self::NonNegative if value < 0.0 => {
                Err(format!("is {value}, but it counts events: use 0 or more"))
            }
            Self::Positive if value <= 0.0 => Err(format!("is {value}; use a value above 0")),
            _ => Ok(()),
        }
    }
}

/// How a preset reads its metrics.
#[derive(Clone, Copy, Debug)]
pub enum PresetBody {
    /// numerator / denominator × 100, both in `namespace`, same dimension.
    Ratio {
        namespace: &'static str,
        numerator: &'static str,
        denominator: &'static str,
    },
    /// One metric of `namespace`, plus fixed extra dimensions.
    Single {
        namespace: &'static str,
        metric: &'static str,
        statistic: &'static str,
        extra_dimensions: &'static [(&'static str, &'static str)],
    },
    /// A metric published by a CloudWatch Logs metric filter: the dimension is
    /// `NAMESPACE/METRIC` (split at the last `/`), the metric has no dimensions.
    LogMetric { statistic: &'static str },
}

/// A named alarm recipe: metrics plus defaults for everything else.
#[derive(Clone, Copy, Debug)]
pub struct Preset {
    pub name: &'static str,
    /// The CloudWatch dimension that `dimension` fills (None: see LogMetric).
    pub dimension_name: Option<&'static str>,
    /// What `dimension` holds, for error messages and docs.
    pub dimension_help: &'static str,
    pub body: PresetBody,
    pub comparison: &'static str,
    pub threshold: f64,
    pub range: ThresholdRange,
    pub unit: &'static str,
    pub period: i64,
    pub evaluation_periods: i64,
    /// Human words for the default description: "error rate", "p95 latency" …
    pub what: &'static str,
}

impl Preset {
    /// The namespace the preset reads (None for log metrics, whose namespace is the user's).
    pub fn namespace(&self) -> Option<&'static str> {
        match self.body {
            PresetBody::Ratio { namespace, .. } | PresetBody::Single { namespace, .. } => {
                Some(namespace)
            }
            PresetBody::LogMetric { .. } => None,
        }
    }

    pub fn body_is_cloudfront(&self) -> bool {
        self.namespace() == Some("AWS/CloudFront")
    }
}

pub const PRESETS: &[Preset] = &[
    Preset {
        name: "lambda_error_rate",
        dimension_name: Some("FunctionName"),
        dimension_help: "the Lambda function name",
        body: PresetBody::Ratio {
            namespace: "AWS/Lambda",
            numerator: "Errors",
            denominator: "Invocations",
        },
        comparison: DEFAULT_COMPARISON,
        threshold: 5.0,
        range: ThresholdRange::Percent,
        unit: "%",
        period: 60,
        evaluation_periods: 2,
        what: "error rate",
    },
    Preset {
        name: "lambda_throttles",
        dimension_name: Some("FunctionName"),
        dimension_help: "the Lambda function name",
        body: PresetBody::Single {
            namespace: "AWS/Lambda",
            metric: "Throttles",
            statistic: "Sum",
            extra_dimensions: &[],
        },
        comparison: DEFAULT_COMPARISON,
        threshold: 0.0,
        range: ThresholdRange::NonNegative,
        unit: " throttled invocations",
        period: 60,
        evaluation_periods: 1,
        what: "throttles",
    },
    Preset {
        name: "api_5xx_rate",
        dimension_name: Some("ApiName"),
        dimension_help: "the API Gateway REST API name",
        body: PresetBody::Ratio {
            namespace: "AWS/ApiGateway",
            numerator: "5XXError",
            denominator: "Count",
        },
        comparison: DEFAULT_COMPARISON,
        threshold: 5.0,
        range: ThresholdRange::Percent,
        unit: "%",
        period: 60,
        evaluation_periods: 2,
        what: "5xx error rate",
    },
    Preset {
        name: "api_p95_latency",
        dimension_name: Some("ApiName"),
        dimension_help: "the API Gateway REST API name",
        body: PresetBody::Single {
            namespace: "AWS/ApiGateway",
            metric: "Latency",
            statistic: "p95",
            extra_dimensions: &[],
        },
        comparison: DEFAULT_COMPARISON,
        threshold: 2000.0,
        range: ThresholdRange::Positive,
        unit: " ms",
        period: 60,
        evaluation_periods: 2,
        what: "p95 latency",
    },
    Preset {
        name: "sfn_failure_rate",
        dimension_name: Some("StateMachineArn"),
        dimension_help: "the Step Functions state machine ARN",
        body: PresetBody::Ratio {
            namespace: "AWS/States",
            numerator: "ExecutionsFailed",
            denominator: "ExecutionsStarted",
        },
        comparison: DEFAULT_COMPARISON,
        threshold: 10.0,
        range: ThresholdRange::Percent,
        unit: "%",
        period: 60,
        evaluation_periods: 2,
        what: "execution failure rate",
    },
    Preset {
        name: "cloudfront_5xx_rate",
        dimension_name: Some("DistributionId"),
        dimension_help: "the CloudFront distribution id",
        body: PresetBody::Single {
            namespace: "AWS/CloudFront",
            metric: "5xxErrorRate",
            statistic: "Average",
            extra_dimensions: &[("Region", "Global")],
        },
        comparison: DEFAULT_COMPARISON,
        threshold: 0.0,
        range: ThresholdRange::Percent,
        unit: "%",
        period: 60,
        evaluation_periods: 1,
        what: "5xx error rate",
    },
    Preset {
        name: "log_errors",
        dimension_name: None,
        dimension_help:
            "the log metric as NAMESPACE/METRIC, e.g. \"Opsdeck/App/DatabaseConnectionErrors\"",
        body: PresetBody::LogMetric { statistic: "Sum" },
        comparison: DEFAULT_COMPARISON,
        threshold: 0.0,
        range: ThresholdRange::NonNegative,
        unit: " errors",
        period: 60,
        evaluation_periods: 1,
        what: "logged errors",
    },
    // Aurora presets read the cluster-level metrics (dimension DBClusterIdentifier), whose
    // Maximum is the busiest instance of the cluster. One datapoint is enough to fire, so
    // even a bound that counts an extra period and the 60 s evaluation interval keeps
    // them at 60 x (1 + 1) + 60 + 60 = 240 s (P4).
    Preset {
        name: "aurora_connections",
        dimension_name: Some("DBClusterIdentifier"),
        dimension_help: "the Aurora cluster identifier",
        body: PresetBody::Single {
            namespace: "AWS/RDS",
            metric: "DatabaseConnections",
            statistic: "Maximum",
            extra_dimensions: &[],
        },
        comparison: DEFAULT_COMPARISON,
        // 80 % of 189, the max_connections of Aurora PostgreSQL Serverless v2 with a
        // maximum of 1 ACU (the smallest row of AWS's table): set threshold to 80 % of
        // your cluster's `SHOW max_connections`.
        threshold: 150.0,
        range: ThresholdRange::NonNegative,
        unit: " connections",
        period: 60,
        evaluation_periods: 1,
        what: "connections",
    },
    Preset {
        name: "aurora_capacity",
        dimension_name: Some("DBClusterIdentifier"),
        dimension_help: "the Aurora cluster identifier",
        body: PresetBody::Single {
            namespace: "AWS/RDS",
            metric: "ServerlessDatabaseCapacity",
            statistic: "Maximum",
            extra_dimensions: &[],
        },
        // At the maximum ACU the cluster cannot scale further: >= max, not > max.
        comparison: "GreaterThanOrEqualToThreshold",
        // The seed's maximum (R1.1-b); set it to the cluster's max_capacity.
        threshold: 2.0,
        range: ThresholdRange::Positive,
        unit: " ACU",
        period: 60,
        evaluation_periods: 1,
        what: "capacity",
    },
    Preset {
        name: "aurora_cpu",
        dimension_name: Some("DBClusterIdentifier"),
        dimension_help: "the Aurora cluster identifier",
        body: PresetBody::Single {
            namespace: "AWS/RDS",
            metric: "CPUUtilization",
            statistic: "Maximum",
            extra_dimensions: &[],
        },
        comparison: DEFAULT_COMPARISON,
        threshold: 80.0,
        range: ThresholdRange::Percent,
        unit: "%",
        period: 60,
        evaluation_periods: 1,
        what: "CPU utilization",
    },
    Preset {
        name: "db_connection_errors",
        dimension_name: None,
        dimension_help: "the log metric as NAMESPACE/METRIC that a metric filter on the functions' logs publishes, e.g. \"Opsdeck/App/DatabaseConnectionErrors\"",
        body: PresetBody::LogMetric { statistic: "Sum" },
        comparison: DEFAULT_COMPARISON,
        // Any database connection error (R3.2-c).
        threshold: 0.0,
        range: ThresholdRange::NonNegative,
        unit: " errors",
        period: 60,
        evaluation_periods: 1,
        what: "database connection errors",
    },
];

pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

pub fn preset_names() -> String {
    PRESETS
        .iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `NAMESPACE/METRIC` of a log metric, split at the last `/`.
pub fn split_log_metric(dimension: &str) -> Option<(&str, &str)> {
    let (ns, metric) = dimension.rsplit_once('/')?;
    (!ns.is_empty() && !metric.is_empty()).then_some((ns, metric))
}

/// One metric a child alarm reads.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricRef {
    pub namespace: String,
    pub metric_name: String,
    pub dimensions: BTreeMap<String, String>,
    /// `Sum`, `Average` … or a percentile such as `p95`.
    pub statistic: String,
}

/// What a child alarm evaluates.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    Single(MetricRef),
    Ratio {
        numerator: MetricRef,
        denominator: MetricRef,
    },
}

impl Body {
    pub fn namespaces(&self) -> Vec<&str> {
        match self {
            Body::Single(m) => vec![m.namespace.as_str()],
            Body::Ratio {
                numerator,
                denominator,
            } => vec![numerator.namespace.as_str(), denominator.namespace.as_str()],
        }
    }
}

/// Which form of the spec an alarm came from; written into its description marker so
/// that import can rebuild the spec.
#[derive(Clone, Debug)]
pub enum Kind {
    Preset(&'static Preset),
    Ratio,
    Threshold,
}

impl PartialEq for Kind {
    fn eq(&self, other: &Self) -> bool {
        self.marker() == other.marker()
    }
}

impl Kind {
    pub fn marker(&self) -> String {
        match self {
            Kind::Preset(p) => format!("preset:{}", p.name),
            Kind::Ratio => "ratio".into(),
            Kind::Threshold => "threshold".into(),
        }
    }
}

/// One alarm of the set with every default applied and every value known.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    pub kind: Kind,
    pub body: Body,
    pub comparison: String,
    pub threshold: f64,
    pub period: i64,
    pub evaluation_periods: i64,
    pub datapoints_to_alarm: i64,
    pub treat_missing_data: String,
    pub severity: String,
    pub runbook_url: Option<String>,
    /// The human part of the description (the marker line is added to it).
    pub description: String,
}

impl Resolved {
    /// Worst-case seconds from a fault to the alarm firing, if the fault persists (see
    /// `detection`).
    pub fn detection_seconds(&self) -> i64 {
        detection_seconds(
            self.period,
            self.datapoints_to_alarm,
            &self.body.namespaces(),
        )
    }
}

/// Shortest form of a number for descriptions: `5`, `0.5`, `2000`.
pub fn number_text(value: f64) -> String {
    crate::Number::new(value)
        .map(|n| n.to_string())
        .unwrap_or_else(|| value.to_string())
}

fn comparison_text(comparison: &str) -> &'static str {
    match comparison {
        "GreaterThanOrEqualToThreshold" => ">=",
        "LessThanThreshold" => "<",
        "LessThanOrEqualToThreshold" => "<=",
        _ => ">",
    }
}

/// The description an alarm gets when its spec sets none.
pub fn default_description(
    kind: &Kind,
    body: &Body,
    comparison: &str,
    threshold: f64,
    dimension: Option<&str>,
) -> String {
    let op = comparison_text(comparison);
    let value = number_text(threshold);
    match (kind, body) {
        (Kind::Preset(p), _) => {
            let subject = dimension.unwrap_or_default();
            format!(
                "{} {}: {} {op} {value}{}",
                preset_subject(p),
                subject,
                p.what,
                p.unit
            )
        }
        (
            _,
            Body::Ratio {
                numerator,
                denominator,
            },
        ) => format!(
            "{} {} / {} x 100 {op} {value}%",
            numerator.namespace, numerator.metric_name, denominator.metric_name
        ),
        (_, Body::Single(m)) => format!(
            "{} {} {} {op} {value}",
            m.namespace, m.metric_name, m.statistic
        ),
    }
}

fn preset_subject(p: &Preset) -> &'static str {
    match p.namespace() {
        Some("AWS/Lambda") => "Lambda",
        Some("AWS/ApiGateway") => "API Gateway",
        Some("AWS/States") => "Step Functions",
        Some("AWS/CloudFront") => "CloudFront",
        Some("AWS/RDS") => "Aurora",
        Some(other) => other,
        None => "Log metric",
    }
}

/// The metrics a preset reads for `dimension` (known to be valid for the preset).
pub fn preset_body(p: &Preset, dimension: &str, statistic_override: Option<&str>) -> Option<Body> {
    let dims = |extra: &[(&str, &str)]| {
        let mut d = BTreeMap::new();
        if let Some(name) = p.dimension_name {
            d.insert(name.to_owned(), dimension.to_owned());
        }
        d.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        d
    };
    Some(match p.body {
        PresetBody::Ratio {
            namespace,
            numerator,
            denominator,
        } => Body::Ratio {
            numerator: MetricRef {
                namespace: namespace.into(),
                metric_name: numerator.into(),
                dimensions: dims(&[]),
                statistic: DEFAULT_RATIO_STATISTIC.into(),
            },
            denominator: MetricRef {
                namespace: namespace.into(),
                metric_name: denominator.into(),
                dimensions: dims(&[]),
                statistic: DEFAULT_RATIO_STATISTIC.into(),
            },
        },
        PresetBody::Single {
            namespace,
            metric,
            statistic,
            extra_dimensions,
        } => Body::Single(MetricRef {
            namespace: namespace.into(),
            metric_name: metric.into(),
            dimensions: dims(extra_dimensions),
            statistic: statistic_override.unwrap_or(statistic).into(),
        }),
        PresetBody::LogMetric { statistic } => {
            let (namespace, metric) = split_log_metric(dimension)?;
            Body::Single(MetricRef {
                namespace: namespace.into(),
                metric_name: metric.into(),
                dimensions: BTreeMap::new(),
                statistic: statistic.into(),
            })
        }
    })
}

/// `p95`, `p99.9`: a percentile statistic (CloudWatch's ExtendedStatistic).
pub fn is_percentile(statistic: &str) -> bool {
    statistic
        .strip_prefix('p')
        .and_then(|n| n.parse::<f64>().ok())
        .is_some_and(|n| n > 0.0 && n <= 100.0)
}

pub fn check_statistic(statistic: &str) -> Result<(), String> {
    if STATISTICS.contains(&statistic) || is_percentile(statistic) {
        Ok(())
    } else {
        Err(format!(
            "{statistic:?} is not a CloudWatch statistic: use one of {} or a percentile such as \"p95\" or \"p99.9\"",
            STATISTICS.join(", ")
        ))
    }
}

// ---------------------------------------------------------------------------------------
// Description markers
// ---------------------------------------------------------------------------------------

/// The line that starts the machine-readable part of every description we write:
/// `[opsdeck] set=NAME key=KEY kind=KIND severity=SEV runbook=URL` — space-separated
/// `key=value` pairs whose values never contain spaces (validated), so the Slack
/// notifier and `terraform import` can parse them.
pub const MARKER: &str = "[opsdeck]";

pub fn child_description(
    text: &str,
    set: &str,
    key: &str,
    kind: &Kind,
    severity: &str,
    runbook: Option<&str>,
) -> String {
    let mut marker = format!(
        "{MARKER} set={set} key={key} kind={} severity={severity}",
        kind.marker()
    );
    if let Some(url) = runbook {
        marker.push_str(&format!(" runbook={url}"));
    }
    join_description(text, &marker)
}

pub fn composite_description(text: &str, set: &str, severity: &str) -> String {
    join_description(text, &format!("{MARKER} set={set} severity={severity}"))
}

fn join_description(text: &str, marker: &str) -> String {
    if text.is_empty() {
        marker.to_owned()
    } else {
        format!("{text}\n{marker}")
    }
}

/// The human text and the marker fields of a description we wrote.
pub fn parse_description(description: &str) -> Option<(String, BTreeMap<String, String>)> {
    let (text, marker) = match description.rfind(&format!("\n{MARKER} ")) {
        Some(i) => (&description[..i], &description[i + 1..]),
        None if description.starts_with(&format!("{MARKER} ")) => ("", description),
        None => return None,
    };
    let fields = marker[MARKER.len()..]
        .split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Some((text.to_owned(), fields))
}

/// The highest severity among `severities` (critical first), for the composite marker.
pub fn highest_severity<'a>(severities: impl IntoIterator<Item = &'a str>) -> &'static str {
    let mut best = SEVERITIES.len() - 1;
    for s in severities {
        if let Some(i) = SEVERITIES.iter().position(|x| *x == s) {
            best = best.min(i);
        }
    }
    SEVERITIES[best]
}

// ---------------------------------------------------------------------------------------
// Canonical definitions (what `child_alarms` and `composite_alarm` hold, as JSON)
// ---------------------------------------------------------------------------------------

/// A metric alarm as PutMetricAlarm takes it, in a canonical form: sorted actions,
/// dimensions as a map, CloudWatch's defaults spelled out. Field order is the JSON order.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct MetricAlarmDef {
    pub alarm_description: String,
    pub actions_enabled: bool,
    pub alarm_actions: Vec<String>,
    #[serde(rename = "OKActions")]
    pub ok_actions: Vec<String>,
    pub insufficient_data_actions: Vec<String>,
    pub comparison_operator: String,
    pub threshold: f64,
    pub evaluation_periods: i32,
    pub datapoints_to_alarm: i32,
    pub treat_missing_data: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_statistic: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MetricQueryDef>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct MetricQueryDef {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_stat: Option<MetricStatDef>,
    pub return_data: bool,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct MetricStatDef {
    pub namespace: String,
    pub metric_name: String,
    pub dimensions: BTreeMap<String, String>,
    pub period: i32,
    pub stat: String,
}

/// A composite alarm as PutCompositeAlarm takes it, canonical like [`MetricAlarmDef`].
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct CompositeAlarmDef {
    pub alarm_description: String,
    pub actions_enabled: bool,
    pub alarm_actions: Vec<String>,
    #[serde(rename = "OKActions")]
    pub ok_actions: Vec<String>,
    pub insufficient_data_actions: Vec<String>,
    pub alarm_rule: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions_suppressor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions_suppressor_wait_period: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions_suppressor_extension_period: Option<i32>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// The JSON text stored in state. Serialising these structs cannot fail (string keys,
/// finite numbers), but a failure must not panic a provider: it yields an empty object,
/// which differs from any real definition and so shows up in the next plan.
pub fn to_json<T: Serialize>(def: &T) -> String {
    serde_json::to_string(def).unwrap_or_else(|_| "{}".into())
}

/// What every alarm of a set shares: its name, actions and tags.
#[derive(Clone, Debug, PartialEq)]
pub struct SetContext {
    pub name: String,
    pub actions_enabled: bool,
    pub child_actions: bool,
    pub alarm_actions: Vec<String>,
    pub ok_actions: Vec<String>,
    pub insufficient_data_actions: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

/// The CloudWatch name of a set's child alarm.
pub fn child_name(set: &str, key: &str) -> String {
    format!("{set}-{key}")
}

fn sorted(actions: &[String]) -> Vec<String> {
    let mut v = actions.to_vec();
    v.sort();
    v.dedup();
    v
}

fn to_i32(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// The metric alarm for one resolved alarm of the set.
pub fn metric_alarm_def(set: &SetContext, key: &str, alarm: &Resolved) -> MetricAlarmDef {
    let (alarm_actions, ok_actions, insufficient_data_actions) = if set.child_actions {
        (
            sorted(&set.alarm_actions),
            sorted(&set.ok_actions),
            sorted(&set.insufficient_data_actions),
        )
    } else {
        // Only the composite pages: one notification per incident.
        (Vec::new(), Vec::new(), Vec::new())
    };
    let mut def = MetricAlarmDef {
        alarm_description: child_description(
            &alarm.description,
            &set.name,
            key,
            &alarm.kind,
            &alarm.severity,
            alarm.runbook_url.as_deref(),
        ),
        actions_enabled: set.actions_enabled,
        alarm_actions,
        ok_actions,
        insufficient_data_actions,
        comparison_operator: alarm.comparison.clone(),
        threshold: alarm.threshold,
        evaluation_periods: to_i32(alarm.evaluation_periods),
        datapoints_to_alarm: to_i32(alarm.datapoints_to_alarm),
        treat_missing_data: alarm.treat_missing_data.clone(),
        tags: set.tags.clone(),
        ..Default::default()
    };
    let period = to_i32(alarm.period);
    match &alarm.body {
        Body::Single(m) => {
            def.namespace = Some(m.namespace.clone());
            def.metric_name = Some(m.metric_name.clone());
            def.dimensions = Some(m.dimensions.clone());
            def.period = Some(period);
            if is_percentile(&m.statistic) {
                def.extended_statistic = Some(m.statistic.clone());
            } else {
                def.statistic = Some(m.statistic.clone());
            }
        }
        Body::Ratio {
            numerator,
            denominator,
        } => {
            let stat = |id: &str, m: &MetricRef| MetricQueryDef {
                id: id.into(),
                metric_stat: Some(MetricStatDef {
                    namespace: m.namespace.clone(),
                    metric_name: m.metric_name.clone(),
                    dimensions: m.dimensions.clone(),
                    period,
                    stat: m.statistic.clone(),
                }),
                return_data: false,
                ..Default::default()
            };
            def.metrics = vec![
                stat("m1", numerator),
                stat("m2", denominator),
                MetricQueryDef {
                    id: "e1".into(),
                    expression: Some(RATIO_EXPRESSION.into()),
                    label: Some(format!("{key} (%)")),
                    return_data: true,
                    ..Default::default()
                },
            ];
        }
    }
    def
}

/// The actions suppressor of a composite, with the suppressor already a CloudWatch name.
#[derive(Clone, Debug, PartialEq)]
pub struct Suppressor {
    pub alarm: String,
    pub wait_period: i64,
    pub extension_period: i64,
}

pub fn composite_alarm_def(
    set: &SetContext,
    description: &str,
    severity: &str,
    alarm_rule: String,
    suppressor: Option<&Suppressor>,
) -> CompositeAlarmDef {
    CompositeAlarmDef {
        alarm_description: composite_description(description, &set.name, severity),
        actions_enabled: set.actions_enabled,
        alarm_actions: sorted(&set.alarm_actions),
        ok_actions: sorted(&set.ok_actions),
        insufficient_data_actions: sorted(&set.insufficient_data_actions),
        alarm_rule,
        actions_suppressor: suppressor.map(|s| s.alarm.clone()),
        actions_suppressor_wait_period: suppressor.map(|s| to_i32(s.wait_period)),
        actions_suppressor_extension_period: suppressor.map(|s| to_i32(s.extension_period)),
        tags: set.tags.clone(),
    }
}

pub fn default_set_description(name: &str) -> String {
    format!("opsdeck alarm set {name}: pages once per incident")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> SetContext {
        SetContext {
            name: "checkout".into(),
            actions_enabled: true,
            child_actions: false,
            alarm_actions: vec![
                "arn:aws:sns:us-east-1:123456789012:b".into(),
                "arn:aws:sns:us-east-1:123456789012:a".into(),
            ],
            ok_actions: vec![],
            insufficient_data_actions: vec![],
            tags: BTreeMap::from([("team".to_owned(), "payments".to_owned())]),
        }
    }

    fn lambda_errors() -> Resolved {
        let p = preset("lambda_error_rate").unwrap();
        Resolved {
            kind: Kind::Preset(p),
            body: preset_body(p, "checkout-api", None).unwrap(),
            comparison: p.comparison.into(),
            threshold: p.threshold,
            period: p.period,
            evaluation_periods: p.evaluation_periods,
            datapoints_to_alarm: p.evaluation_periods,
            treat_missing_data: DEFAULT_TREAT_MISSING_DATA.into(),
            severity: "critical".into(),
            runbook_url: Some("https://runbooks.example.com/lambda".into()),
            description: "Lambda checkout-api: error rate > 5%".into(),
        }
    }

    #[test]
    fn a_ratio_preset_expands_to_guarded_metric_math_in_percent() {
        let def = metric_alarm_def(&set(), "lambda_errors", &lambda_errors());
        assert_eq!(def.metrics.len(), 3);
        let m1 = def.metrics[0].metric_stat.as_ref().unwrap();
        let m2 = def.metrics[1].metric_stat.as_ref().unwrap();
        assert_eq!(
            (
                m1.namespace.as_str(),
                m1.metric_name.as_str(),
                m1.stat.as_str()
            ),
            ("AWS/Lambda", "Errors", "Sum")
        );
        assert_eq!(
            (m2.namespace.as_str(), m2.metric_name.as_str()),
            ("AWS/Lambda", "Invocations")
        );
        assert_eq!(
            m1.dimensions.get("FunctionName").map(String::as_str),
            Some("checkout-api")
        );
        assert_eq!((m1.period, m2.period), (60, 60));
        assert!(
            !def.metrics[0].return_data
                && !def.metrics[1].return_data
                && def.metrics[2].return_data
        );
        assert_eq!(
            def.metrics[2].expression.as_deref(),
            Some("IF(m2 > 0, 100 * FILL(m1, 0) / m2, 0)")
        );
        assert_eq!(def.threshold, 5.0);
        assert_eq!(def.comparison_operator, "GreaterThanThreshold");
        assert_eq!((def.evaluation_periods, def.datapoints_to_alarm), (2, 2));
        assert_eq!(def.treat_missing_data, "notBreaching");
        assert!(
            def.namespace.is_none() && def.period.is_none(),
            "math alarms carry no single metric"
        );
        // Children page through the composite only.
        assert!(def.alarm_actions.is_empty() && def.ok_actions.is_empty());
        assert_eq!(def.tags.get("team").map(String::as_str), Some("payments"));
    }

    #[test]
    fn child_actions_copy_the_sets_actions_sorted() {
        let mut s = set();
        s.child_actions = true;
        let def = metric_alarm_def(&s, "lambda_errors", &lambda_errors());
        assert_eq!(
            def.alarm_actions,
            vec![
                "arn:aws:sns:us-east-1:123456789012:a",
                "arn:aws:sns:us-east-1:123456789012:b"
            ]
        );
    }

    #[test]
    fn every_preset_expands_with_its_dimension() {
        for p in PRESETS {
            let dimension = if p.dimension_name.is_none() {
                "App/DbErrors"
            } else {
                "thing"
            };
            let body = preset_body(p, dimension, None).unwrap_or_else(|| panic!("{}", p.name));
            for ns in body.namespaces() {
                assert!(!ns.is_empty(), "{}", p.name);
            }
            match (&p.body, &body) {
                (PresetBody::Ratio { .. }, Body::Ratio { numerator, .. }) => {
                    assert_eq!(
                        numerator
                            .dimensions
                            .get(p.dimension_name.unwrap())
                            .map(String::as_str),
                        Some("thing")
                    )
                }
                (PresetBody::Single { .. }, Body::Single(m)) => {
                    assert_eq!(
                        m.dimensions
                            .get(p.dimension_name.unwrap())
                            .map(String::as_str),
                        Some("thing")
                    )
                }
                (PresetBody::LogMetric { .. }, Body::Single(m)) => {
                    assert_eq!(
                        (m.namespace.as_str(), m.metric_name.as_str()),
                        ("App", "DbErrors")
                    );
                    assert!(m.dimensions.is_empty());
                }
                other => panic!("{}: {other:?}", p.name),
            }
            // Every preset's defaults fit the seed's five minutes (P4).
            let secs = detection_seconds(p.period, p.evaluation_periods, &body.namespaces());
            assert!(
                secs <= DEFAULT_MAX_DETECTION_SECONDS,
                "{} takes {secs}s",
                p.name
            );
        }
    }

    #[test]
    fn cloudfront_reads_the_global_region_dimension_and_latency_a_percentile() {
        let cf = preset_body(preset("cloudfront_5xx_rate").unwrap(), "E123", None).unwrap();
        let Body::Single(m) = cf else { panic!() };
        assert_eq!(
            m.dimensions.get("Region").map(String::as_str),
            Some("Global")
        );
        let mut r = lambda_errors();
        r.body = preset_body(preset("api_p95_latency").unwrap(), "shop", None).unwrap();
        let def = metric_alarm_def(&set(), "latency", &r);
        assert_eq!(def.extended_statistic.as_deref(), Some("p95"));
        assert_eq!(def.statistic, None);
        assert_eq!(def.namespace.as_deref(), Some("AWS/ApiGateway"));
        assert!(def.metrics.is_empty());
    }

    #[test]
    fn log_metric_dimension_splits_at_the_last_slash() {
        assert_eq!(
            split_log_metric("Opsdeck/App/DatabaseConnectionErrors"),
            Some(("Opsdeck/App", "DatabaseConnectionErrors"))
        );
        assert_eq!(split_log_metric("NoSlash"), None);
        assert_eq!(split_log_metric("Trailing/"), None);
        assert!(preset_body(preset("log_errors").unwrap(), "NoSlash", None).is_none());
    }

    #[test]
    fn detection_time_counts_the_first_period_the_slowest_delay_and_the_evaluation() {
        // (datapoints + 1) × period + delay + evaluation interval.
        assert_eq!(detection_seconds(60, 3, &["AWS/Lambda"]), 360);
        assert_eq!(detection_seconds(60, 1, &["AWS/CloudFront"]), 300);
        assert_eq!(
            detection_seconds(300, 2, &["AWS/Lambda", "AWS/CloudFront"]),
            1080
        );
        assert_eq!(detection_seconds(10, 3, &["Custom/App"]), 110);
        assert_eq!(publication_delay("AWS/SQS"), DEFAULT_AWS_DELAY);
    }

    #[test]
    fn descriptions_carry_a_parseable_marker() {
        let def = metric_alarm_def(&set(), "lambda_errors", &lambda_errors());
        let (text, fields) = parse_description(&def.alarm_description).unwrap();
        assert_eq!(text, "Lambda checkout-api: error rate > 5%");
        assert_eq!(fields["set"], "checkout");
        assert_eq!(fields["key"], "lambda_errors");
        assert_eq!(fields["kind"], "preset:lambda_error_rate");
        assert_eq!(fields["severity"], "critical");
        assert_eq!(fields["runbook"], "https://runbooks.example.com/lambda");
        let (text, fields) =
            parse_description(&composite_description("", "checkout", "high")).unwrap();
        assert_eq!((text.as_str(), fields["severity"].as_str()), ("", "high"));
        assert!(parse_description("written by hand").is_none());
        // A marker-looking word inside the text does not confuse the parser.
        let tricky = child_description("see [opsdeck] docs", "s", "k", &Kind::Ratio, "low", None);
        assert_eq!(parse_description(&tricky).unwrap().0, "see [opsdeck] docs");
    }

    #[test]
    fn the_highest_severity_wins() {
        assert_eq!(highest_severity(["low", "critical", "high"]), "critical");
        assert_eq!(highest_severity(["info"]), "info");
        assert_eq!(highest_severity([]), "info");
    }

    #[test]
    fn definitions_serialise_canonically() {
        let def = metric_alarm_def(&set(), "k", &lambda_errors());
        let json = to_json(&def);
        let back: MetricAlarmDef = serde_json::from_str(&json).unwrap();
        assert_eq!(back, def);
        assert_eq!(to_json(&back), json, "a round trip must give the same text");
        assert!(json.starts_with("{\"AlarmDescription\":"), "{json}");
    }

    #[test]
    fn thresholds_are_checked_against_their_range() {
        assert!(ThresholdRange::Percent.check(150.0).is_err());
        assert!(ThresholdRange::Percent.check(5.0).is_ok());
        assert!(ThresholdRange::NonNegative.check(-1.0).is_err());
        assert!(ThresholdRange::Positive.check(0.0).is_err());
        assert!(ThresholdRange::Any.check(-5.0).is_ok());
        assert!(check_statistic("p99.9").is_ok());
        assert!(check_statistic("p0").is_err());
        assert!(check_statistic("Median").is_err());
    }

    /// The presets the observability module needs (issue 13), read the way CloudWatch
    /// must see them.
    #[test]
    fn aurora_presets_watch_the_cluster_metrics() {
        let cases = [
            (
                "aurora_connections",
                "DatabaseConnections",
                "GreaterThanThreshold",
                150.0,
            ),
            (
                "aurora_capacity",
                "ServerlessDatabaseCapacity",
                "GreaterThanOrEqualToThreshold",
                2.0,
            ),
            ("aurora_cpu", "CPUUtilization", "GreaterThanThreshold", 80.0),
        ];
        for (name, metric, comparison, threshold) in cases {
            let p = preset(name).unwrap_or_else(|| panic!("{name} is not a preset"));
            let Some(Body::Single(m)) = preset_body(p, "opsdeck-prod", None) else {
                panic!("{name}: one metric expected")
            };
            assert_eq!(m.namespace, "AWS/RDS", "{name}");
            assert_eq!(m.metric_name, metric, "{name}");
            assert_eq!(m.statistic, "Maximum", "{name}: the busiest instance");
            assert_eq!(
                m.dimensions,
                BTreeMap::from([("DBClusterIdentifier".to_owned(), "opsdeck-prod".to_owned())]),
                "{name}"
            );
            assert_eq!(
                (p.comparison, p.threshold),
                (comparison, threshold),
                "{name}"
            );
        }
        let capacity = preset("aurora_capacity").unwrap();
        let body = preset_body(capacity, "opsdeck-prod", None).unwrap();
        assert_eq!(
            default_description(
                &Kind::Preset(capacity),
                &body,
                capacity.comparison,
                capacity.threshold,
                Some("opsdeck-prod")
            ),
            "Aurora opsdeck-prod: capacity >= 2 ACU"
        );
        assert!(preset("aurora_cpu").unwrap().range.check(101.0).is_err());
    }

    #[test]
    fn database_connection_errors_alarm_on_any_logged_error() {
        let p = preset("db_connection_errors").unwrap();
        let Some(Body::Single(m)) = preset_body(p, "Opsdeck/App/DatabaseConnectionErrors", None)
        else {
            panic!("one metric expected")
        };
        assert_eq!(
            (
                m.namespace.as_str(),
                m.metric_name.as_str(),
                m.statistic.as_str()
            ),
            ("Opsdeck/App", "DatabaseConnectionErrors", "Sum")
        );
        assert!(m.dimensions.is_empty());
        assert_eq!((p.comparison, p.threshold), ("GreaterThanThreshold", 0.0));
        assert!(preset_body(p, "NoNamespace", None).is_none());
    }

    /// The stricter bound being worked on for P4 counts one more period and CloudWatch's
    /// 60 s evaluation interval: the new presets must stay well inside 300 s under it.
    #[test]
    fn new_presets_fire_well_within_five_minutes_under_a_stricter_bound() {
        for name in [
            "aurora_connections",
            "aurora_capacity",
            "aurora_cpu",
            "db_connection_errors",
        ] {
            let p = preset(name).unwrap();
            let body = preset_body(p, "Opsdeck/App/Errors", None).unwrap();
            let delay = body
                .namespaces()
                .iter()
                .map(|ns| publication_delay(ns))
                .max()
                .unwrap();
            let strict = p.period * (p.evaluation_periods + 1) + 60 + i64::from(delay);
            assert!(strict <= 240, "{name}: {strict}s under the stricter bound");
        }
    }
}
