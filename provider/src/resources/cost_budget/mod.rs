//! `opsdeck_cost_budget`: an AWS Budgets cost budget (USD, monthly by default) with a
//! ladder of actual and forecasted alerts routed to the alarm topic (R7.2-b, P9).
//!
//! What it guarantees, and why:
//! - The configuration is checked at plan time on the attribute at fault: at most 5
//!   notifications, a valid name, a positive limit, no forecast on DAILY budgets, tag
//!   filters in the `user:<key>$<value>` form Budgets expects (R7.2-d).
//! - Before anything is created or changed, the topic is checked: a topic whose policy
//!   (or KMS key) does not let `budgets.amazonaws.com` publish would swallow every
//!   alert, so the apply stops with the statement to add.
//! - The budget, its notifications and its tags are created in one `CreateBudget`
//!   call: a failure leaves nothing half made. A CreateBudget whose answer was lost (and
//!   that the SDK sent again) meets its own budget: a budget identical to the one asked
//!   for is taken as created; any other budget of that name is refused on `name`.
//! - After a failure the state holds what exists (a budget that may have been created is
//!   recorded, so Terraform taints and replaces it); reads after writes wait for AWS's
//!   eventual consistency.
//!
//! Layout: `model` state, schema and checks; `api` the AWS calls; this file the Terraform
//! operations.
//! - Budgets is a global service signed in the partition's home region
//!   ([`crate::aws::AwsContext::budgets`]), whatever the provider's region.
//! - Refresh reads the limit, period, filters, every notification and its subscribers
//!   and the tags; any drift shows in the plan and the next apply repairs it.

pub mod api;
pub mod model;

use async_trait::async_trait;
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use crate::aws::{AwsContext, SharedAws};
use crate::error::{Code, Error};
use crate::resources::common::{
    aws_context, finish, invalid, known, known_map, owned_tags, plan_tags_all, read_result, report,
    sorted_set, to_value_map, user_tags, Applied,
};

use api::{Alert, BudgetSpec, Subscribers};
use model::{default_thresholds, known_strings, known_threshold, DEFAULT_TIME_UNIT};
pub use model::{CostBudgetState, Threshold};

pub struct CostBudgetResource {
    aws: SharedAws,
}

impl CostBudgetResource {
    pub fn new(aws: SharedAws) -> Self {
        Self { aws }
    }
}

fn threshold_values(list: Vec<Threshold>) -> Value<Vec<Value<Threshold>>> {
    Value::Value(list.into_iter().map(Value::Value).collect())
}

/// How a notification appears in `thresholds`. One the resource would not make (another
/// comparison, an absolute amount) gets a type naming it, so the plan shows it as drift.
fn threshold_of(alert: &Alert) -> Threshold {
    match alert.as_threshold() {
        Some((percent, kind)) => Threshold::new(percent, &kind),
        None => Threshold::new(
            alert.threshold,
            &format!(
                "{} {} {} (not managed here)",
                alert.kind.to_ascii_lowercase(),
                alert.comparison,
                alert.threshold_type
            ),
        ),
    }
}

