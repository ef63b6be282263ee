//! `opsdeck_cost_budget`: state, schema and the plan-time checks of the configuration.
//!
//! Every check here is pure and runs on the values Terraform knows at validation and
//! plan time; each error sits on its attribute and says how to fix it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use tf_provider::schema::{Attribute, AttributeType, Block, Description, Schema};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use crate::number::Number;
use crate::schema::{computed, optional, optional_computed, required, string_map};

use crate::resources::common::known;
pub use crate::resources::common::StringMap;
pub type StringSet = Vec<Value<String>>;

#[derive(Serialize, Deserialize, Debug, Default, Clone, PartialEq)]
pub struct CostBudgetState {
    pub id: Value<String>,
    pub arn: Value<String>,
    pub name: Value<String>,
    pub account_id: Value<String>,
    pub limit_usd: Value<Number>,
    pub time_unit: Value<String>,
    pub thresholds: Value<Vec<Value<Threshold>>>,
    pub topic_arn: Value<String>,
    pub emails: Value<StringSet>,
    pub cost_filters: Value<BTreeMap<String, Value<StringSet>>>,
    pub tags: Value<StringMap>,
    pub tags_all: Value<StringMap>,
}

/// One alert of the ladder: `percent` of the limit, on actual or forecasted spend.
#[derive(Serialize, Deserialize, Debug, Default, Clone, PartialEq)]
pub struct Threshold {
    pub percent: Value<Number>,
    #[serde(rename = "type")]
    pub kind: Value<String>,
}

impl Threshold {
    pub fn new(percent: f64, kind: &str) -> Self {
        Self {
            percent: Number::new(percent).map(Value::Value).unwrap_or_default(),
            kind: Value::Value(kind.to_owned()),
        }
    }
}

/// AWS Budgets allows at most 5 notifications per budget.
pub const MAX_THRESHOLDS: usize = 5;
/// A notification has at most 10 email subscribers (and one SNS topic).
pub const MAX_EMAILS: usize = 10;
pub const TIME_UNITS: &[&str] = &["DAILY", "MONTHLY", "QUARTERLY", "ANNUALLY"];
pub const DEFAULT_TIME_UNIT: &str = "MONTHLY";
pub const THRESHOLD_TYPES: &[&str] = &["actual", "forecasted"];

/// The default ladder: 50, 80 and 100 % of actual spend, and 100 % forecasted, so the
/// operators hear of an overrun before the month ends (P9).
pub fn default_thresholds() -> Vec<Threshold> {
    vec![
        Threshold::new(50.0, "actual"),
        Threshold::new(80.0, "actual"),
        Threshold::new(100.0, "actual"),
        Threshold::new(100.0, "forecasted"),
    ]
}

/// Cost filter names AWS Budgets accepts in `CostFilters`.
pub const COST_FILTER_NAMES: &[&str] = &[
    "AZ",
    "BillingEntity",
    "CostCategory",
    "InstanceType",
    "InstanceTypeFamily",
    "InvoicingEntity",
    "LegalEntityName",
    "LinkedAccount",
    "Operation",
    "PaymentOption",
    "PurchaseType",
    "Region",
    "Service",
    "TagKeyValue",
    "UsageType",
    "UsageTypeGroup",
];

// ---------------------------------------------------------------------------------
// Pure checks
// ---------------------------------------------------------------------------------

pub fn check_name(name: &str) -> Result<(), String> {
    let length = name.chars().count();
    if !(1..=100).contains(&length) {
        return Err(format!(
            "the budget name has {length} characters: use 1 to 100, e.g. \"opsdeck-prod-monthly\""
        ));
    }
    if name.contains(':') || name.contains('\\') {
        return Err(format!(
            "{name:?} contains ':' or '\\', which AWS Budgets does not allow in a name (':' separates the account from the name in the import id): use letters, digits, spaces, '-' or '_'"
        ));
    }
    Ok(())
}

pub fn check_account_id(account: &str) -> Result<(), String> {
    if account.len() == 12 && account.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "{account:?} is not an AWS account id: give the 12 digits (data.aws_caller_identity.current.account_id), or leave account_id unset for the caller's account"
        ))
    }
}

