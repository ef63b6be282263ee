//! "Step Functions Execution Status Change" events from EventBridge, delivered through
//! SNS as the event's JSON (no input transformer).

use serde::Deserialize;
use serde_json::Value;

use crate::blocks::{escape, truncate, Message};
use crate::console;
use crate::event::SnsMessage;

use super::footer;

pub const DETAIL_TYPE: &str = "Step Functions Execution Status Change";

#[derive(Deserialize, Debug, Default)]
pub struct ExecutionEvent {
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub time: Option<String>,
    pub detail: ExecutionDetail,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionDetail {
    pub execution_arn: String,
    #[serde(default)]
    pub state_machine_arn: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    pub status: String,
    #[serde(default)]
    pub start_date: Option<i64>,
    #[serde(default)]
    pub stop_date: Option<i64>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub cause: Option<String>,
}

pub fn matches(value: &Value) -> bool {
    value.get("source").and_then(Value::as_str) == Some("aws.states")
        && value.get("detail-type").and_then(Value::as_str) == Some(DETAIL_TYPE)
}

/// A duration in milliseconds as "1 h 2 min 3 s" (or "850 ms").
pub fn duration(ms: i64) -> String {
    if ms < 1000 {
        return format!("{ms} ms");
    }
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(format!("{s} s"));
    }
    parts.join(" ")
}

pub fn format(msg: &SnsMessage, event: &ExecutionEvent) -> Value {
    let d = &event.detail;
    let machine = d
        .state_machine_arn
        .as_deref()
        .and_then(|a| a.rsplit_once(":stateMachine:").map(|(_, n)| n.to_owned()))
        .unwrap_or_else(|| "state machine".to_owned());
    let emoji = match d.status.as_str() {
        "SUCCEEDED" => ":large_green_circle:",
        "RUNNING" => ":arrow_forward:",
        "FAILED" | "TIMED_OUT" | "ABORTED" => ":x:",
        _ => ":grey_question:",
    };
    let status_words = d.status.to_ascii_lowercase().replace('_', " ");
    let error = d.error.as_deref().unwrap_or_default();
    let text = format!("Step Functions {machine} execution {status_words}: {error}");
    let mut message =
        Message::new(&text).header(&format!("{emoji} {machine}: execution {status_words}"));
    if !error.is_empty() || d.cause.is_some() {
        let cause = d
            .cause
            .as_deref()
            .map(|c| format!("\n```{}```", escape(&truncate(c, 2500))))
            .unwrap_or_default();
        message = message.section(&format!("*Error* `{}`{cause}", escape(error)));
    }
    let took = match (d.start_date, d.stop_date) {
        (Some(start), Some(stop)) if stop >= start => duration(stop - start),
        _ => String::new(),
    };
    message = message.fields(&[
        ("State machine", escape(&machine)),
        ("Execution", escape(d.name.as_deref().unwrap_or_default())),
        ("Status", escape(&d.status)),
        ("Duration", took),
        ("Time", escape(event.time.as_deref().unwrap_or_default())),
        (
            "Account / region",
            escape(
                &[event.account.as_deref(), event.region.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" / "),
            ),
        ),
    ]);
    message
        .buttons(&[("Open execution", console::execution_url(&d.execution_arn))])
        .context(&footer(
            "Step Functions via EventBridge",
            msg,
            event.region.as_deref(),
        ))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(duration(850), "850 ms");
        assert_eq!(duration(5034), "5 s");
        assert_eq!(duration(3_723_000), "1 h 2 min 3 s");
        assert_eq!(duration(120_000), "2 min");
    }
}
