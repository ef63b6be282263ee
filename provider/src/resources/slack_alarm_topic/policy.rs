//! The policies of `opsdeck_slack_alarm_topic`, as pure functions: the topic policy it
//! writes, the key policy of the key it creates, and the check of a given key's policy.
//!
//! The check exists because of a silent failure: CloudWatch cannot publish to a topic
//! whose KMS key does not let `cloudwatch.amazonaws.com` use it (the AWS-managed
//! `alias/aws/sns` key never does). The alarm still changes state, the action fails,
//! and nobody is told. So a key whose policy lacks the statement is refused, with the
//! statement to add.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

/// Publishers the topic accepts, and the service principal of each.
pub const PUBLISHERS: &[(&str, &str)] = &[
    ("budgets", "budgets.amazonaws.com"),
    ("cloudwatch", "cloudwatch.amazonaws.com"),
    (
        "codestar-notifications",
        "codestar-notifications.amazonaws.com",
    ),
    ("events", "events.amazonaws.com"),
];

/// Publishers when `publishers` is not set: alarms, budgets and EventBridge rules
/// (Step Functions failures, deploy events).
pub const DEFAULT_PUBLISHERS: &[&str] = &["budgets", "cloudwatch", "events"];

/// The KMS actions a publisher needs on the key of an encrypted topic.
pub const KEY_ACTIONS: &[&str] = &["kms:Decrypt", "kms:GenerateDataKey*"];

pub fn service_principal(publisher: &str) -> Option<&'static str> {
    PUBLISHERS
        .iter()
        .find(|(p, _)| *p == publisher)
        .map(|(_, s)| *s)
}

pub fn publisher_of(principal: &str) -> Option<&'static str> {
    PUBLISHERS
        .iter()
        .find(|(_, s)| *s == principal)
        .map(|(p, _)| *p)
}

/// `AllowCloudwatchToPublish`, `AllowCodestarNotificationsToUseTheKey` ...
fn sid(publisher: &str, what: &str) -> String {
    let camel: String = publisher
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    format!("Allow{camel}{what}")
}

/// The topic policy: each publisher's service principal may `sns:Publish` to this
/// topic only, and only for this account (`aws:SourceAccount`). No statement has a
/// public principal; the account's own IAM principals need no resource policy.
pub fn topic_policy(topic_arn: &str, account: &str, publishers: &[String]) -> Value {
    let statements: Vec<Value> = sorted(publishers)
        .iter()
        .filter_map(|p| service_principal(p).map(|s| (p, s)))
        .map(|(p, service)| {
            json!({
                "Sid": sid(p, "ToPublish"),
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": account}}
            })
        })
        .collect();
    json!({"Version": "2012-10-17", "Id": "opsdeck-slack-alarm-topic", "Statement": statements})
}

/// The statement a publisher needs in the key policy (shown in the refusal).
pub fn key_statement(publisher: &str) -> Value {
    json!({
        "Sid": sid(publisher, "ToUseTheKey"),
        "Effect": "Allow",
        "Principal": {"Service": service_principal(publisher).unwrap_or(publisher)},
        "Action": KEY_ACTIONS,
        "Resource": "*"
    })
}

/// The policy of the key the resource creates: the account administers it (as every
/// KMS key policy must allow, or the key becomes unmanageable), the publishers use it.
pub fn own_key_policy(partition: &str, account: &str, publishers: &[String]) -> Value {
    let mut statements = vec![json!({
        "Sid": "AllowAccountToAdministerTheKey",
        "Effect": "Allow",
        "Principal": {"AWS": format!("arn:{partition}:iam::{account}:root")},
        "Action": "kms:*",
        "Resource": "*"
    })];
    statements.extend(
        sorted(publishers)
            .iter()
            .filter(|p| service_principal(p).is_some())
            .map(|p| key_statement(p)),
    );
    json!({"Version": "2012-10-17", "Id": "opsdeck-slack-alarm-topic-key", "Statement": statements})
}

