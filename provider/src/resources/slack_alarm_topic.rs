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

mod api;
pub mod policy;

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, Block, Description, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use crate::aws::{AwsContext, SharedAws};
use crate::error::Error;
use crate::resources::common::{
    aws_context, check_tags, known, known_map, owned_tags, read_result, report,
};
use crate::schema::{computed, optional, optional_computed, required, string_map};

pub use api::{check_key_with, own_key_alias, statement_id, KeyProblem};

#[derive(Serialize, Deserialize, Debug, Default, Clone, PartialEq)]
pub struct SlackAlarmTopicState {
    pub id: Value<String>,
    pub arn: Value<String>,
    pub name: Value<String>,
    pub display_name: Value<String>,
    pub kms_key_arn: Value<String>,
    pub publishers: Value<Vec<Value<String>>>,
    pub webhook_secret_arn: Value<String>,
    pub notifier_function_arn: Value<String>,
    pub send_test_message: Value<bool>,
    pub tags: Value<BTreeMap<String, Value<String>>>,
    pub policy: Value<String>,
    pub subscription_arn: Value<String>,
}

/// Kept in the state's private data: the key this resource created (and so deletes).
#[derive(Serialize, Deserialize, Debug, Default, Clone, PartialEq)]
pub struct TopicPrivate {
    pub own_key_arn: Option<String>,
}

pub struct SlackAlarmTopicResource {
    aws: SharedAws,
}

impl SlackAlarmTopicResource {
    pub fn new(aws: SharedAws) -> Self {
        Self { aws }
    }
}

// ---------------------------------------------------------------------------------
// Validation (pure; every message names the attribute's fix)
// ---------------------------------------------------------------------------------

fn arn_parts(value: &str) -> Option<Vec<&str>> {
    let p: Vec<&str> = value.splitn(6, ':').collect();
    (p.len() == 6
        && p[0] == "arn"
        && p[1].starts_with("aws")
        && p[4].len() == 12
        && p[4].chars().all(|c| c.is_ascii_digit()))
    .then_some(p)
}

pub fn check_name(name: &str) -> Result<(), String> {
    if name.ends_with(".fifo") {
        return Err("FIFO topics cannot receive CloudWatch alarm or AWS Budgets notifications: use a standard topic name, without .fifo".into());
    }
    let ok = (1..=256).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!("{name:?} is not a valid SNS topic name: use 1 to 256 letters, digits, hyphens and underscores, e.g. \"opsdeck-prod-alarms\""))
    }
}

pub fn check_kms_key_arn(value: &str) -> Result<(), String> {
    if value.contains("alias/aws/") {
        return Err(format!(
            "{value:?} is an AWS managed key: CloudWatch alarms cannot publish to a topic encrypted with it (its policy cannot grant cloudwatch.amazonaws.com) and are dropped silently. Give a customer managed key whose policy lets the publishers use it, or leave kms_key_arn unset to let the resource create one."
        ));
    }
    let ok = arn_parts(value).is_some_and(|p| {
        p[2] == "kms"
            && (p[5].strip_prefix("key/").is_some_and(|k| !k.is_empty())
                || p[5].strip_prefix("alias/").is_some_and(|a| !a.is_empty()))
    });
    if ok {
        Ok(())
    } else {
        Err(format!("{value:?} is not a KMS key or alias ARN: give arn:aws:kms:REGION:ACCOUNT:key/KEY_ID (e.g. aws_kms_key.x.arn), or leave kms_key_arn unset"))
    }
}

/// Never echoes the value: a webhook URL pasted here by mistake must not be printed.
pub fn check_secret_arn(value: &str) -> Result<(), String> {
    if value.contains("://") || value.contains("hooks.slack.com") {
        return Err("this looks like a webhook URL, not a secret ARN. Never put the URL in Terraform configuration (it would be stored in the state): store it in a Secrets Manager secret and give the secret's ARN (aws_secretsmanager_secret.x.arn)".into());
    }
    let ok = arn_parts(value).is_some_and(|p| {
        p[2] == "secretsmanager" && p[5].strip_prefix("secret:").is_some_and(|n| !n.is_empty())
    });
    if ok {
        Ok(())
    } else {
        Err("the value is not a Secrets Manager secret ARN: give arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME (aws_secretsmanager_secret.x.arn)".into())
    }
}

