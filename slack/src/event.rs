//! What arrives: the Lambda event from SNS, unwrapped into [`SnsMessage`]s.

use serde::Deserialize;
use serde_json::Value;

/// One SNS notification as the formatter needs it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SnsMessage {
    pub message_id: String,
    pub topic_arn: String,
    pub subject: Option<String>,
    pub message: String,
    pub timestamp: String,
}

#[derive(Deserialize)]
struct SnsEvent {
    #[serde(rename = "Records")]
    records: Vec<SnsRecord>,
}

#[derive(Deserialize)]
struct SnsRecord {
    #[serde(rename = "Sns")]
    sns: SnsBody,
}

#[derive(Deserialize)]
struct SnsBody {
    #[serde(rename = "MessageId", default)]
    message_id: String,
    #[serde(rename = "TopicArn", default)]
    topic_arn: String,
    #[serde(rename = "Subject", default)]
    subject: Option<String>,
    #[serde(rename = "Message", default)]
    message: String,
    #[serde(rename = "Timestamp", default)]
    timestamp: String,
}

/// The messages of a Lambda event. An SNS event gives one message per record; any
/// other payload (a direct invoke, an EventBridge rule that targets the function
/// itself) becomes one message holding the payload's JSON, so it is still posted
/// instead of being dropped.
pub fn messages(payload: &Value) -> Vec<SnsMessage> {
    if let Ok(event) = SnsEvent::deserialize(payload) {
        if !event.records.is_empty() {
            return event
                .records
                .into_iter()
                .map(|r| SnsMessage {
                    message_id: r.sns.message_id,
                    topic_arn: r.sns.topic_arn,
                    subject: r.sns.subject.filter(|s| !s.is_empty()),
                    message: r.sns.message,
                    timestamp: r.sns.timestamp,
                })
                .collect();
        }
    }
    vec![SnsMessage {
        message: match payload {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        },
        ..SnsMessage::default()
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unwraps_each_sns_record() {
        let payload = json!({"Records": [
            {"EventSource": "aws:sns", "Sns": {"MessageId": "m1", "TopicArn": "arn:t", "Subject": null, "Message": "one", "Timestamp": "t1"}},
            {"EventSource": "aws:sns", "Sns": {"MessageId": "m2", "TopicArn": "arn:t", "Subject": "s", "Message": "two", "Timestamp": "t2"}}
        ]});
        let got = messages(&payload);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].message, "one");
        assert_eq!(got[0].subject, None);
        assert_eq!(got[1].subject.as_deref(), Some("s"));
    }

    #[test]
    fn any_other_payload_becomes_one_message() {
        let got = messages(&json!({"detail-type": "x"}));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].message, r#"{"detail-type":"x"}"#);
        assert_eq!(
            messages(&json!({"Records": []}))[0].message,
            r#"{"Records":[]}"#
        );
    }
}
