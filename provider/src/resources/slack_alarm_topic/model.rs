//! The state, schema and plan-time checks of `opsdeck_slack_alarm_topic`: pure, every
//! message names the attribute and its fix.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, Block, Description, Schema};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use super::policy;
use crate::resources::common::{check_tags, invalid, known, known_list, Arn};
use crate::schema::{computed, optional, optional_computed, required, string_map};

#[derive(Serialize, Deserialize, Debug, Default, Clone, PartialEq)]
pub struct SlackAlarmTopicState {
    pub id: Value<String>,
    pub arn: Value<String>,
    pub name: Value<String>,
    pub display_name: Value<String>,
    pub kms_key_arn: Value<String>,
    pub publishers: Value<Vec<Value<String>>>,
    pub webhook_secret_arn: Value<String>,
    pub notifier_function_arn: Value<String>,
    pub send_test_message: Value<bool>,
    pub tags: Value<BTreeMap<String, Value<String>>>,
    pub tags_all: Value<BTreeMap<String, Value<String>>>,
    pub policy: Value<String>,
    pub subscription_arn: Value<String>,
}

/// Kept in the state's private data: the KMS keys this resource made, which it alone
/// deletes. Every key enters this list the moment it exists, before any later step can
/// fail, so no key is ever left outside the state.
#[derive(Serialize, Deserialize, Debug, Default, Clone, PartialEq)]
#[serde(default)]
pub struct TopicPrivate {
    /// The resource's own key: the one the topic uses (or will, once an update finishes).
    pub own_key_arn: Option<String>,
    /// Own keys the topic no longer needs, still to be scheduled for deletion.
    pub retired_key_arns: Vec<String>,
    /// Creation tokens of keys whose CreateKey got no answer: such a key may exist, tagged
    /// `opsdeck:creation-token = <token>`; an update or destroy finds and deletes it.
    pub pending_key_tokens: Vec<String>,
}

impl TopicPrivate {
    /// True when the resource owns no key at all (nothing to clean up).
    pub fn is_empty(&self) -> bool {
        self.own_key_arn.is_none()
            && self.retired_key_arns.is_empty()
            && self.pending_key_tokens.is_empty()
    }

    /// The key, if it is the resource's own: an ARN in the list, or the id of one.
    pub fn owns(&self, key: &str) -> bool {
        self.own_key_arn
            .as_deref()
            .is_some_and(|k| k == key || k.ends_with(&format!("/{key}")))
    }
}

// ---------------------------------------------------------------------------------
// Validation (pure; every message names the attribute's fix)
// ---------------------------------------------------------------------------------

pub fn check_name(name: &str) -> Result<(), String> {
    if name.ends_with(".fifo") {
        return Err("FIFO topics cannot receive CloudWatch alarm or AWS Budgets notifications: use a standard topic name, without .fifo".into());
    }
    let ok = (1..=256).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!("{name:?} is not a valid SNS topic name: use 1 to 256 letters, digits, hyphens and underscores, e.g. \"opsdeck-prod-alarms\""))
    }
}

pub fn check_kms_key_arn(value: &str) -> Result<(), String> {
    if value.contains("alias/aws/") {
        return Err(format!(
            "{value:?} is an AWS managed key: CloudWatch alarms cannot publish to a topic encrypted with it (its policy cannot grant cloudwatch.amazonaws.com) and are dropped silently. Give a customer managed key whose policy lets the publishers use it, or leave kms_key_arn unset to let the resource create one."
        ));
    }
    let ok = Arn::of(value, "kms").is_some_and(|a| {
        a.resource
            .strip_prefix("key/")
            .is_some_and(|k| !k.is_empty())
            || a.resource
                .strip_prefix("alias/")
                .is_some_and(|a| !a.is_empty())
    });
    if ok {
        Ok(())
    } else {
        Err(format!("{value:?} is not a KMS key or alias ARN: give arn:aws:kms:REGION:ACCOUNT:key/KEY_ID (e.g. aws_kms_key.x.arn), or leave kms_key_arn unset"))
    }
}

/// Never echoes the value: a webhook URL pasted here by mistake must not be printed.
pub fn check_secret_arn(value: &str) -> Result<(), String> {
    if value.contains("://") || value.contains("hooks.slack.com") {
        return Err("this looks like a webhook URL, not a secret ARN. Never put the URL in Terraform configuration (it would be stored in the state): store it in a Secrets Manager secret and give the secret's ARN (aws_secretsmanager_secret.x.arn)".into());
    }
    let ok = Arn::of(value, "secretsmanager").is_some_and(|a| {
        a.resource
            .strip_prefix("secret:")
            .is_some_and(|n| !n.is_empty())
    });
    if ok {
        Ok(())
    } else {
        Err("the value is not a Secrets Manager secret ARN: give arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME (aws_secretsmanager_secret.x.arn)".into())
    }
}

