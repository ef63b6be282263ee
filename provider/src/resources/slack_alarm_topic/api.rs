//! The AWS calls of `opsdeck_slack_alarm_topic`. Each error names the call; the
//! resource attaches it to the attribute it concerns.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_sns::error::ProvideErrorMetadata;
use serde_json::json;

use super::policy;
use crate::aws::AwsContext;
use crate::error::{Error, Result};

/// What GetTopicAttributes and ListTagsForResource say about a topic.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Topic {
    pub arn: String,
    pub display_name: Option<String>,
    pub kms_key: Option<String>,
    pub policy: Option<String>,
    pub tags: BTreeMap<String, String>,
}

fn code<E: ProvideErrorMetadata>(e: &E) -> &str {
    e.code().unwrap_or_default()
}

/// The topic, or `None` when it no longer exists.
pub async fn get_topic(ctx: &AwsContext, arn: &str) -> Result<Option<Topic>> {
    let sns = ctx.sns();
    let attrs = match sns.get_topic_attributes().topic_arn(arn).send().await {
        Ok(out) => out.attributes().cloned().unwrap_or_default(),
        Err(e) if matches!(code(&e), "NotFound" | "NotFoundException") => return Ok(None),
        Err(e) => return Err(Error::aws("sns", "GetTopicAttributes", e)),
    };
    let tags = sns
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| Error::aws("sns", "ListTagsForResource", e))?
        .tags()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect();
    let non_empty = |k: &str| attrs.get(k).filter(|v| !v.is_empty()).cloned();
    Ok(Some(Topic {
        arn: arn.to_owned(),
        display_name: non_empty("DisplayName"),
        kms_key: non_empty("KmsMasterKeyId"),
        policy: non_empty("Policy"),
        tags,
    }))
}

pub async fn create_topic(
    ctx: &AwsContext,
    name: &str,
    kms_key: &str,
    display_name: Option<&str>,
    tags: &BTreeMap<String, String>,
) -> Result<String> {
    let mut attributes = HashMap::from([("KmsMasterKeyId".to_owned(), kms_key.to_owned())]);
    if let Some(d) = display_name {
        attributes.insert("DisplayName".to_owned(), d.to_owned());
    }
    let mut request = ctx
        .sns()
        .create_topic()
        .name(name)
        .set_attributes(Some(attributes));
    for (k, v) in tags {
        let tag = aws_sdk_sns::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
            .map_err(|e| Error::Internal(format!("tag {k}: {e}")))?;
        request = request.tags(tag);
    }
    let out = request
        .send()
        .await
        .map_err(|e| Error::aws("sns", "CreateTopic", e))?;
    out.topic_arn()
        .map(str::to_owned)
        .ok_or_else(|| Error::Internal("CreateTopic returned no TopicArn".into()))
}

pub async fn set_topic_attribute(
    ctx: &AwsContext,
    arn: &str,
    name: &str,
    value: &str,
) -> Result<()> {
    ctx.sns()
        .set_topic_attributes()
        .topic_arn(arn)
        .attribute_name(name)
        .attribute_value(value)
        .send()
        .await
        .map_err(|e| Error::aws("sns", "SetTopicAttributes", e))?;
    Ok(())
}

/// Makes the topic's tags exactly `wanted`.
pub async fn sync_tags(
    ctx: &AwsContext,
    arn: &str,
    current: &BTreeMap<String, String>,
    wanted: &BTreeMap<String, String>,
) -> Result<()> {
    let sns = ctx.sns();
    let diff = crate::resources::common::tag_diff(current, wanted);
    if !diff.remove.is_empty() {
        sns.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(diff.remove))
            .send()
            .await
            .map_err(|e| Error::aws("sns", "UntagResource", e))?;
    }
    if !diff.set.is_empty() {
        let mut request = sns.tag_resource().resource_arn(arn);
        for (k, v) in &diff.set {
            let tag = aws_sdk_sns::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| Error::Internal(format!("tag {k}: {e}")))?;
            request = request.tags(tag);
        }
        request
            .send()
            .await
            .map_err(|e| Error::aws("sns", "TagResource", e))?;
    }
    Ok(())
}

