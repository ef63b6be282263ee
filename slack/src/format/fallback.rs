//! Any message no other formatter claims: posted readably, never dropped.

use serde_json::Value;

use crate::blocks::{escape, Message, SECTION_MAX};
use crate::event::SnsMessage;

use super::footer;

/// Room for the code fence and the truncation note inside one section.
const BODY_MAX: usize = SECTION_MAX - 200;

/// `why` says why the message fell through (for example a known type that failed to
/// parse), so that a reader can tell a formatter bug from an unknown source.
pub fn format(msg: &SnsMessage, why: Option<&str>) -> (Value, bool) {
    let parsed = serde_json::from_str::<Value>(&msg.message)
        .ok()
        .filter(|v| v.is_object() || v.is_array());
    // An EventBridge event names itself: "EC2 Instance State-change Notification (aws.ec2)".
    let event_name = parsed.as_ref().and_then(|v| {
        let detail_type = v.get("detail-type")?.as_str()?;
        Some(match v.get("source").and_then(Value::as_str) {
            Some(source) => format!("{detail_type} ({source})"),
            None => detail_type.to_owned(),
        })
    });
    let subject = msg
        .subject
        .clone()
        .or(event_name)
        .unwrap_or_else(|| "SNS message".to_owned());
    // JSON is shown pretty-printed, as code; text as text.
    let (body, is_json) = match &parsed {
        Some(v) => (
            serde_json::to_string_pretty(v).unwrap_or_else(|_| msg.message.clone()),
            true,
        ),
        None => (msg.message.clone(), false),
    };
    let total = body.chars().count();
    let truncated = total > BODY_MAX;
    let shown: String = body.chars().take(BODY_MAX).collect();
    let mut section = if is_json {
        format!("```{}```", escape(&shown))
    } else {
        escape(&shown)
    };
    if truncated {
        section.push_str(&format!(
            "\n_(truncated: {BODY_MAX} of {total} characters shown; the whole message is in the notifier's log under SNS message id {})_",
            escape(&msg.message_id)
        ));
    }
    let text = if is_json {
        subject.clone()
    } else {
        format!("{subject}: {}", shown.lines().next().unwrap_or_default())
    };
    let mut message = Message::new(&text)
        .header(&format!(":envelope: {subject}"))
        .section(&section);
    if let Some(why) = why {
        message = message.context(&escape(why));
    }
    (
        message.context(&footer("SNS", msg, None)).build(),
        truncated,
    )
}
