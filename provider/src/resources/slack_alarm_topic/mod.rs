//! `opsdeck_slack_alarm_topic`: the SNS topic alarms, budgets and EventBridge rules
//! publish to, routed to Slack through the notifier Lambda (`lambdas/slack-notifier`).
//!
//! What it guarantees, and why:
//! - The topic is encrypted with a customer managed KMS key whose policy lets the
//!   publishers use it. A key without that grant (the AWS managed `alias/aws/sns`
//!   above all) makes SNS drop CloudWatch alarms silently; a given key is checked at
//!   plan time when its ARN is known, and again at apply, and refused with the
//!   statement to add. Without `kms_key_arn` the resource creates its own key.
//! - The topic policy lets only the listed publishers' service principals publish,
//!   for this account only (`aws:SourceAccount`); never a public principal.
//! - The webhook URL never enters Terraform: the resource takes the ARN of the
//!   Secrets Manager secret that holds it and checks that the secret exists.
//! - Refresh sees drift of the key, the policy, the display name, the tags, the
//!   subscription and the invoke permission; an update repairs it.
//! - Nothing is ever left outside the state: every key the resource makes is recorded in
//!   the private state the moment it exists (a key whose CreateKey got no answer by its
//!   creation token), a failed create returns what exists (Terraform taints it, the next
//!   apply replaces it), a failed update returns what is in effect, and reads right after
//!   writes wait for AWS's eventual consistency.
//!
//! Layout (the same for every resource): `model` state, schema and plan-time checks;
//! `api` the AWS calls; `policy` the policies as pure functions; this file the Terraform
//! operations.

mod api;
pub mod model;
pub mod policy;

use async_trait::async_trait;
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use crate::aws::{AwsContext, SharedAws};
use crate::error::Error;
use crate::resources::common::{
    aws_context, finish, invalid, known, known_list, known_map, owned_tags, plan_tags_all,
    read_result, report, report_on, sorted_set, to_value_map, user_tags, Applied, Arn,
};

pub use api::{
    check_key_with, keys_with_token, own_key_alias, statement_id, KeyProblem, CREATION_TOKEN_TAG,
};
pub use model::{
    check_function_arn, check_kms_key_arn, check_name, check_publishers, check_secret_arn,
    expected_policy, SlackAlarmTopicState, TopicPrivate,
};

pub struct SlackAlarmTopicResource {
    aws: SharedAws,
}

impl SlackAlarmTopicResource {
    pub fn new(aws: SharedAws) -> Self {
        Self { aws }
    }
}

// ---------------------------------------------------------------------------------
// Checks that need AWS, reported on their attribute
// ---------------------------------------------------------------------------------

/// Key check with the problem reported on `kms_key_arn`. `Some(arn)` when usable.
async fn check_key(
    ctx: &AwsContext,
    diags: &mut Diagnostics,
    key: &str,
    publishers: &[String],
) -> Option<String> {
    let path = AttributePath::new("kms_key_arn");
    match api::check_key(ctx, key, publishers).await {
        Ok(arn) => Some(arn),
        Err(api::KeyProblem::Policy(text)) => {
            invalid(
                diags,
                "KMS key policy does not let the publishers use the key",
                text,
                path,
            );
            None
        }
        Err(api::KeyProblem::Unusable(text)) => {
            invalid(diags, "Unusable KMS key", text, path);
            None
        }
        Err(api::KeyProblem::Call(e)) => {
            report_on(diags, "Cannot check the KMS key", e, path);
            None
        }
    }
}

async fn check_secret(ctx: &AwsContext, diags: &mut Diagnostics, arn: &str) -> bool {
    match api::check_secret(ctx, arn).await {
        Ok(()) => true,
        Err(e) => {
            report_on(
                diags,
                "Webhook secret not usable",
                e,
                AttributePath::new("webhook_secret_arn"),
            );
            false
        }
    }
}

