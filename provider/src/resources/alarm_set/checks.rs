//! Plan-time validation: every problem on its attribute path, saying what is wrong and
//! what to change. Values not known yet are skipped; they are checked on the plan that
//! knows them (at the latest, the one `apply` makes).

use std::collections::BTreeSet;

use tf_provider::value::Value;
use tf_provider::AttributePath;

use super::expand::{
    self, check_statistic, child_name, preset, preset_names, split_log_metric, ThresholdRange,
    COMPARISONS, MAX_DESCRIPTION, SEVERITIES, TREAT_MISSING_DATA,
};
use super::model::{AlarmSetState, AlarmSpec, CompositeSpec, MetricSpec, StringSet};
use super::plan::{self, Env};
use super::rule;
use crate::validate;
use crate::Number;

pub const MAX_NAME: usize = 255;
pub const MAX_CHILDREN: usize = 100;
pub const MAX_ACTIONS: usize = 5;
pub const MAX_TAGS: usize = 50;
/// CloudWatch evaluates at most one day of datapoints for the alarms a set makes.
pub const MAX_EVALUATION_RANGE: i64 = 86_400;

/// The rule text of a composite (`any` when unset); `None` while unknown.
fn composite_rule(composite: &CompositeSpec) -> Option<&str> {
    match &composite.rule {
        Value::Value(r) => Some(r.as_str()),
        Value::Null => Some("any"),
        Value::Unknown => None,
    }
}

#[derive(Clone, Debug)]
pub struct Problem {
    pub path: AttributePath,
    pub summary: String,
    pub detail: String,
}

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, path: AttributePath, summary: &str, detail: impl Into<String>) {
        self.0.push(Problem {
            path,
            summary: summary.to_owned(),
            detail: detail.into(),
        });
    }
}

fn alarm_path(key: &str) -> AttributePath {
    AttributePath::new("alarms").key(key.to_owned())
}

/// A whole number in `range`, or a message.
fn whole(value: Number, min: i64, max: i64) -> Result<i64, String> {
    match value.as_i64() {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        Some(_) | None if max == i64::MAX => {
            Err(format!("is {value}; use a whole number of at least {min}"))
        }
        _ => Err(format!(
            "is {value}; use a whole number from {min} to {max}"
        )),
    }
}