pub fn check_limit(limit: f64) -> Result<(), String> {
    if limit > 0.0 {
        Ok(())
    } else {
        Err(format!(
            "limit_usd is {limit}: a budget limit must be greater than 0, e.g. 100 for USD 100 a month"
        ))
    }
}

pub fn check_time_unit(unit: &str) -> Result<(), String> {
    if TIME_UNITS.contains(&unit) {
        Ok(())
    } else {
        Err(format!(
            "{unit:?} is not a budget period: use one of {}",
            TIME_UNITS.join(", ")
        ))
    }
}

/// `arn:<partition>:sns:<region>:<account>:<standard topic name>`.
pub fn check_topic_arn(arn: &str) -> Result<(), String> {
    let p: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = p.len() == 6
        && p[0] == "arn"
        && p[1].starts_with("aws")
        && p[2] == "sns"
        && !p[3].is_empty()
        && p[4].len() == 12
        && p[4].chars().all(|c| c.is_ascii_digit())
        && !p[5].is_empty();
    if !ok {
        return Err(format!(
            "{arn:?} is not an SNS topic ARN: give arn:aws:sns:REGION:ACCOUNT:NAME (opsdeck_slack_alarm_topic.alarms.arn)"
        ));
    }
    if p[5].ends_with(".fifo") {
        return Err(format!(
            "{arn} is a FIFO topic: AWS Budgets publishes only to standard topics; give a standard topic (opsdeck_slack_alarm_topic.alarms.arn)"
        ));
    }
    Ok(())
}

/// A plausible address: one `@`, a dot in the domain, no spaces. AWS sends a
/// confirmation-free mail to it, so a typo silently loses alerts.
pub fn check_email(address: &str) -> Result<(), String> {
    let ok = address.len() <= 254
        && !address.chars().any(char::is_whitespace)
        && address.split('@').count() == 2
        && address.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{address:?} is not an email address: give addresses such as \"ops@example.com\""
        ))
    }
}

/// Filter name and values; `TagKeyValue` values in the form AWS Budgets expects.
pub fn check_cost_filter(name: &str, values: &[String]) -> Result<(), String> {
    if !COST_FILTER_NAMES.contains(&name) {
        return Err(format!(
            "{name:?} is not a cost filter of AWS Budgets: use one of {} (e.g. TagKeyValue = [\"user:Environment$prod\"])",
            COST_FILTER_NAMES.join(", ")
        ));
    }
    if values.is_empty() {
        return Err(format!(
            "the {name} filter has no values: give at least one, or remove the filter"
        ));
    }
    if name == "TagKeyValue" {
        for value in values {
            let ok = value
                .strip_prefix("user:")
                .or_else(|| value.strip_prefix("aws:"))
                .and_then(|rest| rest.split_once('$'))
                .is_some_and(|(key, _)| !key.is_empty());
            if !ok {
                let hint = match value.split_once('=') {
                    Some((k, v)) => format!("\"user:{k}${v}\""),
                    None => "\"user:Environment$prod\"".to_owned(),
                };
                return Err(format!(
                    "{value:?} is not a tag filter: AWS Budgets expects user:<tag key>$<tag value>, e.g. {hint}. The tag must also be activated as a cost allocation tag in the Billing console, or the budget sees no cost"
                ));
            }
        }
    }
    Ok(())
}

pub fn known_strings(v: &Value<StringSet>) -> Option<Vec<String>> {
    v.as_ref_option()?
        .iter()
        .map(|i| i.as_ref_option().cloned())
        .collect()
}

/// A threshold whose values are all known: (percent, type).
pub fn known_threshold(t: &Value<Threshold>) -> Option<(f64, String)> {
    let t = t.as_ref_option()?;
    Some((
        t.percent.as_ref_option()?.as_f64(),
        t.kind.as_ref_option()?.clone(),
    ))
}

fn describe(percent: f64, kind: &str) -> String {
    format!("{{ percent = {}, type = {kind:?} }}", fmt_number(percent))
}