/// The notifier exists; warns when it reads another secret than `webhook_secret_arn`.
async fn check_notifier(
    ctx: &AwsContext,
    diags: &mut Diagnostics,
    function: &str,
    secret: Option<&str>,
) -> bool {
    match api::function_secret(ctx, function).await {
        Ok(Some(theirs)) if secret.is_some_and(|s| s != theirs) => {
            diags.warning(
                crate::error::Code::InvalidConfiguration.tag("Notifier reads another webhook secret"),
                format!("{function} reads its webhook from {theirs} (WEBHOOK_SECRET_ARN), not from webhook_secret_arn; messages go to that secret's channel. Point both at the same secret."),
                AttributePath::new("notifier_function_arn"),
            );
            true
        }
        Ok(_) => true,
        Err(e) => {
            report_on(
                diags,
                "Notifier function not usable",
                e,
                AttributePath::new("notifier_function_arn"),
            );
            false
        }
    }
}

/// The state of a topic that exists only in part (after a failed create): what is known,
/// computed values null. Terraform taints it; the next apply replaces it.
fn partial(
    planned: &SlackAlarmTopicState,
    arn: Option<String>,
    key: Option<String>,
) -> SlackAlarmTopicState {
    SlackAlarmTopicState {
        id: arn.clone().into(),
        arn: arn.into(),
        kms_key_arn: key.into(),
        policy: Value::Null,
        subscription_arn: Value::Null,
        tags_all: Value::Null,
        publishers: sorted_set(planned.publishers_or_default()),
        ..planned.clone()
    }
}

impl SlackAlarmTopicResource {
    fn ctx(&self, diags: &mut Diagnostics) -> Option<std::sync::Arc<AwsContext>> {
        aws_context(&self.aws, diags)
    }

    /// Refreshes `state` from AWS. `None` when nothing of the resource exists any more:
    /// the topic is gone and it owns no key. A topic that is gone while its own keys
    /// remain keeps the resource, with `arn` null (the plan replaces it, which deletes them).
    async fn refresh(
        &self,
        ctx: &AwsContext,
        mut state: SlackAlarmTopicState,
        private: &TopicPrivate,
    ) -> Result<Option<SlackAlarmTopicState>, Error> {
        let gone = |mut state: SlackAlarmTopicState| {
            if private.is_empty() {
                None
            } else {
                state.arn = Value::Null;
                state.policy = Value::Null;
                state.subscription_arn = Value::Null;
                Some(state)
            }
        };
        let Some(arn) = known(&state.arn)
            .or_else(|| known(&state.id))
            .map(str::to_owned)
        else {
            return Ok(gone(state));
        };
        let Some(topic_arn) = Arn::of(&arn, "sns") else {
            return Err(Error::Internal(format!(
                "{arn} in the state is not an SNS topic ARN"
            )));
        };
        let name = topic_arn.resource.to_owned();
        let Some(topic) = api::get_topic(ctx, &arn).await? else {
            return Ok(gone(state));
        };
        state.id = Value::Value(arn.clone());
        state.arn = Value::Value(arn.clone());
        state.name = Value::Value(name.clone());
        state.display_name = topic.display_name.clone().into();
        state.kms_key_arn = topic.kms_key.clone().into();
        // Canonical JSON: a policy that means the same as the expected one compares
        // equal to it, so plans stay quiet; any other policy shows as drift.
        state.policy = Value::Value(
            topic
                .policy
                .as_deref()
                .map(|t| policy::canonical_text(t).unwrap_or_else(|| t.to_owned()))
                .unwrap_or_default(),
        );
        let tags = user_tags(&topic.tags);
        state.tags = owned_tags(ctx, &tags, &state.tags);
        state.tags_all = to_value_map(&tags);
        // The route: subscription to the notifier plus its invoke permission. Either
        // missing → subscription_arn null, which the next plan repairs.
        state.subscription_arn = match known(&state.notifier_function_arn) {
            None => Value::Null,
            Some(function) => {
                let sub = api::find_subscription(ctx, &arn, function).await?;
                let allowed = api::has_permission(ctx, &name, &arn, function).await?;
                match sub {
                    Some(s) if allowed => Value::Value(s),
                    _ => Value::Null,
                }
            }
        };
        Ok(Some(state))
    }