impl CostBudgetState {
    fn spec(&self) -> Result<BudgetSpec, Error> {
        let name = known(&self.name)
            .ok_or_else(|| Error::Internal("the planned budget has no name".into()))?;
        let limit = self
            .limit_usd
            .as_ref_option()
            .copied()
            .ok_or_else(|| Error::Internal("the planned budget has no limit_usd".into()))?;
        let cost_filters = self
            .cost_filters
            .as_ref_option()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| known_strings(v).map(|v| (k.clone(), v)))
                    .collect()
            })
            .unwrap_or_default();
        Ok(BudgetSpec {
            name: name.to_owned(),
            limit_usd: limit,
            time_unit: known(&self.time_unit)
                .unwrap_or(DEFAULT_TIME_UNIT)
                .to_owned(),
            cost_filters,
        })
    }

    fn subscribers(&self) -> Subscribers {
        api::subscribers(
            known(&self.topic_arn),
            &known_strings(&self.emails).unwrap_or_default(),
        )
    }

    /// The notifications the configuration asks for, each with the subscribers.
    fn alerts(&self) -> Vec<(Alert, Subscribers)> {
        let subs = self.subscribers();
        let thresholds: Vec<(f64, String)> = match &self.thresholds {
            Value::Value(list) => list.iter().filter_map(known_threshold).collect(),
            _ => default_thresholds()
                .iter()
                .filter_map(|t| known_threshold(&Value::Value(t.clone())))
                .collect(),
        };
        thresholds
            .into_iter()
            .map(|(percent, kind)| (Alert::percent(&kind, percent), subs.clone()))
            .collect()
    }

    /// Account and name, from the attributes or else from the id.
    fn address(&self) -> Option<(String, String)> {
        match (known(&self.account_id), known(&self.name)) {
            (Some(a), Some(n)) => Some((a.to_owned(), n.to_owned())),
            _ => known(&self.id)
                .and_then(|id| id.split_once(':'))
                .map(|(a, n)| (a.to_owned(), n.to_owned())),
        }
    }
}

impl CostBudgetResource {
    fn ctx(&self, diags: &mut Diagnostics) -> Option<std::sync::Arc<AwsContext>> {
        aws_context(&self.aws, diags)
    }

    fn arn(ctx: &AwsContext, account: &str, name: &str) -> String {
        api::budget_arn(
            api::partition_of(ctx.region().unwrap_or_default()),
            account,
            name,
        )
    }