pub fn fmt_number(value: f64) -> String {
    Number::new(value)
        .map(|n| n.to_string())
        .unwrap_or_else(|| value.to_string())
}

impl CostBudgetState {
    /// Every problem of the known values, on its attribute. `time_unit` and
    /// `thresholds` are read with their defaults applied (the plan's values), so a
    /// DAILY budget with the default ladder is refused too.
    pub fn check(&self, diags: &mut Diagnostics) {
        let mut fail = |path: AttributePath, summary: &'static str, problem: String| {
            diags.error(summary, problem, path)
        };
        if let Some(name) = known(&self.name) {
            if let Err(e) = check_name(name) {
                fail(AttributePath::new("name"), "Invalid budget name", e);
            }
        }
        if let Some(account) = known(&self.account_id) {
            if let Err(e) = check_account_id(account) {
                fail(AttributePath::new("account_id"), "Invalid account_id", e);
            }
        }
        if let Some(limit) = self.limit_usd.as_ref_option() {
            if let Err(e) = check_limit(limit.as_f64()) {
                fail(AttributePath::new("limit_usd"), "Invalid budget limit", e);
            }
        }
        let time_unit = match &self.time_unit {
            Value::Null => Some(DEFAULT_TIME_UNIT),
            other => known(other),
        };
        if let Some(unit) = time_unit {
            if let Err(e) = check_time_unit(unit) {
                fail(AttributePath::new("time_unit"), "Invalid time_unit", e);
            }
        }
        if let Some(topic) = known(&self.topic_arn) {
            if let Err(e) = check_topic_arn(topic) {
                fail(AttributePath::new("topic_arn"), "Invalid topic_arn", e);
            }
        }
        let emails = known_strings(&self.emails);
        if let Some(emails) = &emails {
            if emails.len() > MAX_EMAILS {
                fail(
                    AttributePath::new("emails"),
                    "Too many email subscribers",
                    format!("{} addresses given: AWS Budgets sends each alert to at most {MAX_EMAILS} addresses. Use a mailing list, or the Slack route (topic_arn)", emails.len()),
                );
            }
            for address in emails {
                if let Err(e) = check_email(address) {
                    fail(AttributePath::new("emails"), "Invalid email address", e);
                }
            }
        }
        if let Value::Value(filters) = &self.cost_filters {
            for (name, values) in filters {
                let Some(values) = known_strings(values) else {
                    continue;
                };
                if let Err(e) = check_cost_filter(name, &values) {
                    fail(
                        AttributePath::new("cost_filters").key(name.clone()),
                        "Invalid cost filter",
                        e,
                    );
                }
            }
        }
        let defaulted;
        let thresholds: Option<Vec<Value<Threshold>>> = match &self.thresholds {
            Value::Null => {
                defaulted = true;
                Some(default_thresholds().into_iter().map(Value::Value).collect())
            }
            Value::Value(list) => {
                defaulted = false;
                Some(list.clone())
            }
            Value::Unknown => {
                defaulted = false;
                None
            }
        };
        if let Some(thresholds) = thresholds {
            if thresholds.len() > MAX_THRESHOLDS {
                fail(
                    AttributePath::new("thresholds"),
                    "Too many thresholds",
                    format!("{} thresholds given: AWS Budgets allows at most {MAX_THRESHOLDS} notifications per budget. Drop some, or split the alerts over two budgets", thresholds.len()),
                );
            }
            let mut seen = BTreeSet::new();
            for t in &thresholds {
                if let Some(t) = t.as_ref_option() {
                    if let Some(p) = t.percent.as_ref_option() {
                        if p.as_f64() <= 0.0 {
                            fail(
                                AttributePath::new("thresholds"),
                                "Invalid threshold",
                                format!("percent = {p}: a threshold is a percentage of limit_usd greater than 0, e.g. 80"),
                            );
                        }
                    }
                    if let Some(kind) = known(&t.kind) {
                        if !THRESHOLD_TYPES.contains(&kind) {
                            fail(
                                AttributePath::new("thresholds"),
                                "Invalid threshold type",
                                format!("type = {kind:?}: use \"actual\" (spend so far) or \"forecasted\" (AWS's forecast for the period)"),
                            );
                        }
                    }
                }
                let Some((percent, kind)) = known_threshold(t) else {
                    continue;
                };
                if !seen.insert((fmt_number(percent), kind.clone())) {
                    fail(
                        AttributePath::new("thresholds"),
                        "Duplicate threshold",
                        format!("{} is given twice: AWS Budgets refuses two identical notifications. Remove one", describe(percent, &kind)),
                    );
                }
                if kind == "forecasted" && time_unit == Some("DAILY") {
                    let why = if defaulted {
                        "the default thresholds include { percent = 100, type = \"forecasted\" }, and AWS Budgets has no forecast for DAILY budgets. Set thresholds to actual ones only, e.g. [{ percent = 80, type = \"actual\" }, { percent = 100, type = \"actual\" }]".to_owned()
                    } else {
                        format!("{}: AWS Budgets has no forecast for DAILY budgets. Use type = \"actual\", or a MONTHLY time_unit", describe(percent, &kind))
                    };
                    fail(
                        AttributePath::new("thresholds"),
                        "Forecasted threshold on a daily budget",
                        why,
                    );
                }
            }
            let has_thresholds = !thresholds.is_empty();
            let no_topic = self.topic_arn.is_null();
            let no_email = matches!(&emails, Some(e) if e.is_empty()) || self.emails.is_null();
            if has_thresholds && no_topic && no_email {
                fail(
                    AttributePath::new("topic_arn"),
                    "Nobody receives the budget alerts",
                    "thresholds are set but neither topic_arn nor emails is: give topic_arn (opsdeck_slack_alarm_topic.alarms.arn, to reach Slack) and/or emails, or set thresholds = [] for a budget without alerts".to_owned(),
                );
            }
        }
        crate::resources::common::check_tags(&self.tags, diags);
    }
}