    /// Reads back what an apply just wrote: the topic, and its route when it has one,
    /// waiting for AWS's eventual consistency.
    async fn read_back(
        &self,
        ctx: &AwsContext,
        state: SlackAlarmTopicState,
        private: &TopicPrivate,
    ) -> Result<SlackAlarmTopicState, Error> {
        let arn = known(&state.arn).unwrap_or_default().to_owned();
        let routed = state.notifier_function_arn.is_value();
        ctx.retry_until_found(&format!("the SNS topic {arn}"), || async {
            Ok(self
                .refresh(ctx, state.clone(), private)
                .await?
                .filter(|s| s.arn.is_value() && (!routed || s.subscription_arn.is_value())))
        })
        .await
    }

    /// Schedules the deletion of the keys the resource no longer needs: the retired
    /// ones, and any key found under a pending creation token that is not its own key.
    /// Each key leaves the private state only once it is done.
    async fn clean_keys(
        &self,
        ctx: &AwsContext,
        name: &str,
        private: &mut TopicPrivate,
    ) -> Result<(), Error> {
        for token in private.pending_key_tokens.clone() {
            for key in api::keys_with_token(ctx, &token).await? {
                if !private.owns(&key) && !private.retired_key_arns.contains(&key) {
                    private.retired_key_arns.push(key);
                }
            }
            private.pending_key_tokens.retain(|t| *t != token);
        }
        for key in private.retired_key_arns.clone() {
            ctx.check_cancelled("deleting an old KMS key of the topic")?;
            api::retire_own_key(ctx, name, &key).await?;
            private.retired_key_arns.retain(|k| *k != key);
        }
        Ok(())
    }

    /// Create. `None` when a check refused the configuration (the diagnostics say why);
    /// otherwise what was done, or the error with what exists.
    async fn create_all(
        &self,
        ctx: &AwsContext,
        diags: &mut Diagnostics,
        planned: &SlackAlarmTopicState,
    ) -> Option<Applied<(SlackAlarmTopicState, TopicPrivate)>> {
        let name = known(&planned.name)?.to_owned();
        let publishers = planned.publishers_or_default();
        let secret = known(&planned.webhook_secret_arn).map(str::to_owned);
        let function = known(&planned.notifier_function_arn).map(str::to_owned);
        if let Some(secret) = &secret {
            if !check_secret(ctx, diags, secret).await {
                return None;
            }
        }
        if let Some(function) = &function {
            if !check_notifier(ctx, diags, function, secret.as_deref()).await {
                return None;
            }
        }
        let tags = ctx.merged_tags(&known_map(&planned.tags));
        let mut private = TopicPrivate::default();
        let key = match known(&planned.kms_key_arn) {
            Some(key) => check_key(ctx, diags, key, &publishers).await?,
            None => {
                let token = api::creation_token();
                match api::create_key(ctx, &name, &publishers, &tags, &token).await {
                    Ok(arn) => {
                        private.own_key_arn = Some(arn.clone());
                        arn
                    }
                    Err(api::CreateKeyError::Refused(e)) => return Some(Applied::failed(e, None)),
                    Err(api::CreateKeyError::Unknown { error, token }) => {
                        private.pending_key_tokens.push(token);
                        return Some(Applied::failed(
                            error,
                            Some((partial(planned, None, None), private)),
                        ));
                    }
                }
            }
        };
        // Undoes the own key when nothing else exists; if that fails too, the key stays in
        // the state (Terraform taints it; the next apply deletes it).
        let undo = |error: Error, private: TopicPrivate| {
            let name = name.clone();
            let key = key.clone();
            async move {
                let Some(own) = private.own_key_arn.clone() else {
                    return Applied::failed(error, None);
                };
                match api::retire_own_key(ctx, &name, &own).await {
                    Ok(()) => Applied::failed(error, None),
                    Err(rollback) => Applied::Failed {
                        error,
                        state: Some((partial(planned, None, Some(key)), private)),
                        rollback: vec![rollback],
                    },
                }
            }
        };
        if private.own_key_arn.is_some() {
            if let Err(e) = api::finish_key(ctx, &name, &key).await {
                return Some(undo(e, private).await);
            }
        }
        let arn =
            match api::create_topic(ctx, &name, &key, known(&planned.display_name), &tags).await {
                Ok(arn) => arn,
                Err(e) if e.is_ambiguous() => {
                    // The topic may exist: record it under its ARN, which the name determines.
                    let maybe = match Arn::of(&key, "kms") {
                        Some(k) => Some(format!(
                            "arn:{}:sns:{}:{}:{name}",
                            k.partition,
                            ctx.region().unwrap_or(k.region),
                            k.account
                        )),
                        None => api::caller(ctx).await.ok().map(|(account, partition)| {
                            format!(
                                "arn:{partition}:sns:{}:{account}:{name}",
                                ctx.region().unwrap_or_default()
                            )
                        }),
                    };
                    return Some(Applied::failed(
                        e,
                        Some((partial(planned, maybe, Some(key)), private)),
                    ));
                }
                Err(e) => return Some(undo(e, private).await),
            };
        let fail = |e: Error, private: TopicPrivate| {
            Applied::failed(
                e,
                Some((
                    partial(planned, Some(arn.clone()), Some(key.clone())),
                    private,
                )),
            )
        };
        let Some(account) = Arn::of(&arn, "sns").map(|a| a.account.to_owned()) else {
            return Some(fail(
                Error::Internal(format!("CreateTopic returned {arn}, not a topic ARN")),
                private,
            ));
        };
        let doc = policy::topic_policy(&arn, &account, &publishers);
        if let Err(e) = api::set_topic_attribute(ctx, &arn, "Policy", &doc.to_string()).await {
            return Some(fail(e, private));
        }
        if let Some(function) = &function {
            let route = async {
                api::ensure_permission(ctx, &arn, &name, &account, function).await?;
                api::subscribe(ctx, &arn, function).await
            };
            if let Err(e) = route.await {
                return Some(fail(e, private));
            }
        }
        if planned.send_test_message.as_ref_option() == Some(&true) {
            // The topic works whatever happens here: a lost test message is a warning.
            if let Err(e) = api::publish_test(ctx, &arn).await {
                diags.warning(
                    e.code().tag("Test message not sent"),
                    format!("the topic is ready, but its test message was not published: {e}"),
                    AttributePath::new("send_test_message"),
                );
            }
        }
        let mut state = partial(planned, Some(arn.clone()), Some(key.clone()));
        state.publishers = sorted_set(publishers);
        match self.read_back(ctx, state, &private).await {
            Ok(mut fresh) => {
                // What the configuration said, not what a refresh can see.
                fresh.send_test_message = planned.send_test_message;
                fresh.webhook_secret_arn = planned.webhook_secret_arn.clone();
                Some(Applied::Done((fresh, private)))
            }
            Err(e) => Some(fail(e, private)),
        }
    }

