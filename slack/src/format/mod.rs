//! SNS message → Slack Block Kit payload. Pure functions: the same message always
//! gives the same payload, which the snapshot tests pin.

pub mod alarm;
pub mod budget;
pub mod deploy;
pub mod fallback;
pub mod stepfunctions;

use serde::Deserialize;
use serde_json::Value;

use crate::blocks::escape;
use crate::event::SnsMessage;

/// Settings that shape messages but do not come from the message.
#[derive(Clone, Debug, Default)]
pub struct FormatContext {
    /// Dashboard linked from alarms whose description names none.
    pub default_dashboard: Option<String>,
}

/// Which formatter handled a message (logged with every post).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    MetricAlarm,
    CompositeAlarm,
    Budget,
    StepFunctions,
    Deploy,
    Test,
    Fallback,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::MetricAlarm => "metric_alarm",
            Kind::CompositeAlarm => "composite_alarm",
            Kind::Budget => "budget",
            Kind::StepFunctions => "step_functions",
            Kind::Deploy => "deploy",
            Kind::Test => "test",
            Kind::Fallback => "fallback",
        }
    }
}

/// A formatted message.
#[derive(Clone, Debug)]
pub struct Formatted {
    pub kind: Kind,
    /// The webhook payload: `{"text": ..., "blocks": [...]}`.
    pub payload: Value,
    /// The message was too long to show whole (the handler then logs it whole).
    pub truncated: bool,
}

fn typed<'a, T: Deserialize<'a>>(value: &'a Value) -> Result<T, String> {
    T::deserialize(value).map_err(|e| e.to_string())
}

/// Formats one message. A message that looks like a known type but does not parse
/// as one goes to the fallback with the parse error shown, so it still reaches Slack.
pub fn format(msg: &SnsMessage, ctx: &FormatContext) -> Formatted {
    let done = |kind, payload| Formatted {
        kind,
        payload,
        truncated: false,
    };
    let fallback = |why: Option<String>| {
        let (payload, truncated) = fallback::format(msg, why.as_deref());
        Formatted {
            kind: Kind::Fallback,
            payload,
            truncated,
        }
    };
    if let Ok(json) = serde_json::from_str::<Value>(&msg.message) {
        if alarm::matches(&json) {
            return match typed::<alarm::AlarmMessage>(&json) {
                Ok(a) => {
                    let kind = if a.alarm_rule.is_some() {
                        Kind::CompositeAlarm
                    } else {
                        Kind::MetricAlarm
                    };
                    done(kind, alarm::format(msg, &a, ctx))
                }
                Err(e) => fallback(Some(format!(
                    "Looks like a CloudWatch alarm but could not be read: {e}"
                ))),
            };
        }
        if stepfunctions::matches(&json) {
            return match typed::<stepfunctions::ExecutionEvent>(&json) {
                Ok(e) => done(Kind::StepFunctions, stepfunctions::format(msg, &e)),
                Err(e) => fallback(Some(format!(
                    "Looks like a Step Functions event but could not be read: {e}"
                ))),
            };
        }
        match deploy::schema(&json) {
            Some(deploy::DEPLOY_SCHEMA) => {
                return match typed::<deploy::DeployEvent>(&json) {
                    Ok(e) => done(Kind::Deploy, deploy::format_deploy(msg, &e)),
                    Err(e) => fallback(Some(format!(
                        "An opsdeck deploy event that could not be read: {e}"
                    ))),
                };
            }
            Some(deploy::TEST_SCHEMA) => {
                return match typed::<deploy::TestEvent>(&json) {
                    Ok(e) => done(Kind::Test, deploy::format_test(msg, &e)),
                    Err(e) => fallback(Some(format!(
                        "An opsdeck test event that could not be read: {e}"
                    ))),
                };
            }
            _ => {}
        }
    } else if budget::matches(msg) {
        return done(
            Kind::Budget,
            budget::format(msg, &budget::parse(&msg.message)),
        );
    }
    fallback(None)
}

/// The context line every message ends with: where it came from, so a reader can find
/// the SNS message (and the log line) behind a post.
pub(crate) fn footer(source: &str, msg: &SnsMessage, region: Option<&str>) -> String {
    let mut parts = vec![escape(source)];
    if let Some(region) = region {
        parts.push(escape(region));
    }
    if let Some(topic) = msg.topic_arn.rsplit(':').next().filter(|t| !t.is_empty()) {
        parts.push(format!("topic `{}`", escape(topic)));
    }
    if !msg.message_id.is_empty() {
        parts.push(format!("message `{}`", escape(&msg.message_id)));
    }
    if !msg.timestamp.is_empty() {
        parts.push(escape(&msg.timestamp));
    }
    parts.join(" · ")
}
