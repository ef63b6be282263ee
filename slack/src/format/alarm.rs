//! CloudWatch alarm state changes (metric and composite alarms), as CloudWatch
//! publishes them to SNS. Field names follow the JSON schema AWS documents in
//! "Notification formats for alarm state changes"; every field is optional here
//! because a message that lacks one must still be posted.

use serde::Deserialize;
use serde_json::Value;

use crate::annotations;
use crate::blocks::{escape, link, truncate, Message};
use crate::console;
use crate::event::SnsMessage;

use super::{footer, FormatContext};

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "PascalCase")]
pub struct AlarmMessage {
    pub alarm_name: String,
    #[serde(default)]
    pub alarm_description: Option<String>,
    #[serde(rename = "AWSAccountId", default)]
    pub aws_account_id: Option<String>,
    pub new_state_value: String,
    #[serde(default)]
    pub new_state_reason: Option<String>,
    #[serde(default)]
    pub state_change_time: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub alarm_arn: Option<String>,
    #[serde(default)]
    pub old_state_value: Option<String>,
    #[serde(default)]
    pub trigger: Option<Trigger>,
    /// Present only for composite alarms.
    #[serde(default)]
    pub alarm_rule: Option<String>,
    /// ARNs (as AWS's schema says) or `{Arn, State: {Value, Timestamp}}` objects (as
    /// CloudWatch sends them): both are read.
    #[serde(default)]
    pub triggering_children: Option<Vec<Value>>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "PascalCase")]
pub struct Trigger {
    pub metric_name: Option<String>,
    pub namespace: Option<String>,
    pub statistic: Option<String>,
    pub extended_statistic: Option<String>,
    pub unit: Option<String>,
    #[serde(default)]
    pub dimensions: Vec<Dimension>,
    pub period: Option<f64>,
    pub evaluation_periods: Option<f64>,
    pub datapoints_to_alarm: Option<f64>,
    pub comparison_operator: Option<String>,
    pub threshold: Option<f64>,
    pub threshold_metric_id: Option<String>,
    pub treat_missing_data: Option<String>,
    /// Metric math and multi-metric alarms.
    pub metrics: Option<Vec<MetricQuery>>,
}

#[derive(Deserialize, Debug, Default)]
pub struct Dimension {
    #[serde(alias = "Name")]
    pub name: String,
    #[serde(alias = "Value")]
    pub value: String,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "PascalCase")]
pub struct MetricQuery {
    pub id: Option<String>,
    pub expression: Option<String>,
    pub label: Option<String>,
    pub return_data: Option<bool>,
    pub metric_stat: Option<MetricStat>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "PascalCase")]
pub struct MetricStat {
    pub metric: Option<Metric>,
    pub period: Option<f64>,
    pub stat: Option<String>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "PascalCase")]
pub struct Metric {
    #[serde(default)]
    pub dimensions: Vec<Dimension>,
    pub metric_name: Option<String>,
    pub namespace: Option<String>,
}

/// Is this JSON object a CloudWatch alarm notification?
pub fn matches(value: &Value) -> bool {
    value.get("AlarmName").is_some_and(Value::is_string)
        && value.get("NewStateValue").is_some_and(Value::is_string)
}

fn state_emoji(state: &str) -> &'static str {
    match state {
        "ALARM" => ":red_circle:",
        "OK" => ":large_green_circle:",
        "INSUFFICIENT_DATA" => ":white_circle:",
        _ => ":grey_question:",
    }
}

pub fn severity_label(severity: &str) -> String {
    let emoji = match severity {
        "critical" => ":rotating_light: ",
        "high" => ":red_circle: ",
        "medium" | "warning" => ":warning: ",
        "low" | "info" => ":information_source: ",
        _ => "",
    };
    format!("{emoji}{}", escape(severity))
}