fn sorted(publishers: &[String]) -> Vec<String> {
    let mut v = publishers.to_vec();
    v.sort();
    v.dedup();
    v
}

// ---------------------------------------------------------------------------------
// Reading policies
// ---------------------------------------------------------------------------------

/// A value that IAM lets be a string or a list of strings.
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn statements(policy: &Value) -> Vec<&Value> {
    match policy.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => Vec::new(),
    }
}

/// IAM's action matching: case-insensitive, `*` and `?` wildcards.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    fn go(p: &[u8], a: &[u8]) -> bool {
        match (p.first(), a.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], a) || (!a.is_empty() && go(p, &a[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &a[1..]),
            (Some(x), Some(y)) if x.eq_ignore_ascii_case(y) => go(&p[1..], &a[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), action.as_bytes())
}

/// Does the statement's principal include `service` (a service principal, or `*`)?
fn principal_covers(statement: &Value, service: &str) -> bool {
    match statement.get("Principal") {
        Some(Value::String(s)) => s == "*",
        Some(Value::Object(o)) => {
            strings(o.get("Service")).iter().any(|s| s == service)
                || strings(o.get("AWS")).iter().any(|s| s == "*")
        }
        _ => false,
    }
}

fn actions_cover(statement: &Value, action: &str) -> bool {
    strings(statement.get("Action"))
        .iter()
        .any(|p| action_matches(p, action))
}

/// Why a topic policy does not let a service publish, when it does not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublishRefusal {
    /// No Allow statement grants `sns:Publish` on the topic to the service.
    NotGranted,
    /// An unconditional Deny takes it away.
    Denied,
    /// The grant is limited to other accounts by `aws:SourceAccount`.
    OtherAccount(Vec<String>),
}

/// Checks that `policy_json` (a topic policy) lets the service principal `service`
/// `sns:Publish` to `topic_arn` on behalf of `account`. Like [`check_key_policy`]:
/// `NotPrincipal`/`NotAction`/`NotResource` statements are not counted as grants, and
/// of the conditions only `aws:SourceAccount` is evaluated (a grant scoped to other
/// accounts does not count; other conditions are assumed to hold).
pub fn check_topic_publish(
    policy_json: &str,
    service: &str,
    topic_arn: &str,
    account: &str,
) -> Result<Result<(), PublishRefusal>, String> {
    let policy: Value = serde_json::from_str(policy_json)
        .map_err(|e| format!("the topic policy is not JSON: {e}"))?;
    let all = statements(&policy);
    let covers = |s: &Value| {
        s.get("NotPrincipal").is_none()
            && s.get("NotAction").is_none()
            && s.get("NotResource").is_none()
            && principal_covers(s, service)
            && actions_cover(s, "sns:Publish")
            && strings(s.get("Resource"))
                .iter()
                .any(|r| action_matches(r, topic_arn))
    };
    let effect = |s: &Value| s.get("Effect").and_then(Value::as_str).map(str::to_owned);
    if all
        .iter()
        .any(|s| covers(s) && effect(s).as_deref() == Some("Deny") && s.get("Condition").is_none())
    {
        return Ok(Err(PublishRefusal::Denied));
    }
    let mut scoped_elsewhere = Vec::new();
    for s in all
        .iter()
        .filter(|s| covers(s) && effect(s).as_deref() == Some("Allow"))
    {
        let accounts = source_accounts(s);
        if accounts.is_empty() || accounts.iter().any(|a| a == account) {
            return Ok(Ok(()));
        }
        scoped_elsewhere.extend(accounts);
    }
    Ok(Err(if scoped_elsewhere.is_empty() {
        PublishRefusal::NotGranted
    } else {
        PublishRefusal::OtherAccount(scoped_elsewhere)
    }))
}

