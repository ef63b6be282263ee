//! What every resource shares, written once:
//! - [`Managed`]: the wrapper every resource is served through. It refuses null values of
//!   required attributes at plan time (on their path), and gives every diagnostic its
//!   stable code ([`crate::error::CODES`]).
//! - The partial state rule ([`Applied`], [`finish`]): after a failed create or update the
//!   returned state holds whatever exists (a failed create with something in it is tainted
//!   by Terraform and replaced by the next apply; a failed update is finished by it), and
//!   every error, rollback errors included, is reported.
//! - Errors as diagnostics, Terraform values, ARNs, sets, and tags (validation, which tags a
//!   resource owns next to the provider's `default_tags`, `tags_all`, what to change).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, NestedBlock, Schema,
};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics, DynamicResource, RawValue};

use crate::aws::{AwsContext, SharedAws};
use crate::error::{is_tagged, Code, Error};

pub type StringMap = BTreeMap<String, Value<String>>;
pub type StringSet = Vec<Value<String>>;

/// The provider's AWS context, or an error diagnostic when it is not configured.
pub fn aws_context(aws: &SharedAws, diags: &mut Diagnostics) -> Option<Arc<AwsContext>> {
    match aws.get() {
        Ok(ctx) => Some(ctx),
        Err(e) => {
            diags.root_error(e.code().tag("Provider not configured"), e.to_string());
            None
        }
    }
}

/// `e` as an error diagnostic: `summary (OPSDECK-P###)` and the sentence.
pub fn report(diags: &mut Diagnostics, summary: &str, e: Error) {
    diags.root_error(e.code().tag(summary), e.to_string());
}

/// `e` as an error diagnostic on `path`.
pub fn report_on(diags: &mut Diagnostics, summary: &str, e: Error, path: AttributePath) {
    diags.error(e.code().tag(summary), e.to_string(), path);
}

/// A configuration problem found at apply (or plan) time, on its attribute.
pub fn invalid(
    diags: &mut Diagnostics,
    summary: &str,
    detail: impl Into<String>,
    path: AttributePath,
) {
    diags.error(Code::InvalidConfiguration.tag(summary), detail.into(), path);
}

// ---------------------------------------------------------------------------------------
// The partial state rule
// ---------------------------------------------------------------------------------------

/// How a create or update ended: everything done, or an error with what exists.
pub enum Applied<S> {
    Done(S),
    /// `state` holds what exists after the failure (`None`: nothing exists at all, so
    /// there is nothing for Terraform to record); `rollback` the errors of undoing steps.
    Failed {
        error: Error,
        state: Option<S>,
        rollback: Vec<Error>,
    },
}

impl<S> Applied<S> {
    pub fn failed(error: Error, state: Option<S>) -> Self {
        Self::Failed {
            error,
            state,
            rollback: Vec::new(),
        }
    }
}

/// Reports the outcome of a create or update of `what` and hands Terraform the state to
/// record: on failure, exactly what exists (the next apply converges from it).
pub fn finish<S, P>(
    diags: &mut Diagnostics,
    what: &str,
    creating: bool,
    applied: Applied<S>,
    private: P,
) -> Option<(S, P)> {
    match applied {
        Applied::Done(state) => Some((state, private)),
        Applied::Failed {
            error,
            state,
            rollback,
        } => {
            let verb = if creating { "create" } else { "update" };
            let mut detail = error.to_string();
            for e in &rollback {
                detail.push_str(&format!(
                    "\n\nUndoing a step failed too ({}): {e}",
                    e.code().id()
                ));
            }
            match (&state, creating) {
                (Some(_), true) => detail.push_str(&format!(
                    "\n\n{}: part of {what} was created; the state records what exists and Terraform marks it tainted, so the next `terraform apply` replaces it (nothing is left behind).",
                    Code::PartialState.id()
                )),
                (Some(_), false) => detail.push_str(&format!(
                    "\n\n{}: the state records what is in effect now; the next `terraform apply` finishes the change.",
                    Code::PartialState.id()
                )),
                (None, _) => detail.push_str("\n\nNothing was created; `terraform apply` again once the cause is fixed."),
            }
            diags.root_error(error.code().tag(&format!("Cannot {verb} {what}")), detail);
            state.map(|s| (s, private))
        }
    }
}

