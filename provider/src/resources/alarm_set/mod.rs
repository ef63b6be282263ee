//! `opsdeck_alarm_set`: N CloudWatch metric alarms (presets, ratios, thresholds) behind
//! one composite alarm, managed as one unit.
//!
//! - `model`: schema and state; `expand`: presets, metric math, canonical definitions;
//!   `rule`: the composite rule; `checks`: plan-time validation with attribute paths;
//!   `detection`: the detection bound (P4) and its model of CloudWatch; `plan`: defaults
//!   and computed values; `cloudwatch` (the AWS calls): batched reads and ordered writes;
//!   `import`: rebuilding a spec from CloudWatch.
//! - Drift: `child_alarms` and `composite_alarm` hold each alarm as CloudWatch holds it
//!   (refresh) or must hold it (plan), in one canonical JSON form, so any difference in
//!   any alarm shows in the plan and apply repairs it.

pub mod checks;
pub mod cloudwatch;
pub mod detection;
pub mod expand;
pub mod import;
pub mod model;
pub mod plan;
pub mod rule;

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, AttributePathStep, Diagnostics, Resource};

use crate::aws::SharedAws;
use crate::error::{Code, Error};
use crate::resources::common::report as report_error;
use cloudwatch::{Actual, Clients};
use model::AlarmSetState;
use plan::Env;

pub struct AlarmSetResource {
    aws: SharedAws,
}

impl AlarmSetResource {
    pub fn new(aws: SharedAws) -> Self {
        Self { aws }
    }

    fn env(&self, diags: &mut Diagnostics) -> Option<Env> {
        match self.aws.get() {
            Ok(ctx) => Some(Env {
                provider_region: ctx.region().map(str::to_owned),
                default_tags: ctx.merged_tags(&BTreeMap::new()),
                skip_region_validation: ctx.skip_region_validation(),
            }),
            Err(e) => {
                report_error(diags, "The opsdeck provider is not configured", e);
                None
            }
        }
    }

    fn clients(&self, diags: &mut Diagnostics, region: &str) -> Option<Clients> {
        match self.aws.get() {
            Ok(ctx) => Some(Clients {
                cloudwatch: ctx.cloudwatch(Some(region)),
                tagging: ctx.tagging(Some(region)),
                ctx,
            }),
            Err(e) => {
                report_error(diags, "The opsdeck provider is not configured", e);
                None
            }
        }
    }

    /// Applies `planned` over what `prior` says exists; on failure the returned state
    /// records exactly the alarms that exist, with the error.
    async fn apply(
        &self,
        diags: &mut Diagnostics,
        prior: Option<&AlarmSetState>,
        planned: AlarmSetState,
    ) -> Option<AlarmSetState> {
        let desired = match plan::desired(&planned) {
            Ok(d) => d,
            Err(e) => {
                report_error(diags, "Cannot apply opsdeck_alarm_set", Error::Internal(e));
                return None;
            }
        };
        let clients = self.clients(diags, &desired.region)?;
        let mut actual = prior.map(Actual::from_state).unwrap_or_default();
        let result = cloudwatch::converge(&clients, &desired, &mut actual).await;
        if result.is_err() {
            cloudwatch::settle_arns(&clients, &desired.name, &mut actual).await;
        }
        let mut state = planned;
        actual.write_into(&mut state);
        match result {
            Ok(()) => Some(state),
            Err(e) => {
                let exists = actual.children.len();
                let wanted = desired.children.len();
                let composite = if actual.composite.is_some() {
                    "and its composite alarm"
                } else {
                    "but not its composite alarm"
                };
                diags.root_error(
                    e.code().tag(&format!("Cannot apply opsdeck_alarm_set {:?}", desired.name)),
                    format!(
                        "{e}\n\n{}: CloudWatch now holds {exists} child alarm(s) of this set (the configuration has {wanted}) {composite}. \
                         The state records exactly what exists (an alarm whose write got no answer counts as existing until a refresh says otherwise); run `terraform apply` again to finish.",
                        Code::PartialState.id()
                    ),
                );
                // Nothing written on create: there is no resource to record.
                (prior.is_some() || !actual.is_empty()).then_some(state)
            }
        }
    }
}

fn report(diags: &mut Diagnostics, problems: Vec<checks::Problem>) -> bool {
    let ok = problems.is_empty();
    for p in problems {
        let (located, detail) = locate(p.path, p.detail);
        diags.error(p.summary, detail, located);
    }
    ok
}

/// Terraform quotes the source of a diagnostic down to a top-level attribute and one index
/// into it (`alarms["api"]`, `tags["team"]`); a deeper path (`alarms["api"].period`) falls
/// back to the resource's first line. So the diagnostic carries the part Terraform can
/// locate, and the detail starts with the full path when it is deeper.
fn locate(path: AttributePath, detail: String) -> (AttributePath, String) {
    let keep = match path.steps.get(1) {
        Some(AttributePathStep::Key(_) | AttributePathStep::Index(_)) => 2,
        _ => 1,
    };
    if path.steps.len() <= keep {
        return (path, detail);
    }
    let detail = format!("{path}: {detail}");
    (
        AttributePath {
            steps: path.steps.into_iter().take(keep).collect(),
        },
        detail,
    )
}

