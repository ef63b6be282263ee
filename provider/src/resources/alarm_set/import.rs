//! `terraform import opsdeck_alarm_set.x NAME` (or `REGION/NAME`): rebuild the spec of a
//! set from its composite and children. The description markers say which key, preset
//! and severity each child came from; everything else is read from the alarms.

use std::collections::{BTreeMap, BTreeSet};

use tf_provider::value::Value;

use super::cloudwatch::Actual;
use super::expand::{
    child_name, parse_description, preset, MetricAlarmDef, MetricStatDef, PresetBody,
};
use super::model::{
    AlarmSetState, AlarmSpec, CompositeSpec, MetricSpec, RatioSpec, StringMap, SuppressorSpec,
};
use super::plan::{self, Env};
use super::rule;
use crate::Number;

/// `NAME` or `REGION/NAME` (set names hold no `/`).
pub fn parse_id(id: &str) -> Result<(Option<String>, String), String> {
    let (region, name) = match id.split_once('/') {
        Some((r, n)) => (Some(r.to_owned()), n.to_owned()),
        None => (None, id.to_owned()),
    };
    if name.is_empty() || name.contains('/') {
        return Err(format!(
            "{id:?} is not an alarm set id: use the set name, or REGION/NAME (e.g. us-east-1/cdn)"
        ));
    }
    if let Some(r) = &region {
        crate::validate::region(r)?;
    }
    Ok((region, name))
}

fn s(v: impl Into<String>) -> Value<String> {
    Value::Value(v.into())
}

fn n(v: i64) -> Value<Number> {
    Value::Value(Number::from(v))
}

fn f(v: f64) -> Value<Number> {
    Number::new(v).map(Value::Value).unwrap_or(Value::Null)
}

fn string_map(m: &BTreeMap<String, String>) -> Value<StringMap> {
    if m.is_empty() {
        Value::Null
    } else {
        Value::Value(m.iter().map(|(k, v)| (k.clone(), s(v.clone()))).collect())
    }
}

fn actions(list: &[String]) -> Value<Vec<Value<String>>> {
    if list.is_empty() {
        Value::Null
    } else {
        Value::Value(list.iter().map(|a| s(a.clone())).collect())
    }
}

fn metric_spec(stat: &MetricStatDef) -> Value<MetricSpec> {
    Value::Value(MetricSpec {
        namespace: s(stat.namespace.clone()),
        metric_name: s(stat.metric_name.clone()),
        dimensions: string_map(&stat.dimensions),
        statistic: s(stat.stat.clone()),
    })
}

/// The spec of one child from its definition and its marker fields.
pub fn alarm_spec(
    def: &MetricAlarmDef,
    text: &str,
    fields: &BTreeMap<String, String>,
) -> Result<AlarmSpec, String> {
    let mut spec = AlarmSpec {
        comparison: s(def.comparison_operator.clone()),
        threshold: f(def.threshold),
        evaluation_periods: n(def.evaluation_periods.into()),
        datapoints_to_alarm: n(def.datapoints_to_alarm.into()),
        treat_missing_data: s(def.treat_missing_data.clone()),
        severity: fields
            .get("severity")
            .cloned()
            .map(s)
            .unwrap_or(Value::Null),
        runbook_url: fields.get("runbook").cloned().map(s).unwrap_or(Value::Null),
        description: s(text),
        ..Default::default()
    };
    let stats: Vec<&MetricStatDef> = def
        .metrics
        .iter()
        .filter_map(|q| q.metric_stat.as_ref())
        .collect();
    let period = def.period.or_else(|| stats.first().map(|st| st.period));
    spec.period = period.map(|p| n(p.into())).unwrap_or(Value::Null);
    let single_dims = def.dimensions.clone().unwrap_or_default();
    let kind = fields.get("kind").map(String::as_str).unwrap_or_default();
    if let Some(name) = kind.strip_prefix("preset:") {
        let p =
            preset(name).ok_or_else(|| format!("unknown preset {name:?} in the description"))?;
        let dims = stats
            .first()
            .map(|st| st.dimensions.clone())
            .unwrap_or(single_dims);
        let dimension = match (p.body, p.dimension_name) {
            (PresetBody::LogMetric { .. }, _) => format!(
                "{}/{}",
                def.namespace.clone().unwrap_or_default(),
                def.metric_name.clone().unwrap_or_default()
            ),
            (_, Some(dim)) => dims
                .get(dim)
                .cloned()
                .ok_or_else(|| format!("the alarm has no {dim} dimension"))?,
            (_, None) => String::new(),
        };
        spec.preset = s(name);
        spec.dimension = s(dimension);
    } else if kind == "ratio" {
        let [num, den] = stats.as_slice() else {
            return Err("a ratio alarm must read two metrics".into());
        };
        spec.ratio = Value::Value(RatioSpec {
            numerator: metric_spec(num),
            denominator: metric_spec(den),
        });
    } else if kind == "threshold" {
        spec.metric = Value::Value(MetricSpec {
            namespace: def.namespace.clone().map(s).unwrap_or(Value::Null),
            metric_name: def.metric_name.clone().map(s).unwrap_or(Value::Null),
            dimensions: string_map(&single_dims),
            statistic: def
                .statistic
                .clone()
                .or_else(|| def.extended_statistic.clone())
                .map(s)
                .unwrap_or(Value::Null),
        });
    } else {
        return Err(format!("unknown kind {kind:?} in the description"));
    }
    Ok(spec)
}