pub async fn delete_topic(ctx: &AwsContext, arn: &str) -> Result<()> {
    match ctx.sns().delete_topic().topic_arn(arn).send().await {
        Ok(_) => Ok(()),
        Err(e) if matches!(code(&e), "NotFound" | "NotFoundException") => Ok(()),
        Err(e) => Err(Error::aws("sns", "DeleteTopic", e)),
    }
}

/// The route test the notifier formats as "opsdeck test notification".
pub async fn publish_test(ctx: &AwsContext, arn: &str) -> Result<()> {
    let message = json!({
        "opsdeck": "test/v1",
        "topic_arn": arn,
        "text": "Sent by opsdeck_slack_alarm_topic (send_test_message = true) when the topic was created."
    });
    ctx.sns()
        .publish()
        .topic_arn(arn)
        .subject("opsdeck test notification")
        .message(message.to_string())
        .send()
        .await
        .map_err(|e| Error::aws("sns", "Publish", e))?;
    Ok(())
}

// ---------------------------------------------------------------------------------
// KMS
// ---------------------------------------------------------------------------------

/// Why a given key cannot encrypt the topic.
#[derive(Debug)]
pub enum KeyProblem {
    /// The key's policy lacks statements; the text names them and shows them.
    Policy(String),
    /// Not usable at all (AWS-managed, disabled, pending deletion, not found ...).
    Unusable(String),
    Call(Error),
}

/// Resolves `key` (key or alias ARN) and checks that its policy lets `publishers`
/// use it. Returns the key's ARN.
pub async fn check_key(
    ctx: &AwsContext,
    key: &str,
    publishers: &[String],
) -> std::result::Result<String, KeyProblem> {
    check_key_with(&ctx.kms(), key, publishers).await
}

/// [`check_key`] with a given KMS client (the key's region may not be the provider's).
pub async fn check_key_with(
    kms: &aws_sdk_kms::Client,
    key: &str,
    publishers: &[String],
) -> std::result::Result<String, KeyProblem> {
    let meta = match kms.describe_key().key_id(key).send().await {
        Ok(out) => out.key_metadata().cloned(),
        Err(e) if code(&e) == "NotFoundException" => {
            return Err(KeyProblem::Unusable(format!("the KMS key {key} does not exist in this account and region: create it, or leave kms_key_arn unset to let the resource create one")))
        }
        Err(e) => return Err(KeyProblem::Call(Error::aws("kms", "DescribeKey", e))),
    };
    let Some(meta) = meta else {
        return Err(KeyProblem::Unusable(format!(
            "DescribeKey returned nothing for {key}"
        )));
    };
    if meta.key_manager() == Some(&aws_sdk_kms::types::KeyManagerType::Aws) {
        return Err(KeyProblem::Unusable(format!(
            "{key} is an AWS managed key (such as alias/aws/sns). Its policy cannot be changed to let cloudwatch.amazonaws.com use it, so CloudWatch alarms sent to the topic would be dropped silently. Use a customer managed key, or leave kms_key_arn unset to let the resource create one."
        )));
    }
    if let Some(state) = meta.key_state() {
        if *state != aws_sdk_kms::types::KeyState::Enabled {
            return Err(KeyProblem::Unusable(format!("the KMS key {key} is {}: SNS cannot encrypt with it. Enable it or give another key.", state.as_str())));
        }
    }
    let key_arn = meta.arn().unwrap_or(key).to_owned();
    let text = kms
        .get_key_policy()
        .key_id(meta.key_id())
        .policy_name("default")
        .send()
        .await
        .map_err(|e| KeyProblem::Call(Error::aws("kms", "GetKeyPolicy", e)))?
        .policy()
        .unwrap_or_default()
        .to_owned();
    let missing = policy::check_key_policy(&text, publishers).map_err(KeyProblem::Unusable)?;
    if missing.is_empty() {
        Ok(key_arn)
    } else {
        Err(KeyProblem::Policy(policy::describe_missing(
            &key_arn, &missing,
        )))
    }
}

/// The alias of the key the resource creates for topic `name`; how import finds it.
pub fn own_key_alias(name: &str) -> String {
    format!("alias/opsdeck/sns/{name}")
}