    /// Refreshes `state` from AWS. `None` when the budget is gone.
    async fn refresh(
        &self,
        ctx: &AwsContext,
        mut state: CostBudgetState,
    ) -> Result<Option<CostBudgetState>, Error> {
        let Some((account, name)) = state.address() else {
            return Ok(None);
        };
        let Some(remote) = api::describe_budget(ctx, &account, &name).await? else {
            return Ok(None);
        };
        let arn = Self::arn(ctx, &account, &name);
        state.id = Value::Value(format!("{account}:{name}"));
        state.arn = Value::Value(arn.clone());
        state.account_id = Value::Value(account.clone());
        state.name = Value::Value(name.clone());
        // A limit in another currency than USD cannot be shown as limit_usd: show it as
        // missing so the plan puts the USD limit back.
        state.limit_usd = match (&remote.limit, remote.unit.as_deref()) {
            (Some(limit), Some("USD")) => Value::Value(*limit),
            _ => Value::Null,
        };
        state.time_unit = Value::Value(remote.time_unit.clone());
        let filters_were_empty_map = matches!(&state.cost_filters, Value::Value(m) if m.is_empty());
        state.cost_filters = if remote.cost_filters.is_empty() && !filters_were_empty_map {
            Value::Null
        } else {
            Value::Value(
                remote
                    .cost_filters
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            Value::Value(v.iter().cloned().map(Value::Value).collect()),
                        )
                    })
                    .collect(),
            )
        };

        let alerts = api::notifications(ctx, &account, &name).await?;
        let mut thresholds: Vec<Threshold> = alerts.iter().map(|(a, _)| threshold_of(a)).collect();
        thresholds.sort_by(|a, b| {
            let key = |t: &Threshold| {
                (
                    t.kind.as_ref_option().cloned().unwrap_or_default(),
                    t.percent.as_ref_option().map(|p| p.as_f64()).unwrap_or(0.0),
                )
            };
            key(a)
                .partial_cmp(&key(b))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        state.thresholds = threshold_values(thresholds);
        // Subscribers: the state keeps the configured ones unless a notification has
        // others; then it shows that notification's, and the plan repairs all of them.
        let expected = state.subscribers();
        if let Some((_, subs)) = alerts.iter().find(|(_, s)| *s != expected) {
            let topic = subs
                .iter()
                .find(|(kind, _)| kind == "SNS")
                .map(|(_, address)| address.clone());
            let emails: Vec<String> = subs
                .iter()
                .filter(|(kind, _)| kind == "EMAIL")
                .map(|(_, address)| address.clone())
                .collect();
            state.topic_arn = topic.into();
            state.emails = if emails.is_empty() && state.emails.is_null() {
                Value::Null
            } else {
                sorted_set(emails)
            };
        }

        let remote_tags = user_tags(&api::tags(ctx, &arn).await?);
        state.tags = owned_tags(ctx, &remote_tags, &state.tags);
        state.tags_all = to_value_map(&remote_tags);
        Ok(Some(state))
    }

    /// Reads back the budget an apply just wrote, waiting for eventual consistency.
    async fn read_back(
        &self,
        ctx: &AwsContext,
        state: CostBudgetState,
    ) -> Result<CostBudgetState, Error> {
        let name = known(&state.name).unwrap_or_default().to_owned();
        ctx.retry_until_found(&format!("the budget {name:?}"), || {
            self.refresh(ctx, state.clone())
        })
        .await
    }

    /// Whether the budget that exists under the planned name is exactly the one planned
    /// (so a CreateBudget that met it was meeting its own first attempt).
    async fn is_as_planned(
        &self,
        ctx: &AwsContext,
        account: &str,
        planned: &CostBudgetState,
        tags: &std::collections::BTreeMap<String, String>,
    ) -> Result<bool, Error> {
        let spec = planned.spec()?;
        let Some(remote) = api::describe_budget(ctx, account, &spec.name).await? else {
            return Ok(false);
        };
        let same_budget = remote.limit == Some(spec.limit_usd)
            && remote.unit.as_deref() == Some("USD")
            && remote.time_unit == spec.time_unit
            && remote.cost_filters == spec.cost_filters;
        if !same_budget {
            return Ok(false);
        }
        let mut have = api::notifications(ctx, account, &spec.name).await?;
        let mut want = planned.alerts();
        let key = |(a, s): &(Alert, Subscribers)| format!("{a:?}{s:?}");
        have.sort_by_key(key);
        want.sort_by_key(key);
        let remote_tags = user_tags(&api::tags(ctx, &Self::arn(ctx, account, &spec.name)).await?);
        Ok(have == want && remote_tags == *tags)
    }

    /// The apply-time topic check, reported on `topic_arn`. `false` stops the apply.
    async fn topic_ok(
        &self,
        ctx: &AwsContext,
        diags: &mut Diagnostics,
        planned: &CostBudgetState,
        account: &str,
    ) -> bool {
        let Some(topic) = known(&planned.topic_arn) else {
            return true;
        };
        match api::check_topic(ctx, topic, account).await {
            Ok(()) => true,
            Err(problem) => {
                invalid(
                    diags,
                    "AWS Budgets cannot publish to the topic",
                    problem,
                    AttributePath::new("topic_arn"),
                );
                false
            }
        }
    }

    /// Create. `None` when a check refused the configuration (the diagnostics say why).
    async fn create_all(
        &self,
        ctx: &AwsContext,
        diags: &mut Diagnostics,
        planned: &CostBudgetState,
    ) -> Option<Applied<CostBudgetState>> {
        let account = match known(&planned.account_id) {
            Some(a) => a.to_owned(),
            None => match api::caller_account(ctx).await {
                Ok(a) => a,
                Err(e) => return Some(Applied::failed(e, None)),
            },
        };
        if !self.topic_ok(ctx, diags, planned, &account).await {
            return None;
        }
        let spec = match planned.spec() {
            Ok(spec) => spec,
            Err(e) => return Some(Applied::failed(e, None)),
        };
        let tags = ctx.merged_tags(&known_map(&planned.tags));
        let mut state = planned.clone();
        state.account_id = Value::Value(account.clone());
        state.id = Value::Value(format!("{account}:{}", spec.name));
        state.arn = Value::Value(Self::arn(ctx, &account, &spec.name));
        state.tags_all = to_value_map(&tags);
        match api::create_budget(ctx, &account, &spec, &planned.alerts(), &tags).await {
            Ok(true) => {}
            Ok(false) => match self.is_as_planned(ctx, &account, planned, &tags).await {
                // The first attempt of this very create made it (its answer was lost).
                Ok(true) => {}
                Ok(false) => {
                    invalid(
                        diags,
                        "Budget already exists",
                        format!(
                            "account {account} already has a budget named {:?}, which this resource did not create ({}). Import it to manage it here (terraform import <address> {account}:{}), or choose another name",
                            spec.name,
                            Code::AlreadyExists.id(),
                            spec.name
                        ),
                        AttributePath::new("name"),
                    );
                    return None;
                }
                Err(e) => return Some(Applied::failed(e, None)),
            },
            // The budget may exist: record it, so that the next apply replaces it.
            Err(e) if e.is_ambiguous() => return Some(Applied::failed(e, Some(state))),
            Err(e) => return Some(Applied::failed(e, None)),
        }
        match self.read_back(ctx, state.clone()).await {
            Ok(fresh) => Some(Applied::Done(fresh)),
            // The budget exists: hand its address to Terraform (which taints it).
            Err(e) => Some(Applied::failed(e, Some(state))),
        }
    }

    async fn update_all(
        &self,
        ctx: &AwsContext,
        diags: &mut Diagnostics,
        prior: &CostBudgetState,
        planned: &CostBudgetState,
    ) -> Result<CostBudgetState, Error> {
        let (account, name) = prior
            .address()
            .ok_or_else(|| Error::Internal("the state has no budget address".into()))?;
        if !self.topic_ok(ctx, diags, planned, &account).await {
            return Err(Error::Invalid("see the topic_arn error".into()));
        }
        let spec = planned.spec()?;
        let remote = api::describe_budget(ctx, &account, &name)
            .await?
            .ok_or_else(|| {
                Error::Gone(format!(
                    "the budget {name} was deleted outside Terraform; run `terraform apply` again to recreate it"
                ))
            })?;
        let same_limit =
            remote.limit == Some(spec.limit_usd) && remote.unit.as_deref() == Some("USD");
        if !same_limit
            || remote.time_unit != spec.time_unit
            || remote.cost_filters != spec.cost_filters
        {
            api::update_budget(ctx, &account, &spec).await?;
        }

        // Notifications: drop the unwanted first (a budget holds at most 5), then add
        // the new ones, then make each kept one's subscribers right.
        let current = api::notifications(ctx, &account, &name).await?;
        let wanted = planned.alerts();
        for (alert, _) in current
            .iter()
            .filter(|(a, _)| !wanted.iter().any(|(w, _)| w == a))
        {
            ctx.check_cancelled("deleting a notification of the budget")?;
            api::delete_notification(ctx, &account, &name, alert).await?;
        }
        for (alert, subs) in &wanted {
            ctx.check_cancelled("writing the notifications of the budget")?;
            match current.iter().find(|(a, _)| a == alert) {
                None => api::create_notification(ctx, &account, &name, alert, subs).await?,
                Some((_, have)) if have != subs => {
                    api::sync_subscribers(ctx, &account, &name, alert, have, subs).await?
                }
                Some(_) => {}
            }
        }

        let arn = Self::arn(ctx, &account, &name);
        let remote_tags = user_tags(&api::tags(ctx, &arn).await?);
        api::sync_tags(
            ctx,
            &arn,
            &remote_tags,
            &ctx.merged_tags(&known_map(&planned.tags)),
        )
        .await?;

        let mut state = planned.clone();
        state.account_id = Value::Value(account.clone());
        self.read_back(ctx, state).await
    }

    /// `id`, `arn` and `tags_all` as far as the plan can know them.
    fn plan_computed(&self, planned: &mut CostBudgetState) {
        let ctx = self.aws.get().ok();
        match (
            &ctx,
            known(&planned.account_id).map(str::to_owned),
            known(&planned.name).map(str::to_owned),
        ) {
            (Some(ctx), Some(account), Some(name)) => {
                planned.id = Value::Value(format!("{account}:{name}"));
                planned.arn = Value::Value(Self::arn(ctx, &account, &name));
            }
            _ => {
                planned.id = Value::Unknown;
                planned.arn = Value::Unknown;
            }
        }
        planned.tags_all = plan_tags_all(&self.aws, &planned.tags);
    }
}