    /// Update, recording in `private` every key as soon as it exists or is retired.
    async fn update_all(
        &self,
        ctx: &AwsContext,
        diags: &mut Diagnostics,
        prior: &SlackAlarmTopicState,
        planned: &SlackAlarmTopicState,
        private: &mut TopicPrivate,
    ) -> Result<SlackAlarmTopicState, Error> {
        let arn = known(&prior.arn)
            .ok_or_else(|| {
                Error::Gone(
                    "the topic no longer exists; run `terraform apply` again to recreate it".into(),
                )
            })?
            .to_owned();
        let topic_arn = Arn::of(&arn, "sns").ok_or_else(|| {
            Error::Internal(format!("{arn} in the state is not an SNS topic ARN"))
        })?;
        let (account, name) = (topic_arn.account.to_owned(), topic_arn.resource.to_owned());
        let publishers = planned.publishers_or_default();
        let secret = known(&planned.webhook_secret_arn);
        if let Some(secret) = secret {
            if !check_secret(ctx, diags, secret).await {
                return Err(Error::Invalid("see the webhook_secret_arn error".into()));
            }
        }
        let current = api::get_topic(ctx, &arn).await?.ok_or_else(|| {
            Error::Gone(format!(
                "the topic {arn} was deleted outside Terraform; run `terraform apply` again to recreate it"
            ))
        })?;

        // Key: the given one (checked), or the resource's own (created if needed). A new
        // own key enters the private state before anything else can fail.
        let wanted_key = match known(&planned.kms_key_arn) {
            Some(key) if private.owns(key) => {
                if prior.publishers != planned.publishers {
                    api::update_own_key_policy(ctx, key, &publishers).await?;
                }
                key.to_owned()
            }
            Some(key) => {
                if check_key(ctx, diags, key, &publishers).await.is_none() {
                    return Err(Error::Invalid("see the kms_key_arn error".into()));
                }
                if let Some(old) = private.own_key_arn.take() {
                    private.retired_key_arns.push(old);
                }
                key.to_owned()
            }
            None => {
                let token = api::creation_token();
                let tags = ctx.merged_tags(&known_map(&planned.tags));
                let new = match api::create_key(ctx, &name, &publishers, &tags, &token).await {
                    Ok(new) => new,
                    Err(api::CreateKeyError::Refused(e)) => return Err(e),
                    Err(api::CreateKeyError::Unknown { error, token }) => {
                        private.pending_key_tokens.push(token);
                        return Err(error);
                    }
                };
                if let Some(old) = private.own_key_arn.replace(new.clone()) {
                    private.retired_key_arns.push(old);
                }
                api::finish_key(ctx, &name, &new).await?;
                new
            }
        };
        if current.kms_key.as_deref() != Some(wanted_key.as_str()) {
            api::set_topic_attribute(ctx, &arn, "KmsMasterKeyId", &wanted_key).await?;
        }
        // Only now does the topic no longer need the old keys.
        self.clean_keys(ctx, &name, private).await?;

        let display = known(&planned.display_name).unwrap_or_default();
        if current.display_name.as_deref().unwrap_or_default() != display {
            api::set_topic_attribute(ctx, &arn, "DisplayName", display).await?;
        }
        let doc = policy::topic_policy(&arn, &account, &publishers);
        if current.policy.as_deref().and_then(policy::canonical_text)
            != Some(policy::canonical(&doc).to_string())
        {
            api::set_topic_attribute(ctx, &arn, "Policy", &doc.to_string()).await?;
        }
        api::sync_tags(
            ctx,
            &arn,
            &current.tags,
            &ctx.merged_tags(&known_map(&planned.tags)),
        )
        .await?;

        // Route: drop the old function's, then make sure the wanted one is whole.
        if let Some(old) = known(&prior.notifier_function_arn)
            .filter(|old| Some(*old) != known(&planned.notifier_function_arn))
        {
            if let Some(sub) = api::find_subscription(ctx, &arn, old).await? {
                api::unsubscribe(ctx, &sub).await?;
            }
            api::remove_permission(ctx, &name, old).await?;
        }
        if let Some(function) = known(&planned.notifier_function_arn) {
            if known(&prior.notifier_function_arn) != Some(function)
                && !check_notifier(ctx, diags, function, secret).await
            {
                return Err(Error::Invalid("see the notifier_function_arn error".into()));
            }
            api::ensure_permission(ctx, &arn, &name, &account, function).await?;
            api::subscribe(ctx, &arn, function).await?;
        }

        let mut state = planned.clone();
        state.arn = Value::Value(arn.clone());
        state.kms_key_arn = Value::Value(wanted_key);
        state.publishers = sorted_set(publishers);
        let fresh = self.read_back(ctx, state, private).await?;
        Ok(SlackAlarmTopicState {
            send_test_message: planned.send_test_message,
            webhook_secret_arn: planned.webhook_secret_arn.clone(),
            ..fresh
        })
    }