// ---------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------

fn attrs(list: Vec<(&str, Attribute)>) -> HashMap<String, Attribute> {
    list.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

pub fn schema() -> Schema {
    let threshold = attrs(vec![
        (
            "percent",
            required(
                AttributeType::Number,
                "Percentage of `limit_usd` that fires the alert (greater than 0; fractions allowed).",
            ),
        ),
        (
            "type",
            required(
                AttributeType::String,
                "`actual` (spend so far in the period) or `forecasted` (AWS's forecast for the whole period; not for `DAILY`).",
            ),
        ),
    ]);
    let string_set = AttributeType::Set(Box::new(AttributeType::String));
    Schema {
        version: 1,
        block: Block {
            version: 1,
            description: Description::markdown(
                "An AWS Budgets cost budget with a ladder of actual and forecasted alerts sent to an SNS topic (the Slack alarm topic) and/or email. \
                 The topic's policy is checked at apply time to let `budgets.amazonaws.com` publish. AWS Budgets is a global service: its calls go to the \
                 partition's endpoint signed for `us-east-1` whatever the provider's region.",
            ),
            attributes: attrs(vec![
                ("id", computed(AttributeType::String, "`<account_id>:<name>`, the import id.")),
                ("arn", computed(AttributeType::String, "`arn:aws:budgets::<account_id>:budget/<name>`.")),
                ("name", required(AttributeType::String, "Budget name: 1 to 100 characters, without `:` or `\\`. Changing it replaces the budget.")),
                ("account_id", optional_computed(AttributeType::String, "Account whose cost the budget tracks (default: the caller's). Changing it replaces the budget.")),
                ("limit_usd", required(AttributeType::Number, "The limit in USD for each period, greater than 0; fractions allowed (e.g. `100` or `99.5`).")),
                ("time_unit", optional_computed(AttributeType::String, "`MONTHLY` (default), `QUARTERLY`, `ANNUALLY` or `DAILY`.")),
                (
                    "thresholds",
                    optional_computed(
                        AttributeType::AttributeSet(threshold),
                        "The alerts, at most 5: each `{ percent, type }` with `type` `actual` or `forecasted`. Default: 50, 80 and 100 % actual and 100 % forecasted. `[]` for a budget without alerts.",
                    ),
                ),
                ("topic_arn", optional(AttributeType::String, "SNS topic every alert is published to (`opsdeck_slack_alarm_topic.<name>.arn`). Its policy must let `budgets.amazonaws.com` publish; checked at apply time.")),
                ("emails", optional(string_set, "Up to 10 email addresses every alert is sent to.")),
                (
                    "cost_filters",
                    optional(
                        AttributeType::Map(Box::new(AttributeType::List(Box::new(AttributeType::String)))),
                        "Which costs count, by AWS Budgets filter name: `Service`, `Region`, `LinkedAccount`, `TagKeyValue` (values `user:<key>$<value>`, e.g. `user:Environment$prod`; the tag must be an active cost allocation tag) and the other names of the Budgets API.",
                    ),
                ),
                ("tags", optional(string_map(), "Tags of the budget, merged over the provider's `default_tags`.")),
                ("tags_all", computed(string_map(), "The tags the budget carries: `default_tags` merged with `tags`.")),
            ]),
            ..Default::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value<String> {
        Value::Value(v.to_owned())
    }

    fn n(v: f64) -> Value<Number> {
        Value::Value(Number::new(v).unwrap())
    }

    fn valid() -> CostBudgetState {
        CostBudgetState {
            name: s("opsdeck-prod-monthly"),
            limit_usd: n(100.0),
            topic_arn: s("arn:aws:sns:ap-northeast-1:123456789012:alarms"),
            ..Default::default()
        }
    }

    fn errors(state: &CostBudgetState) -> Vec<String> {
        let mut diags = Diagnostics::default();
        state.check(&mut diags);
        diags
            .errors
            .iter()
            .map(|d| format!("{:?}: {}", d.attribute, d.detail))
            .collect()
    }

    fn thresholds(list: &[(f64, &str)]) -> Value<Vec<Value<Threshold>>> {
        Value::Value(
            list.iter()
                .map(|(p, k)| Value::Value(Threshold::new(*p, k)))
                .collect(),
        )
    }

    #[test]
    fn the_seed_budget_with_default_ladder_is_valid() {
        assert_eq!(errors(&valid()), Vec::<String>::new());
    }

    #[test]
    fn each_bad_value_is_reported_on_its_attribute() {
        let cases: Vec<(CostBudgetState, &str, &str)> = vec![
            (
                CostBudgetState {
                    name: s("a:b"),
                    ..valid()
                },
                "name",
                "':'",
            ),
            (
                CostBudgetState {
                    name: s(&"x".repeat(101)),
                    ..valid()
                },
                "name",
                "101 characters",
            ),
            (
                CostBudgetState {
                    limit_usd: n(0.0),
                    ..valid()
                },
                "limit_usd",
                "greater than 0",
            ),
            (
                CostBudgetState {
                    time_unit: s("WEEKLY"),
                    ..valid()
                },
                "time_unit",
                "MONTHLY",
            ),
            (
                CostBudgetState {
                    account_id: s("12345"),
                    ..valid()
                },
                "account_id",
                "12 digits",
            ),
            (
                CostBudgetState {
                    topic_arn: s("alarms"),
                    ..valid()
                },
                "topic_arn",
                "SNS topic ARN",
            ),
            (
                CostBudgetState {
                    topic_arn: s("arn:aws:sns:us-east-1:123456789012:a.fifo"),
                    ..valid()
                },
                "topic_arn",
                "FIFO",
            ),
            (
                CostBudgetState {
                    thresholds: thresholds(&[
                        (10.0, "actual"),
                        (20.0, "actual"),
                        (30.0, "actual"),
                        (40.0, "actual"),
                        (50.0, "actual"),
                        (60.0, "actual"),
                    ]),
                    ..valid()
                },
                "thresholds",
                "at most 5",
            ),
            (
                CostBudgetState {
                    thresholds: thresholds(&[(80.0, "predicted")]),
                    ..valid()
                },
                "thresholds",
                "\"forecasted\"",
            ),
            (
                CostBudgetState {
                    thresholds: thresholds(&[(-5.0, "actual")]),
                    ..valid()
                },
                "thresholds",
                "greater than 0",
            ),
            (
                CostBudgetState {
                    thresholds: thresholds(&[(80.0, "actual"), (80.0, "actual")]),
                    ..valid()
                },
                "thresholds",
                "twice",
            ),
            (
                CostBudgetState {
                    time_unit: s("DAILY"),
                    ..valid()
                },
                "thresholds",
                "default thresholds",
            ),
            (
                CostBudgetState {
                    time_unit: s("DAILY"),
                    thresholds: thresholds(&[(90.0, "forecasted")]),
                    ..valid()
                },
                "thresholds",
                "no forecast for DAILY",
            ),
            (
                CostBudgetState {
                    topic_arn: Value::Null,
                    ..valid()
                },
                "topic_arn",
                "Nobody|neither",
            ),
            (
                CostBudgetState {
                    emails: Value::Value(vec![s("ops at example.com")]),
                    ..valid()
                },
                "emails",
                "not an email",
            ),
            (
                CostBudgetState {
                    emails: Value::Value(
                        (0..11).map(|i| s(&format!("o{i}@example.com"))).collect(),
                    ),
                    ..valid()
                },
                "emails",
                "at most 10",
            ),
            (
                CostBudgetState {
                    cost_filters: Value::Value(BTreeMap::from([(
                        "TagKeyValue".to_owned(),
                        Value::Value(vec![s("Environment=prod")]),
                    )])),
                    ..valid()
                },
                "cost_filters",
                "user:Environment$prod",
            ),
            (
                CostBudgetState {
                    cost_filters: Value::Value(BTreeMap::from([(
                        "Tag".to_owned(),
                        Value::Value(vec![s("x")]),
                    )])),
                    ..valid()
                },
                "cost_filters",
                "TagKeyValue",
            ),
        ];
        for (state, attr, needle) in cases {
            let e = errors(&state).join("\n");
            assert!(
                e.contains(&format!("Attribute(\"{attr}\")")),
                "no error on {attr}: {e}"
            );
            assert!(
                needle.split('|').any(|n| e.contains(n)),
                "{needle} not in {e}"
            );
        }
    }

    #[test]
    fn good_values_pass() {
        let state = CostBudgetState {
            limit_usd: n(99.5),
            time_unit: s("DAILY"),
            thresholds: thresholds(&[(80.0, "actual"), (100.5, "actual")]),
            emails: Value::Value(vec![s("ops@example.com")]),
            topic_arn: Value::Null,
            cost_filters: Value::Value(BTreeMap::from([
                (
                    "TagKeyValue".to_owned(),
                    Value::Value(vec![s("user:Environment$prod")]),
                ),
                ("Service".to_owned(), Value::Value(vec![s("AWS Lambda")])),
            ])),
            ..valid()
        };
        assert_eq!(errors(&state), Vec::<String>::new());
        let no_alerts = CostBudgetState {
            thresholds: Value::Value(vec![]),
            topic_arn: Value::Null,
            ..valid()
        };
        assert_eq!(errors(&no_alerts), Vec::<String>::new());
    }

    #[test]
    fn unknown_values_are_not_errors() {
        let state = CostBudgetState {
            name: Value::Unknown,
            limit_usd: Value::Unknown,
            time_unit: Value::Unknown,
            thresholds: Value::Unknown,
            topic_arn: Value::Unknown,
            emails: Value::Unknown,
            cost_filters: Value::Unknown,
            ..Default::default()
        };
        assert_eq!(errors(&state), Vec::<String>::new());
    }

    #[test]
    fn the_state_struct_and_the_schema_name_the_same_attributes() {
        let bytes = rmp_serde::to_vec_named(&CostBudgetState::default()).unwrap();
        let decoded = rmpv::decode::read_value(&mut bytes.as_slice()).unwrap();
        let names: BTreeSet<String> = decoded
            .as_map()
            .unwrap()
            .iter()
            .map(|(k, _)| k.as_str().unwrap().to_owned())
            .collect();
        let schema = schema();
        let attributes: BTreeSet<String> = schema.block.attributes.keys().cloned().collect();
        assert_eq!(names, attributes);
    }
}