/// The state of an imported set: the spec rebuilt from what exists, then planned like a
/// configuration so defaults and computed values match what a plan would give.
pub fn state_from(
    name: &str,
    region: &str,
    actual: &Actual,
    env: &Env,
) -> Result<AlarmSetState, String> {
    let composite = actual
        .composite
        .as_ref()
        .ok_or_else(|| format!("there is no composite alarm named {name:?} in {region}: import takes the name of an opsdeck_alarm_set (its composite alarm)"))?;
    let (set_text, _) = parse_description(&composite.alarm_description).ok_or_else(|| {
        format!("the composite alarm {name:?} was not made by opsdeck_alarm_set (its description has no [opsdeck] line)")
    })?;
    let mut alarms = BTreeMap::new();
    for (key, def) in &actual.children {
        let (text, fields) = parse_description(&def.alarm_description).unwrap_or_default();
        let spec = alarm_spec(def, &text, &fields)
            .map_err(|e| format!("child alarm {:?}: {e}", child_name(name, key)))?;
        alarms.insert(key.clone(), Value::Value(spec));
    }
    let keys: BTreeSet<String> = alarms.keys().cloned().collect();
    let rule_text = rule::reverse(&composite.alarm_rule, &keys, |k| child_name(name, k))
        .ok_or_else(|| {
            format!(
                "the AlarmRule of {name:?} references alarms that are not children of the set: {}",
                composite.alarm_rule
            )
        })?;
    let suppressor = composite.actions_suppressor.as_ref().map(|alarm| {
        let key = keys.iter().find(|k| child_name(name, k) == *alarm);
        Value::Value(SuppressorSpec {
            alarm: s(key.cloned().unwrap_or_else(|| alarm.clone())),
            wait_period: composite
                .actions_suppressor_wait_period
                .map(|v| n(v.into()))
                .unwrap_or(Value::Null),
            extension_period: composite
                .actions_suppressor_extension_period
                .map(|v| n(v.into()))
                .unwrap_or(Value::Null),
        })
    });
    // Tags equal to the provider's default tags are the provider's, not the set's.
    let own_tags: BTreeMap<String, String> = composite
        .tags
        .iter()
        .filter(|(k, v)| env.default_tags.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let config = AlarmSetState {
        name: s(name),
        region: s(region),
        description: s(set_text),
        tags: string_map(&own_tags),
        actions_enabled: Value::Value(composite.actions_enabled),
        alarm_actions: actions(&composite.alarm_actions),
        ok_actions: actions(&composite.ok_actions),
        insufficient_data_actions: actions(&composite.insufficient_data_actions),
        child_actions: Value::Value(
            actual
                .children
                .values()
                .any(|c| !c.alarm_actions.is_empty() || !c.ok_actions.is_empty()),
        ),
        alarms: Value::Value(alarms),
        composite: Value::Value(CompositeSpec {
            rule: s(rule_text),
            actions_suppressor: suppressor.unwrap_or(Value::Null),
        }),
        ..Default::default()
    };
    let mut state = plan::plan(&config, None, env);
    actual.write_into(&mut state);
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::alarm_set::plan::{desired, tests as plan_tests};

    #[test]
    fn ids() {
        assert_eq!(parse_id("checkout").unwrap(), (None, "checkout".to_owned()));
        assert_eq!(
            parse_id("us-east-1/cdn").unwrap(),
            (Some("us-east-1".to_owned()), "cdn".to_owned())
        );
        assert!(parse_id("tokyo/cdn").is_err());
        assert!(parse_id("a/b/c").is_err());
        assert!(parse_id("").is_err());
    }

    #[test]
    fn an_imported_set_plans_like_its_configuration() {
        let env = Env {
            provider_region: Some("us-east-1".into()),
            default_tags: BTreeMap::from([("env".to_owned(), "prod".to_owned())]),
            skip_region_validation: false,
        };
        let planned = plan::plan(&plan_tests::config(), None, &env);
        let d = desired(&planned).unwrap();
        let mut actual = Actual {
            children: d.children.clone(),
            composite: Some(d.composite.clone()),
            ..Default::default()
        };
        for key in d.children.keys() {
            actual.arns.insert(
                key.clone(),
                format!("arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-{key}"),
            );
        }
        actual.composite_arn =
            Some("arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout".into());
        let imported = state_from("checkout", "us-east-1", &actual, &env).unwrap();
        // What a plan of the original configuration makes of the imported state: no change.
        let replanned = plan::plan(&plan_tests::config(), Some(&imported), &env);
        assert_eq!(replanned.alarms, imported.alarms);
        assert_eq!(replanned.child_alarms, imported.child_alarms);
        assert_eq!(replanned.composite_alarm, imported.composite_alarm);
        assert_eq!(replanned.composite, imported.composite);
        assert_eq!(replanned.tags_all, imported.tags_all);
        assert_eq!(replanned.description, imported.description);
        assert_eq!(replanned.alarm_arns, imported.alarm_arns);
    }

    #[test]
    fn a_foreign_composite_is_refused() {
        let actual = Actual {
            composite: Some(super::super::expand::CompositeAlarmDef {
                alarm_description: "by hand".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let err = state_from("x", "us-east-1", &actual, &Env::default()).unwrap_err();
        assert!(err.contains("not made by opsdeck_alarm_set"), "{err}");
        let err = state_from("x", "us-east-1", &Actual::default(), &Env::default()).unwrap_err();
        assert!(err.contains("no composite alarm named"), "{err}");
    }
}