fn apply_defaults(planned: &mut CostBudgetState, config: &CostBudgetState) {
    if config.time_unit.is_null() {
        planned.time_unit = Value::Value(DEFAULT_TIME_UNIT.to_owned());
    }
    if config.thresholds.is_null() {
        planned.thresholds = threshold_values(default_thresholds());
    }
}

#[async_trait]
impl Resource for CostBudgetResource {
    type State<'a> = CostBudgetState;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(model::schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        config.check(diags);
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let ctx = self.ctx(diags)?;
        let refreshed = self.refresh(&ctx, state.clone()).await;
        read_result(diags, "Cannot read the budget", refreshed, state, private)
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let mut planned = proposed;
        apply_defaults(&mut planned, &config);
        planned.check(diags);
        if config.account_id.is_null() {
            planned.account_id = Value::Unknown;
        }
        self.plan_computed(&mut planned);
        Some((planned, ValueEmpty::default()))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        prior_private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let mut planned = proposed;
        apply_defaults(&mut planned, &config);
        planned.check(diags);
        if config.account_id.is_null() {
            planned.account_id = prior.account_id.clone();
        }
        let mut replace = Vec::new();
        if planned.name != prior.name {
            replace.push(AttributePath::new("name"));
        }
        if planned.account_id != prior.account_id {
            replace.push(AttributePath::new("account_id"));
        }
        self.plan_computed(&mut planned);
        if replace.is_empty() {
            planned.id = prior.id.clone();
            planned.arn = prior.arn.clone();
        }
        Some((planned, prior_private, replace))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        prior_private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(prior_private)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        _private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let ctx = self.ctx(diags)?;
        let applied = self.create_all(&ctx, diags, &planned).await?;
        finish(diags, "the budget", true, applied, ValueEmpty::default())
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let ctx = self.ctx(diags)?;
        let applied = match self.update_all(&ctx, diags, &prior, &planned).await {
            Ok(state) => Applied::Done(state),
            Err(e) => {
                // Whatever was applied stays applied: the state is what a refresh sees.
                let state = match self.refresh(&ctx, prior.clone()).await {
                    Ok(Some(fresh)) => fresh,
                    _ => prior,
                };
                if !diags.errors.is_empty() {
                    // A check already reported the problem on its attribute.
                    return Some((state, private));
                }
                Applied::failed(e, Some(state))
            }
        };
        finish(diags, "the budget", false, applied, private)
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        _private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let ctx = self.ctx(diags)?;
        let Some((account, name)) = prior.address() else {
            return Some(());
        };
        if let Err(e) = api::delete_budget(&ctx, &account, &name).await {
            report(diags, "Cannot delete the budget", e);
            return None;
        }
        Some(())
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let ctx = self.ctx(diags)?;
        let parsed = id
            .split_once(':')
            .filter(|(a, n)| model::check_account_id(a).is_ok() && model::check_name(n).is_ok());
        let Some((account, name)) = parsed else {
            diags.root_error(
                Code::InvalidConfiguration.tag("Invalid import id"),
                format!("{id:?} is not <account_id>:<budget name>: import with e.g. terraform import opsdeck_cost_budget.monthly 123456789012:opsdeck-prod-monthly"),
            );
            return None;
        };
        let state = CostBudgetState {
            id: Value::Value(id.clone()),
            account_id: Value::Value(account.to_owned()),
            name: Value::Value(name.to_owned()),
            ..Default::default()
        };
        match self.refresh(&ctx, state).await {
            Ok(Some(fresh)) => Some((fresh, ValueEmpty::default())),
            Ok(None) => {
                diags.root_error(
                    Code::Gone.tag("Budget not found"),
                    format!("account {account} has no budget named {name:?} (AWS Budgets, signed in us-east-1)"),
                );
                None
            }
            Err(e) => {
                report(diags, "Cannot import the budget", e);
                None
            }
        }
    }
}
