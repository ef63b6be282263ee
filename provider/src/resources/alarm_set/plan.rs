//! Planning: fill the defaults into the configuration and compute what CloudWatch must
//! hold (`child_alarms`, `composite_alarm`, `detection_seconds` …). Values that are not
//! known yet (computed by other resources) make only what depends on them unknown.

use std::collections::{BTreeMap, BTreeSet};

use tf_provider::value::Value;

use super::expand::{
    self, child_name, composite_alarm_def, default_description, default_set_description,
    highest_severity, metric_alarm_def, preset, preset_body, to_json, Body, CompositeAlarmDef,
    Kind, MetricAlarmDef, MetricRef, Preset, Resolved, SetContext, Suppressor,
};
use super::model::{AlarmSetState, AlarmSpec, CompositeSpec, MetricSpec, StringMap, StringSet};
use super::rule;
use crate::Number;

/// What the plan needs from the configured provider.
#[derive(Clone, Debug, Default)]
pub struct Env {
    pub provider_region: Option<String>,
    pub default_tags: BTreeMap<String, String>,
    /// The provider's `skip_region_validation`: accept regions this release does not know.
    pub skip_region_validation: bool,
}

/// A value that is not known yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unknown;

/// `Ok(Some)` known, `Ok(None)` null, `Err` unknown.
pub fn known<T: Clone>(v: &Value<T>) -> Result<Option<T>, Unknown> {
    match v {
        Value::Value(x) => Ok(Some(x.clone())),
        Value::Null => Ok(None),
        Value::Unknown => Err(Unknown),
    }
}

fn known_map(v: &Value<StringMap>) -> Result<BTreeMap<String, String>, Unknown> {
    let mut out = BTreeMap::new();
    for (k, v) in known(v)?.unwrap_or_default() {
        if let Some(v) = known(&v)? {
            out.insert(k, v);
        }
    }
    Ok(out)
}

fn known_set(v: &Value<StringSet>) -> Result<Vec<String>, Unknown> {
    let mut out = Vec::new();
    for item in known(v)?.unwrap_or_default() {
        if let Some(s) = known(&item)? {
            out.push(s);
        }
    }
    Ok(out)
}

fn int(v: &Value<Number>) -> Result<Option<i64>, Unknown> {
    Ok(known(v)?.and_then(Number::as_i64))
}

fn num(v: i64) -> Value<Number> {
    Value::Value(Number::from(v))
}

fn string_value(v: Result<Option<String>, Unknown>) -> Value<String> {
    match v {
        Ok(Some(s)) => Value::Value(s),
        Ok(None) => Value::Null,
        Err(Unknown) => Value::Unknown,
    }
}

/// The preset of a spec: `Ok(None)` for ratio and metric alarms.
fn spec_preset(spec: &AlarmSpec) -> Result<Option<&'static Preset>, Unknown> {
    Ok(known(&spec.preset)?.and_then(|name| preset(&name)))
}

/// A default that depends on the preset (or a fixed default without one).
fn or_default<T: Clone>(
    v: &Value<T>,
    preset: Result<Option<&'static Preset>, Unknown>,
    f: impl Fn(Option<&Preset>) -> Option<T>,
) -> Value<T> {
    match v {
        Value::Null => match preset {
            Ok(p) => f(p).map(Value::Value).unwrap_or(Value::Null),
            Err(Unknown) => Value::Unknown,
        },
        other => other.clone(),
    }
}

fn fill_metric(metric: &Value<MetricSpec>, statistic: &str) -> Value<MetricSpec> {
    match metric {
        Value::Value(m) => {
            let mut m = m.clone();
            if m.statistic.is_null() {
                m.statistic = Value::Value(statistic.to_owned());
            }
            Value::Value(m)
        }
        other => other.clone(),
    }
}