/// The tag that finds a key whose CreateKey got no answer: a fresh random value per
/// attempt to create a key.
pub const CREATION_TOKEN_TAG: &str = "opsdeck:creation-token";

/// A new creation token: 128 random bits, hex.
pub fn creation_token() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::getrandom(&mut bytes).is_err() {
        // No OS randomness: time and pid still make it unique enough for one account.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        bytes = (now ^ u128::from(std::process::id()) << 64).to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The account and partition of the caller, for the key policy.
pub async fn caller(ctx: &AwsContext) -> Result<(String, String)> {
    let who = ctx
        .sts()
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| Error::aws("sts", "GetCallerIdentity", e))?;
    let account = who.account().unwrap_or_default().to_owned();
    let partition = who
        .arn()
        .and_then(|a| a.split(':').nth(1))
        .unwrap_or("aws")
        .to_owned();
    Ok((account, partition))
}

/// Why the topic's own key could not be created.
#[derive(Debug)]
pub enum CreateKeyError {
    /// AWS refused: no key exists.
    Refused(Error),
    /// No answer, and the key could not be found: it may exist, tagged with the token.
    Unknown { error: Error, token: String },
}

/// Creates the topic's own key: customer managed, with the policy of
/// [`policy::own_key_policy`], tagged with the creation token.
///
/// CreateKey is not idempotent: an SDK retry after a lost answer would make a second
/// key. So this call is never retried blindly: after an answer that may hide a created
/// key, the key is looked up by its creation token (Resource Groups Tagging API); only
/// when it is not there is CreateKey sent again, with the same token.
pub async fn create_key(
    ctx: &AwsContext,
    name: &str,
    publishers: &[String],
    tags: &BTreeMap<String, String>,
    token: &str,
) -> std::result::Result<String, CreateKeyError> {
    let (account, partition) = caller(ctx).await.map_err(CreateKeyError::Refused)?;
    let kms = ctx.kms();
    let mut last = None;
    for attempt in 0..3 {
        ctx.check_cancelled("creating the topic's KMS key")
            .map_err(|error| CreateKeyError::Unknown {
                error,
                token: token.to_owned(),
            })?;
        let mut request = kms
            .create_key()
            .description(format!(
                "opsdeck_slack_alarm_topic {name}: encrypts the SNS topic; lets its publishers use it"
            ))
            .policy(policy::own_key_policy(&partition, &account, publishers).to_string())
            .tags(kms_tag(CREATION_TOKEN_TAG, token).map_err(CreateKeyError::Refused)?);
        for (k, v) in tags {
            request = request.tags(kms_tag(k, v).map_err(CreateKeyError::Refused)?);
        }
        let sent = request
            .customize()
            .config_override(
                aws_sdk_kms::config::Builder::default()
                    .retry_config(aws_config::retry::RetryConfig::disabled()),
            )
            .send()
            .await;
        let error = match sent {
            Ok(out) => {
                let meta = out.key_metadata().ok_or_else(|| CreateKeyError::Unknown {
                    error: Error::Internal("CreateKey returned no key metadata".into()),
                    token: token.to_owned(),
                })?;
                return Ok(meta.arn().unwrap_or(meta.key_id()).to_owned());
            }
            Err(e) => Error::aws("kms", "CreateKey", e),
        };
        if !error.is_ambiguous() {
            return Err(CreateKeyError::Refused(error));
        }
        match keys_with_token(ctx, token).await {
            Ok(found) if !found.is_empty() => return Ok(found[0].clone()),
            Ok(_) => {
                tracing::debug!(
                    attempt,
                    "CreateKey failed without an answer and made no key; sending it again"
                );
                last = Some(error);
                let _ = ctx
                    .pause(
                        std::time::Duration::from_millis(200 << attempt),
                        "creating the topic's KMS key",
                    )
                    .await;
            }
            Err(_) => {
                return Err(CreateKeyError::Unknown {
                    error,
                    token: token.to_owned(),
                })
            }
        }
    }
    Err(CreateKeyError::Unknown {
        error: last.unwrap_or_else(|| Error::Internal("CreateKey was not sent".into())),
        token: token.to_owned(),
    })
}

