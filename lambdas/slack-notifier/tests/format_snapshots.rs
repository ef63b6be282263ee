//! Snapshot tests of the formatter: each file in `tests/events/` is wrapped in the
//! Lambda SNS event envelope AWS documents, formatted, and compared with
//! `tests/snapshots/<name>.json`. A changed payload fails the test; after checking
//! the change, accept it with `UPDATE_SNAPSHOTS=1 cargo test -p slack-notifier --test format_snapshots`.
//! Every payload is also checked against Slack's Block Kit limits.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use slack_notifier::event;
use slack_notifier::format::{self, FormatContext, Kind};

fn dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(sub)
}

/// The Lambda event SNS delivers (Records[].Sns), around a subject and a message.
fn sns_event(name: &str, subject: &Value, message: &Value) -> Value {
    let message = match message {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    json!({"Records": [{
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": "arn:aws:sns:ap-northeast-1:123456789012:opsdeck-alarms:5f3c2d1e-8a9b-4c7d-b6e5-f4a3b2c1d0e9",
        "Sns": {
            "Type": "Notification",
            "MessageId": format!("00000000-0000-4000-8000-{:0>12}", name.len()),
            "TopicArn": "arn:aws:sns:ap-northeast-1:123456789012:opsdeck-alarms",
            "Subject": subject,
            "Message": message,
            "Timestamp": "2025-03-01T09:42:14.001Z",
            "SignatureVersion": "1",
            "Signature": "EXAMPLE",
            "SigningCertUrl": "EXAMPLE",
            "UnsubscribeUrl": "EXAMPLE",
            "MessageAttributes": {}
        }
    }]})
}

const CASES: &[(&str, Kind)] = &[
    ("metric_alarm", Kind::MetricAlarm),
    ("metric_math_alarm", Kind::MetricAlarm),
    ("composite_alarm", Kind::CompositeAlarm),
    ("alarm_ok_placeholder_arn", Kind::MetricAlarm),
    ("budget_actual", Kind::Budget),
    ("budget_forecast", Kind::Budget),
    ("step_functions_failed", Kind::StepFunctions),
    ("deploy_succeeded", Kind::Deploy),
    ("rollback_failed", Kind::Deploy),
    ("route_test", Kind::Test),
    ("fallback_text", Kind::Fallback),
    ("fallback_json", Kind::Fallback),
    ("fallback_bad_deploy", Kind::Fallback),
];

/// Slack's documented Block Kit limits; a payload over one is refused whole.
fn assert_within_block_kit_limits(name: &str, payload: &Value) {
    let chars = |v: &Value| v.as_str().map(|s| s.chars().count()).unwrap_or(0);
    let blocks = payload["blocks"]
        .as_array()
        .unwrap_or_else(|| panic!("{name}: no blocks"));
    assert!(
        !blocks.is_empty() && blocks.len() <= 50,
        "{name}: {} blocks",
        blocks.len()
    );
    assert!(
        payload["text"].as_str().is_some_and(|t| !t.is_empty()),
        "{name}: no notification text"
    );
    for b in blocks {
        match b["type"].as_str() {
            Some("header") => assert!(chars(&b["text"]["text"]) <= 150, "{name}: header too long"),
            Some("section") => {
                if let Some(fields) = b["fields"].as_array() {
                    assert!(fields.len() <= 10, "{name}: {} fields", fields.len());
                    for f in fields {
                        assert!(chars(&f["text"]) <= 2000, "{name}: field too long");
                    }
                } else {
                    let n = chars(&b["text"]["text"]);
                    assert!(n > 0 && n <= 3000, "{name}: section of {n} characters");
                }
            }
            Some("actions") => {
                for e in b["elements"].as_array().unwrap() {
                    assert!(
                        chars(&e["text"]["text"]) <= 75,
                        "{name}: button text too long"
                    );
                    let url = e["url"].as_str().unwrap();
                    assert!(
                        url.starts_with("https://") && url.len() <= 3000,
                        "{name}: bad button URL {url}"
                    );
                }
            }
            Some("context") | Some("divider") => {}
            other => panic!("{name}: unexpected block type {other:?}"),
        }
    }
}

#[test]
fn every_event_type_matches_its_snapshot() {
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut mismatches = Vec::new();
    for (name, kind) in CASES {
        let fixture: Value = serde_json::from_str(
            &std::fs::read_to_string(dir("events").join(format!("{name}.json"))).unwrap(),
        )
        .unwrap();
        let event = sns_event(name, &fixture["subject"], &fixture["message"]);
        let messages = event::messages(&event);
        assert_eq!(messages.len(), 1, "{name}");
        let formatted = format::format(&messages[0], &FormatContext::default());
        assert_eq!(
            formatted.kind, *kind,
            "{name}: handled by the wrong formatter"
        );
        assert_within_block_kit_limits(name, &formatted.payload);

        let path = dir("snapshots").join(format!("{name}.json"));
        let got = serde_json::to_string_pretty(&formatted.payload).unwrap() + "\n";
        if update {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(want) if want == got => {}
            Ok(want) => mismatches.push(format!("{name}: payload differs from {}\n--- want\n{want}\n--- got\n{got}", path.display())),
            Err(_) => mismatches.push(format!("{name}: no snapshot at {} (run with UPDATE_SNAPSHOTS=1 after checking the output)\n{got}", path.display())),
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
}

/// Every fixture is used: a new file without a CASES row would otherwise go untested.
#[test]
fn every_fixture_has_a_case() {
    for entry in std::fs::read_dir(dir("events")).unwrap() {
        let name = entry
            .unwrap()
            .path()
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            CASES.iter().any(|(n, _)| *n == name),
            "tests/events/{name}.json has no row in CASES"
        );
    }
}

#[test]
fn a_huge_message_is_cut_with_a_note_not_dropped() {
    let body = "x".repeat(10_000);
    let event = sns_event("huge", &json!("big"), &json!(body));
    let formatted = format::format(&event::messages(&event)[0], &FormatContext::default());
    assert_eq!(formatted.kind, Kind::Fallback);
    assert!(formatted.truncated);
    assert_within_block_kit_limits("huge", &formatted.payload);
    let section = formatted.payload["blocks"][1]["text"]["text"]
        .as_str()
        .unwrap();
    assert!(section.contains("of 10000 characters shown"), "{section}");
}

#[test]
fn a_payload_that_is_not_sns_is_posted_whole() {
    let payload =
        json!({"detail-type": "Something Else", "source": "custom.app", "detail": {"k": "v"}});
    let messages = event::messages(&payload);
    let formatted = format::format(&messages[0], &FormatContext::default());
    assert_eq!(formatted.kind, Kind::Fallback);
    assert!(formatted.payload.to_string().contains("custom.app"));
}

#[test]
fn the_default_dashboard_is_linked_when_the_alarm_names_none() {
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(dir("events").join("metric_math_alarm.json")).unwrap(),
    )
    .unwrap();
    let event = sns_event("m", &fixture["subject"], &fixture["message"]);
    let ctx = FormatContext {
        default_dashboard: Some("ops main".into()),
    };
    let payload = format::format(&event::messages(&event)[0], &ctx)
        .payload
        .to_string();
    assert!(
        payload.contains("#dashboards/dashboard/ops%20main"),
        "{payload}"
    );
}