/// One alarm with its defaults filled in (the planned value of `alarms[key]`).
pub fn fill_alarm(spec: &AlarmSpec) -> AlarmSpec {
    let p = spec_preset(spec);
    let mut s = spec.clone();
    if let Value::Value(ratio) = &mut s.ratio {
        ratio.numerator = fill_metric(&ratio.numerator, expand::DEFAULT_RATIO_STATISTIC);
        ratio.denominator = fill_metric(&ratio.denominator, expand::DEFAULT_RATIO_STATISTIC);
    }
    s.metric = fill_metric(&s.metric, expand::DEFAULT_METRIC_STATISTIC);
    s.comparison = or_default(&s.comparison, p, |p| {
        Some(
            p.map_or(expand::DEFAULT_COMPARISON, |p| p.comparison)
                .to_owned(),
        )
    });
    s.threshold = or_default(&s.threshold, p, |p| {
        p.and_then(|p| Number::new(p.threshold))
    });
    s.period = or_default(&s.period, p, |p| {
        Some(Number::from(p.map_or(expand::DEFAULT_PERIOD, |p| p.period)))
    });
    s.evaluation_periods = or_default(&s.evaluation_periods, p, |p| {
        Some(Number::from(
            p.map_or(expand::DEFAULT_EVALUATION_PERIODS, |p| p.evaluation_periods),
        ))
    });
    if s.datapoints_to_alarm.is_null() {
        s.datapoints_to_alarm = s.evaluation_periods;
    }
    if s.treat_missing_data.is_null() {
        s.treat_missing_data = Value::Value(expand::DEFAULT_TREAT_MISSING_DATA.to_owned());
    }
    if s.severity.is_null() {
        s.severity = Value::Value(expand::DEFAULT_SEVERITY.to_owned());
    }
    if s.description.is_null() {
        s.description = match kind_and_body(&s) {
            Ok(Some((kind, body))) => match (
                known(&s.comparison),
                known(&s.threshold),
                known(&s.dimension),
            ) {
                (Ok(Some(c)), Ok(Some(t)), Ok(d)) => Value::Value(default_description(
                    &kind,
                    &body,
                    &c,
                    t.as_f64(),
                    d.as_deref(),
                )),
                (Ok(_), Ok(_), Ok(_)) => Value::Null,
                _ => Value::Unknown,
            },
            Ok(None) => Value::Null,
            Err(Unknown) => Value::Unknown,
        };
    }
    s
}

fn metric_ref(m: &Value<MetricSpec>) -> Result<Option<MetricRef>, Unknown> {
    let Some(m) = known(m)? else { return Ok(None) };
    let (Some(namespace), Some(metric_name), Some(statistic)) = (
        known(&m.namespace)?,
        known(&m.metric_name)?,
        known(&m.statistic)?,
    ) else {
        return Ok(None);
    };
    Ok(Some(MetricRef {
        namespace,
        metric_name,
        dimensions: known_map(&m.dimensions)?,
        statistic,
    }))
}

/// The kind and metrics of a (filled) alarm; `Ok(None)` when the spec is invalid.
pub fn kind_and_body(spec: &AlarmSpec) -> Result<Option<(Kind, Body)>, Unknown> {
    if let Some(name) = known(&spec.preset)? {
        let Some(p) = preset(&name) else {
            return Ok(None);
        };
        let Some(dimension) = known(&spec.dimension)? else {
            return Ok(None);
        };
        return Ok(preset_body(p, &dimension, None).map(|b| (Kind::Preset(p), b)));
    }
    if let Some(ratio) = known(&spec.ratio)? {
        let (Some(numerator), Some(denominator)) = (
            metric_ref(&ratio.numerator)?,
            metric_ref(&ratio.denominator)?,
        ) else {
            return Ok(None);
        };
        return Ok(Some((
            Kind::Ratio,
            Body::Ratio {
                numerator,
                denominator,
            },
        )));
    }
    Ok(metric_ref(&spec.metric)?.map(|m| (Kind::Threshold, Body::Single(m))))
}