pub fn check_function_arn(value: &str) -> Result<(), String> {
    let ok = arn_parts(value).is_some_and(|p| {
        p[2] == "lambda"
            && p[5]
                .strip_prefix("function:")
                .is_some_and(|n| !n.is_empty())
    });
    if ok {
        Ok(())
    } else {
        Err(format!("{value:?} is not a Lambda function ARN: give arn:aws:lambda:REGION:ACCOUNT:function:NAME (module.slack_notifier.function_arn)"))
    }
}

pub fn check_publishers(publishers: &[String]) -> Result<(), String> {
    let known: Vec<&str> = policy::PUBLISHERS.iter().map(|(p, _)| *p).collect();
    if publishers.is_empty() {
        return Err(format!(
            "publishers is empty: nobody could publish to the topic. List at least one of {}",
            known.join(", ")
        ));
    }
    let unknown: Vec<&String> = publishers
        .iter()
        .filter(|p| !known.contains(&p.as_str()))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "unknown publisher(s) {unknown:?}: use {}",
            known.join(", ")
        ))
    }
}

fn known_list(v: &Value<Vec<Value<String>>>) -> Option<Vec<String>> {
    let items = v.as_ref_option()?;
    items.iter().map(|i| i.as_ref_option().cloned()).collect()
}

fn sorted_list(items: &[String]) -> Value<Vec<Value<String>>> {
    let mut v = items.to_vec();
    v.sort();
    v.dedup();
    Value::Value(v.into_iter().map(Value::Value).collect())
}

impl SlackAlarmTopicState {
    /// Every problem of the known values, on its attribute.
    pub fn check(&self, diags: &mut Diagnostics) {
        let mut fail = |attr: &'static str, summary: &'static str, problem: String| {
            diags.error(summary, problem, AttributePath::new(attr))
        };
        if let Some(name) = known(&self.name) {
            if let Err(e) = check_name(name) {
                fail("name", "Invalid topic name", e);
            }
        }
        if let Some(key) = known(&self.kms_key_arn) {
            if let Err(e) = check_kms_key_arn(key) {
                fail("kms_key_arn", "Unusable KMS key", e);
            }
        }
        if let Some(secret) = known(&self.webhook_secret_arn) {
            if let Err(e) = check_secret_arn(secret) {
                fail("webhook_secret_arn", "Invalid webhook_secret_arn", e);
            }
        }
        if let Some(function) = known(&self.notifier_function_arn) {
            if let Err(e) = check_function_arn(function) {
                fail("notifier_function_arn", "Invalid notifier_function_arn", e);
            }
        }
        if self.notifier_function_arn.is_value() && self.webhook_secret_arn.is_null() {
            fail(
                "webhook_secret_arn",
                "Missing webhook_secret_arn",
                "notifier_function_arn is set, so webhook_secret_arn is required: give the ARN of the Secrets Manager secret that holds the Slack webhook URL (the same secret the notifier reads)".into(),
            );
        }
        if let Some(publishers) = known_list(&self.publishers) {
            if let Err(e) = check_publishers(&publishers) {
                fail("publishers", "Invalid publishers", e);
            }
        }
        check_tags(&self.tags, diags);
    }

    fn publishers_or_default(&self) -> Vec<String> {
        known_list(&self.publishers).unwrap_or_else(|| {
            policy::DEFAULT_PUBLISHERS
                .iter()
                .map(|s| (*s).to_owned())
                .collect()
        })
    }
}

// ---------------------------------------------------------------------------------
// AWS-side helpers shared by plan and apply
// ---------------------------------------------------------------------------------