/// What `ReadResource` answers after a refresh: the fresh state, nothing when the
/// object is gone (Terraform plans to create it again), or the old state with the
/// error when AWS could not be read (a failed read must not drop the resource).
pub fn read_result<S, P>(
    diags: &mut Diagnostics,
    summary: &'static str,
    refreshed: Result<Option<S>, Error>,
    prior: S,
    private: P,
) -> Option<(S, P)> {
    match refreshed {
        Ok(Some(fresh)) => Some((fresh, private)),
        Ok(None) => None,
        Err(e) => {
            report(diags, summary, e);
            Some((prior, private))
        }
    }
}

pub fn known(v: &Value<String>) -> Option<&str> {
    v.as_ref_option().map(String::as_str)
}

/// The known entries of a map of strings.
pub fn known_map(v: &Value<StringMap>) -> BTreeMap<String, String> {
    v.as_ref_option()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_ref_option().map(|v| (k.clone(), v.clone())))
                .collect()
        })
        .unwrap_or_default()
}

pub fn to_value_map(map: &BTreeMap<String, String>) -> Value<StringMap> {
    Value::Value(
        map.iter()
            .map(|(k, v)| (k.clone(), Value::Value(v.clone())))
            .collect(),
    )
}

/// The known strings of a list or set; `None` while the list or an item is unknown.
pub fn known_list(v: &Value<StringSet>) -> Option<Vec<String>> {
    let items = v.as_ref_option()?;
    items.iter().map(|i| i.as_ref_option().cloned()).collect()
}

/// A set attribute as the state holds it: sorted, without duplicates.
pub fn sorted_set(items: impl IntoIterator<Item = String>) -> Value<StringSet> {
    let mut v: Vec<String> = items.into_iter().collect();
    v.sort();
    v.dedup();
    Value::Value(v.into_iter().map(Value::Value).collect())
}

/// The parts of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// `None` unless `value` is an ARN of a known partition with a 12-digit account (or
    /// none, for global resources such as IAM's) and a resource.
    pub fn parse(value: &'a str) -> Option<Self> {
        let p: Vec<&str> = value.splitn(6, ':').collect();
        let ok = p.len() == 6
            && p[0] == "arn"
            && p[1].starts_with("aws")
            && !p[2].is_empty()
            && (p[4].is_empty() || (p[4].len() == 12 && p[4].chars().all(|c| c.is_ascii_digit())))
            && !p[5].is_empty();
        ok.then(|| Self {
            partition: p[1],
            service: p[2],
            region: p[3],
            account: p[4],
            resource: p[5],
        })
    }

    /// The ARN of `service`, with an account.
    pub fn of(value: &'a str, service: &str) -> Option<Self> {
        Self::parse(value).filter(|a| a.service == service && !a.account.is_empty())
    }
}

/// Each invalid tag of `tags`, as an error on `tags["key"]`.
pub fn check_tags(tags: &Value<StringMap>, diags: &mut Diagnostics) {
    if let Value::Value(_) = tags {
        for (key, problem) in crate::validate::tags(&known_map(tags)) {
            invalid(
                diags,
                "Invalid tag",
                problem,
                AttributePath::new("tags").key(key),
            );
        }
    }
}