/// The accounts an `aws:SourceAccount` condition (any operator) limits a statement to.
fn source_accounts(statement: &Value) -> Vec<String> {
    let Some(Value::Object(conditions)) = statement.get("Condition") else {
        return Vec::new();
    };
    conditions
        .values()
        .filter_map(Value::as_object)
        .flat_map(|o| {
            o.iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("aws:SourceAccount"))
                .flat_map(|(_, v)| strings(Some(v)))
        })
        .collect()
}

/// What a key policy lacks for one publisher.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingGrant {
    pub publisher: String,
    pub service: String,
    /// Required actions that no Allow statement grants (or an unconditional Deny takes away).
    pub actions: Vec<String>,
    pub denied: bool,
}

/// Checks that `policy` lets each publisher's service principal use the key for
/// `kms:Decrypt` and `kms:GenerateDataKey`. Statements with `NotPrincipal` or
/// `NotAction` are not counted as grants; conditions are not evaluated (a grant with
/// a condition counts, an unconditional Deny removes it).
pub fn check_key_policy(
    policy_json: &str,
    publishers: &[String],
) -> Result<Vec<MissingGrant>, String> {
    let policy: Value = serde_json::from_str(policy_json)
        .map_err(|e| format!("the key policy is not JSON: {e}"))?;
    let all = statements(&policy);
    let mut missing = Vec::new();
    for publisher in sorted(publishers) {
        let Some(service) = service_principal(&publisher) else {
            continue;
        };
        let mut lacking = Vec::new();
        let mut denied = false;
        // GenerateDataKey* is what to grant; GenerateDataKey is what SNS calls.
        for (shown, checked) in [
            ("kms:Decrypt", "kms:Decrypt"),
            ("kms:GenerateDataKey*", "kms:GenerateDataKey"),
        ] {
            let usable = |s: &Value| {
                s.get("NotPrincipal").is_none()
                    && s.get("NotAction").is_none()
                    && principal_covers(s, service)
                    && actions_cover(s, checked)
            };
            let effect = |s: &Value| s.get("Effect").and_then(Value::as_str).map(str::to_owned);
            let allowed = all
                .iter()
                .any(|s| usable(s) && effect(s).as_deref() == Some("Allow"));
            let deny = all.iter().any(|s| {
                usable(s) && effect(s).as_deref() == Some("Deny") && s.get("Condition").is_none()
            });
            if !allowed || deny {
                lacking.push(shown.to_owned());
                denied |= deny;
            }
        }
        if !lacking.is_empty() {
            missing.push(MissingGrant {
                publisher: publisher.clone(),
                service: service.to_owned(),
                actions: lacking,
                denied,
            });
        }
    }
    Ok(missing)
}

/// The refusal: which statements are missing, why that matters, and the JSON to add.
pub fn describe_missing(key_arn: &str, missing: &[MissingGrant]) -> String {
    let names: Vec<String> = missing
        .iter()
        .map(|m| {
            format!(
                "\"{}\"",
                key_statement(&m.publisher)["Sid"]
                    .as_str()
                    .unwrap_or_default()
            )
        })
        .collect();
    let mut text = format!(
        "The key policy of {key_arn} is missing the statement{} {}: ",
        if missing.len() == 1 { "" } else { "s" },
        names.join(", ")
    );
    let lines: Vec<String> = missing
        .iter()
        .map(|m| {
            let how = if m.denied {
                "an unconditional Deny statement takes away"
            } else {
                "no Allow statement grants"
            };
            format!(
                "{how} {} to {} (publisher \"{}\")",
                m.actions.join(" and "),
                m.service,
                m.publisher
            )
        })
        .collect();
    text.push_str(&lines.join("; "));
    text.push_str(
        ". Without it SNS cannot encrypt what these services publish, so their alarms and notices would be dropped silently. \
         Add to the key policy (kms:PutKeyPolicy, or the policy of your aws_kms_key):\n",
    );
    let statements: Vec<String> = missing
        .iter()
        .map(|m| statement_text(&key_statement(&m.publisher)))
        .collect();
    text.push_str(&format!("[\n{}\n]", statements.join(",\n")));
    text.push_str(
        "\nor leave kms_key_arn unset and the resource creates a key with these statements.",
    );
    text
}