    /// Checks that need AWS and can run before apply: the given key's policy and the
    /// secret's existence (when their ARNs are known and new).
    async fn plan_time_checks(
        &self,
        diags: &mut Diagnostics,
        planned: &SlackAlarmTopicState,
        config: &SlackAlarmTopicState,
        prior: Option<&SlackAlarmTopicState>,
    ) {
        if !diags.errors.is_empty() {
            return;
        }
        let Ok(ctx) = self.aws.get() else { return };
        let publishers = planned.publishers_or_default();
        // Only a key the configuration gives: the resource's own key gets its policy
        // from the resource (rewritten at apply when the publishers change).
        if let Some(key) = known(&config.kms_key_arn) {
            // Checked again when the publishers change.
            let unchanged = prior.is_some_and(|p| {
                p.kms_key_arn == planned.kms_key_arn && p.publishers == planned.publishers
            });
            if !unchanged && check_kms_key_arn(key).is_ok() {
                check_key(&ctx, diags, key, &publishers).await;
            }
        }
        if let Some(secret) = known(&planned.webhook_secret_arn) {
            let unchanged =
                prior.is_some_and(|p| p.webhook_secret_arn == planned.webhook_secret_arn);
            if !unchanged && check_secret_arn(secret).is_ok() {
                check_secret(&ctx, diags, secret).await;
            }
        }
    }