/// A filled alarm with every value known; `Ok(None)` when it is invalid.
pub fn resolve(spec: &AlarmSpec) -> Result<Option<Resolved>, Unknown> {
    let Some((kind, body)) = kind_and_body(spec)? else {
        return Ok(None);
    };
    let (
        Some(comparison),
        Some(threshold),
        Some(period),
        Some(evaluation_periods),
        Some(datapoints_to_alarm),
    ) = (
        known(&spec.comparison)?,
        known(&spec.threshold)?,
        int(&spec.period)?,
        int(&spec.evaluation_periods)?,
        int(&spec.datapoints_to_alarm)?,
    )
    else {
        return Ok(None);
    };
    let (Some(treat_missing_data), Some(severity)) =
        (known(&spec.treat_missing_data)?, known(&spec.severity)?)
    else {
        return Ok(None);
    };
    Ok(Some(Resolved {
        kind,
        body,
        comparison,
        threshold: threshold.as_f64(),
        period,
        evaluation_periods,
        datapoints_to_alarm,
        treat_missing_data,
        severity,
        runbook_url: known(&spec.runbook_url)?,
        description: known(&spec.description)?.unwrap_or_default(),
    }))
}

/// Worst-case detection time of a filled alarm.
pub fn detection(spec: &AlarmSpec) -> Result<Option<i64>, Unknown> {
    Ok(detection_terms(spec)?.map(|d| d.seconds()))
}

/// The terms of the worst-case detection time of a filled alarm.
pub fn detection_terms(spec: &AlarmSpec) -> Result<Option<super::detection::Detection>, Unknown> {
    let Some(namespaces) = namespaces(spec)? else {
        return Ok(None);
    };
    let (Some(period), Some(dtoa)) = (int(&spec.period)?, int(&spec.datapoints_to_alarm)?) else {
        return Ok(None);
    };
    let namespaces: Vec<&str> = namespaces.iter().map(String::as_str).collect();
    Ok(Some(super::detection::Detection::new(
        period,
        dtoa,
        &namespaces,
    )))
}

/// The namespaces an alarm reads. A preset's namespace is known even while its
/// dimension is not (except for log metrics, whose dimension names the namespace).
fn namespaces(spec: &AlarmSpec) -> Result<Option<Vec<String>>, Unknown> {
    if let Some(p) = spec_preset(spec)? {
        if let Some(ns) = p.namespace() {
            return Ok(Some(vec![ns.to_owned()]));
        }
    }
    let namespace_of = |m: &Value<MetricSpec>| -> Result<Option<String>, Unknown> {
        match known(m)? {
            Some(m) => known(&m.namespace),
            None => Ok(None),
        }
    };
    if let Some(ratio) = known(&spec.ratio)? {
        let (Some(a), Some(b)) = (
            namespace_of(&ratio.numerator)?,
            namespace_of(&ratio.denominator)?,
        ) else {
            return Ok(None);
        };
        return Ok(Some(vec![a, b]));
    }
    Ok(kind_and_body(spec)?
        .map(|(_, body)| body.namespaces().into_iter().map(str::to_owned).collect()))
}

/// The shared context of a filled set.
pub fn set_context(state: &AlarmSetState) -> Result<Option<SetContext>, Unknown> {
    let (Some(name), Some(actions_enabled), Some(child_actions)) = (
        known(&state.name)?,
        known(&state.actions_enabled)?,
        known(&state.child_actions)?,
    ) else {
        return Ok(None);
    };
    Ok(Some(SetContext {
        name,
        actions_enabled,
        child_actions,
        alarm_actions: known_set(&state.alarm_actions)?,
        ok_actions: known_set(&state.ok_actions)?,
        insufficient_data_actions: known_set(&state.insufficient_data_actions)?,
        tags: known_map(&state.tags_all)?,
    }))
}

/// Keys of the set's alarms (the map keys are known whenever the map is).
pub fn keys(state: &AlarmSetState) -> Result<BTreeSet<String>, Unknown> {
    Ok(known(&state.alarms)?
        .unwrap_or_default()
        .into_keys()
        .collect())
}

/// What CloudWatch must hold for a filled set: each child by key, and the composite.
#[derive(Clone, Debug, PartialEq)]
pub struct Desired {
    pub name: String,
    pub region: String,
    pub children: BTreeMap<String, MetricAlarmDef>,
    pub composite: CompositeAlarmDef,
}