/// Keys whose alarms may exist: the configured ones and those the state recorded (after
/// a failed apply some removed children may still exist).
fn keys_of(state: &AlarmSetState) -> BTreeSet<String> {
    let mut keys = plan::keys(state).unwrap_or_default();
    keys.extend(
        state
            .child_alarms
            .as_ref_option()
            .into_iter()
            .flat_map(|m| m.keys().cloned()),
    );
    keys
}

#[async_trait]
impl Resource for AlarmSetResource {
    type State<'a> = AlarmSetState;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(model::schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        // Before ConfigureProvider: checks that need the provider's region wait for the plan.
        report(diags, checks::check(&config, None)).then_some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        mut state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Some(name) = state.name.as_ref_option().cloned() else {
            return Some((state, private_state));
        };
        let region = match state.region.as_ref_option() {
            Some(r) => r.clone(),
            None => self.env(diags)?.provider_region.unwrap_or_default(),
        };
        let clients = self.clients(diags, &region)?;
        match cloudwatch::observe(&clients, &name, &keys_of(&state)).await {
            // Neither the composite nor any child exists: the set is gone.
            Ok(actual) if actual.is_empty() => None,
            Ok(actual) => {
                actual.write_into(&mut state);
                Some((state, private_state))
            }
            Err(e) => {
                report_error(diags, &format!("Cannot read opsdeck_alarm_set {name:?}"), e);
                Some((state, private_state))
            }
        }
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        _proposed_state: Self::State<'a>,
        config_state: Self::State<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let env = self.env(diags)?;
        if !report(diags, checks::check(&config_state, Some(&env))) {
            return None;
        }
        Some((plan::plan(&config_state, None, &env), ValueEmpty::default()))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        _proposed_state: Self::State<'a>,
        config_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let env = self.env(diags)?;
        if !report(diags, checks::check(&config_state, Some(&env))) {
            return None;
        }
        let planned = plan::plan(&config_state, Some(&prior_state), &env);
        // The name names every alarm, and alarms live in one region: either change means
        // a new set.
        let mut replace = Vec::new();
        if planned.name != prior_state.name {
            replace.push(AttributePath::new("name"));
        }
        if planned.region != prior_state.region {
            replace.push(AttributePath::new("region"));
        }
        Some((planned, prior_private_state, replace))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(prior_private_state)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let state = self.apply(diags, None, planned_state).await?;
        Some((state, planned_private_state))
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        planned_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let state = self.apply(diags, Some(&prior_state), planned_state).await?;
        Some((state, planned_private_state))
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        _planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let name = prior_state.name.as_ref_option().cloned()?;
        let region = prior_state.region.as_ref_option().cloned()?;
        let clients = self.clients(diags, &region)?;
        match cloudwatch::destroy(&clients, &name, &keys_of(&prior_state)).await {
            Ok(()) => Some(()),
            Err(e) => {
                diags.root_error(
                    e.code().tag(&format!("Cannot delete opsdeck_alarm_set {name:?}")),
                    format!("{e}\n\nThe state keeps the set; `terraform destroy` again deletes what remains."),
                );
                None
            }
        }
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let (region, name) = match import::parse_id(&id) {
            Ok(v) => v,
            Err(e) => {
                diags.root_error(Code::InvalidConfiguration.tag("Invalid import id"), e);
                return None;
            }
        };
        let env = self.env(diags)?;
        let region = region
            .or_else(|| env.provider_region.clone())
            .unwrap_or_default();
        let clients = self.clients(diags, &region)?;
        let actual = match cloudwatch::discover(&clients, &name).await {
            Ok(a) => a,
            Err(e) => {
                report_error(
                    diags,
                    &format!("Cannot import opsdeck_alarm_set {name:?}"),
                    e,
                );
                return None;
            }
        };
        match import::state_from(&name, &region, &actual, &env) {
            Ok(state) => Some((state, Value::Null)),
            Err(e) => {
                diags.root_error(
                    Code::InvalidConfiguration
                        .tag(&format!("Cannot import opsdeck_alarm_set {name:?}")),
                    e,
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostics_point_where_terraform_can_quote_the_source() {
        let (path, detail) = locate(
            AttributePath::new("alarms").key("api").attribute("period"),
            "period is 45".into(),
        );
        assert_eq!(path, AttributePath::new("alarms").key("api"));
        assert_eq!(detail, r#"alarms["api"].period: period is 45"#);
        let (path, detail) = locate(
            AttributePath::new("composite").attribute("rule"),
            "bad".into(),
        );
        assert_eq!(
            (path, detail.as_str()),
            (AttributePath::new("composite"), "composite.rule: bad")
        );
        let (path, detail) = locate(AttributePath::new("tags").key("aws:x"), "reserved".into());
        assert_eq!(
            (path, detail.as_str()),
            (AttributePath::new("tags").key("aws:x"), "reserved")
        );
    }
}