/// A statement in the order people write them (Sid, Effect, Principal, Action,
/// Resource), one key per line; serde_json would sort the keys.
fn statement_text(statement: &Value) -> String {
    let lines: Vec<String> = ["Sid", "Effect", "Principal", "Action", "Resource"]
        .iter()
        .filter_map(|k| statement.get(*k).map(|v| format!("    \"{k}\": {v}")))
        .collect();
    format!("  {{\n{}\n  }}", lines.join(",\n"))
}

// ---------------------------------------------------------------------------------
// Comparing policies
// ---------------------------------------------------------------------------------

/// A policy in a canonical form: keys sorted, a one-element list written as its
/// element (IAM treats `"a"` and `["a"]` alike), string lists sorted, statements sorted.
/// Two policies that mean the same have the same canonical form.
pub fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(o) => {
            let sorted: BTreeMap<&String, Value> = o
                .iter()
                .map(|(k, v)| {
                    let v = if k == "Statement" {
                        canonical_statements(v)
                    } else {
                        canonical(v)
                    };
                    (k, v)
                })
                .collect();
            Value::Object(
                sorted
                    .into_iter()
                    .map(|(k, v)| (k.clone(), v))
                    .collect::<Map<String, Value>>(),
            )
        }
        Value::Array(a) if a.len() == 1 => canonical(&a[0]),
        Value::Array(a) => {
            let mut items: Vec<Value> = a.iter().map(canonical).collect();
            if items.iter().all(Value::is_string) {
                items.sort_by(|x, y| x.as_str().cmp(&y.as_str()));
            }
            Value::Array(items)
        }
        other => other.clone(),
    }
}

fn canonical_statements(v: &Value) -> Value {
    let mut items: Vec<Value> = match v {
        Value::Array(a) => a.iter().map(canonical).collect(),
        other => vec![canonical(other)],
    };
    items.sort_by_key(|s| s.to_string());
    if items.len() == 1 {
        items.remove(0)
    } else {
        Value::Array(items)
    }
}

/// The canonical JSON text of a policy document, or `None` when it is not JSON.
pub fn canonical_text(policy_json: &str) -> Option<String> {
    serde_json::from_str::<Value>(policy_json)
        .ok()
        .map(|v| canonical(&v).to_string())
}

/// The publishers a topic policy lets publish (for import): service principals of
/// Allow statements on `sns:Publish`.
pub fn publishers_in(policy_json: &str) -> Vec<String> {
    let Ok(policy) = serde_json::from_str::<Value>(policy_json) else {
        return Vec::new();
    };
    let mut found: Vec<String> = statements(&policy)
        .into_iter()
        .filter(|s| {
            s.get("Effect").and_then(Value::as_str) == Some("Allow")
                && actions_cover(s, "sns:Publish")
        })
        .flat_map(|s| strings(s.get("Principal").and_then(|p| p.get("Service"))))
        .filter_map(|svc| publisher_of(&svc).map(str::to_owned))
        .collect();
    found.sort();
    found.dedup();
    found
}