    /// The state of an existing topic, from AWS alone.
    async fn import_state(
        &self,
        ctx: &AwsContext,
        arn: &str,
        name: &str,
    ) -> Result<Option<(SlackAlarmTopicState, Value<TopicPrivate>)>, Error> {
        let Some(topic) = api::get_topic(ctx, arn).await? else {
            return Ok(None);
        };
        let publishers = topic
            .policy
            .as_deref()
            .map(policy::publishers_in)
            .unwrap_or_default();
        // The notifier: the topic's Lambda subscription; its secret from the function's
        // WEBHOOK_SECRET_ARN (the module sets it), since the state must hold it.
        let subscriptions = api::lambda_subscriptions(ctx, arn).await?;
        let function = subscriptions.first().map(|(_, f)| f.clone());
        let secret = match &function {
            Some(f) => api::function_secret(ctx, f).await.ok().flatten(),
            None => None,
        };
        // The key is the resource's own when the topic uses the key of its alias.
        let own = api::own_key_of(ctx, name).await?;
        let private = TopicPrivate {
            own_key_arn: own.filter(|k| {
                topic
                    .kms_key
                    .as_deref()
                    .is_some_and(|t| t == k || k.ends_with(&format!("/{t}")))
            }),
            ..Default::default()
        };
        let state = SlackAlarmTopicState {
            id: Value::Value(arn.to_owned()),
            arn: Value::Value(arn.to_owned()),
            name: Value::Value(name.to_owned()),
            publishers: if publishers.is_empty() {
                Value::Null
            } else {
                sorted_set(publishers)
            },
            notifier_function_arn: function.into(),
            webhook_secret_arn: secret.into(),
            tags: Value::Null,
            ..Default::default()
        };
        let Some(fresh) = self.refresh(ctx, state, &private).await? else {
            return Ok(None);
        };
        Ok(Some((fresh, Value::Value(private))))
    }
}

fn private_of(private: &Value<TopicPrivate>) -> TopicPrivate {
    private.as_ref_option().cloned().unwrap_or_default()
}

// ---------------------------------------------------------------------------------
// The resource
// ---------------------------------------------------------------------------------

