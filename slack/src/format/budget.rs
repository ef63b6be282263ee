//! AWS Budgets notifications. Budgets publishes plain text to SNS (the text of its
//! e-mail), with a subject such as "AWS Budgets: monthly has exceeded your alert
//! threshold" and a block of `Key: value` lines:
//!
//! ```text
//! Budget Name: monthly
//! Budget Type: Cost
//! Budgeted Amount: $100.00
//! Alert Type: ACTUAL
//! Alert Threshold: > $80.00
//! ACTUAL Amount: $85.42
//! ```

use std::collections::BTreeMap;

use serde_json::Value;

use crate::blocks::{escape, Message};
use crate::console;
use crate::event::SnsMessage;

use super::footer;

/// The `Key: value` lines of a budget notice.
#[derive(Debug, Default, PartialEq)]
pub struct BudgetNotice {
    pub fields: BTreeMap<String, String>,
    /// The sentence that explains the alert ("You requested that we alert you ...").
    pub summary: Option<String>,
}

/// Is this a Budgets notice? Needs Budgets' own anchor, not just any text with a
/// colon, so that other plain-text messages fall through to the readable fallback.
pub fn matches(msg: &SnsMessage) -> bool {
    let anchored = msg
        .message
        .trim_start()
        .starts_with("AWS Budget Notification")
        || msg
            .subject
            .as_deref()
            .is_some_and(|s| s.starts_with("AWS Budgets:"));
    anchored && msg.message.contains("Budget Name:")
}

pub fn parse(text: &str) -> BudgetNotice {
    let mut notice = BudgetNotice::default();
    for line in text.lines().map(str::trim) {
        if line.starts_with("You requested") {
            notice.summary = Some(line.to_owned());
            continue;
        }
        if let Some((key, value)) = line.split_once(": ") {
            let known = [
                "Budget Name",
                "Budget Type",
                "Budgeted Amount",
                "Alert Type",
                "Alert Threshold",
            ];
            if known.contains(&key) || key.ends_with(" Amount") {
                notice
                    .fields
                    .insert(key.to_owned(), value.trim().to_owned());
            }
        }
    }
    notice
}

pub fn format(msg: &SnsMessage, notice: &BudgetNotice) -> Value {
    let get = |k: &str| notice.fields.get(k).cloned().unwrap_or_default();
    let name = get("Budget Name");
    let alert_type = get("Alert Type");
    let forecast = alert_type.eq_ignore_ascii_case("FORECASTED");
    let (emoji, verb) = if forecast {
        (":crystal_ball:", "is forecast to exceed")
    } else {
        (":money_with_wings:", "exceeded")
    };
    let amount_key = notice
        .fields
        .keys()
        .find(|k| k.ends_with(" Amount") && *k != "Budgeted Amount")
        .cloned();
    let amount = amount_key
        .as_ref()
        .and_then(|k| notice.fields.get(k))
        .cloned()
        .unwrap_or_default();
    let threshold = get("Alert Threshold");

    let text = format!("Budget {name} {verb} its alert threshold {threshold}: {amount}");
    let mut message =
        Message::new(&text).header(&format!("{emoji} Budget {name} {verb} its threshold"));
    if let Some(summary) = &notice.summary {
        message = message.section(&escape(summary));
    }
    let mut fields: Vec<(&str, String)> = vec![
        ("Budget", escape(&name)),
        ("Type", escape(&get("Budget Type"))),
        ("Budgeted", escape(&get("Budgeted Amount"))),
        ("Alert", escape(format!("{alert_type} {threshold}").trim())),
    ];
    if let Some(key) = &amount_key {
        fields.push((key.as_str(), escape(&amount)));
    }
    message
        .fields(&fields)
        .buttons(&[("Open AWS Budgets", Some(console::budgets_url()))])
        .context(&footer("AWS Budgets", msg, None))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_key_value_lines() {
        let n = parse("AWS Budget Notification\nBudget Name: monthly\nBudgeted Amount: $100.00\nFORECASTED Amount: $120.00\nUnrelated: x");
        assert_eq!(
            n.fields.get("Budget Name").map(String::as_str),
            Some("monthly")
        );
        assert_eq!(
            n.fields.get("FORECASTED Amount").map(String::as_str),
            Some("$120.00")
        );
        assert!(!n.fields.contains_key("Unrelated"));
    }

    #[test]
    fn plain_text_without_the_budgets_anchor_is_not_a_budget() {
        let msg = SnsMessage {
            message: "Budget Name: x".into(),
            ..Default::default()
        };
        assert!(!matches(&msg));
    }
}
