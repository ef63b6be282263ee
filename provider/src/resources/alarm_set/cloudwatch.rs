//! CloudWatch and the Resource Groups Tagging API: read what exists in batches, write
//! alarms, and bring CloudWatch to the planned set in the order that never orphans or
//! breaks an alarm.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use aws_sdk_cloudwatch::types::{
    AlarmType, ComparisonOperator, CompositeAlarm, Dimension, Metric, MetricAlarm, MetricDataQuery,
    MetricStat, Statistic, Tag,
};
use aws_sdk_cloudwatch::Client as CloudWatch;
use aws_sdk_resourcegroupstagging::Client as Tagging;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::expand::{
    child_name, parse_description, to_json, CompositeAlarmDef, MetricAlarmDef, MetricQueryDef,
    MetricStatDef,
};
use super::model::{AlarmSetState, StringMap};
use super::plan::{arn_prefix, Desired};
use crate::error::{Error, Result};

/// DescribeAlarms takes at most 100 names, and pages at most 100 alarms.
pub const DESCRIBE_BATCH: usize = 100;
/// DeleteAlarms takes at most 100 names (and at most one composite).
pub const DELETE_BATCH: usize = 100;
/// GetResources takes at most 100 ARNs.
pub const TAG_READ_BATCH: usize = 100;
/// TagResources and UntagResources take at most 20 ARNs.
pub const TAG_WRITE_BATCH: usize = 20;

#[derive(Clone, Debug)]
pub struct Clients {
    pub cloudwatch: CloudWatch,
    pub tagging: Tagging,
    /// Timeouts, read-after-write waits and the stop signal.
    pub ctx: std::sync::Arc<crate::aws::AwsContext>,
}

type SdkError<E> = aws_smithy_runtime_api::client::result::SdkError<
    E,
    aws_smithy_runtime_api::client::orchestrator::HttpResponse,
>;

fn cw_err<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
    operation: &'static str,
) -> impl FnOnce(SdkError<E>) -> Error {
    move |e| Error::aws("cloudwatch", operation, e)
}

fn tag_err<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
    operation: &'static str,
) -> impl FnOnce(SdkError<E>) -> Error {
    move |e| Error::aws("resourcegroupstaggingapi", operation, e)
}