#[async_trait]
impl Resource for SlackAlarmTopicResource {
    type State<'a> = SlackAlarmTopicState;
    type PrivateState<'a> = Value<TopicPrivate>;
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
        let refreshed = self
            .refresh(&ctx, state.clone(), &private_of(&private))
            .await;
        read_result(
            diags,
            "Cannot read the Slack alarm topic",
            refreshed,
            state,
            private,
        )
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        config.check(diags);
        let mut planned = proposed;
        planned.id = Value::Unknown;
        planned.arn = Value::Unknown;
        planned.policy = Value::Unknown;
        planned.subscription_arn = if config.notifier_function_arn.is_null() {
            Value::Null
        } else {
            Value::Unknown
        };
        if config.kms_key_arn.is_null() {
            planned.kms_key_arn = Value::Unknown;
        }
        if config.publishers.is_null() {
            planned.publishers = sorted_set(planned.publishers_or_default());
        }
        planned.tags_all = plan_tags_all(&self.aws, &planned.tags);
        self.plan_time_checks(diags, &planned, &config, None).await;
        Some((planned, Value::Null))
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
        config.check(diags);
        let mut planned = proposed;
        let own_key = private_of(&prior_private).own_key_arn;
        let mut replace = Vec::new();
        if planned.name != prior.name {
            replace.push(AttributePath::new("name"));
        }
        if prior.arn.is_null() {
            // The topic is gone but keys of the resource remain: a new topic, and the
            // destroy of the old one deletes them.
            replace.push(AttributePath::new("arn"));
        }
        if config.kms_key_arn.is_null() {
            // Keep (or go back to) the resource's own key; a new one if it has none.
            planned.kms_key_arn = own_key.clone().map(Value::Value).unwrap_or(Value::Unknown);
        }
        if config.publishers.is_null() {
            planned.publishers = match &prior.publishers {
                Value::Value(_) => prior.publishers.clone(),
                _ => sorted_set(planned.publishers_or_default()),
            };
        }
        let arn = known(&prior.arn).map(str::to_owned);
        planned.policy = match (&arn, known_list(&planned.publishers)) {
            (Some(arn), Some(publishers)) if replace.is_empty() => {
                expected_policy(arn, &publishers)
                    .map(Value::Value)
                    .unwrap_or(Value::Unknown)
            }
            _ => Value::Unknown,
        };
        planned.subscription_arn = match &config.notifier_function_arn {
            Value::Null => Value::Null,
            _ if replace.is_empty()
                && planned.notifier_function_arn == prior.notifier_function_arn
                && prior.subscription_arn.is_value() =>
            {
                prior.subscription_arn.clone()
            }
            _ => Value::Unknown,
        };
        planned.tags_all = plan_tags_all(&self.aws, &planned.tags);
        if !replace.is_empty() {
            planned.id = Value::Unknown;
            planned.arn = Value::Unknown;
            if config.kms_key_arn.is_null() {
                planned.kms_key_arn = Value::Unknown;
            }
        }
        self.plan_time_checks(diags, &planned, &config, Some(&prior))
            .await;
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
        let ((state, private), ()) = finish(diags, "the Slack alarm topic", true, applied, ())?;
        Some((state, Value::Value(private)))
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
        let mut private = private_of(&private);
        let applied = match self
            .update_all(&ctx, diags, &prior, &planned, &mut private)
            .await
        {
            Ok(state) => Applied::Done(state),
            Err(e) => {
                // Whatever was applied stays applied: the state is what a refresh sees.
                let state = match self.refresh(&ctx, prior.clone(), &private).await {
                    Ok(Some(fresh)) => fresh,
                    _ => prior,
                };
                if !diags.errors.is_empty() {
                    // A check already reported the problem on its attribute.
                    return Some((state, Value::Value(private)));
                }
                Applied::failed(e, Some(state))
            }
        };
        finish(
            diags,
            "the Slack alarm topic",
            false,
            applied,
            Value::Value(private),
        )
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let ctx = self.ctx(diags)?;
        let mut private = private_of(&private);
        let name = known(&prior.name).unwrap_or_default().to_owned();
        let arn = known(&prior.arn)
            .or_else(|| known(&prior.id))
            .map(str::to_owned);
        let steps = async {
            if let Some(arn) = &arn {
                if let Some(function) = known(&prior.notifier_function_arn) {
                    if let Some(sub) = api::find_subscription(&ctx, arn, function).await? {
                        api::unsubscribe(&ctx, &sub).await?;
                    }
                    api::remove_permission(&ctx, &name, function).await?;
                }
                api::delete_topic(&ctx, arn).await?;
            }
            if let Some(own) = private.own_key_arn.take() {
                private.retired_key_arns.push(own);
            }
            self.clean_keys(&ctx, &name, &mut private).await
        };
        if let Err(e) = steps.await {
            report(diags, "Cannot destroy the Slack alarm topic", e);
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
        let Some(name) = Arn::of(&id, "sns").map(|a| a.resource.to_owned()) else {
            diags.root_error(
                crate::error::Code::InvalidConfiguration.tag("Invalid import id"),
                format!("{id:?} is not an SNS topic ARN: import with the topic ARN, e.g. terraform import opsdeck_slack_alarm_topic.alarms arn:aws:sns:us-east-1:123456789012:opsdeck-alarms"),
            );
            return None;
        };
        match self.import_state(&ctx, &id, &name).await {
            Ok(Some(found)) => Some(found),
            Ok(None) => {
                diags.root_error(
                    crate::error::Code::Gone.tag("Topic not found"),
                    format!("no SNS topic {id} in this account and region: check the ARN and the provider's region"),
                );
                None
            }
            Err(e) => {
                report(diags, "Cannot import the Slack alarm topic", e);
                None
            }
        }
    }
}