/// Key check with the problem reported on `kms_key_arn`. `Some(arn)` when usable.
async fn check_key(
    ctx: &AwsContext,
    diags: &mut Diagnostics,
    key: &str,
    publishers: &[String],
) -> Option<String> {
    match api::check_key(ctx, key, publishers).await {
        Ok(arn) => Some(arn),
        Err(api::KeyProblem::Policy(text)) => {
            diags.error(
                "KMS key policy does not let the publishers use the key",
                text,
                AttributePath::new("kms_key_arn"),
            );
            None
        }
        Err(api::KeyProblem::Unusable(text)) => {
            diags.error("Unusable KMS key", text, AttributePath::new("kms_key_arn"));
            None
        }
        Err(api::KeyProblem::Call(e)) => {
            diags.error(
                "Cannot check the KMS key",
                e.to_string(),
                AttributePath::new("kms_key_arn"),
            );
            None
        }
    }
}

async fn check_secret(ctx: &AwsContext, diags: &mut Diagnostics, arn: &str) -> bool {
    match api::check_secret(ctx, arn).await {
        Ok(()) => true,
        Err(e) => {
            diags.error(
                "Webhook secret not usable",
                e.to_string(),
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
                "Notifier reads another webhook secret",
                format!("{function} reads its webhook from {theirs} (WEBHOOK_SECRET_ARN), not from webhook_secret_arn; messages go to that secret's channel. Point both at the same secret."),
                AttributePath::new("notifier_function_arn"),
            );
            true
        }
        Ok(_) => true,
        Err(e) => {
            diags.error(
                "Notifier function not usable",
                e.to_string(),
                AttributePath::new("notifier_function_arn"),
            );
            false
        }
    }
}

/// The expected topic policy's canonical JSON.
fn expected_policy(topic_arn: &str, publishers: &[String]) -> Option<String> {
    let (_, account, _) = api::split_topic_arn(topic_arn)?;
    Some(policy::canonical(&policy::topic_policy(topic_arn, account, publishers)).to_string())
}

impl SlackAlarmTopicResource {
    fn ctx(&self, diags: &mut Diagnostics) -> Option<std::sync::Arc<AwsContext>> {
        aws_context(&self.aws, diags)
    }

    /// Refreshes `state` from AWS. `None` when the topic is gone.
    async fn refresh(
        &self,
        ctx: &AwsContext,
        mut state: SlackAlarmTopicState,
    ) -> Result<Option<SlackAlarmTopicState>, Error> {
        let Some(arn) = known(&state.arn)
            .or_else(|| known(&state.id))
            .map(str::to_owned)
        else {
            return Ok(None);
        };
        let Some(topic) = api::get_topic(ctx, &arn).await? else {
            return Ok(None);
        };
        let Some((_, _, name)) = api::split_topic_arn(&arn) else {
            return Err(Error::Invalid(format!("{arn} is not an SNS topic ARN")));
        };
        state.id = Value::Value(arn.clone());
        state.arn = Value::Value(arn.clone());
        state.name = Value::Value(name.to_owned());
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
        state.tags = owned_tags(ctx, &topic.tags, &state.tags);
        // The route: subscription to the notifier plus its invoke permission. Either
        // missing → subscription_arn null, which the next plan repairs.
        state.subscription_arn = match known(&state.notifier_function_arn) {
            None => Value::Null,
            Some(function) => {
                let sub = api::find_subscription(ctx, &arn, function).await?;
                let allowed = api::has_permission(ctx, name, &arn, function).await?;
                match sub {
                    Some(s) if allowed => Value::Value(s),
                    _ => Value::Null,
                }
            }
        };
        Ok(Some(state))
    }