/// The planned `tags_all`: the provider's `default_tags` overlaid with `tags`, unknown
/// while `tags` (or one of its values) or the provider's configuration is.
pub fn plan_tags_all(aws: &SharedAws, tags: &Value<StringMap>) -> Value<StringMap> {
    let Ok(ctx) = aws.get() else {
        return Value::Unknown;
    };
    match tags {
        Value::Unknown => Value::Unknown,
        Value::Value(m) if m.values().any(|v| v.is_unknown()) => Value::Unknown,
        tags => to_value_map(&ctx.merged_tags(&known_map(tags))),
    }
}

/// The `tags` attribute after a refresh: what AWS holds minus the provider's default
/// tags that still hold their default value (unless the configuration names them).
/// Stays null when the resource owns no tag and its `tags` were null.
pub fn owned_tags(
    ctx: &AwsContext,
    remote: &BTreeMap<String, String>,
    configured: &Value<StringMap>,
) -> Value<StringMap> {
    let defaults = ctx.merged_tags(&BTreeMap::new());
    let named = known_map(configured);
    let own: BTreeMap<String, String> = remote
        .iter()
        .filter(|(k, v)| defaults.get(*k) != Some(*v) || named.contains_key(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if own.is_empty() && configured.is_null() {
        Value::Null
    } else {
        to_value_map(&own)
    }
}

/// Tag keys the provider uses for its own bookkeeping (`opsdeck:*`): written on objects
/// it creates, never shown in `tags` or `tags_all`, never removed by a tag update.
pub const INTERNAL_TAG_PREFIX: &str = "opsdeck:";

/// `tags` without the provider's own bookkeeping tags.
pub fn user_tags(tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    tags.iter()
        .filter(|(k, _)| !k.starts_with(INTERNAL_TAG_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// What turns the tags `current` into `wanted`: keys to remove, then pairs to set.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TagDiff {
    pub remove: Vec<String>,
    pub set: BTreeMap<String, String>,
}

pub fn tag_diff(current: &BTreeMap<String, String>, wanted: &BTreeMap<String, String>) -> TagDiff {
    TagDiff {
        remove: current
            .keys()
            .filter(|k| !wanted.contains_key(*k) && !k.starts_with(INTERNAL_TAG_PREFIX))
            .cloned()
            .collect(),
        set: wanted
            .iter()
            .filter(|(k, v)| current.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------
// The wrapper every resource is served through
// ---------------------------------------------------------------------------------------

/// Serves a resource with the rules every resource follows: required attributes that are
/// null in the configuration (a variable that is null, say) are refused at plan time on
/// their path, instead of failing at apply; and every diagnostic carries its code
/// (diagnostics of validation and planning that have none are configuration problems).
pub struct Managed<R> {
    inner: R,
    schema: Option<Schema>,
}

impl<R: DynamicResource> Managed<R> {
    pub fn new(inner: R) -> Self {
        let schema = inner.schema(&mut Diagnostics::default());
        Self { inner, schema }
    }

    fn check_required(&self, diags: &mut Diagnostics, config: &RawValue) {
        let (Some(schema), RawValue::MessagePack(bytes)) = (&self.schema, config) else {
            return;
        };
        let Ok(value) = rmpv::decode::read_value(&mut bytes.as_slice()) else {
            return;
        };
        for path in null_required(&schema.block, &value, AttributePath::root()) {
            let name = path.to_string();
            invalid(
                diags,
                "Missing required value",
                format!("{name} is required, but its value is null (a variable or expression that is null?). Give it a value; it cannot be left null."),
                path,
            );
        }
    }
}

/// Paths of the required attributes that are null in `value` (an object of `block`).
/// Unknown values are not null: they are checked by the plan that knows them.
pub fn null_required(block: &Block, value: &rmpv::Value, at: AttributePath) -> Vec<AttributePath> {
    let mut found = Vec::new();
    let Some(fields) = value.as_map() else {
        return found;
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k.as_str() == Some(name))
            .map(|(_, v)| v)
    };
    for (name, attribute) in &block.attributes {
        let v = field(name);
        let path = at.clone().attribute(name.clone());
        if attribute.constraint == AttributeConstraint::Required
            && v.is_none_or(rmpv::Value::is_nil)
        {
            found.push(path);
            continue;
        }
        if let Some(v) = v {
            found.extend(null_required_nested(attribute, v, path));
        }
    }
    for (name, nested) in &block.blocks {
        let Some(v) = field(name) else { continue };
        let inner = match nested {
            NestedBlock::Single(b) | NestedBlock::Group(b) => {
                found.extend(null_required(b, v, at.clone().attribute(name.clone())));
                continue;
            }
            NestedBlock::List(b) | NestedBlock::Set(b) | NestedBlock::Optional(b) => b,
            NestedBlock::Map(b) => {
                for (key, item) in v.as_map().into_iter().flatten() {
                    if let Some(key) = key.as_str() {
                        found.extend(null_required(
                            b,
                            item,
                            at.clone().attribute(name.clone()).key(key.to_owned()),
                        ));
                    }
                }
                continue;
            }
        };
        for (i, item) in v.as_array().into_iter().flatten().enumerate() {
            found.extend(null_required(
                inner,
                item,
                at.clone().attribute(name.clone()).index(i as i64),
            ));
        }
    }
    found
}

fn null_required_nested(
    attribute: &Attribute,
    v: &rmpv::Value,
    path: AttributePath,
) -> Vec<AttributePath> {
    let block = |attrs: &std::collections::HashMap<String, Attribute>| Block {
        attributes: attrs.clone(),
        ..Default::default()
    };
    match &attribute.attr_type {
        AttributeType::AttributeSingle(attrs) => null_required(&block(attrs), v, path),
        AttributeType::AttributeMap(attrs) => v
            .as_map()
            .into_iter()
            .flatten()
            .filter_map(|(k, item)| k.as_str().map(|k| (k.to_owned(), item)))
            .flat_map(|(k, item)| null_required(&block(attrs), item, path.clone().key(k)))
            .collect(),
        AttributeType::AttributeList(attrs) | AttributeType::AttributeSet(attrs) => v
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .flat_map(|(i, item)| null_required(&block(attrs), item, path.clone().index(i as i64)))
            .collect(),
        _ => Vec::new(),
    }
}

/// Gives every diagnostic added since `(errors, warnings)` a code: `default` unless it has one.
fn tag_new(diags: &mut Diagnostics, errors: usize, warnings: usize, default: Code) {
    let tag = |d: &mut tf_provider::Diagnostic| {
        if !is_tagged(&d.summary) {
            d.summary = default.tag(&d.summary).into();
        }
    };
    diags.errors.iter_mut().skip(errors).for_each(tag);
    diags.warnings.iter_mut().skip(warnings).for_each(tag);
}

macro_rules! coded {
    ($diags:ident, $default:expr, $call:expr) => {{
        let (errors, warnings) = ($diags.errors.len(), $diags.warnings.len());
        let result = $call;
        tag_new($diags, errors, warnings, $default);
        result
    }};
}

#[async_trait]
impl<R: DynamicResource> DynamicResource for Managed<R> {
    fn schema(&self, diags: &mut Diagnostics) -> Option<tf_provider::schema::Schema> {
        self.inner.schema(diags)
    }

    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()> {
        coded!(
            diags,
            Code::InvalidConfiguration,
            self.inner.validate(diags, config).await
        )
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        state: RawValue,
        private_state: Vec<u8>,
        provider_meta_state: RawValue,
    ) -> Option<(RawValue, Vec<u8>)> {
        coded!(
            diags,
            Code::AwsRejected,
            self.inner
                .read(diags, state, private_state, provider_meta_state)
                .await
        )
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed_state: RawValue,
        config_state: RawValue,
        provider_meta_state: RawValue,
    ) -> Option<(RawValue, Vec<u8>)> {
        coded!(diags, Code::InvalidConfiguration, {
            self.check_required(diags, &config_state);
            self.inner
                .plan_create(diags, proposed_state, config_state, provider_meta_state)
                .await
        })
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior_state: RawValue,
        proposed_state: RawValue,
        config_state: RawValue,
        prior_private_state: Vec<u8>,
        provider_meta_state: RawValue,
    ) -> Option<(RawValue, Vec<u8>, Vec<AttributePath>)> {
        coded!(diags, Code::InvalidConfiguration, {
            self.check_required(diags, &config_state);
            self.inner
                .plan_update(
                    diags,
                    prior_state,
                    proposed_state,
                    config_state,
                    prior_private_state,
                    provider_meta_state,
                )
                .await
        })
    }

    async fn plan_destroy(
        &self,
        diags: &mut Diagnostics,
        prior_state: RawValue,
        prior_private_state: Vec<u8>,
        provider_meta_state: RawValue,
    ) -> Option<Vec<u8>> {
        coded!(
            diags,
            Code::InvalidConfiguration,
            self.inner
                .plan_destroy(diags, prior_state, prior_private_state, provider_meta_state)
                .await
        )
    }

    async fn create(
        &self,
        diags: &mut Diagnostics,
        planned_state: RawValue,
        config_state: RawValue,
        planned_private_state: Vec<u8>,
        provider_meta_state: RawValue,
    ) -> Option<(RawValue, Vec<u8>)> {
        coded!(
            diags,
            Code::AwsRejected,
            self.inner
                .create(
                    diags,
                    planned_state,
                    config_state,
                    planned_private_state,
                    provider_meta_state
                )
                .await
        )
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        prior_state: RawValue,
        planned_state: RawValue,
        config_state: RawValue,
        planned_private_state: Vec<u8>,
        provider_meta_state: RawValue,
    ) -> Option<(RawValue, Vec<u8>)> {
        coded!(
            diags,
            Code::AwsRejected,
            self.inner
                .update(
                    diags,
                    prior_state,
                    planned_state,
                    config_state,
                    planned_private_state,
                    provider_meta_state,
                )
                .await
        )
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        prior_state: RawValue,
        planned_private_state: Vec<u8>,
        provider_meta_state: RawValue,
    ) -> Option<()> {
        coded!(
            diags,
            Code::AwsRejected,
            self.inner
                .destroy(
                    diags,
                    prior_state,
                    planned_private_state,
                    provider_meta_state
                )
                .await
        )
    }

    async fn import(&self, diags: &mut Diagnostics, id: String) -> Option<(RawValue, Vec<u8>)> {
        coded!(
            diags,
            Code::InvalidConfiguration,
            self.inner.import(diags, id).await
        )
    }

    async fn upgrade(
        &self,
        diags: &mut Diagnostics,
        version: i64,
        prior_state: RawValue,
    ) -> Option<RawValue> {
        coded!(
            diags,
            Code::Internal,
            self.inner.upgrade(diags, version, prior_state).await
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::AwsSettings;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn tag_diff_removes_stale_keys_and_sets_changed_values_only() {
        let diff = tag_diff(
            &map(&[("a", "1"), ("b", "2"), ("c", "3")]),
            &map(&[("a", "1"), ("b", "20"), ("d", "4")]),
        );
        assert_eq!(diff.remove, vec!["c".to_owned()]);
        assert_eq!(diff.set, map(&[("b", "20"), ("d", "4")]));
        assert_eq!(
            tag_diff(&map(&[("a", "1")]), &map(&[("a", "1")])),
            TagDiff::default()
        );
    }

    #[tokio::test]
    async fn owned_tags_leave_out_default_tags_that_keep_their_default() {
        let settings = AwsSettings {
            region: Some("us-east-1".into()),
            default_tags: map(&[("Environment", "prod"), ("Team", "platform")]),
            ..Default::default()
        };
        let ctx = AwsContext::load(&settings).await.unwrap();
        let remote = map(&[
            ("Environment", "prod"),
            ("Team", "web"),
            ("CostCenter", "42"),
        ]);
        assert_eq!(
            known_map(&owned_tags(&ctx, &remote, &Value::Null)),
            map(&[("Team", "web"), ("CostCenter", "42")])
        );
        let named = to_value_map(&map(&[("Environment", "prod")]));
        assert_eq!(
            known_map(&owned_tags(&ctx, &remote, &named)),
            map(&[
                ("Environment", "prod"),
                ("Team", "web"),
                ("CostCenter", "42")
            ])
        );
        assert_eq!(
            owned_tags(&ctx, &map(&[("Environment", "prod")]), &Value::Null),
            Value::Null
        );
    }

    #[test]
    fn a_failed_refresh_keeps_the_prior_state() {
        let mut diags = Diagnostics::default();
        let kept = read_result(
            &mut diags,
            "Cannot read",
            Err::<Option<u8>, _>(Error::Invalid("boom".into())),
            7u8,
            (),
        );
        assert_eq!(kept, Some((7, ())));
        assert_eq!(diags.errors.len(), 1);
        let mut diags = Diagnostics::default();
        assert_eq!(read_result(&mut diags, "x", Ok(None), 7u8, ()), None);
        assert!(diags.errors.is_empty());
    }

    #[test]
    fn null_required_values_are_found_on_their_path_unknown_ones_are_not() {
        use rmpv::Value as V;
        let m = |pairs: Vec<(&str, V)>| {
            V::Map(pairs.into_iter().map(|(k, v)| (V::from(k), v)).collect())
        };
        let unknown = V::Ext(0, vec![0]);
        let schema = crate::resources::deploy_record::model::schema();
        let config = m(vec![
            ("table_name", V::from("history")),
            ("service", unknown.clone()),
            ("environment", V::from("prod")),
            ("version", V::Nil),
        ]);
        let found: Vec<String> = null_required(&schema.block, &config, AttributePath::root())
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(found, vec!["version".to_owned()]);

        // Nested attributes: alarms["x"].ratio.numerator is required within a ratio.
        let schema = crate::resources::alarm_set::model::schema();
        let metric = m(vec![
            ("namespace", V::from("Shop")),
            ("metric_name", V::from("All")),
        ]);
        let config = m(vec![
            ("name", V::from("set")),
            (
                "alarms",
                m(vec![(
                    "x",
                    m(vec![(
                        "ratio",
                        m(vec![("numerator", V::Nil), ("denominator", metric)]),
                    )]),
                )]),
            ),
        ]);
        let found: Vec<String> = null_required(&schema.block, &config, AttributePath::root())
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(found, vec!["alarms[\"x\"].ratio.numerator".to_owned()]);
    }

    #[tokio::test]
    async fn every_diagnostic_of_a_managed_resource_carries_a_code() {
        use crate::resources::slack_alarm_topic::{SlackAlarmTopicResource, SlackAlarmTopicState};
        let resource = Managed::new(SlackAlarmTopicResource::new(SharedAws::default()));
        let config = SlackAlarmTopicState {
            name: Value::Value("alarms.fifo".into()),
            ..Default::default()
        };
        let raw = RawValue::MessagePack(rmp_serde::to_vec_named(&config).unwrap());
        let mut diags = Diagnostics::default();
        resource.validate(&mut diags, raw.clone()).await;
        assert_eq!(diags.errors.len(), 1, "{diags:?}");
        assert!(
            diags.errors[0].summary.ends_with("(OPSDECK-P002)"),
            "{diags:?}"
        );
        // Not configured: the provider's own code, not a configuration one.
        let mut diags = Diagnostics::default();
        resource
            .read(
                &mut diags,
                raw,
                Vec::new(),
                RawValue::MessagePack(vec![0xc0]),
            )
            .await;
        assert!(
            diags.errors[0].summary.ends_with("(OPSDECK-P001)"),
            "{diags:?}"
        );
    }
}