/// Does any Allow statement of the policy have a public principal (`*` or
/// `{"AWS": "*"}`)? Used by the tests and by the refresh to flag a widened policy.
pub fn has_public_principal(policy_json: &str) -> bool {
    let Ok(policy) = serde_json::from_str::<Value>(policy_json) else {
        return false;
    };
    statements(&policy).iter().any(|s| {
        s.get("Effect").and_then(Value::as_str) == Some("Allow")
            && match s.get("Principal") {
                Some(Value::String(p)) => p == "*",
                Some(Value::Object(o)) => strings(o.get("AWS")).iter().any(|a| a == "*"),
                _ => false,
            }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pubs(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| (*s).to_owned()).collect()
    }

    const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:alarms";

    #[test]
    fn topic_policy_scopes_each_publisher_to_the_account_and_is_never_public() {
        let p = topic_policy(
            TOPIC,
            "123456789012",
            &pubs(&["events", "cloudwatch", "cloudwatch"]),
        );
        let s = p["Statement"].as_array().unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0]["Principal"]["Service"], "cloudwatch.amazonaws.com");
        assert_eq!(
            s[0]["Condition"]["StringEquals"]["aws:SourceAccount"],
            "123456789012"
        );
        assert_eq!(s[0]["Resource"], TOPIC);
        assert!(!has_public_principal(&p.to_string()));
        assert_eq!(
            publishers_in(&p.to_string()),
            pubs(&["cloudwatch", "events"])
        );
    }

    #[test]
    fn public_principals_are_recognised() {
        assert!(has_public_principal(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sns:Publish"}]}"#
        ));
        assert!(has_public_principal(
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":"sns:Publish"}}"#
        ));
        assert!(!has_public_principal(
            r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"sns:Publish"}]}"#
        ));
    }

    #[test]
    fn our_own_key_policy_passes_our_own_check() {
        let policy = own_key_policy(
            "aws",
            "123456789012",
            &pubs(&["budgets", "cloudwatch", "events", "codestar-notifications"]),
        );
        let missing = check_key_policy(
            &policy.to_string(),
            &pubs(&["budgets", "cloudwatch", "events", "codestar-notifications"]),
        )
        .unwrap();
        assert!(missing.is_empty(), "{missing:?}");
    }

    #[test]
    fn the_default_key_policy_lacks_cloudwatch_and_budgets() {
        // What KMS gives a key created without a policy: only the account root.
        let default = r#"{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}]}"#;
        let missing = check_key_policy(default, &pubs(&["budgets", "cloudwatch"])).unwrap();
        assert_eq!(missing.len(), 2);
        assert_eq!(missing[1].service, "cloudwatch.amazonaws.com");
        assert_eq!(
            missing[1].actions,
            vec!["kms:Decrypt", "kms:GenerateDataKey*"]
        );
        let text = describe_missing("arn:aws:kms:us-east-1:123456789012:key/k", &missing);
        assert!(text.contains("\"AllowCloudwatchToUseTheKey\""), "{text}");
        assert!(text.contains("\"AllowBudgetsToUseTheKey\""), "{text}");
        assert!(text.contains("\"kms:GenerateDataKey*\""), "{text}");
        assert!(text.contains("cloudwatch.amazonaws.com"), "{text}");
        // The statements shown are valid JSON, ready to paste.
        let start = text.find("\n[").unwrap() + 1;
        let end = text.rfind(']').unwrap() + 1;
        let shown: Vec<Value> = serde_json::from_str(&text[start..end]).unwrap();
        assert_eq!(shown[1], key_statement("cloudwatch"));
    }

    #[test]
    fn grants_are_read_the_way_iam_reads_them() {
        let p = |stmts: &str| format!(r#"{{"Statement":{stmts}}}"#);
        let cw = pubs(&["cloudwatch"]);
        // Wildcards and list principals count.
        let ok = p(
            r#"[{"Effect":"Allow","Principal":{"Service":["budgets.amazonaws.com","cloudwatch.amazonaws.com"]},"Action":"kms:*","Resource":"*"}]"#,
        );
        assert!(check_key_policy(&ok, &cw).unwrap().is_empty());
        let ok = p(
            r#"{"Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":["kms:decrypt","kms:GenerateDataKey"],"Resource":"*"}"#,
        );
        assert!(check_key_policy(&ok, &cw).unwrap().is_empty());
        // Decrypt alone is not enough.
        let half = p(
            r#"[{"Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":"kms:Decrypt","Resource":"*"}]"#,
        );
        assert_eq!(
            check_key_policy(&half, &cw).unwrap()[0].actions,
            vec!["kms:GenerateDataKey*"]
        );
        // NotAction is not a grant; an unconditional Deny wins.
        let not_action = p(
            r#"[{"Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"},"NotAction":"kms:Encrypt","Resource":"*"}]"#,
        );
        assert_eq!(check_key_policy(&not_action, &cw).unwrap().len(), 1);
        let denied = p(
            r#"[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},{"Effect":"Deny","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":"kms:Decrypt","Resource":"*"}]"#,
        );
        let m = check_key_policy(&denied, &cw).unwrap();
        assert!(m[0].denied && m[0].actions == vec!["kms:Decrypt"], "{m:?}");
        assert!(check_key_policy("not json", &cw).is_err());
    }

    #[test]
    fn equivalent_policies_have_one_canonical_form() {
        let a = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sns:Publish"],"Principal":{"Service":["cloudwatch.amazonaws.com"]},"Resource":"x"},{"Sid":"b","Effect":"Allow","Action":"sns:Publish","Principal":{"Service":"events.amazonaws.com"},"Resource":"x"}]}"#;
        let b = r#"{"Statement":[{"Sid":"b","Resource":"x","Effect":"Allow","Action":"sns:Publish","Principal":{"Service":"events.amazonaws.com"}},{"Resource":"x","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":"sns:Publish","Effect":"Allow"}],"Version":"2012-10-17"}"#;
        assert_eq!(canonical_text(a), canonical_text(b));
        let c = b.replace("events", "budgets");
        assert_ne!(canonical_text(a), canonical_text(&c));
    }

    #[test]
    fn iam_wildcards() {
        assert!(action_matches(
            "kms:GenerateDataKey*",
            "kms:GenerateDataKey"
        ));
        assert!(action_matches("kms:*", "kms:Decrypt"));
        assert!(action_matches("*", "kms:Decrypt"));
        assert!(action_matches("KMS:DECRYPT", "kms:Decrypt"));
        assert!(!action_matches("kms:Encrypt", "kms:Decrypt"));
        assert!(action_matches("kms:Generate?ataKey", "kms:GenerateDataKey"));
    }

    #[test]
    fn topic_publish_check_reads_grants_denies_and_source_account() {
        let topic = "arn:aws:sns:us-east-1:123456789012:alarms";
        let ours = topic_policy(topic, "123456789012", &["budgets".to_owned()]).to_string();
        let budgets = "budgets.amazonaws.com";
        assert_eq!(
            check_topic_publish(&ours, budgets, topic, "123456789012"),
            Ok(Ok(()))
        );
        assert_eq!(
            check_topic_publish(&ours, budgets, topic, "210987654321"),
            Ok(Err(PublishRefusal::OtherAccount(vec![
                "123456789012".into()
            ])))
        );
        let cloudwatch_only =
            topic_policy(topic, "123456789012", &["cloudwatch".to_owned()]).to_string();
        assert_eq!(
            check_topic_publish(&cloudwatch_only, budgets, topic, "123456789012"),
            Ok(Err(PublishRefusal::NotGranted))
        );
        let other_topic = topic_policy(
            "arn:aws:sns:us-east-1:123456789012:other",
            "123456789012",
            &["budgets".to_owned()],
        )
        .to_string();
        assert_eq!(
            check_topic_publish(&other_topic, budgets, topic, "123456789012"),
            Ok(Err(PublishRefusal::NotGranted))
        );
        let wildcard = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":["budgets.amazonaws.com"]},"Action":["SNS:*"],"Resource":"*"},
            {"Effect":"Deny","Principal":"*","Action":"sns:Publish","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;
        assert_eq!(
            check_topic_publish(wildcard, budgets, topic, "123456789012"),
            Ok(Ok(()))
        );
        let denied = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"budgets.amazonaws.com"},"Action":"sns:Publish","Resource":"*"},
            {"Effect":"Deny","Principal":"*","Action":"sns:*","Resource":"*"}]}"#;
        assert_eq!(
            check_topic_publish(denied, budgets, topic, "123456789012"),
            Ok(Err(PublishRefusal::Denied))
        );
        assert!(check_topic_publish("nope", budgets, topic, "123456789012").is_err());
    }
}