/// `[A-Za-z0-9_.-]`: safe inside quoted AlarmRule terms, description markers and import ids.
fn check_set_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_NAME {
        return Err(format!("{name:?} must be 1 to {MAX_NAME} characters long"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    {
        return Err(format!("{name:?} may hold only letters, digits, '_', '.' and '-' (it is quoted inside the composite's AlarmRule)"));
    }
    Ok(())
}

/// Actions a set's alarms may take: SNS topics (of the set's region), Lambda functions,
/// Systems Manager OpsItems and incident response plans. EC2 and Auto Scaling actions are
/// refused because composite alarms cannot run them.
pub fn check_action(arn: &str, set_region: Option<&str>) -> Result<(), String> {
    let fix = "use the ARN of an SNS topic, a Lambda function, an SSM OpsItem (arn:aws:ssm:REGION:ACCOUNT:opsitem:SEVERITY) or an incident response plan";
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || !parts[1].starts_with("aws") {
        return Err(format!("{arn:?} is not an ARN; {fix}"));
    }
    let (service, region, account, resource) = (parts[2], parts[3], parts[4], parts[5]);
    let account_ok = account.len() == 12 && account.chars().all(|c| c.is_ascii_digit());
    if service == "sns" && resource.ends_with(".fifo") {
        return Err(format!(
            "{arg:?} is an SNS FIFO topic: CloudWatch cannot publish alarm notifications to FIFO topics, so the alarm would never be delivered. Use a standard topic (opsdeck_slack_alarm_topic makes one)",
            arg = arn
        ));
    }
    let ok = match service {
        "sns" => {
            account_ok && !region.is_empty() && !resource.is_empty() && !resource.contains(':')
        }
        "lambda" => {
            account_ok
                && resource
                    .strip_prefix("function:")
                    .is_some_and(|f| !f.is_empty())
        }
        "ssm" => resource.starts_with("opsitem:"),
        "ssm-incidents" => account_ok && resource.starts_with("responseplan/"),
        _ => false,
    };
    if !ok {
        return Err(format!(
            "{arn:?} is not an action a composite alarm can take; {fix}"
        ));
    }
    if let Some(set_region) = set_region {
        if service == "sns" && region != set_region {
            return Err(format!(
                "the topic {arn:?} is in {region}, but the alarms are in {set_region}: CloudWatch notifies only topics of the alarm's own region. Use a topic in {set_region}."
            ));
        }
    }
    Ok(())
}

fn check_actions(
    p: &mut Problems,
    attribute: &'static str,
    actions: &Value<StringSet>,
    region: Option<&str>,
) {
    let Value::Value(list) = actions else { return };
    if list.len() > MAX_ACTIONS {
        p.add(
            AttributePath::new(attribute),
            "Too many actions",
            format!("{attribute} has {} ARNs; CloudWatch allows at most {MAX_ACTIONS} per alarm state. Fan out through one SNS topic instead.", list.len()),
        );
    }
    for arn in list.iter().filter_map(Value::as_ref_option) {
        if let Err(e) = check_action(arn, region) {
            p.add(AttributePath::new(attribute), "Invalid alarm action", e);
        }
    }
}

fn check_metric(p: &mut Problems, path: AttributePath, metric: &MetricSpec) {
    for (attribute, value) in [
        ("namespace", &metric.namespace),
        ("metric_name", &metric.metric_name),
    ] {
        if let Value::Value(v) = value {
            if v.is_empty() || v.len() > 255 {
                p.add(
                    path.clone().attribute(attribute),
                    "Invalid metric",
                    format!("{attribute} must be 1 to 255 characters"),
                );
            }
        }
    }
    if let Value::Value(dims) = &metric.dimensions {
        if dims.len() > 30 {
            p.add(
                path.clone().attribute("dimensions"),
                "Too many dimensions",
                format!("{} dimensions; a metric has at most 30", dims.len()),
            );
        }
    }
    if let Value::Value(stat) = &metric.statistic {
        if let Err(e) = check_statistic(stat) {
            p.add(path.attribute("statistic"), "Invalid statistic", e);
        }
    }
}

fn one_of(
    p: &mut Problems,
    path: AttributePath,
    value: &Value<String>,
    allowed: &[&str],
    summary: &str,
) {
    if let Value::Value(v) = value {
        if !allowed.contains(&v.as_str()) {
            p.add(
                path,
                summary,
                format!("{v:?} is not allowed; use one of {}", allowed.join(", ")),
            );
        }
    }
}

fn check_alarm(
    p: &mut Problems,
    key: &str,
    spec: &AlarmSpec,
    set_name: Option<&str>,
    region: Option<&str>,
    max_detection: Option<i64>,
) {
    let path = alarm_path(key);
    let forms = [
        ("preset", !spec.preset.is_null()),
        ("ratio", !spec.ratio.is_null()),
        ("metric", !spec.metric.is_null()),
    ];
    let set: Vec<&str> = forms
        .iter()
        .filter(|(_, on)| *on)
        .map(|(n, _)| *n)
        .collect();
    if set.len() != 1 {
        p.add(
            path.clone(),
            "Invalid alarm",
            if set.is_empty() {
                format!("alarm {key:?} says nothing to watch: set exactly one of `preset` (with `dimension`), `ratio` or `metric`")
            } else {
                format!("alarm {key:?} sets {}; set exactly one of `preset`, `ratio` or `metric`", set.join(" and "))
            },
        );
        return;
    }
    let mut range = ThresholdRange::Any;
    if let Value::Value(name) = &spec.preset {
        match preset(name) {
            None => p.add(
                path.clone().attribute("preset"),
                "Unknown preset",
                format!("{name:?} is not a preset; use one of {}", preset_names()),
            ),
            Some(pr) => {
                range = pr.range;
                match &spec.dimension {
                    Value::Null => p.add(
                        path.clone().attribute("dimension"),
                        "Missing dimension",
                        format!("preset {name:?} needs `dimension`: {}", pr.dimension_help),
                    ),
                    Value::Value(d) if d.is_empty() => p.add(
                        path.clone().attribute("dimension"),
                        "Missing dimension",
                        format!("`dimension` is empty; set {}", pr.dimension_help),
                    ),
                    Value::Value(d)
                        if pr.dimension_name.is_none() && split_log_metric(d).is_none() =>
                    {
                        p.add(
                            path.clone().attribute("dimension"),
                            "Invalid dimension",
                            format!("{d:?} is not NAMESPACE/METRIC; set {}", pr.dimension_help),
                        )
                    }
                    _ => {}
                }
                if pr.body_is_cloudfront() {
                    if let Some(region) = region.filter(|r| *r != "us-east-1") {
                        p.add(
                            path.clone(),
                            "CloudFront alarms must be in us-east-1",
                            format!(
                                "alarm {key:?} reads CloudFront metrics, which exist only in us-east-1, but the set is in {region}. \
                                 Put CloudFront alarms in their own set with region = \"us-east-1\" (a composite cannot reference alarms of another region)."
                            ),
                        );
                    }
                }
            }
        }
    } else {
        if !spec.dimension.is_null() {
            p.add(
                path.clone().attribute("dimension"),
                "Dimension without preset",
                "`dimension` belongs to presets; for `ratio` and `metric`, put dimensions in the metric's `dimensions` map",
            );
        }
        if spec.threshold.is_null() {
            p.add(path.clone().attribute("threshold"), "Missing threshold", format!("alarm {key:?} needs a `threshold` (presets have one; `ratio` and `metric` alarms do not)"));
        }
    }
    if let Value::Value(ratio) = &spec.ratio {
        range = ThresholdRange::Percent;
        for (part, metric) in [
            ("numerator", &ratio.numerator),
            ("denominator", &ratio.denominator),
        ] {
            if let Value::Value(m) = metric {
                check_metric(p, path.clone().attribute("ratio").attribute(part), m);
                if let Value::Value(ns) = &m.namespace {
                    if ns == "AWS/CloudFront" {
                        if let Some(region) = region.filter(|r| *r != "us-east-1") {
                            p.add(path.clone(), "CloudFront alarms must be in us-east-1", format!("alarm {key:?} reads AWS/CloudFront metrics, which exist only in us-east-1; the set is in {region}"));
                        }
                    }
                }
            }
        }
    }
    if let Value::Value(m) = &spec.metric {
        check_metric(p, path.clone().attribute("metric"), m);
    }
    if let Value::Value(t) = spec.threshold {
        if let Err(e) = range.check(t.as_f64()) {
            p.add(
                path.clone().attribute("threshold"),
                "Threshold out of range",
                format!("threshold {e}"),
            );
        }
    }
    one_of(
        p,
        path.clone().attribute("comparison"),
        &spec.comparison,
        COMPARISONS,
        "Invalid comparison",
    );
    one_of(
        p,
        path.clone().attribute("treat_missing_data"),
        &spec.treat_missing_data,
        TREAT_MISSING_DATA,
        "Invalid treat_missing_data",
    );
    one_of(
        p,
        path.clone().attribute("severity"),
        &spec.severity,
        SEVERITIES,
        "Invalid severity",
    );

    let period = match spec.period {
        Value::Value(v) => match v.as_i64() {
            Some(n) if n == 10 || n == 30 || (n >= 60 && n % 60 == 0) => Some(n),
            _ => {
                p.add(
                    path.clone().attribute("period"),
                    "Invalid period",
                    format!("period is {v}; CloudWatch alarms take 10, 30 or a multiple of 60 seconds (60, 120, 300 …)"),
                );
                None
            }
        },
        _ => None,
    };
    let evaluation = match spec.evaluation_periods {
        Value::Value(v) => match whole(v, 1, i64::MAX) {
            Ok(n) => Some(n),
            Err(e) => {
                p.add(
                    path.clone().attribute("evaluation_periods"),
                    "Invalid evaluation_periods",
                    format!("evaluation_periods {e}"),
                );
                None
            }
        },
        _ => None,
    };
    if let (Some(period), Some(evaluation)) = (period, evaluation) {
        if period * evaluation > MAX_EVALUATION_RANGE {
            p.add(
                path.clone().attribute("evaluation_periods"),
                "Evaluation range too long",
                format!("period × evaluation_periods is {} s; CloudWatch evaluates at most {MAX_EVALUATION_RANGE} s (one day)", period * evaluation),
            );
        }
    }
    if let Value::Value(v) = spec.datapoints_to_alarm {
        match whole(v, 1, i64::MAX) {
            Err(e) => p.add(
                path.clone().attribute("datapoints_to_alarm"),
                "Invalid datapoints_to_alarm",
                format!("datapoints_to_alarm {e}"),
            ),
            Ok(n) => {
                // Unset, evaluation_periods defaults to the preset's: compare with that.
                let filled = plan::fill_alarm(spec);
                if let Some(evaluation) = filled
                    .evaluation_periods
                    .as_ref_option()
                    .and_then(|e| e.as_i64())
                {
                    if n > evaluation {
                        p.add(
                            path.clone().attribute("datapoints_to_alarm"),
                            "Invalid datapoints_to_alarm",
                            format!("datapoints_to_alarm is {n} but evaluation_periods is {evaluation}: it must be at most evaluation_periods"),
                        );
                    }
                }
            }
        }
    }
    if let Value::Value(url) = &spec.runbook_url {
        let ok = url::Url::parse(url)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            && !url.chars().any(char::is_whitespace);
        if !ok {
            p.add(path.clone().attribute("runbook_url"), "Invalid runbook_url", format!("{url:?} is not an http(s) URL without spaces, e.g. \"https://wiki.example.com/runbooks/api-errors\""));
        }
    }

    // What needs the filled alarm: description length and detection time.
    let filled = plan::fill_alarm(spec);
    if let (Some(set_name), Ok(Some(resolved))) = (set_name, plan::resolve(&filled)) {
        let full = expand::child_description(
            &resolved.description,
            set_name,
            key,
            &resolved.kind,
            &resolved.severity,
            resolved.runbook_url.as_deref(),
        );
        if full.chars().count() > MAX_DESCRIPTION {
            p.add(
                path.clone().attribute("description"),
                "Description too long",
                format!(
                    "the child alarm's description would be {} characters with its [opsdeck] line; CloudWatch allows {MAX_DESCRIPTION}. Shorten `description` or `runbook_url`.",
                    full.chars().count()
                ),
            );
        }
    }
    if let (Some(max), Ok(Some(detection))) = (max_detection, plan::detection_terms(&filled)) {
        let seconds = detection.seconds();
        if seconds > max {
            let fit = detection.fitting_datapoints(max);
            let fix = if fit >= 1 {
                format!("set datapoints_to_alarm = {fit} (and evaluation_periods ≥ {fit}), use a shorter period, or raise max_detection_seconds")
            } else {
                "use a shorter period (60 s or less) or raise max_detection_seconds".to_owned()
            };
            let child = set_name
                .map(|n| format!(" (CloudWatch alarm {:?})", child_name(n, key)))
                .unwrap_or_default();
            p.add(
                path,
                "Alarm cannot fire in time",
                format!(
                    "alarm {key:?}{child} can take up to {seconds} s to fire: {}. \
                     max_detection_seconds is {max}. To fix it, {fix}.",
                    detection.explain()
                ),
            );
        }
    }
}

/// Every problem of `config`. `env` (the configured provider) adds the checks that need
/// the effective region; `validate` runs before the provider is configured, so it is
/// optional.
pub fn check(config: &AlarmSetState, env: Option<&Env>) -> Vec<Problem> {
    let mut p = Problems::default();
    let set_name = match &config.name {
        Value::Value(name) => match check_set_name(name) {
            Ok(()) => Some(name.as_str()),
            Err(e) => {
                p.add(AttributePath::new("name"), "Invalid name", e);
                None
            }
        },
        _ => None,
    };
    let region: Option<String> = match &config.region {
        Value::Value(r) => {
            // Before the provider is configured only the shape can be checked; the plan
            // checks the region against the known list unless skip_region_validation.
            let checked = match env {
                Some(env) => validate::known_region(r, env.skip_region_validation),
                None => validate::region(r),
            };
            if let Err(e) = checked {
                p.add(AttributePath::new("region"), "Invalid region", e);
            }
            Some(r.clone())
        }
        Value::Null => env.and_then(|e| e.provider_region.clone()),
        Value::Unknown => None,
    };
    let region = region.as_deref();
    if let Value::Value(tags) = &config.tags {
        let known: std::collections::BTreeMap<String, String> = tags
            .iter()
            .filter_map(|(k, v)| v.as_ref_option().map(|v| (k.clone(), v.clone())))
            .collect();
        for (key, problem) in validate::tags(&known) {
            p.add(AttributePath::new("tags").key(key), "Invalid tag", problem);
        }
        let total = env.map_or(tags.len(), |e| {
            e.default_tags
                .keys()
                .chain(tags.keys())
                .collect::<BTreeSet<_>>()
                .len()
        });
        if total > MAX_TAGS {
            p.add(AttributePath::new("tags"), "Too many tags", format!("the alarms would carry {total} tags (with the provider's default_tags); CloudWatch allows {MAX_TAGS}"));
        }
    }
    check_actions(&mut p, "alarm_actions", &config.alarm_actions, region);
    check_actions(&mut p, "ok_actions", &config.ok_actions, region);
    check_actions(
        &mut p,
        "insufficient_data_actions",
        &config.insufficient_data_actions,
        region,
    );
    let max_detection = match config.max_detection_seconds {
        Value::Value(v) => match whole(v, 10, i64::MAX) {
            Ok(n) => Some(n),
            Err(e) => {
                p.add(
                    AttributePath::new("max_detection_seconds"),
                    "Invalid max_detection_seconds",
                    format!("max_detection_seconds {e}"),
                );
                None
            }
        },
        Value::Null => Some(expand::DEFAULT_MAX_DETECTION_SECONDS),
        Value::Unknown => None,
    };
    if let (Some(name), Value::Value(text)) = (set_name, &config.description) {
        let full = expand::composite_description(text, name, "critical");
        if full.chars().count() > MAX_DESCRIPTION {
            p.add(
                AttributePath::new("description"),
                "Description too long",
                format!(
                    "{} characters with the [opsdeck] line; CloudWatch allows {MAX_DESCRIPTION}",
                    full.chars().count()
                ),
            );
        }
    }

    let Value::Value(alarms) = &config.alarms else {
        return p.0;
    };
    if alarms.is_empty() || alarms.len() > MAX_CHILDREN {
        p.add(
            AttributePath::new("alarms"),
            "Wrong number of alarms",
            format!("the set has {} alarms; a composite alarm takes 1 to {MAX_CHILDREN}. Split it into several sets.", alarms.len()),
        );
    }
    for (key, spec) in alarms {
        if let Err(e) = rule::check_key(key) {
            p.add(alarm_path(key), "Invalid alarm key", e);
            continue;
        }
        if let Some(name) = set_name {
            let child = child_name(name, key);
            if child.len() > MAX_NAME {
                p.add(
                    alarm_path(key),
                    "Alarm name too long",
                    format!("the child alarm name {child:?} is {} characters; CloudWatch allows {MAX_NAME}. Shorten `name` or the key.", child.len()),
                );
            }
        }
        if let Value::Value(spec) = spec {
            check_alarm(&mut p, key, spec, set_name, region, max_detection);
        }
    }

    let keys: BTreeSet<String> = alarms.keys().cloned().collect();
    // No `composite` (or no `rule`) means the rule `any`, whose length counts too.
    let composite = match &config.composite {
        Value::Value(c) => Some(c.clone()),
        Value::Null => Some(CompositeSpec::default()),
        Value::Unknown => None,
    };
    if let Some(composite) = &composite {
        let rule_text = match &composite.rule {
            Value::Value(r) => Some(r.as_str()),
            Value::Null => Some("any"),
            Value::Unknown => None,
        };
        if let Some(rule_text) = rule_text {
            match rule::referenced_keys(rule_text, &keys) {
                Err(e) => p.add(
                    AttributePath::new("composite").attribute("rule"),
                    "Invalid composite rule",
                    e,
                ),
                Ok(_) => {
                    if let Some(name) = set_name {
                        if let Ok(alarm_rule) =
                            rule::translate(rule_text, &keys, |k| child_name(name, k))
                        {
                            if alarm_rule.len() > rule::MAX_RULE_LENGTH {
                                p.add(
                                    AttributePath::new("composite").attribute("rule"),
                                    "Composite rule too long",
                                    format!(
                                        "the AlarmRule would be {} characters; CloudWatch allows {}. Use shorter keys or a shorter name, or split the set.",
                                        alarm_rule.len(),
                                        rule::MAX_RULE_LENGTH
                                    ),
                                );
                            }
                        }
                    }
                }
            }
        }
        if let Value::Value(s) = &composite.actions_suppressor {
            let path = AttributePath::new("composite").attribute("actions_suppressor");
            if let Value::Value(alarm) = &s.alarm {
                if alarm.is_empty() || alarm.len() > 2048 {
                    p.add(
                        path.clone().attribute("alarm"),
                        "Invalid actions suppressor",
                        "name a key of `alarms` or another alarm's name or ARN",
                    );
                }
            }
            for (attribute, value, what) in [
                (
                    "wait_period",
                    s.wait_period,
                    "how long to wait for the suppressor to go into ALARM, e.g. 60",
                ),
                (
                    "extension_period",
                    s.extension_period,
                    "how long the suppression lasts after the suppressor leaves ALARM, e.g. 300",
                ),
            ] {
                match value {
                    Value::Value(v) => {
                        if let Err(e) = whole(v, 0, MAX_EVALUATION_RANGE) {
                            p.add(
                                path.clone().attribute(attribute),
                                "Invalid actions suppressor",
                                format!("{attribute} {e}"),
                            );
                        }
                    }
                    Value::Null => p.add(
                        path.clone().attribute(attribute),
                        "Incomplete actions suppressor",
                        format!("actions_suppressor needs {attribute} (seconds: {what}); CloudWatch requires both wait_period and extension_period with an actions suppressor"),
                    ),
                    Value::Unknown => {}
                }
            }
            // A suppressor that is in ALARM whenever the composite is silences every page.
            if let (Value::Value(alarm), Some(rule_text)) = (&s.alarm, composite_rule(composite)) {
                let own_composite =
                    set_name.is_some_and(|n| alarm == n || alarm.ends_with(&format!(":alarm:{n}")));
                let silenced = own_composite || !rule::can_fire_while_ok(rule_text, &keys, alarm);
                if silenced {
                    let why = if own_composite {
                        "it is the set's own composite alarm, which is in ALARM exactly when it would page".to_owned()
                    } else {
                        format!(
                            "the rule {rule_text:?} can only be true while {alarm:?} is in ALARM"
                        )
                    };
                    p.add(
                        path.clone().attribute("alarm"),
                        "Composite can never page",
                        format!("the composite suppresses its own actions: {why}, so every notification would be suppressed and the set can never page. Use as suppressor an alarm that marks a maintenance window or an upstream outage, not one the rule needs, or change the rule"),
                    );
                }
            }
        }
    }
    p.0
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::resources::alarm_set::model::{RatioSpec, SuppressorSpec};

    fn s(v: &str) -> Value<String> {
        Value::Value(v.to_owned())
    }

    fn n(v: f64) -> Value<Number> {
        Value::Value(Number::new(v).unwrap())
    }

    fn lambda() -> AlarmSpec {
        AlarmSpec {
            preset: s("lambda_error_rate"),
            dimension: s("checkout"),
            ..Default::default()
        }
    }

    fn set(alarms: Vec<(&str, AlarmSpec)>) -> AlarmSetState {
        AlarmSetState {
            name: s("checkout"),
            alarms: Value::Value(
                alarms
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), Value::Value(v)))
                    .collect(),
            ),
            ..Default::default()
        }
    }

    fn env() -> Env {
        Env {
            provider_region: Some("eu-west-1".into()),
            default_tags: BTreeMap::new(),
            skip_region_validation: false,
        }
    }

    /// (path, summary, detail) of each problem.
    fn problems(config: &AlarmSetState) -> Vec<(String, String, String)> {
        check(config, Some(&env()))
            .into_iter()
            .map(|p| (format!("{:?}", p.path), p.summary, p.detail))
            .collect()
    }

    fn one_problem(config: &AlarmSetState, path_has: &str, detail_has: &str) {
        let found = problems(config);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].0.contains(path_has),
            "path {:?} lacks {path_has:?}",
            found[0].0
        );
        assert!(
            found[0].2.contains(detail_has),
            "detail {:?} lacks {detail_has:?}",
            found[0].2
        );
    }

    #[test]
    fn a_good_set_has_no_problem() {
        let ratio = AlarmSpec {
            ratio: Value::Value(RatioSpec {
                numerator: Value::Value(MetricSpec {
                    namespace: s("Shop"),
                    metric_name: s("Failed"),
                    ..Default::default()
                }),
                denominator: Value::Value(MetricSpec {
                    namespace: s("Shop"),
                    metric_name: s("All"),
                    ..Default::default()
                }),
            }),
            threshold: n(5.0),
            ..Default::default()
        };
        let mut c = set(vec![("lambda", lambda()), ("orders", ratio)]);
        c.alarm_actions = Value::Value(vec![s("arn:aws:sns:eu-west-1:123456789012:pager")]);
        c.composite = Value::Value(CompositeSpec {
            rule: s("lambda OR orders"),
            actions_suppressor: Value::Null,
        });
        assert!(problems(&c).is_empty(), "{:#?}", problems(&c));
    }

    #[test]
    fn unknown_values_are_not_errors() {
        let mut a = lambda();
        a.dimension = Value::Unknown;
        a.period = Value::Unknown;
        let mut c = set(vec![("lambda", a)]);
        c.name = Value::Unknown;
        c.alarm_actions = Value::Value(vec![Value::Unknown]);
        c.max_detection_seconds = Value::Unknown;
        assert!(problems(&c).is_empty(), "{:#?}", problems(&c));
        let mut c = set(vec![]);
        c.alarms = Value::Unknown;
        assert!(problems(&c).is_empty());
    }

    #[test]
    fn each_bad_input_names_its_attribute_and_the_fix() {
        let mut a = lambda();
        a.preset = s("lambda_errors");
        one_problem(&set(vec![("x", a)]), "preset", "lambda_error_rate");

        let mut a = lambda();
        a.dimension = Value::Null;
        one_problem(
            &set(vec![("x", a)]),
            "dimension",
            "the Lambda function name",
        );

        let mut a = lambda();
        a.period = n(45.0);
        one_problem(&set(vec![("x", a)]), "period", "10, 30 or a multiple of 60");

        let mut a = lambda();
        a.threshold = n(150.0);
        one_problem(&set(vec![("x", a)]), "threshold", "percentage");

        let mut a = lambda();
        a.datapoints_to_alarm = n(4.0);
        let mut c = set(vec![("x", a)]);
        c.max_detection_seconds = n(600.0);
        one_problem(&c, "datapoints_to_alarm", "at most evaluation_periods");

        let mut a = lambda();
        a.metric = Value::Value(MetricSpec::default());
        one_problem(&set(vec![("x", a)]), "x", "exactly one of");

        one_problem(
            &set(vec![("x", AlarmSpec::default())]),
            "x",
            "exactly one of",
        );

        let mut a = lambda();
        a.severity = s("urgent");
        one_problem(&set(vec![("x", a)]), "severity", "critical");

        let mut a = lambda();
        a.runbook_url = s("wiki/runbook");
        one_problem(&set(vec![("x", a)]), "runbook_url", "http(s)");

        one_problem(
            &set(vec![("bad key", lambda())]),
            "bad key",
            "letters, digits",
        );

        let mut c = set(vec![("x", lambda())]);
        c.name = s("has space");
        one_problem(&c, "name", "letters, digits");

        let mut c = set(vec![("x", lambda())]);
        c.alarm_actions = Value::Value(
            (0..6)
                .map(|i| s(&format!("arn:aws:sns:eu-west-1:123456789012:t{i}")))
                .collect(),
        );
        one_problem(&c, "alarm_actions", "at most 5");

        let mut c = set(vec![("x", lambda())]);
        c.ok_actions = Value::Value(vec![s(
            "arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:x",
        )]);
        one_problem(&c, "ok_actions", "SNS topic");

        let mut c = set(vec![("x", lambda())]);
        c.alarm_actions = Value::Value(vec![s("arn:aws:sns:us-east-1:123456789012:pager")]);
        one_problem(&c, "alarm_actions", "own region");

        let mut c = set(vec![("x", lambda())]);
        c.composite = Value::Value(CompositeSpec {
            rule: s("x OR y"),
            actions_suppressor: Value::Null,
        });
        one_problem(&c, "rule", "\"y\" is not a key of `alarms`");

        let mut c = set(vec![("x", lambda())]);
        c.composite = Value::Value(CompositeSpec {
            rule: Value::Null,
            actions_suppressor: Value::Value(SuppressorSpec {
                alarm: s("maintenance-window"),
                wait_period: n(-1.0),
                extension_period: n(60.0),
            }),
        });
        one_problem(&c, "wait_period", "whole number");

        // The suppressor's periods are required with it: said on their path, with the fix.
        let mut c = set(vec![("x", lambda())]);
        c.composite = Value::Value(CompositeSpec {
            rule: Value::Null,
            actions_suppressor: Value::Value(SuppressorSpec {
                alarm: s("maintenance-window"),
                wait_period: n(60.0),
                extension_period: Value::Null,
            }),
        });
        one_problem(&c, "extension_period", "needs extension_period");

        // A composite whose suppressor is in ALARM whenever the rule is can never page.
        let mut c = set(vec![("x", lambda()), ("y", lambda())]);
        c.composite = Value::Value(CompositeSpec {
            rule: s("x AND y"),
            actions_suppressor: Value::Value(SuppressorSpec {
                alarm: s("x"),
                wait_period: n(60.0),
                extension_period: n(300.0),
            }),
        });
        one_problem(&c, "alarm", "can never page");
        let mut c = set(vec![("x", lambda())]);
        c.composite = Value::Value(CompositeSpec {
            rule: Value::Null,
            actions_suppressor: Value::Value(SuppressorSpec {
                alarm: s("checkout"),
                wait_period: n(60.0),
                extension_period: n(300.0),
            }),
        });
        one_problem(&c, "alarm", "own composite alarm");

        // CloudWatch cannot notify a FIFO topic.
        let mut c = set(vec![("x", lambda())]);
        c.alarm_actions = Value::Value(vec![s("arn:aws:sns:eu-west-1:123456789012:pager.fifo")]);
        one_problem(&c, "alarm_actions", "FIFO");

        // Regions are checked against the known list, unless the provider skips it.
        let mut c = set(vec![("x", lambda())]);
        c.region = s("ap-northest-1");
        one_problem(&c, "region", "ap-northeast-1");
        let skip = Env {
            skip_region_validation: true,
            ..env()
        };
        assert!(check(&c, Some(&skip)).is_empty());
        assert!(check(&c, None).is_empty(), "validate sees the shape only");

        let mut c = set((0..101)
            .map(|i| (format!("a{i}"), lambda()))
            .collect::<Vec<_>>()
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect());
        c.composite = Value::Null;
        assert!(problems(&c)
            .iter()
            .any(|p| p.0.contains("alarms") && p.2.contains("1 to 100")));

        let mut c = set(vec![("x", lambda())]);
        c.name = s(&"n".repeat(254));
        one_problem(&c, "x", "255");

        let mut c = set(vec![("x", lambda())]);
        c.tags = Value::Value(BTreeMap::from([("aws:owner".to_owned(), s("me"))]));
        one_problem(&c, "tags", "reserved prefix");
    }

    #[test]
    fn an_alarm_rule_over_10240_characters_is_refused() {
        // 100 children of 241-character names: about 25,000 characters of AlarmRule.
        let keys: Vec<String> = (0..100).map(|i| format!("{i:0>40}")).collect();
        let mut c = set(keys.iter().map(|k| (k.as_str(), lambda())).collect());
        c.name = s(&"n".repeat(200));
        let found = problems(&c);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].0.contains("rule") && found[0].2.contains("CloudWatch allows 10240"),
            "{found:#?}"
        );
        // With a short name, the same 100 alarms fit.
        c.name = s("checkout");
        assert!(problems(&c).is_empty());
    }

    #[test]
    fn a_slow_alarm_is_refused_with_what_to_change() {
        let mut a = lambda();
        a.evaluation_periods = n(3.0);
        // 60 s × (3 + 1) + 60 s delay + 60 s evaluation = 360 s > 300 s.
        one_problem(&set(vec![("slow", a.clone())]), "slow", "360 s");
        let detail = &problems(&set(vec![("slow", a.clone())]))[0].2;
        assert!(detail.contains("datapoints_to_alarm = 2"), "{detail}");
        assert!(detail.contains("checkout-slow"), "{detail}");
        for term in [
            "partly breaching first period",
            "publication delay",
            "between CloudWatch's evaluations",
        ] {
            assert!(detail.contains(term), "{term} not in {detail}");
        }
        // The same alarm passes when the set allows more time, or with fewer datapoints.
        let mut c = set(vec![("slow", a.clone())]);
        c.max_detection_seconds = n(360.0);
        assert!(problems(&c).is_empty());
        a.datapoints_to_alarm = n(2.0);
        assert!(problems(&set(vec![("slow", a.clone())])).is_empty());
        // A 5-minute period can never fit: the fix says so.
        a.period = n(300.0);
        a.datapoints_to_alarm = n(1.0);
        let detail = &problems(&set(vec![("slow", a)]))[0].2;
        assert!(detail.contains("shorter period"), "{detail}");
    }

    #[test]
    fn cloudfront_alarms_must_live_in_us_east_1() {
        let cf = AlarmSpec {
            preset: s("cloudfront_5xx_rate"),
            dimension: s("E2QWRUHEXAMPLE"),
            ..Default::default()
        };
        let c = set(vec![("cdn", cf.clone())]);
        one_problem(&c, "cdn", "us-east-1");
        let mut c = set(vec![("cdn", cf)]);
        c.region = s("us-east-1");
        assert!(problems(&c).is_empty(), "{:#?}", problems(&c));
    }

    #[test]
    fn action_kinds() {
        assert!(check_action("arn:aws:sns:us-east-1:123456789012:t", Some("us-east-1")).is_ok());
        assert!(check_action(
            "arn:aws:lambda:us-east-1:123456789012:function:notify",
            None
        )
        .is_ok());
        assert!(check_action(
            "arn:aws:ssm:us-east-1:123456789012:opsitem:2#CATEGORY=Availability",
            None
        )
        .is_ok());
        assert!(check_action("arn:aws:ssm-incidents::123456789012:responseplan/api", None).is_ok());
        for bad in [
            "arn:aws:automate:us-east-1:ec2:stop",
            "arn:aws:sns:us-east-1:1234:t",
            "not-an-arn",
            "arn:aws:lambda:us-east-1:123456789012:layer:x",
        ] {
            assert!(check_action(bad, None).is_err(), "{bad}");
        }
    }
}