pub fn child_def(
    set: &SetContext,
    key: &str,
    spec: &Value<AlarmSpec>,
) -> Result<Option<MetricAlarmDef>, Unknown> {
    let Some(spec) = known(spec)? else {
        return Ok(None);
    };
    Ok(resolve(&spec)?.map(|r| metric_alarm_def(set, key, &r)))
}

pub fn composite_def(
    state: &AlarmSetState,
    set: &SetContext,
) -> Result<Option<CompositeAlarmDef>, Unknown> {
    let alarms = known(&state.alarms)?.unwrap_or_default();
    let keys: BTreeSet<String> = alarms.keys().cloned().collect();
    let mut severities = Vec::new();
    for spec in alarms.values() {
        if let Some(spec) = known(spec)? {
            if let Some(s) = known(&spec.severity)? {
                severities.push(s);
            }
        }
    }
    let composite = known(&state.composite)?.unwrap_or_default();
    let rule_text = known(&composite.rule)?.unwrap_or_else(|| "any".to_owned());
    let Ok(alarm_rule) = rule::translate(&rule_text, &keys, |k| child_name(&set.name, k)) else {
        return Ok(None);
    };
    let suppressor = match known(&composite.actions_suppressor)? {
        Some(s) => {
            let (Some(alarm), Some(wait_period), Some(extension_period)) = (
                known(&s.alarm)?,
                int(&s.wait_period)?,
                int(&s.extension_period)?,
            ) else {
                return Ok(None);
            };
            // A key of the set stands for its child alarm.
            let alarm = if keys.contains(&alarm) {
                child_name(&set.name, &alarm)
            } else {
                alarm
            };
            Some(Suppressor {
                alarm,
                wait_period,
                extension_period,
            })
        }
        None => None,
    };
    let description = known(&state.description)?.unwrap_or_default();
    let severity = highest_severity(severities.iter().map(String::as_str));
    Ok(Some(composite_alarm_def(
        set,
        &description,
        severity,
        alarm_rule,
        suppressor.as_ref(),
    )))
}

/// Everything CloudWatch must hold, for apply (where every value is known).
pub fn desired(state: &AlarmSetState) -> Result<Desired, String> {
    let incomplete = |what: &str| {
        format!("the planned alarm set has no usable {what}; this is a bug in the opsdeck provider")
    };
    let set = set_context(state)
        .ok()
        .flatten()
        .ok_or_else(|| incomplete("name, actions or tags"))?;
    let region = known(&state.region)
        .ok()
        .flatten()
        .ok_or_else(|| incomplete("region"))?;
    let mut children = BTreeMap::new();
    for (key, spec) in known(&state.alarms).ok().flatten().unwrap_or_default() {
        let def = child_def(&set, &key, &spec)
            .ok()
            .flatten()
            .ok_or_else(|| incomplete(&format!("alarm {key:?}")))?;
        children.insert(key, def);
    }
    let composite = composite_def(state, &set)
        .ok()
        .flatten()
        .ok_or_else(|| incomplete("composite"))?;
    Ok(Desired {
        name: set.name.clone(),
        region,
        children,
        composite,
    })
}

/// `arn:…:alarm:` of an ARN we know, to name alarms not created yet.
pub fn arn_prefix(arn: &str) -> Option<&str> {
    arn.find(":alarm:").map(|i| &arn[..i + ":alarm:".len()])
}

