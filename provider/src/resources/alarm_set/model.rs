//! The `opsdeck_alarm_set` schema and its state as Terraform sends it.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use tf_provider::schema::{Attribute, AttributeType, Block, Description, Schema};
use tf_provider::value::Value;

use crate::schema::{computed, optional, optional_computed, required, string_map};
use crate::Number;

pub type StringMap = BTreeMap<String, Value<String>>;
pub type StringSet = Vec<Value<String>>;

/// The whole resource: configuration, defaults filled in at plan time, and what the
/// provider computed or observed.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct AlarmSetState {
    pub id: Value<String>,
    pub name: Value<String>,
    pub description: Value<String>,
    pub region: Value<String>,
    pub tags: Value<StringMap>,
    pub tags_all: Value<StringMap>,
    pub actions_enabled: Value<bool>,
    pub alarm_actions: Value<StringSet>,
    pub ok_actions: Value<StringSet>,
    pub insufficient_data_actions: Value<StringSet>,
    pub child_actions: Value<bool>,
    pub max_detection_seconds: Value<Number>,
    pub alarms: Value<BTreeMap<String, Value<AlarmSpec>>>,
    pub composite: Value<CompositeSpec>,
    // Computed.
    pub alarm_arns: Value<StringMap>,
    pub composite_alarm_arn: Value<String>,
    pub detection_seconds: Value<BTreeMap<String, Value<Number>>>,
    pub child_alarms: Value<StringMap>,
    pub composite_alarm: Value<String>,
}

