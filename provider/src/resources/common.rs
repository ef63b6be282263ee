//! Pieces the AWS-backed resources share: the configured AWS context, turning errors
//! into diagnostics, reading Terraform values, and tags (validation, which tags a
//! resource owns next to the provider's `default_tags`, what to change).

use std::collections::BTreeMap;
use std::sync::Arc;

use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use crate::aws::{AwsContext, SharedAws};
use crate::error::Error;

pub type StringMap = BTreeMap<String, Value<String>>;

/// The provider's AWS context, or an error diagnostic when it is not configured.
pub fn aws_context(aws: &SharedAws, diags: &mut Diagnostics) -> Option<Arc<AwsContext>> {
    match aws.get() {
        Ok(ctx) => Some(ctx),
        Err(e) => {
            diags.root_error("Provider not configured", e.to_string());
            None
        }
    }
}

pub fn report(diags: &mut Diagnostics, summary: &'static str, e: Error) {
    diags.root_error(summary, e.to_string());
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

/// Each invalid tag of `tags`, as an error on `tags["key"]`.
pub fn check_tags(tags: &Value<StringMap>, diags: &mut Diagnostics) {
    if let Value::Value(_) = tags {
        for (key, problem) in crate::validate::tags(&known_map(tags)) {
            diags.error("Invalid tag", problem, AttributePath::new("tags").key(key));
        }
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
            .filter(|k| !wanted.contains_key(*k))
            .cloned()
            .collect(),
        set: wanted
            .iter()
            .filter(|(k, v)| current.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
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
}