/// The planned state: `config` with defaults, plus computed values. `prior` (on update)
/// supplies the ARNs of alarms that exist.
pub fn plan(config: &AlarmSetState, prior: Option<&AlarmSetState>, env: &Env) -> AlarmSetState {
    let mut s = config.clone();
    s.id = config.name.clone();
    if s.region.is_null() {
        s.region = env
            .provider_region
            .clone()
            .map(Value::Value)
            .unwrap_or(Value::Null);
    }
    if s.description.is_null() {
        s.description = match &s.name {
            Value::Value(n) => Value::Value(default_set_description(n)),
            _ => Value::Unknown,
        };
    }
    if s.actions_enabled.is_null() {
        s.actions_enabled = Value::Value(true);
    }
    if s.child_actions.is_null() {
        s.child_actions = Value::Value(false);
    }
    if s.max_detection_seconds.is_null() {
        s.max_detection_seconds = num(expand::DEFAULT_MAX_DETECTION_SECONDS);
    }
    s.tags_all = match known(&s.tags) {
        Ok(tags) => {
            let mut all: StringMap = env
                .default_tags
                .iter()
                .map(|(k, v)| (k.clone(), Value::Value(v.clone())))
                .collect();
            all.extend(tags.unwrap_or_default());
            Value::Value(all)
        }
        Err(Unknown) => Value::Unknown,
    };
    s.composite = match &s.composite {
        Value::Null => Value::Value(CompositeSpec {
            rule: Value::Value("any".into()),
            actions_suppressor: Value::Null,
        }),
        Value::Value(c) => {
            let mut c = c.clone();
            if c.rule.is_null() {
                c.rule = Value::Value("any".into());
            }
            Value::Value(c)
        }
        Value::Unknown => Value::Unknown,
    };
    s.alarms = match &s.alarms {
        Value::Value(m) => Value::Value(
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        match v {
                            Value::Value(spec) => Value::Value(fill_alarm(spec)),
                            other => other.clone(),
                        },
                    )
                })
                .collect(),
        ),
        other => other.clone(),
    };

    let set = set_context(&s);
    match known(&s.alarms) {
        Ok(Some(alarms)) => {
            let mut detection = BTreeMap::new();
            let mut children = BTreeMap::new();
            for (key, spec) in &alarms {
                let secs = match known(spec) {
                    Ok(Some(spec)) => detection_of(&spec),
                    Ok(None) => Value::Null,
                    Err(Unknown) => Value::Unknown,
                };
                detection.insert(key.clone(), secs);
                let json = match &set {
                    Ok(Some(set)) => match child_def(set, key, spec) {
                        Ok(Some(def)) => Value::Value(to_json(&def)),
                        Ok(None) => Value::Null,
                        Err(Unknown) => Value::Unknown,
                    },
                    Ok(None) => Value::Null,
                    Err(Unknown) => Value::Unknown,
                };
                children.insert(key.clone(), json);
            }
            s.detection_seconds = Value::Value(detection);
            s.child_alarms = Value::Value(children);
        }
        Ok(None) => {
            s.detection_seconds = Value::Null;
            s.child_alarms = Value::Null;
        }
        Err(Unknown) => {
            s.detection_seconds = Value::Unknown;
            s.child_alarms = Value::Unknown;
        }
    }
    s.composite_alarm = match &set {
        Ok(Some(set)) => match composite_def(&s, set) {
            Ok(Some(def)) => Value::Value(to_json(&def)),
            Ok(None) => Value::Null,
            Err(Unknown) => Value::Unknown,
        },
        Ok(None) => Value::Null,
        Err(Unknown) => Value::Unknown,
    };

    // ARNs: those of alarms that exist are kept; new ones follow the pattern of a known
    // ARN of the same set (same partition, region and account), else they are unknown.
    let same_place = prior.is_some_and(|p| p.name == s.name && p.region == s.region);
    let prior_arns = prior
        .filter(|_| same_place)
        .and_then(|p| p.alarm_arns.as_ref_option().cloned())
        .unwrap_or_default();
    let prior_composite = prior
        .filter(|_| same_place)
        .and_then(|p| p.composite_alarm_arn.as_ref_option().cloned());
    let prefix = prior_composite
        .as_deref()
        .and_then(arn_prefix)
        .or_else(|| {
            prior_arns
                .values()
                .find_map(|v| v.as_ref_option().and_then(|a| arn_prefix(a)))
        })
        .map(str::to_owned);
    let name = known(&s.name).ok().flatten();
    s.composite_alarm_arn = match (&prior_composite, &prefix, &name) {
        (Some(arn), _, _) => Value::Value(arn.clone()),
        (None, Some(prefix), Some(name)) => Value::Value(format!("{prefix}{name}")),
        _ => Value::Unknown,
    };
    s.alarm_arns = match (keys(&s), &name) {
        (Ok(keys), Some(name)) if prefix.is_some() => Value::Value(
            keys.iter()
                .map(|k| {
                    let arn = match prior_arns.get(k) {
                        Some(Value::Value(a)) => a.clone(),
                        _ => format!(
                            "{}{}",
                            prefix.as_deref().unwrap_or_default(),
                            child_name(name, k)
                        ),
                    };
                    (k.clone(), Value::Value(arn))
                })
                .collect(),
        ),
        _ => Value::Unknown,
    };
    s
}