/// Runs one future per batch concurrently (reads only: a refresh costs the latency of
/// one call, not of every batch in a row) and collects their results.
async fn concurrently<T, F>(futures: Vec<F>) -> Result<Vec<T>>
where
    T: Send + 'static,
    F: Future<Output = Result<T>> + Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    for f in futures {
        set.spawn(f);
    }
    let mut out = Vec::new();
    let mut first_error = None;
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(Ok(v)) => out.push(v),
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(e) => {
                first_error.get_or_insert(Error::Internal(format!(
                    "a CloudWatch read task stopped: {e}"
                )));
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

// ---------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------

fn dimensions(dims: &[Dimension]) -> BTreeMap<String, String> {
    dims.iter()
        .map(|d| {
            (
                d.name().unwrap_or_default().to_owned(),
                d.value().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn sorted(actions: &[String]) -> Vec<String> {
    let mut v = actions.to_vec();
    v.sort();
    v.dedup();
    v
}

/// The canonical definition of a metric alarm as CloudWatch returns it, with
/// CloudWatch's defaults spelled out the way the plan spells them.
pub fn metric_alarm_def(a: &MetricAlarm) -> MetricAlarmDef {
    let evaluation_periods = a.evaluation_periods().unwrap_or_default();
    let single = a.metric_name().is_some();
    MetricAlarmDef {
        alarm_description: a.alarm_description().unwrap_or_default().to_owned(),
        actions_enabled: a.actions_enabled().unwrap_or(true),
        alarm_actions: sorted(a.alarm_actions()),
        ok_actions: sorted(a.ok_actions()),
        insufficient_data_actions: sorted(a.insufficient_data_actions()),
        comparison_operator: a
            .comparison_operator()
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
        threshold: a.threshold().unwrap_or_default(),
        evaluation_periods,
        datapoints_to_alarm: a.datapoints_to_alarm().unwrap_or(evaluation_periods),
        treat_missing_data: a.treat_missing_data().unwrap_or("missing").to_owned(),
        namespace: a.namespace().map(str::to_owned),
        metric_name: a.metric_name().map(str::to_owned),
        dimensions: single.then(|| dimensions(a.dimensions())),
        period: a.period(),
        statistic: a.statistic().map(|s| s.as_str().to_owned()),
        extended_statistic: a.extended_statistic().map(str::to_owned),
        metrics: a
            .metrics()
            .iter()
            .map(|q| MetricQueryDef {
                id: q.id().unwrap_or_default().to_owned(),
                expression: q.expression().map(str::to_owned),
                label: q.label().map(str::to_owned),
                metric_stat: q.metric_stat().map(|s| MetricStatDef {
                    namespace: s
                        .metric()
                        .and_then(|m| m.namespace())
                        .unwrap_or_default()
                        .to_owned(),
                    metric_name: s
                        .metric()
                        .and_then(|m| m.metric_name())
                        .unwrap_or_default()
                        .to_owned(),
                    dimensions: s
                        .metric()
                        .map(|m| dimensions(m.dimensions()))
                        .unwrap_or_default(),
                    period: s.period().unwrap_or_default(),
                    stat: s.stat().unwrap_or_default().to_owned(),
                }),
                return_data: q.return_data().unwrap_or(true),
            })
            .collect(),
        tags: BTreeMap::new(),
    }
}

pub fn composite_alarm_def(a: &CompositeAlarm) -> CompositeAlarmDef {
    CompositeAlarmDef {
        alarm_description: a.alarm_description().unwrap_or_default().to_owned(),
        actions_enabled: a.actions_enabled().unwrap_or(true),
        alarm_actions: sorted(a.alarm_actions()),
        ok_actions: sorted(a.ok_actions()),
        insufficient_data_actions: sorted(a.insufficient_data_actions()),
        alarm_rule: a.alarm_rule().unwrap_or_default().to_owned(),
        actions_suppressor: a
            .actions_suppressor()
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        actions_suppressor_wait_period: a
            .actions_suppressor()
            .filter(|s| !s.is_empty())
            .and(a.actions_suppressor_wait_period()),
        actions_suppressor_extension_period: a
            .actions_suppressor()
            .filter(|s| !s.is_empty())
            .and(a.actions_suppressor_extension_period()),
        tags: BTreeMap::new(),
    }
}

/// One DescribeAlarms query, following NextToken.
async fn describe(
    cw: CloudWatch,
    names: Vec<String>,
    prefix: Option<String>,
) -> Result<(Vec<MetricAlarm>, Vec<CompositeAlarm>)> {
    let (mut metric, mut composite) = (Vec::new(), Vec::new());
    let mut token: Option<String> = None;
    loop {
        let mut req = cw
            .describe_alarms()
            .alarm_types(AlarmType::MetricAlarm)
            .alarm_types(AlarmType::CompositeAlarm)
            .max_records(DESCRIBE_BATCH as i32)
            .set_next_token(token.clone());
        req = match &prefix {
            Some(p) => req.alarm_name_prefix(p),
            None => req.set_alarm_names(Some(names.clone())),
        };
        let out = req.send().await.map_err(cw_err("DescribeAlarms"))?;
        metric.extend(out.metric_alarms().iter().cloned());
        composite.extend(out.composite_alarms().iter().cloned());
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_owned()),
            _ => return Ok((metric, composite)),
        }
    }
}

/// Tags of `arns`, one GetResources call per 100 ARNs. Untagged alarms are absent.
async fn read_tags(
    tagging: &Tagging,
    arns: Vec<String>,
) -> Result<BTreeMap<String, BTreeMap<String, String>>> {
    let calls = arns
        .chunks(TAG_READ_BATCH)
        .map(|chunk| {
            let tagging = tagging.clone();
            let chunk = chunk.to_vec();
            async move {
                // With ResourceARNList, GetResources answers in one page (AWS refuses
                // pagination parameters together with it).
                let out = tagging
                    .get_resources()
                    .set_resource_arn_list(Some(chunk))
                    .send()
                    .await
                    .map_err(tag_err("GetResources"))?;
                Ok(out
                    .resource_tag_mapping_list()
                    .iter()
                    .map(|m| {
                        let tags = m
                            .tags()
                            .iter()
                            .map(|t| (t.key().to_owned(), t.value().to_owned()))
                            .collect();
                        (m.resource_arn().unwrap_or_default().to_owned(), tags)
                    })
                    .collect::<Vec<(String, BTreeMap<String, String>)>>())
            }
        })
        .collect();
    Ok(concurrently(calls).await?.into_iter().flatten().collect())
}

/// The alarms of a set that exist, by key, with their ARNs and tags.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Actual {
    pub children: BTreeMap<String, MetricAlarmDef>,
    pub arns: BTreeMap<String, String>,
    pub composite: Option<CompositeAlarmDef>,
    pub composite_arn: Option<String>,
}

impl Actual {
    pub fn is_empty(&self) -> bool {
        self.children.is_empty() && self.composite.is_none()
    }

    /// What the state says exists (the refresh before an apply made it current).
    pub fn from_state(state: &AlarmSetState) -> Self {
        let mut actual = Self::default();
        for (key, json) in state.child_alarms.as_ref_option().into_iter().flatten() {
            // Unparseable JSON counts as missing: the alarm is written again.
            if let Some(def) = json
                .as_ref_option()
                .and_then(|j| serde_json::from_str(j).ok())
            {
                actual.children.insert(key.clone(), def);
            }
        }
        for (key, arn) in state.alarm_arns.as_ref_option().into_iter().flatten() {
            if let Some(arn) = arn.as_ref_option() {
                actual.arns.insert(key.clone(), arn.clone());
            }
        }
        actual.composite = state
            .composite_alarm
            .as_ref_option()
            .and_then(|j| serde_json::from_str(j).ok());
        actual.composite_arn = state.composite_alarm_arn.as_ref_option().cloned();
        actual
    }

    /// Records what exists into the computed attributes of `state`.
    pub fn write_into(&self, state: &mut AlarmSetState) {
        use tf_provider::value::Value;
        let children: StringMap = self
            .children
            .iter()
            .map(|(k, d)| (k.clone(), Value::Value(to_json(d))))
            .collect();
        state.child_alarms = Value::Value(children);
        let arns: StringMap = self
            .children
            .keys()
            .map(|k| {
                (
                    k.clone(),
                    self.arns
                        .get(k)
                        .cloned()
                        .map(Value::Value)
                        .unwrap_or(Value::Null),
                )
            })
            .collect();
        state.alarm_arns = Value::Value(arns);
        state.composite_alarm = self
            .composite
            .as_ref()
            .map(|c| Value::Value(to_json(c)))
            .unwrap_or(Value::Null);
        state.composite_alarm_arn = match (&self.composite, &self.composite_arn) {
            (Some(_), Some(arn)) => Value::Value(arn.clone()),
            _ => Value::Null,
        };
    }
}

/// Refresh: the composite and the children named `keys`, in ceil((N+1)/100)
/// DescribeAlarms calls plus as many GetResources calls, all batches in parallel.
pub async fn observe(clients: &Clients, set: &str, keys: &BTreeSet<String>) -> Result<Actual> {
    let by_name: BTreeMap<String, String> = keys
        .iter()
        .map(|k| (child_name(set, k), k.clone()))
        .collect();
    let mut names: Vec<String> = by_name.keys().cloned().collect();
    names.push(set.to_owned());
    let calls = names
        .chunks(DESCRIBE_BATCH)
        .map(|chunk| describe(clients.cloudwatch.clone(), chunk.to_vec(), None))
        .collect();
    let pages = concurrently(calls).await?;
    let mut actual = Actual::default();
    for (metric, composite) in pages {
        for a in metric {
            if let Some(key) = a.alarm_name().and_then(|n| by_name.get(n)) {
                actual.children.insert(key.clone(), metric_alarm_def(&a));
                actual
                    .arns
                    .insert(key.clone(), a.alarm_arn().unwrap_or_default().to_owned());
            }
        }
        for a in composite
            .into_iter()
            .filter(|a| a.alarm_name() == Some(set))
        {
            actual.composite = Some(composite_alarm_def(&a));
            actual.composite_arn = a.alarm_arn().map(str::to_owned);
        }
    }
    attach_tags(clients, &mut actual).await?;
    Ok(actual)
}

async fn attach_tags(clients: &Clients, actual: &mut Actual) -> Result<()> {
    let mut arns: Vec<String> = actual.arns.values().cloned().collect();
    arns.extend(actual.composite_arn.clone());
    let tags = read_tags(&clients.tagging, arns).await?;
    for (key, def) in actual.children.iter_mut() {
        def.tags = actual
            .arns
            .get(key)
            .and_then(|a| tags.get(a))
            .cloned()
            .unwrap_or_default();
    }
    if let (Some(def), Some(arn)) = (actual.composite.as_mut(), &actual.composite_arn) {
        def.tags = tags.get(arn).cloned().unwrap_or_default();
    }
    Ok(())
}

/// Import: the composite named `set` and every metric alarm whose description marker
/// says it belongs to `set` (found by the name prefix, paged 100 at a time).
pub async fn discover(clients: &Clients, set: &str) -> Result<Actual> {
    let prefix = format!("{set}-");
    let (metric, _) =
        describe(clients.cloudwatch.clone(), Vec::new(), Some(prefix.clone())).await?;
    let (_, composite) = describe(clients.cloudwatch.clone(), vec![set.to_owned()], None).await?;
    let mut actual = Actual::default();
    for a in metric {
        let def = metric_alarm_def(&a);
        let Some((_, fields)) = parse_description(&def.alarm_description) else {
            continue;
        };
        if fields.get("set").map(String::as_str) != Some(set) {
            continue; // another set whose name starts with ours
        }
        let Some(key) = fields.get("key").cloned() else {
            continue;
        };
        if a.alarm_name() != Some(child_name(set, &key).as_str()) {
            continue;
        }
        actual
            .arns
            .insert(key.clone(), a.alarm_arn().unwrap_or_default().to_owned());
        actual.children.insert(key, def);
    }
    for a in composite
        .into_iter()
        .filter(|a| a.alarm_name() == Some(set))
    {
        actual.composite = Some(composite_alarm_def(&a));
        actual.composite_arn = a.alarm_arn().map(str::to_owned);
    }
    attach_tags(clients, &mut actual).await?;
    Ok(actual)
}

// ---------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------

fn cw_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

fn cw_dimensions(dims: &BTreeMap<String, String>) -> Vec<Dimension> {
    dims.iter()
        .map(|(k, v)| Dimension::builder().name(k).value(v).build())
        .collect()
}

async fn put_metric_alarm(cw: &CloudWatch, name: &str, def: &MetricAlarmDef) -> Result<()> {
    let mut req = cw
        .put_metric_alarm()
        .alarm_name(name)
        .alarm_description(&def.alarm_description)
        .actions_enabled(def.actions_enabled)
        .set_alarm_actions(Some(def.alarm_actions.clone()))
        .set_ok_actions(Some(def.ok_actions.clone()))
        .set_insufficient_data_actions(Some(def.insufficient_data_actions.clone()))
        .comparison_operator(ComparisonOperator::from(def.comparison_operator.as_str()))
        .threshold(def.threshold)
        .evaluation_periods(def.evaluation_periods)
        .datapoints_to_alarm(def.datapoints_to_alarm)
        .treat_missing_data(&def.treat_missing_data)
        // Applied when the alarm is created; CloudWatch ignores them on update, so tag
        // changes of existing alarms go through the tagging API (see `converge`).
        .set_tags(Some(cw_tags(&def.tags)));
    if let Some(ns) = &def.namespace {
        req = req
            .namespace(ns)
            .metric_name(def.metric_name.clone().unwrap_or_default())
            .set_dimensions(Some(cw_dimensions(
                &def.dimensions.clone().unwrap_or_default(),
            )))
            .set_period(def.period)
            .set_statistic(def.statistic.as_deref().map(Statistic::from))
            .set_extended_statistic(def.extended_statistic.clone());
    }
    for q in &def.metrics {
        let mut query = MetricDataQuery::builder()
            .id(&q.id)
            .return_data(q.return_data)
            .set_expression(q.expression.clone())
            .set_label(q.label.clone());
        if let Some(s) = &q.metric_stat {
            let metric = Metric::builder()
                .namespace(&s.namespace)
                .metric_name(&s.metric_name)
                .set_dimensions(Some(cw_dimensions(&s.dimensions)))
                .build();
            query = query.metric_stat(
                MetricStat::builder()
                    .metric(metric)
                    .period(s.period)
                    .stat(&s.stat)
                    .build(),
            );
        }
        req = req.metrics(query.build());
    }
    req.send().await.map_err(cw_err("PutMetricAlarm"))?;
    Ok(())
}

async fn put_composite_alarm(cw: &CloudWatch, name: &str, def: &CompositeAlarmDef) -> Result<()> {
    cw.put_composite_alarm()
        .alarm_name(name)
        .alarm_rule(&def.alarm_rule)
        .alarm_description(&def.alarm_description)
        .actions_enabled(def.actions_enabled)
        .set_alarm_actions(Some(def.alarm_actions.clone()))
        .set_ok_actions(Some(def.ok_actions.clone()))
        .set_insufficient_data_actions(Some(def.insufficient_data_actions.clone()))
        .set_actions_suppressor(def.actions_suppressor.clone())
        .set_actions_suppressor_wait_period(def.actions_suppressor_wait_period)
        .set_actions_suppressor_extension_period(def.actions_suppressor_extension_period)
        .set_tags(Some(cw_tags(&def.tags)))
        .send()
        .await
        .map_err(cw_err("PutCompositeAlarm"))?;
    Ok(())
}

/// One DeleteAlarms call. An alarm that is already gone is not an error: CloudWatch still
/// deletes the other names of the call.
async fn delete_alarms(cw: &CloudWatch, names: Vec<String>) -> Result<()> {
    match cw.delete_alarms().set_alarm_names(Some(names)).send().await {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found()) =>
        {
            Ok(())
        }
        Err(e) => Err(Error::aws("cloudwatch", "DeleteAlarms", e)),
    }
}

type Tags = BTreeMap<String, String>;

/// The tags of one alarm to change: its ARN, its tags, the tags it must have.
struct Retag {
    arn: String,
    current: Tags,
    wanted: Tags,
}

/// One tag change that several alarms may share: tags to set, tag keys to remove.
type TagChange = (Vec<(String, String)>, Vec<String>);

/// Tag changes of alarms that already exist, batched: alarms that need the same change
/// share TagResources/UntagResources calls of up to 20 ARNs.
async fn retag(tagging: &Tagging, changes: Vec<Retag>) -> Result<Vec<String>> {
    let mut groups: BTreeMap<TagChange, Vec<String>> = BTreeMap::new();
    for Retag {
        arn,
        current,
        wanted,
    } in changes
    {
        let set: Vec<(String, String)> = wanted
            .iter()
            .filter(|(k, v)| current.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let remove: Vec<String> = current
            .keys()
            .filter(|k| !wanted.contains_key(*k))
            .cloned()
            .collect();
        if !set.is_empty() || !remove.is_empty() {
            groups.entry((set, remove)).or_default().push(arn);
        }
    }
    let mut done = Vec::new();
    for ((set, remove), arns) in groups {
        for chunk in arns.chunks(TAG_WRITE_BATCH) {
            if !set.is_empty() {
                let out = tagging
                    .tag_resources()
                    .set_resource_arn_list(Some(chunk.to_vec()))
                    .set_tags(Some(set.iter().cloned().collect()))
                    .send()
                    .await
                    .map_err(tag_err("TagResources"))?;
                failed(out.failed_resources_map(), "TagResources")?;
            }
            if !remove.is_empty() {
                let out = tagging
                    .untag_resources()
                    .set_resource_arn_list(Some(chunk.to_vec()))
                    .set_tag_keys(Some(remove.clone()))
                    .send()
                    .await
                    .map_err(tag_err("UntagResources"))?;
                failed(out.failed_resources_map(), "UntagResources")?;
            }
            done.extend(chunk.iter().cloned());
        }
    }
    Ok(done)
}

fn failed(
    map: Option<
        &std::collections::HashMap<String, aws_sdk_resourcegroupstagging::types::FailureInfo>,
    >,
    operation: &'static str,
) -> Result<()> {
    let Some(map) = map.filter(|m| !m.is_empty()) else {
        return Ok(());
    };
    let detail = map
        .iter()
        .map(|(arn, f)| format!("{arn}: {}", f.error_message().unwrap_or("failed")))
        .collect::<Vec<_>>()
        .join("; ");
    Err(Error::aws_service(
        "resourcegroupstaggingapi",
        operation,
        "FailedResources",
        detail,
    ))
}

fn without_tags<T: Clone>(def: &T, clear: impl Fn(&mut T)) -> T {
    let mut d = def.clone();
    clear(&mut d);
    d
}

/// The ARN of one alarm (to name the others of the same set).
async fn arn_of(cw: &CloudWatch, name: &str) -> Result<Option<String>> {
    let (metric, composite) = describe(cw.clone(), vec![name.to_owned()], None).await?;
    Ok(metric
        .iter()
        .filter_map(|a| a.alarm_arn())
        .chain(composite.iter().filter_map(|a| a.alarm_arn()))
        .next()
        .map(str::to_owned))
}

/// Brings CloudWatch from `actual` to `desired`, updating `actual` after every call that
/// succeeds, so that on failure it says exactly what exists:
/// 1. put the children that are new or differ (all children exist before the composite
///    references them); 2. fix the tags of existing children; 3. write the composite;
/// 4. only then delete the children it no longer references; 5. learn new ARNs.
pub async fn converge(clients: &Clients, desired: &Desired, actual: &mut Actual) -> Result<()> {
    let cw = &clients.cloudwatch;
    let clear_metric = |d: &mut MetricAlarmDef| d.tags.clear();
    let clear_composite = |d: &mut CompositeAlarmDef| d.tags.clear();

    let ctx = &clients.ctx;
    let mut retags = Vec::new();
    for (key, want) in &desired.children {
        ctx.check_cancelled("writing the next alarm of the set")?;
        let name = child_name(&desired.name, key);
        match actual.children.get(key) {
            Some(have) if without_tags(have, clear_metric) == without_tags(want, clear_metric) => {}
            Some(_) => {
                put_metric_alarm(cw, &name, want).await?;
                if let Some(have) = actual.children.get_mut(key) {
                    // The definition is now the wanted one; the tags are still the old ones.
                    let tags = std::mem::take(&mut have.tags);
                    *have = want.clone();
                    have.tags = tags;
                }
            }
            None => {
                if let Err(e) = put_metric_alarm(cw, &name, want).await {
                    if e.is_ambiguous() {
                        // No answer: the alarm may exist. The state counts it, so that it is
                        // never left outside; the next refresh says whether it does.
                        actual.children.insert(key.clone(), want.clone());
                    }
                    return Err(e);
                }
                actual.children.insert(key.clone(), want.clone());
            }
        }
        if actual
            .children
            .get(key)
            .is_some_and(|have| have.tags != want.tags)
        {
            retags.push(key.clone());
        }
    }

    if !retags.is_empty() {
        fill_arns(clients, &desired.name, actual).await?;
    }
    let changes = retags
        .iter()
        .filter_map(|k| {
            let arn = actual.arns.get(k)?.clone();
            let current = actual.children.get(k)?.tags.clone();
            let wanted = desired.children.get(k)?.tags.clone();
            Some(Retag {
                arn,
                current,
                wanted,
            })
        })
        .collect();
    let done: BTreeSet<String> = retag(&clients.tagging, changes)
        .await?
        .into_iter()
        .collect();
    for key in &retags {
        if actual.arns.get(key).is_some_and(|a| done.contains(a)) {
            if let (Some(have), Some(want)) =
                (actual.children.get_mut(key), desired.children.get(key))
            {
                have.tags = want.tags.clone();
            }
        }
    }

    let composite_same = actual.composite.as_ref().is_some_and(|have| {
        without_tags(have, clear_composite) == without_tags(&desired.composite, clear_composite)
    });
    if !composite_same {
        ctx.check_cancelled("writing the composite alarm")?;
        if let Err(e) = put_composite_alarm(cw, &desired.name, &desired.composite).await {
            if e.is_ambiguous() && actual.composite.is_none() {
                // No answer: the composite may exist; count it until a refresh says otherwise.
                actual.composite = Some(desired.composite.clone());
            }
            return Err(e);
        }
        let tags = match actual.composite.take() {
            Some(old) => old.tags,
            None => desired.composite.tags.clone(),
        };
        let mut now = desired.composite.clone();
        now.tags = tags;
        actual.composite = Some(now);
    }
    if actual
        .composite
        .as_ref()
        .is_some_and(|c| c.tags != desired.composite.tags)
    {
        if actual.composite_arn.is_none() {
            let arn = ctx
                .retry_until_found(&format!("the alarm {}", desired.name), || {
                    arn_of(cw, &desired.name)
                })
                .await?;
            actual.composite_arn = Some(arn);
        }
        if let (Some(arn), Some(have)) = (actual.composite_arn.clone(), actual.composite.as_mut()) {
            retag(
                &clients.tagging,
                vec![Retag {
                    arn,
                    current: have.tags.clone(),
                    wanted: desired.composite.tags.clone(),
                }],
            )
            .await?;
            have.tags = desired.composite.tags.clone();
        }
    }

    let removed: Vec<String> = actual
        .children
        .keys()
        .filter(|k| !desired.children.contains_key(*k))
        .cloned()
        .collect();
    for chunk in removed.chunks(DELETE_BATCH) {
        ctx.check_cancelled("deleting the alarms removed from the set")?;
        delete_alarms(
            cw,
            chunk.iter().map(|k| child_name(&desired.name, k)).collect(),
        )
        .await?;
        for key in chunk {
            actual.children.remove(key);
            actual.arns.remove(key);
        }
    }
    fill_arns(clients, &desired.name, actual).await
}

/// After a failed apply: name what was written if that needs no call (or one), so the
/// state carries ARNs; a failure here changes nothing (the next refresh fills them).
pub async fn settle_arns(clients: &Clients, set: &str, actual: &mut Actual) {
    if let Err(e) = fill_arns(clients, set, actual).await {
        tracing::debug!("cannot learn the ARNs of the written alarms yet: {e}");
    }
}

/// ARNs of alarms written but not described yet: CloudWatch names them
/// `<prefix of any known ARN of the set><name>`; one DescribeAlarms learns the prefix,
/// waiting for a just written alarm to become visible (eventual consistency).
async fn fill_arns(clients: &Clients, set: &str, actual: &mut Actual) -> Result<()> {
    let cw = &clients.cloudwatch;
    let missing_children: Vec<String> = actual
        .children
        .keys()
        .filter(|k| !actual.arns.contains_key(*k))
        .cloned()
        .collect();
    let missing_composite = actual.composite.is_some() && actual.composite_arn.is_none();
    if missing_children.is_empty() && !missing_composite {
        return Ok(());
    }
    let known = actual
        .composite_arn
        .iter()
        .chain(actual.arns.values())
        .find_map(|a| arn_prefix(a))
        .map(str::to_owned);
    let prefix = match known {
        Some(p) => Some(p),
        None => {
            let probe = if actual.composite.is_some() {
                set.to_owned()
            } else {
                child_name(set, &missing_children[0])
            };
            let arn = clients
                .ctx
                .retry_until_found(&format!("the alarm {probe}"), || arn_of(cw, &probe))
                .await?;
            arn_prefix(&arn).map(str::to_owned)
        }
    };
    if let Some(prefix) = prefix {
        for key in missing_children {
            actual
                .arns
                .insert(key.clone(), format!("{prefix}{}", child_name(set, &key)));
        }
        if missing_composite {
            actual.composite_arn = Some(format!("{prefix}{set}"));
        }
    }
    Ok(())
}

/// Destroy: the composite first, alone (DeleteAlarms takes one composite per call, and
/// children cannot go while it references them), then the children 100 per call. Names
/// are deleted whether or not the state saw them, so a stale state orphans nothing.
pub async fn destroy(clients: &Clients, set: &str, keys: &BTreeSet<String>) -> Result<()> {
    let cw = &clients.cloudwatch;
    delete_alarms(cw, vec![set.to_owned()]).await?;
    let names: Vec<String> = keys.iter().map(|k| child_name(set, k)).collect();
    for chunk in names.chunks(DELETE_BATCH) {
        delete_alarms(cw, chunk.to_vec()).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_described_alarm_gets_the_canonical_defaults() {
        let a = MetricAlarm::builder()
            .alarm_name("s-k")
            .evaluation_periods(3)
            .threshold(5.0)
            .comparison_operator(ComparisonOperator::GreaterThanThreshold)
            .namespace("AWS/Lambda")
            .metric_name("Throttles")
            .dimensions(Dimension::builder().name("FunctionName").value("f").build())
            .period(60)
            .statistic(Statistic::Sum)
            .alarm_actions("b")
            .alarm_actions("a")
            .build();
        let def = metric_alarm_def(&a);
        assert_eq!(
            def.datapoints_to_alarm, 3,
            "DatapointsToAlarm defaults to EvaluationPeriods"
        );
        assert_eq!(def.treat_missing_data, "missing");
        assert!(def.actions_enabled);
        assert_eq!(def.alarm_actions, vec!["a", "b"]);
        assert_eq!(def.dimensions.unwrap()["FunctionName"], "f");
        assert_eq!(def.statistic.as_deref(), Some("Sum"));
    }

    #[test]
    fn the_state_records_and_gives_back_what_exists() {
        let mut actual = Actual::default();
        actual.children.insert(
            "k".into(),
            MetricAlarmDef {
                threshold: 2.5,
                ..Default::default()
            },
        );
        actual.arns.insert(
            "k".into(),
            "arn:aws:cloudwatch:us-east-1:123456789012:alarm:s-k".into(),
        );
        actual.composite = Some(CompositeAlarmDef {
            alarm_rule: "ALARM(\"s-k\")".into(),
            ..Default::default()
        });
        actual.composite_arn = Some("arn:aws:cloudwatch:us-east-1:123456789012:alarm:s".into());
        let mut state = AlarmSetState::default();
        actual.write_into(&mut state);
        assert_eq!(Actual::from_state(&state), actual);
        // A composite that is gone leaves no ARN behind.
        actual.composite = None;
        actual.write_into(&mut state);
        assert!(state.composite_alarm.is_null() && state.composite_alarm_arn.is_null());
    }
}