fn operator(op: &str) -> &str {
    match op {
        "GreaterThanOrEqualToThreshold" => ">=",
        "GreaterThanThreshold" => ">",
        "LessThanThreshold" => "<",
        "LessThanOrEqualToThreshold" => "<=",
        "LessThanLowerOrGreaterThanUpperThreshold" => "outside the band",
        "LessThanLowerThreshold" => "below the band",
        "GreaterThanUpperThreshold" => "above the band",
        other => other,
    }
}

/// A number as people write it: 5, 0.5, 1234.5 (no trailing `.0`).
pub fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn dimensions(dims: &[Dimension]) -> String {
    dims.iter()
        .map(|d| format!("{}={}", d.name, d.value))
        .collect::<Vec<_>>()
        .join(", ")
}

fn metric_line(
    namespace: Option<&str>,
    name: Option<&str>,
    stat: Option<&str>,
    dims: &[Dimension],
) -> String {
    let mut line = [namespace, name]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(stat) = stat {
        line.push_str(&format!(" ({stat})"));
    }
    let dims = dimensions(dims);
    if !dims.is_empty() {
        line.push_str(&format!(" {dims}"));
    }
    line
}

/// The metric and the condition, in mrkdwn.
fn trigger_fields(t: &Trigger) -> Vec<(&'static str, String)> {
    let mut fields = Vec::new();
    let threshold = match (&t.threshold_metric_id, t.threshold) {
        (Some(id), _) => format!("band `{}`", escape(id)),
        (None, Some(v)) => number(v),
        (None, None) => String::new(),
    };
    let op = t
        .comparison_operator
        .as_deref()
        .map(operator)
        .unwrap_or_default();
    match &t.metrics {
        Some(queries) if !queries.is_empty() => {
            let mut lines = Vec::new();
            for q in queries {
                let id = q.id.as_deref().unwrap_or("?");
                let marker = if q.return_data == Some(true) {
                    " ← alarm input"
                } else {
                    ""
                };
                if let Some(expr) = &q.expression {
                    let label = q
                        .label
                        .as_deref()
                        .map(|l| format!(" ({l})"))
                        .unwrap_or_default();
                    lines.push(format!(
                        "`{}` = `{}`{}{marker}",
                        escape(id),
                        escape(expr),
                        escape(&label)
                    ));
                } else if let Some(stat) = &q.metric_stat {
                    let m = stat.metric.as_ref();
                    let line = metric_line(
                        m.and_then(|m| m.namespace.as_deref()),
                        m.and_then(|m| m.metric_name.as_deref()),
                        stat.stat.as_deref(),
                        m.map(|m| m.dimensions.as_slice()).unwrap_or_default(),
                    );
                    lines.push(format!("`{}` = {}{marker}", escape(id), escape(&line)));
                }
            }
            fields.push(("Metrics", lines.join("\n")));
            if !op.is_empty() {
                fields.push((
                    "Condition",
                    format!("{} {}", escape(op), threshold).trim().to_owned(),
                ));
            }
        }
        _ => {
            let stat = t.extended_statistic.as_deref().or(t.statistic.as_deref());
            let line = metric_line(
                t.namespace.as_deref(),
                t.metric_name.as_deref(),
                stat,
                &t.dimensions,
            );
            fields.push(("Metric", escape(&line)));
            if !op.is_empty() {
                let unit = t
                    .unit
                    .as_deref()
                    .filter(|u| !u.is_empty() && *u != "None")
                    .map(|u| format!(" {u}"))
                    .unwrap_or_default();
                fields.push((
                    "Condition",
                    format!("{} {}{}", escape(op), threshold, escape(&unit))
                        .trim()
                        .to_owned(),
                ));
            }
        }
    }
    if let (Some(evals), Some(period)) = (t.evaluation_periods, t.period) {
        let of = t.datapoints_to_alarm.unwrap_or(evals);
        fields.push((
            "Evaluation",
            format!("{} of {} × {} s", number(of), number(evals), number(period)),
        ));
    }
    fields
}