fn detection_of(spec: &AlarmSpec) -> Value<Number> {
    match detection(spec) {
        Ok(Some(secs)) => num(secs),
        Ok(None) => Value::Null,
        Err(Unknown) => Value::Unknown,
    }
}

/// `string_value` for callers that build states by hand (import).
pub fn opt_string(v: Option<String>) -> Value<String> {
    string_value(Ok(v))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::resources::alarm_set::model::{RatioSpec, SuppressorSpec};

    pub(crate) fn s(v: &str) -> Value<String> {
        Value::Value(v.to_owned())
    }

    fn n(v: f64) -> Value<Number> {
        Value::Value(Number::new(v).unwrap())
    }

    fn metric(ns: &str, name: &str, dims: &[(&str, &str)]) -> Value<MetricSpec> {
        Value::Value(MetricSpec {
            namespace: s(ns),
            metric_name: s(name),
            dimensions: Value::Value(dims.iter().map(|(k, v)| ((*k).to_owned(), s(v))).collect()),
            statistic: Value::Null,
        })
    }

    pub(crate) fn config() -> AlarmSetState {
        let mut alarms = BTreeMap::new();
        alarms.insert(
            "lambda".to_owned(),
            Value::Value(AlarmSpec {
                preset: s("lambda_error_rate"),
                dimension: s("checkout"),
                ..Default::default()
            }),
        );
        alarms.insert(
            "orders".to_owned(),
            Value::Value(AlarmSpec {
                ratio: Value::Value(RatioSpec {
                    numerator: metric("Shop", "OrdersFailed", &[("Service", "checkout")]),
                    denominator: metric("Shop", "Orders", &[("Service", "checkout")]),
                }),
                threshold: n(2.5),
                severity: s("critical"),
                ..Default::default()
            }),
        );
        AlarmSetState {
            name: s("checkout"),
            alarm_actions: Value::Value(vec![s("arn:aws:sns:us-east-1:123456789012:pager")]),
            tags: Value::Value(BTreeMap::from([("team".to_owned(), s("payments"))])),
            alarms: Value::Value(alarms),
            ..Default::default()
        }
    }

    fn env() -> Env {
        Env {
            provider_region: Some("us-east-1".into()),
            default_tags: BTreeMap::from([
                ("env".to_owned(), "prod".to_owned()),
                ("team".to_owned(), "platform".to_owned()),
            ]),
            skip_region_validation: false,
        }
    }

    #[test]
    fn defaults_are_filled_from_presets_and_the_provider() {
        let p = plan(&config(), None, &env());
        assert_eq!(p.region, s("us-east-1"));
        assert_eq!(p.max_detection_seconds, n(300.0));
        assert_eq!(p.child_actions, Value::Value(false));
        let alarms = p.alarms.as_ref_option().unwrap();
        let lambda = alarms["lambda"].as_ref_option().unwrap();
        assert_eq!(lambda.threshold, n(5.0));
        assert_eq!(
            (
                lambda.period,
                lambda.evaluation_periods,
                lambda.datapoints_to_alarm
            ),
            (n(60.0), n(2.0), n(2.0))
        );
        assert_eq!(lambda.description, s("Lambda checkout: error rate > 5%"));
        let orders = alarms["orders"].as_ref_option().unwrap();
        let ratio = orders.ratio.as_ref_option().unwrap();
        assert_eq!(ratio.numerator.as_ref_option().unwrap().statistic, s("Sum"));
        assert_eq!(orders.comparison, s("GreaterThanThreshold"));
        assert_eq!(p.composite.as_ref_option().unwrap().rule, s("any"));
        // Resource tags win over default tags.
        let tags = p.tags_all.as_ref_option().unwrap();
        assert_eq!(
            (tags["team"].clone(), tags["env"].clone()),
            (s("payments"), s("prod"))
        );
        let detection = p.detection_seconds.as_ref_option().unwrap();
        assert_eq!(detection["lambda"], n(300.0));
        assert_eq!(detection["orders"], n(300.0));
        // New set: ARNs are unknown until CloudWatch names them.
        assert!(p.alarm_arns.is_unknown() && p.composite_alarm_arn.is_unknown());
    }

    #[test]
    fn the_planned_definitions_describe_the_cloudwatch_alarms() {
        let p = plan(&config(), None, &env());
        let d = desired(&p).unwrap();
        assert_eq!(d.children.len(), 2);
        assert_eq!(
            d.composite.alarm_rule,
            r#"ALARM("checkout-lambda") OR ALARM("checkout-orders")"#
        );
        assert_eq!(
            d.composite.alarm_actions,
            vec!["arn:aws:sns:us-east-1:123456789012:pager"]
        );
        assert!(d
            .composite
            .alarm_description
            .ends_with("[opsdeck] set=checkout severity=critical"));
        assert_eq!(d.children["orders"].threshold, 2.5);
        let json = p.child_alarms.as_ref_option().unwrap()["orders"]
            .as_ref_option()
            .unwrap()
            .clone();
        assert_eq!(
            serde_json::from_str::<MetricAlarmDef>(&json).unwrap(),
            d.children["orders"]
        );
    }

    #[test]
    fn planning_twice_gives_the_same_state() {
        let first = plan(&config(), None, &env());
        let again = plan(&first, Some(&first), &env());
        assert_eq!(first.alarms, again.alarms);
        assert_eq!(first.child_alarms, again.child_alarms);
        assert_eq!(first.composite_alarm, again.composite_alarm);
    }

    #[test]
    fn unknown_values_make_only_their_dependants_unknown() {
        let mut c = config();
        if let Value::Value(alarms) = &mut c.alarms {
            if let Some(Value::Value(spec)) = alarms.get_mut("lambda") {
                spec.dimension = Value::Unknown;
            }
        }
        let p = plan(&c, None, &env());
        let children = p.child_alarms.as_ref_option().unwrap();
        assert!(children["lambda"].is_unknown());
        assert!(children["orders"].is_value());
        assert!(p.alarms.as_ref_option().unwrap()["lambda"]
            .as_ref_option()
            .unwrap()
            .description
            .is_unknown());
        // Detection time does not depend on the dimension.
        assert_eq!(
            p.detection_seconds.as_ref_option().unwrap()["lambda"],
            n(300.0)
        );

        let mut c = config();
        c.alarm_actions = Value::Unknown;
        let p = plan(&c, None, &env());
        assert!(p.composite_alarm.is_unknown());
        assert!(
            p.child_alarms.as_ref_option().unwrap()["orders"].is_unknown(),
            "actions may be copied to children"
        );
    }

    #[test]
    fn an_update_keeps_known_arns_and_names_new_ones() {
        let mut prior = plan(&config(), None, &env());
        prior.composite_alarm_arn = s("arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout");
        prior.alarm_arns = Value::Value(BTreeMap::from([(
            "lambda".to_owned(),
            s("arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-lambda"),
        )]));
        let p = plan(&config(), Some(&prior), &env());
        assert_eq!(p.composite_alarm_arn, prior.composite_alarm_arn);
        let arns = p.alarm_arns.as_ref_option().unwrap();
        assert_eq!(
            arns["orders"],
            s("arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-orders")
        );
    }

    #[test]
    fn a_suppressor_key_names_its_child_alarm() {
        let mut c = config();
        c.composite = Value::Value(CompositeSpec {
            rule: s("lambda AND orders"),
            actions_suppressor: Value::Value(SuppressorSpec {
                alarm: s("orders"),
                wait_period: n(60.0),
                extension_period: n(120.0),
            }),
        });
        let d = desired(&plan(&c, None, &env())).unwrap();
        assert_eq!(
            d.composite.actions_suppressor.as_deref(),
            Some("checkout-orders")
        );
        assert_eq!(
            d.composite.alarm_rule,
            r#"ALARM("checkout-lambda") AND ALARM("checkout-orders")"#
        );
    }
}