fn kms_tag(k: &str, v: &str) -> Result<aws_sdk_kms::types::Tag> {
    aws_sdk_kms::types::Tag::builder()
        .tag_key(k)
        .tag_value(v)
        .build()
        .map_err(|e| Error::Internal(format!("tag {k}: {e}")))
}

/// The ARNs of the keys tagged with a creation token (normally none or one).
pub async fn keys_with_token(ctx: &AwsContext, token: &str) -> Result<Vec<String>> {
    let filter = aws_sdk_resourcegroupstagging::types::TagFilter::builder()
        .key(CREATION_TOKEN_TAG)
        .values(token)
        .build();
    let out = ctx
        .tagging(None)
        .get_resources()
        .tag_filters(filter)
        .resource_type_filters("kms:key")
        .send()
        .await
        .map_err(|e| Error::aws("resourcegroupstaggingapi", "GetResources", e))?;
    Ok(out
        .resource_tag_mapping_list()
        .iter()
        .filter_map(|m| m.resource_arn().map(str::to_owned))
        .collect())
}

/// Turns rotation on and points the alias [`own_key_alias`] at the key. Both steps are
/// idempotent; an alias left pointing at another key (by a failure of an older version)
/// is moved to this one.
pub async fn finish_key(ctx: &AwsContext, name: &str, key_arn: &str) -> Result<()> {
    let kms = ctx.kms();
    kms.enable_key_rotation()
        .key_id(key_id(key_arn))
        .send()
        .await
        .map_err(|e| Error::aws("kms", "EnableKeyRotation", e))?;
    let alias = own_key_alias(name);
    match kms
        .create_alias()
        .alias_name(&alias)
        .target_key_id(key_id(key_arn))
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "AlreadyExistsException" => {
            if own_key_of(ctx, name).await?.as_deref() == Some(key_arn) {
                return Ok(());
            }
            kms.update_alias()
                .alias_name(&alias)
                .target_key_id(key_id(key_arn))
                .send()
                .await
                .map_err(|e| Error::aws("kms", "UpdateAlias", e))?;
            Ok(())
        }
        Err(e) => Err(Error::aws("kms", "CreateAlias", e)),
    }
}

/// The key id of a key ARN (`arn:...:key/<id>` → `<id>`), for the calls that take
/// either: moto 5.2 accepts only the id in some of them (ScheduleKeyDeletion), AWS both.
pub fn key_id(key_arn: &str) -> &str {
    key_arn
        .rsplit_once(":key/")
        .map(|(_, id)| id)
        .unwrap_or(key_arn)
}

/// Rewrites the policy of the resource's own key for a new list of publishers.
pub async fn update_own_key_policy(
    ctx: &AwsContext,
    key_arn: &str,
    publishers: &[String],
) -> Result<()> {
    let (partition, account) = {
        let p: Vec<&str> = key_arn.split(':').collect();
        (
            p.get(1).copied().unwrap_or("aws").to_owned(),
            p.get(4).copied().unwrap_or_default().to_owned(),
        )
    };
    ctx.kms()
        .put_key_policy()
        .key_id(key_id(key_arn))
        .policy_name("default")
        .policy(policy::own_key_policy(&partition, &account, publishers).to_string())
        .send()
        .await
        .map_err(|e| Error::aws("kms", "PutKeyPolicy", e))?;
    Ok(())
}

/// The key the alias of topic `name` points to, if the alias exists.
pub async fn own_key_of(ctx: &AwsContext, name: &str) -> Result<Option<String>> {
    let alias = own_key_alias(name);
    match ctx.kms().describe_key().key_id(&alias).send().await {
        Ok(out) => Ok(out.key_metadata().and_then(|m| m.arn().map(str::to_owned))),
        Err(e) if code(&e) == "NotFoundException" => Ok(None),
        Err(e) => Err(Error::aws("kms", "DescribeKey", e)),
    }
}

