//! opsdeck's own events: deploys and rollbacks from the pipeline, and the test
//! notification `opsdeck_slack_alarm_topic` publishes when `send_test_message` is
//! set. The shapes are documented in the crate README ("opsdeck events").

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::blocks::{escape, link, Message};
use crate::event::SnsMessage;

use super::footer;

/// The `opsdeck` discriminator of a deploy or rollback event.
pub const DEPLOY_SCHEMA: &str = "deploy/v1";
/// The `opsdeck` discriminator of a route test.
pub const TEST_SCHEMA: &str = "test/v1";

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DeployKind {
    Deploy,
    Rollback,
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DeployStatus {
    Started,
    Succeeded,
    Failed,
}

/// A deploy or rollback of one environment. For a rollback, `version` is the version
/// rolled back *to* and `previous_version` the one rolled back *from*.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct DeployEvent {
    /// Always [`DEPLOY_SCHEMA`].
    pub opsdeck: String,
    pub kind: DeployKind,
    pub status: DeployStatus,
    pub environment: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployer: Option<String>,
    /// RFC 3339 time of the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// The GitHub Release of `version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_url: Option<String>,
    /// The pipeline run (e.g. the GitHub Actions run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_url: Option<String>,
    /// Why: the failed step, or why a rollback ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Post-deploy or post-rollback checks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Check {
    pub name: String,
    pub passed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The route test published by `opsdeck_slack_alarm_topic`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct TestEvent {
    /// Always [`TEST_SCHEMA`].
    pub opsdeck: String,
    #[serde(default)]
    pub topic_arn: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
}

/// The `opsdeck` discriminator of a JSON object, if it has one.
pub fn schema(value: &Value) -> Option<&str> {
    value.get("opsdeck").and_then(Value::as_str)
}

pub fn format_deploy(msg: &SnsMessage, e: &DeployEvent) -> Value {
    let (what, emoji) = match (e.kind, e.status) {
        (DeployKind::Deploy, DeployStatus::Started) => {
            ("Deploy started", ":hourglass_flowing_sand:")
        }
        (DeployKind::Deploy, DeployStatus::Succeeded) => ("Deployed", ":rocket:"),
        (DeployKind::Deploy, DeployStatus::Failed) => ("Deploy failed", ":x:"),
        (DeployKind::Rollback, DeployStatus::Started) => ("Rollback started", ":rewind:"),
        (DeployKind::Rollback, DeployStatus::Succeeded) => {
            ("Rolled back", ":leftwards_arrow_with_hook:")
        }
        (DeployKind::Rollback, DeployStatus::Failed) => ("Rollback failed", ":rotating_light:"),
    };
    let target = match e.kind {
        DeployKind::Deploy => format!("{} to {}", e.version, e.environment),
        DeployKind::Rollback => format!("{} to {}", e.environment, e.version),
    };
    let text = format!("{what}: {target}");
    let mut message = Message::new(&text).header(&format!("{emoji} {what}: {target}"));
    if let Some(reason) = &e.reason {
        message = message.section(&format!("*Reason*\n{}", escape(reason)));
    }
    let version = match &e.release_url {
        Some(url) => link(url, &e.version),
        None => escape(&e.version),
    };
    let previous_label = match e.kind {
        DeployKind::Deploy => "Previous version",
        DeployKind::Rollback => "Rolled back from",
    };
    message = message.fields(&[
        ("Environment", escape(&e.environment)),
        ("Version", version),
        (
            previous_label,
            escape(e.previous_version.as_deref().unwrap_or_default()),
        ),
        ("By", escape(e.deployer.as_deref().unwrap_or_default())),
        (
            "Status",
            escape(&format!("{:?}", e.status).to_ascii_lowercase()),
        ),
        ("Time", escape(e.time.as_deref().unwrap_or_default())),
    ]);
    if !e.checks.is_empty() {
        let lines: Vec<String> = e
            .checks
            .iter()
            .map(|c| {
                let mark = if c.passed {
                    ":white_check_mark:"
                } else {
                    ":x:"
                };
                let detail = c
                    .detail
                    .as_deref()
                    .map(|d| format!(" — {}", escape(d)))
                    .unwrap_or_default();
                format!("{mark} {}{detail}", escape(&c.name))
            })
            .collect();
        message = message.section(&format!("*Checks*\n{}", lines.join("\n")));
    }
    message
        .buttons(&[
            ("Release", e.release_url.clone()),
            ("Pipeline run", e.run_url.clone()),
        ])
        .context(&footer("opsdeck", msg, None))
        .build()
}

/// A deploy event posted straight to the webhook (by the `opsdeck` CLI) rather than
/// through the alarm topic: the same message as [`format_deploy`], with the footer naming
/// the pipeline's run id where an SNS message id would be.
pub fn format_direct(e: &DeployEvent, run_id: Option<&str>) -> Value {
    let msg = SnsMessage {
        message_id: run_id.unwrap_or_default().to_owned(),
        timestamp: e.time.clone().unwrap_or_default(),
        message: serde_json::to_string(e).unwrap_or_default(),
        ..SnsMessage::default()
    };
    format_deploy(&msg, e)
}

pub fn format_test(msg: &SnsMessage, e: &TestEvent) -> Value {
    let topic = e.topic_arn.as_deref().unwrap_or(&msg.topic_arn);
    let mut body = format!(
        "Alarms published to `{}` reach this channel.",
        escape(topic)
    );
    if let Some(text) = &e.text {
        body.push_str(&format!("\n{}", escape(text)));
    }
    Message::new("opsdeck test notification: the alarm route works")
        .header(":white_check_mark: opsdeck test notification")
        .section(&body)
        .context(&footer("opsdeck", msg, None))
        .build()
}