pub fn check_function_arn(value: &str) -> Result<(), String> {
    let ok = Arn::of(value, "lambda").is_some_and(|a| {
        a.resource
            .strip_prefix("function:")
            .is_some_and(|n| !n.is_empty())
    });
    if ok {
        Ok(())
    } else {
        Err(format!("{value:?} is not a Lambda function ARN: give arn:aws:lambda:REGION:ACCOUNT:function:NAME (module.slack_notifier.function_arn)"))
    }
}

pub fn check_publishers(publishers: &[String]) -> Result<(), String> {
    let known: Vec<&str> = policy::PUBLISHERS.iter().map(|(p, _)| *p).collect();
    if publishers.is_empty() {
        return Err(format!(
            "publishers is empty: nobody could publish to the topic. List at least one of {}",
            known.join(", ")
        ));
    }
    let unknown: Vec<&String> = publishers
        .iter()
        .filter(|p| !known.contains(&p.as_str()))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "unknown publisher(s) {unknown:?}: use {}",
            known.join(", ")
        ))
    }
}

impl SlackAlarmTopicState {
    /// Every problem of the known values, on its attribute.
    pub fn check(&self, diags: &mut Diagnostics) {
        let mut fail = |attr: &'static str, summary: &'static str, problem: String| {
            invalid(diags, summary, problem, AttributePath::new(attr))
        };
        if let Some(name) = known(&self.name) {
            if let Err(e) = check_name(name) {
                fail("name", "Invalid topic name", e);
            }
        }
        if let Some(key) = known(&self.kms_key_arn) {
            if let Err(e) = check_kms_key_arn(key) {
                fail("kms_key_arn", "Unusable KMS key", e);
            }
        }
        if let Some(secret) = known(&self.webhook_secret_arn) {
            if let Err(e) = check_secret_arn(secret) {
                fail("webhook_secret_arn", "Invalid webhook_secret_arn", e);
            }
        }
        if let Some(function) = known(&self.notifier_function_arn) {
            if let Err(e) = check_function_arn(function) {
                fail("notifier_function_arn", "Invalid notifier_function_arn", e);
            }
        }
        if self.notifier_function_arn.is_value() && self.webhook_secret_arn.is_null() {
            fail(
                "webhook_secret_arn",
                "Missing webhook_secret_arn",
                "notifier_function_arn is set, so webhook_secret_arn is required: give the ARN of the Secrets Manager secret that holds the Slack webhook URL (the same secret the notifier reads)".into(),
            );
        }
        if let Some(publishers) = known_list(&self.publishers) {
            if let Err(e) = check_publishers(&publishers) {
                fail("publishers", "Invalid publishers", e);
            }
        }
        check_tags(&self.tags, diags);
    }

    pub fn publishers_or_default(&self) -> Vec<String> {
        known_list(&self.publishers).unwrap_or_else(|| {
            policy::DEFAULT_PUBLISHERS
                .iter()
                .map(|s| (*s).to_owned())
                .collect()
        })
    }
}

/// The expected topic policy's canonical JSON.
pub fn expected_policy(topic_arn: &str, publishers: &[String]) -> Option<String> {
    let arn = Arn::of(topic_arn, "sns")?;
    Some(policy::canonical(&policy::topic_policy(topic_arn, arn.account, publishers)).to_string())
}