/// Deletes the alias (when it points at this key) and schedules the key's deletion (7
/// days, the shortest KMS allows; until then it can still decrypt what it encrypted).
pub async fn retire_own_key(ctx: &AwsContext, name: &str, key_arn: &str) -> Result<()> {
    let kms = ctx.kms();
    let alias_target = own_key_of(ctx, name).await?;
    if alias_target
        .as_deref()
        .is_some_and(|k| k == key_arn || k.ends_with(&format!("/{}", key_id(key_arn))))
    {
        match kms
            .delete_alias()
            .alias_name(own_key_alias(name))
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if code(&e) == "NotFoundException" => {}
            Err(e) => return Err(Error::aws("kms", "DeleteAlias", e)),
        }
    }
    match kms
        .schedule_key_deletion()
        .key_id(key_id(key_arn))
        .pending_window_in_days(7)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        // Already pending deletion, or gone.
        Err(e) if matches!(code(&e), "NotFoundException" | "KMSInvalidStateException") => Ok(()),
        Err(e) => Err(Error::aws("kms", "ScheduleKeyDeletion", e)),
    }
}

// ---------------------------------------------------------------------------------
// Secrets Manager
// ---------------------------------------------------------------------------------

/// Checks that the webhook secret exists and is not scheduled for deletion. Never
/// reads its value (DescribeSecret, not GetSecretValue).
pub async fn check_secret(ctx: &AwsContext, arn: &str) -> Result<()> {
    match ctx.secretsmanager().describe_secret().secret_id(arn).send().await {
        Ok(out) if out.deleted_date().is_some() => Err(Error::Invalid(format!(
            "the webhook secret {arn} is scheduled for deletion: restore it (secretsmanager restore-secret) or point webhook_secret_arn at a live secret"
        ))),
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "ResourceNotFoundException" => Err(Error::Invalid(format!(
            "the webhook secret {arn} does not exist: create it (aws_secretsmanager_secret) and store the Slack webhook URL in it, then pass its ARN"
        ))),
        Err(e) => Err(Error::aws("secretsmanager", "DescribeSecret", e)),
    }
}

// ---------------------------------------------------------------------------------
// The notifier route: subscription + invoke permission
// ---------------------------------------------------------------------------------

/// The Lambda permission's statement id for topic `name` (1–100 of `[A-Za-z0-9_-]`).
pub fn statement_id(name: &str) -> String {
    let id = format!("opsdeck-sns-{name}");
    if id.len() <= 100 {
        return id;
    }
    // FNV-1a keeps long names distinct after the cut.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{}-{hash:016x}", &id[..83])
}

/// The function's `WEBHOOK_SECRET_ARN` (the notifier module sets it); errors when the
/// function does not exist.
pub async fn function_secret(ctx: &AwsContext, function_arn: &str) -> Result<Option<String>> {
    match ctx.lambda().get_function_configuration().function_name(function_arn).send().await {
        Ok(out) => Ok(out.environment().and_then(|e| e.variables()).and_then(|v| v.get("WEBHOOK_SECRET_ARN").cloned())),
        Err(e) if code(&e) == "ResourceNotFoundException" => Err(Error::Invalid(format!(
            "the notifier function {function_arn} does not exist: deploy it (modules/slack-notifier) and pass its function_arn"
        ))),
        Err(e) => Err(Error::aws("lambda", "GetFunctionConfiguration", e)),
    }
}

/// Lets SNS invoke the function for this topic (and only this topic and account).
pub async fn ensure_permission(
    ctx: &AwsContext,
    topic_arn: &str,
    topic_name: &str,
    account: &str,
    function_arn: &str,
) -> Result<()> {
    let result = ctx
        .lambda()
        .add_permission()
        .function_name(function_arn)
        .statement_id(statement_id(topic_name))
        .action("lambda:InvokeFunction")
        .principal("sns.amazonaws.com")
        .source_arn(topic_arn)
        .source_account(account)
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        // The statement exists already (e.g. a retried apply): same id, same grant.
        Err(e) if code(&e) == "ResourceConflictException" => Ok(()),
        Err(e) => Err(Error::aws("lambda", "AddPermission", e)),
    }
}