/// One entry of `alarms`: a preset, a ratio or a threshold alarm, plus common fields.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct AlarmSpec {
    pub preset: Value<String>,
    pub dimension: Value<String>,
    pub ratio: Value<RatioSpec>,
    pub metric: Value<MetricSpec>,
    pub comparison: Value<String>,
    pub threshold: Value<Number>,
    pub period: Value<Number>,
    pub evaluation_periods: Value<Number>,
    pub datapoints_to_alarm: Value<Number>,
    pub treat_missing_data: Value<String>,
    pub severity: Value<String>,
    pub runbook_url: Value<String>,
    pub description: Value<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct RatioSpec {
    pub numerator: Value<MetricSpec>,
    pub denominator: Value<MetricSpec>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct MetricSpec {
    pub namespace: Value<String>,
    pub metric_name: Value<String>,
    pub dimensions: Value<StringMap>,
    pub statistic: Value<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct CompositeSpec {
    pub rule: Value<String>,
    pub actions_suppressor: Value<SuppressorSpec>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct SuppressorSpec {
    pub alarm: Value<String>,
    pub wait_period: Value<Number>,
    pub extension_period: Value<Number>,
}

fn attrs(list: Vec<(&str, Attribute)>) -> HashMap<String, Attribute> {
    list.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn metric_attrs(statistic_default: &str) -> AttributeType {
    AttributeType::AttributeSingle(attrs(vec![
        ("namespace", required(AttributeType::String, "CloudWatch namespace, e.g. `AWS/Lambda`.")),
        ("metric_name", required(AttributeType::String, "Metric name, e.g. `Errors`.")),
        ("dimensions", optional(string_map(), "Dimensions of the metric, name to value.")),
        (
            "statistic",
            optional_computed(
                AttributeType::String,
                &format!("`SampleCount`, `Average`, `Sum`, `Minimum`, `Maximum` or a percentile such as `p95` (default `{statistic_default}`)."),
            ),
        ),
    ]))
}

// Nested attributes (`alarms = { key = { ... } }`), not blocks: a map can be built with a
// `for` expression over values unknown at validation, where `dynamic` block labels cannot.
// They need the patched tf-provider (third_party/tf-provider/PATCHES.md).
pub fn schema() -> Schema {
    let preset_list = super::expand::PRESETS
        .iter()
        .map(|p| format!("`{}`", p.name))
        .collect::<Vec<_>>()
        .join(", ");
    let alarm = attrs(vec![
        ("preset", optional(AttributeType::String, &format!("A preset: {preset_list}. Set exactly one of `preset`, `ratio` and `metric`."))),
        ("dimension", optional(AttributeType::String, "What the preset watches: function name, API name, state machine ARN, distribution id, or `NAMESPACE/METRIC` for `log_errors`.")),
        (
            "ratio",
            optional(
                AttributeType::AttributeSingle(attrs(vec![
                    ("numerator", required(metric_attrs("Sum"), "The metric counting failures.")),
                    ("denominator", required(metric_attrs("Sum"), "The metric counting all events.")),
                ])),
                "numerator / denominator x 100 as metric math (no divide-by-zero), compared to `threshold` in percent.",
            ),
        ),
        ("metric", optional(metric_attrs("Average"), "One metric compared to `threshold`.")),
        ("comparison", optional_computed(AttributeType::String, "`GreaterThanThreshold` (default), `GreaterThanOrEqualToThreshold`, `LessThanThreshold` or `LessThanOrEqualToThreshold`.")),
        ("threshold", optional_computed(AttributeType::Number, "Threshold; percent for ratios. Required for `ratio` and `metric`; presets have a default.")),
        ("period", optional_computed(AttributeType::Number, "Seconds per datapoint: 10, 30 or a multiple of 60 (default 60).")),
        ("evaluation_periods", optional_computed(AttributeType::Number, "Datapoints evaluated (default: the preset's, else 3).")),
        ("datapoints_to_alarm", optional_computed(AttributeType::Number, "Breaching datapoints among them that fire the alarm (default `evaluation_periods`).")),
        ("treat_missing_data", optional_computed(AttributeType::String, "`notBreaching` (default), `breaching`, `ignore` or `missing`.")),
        ("severity", optional_computed(AttributeType::String, "`critical`, `high` (default), `medium`, `low` or `info`; written into the description.")),
        ("runbook_url", optional(AttributeType::String, "An http(s) URL written into the description for the Slack notifier.")),
        ("description", optional_computed(AttributeType::String, "Human text of the child alarm's description (default: generated).")),
    ]);
    let suppressor = attrs(vec![
        (
            "alarm",
            required(
                AttributeType::String,
                "A key of `alarms`, or the name or ARN of another alarm.",
            ),
        ),
        // Required with `alarm` (CloudWatch wants both), checked at plan time with a
        // message that says so, rather than Terraform's bare type error.
        (
            "wait_period",
            optional(
                AttributeType::Number,
                "Seconds to wait for the suppressor to go into ALARM (required with `alarm`, e.g. 60).",
            ),
        ),
        (
            "extension_period",
            optional(
                AttributeType::Number,
                "Seconds the suppression lasts after the suppressor leaves ALARM (required with `alarm`, e.g. 300).",
            ),
        ),
    ]);
    let composite = attrs(vec![
        ("rule", optional_computed(AttributeType::String, "`any` (default), `all`, or an expression over the alarm keys with AND, OR, NOT, parentheses and ALARM/OK/INSUFFICIENT_DATA(key).")),
        ("actions_suppressor", optional(AttributeType::AttributeSingle(suppressor), "Suppress the composite's actions while another alarm is in ALARM.")),
    ]);
    let actions = |state: &str| {
        optional(
            AttributeType::Set(Box::new(AttributeType::String)),
            &format!("Up to 5 ARNs (SNS topic, Lambda function, SSM OpsItem or incident response plan) notified when the composite goes to {state}."),
        )
    };
    Schema {
        version: 1,
        block: Block {
            version: 1,
            description: Description::markdown(
                "A set of CloudWatch metric alarms (presets, ratios, thresholds) behind one composite alarm that pages once per incident, \
                 with a plan-time check that every alarm can fire within `max_detection_seconds`.",
            ),
            attributes: attrs(vec![
                ("id", computed(AttributeType::String, "The set name.")),
                ("name", required(AttributeType::String, "Name of the composite alarm and prefix of the child alarms (`<name>-<key>`). Changing it replaces the set.")),
                ("description", optional_computed(AttributeType::String, "Description of the composite alarm.")),
                ("region", optional_computed(AttributeType::String, "Region of the alarms (default: the provider's). CloudFront metrics live in `us-east-1`. Changing it replaces the set.")),
                ("tags", optional(string_map(), "Tags of every alarm of the set, merged over the provider's `default_tags`.")),
                ("tags_all", computed(string_map(), "The tags applied: `default_tags` merged with `tags`.")),
                ("actions_enabled", optional_computed(AttributeType::Bool, "Whether the alarms run their actions (default true).")),
                ("alarm_actions", actions("ALARM")),
                ("ok_actions", actions("OK")),
                ("insufficient_data_actions", actions("INSUFFICIENT_DATA")),
                ("child_actions", optional_computed(AttributeType::Bool, "Give the child alarms the composite's actions too (default false: only the composite pages).")),
                ("max_detection_seconds", optional_computed(AttributeType::Number, "Worst-case seconds from a fault to an alarm firing that every alarm must meet (default 300).")),
                ("alarms", required(AttributeType::AttributeMap(alarm), "The alarms of the set, keyed by short ids (letters, digits, `_`, `-`); 1 to 100.")),
                ("composite", optional_computed(AttributeType::AttributeSingle(composite), "The composite alarm's rule and actions suppressor (default: rule `any`).")),
                ("alarm_arns", computed(string_map(), "ARN of each child alarm, by key.")),
                ("composite_alarm_arn", computed(AttributeType::String, "ARN of the composite alarm.")),
                ("detection_seconds", computed(AttributeType::Map(Box::new(AttributeType::Number)), "Worst-case seconds from a fault to each alarm firing, by key.")),
                ("child_alarms", computed(string_map(), "Each child alarm as CloudWatch holds it (canonical JSON), by key; a refresh compares it to the configuration.")),
                ("composite_alarm", computed(AttributeType::String, "The composite alarm as CloudWatch holds it (canonical JSON).")),
            ]),
            ..Default::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_names<T: Serialize>(value: &T) -> std::collections::BTreeSet<String> {
        let bytes = rmp_serde::to_vec_named(value).unwrap();
        let decoded = rmpv::decode::read_value(&mut bytes.as_slice()).unwrap();
        decoded
            .as_map()
            .unwrap()
            .iter()
            .map(|(k, _)| k.as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn the_state_struct_and_the_schema_name_the_same_attributes() {
        let schema = schema();
        let names = field_names(&AlarmSetState::default());
        let attrs: std::collections::BTreeSet<String> =
            schema.block.attributes.keys().cloned().collect();
        assert_eq!(names, attrs);
        let AttributeType::AttributeMap(alarm) = &schema.block.attributes["alarms"].attr_type
        else {
            panic!()
        };
        assert_eq!(
            field_names(&AlarmSpec::default()),
            alarm.keys().cloned().collect()
        );
    }
}