fn child_name(child: &Value) -> Option<(String, Option<String>)> {
    let (arn, state) = match child {
        Value::String(arn) => (arn.as_str(), None),
        Value::Object(o) => (
            o.get("Arn").and_then(Value::as_str)?,
            o.get("State")
                .and_then(|s| s.get("Value"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        ),
        _ => return None,
    };
    Some((arn.to_owned(), state))
}

pub fn format(msg: &SnsMessage, alarm: &AlarmMessage, ctx: &FormatContext) -> Value {
    let notes = annotations::parse(alarm.alarm_description.as_deref().unwrap_or_default());
    let state = alarm.new_state_value.as_str();
    let composite = alarm.alarm_rule.is_some();
    let arn = alarm.alarm_arn.as_deref().unwrap_or_default();
    let reason = alarm.new_state_reason.as_deref().unwrap_or_default();

    let kind = if composite {
        "composite alarm"
    } else {
        "alarm"
    };
    let severity = notes.severity.as_deref();
    let text = match severity {
        Some(s) => format!(
            "{state}: {} ({s}) {}",
            alarm.alarm_name,
            truncate(reason, 200)
        ),
        None => format!("{state}: {} {}", alarm.alarm_name, truncate(reason, 200)),
    };
    let mut message = Message::new(&text).header(&format!(
        "{} {state}: {}",
        state_emoji(state),
        alarm.alarm_name
    ));
    if !notes.text.is_empty() {
        message = message.section(&escape(&notes.text));
    }
    if !reason.is_empty() {
        message = message.section(&format!("*Reason*\n{}", escape(reason)));
    }

    let mut fields: Vec<(&str, String)> = vec![
        ("Severity", severity.map(severity_label).unwrap_or_default()),
        (
            "Alarm set",
            escape(notes.set.as_deref().unwrap_or_default()),
        ),
        (
            "State",
            match alarm.old_state_value.as_deref() {
                Some(old) => format!("{} → {}", escape(old), escape(state)),
                None => escape(state),
            },
        ),
    ];
    if let Some(trigger) = &alarm.trigger {
        fields.extend(trigger_fields(trigger));
    }
    if let Some(rule) = &alarm.alarm_rule {
        fields.push(("Rule", format!("`{}`", escape(&truncate(rule, 1500)))));
    }
    fields.push((
        "Changed at",
        escape(alarm.state_change_time.as_deref().unwrap_or_default()),
    ));
    fields.push((
        "Account / region",
        escape(
            &[alarm.aws_account_id.as_deref(), alarm.region.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" / "),
        ),
    ));
    message = message.fields(&fields);

    if composite {
        let children: Vec<String> = alarm
            .triggering_children
            .iter()
            .flatten()
            .filter_map(child_name)
            .map(|(arn, child_state)| {
                let name = arn
                    .rsplit_once(":alarm:")
                    .map(|(_, n)| n.to_owned())
                    .unwrap_or_else(|| arn.clone());
                let label = match console::alarm_url(&arn) {
                    Some(url) => link(&url, &name),
                    None => escape(&name),
                };
                match child_state {
                    Some(s) => format!("• {label} ({})", escape(&s)),
                    None => format!("• {label}"),
                }
            })
            .collect();
        if !children.is_empty() {
            message = message.section(&format!("*Triggered by*\n{}", children.join("\n")));
        }
    }

    let dashboard = notes
        .dashboard
        .clone()
        .or_else(|| ctx.default_dashboard.clone());
    message = message.buttons(&[
        ("Runbook", notes.runbook.clone()),
        ("Open alarm", console::alarm_url(arn)),
        (
            "Dashboard",
            dashboard.and_then(|d| console::dashboard_url(arn, &d)),
        ),
    ]);
    message
        .context(&footer(kind, msg, console::region_code(arn)))
        .build()
}