pub async fn has_permission(
    ctx: &AwsContext,
    topic_name: &str,
    topic_arn: &str,
    function_arn: &str,
) -> Result<bool> {
    let text = match ctx
        .lambda()
        .get_policy()
        .function_name(function_arn)
        .send()
        .await
    {
        Ok(out) => out.policy().unwrap_or_default().to_owned(),
        Err(e) if code(&e) == "ResourceNotFoundException" => return Ok(false),
        Err(e) => return Err(Error::aws("lambda", "GetPolicy", e)),
    };
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Ok(false);
    };
    let sid = statement_id(topic_name);
    let found = doc["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|s| s["Sid"].as_str() == Some(sid.as_str()) && s.to_string().contains(topic_arn));
    Ok(found)
}

pub async fn remove_permission(
    ctx: &AwsContext,
    topic_name: &str,
    function_arn: &str,
) -> Result<()> {
    match ctx
        .lambda()
        .remove_permission()
        .function_name(function_arn)
        .statement_id(statement_id(topic_name))
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "ResourceNotFoundException" => Ok(()),
        Err(e) => Err(Error::aws("lambda", "RemovePermission", e)),
    }
}

/// Subscribes the function (idempotent: SNS returns the existing subscription).
pub async fn subscribe(ctx: &AwsContext, topic_arn: &str, function_arn: &str) -> Result<String> {
    let out = ctx
        .sns()
        .subscribe()
        .topic_arn(topic_arn)
        .protocol("lambda")
        .endpoint(function_arn)
        .return_subscription_arn(true)
        .send()
        .await
        .map_err(|e| Error::aws("sns", "Subscribe", e))?;
    out.subscription_arn()
        .map(str::to_owned)
        .ok_or_else(|| Error::Internal("Subscribe returned no SubscriptionArn".into()))
}

/// The topic's subscription of `function_arn`, if there is one.
pub async fn find_subscription(
    ctx: &AwsContext,
    topic_arn: &str,
    function_arn: &str,
) -> Result<Option<String>> {
    Ok(lambda_subscriptions(ctx, topic_arn)
        .await?
        .into_iter()
        .find(|(_, endpoint)| endpoint == function_arn)
        .map(|(arn, _)| arn))
}

/// (subscription ARN, function ARN) of every Lambda subscription of the topic.
pub async fn lambda_subscriptions(
    ctx: &AwsContext,
    topic_arn: &str,
) -> Result<Vec<(String, String)>> {
    let sns = ctx.sns();
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = match sns
            .list_subscriptions_by_topic()
            .topic_arn(topic_arn)
            .set_next_token(token.clone())
            .send()
            .await
        {
            Ok(out) => out,
            // A topic that is gone has no subscriptions (a destroy that runs again).
            Err(e) if matches!(code(&e), "NotFound" | "NotFoundException") => return Ok(found),
            Err(e) => return Err(Error::aws("sns", "ListSubscriptionsByTopic", e)),
        };
        for s in out.subscriptions() {
            if s.protocol() == Some("lambda") {
                if let (Some(arn), Some(endpoint)) = (s.subscription_arn(), s.endpoint()) {
                    found.push((arn.to_owned(), endpoint.to_owned()));
                }
            }
        }
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(found);
        }
    }
}

pub async fn unsubscribe(ctx: &AwsContext, subscription_arn: &str) -> Result<()> {
    match ctx
        .sns()
        .unsubscribe()
        .subscription_arn(subscription_arn)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if matches!(code(&e), "NotFound" | "NotFoundException") => Ok(()),
        Err(e) => Err(Error::aws("sns", "Unsubscribe", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_ids_stay_within_lambda_limits() {
        assert_eq!(statement_id("alarms"), "opsdeck-sns-alarms");
        let long = statement_id(&"a".repeat(256));
        assert_eq!(long.len(), 100);
        assert_ne!(long, statement_id(&format!("{}b", "a".repeat(255))));
        assert!(long
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }

    #[test]
    fn key_ids_come_from_key_arns() {
        assert_eq!(
            key_id("arn:aws:kms:us-east-1:123456789012:key/1234abcd"),
            "1234abcd"
        );
        assert_eq!(key_id("1234abcd"), "1234abcd");
    }

    #[test]
    fn creation_tokens_are_fresh_hex() {
        let (a, b) = (creation_token(), creation_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