    /// Create, cleaning up on failure so that no half-made topic or key is left behind.
    async fn create_all(
        &self,
        ctx: &AwsContext,
        diags: &mut Diagnostics,
        planned: &SlackAlarmTopicState,
    ) -> Option<(SlackAlarmTopicState, TopicPrivate)> {
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
            Some(key) => {
                check_key(ctx, diags, key, &publishers).await?;
                key.to_owned()
            }
            None => match api::create_own_key(ctx, &name, &publishers, &tags).await {
                Ok(arn) => {
                    private.own_key_arn = Some(arn.clone());
                    arn
                }
                Err(e) => {
                    report(diags, "Cannot create the topic's KMS key", e);
                    return None;
                }
            },
        };
        let undo_key = |private: TopicPrivate| {
            let name = name.clone();
            async move {
                if let Some(k) = private.own_key_arn {
                    let _ = api::retire_own_key(ctx, &name, &k).await;
                }
            }
        };
        let arn =
            match api::create_topic(ctx, &name, &key, known(&planned.display_name), &tags).await {
                Ok(arn) => arn,
                Err(e) => {
                    undo_key(private).await;
                    report(diags, "Cannot create the SNS topic", e);
                    return None;
                }
            };
        let rest = async {
            let (_, account, _) = api::split_topic_arn(&arn)
                .ok_or_else(|| Error::Invalid(format!("unexpected topic ARN {arn}")))?;
            let doc = policy::topic_policy(&arn, account, &publishers);
            api::set_topic_attribute(ctx, &arn, "Policy", &doc.to_string()).await?;
            let mut subscription = None;
            if let Some(function) = &function {
                api::ensure_permission(ctx, &arn, &name, account, function).await?;
                subscription = Some(api::subscribe(ctx, &arn, function).await?);
            }
            if planned.send_test_message.as_ref_option() == Some(&true) {
                api::publish_test(ctx, &arn).await?;
            }
            Ok::<_, Error>(subscription)
        }
        .await;
        if let Err(e) = rest {
            if let Some(function) = &function {
                let _ = api::remove_permission(ctx, &name, function).await;
            }
            let _ = api::delete_topic(ctx, &arn).await;
            undo_key(private).await;
            report(diags, "Cannot set up the SNS topic", e);
            return None;
        }
        let mut state = planned.clone();
        state.id = Value::Value(arn.clone());
        state.arn = Value::Value(arn.clone());
        state.kms_key_arn = Value::Value(key);
        state.publishers = sorted_list(&publishers);
        match self.refresh(ctx, state).await {
            Ok(Some(mut fresh)) => {
                // What the configuration said, not what a refresh can see.
                fresh.send_test_message = planned.send_test_message;
                fresh.webhook_secret_arn = planned.webhook_secret_arn.clone();
                Some((fresh, private))
            }
            Ok(None) => {
                diags.root_error(
                    "Topic vanished",
                    format!("{arn} was created but cannot be read back"),
                );
                None
            }
            Err(e) => {
                report(diags, "Cannot read the created topic", e);
                None
            }
        }
    }
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
        let publishers_doc = format!(
            "Who may publish: any of {}. Each gets `sns:Publish` on this topic for this account only (`aws:SourceAccount`), and must be allowed to use the KMS key. Default: `[\"budgets\", \"cloudwatch\", \"events\"]`.",
            policy::PUBLISHERS.iter().map(|(p, _)| format!("`{p}`")).collect::<Vec<_>>().join(", ")
        );
        Some(Schema {
            version: 1,
            block: Block {
                description: Description::markdown(
                    "An SNS topic that CloudWatch alarms, AWS Budgets and EventBridge rules publish to, encrypted with a customer managed KMS key that lets them, and routed to Slack through the opsdeck Slack notifier Lambda. The webhook URL stays in Secrets Manager and never enters the state.",
                ),
                attributes: HashMap::from([
                    ("id".to_owned(), computed(AttributeType::String, "The topic ARN.")),
                    ("arn".to_owned(), computed(AttributeType::String, "The topic ARN: use it as the alarm action.")),
                    ("name".to_owned(), required(AttributeType::String, "Topic name (a standard topic; changing it replaces the topic).")),
                    ("display_name".to_owned(), optional(AttributeType::String, "Display name of the topic.")),
                    (
                        "kms_key_arn".to_owned(),
                        optional_computed(
                            AttributeType::String,
                            "Customer managed KMS key (or alias) ARN that encrypts the topic. Its policy must let each publisher use it (`kms:Decrypt`, `kms:GenerateDataKey*`); checked at plan time when known, and refused with the statement to add. Unset: the resource creates a key (alias `alias/opsdeck/sns/<name>`, rotation on) and schedules its deletion on destroy.",
                        ),
                    ),
                    ("publishers".to_owned(), optional_computed(AttributeType::Set(Box::new(AttributeType::String)), &publishers_doc)),
                    (
                        "webhook_secret_arn".to_owned(),
                        optional(AttributeType::String, "ARN of the Secrets Manager secret that holds the Slack webhook URL (the secret the notifier reads). Checked to exist at plan (when known) and apply; its value is never read. Required with `notifier_function_arn`."),
                    ),
                    (
                        "notifier_function_arn".to_owned(),
                        optional(AttributeType::String, "ARN of the Slack notifier function (`modules/slack-notifier`): the topic subscribes it and lets SNS invoke it."),
                    ),
                    (
                        "send_test_message".to_owned(),
                        optional(AttributeType::Bool, "Publish a test notification when the topic is created, so the channel sees that the route works."),
                    ),
                    ("tags".to_owned(), optional(string_map(), "Tags of the topic (and of the key the resource creates); the provider's `default_tags` are added.")),
                    ("policy".to_owned(), computed(AttributeType::String, "The topic policy in effect (canonical JSON). Drift shows here and is repaired on apply.")),
                    (
                        "subscription_arn".to_owned(),
                        computed(AttributeType::String, "ARN of the notifier's subscription. Null after refresh when the subscription or the invoke permission is missing; the next apply repairs it."),
                    ),
                ]),
                ..Default::default()
            },
        })
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
            planned.publishers = sorted_list(&planned.publishers_or_default());
        }
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
        let own_key = prior_private
            .as_ref_option()
            .and_then(|p| p.own_key_arn.clone());
        let mut replace = Vec::new();
        if planned.name != prior.name {
            replace.push(AttributePath::new("name"));
        }
        if config.kms_key_arn.is_null() {
            // Keep (or go back to) the resource's own key; a new one if it has none.
            planned.kms_key_arn = own_key.clone().map(Value::Value).unwrap_or(Value::Unknown);
        }
        if config.publishers.is_null() {
            planned.publishers = match &prior.publishers {
                Value::Value(_) => prior.publishers.clone(),
                _ => sorted_list(&planned.publishers_or_default()),
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
        if !replace.is_empty() {
            planned.id = Value::Unknown;
            planned.arn = Value::Unknown;
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
        let (state, private) = self.create_all(&ctx, diags, &planned).await?;
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
        let mut private = private.as_ref_option().cloned().unwrap_or_default();
        match self
            .update_all(&ctx, diags, &prior, &planned, &mut private)
            .await
        {
            Ok(state) => Some((state, Value::Value(private))),
            Err(e) => {
                report(diags, "Cannot update the Slack alarm topic", e);
                // Whatever was applied stays applied; the next refresh sees it.
                match self.refresh(&ctx, prior.clone()).await {
                    Ok(Some(fresh)) => Some((fresh, Value::Value(private))),
                    _ => Some((prior, Value::Value(private))),
                }
            }
        }
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let ctx = self.ctx(diags)?;
        let Some(arn) = known(&prior.arn)
            .or_else(|| known(&prior.id))
            .map(str::to_owned)
        else {
            return Some(());
        };
        let name = api::split_topic_arn(&arn)
            .map(|(_, _, n)| n.to_owned())
            .unwrap_or_default();
        let steps = async {
            if let Some(function) = known(&prior.notifier_function_arn) {
                if let Some(sub) = api::find_subscription(&ctx, &arn, function).await? {
                    api::unsubscribe(&ctx, &sub).await?;
                }
                api::remove_permission(&ctx, &name, function).await?;
            }
            api::delete_topic(&ctx, &arn).await?;
            if let Some(key) = private.as_ref_option().and_then(|p| p.own_key_arn.clone()) {
                api::retire_own_key(&ctx, &name, &key).await?;
            }
            Ok::<_, Error>(())
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
        let Some((_, _, name)) = api::split_topic_arn(&id) else {
            diags.root_error(
                "Invalid import id",
                format!("{id:?} is not an SNS topic ARN: import with the topic ARN, e.g. terraform import opsdeck_slack_alarm_topic.alarms arn:aws:sns:us-east-1:123456789012:opsdeck-alarms"),
            );
            return None;
        };
        match self.import_state(&ctx, &id, name).await {
            Ok(Some(found)) => Some(found),
            Ok(None) => {
                diags.root_error(
                    "Topic not found",
                    format!("no SNS topic {id} in this account and region"),
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

impl SlackAlarmTopicResource {
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

    async fn update_all(
        &self,
        ctx: &AwsContext,
        diags: &mut Diagnostics,
        prior: &SlackAlarmTopicState,
        planned: &SlackAlarmTopicState,
        private: &mut TopicPrivate,
    ) -> Result<SlackAlarmTopicState, Error> {
        let arn = known(&prior.arn)
            .ok_or_else(|| Error::Invalid("the state has no topic ARN".into()))?
            .to_owned();
        let (_, account, name) = api::split_topic_arn(&arn)
            .ok_or_else(|| Error::Invalid(format!("{arn} is not an SNS topic ARN")))?;
        let (account, name) = (account.to_owned(), name.to_owned());
        let publishers = planned.publishers_or_default();
        let secret = known(&planned.webhook_secret_arn);
        if let Some(secret) = secret {
            if !check_secret(ctx, diags, secret).await {
                return Err(Error::Invalid("see the webhook_secret_arn error".into()));
            }
        }
        let current = api::get_topic(ctx, &arn).await?.ok_or_else(|| {
            Error::Invalid(format!(
                "the topic {arn} no longer exists; refresh and apply again to recreate it"
            ))
        })?;

        // Key: the given one (checked), or the resource's own (created if needed).
        let wanted_key = match known(&planned.kms_key_arn) {
            Some(key) if private.own_key_arn.as_deref() == Some(key) => {
                if prior.publishers != planned.publishers {
                    api::update_own_key_policy(ctx, key, &publishers).await?;
                }
                key.to_owned()
            }
            Some(key) => {
                if check_key(ctx, diags, key, &publishers).await.is_none() {
                    return Err(Error::Invalid("see the kms_key_arn error".into()));
                }
                key.to_owned()
            }
            None => {
                api::create_own_key(
                    ctx,
                    &name,
                    &publishers,
                    &ctx.merged_tags(&known_map(&planned.tags)),
                )
                .await?
            }
        };
        if current.kms_key.as_deref() != Some(wanted_key.as_str()) {
            api::set_topic_attribute(ctx, &arn, "KmsMasterKeyId", &wanted_key).await?;
        }
        if let Some(old) = private.own_key_arn.clone().filter(|k| *k != wanted_key) {
            api::retire_own_key(ctx, &name, &old).await?;
            private.own_key_arn = None;
        }
        if known(&planned.kms_key_arn).is_none() {
            private.own_key_arn = Some(wanted_key.clone());
        }

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
        state.kms_key_arn = Value::Value(wanted_key);
        state.publishers = sorted_list(&publishers);
        let fresh = self
            .refresh(ctx, state)
            .await?
            .ok_or_else(|| Error::Invalid(format!("{arn} vanished during the update")))?;
        Ok(SlackAlarmTopicState {
            send_test_message: planned.send_test_message,
            webhook_secret_arn: planned.webhook_secret_arn.clone(),
            ..fresh
        })
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
        };
        let state = SlackAlarmTopicState {
            id: Value::Value(arn.to_owned()),
            arn: Value::Value(arn.to_owned()),
            name: Value::Value(name.to_owned()),
            publishers: if publishers.is_empty() {
                Value::Null
            } else {
                sorted_list(&publishers)
            },
            notifier_function_arn: function.into(),
            webhook_secret_arn: secret.into(),
            tags: Value::Null,
            ..Default::default()
        };
        let Some(fresh) = self.refresh(ctx, state).await? else {
            return Ok(None);
        };
        Ok(Some((fresh, Value::Value(private))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(state: &SlackAlarmTopicState) -> Vec<String> {
        let mut diags = Diagnostics::default();
        state.check(&mut diags);
        diags
            .errors
            .iter()
            .map(|d| format!("{:?}: {}", d.attribute, d.detail))
            .collect()
    }

    fn s(v: &str) -> Value<String> {
        Value::Value(v.to_owned())
    }

    #[test]
    fn the_aws_managed_sns_key_is_refused_at_validation() {
        let state = SlackAlarmTopicState {
            name: s("alarms"),
            kms_key_arn: s("arn:aws:kms:us-east-1:123456789012:alias/aws/sns"),
            ..Default::default()
        };
        let e = errors(&state);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].contains("kms_key_arn") && e[0].contains("dropped silently"),
            "{e:?}"
        );
    }

    #[test]
    fn a_webhook_url_in_place_of_the_secret_arn_is_refused_without_echoing_it() {
        let state = SlackAlarmTopicState {
            name: s("alarms"),
            webhook_secret_arn: s("https://hooks.slack.com/services/T0/B0/sekr1t"),
            ..Default::default()
        };
        let e = errors(&state).join("\n");
        assert!(
            e.contains("webhook_secret_arn") && e.contains("Secrets Manager"),
            "{e}"
        );
        assert!(!e.contains("sekr1t"), "{e}");
    }

    #[test]
    fn each_bad_value_is_reported_on_its_attribute() {
        let state = SlackAlarmTopicState {
            name: s("alarms.fifo"),
            notifier_function_arn: s("my-function"),
            publishers: Value::Value(vec![s("cloudwatch"), s("sqs")]),
            tags: Value::Value(BTreeMap::from([("aws:reserved".to_owned(), s("x"))])),
            ..Default::default()
        };
        let e = errors(&state).join("\n");
        for attr in [
            "name",
            "notifier_function_arn",
            "webhook_secret_arn",
            "publishers",
            "tags",
        ] {
            assert!(
                e.contains(&format!("Attribute(\"{attr}\")")),
                "no error on {attr} in {e}"
            );
        }
        for needle in ["FIFO", "notifier_function_arn is set", "\"sqs\""] {
            assert!(e.contains(needle), "{needle} not in {e}");
        }
    }

    #[test]
    fn unknown_values_are_not_errors() {
        let state = SlackAlarmTopicState {
            name: s("alarms"),
            kms_key_arn: Value::Unknown,
            webhook_secret_arn: Value::Unknown,
            notifier_function_arn: Value::Unknown,
            publishers: Value::Unknown,
            ..Default::default()
        };
        assert!(errors(&state).is_empty());
    }

    #[test]
    fn good_arns_pass() {
        assert!(check_kms_key_arn(
            "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        )
        .is_ok());
        assert!(check_kms_key_arn("arn:aws:kms:ap-northeast-1:123456789012:alias/opsdeck").is_ok());
        assert!(check_kms_key_arn("1234abcd-12ab-34cd-56ef-1234567890ab").is_err());
        assert!(check_secret_arn(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:slack-AbCdEf"
        )
        .is_ok());
        assert!(
            check_function_arn("arn:aws:lambda:us-east-1:123456789012:function:notifier").is_ok()
        );
        assert!(check_function_arn("arn:aws:lambda:us-east-1:123456789012:layer:x").is_err());
    }

    #[test]
    fn the_expected_policy_is_canonical_and_scoped() {
        let text = expected_policy(
            "arn:aws:sns:us-east-1:123456789012:alarms",
            &["cloudwatch".to_owned()],
        )
        .unwrap();
        assert_eq!(
            policy::canonical_text(&text).as_deref(),
            Some(text.as_str())
        );
        assert!(
            text.contains("\"aws:SourceAccount\":\"123456789012\""),
            "{text}"
        );
        assert!(!policy::has_public_principal(&text));
    }
}