pub fn schema() -> Schema {
    let publishers_doc = format!(
            "Who may publish: any of {}. Each gets `sns:Publish` on this topic for this account only (`aws:SourceAccount`), and must be allowed to use the KMS key. Default: `[\"budgets\", \"cloudwatch\", \"events\"]`.",
            policy::PUBLISHERS.iter().map(|(p, _)| format!("`{p}`")).collect::<Vec<_>>().join(", ")
        );
    Schema {
            version: 1,
            block: Block {
                description: Description::markdown(
                    "An SNS topic that CloudWatch alarms, AWS Budgets and EventBridge rules publish to, encrypted with a customer managed KMS key that lets them, and routed to Slack through the opsdeck Slack notifier Lambda. The webhook URL stays in Secrets Manager and never enters the state.",
                ),
                attributes: HashMap::from([
                    ("id".to_owned(), computed(AttributeType::String, "The topic ARN.")),
                    ("arn".to_owned(), computed(AttributeType::String, "The topic ARN: use it as the alarm action.")),
                    ("name".to_owned(), required(AttributeType::String, "Topic name (a standard topic; changing it replaces the topic).")),
                    ("display_name".to_owned(), optional(AttributeType::String, "Display name of the topic.")),
                    (
                        "kms_key_arn".to_owned(),
                        optional_computed(
                            AttributeType::String,
                            "Customer managed KMS key (or alias) ARN that encrypts the topic. Its policy must let each publisher use it (`kms:Decrypt`, `kms:GenerateDataKey*`); checked at plan time when known, and refused with the statement to add. Unset: the resource creates a key (alias `alias/opsdeck/sns/<name>`, rotation on) and schedules its deletion on destroy.",
                        ),
                    ),
                    ("publishers".to_owned(), optional_computed(AttributeType::Set(Box::new(AttributeType::String)), &publishers_doc)),
                    (
                        "webhook_secret_arn".to_owned(),
                        optional(AttributeType::String, "ARN of the Secrets Manager secret that holds the Slack webhook URL (the secret the notifier reads). Checked to exist at plan (when known) and apply; its value is never read. Required with `notifier_function_arn`."),
                    ),
                    (
                        "notifier_function_arn".to_owned(),
                        optional(AttributeType::String, "ARN of the Slack notifier function (`modules/slack-notifier`): the topic subscribes it and lets SNS invoke it."),
                    ),
                    (
                        "send_test_message".to_owned(),
                        optional(AttributeType::Bool, "Publish a test notification when the topic is created, so the channel sees that the route works."),
                    ),
                    ("tags".to_owned(), optional(string_map(), "Tags of the topic (and of the key the resource creates); the provider's `default_tags` are added.")),
                    ("tags_all".to_owned(), computed(string_map(), "The tags applied: the provider's `default_tags` merged with `tags`.")),
                    ("policy".to_owned(), computed(AttributeType::String, "The topic policy in effect (canonical JSON). Drift shows here and is repaired on apply.")),
                    (
                        "subscription_arn".to_owned(),
                        computed(AttributeType::String, "ARN of the notifier's subscription. Null after refresh when the subscription or the invoke permission is missing; the next apply repairs it."),
                    ),
                ]),
                ..Default::default()
            },
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tf_provider::value::Value;

    fn errors(state: &SlackAlarmTopicState) -> Vec<String> {
        let mut diags = Diagnostics::default();
        state.check(&mut diags);
        diags
            .errors
            .iter()
            .map(|d| format!("{:?}: {}", d.attribute, d.detail))
            .collect()
    }

    fn s(v: &str) -> Value<String> {
        Value::Value(v.to_owned())
    }

    #[test]
    fn the_aws_managed_sns_key_is_refused_at_validation() {
        let state = SlackAlarmTopicState {
            name: s("alarms"),
            kms_key_arn: s("arn:aws:kms:us-east-1:123456789012:alias/aws/sns"),
            ..Default::default()
        };
        let e = errors(&state);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].contains("kms_key_arn") && e[0].contains("dropped silently"),
            "{e:?}"
        );
    }

    #[test]
    fn a_webhook_url_in_place_of_the_secret_arn_is_refused_without_echoing_it() {
        let state = SlackAlarmTopicState {
            name: s("alarms"),
            webhook_secret_arn: s("https://hooks.slack.com/services/T0/B0/sekr1t"),
            ..Default::default()
        };
        let e = errors(&state).join("\n");
        assert!(
            e.contains("webhook_secret_arn") && e.contains("Secrets Manager"),
            "{e}"
        );
        assert!(!e.contains("sekr1t"), "{e}");
    }

    #[test]
    fn each_bad_value_is_reported_on_its_attribute() {
        let state = SlackAlarmTopicState {
            name: s("alarms.fifo"),
            notifier_function_arn: s("my-function"),
            publishers: Value::Value(vec![s("cloudwatch"), s("sqs")]),
            tags: Value::Value(BTreeMap::from([("aws:reserved".to_owned(), s("x"))])),
            ..Default::default()
        };
        let e = errors(&state).join("\n");
        for attr in [
            "name",
            "notifier_function_arn",
            "webhook_secret_arn",
            "publishers",
            "tags",
        ] {
            assert!(
                e.contains(&format!("Attribute(\"{attr}\")")),
                "no error on {attr} in {e}"
            );
        }
        for needle in ["FIFO", "notifier_function_arn is set", "\"sqs\""] {
            assert!(e.contains(needle), "{needle} not in {e}");
        }
    }

    #[test]
    fn unknown_values_are_not_errors() {
        let state = SlackAlarmTopicState {
            name: s("alarms"),
            kms_key_arn: Value::Unknown,
            webhook_secret_arn: Value::Unknown,
            notifier_function_arn: Value::Unknown,
            publishers: Value::Unknown,
            ..Default::default()
        };
        assert!(errors(&state).is_empty());
    }

    #[test]
    fn good_arns_pass() {
        assert!(check_kms_key_arn(
            "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        )
        .is_ok());
        assert!(check_kms_key_arn("arn:aws:kms:ap-northeast-1:123456789012:alias/opsdeck").is_ok());
        assert!(check_kms_key_arn("1234abcd-12ab-34cd-56ef-1234567890ab").is_err());
        assert!(check_secret_arn(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:slack-AbCdEf"
        )
        .is_ok());
        assert!(
            check_function_arn("arn:aws:lambda:us-east-1:123456789012:function:notifier").is_ok()
        );
        assert!(check_function_arn("arn:aws:lambda:us-east-1:123456789012:layer:x").is_err());
    }

    #[test]
    fn the_expected_policy_is_canonical_and_scoped() {
        let text = expected_policy(
            "arn:aws:sns:us-east-1:123456789012:alarms",
            &["cloudwatch".to_owned()],
        )
        .unwrap();
        assert_eq!(
            policy::canonical_text(&text).as_deref(),
            Some(text.as_str())
        );
        assert!(
            text.contains("\"aws:SourceAccount\":\"123456789012\""),
            "{text}"
        );
        assert!(!policy::has_public_principal(&text));
    }
}
