//! The AWS Budgets (and SNS/KMS, for the topic check) calls of `opsdeck_cost_budget`,
//! in the provider's own types. Every call goes through [`AwsContext::budgets`], which
//! signs for the partition's home region.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_budgets::types::{
    Budget, BudgetType, ComparisonOperator, Notification, NotificationType,
    NotificationWithSubscribers, ResourceTag, Spend, Subscriber, SubscriptionType, ThresholdType,
    TimeUnit,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::aws::AwsContext;
use crate::error::{Error, Result};
use crate::number::Number;
use crate::resources::common::tag_diff;
use crate::resources::slack_alarm_topic::policy;

const SERVICE: &str = "budgets";

fn code<E: ProvideErrorMetadata>(e: &E) -> &str {
    e.code().unwrap_or_default()
}

fn not_found<E: ProvideErrorMetadata>(e: &E) -> bool {
    code(e) == "NotFoundException"
}

pub use crate::aws::partition_of;

pub fn budget_arn(partition: &str, account: &str, name: &str) -> String {
    format!("arn:{partition}:budgets::{account}:budget/{name}")
}

/// The definition of a budget as the resource manages it.
#[derive(Clone, Debug, PartialEq)]
pub struct BudgetSpec {
    pub name: String,
    pub limit_usd: Number,
    pub time_unit: String,
    pub cost_filters: BTreeMap<String, Vec<String>>,
}

/// A notification as AWS identifies it: type, comparison, threshold, threshold type.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    /// `ACTUAL` or `FORECASTED`.
    pub kind: String,
    /// `GREATER_THAN` for the resource's own alerts.
    pub comparison: String,
    pub threshold: f64,
    /// `PERCENTAGE` for the resource's own alerts.
    pub threshold_type: String,
}

impl Alert {
    /// The resource's alert: more than `percent` % of the limit.
    pub fn percent(kind: &str, percent: f64) -> Self {
        Self {
            kind: kind.to_ascii_uppercase(),
            comparison: "GREATER_THAN".into(),
            threshold: percent,
            threshold_type: "PERCENTAGE".into(),
        }
    }

    /// `(percent, "actual" | "forecasted")` when this is the kind of alert the resource
    /// makes; `None` for a notification made elsewhere (another comparison, an absolute
    /// threshold), which the resource shows as drift and removes.
    pub fn as_threshold(&self) -> Option<(f64, String)> {
        (self.comparison == "GREATER_THAN"
            && self.threshold_type == "PERCENTAGE"
            && matches!(self.kind.as_str(), "ACTUAL" | "FORECASTED"))
        .then(|| (self.threshold, self.kind.to_ascii_lowercase()))
    }

    fn to_sdk(&self) -> Result<Notification> {
        Notification::builder()
            .notification_type(NotificationType::from(self.kind.as_str()))
            .comparison_operator(ComparisonOperator::from(self.comparison.as_str()))
            .threshold(self.threshold)
            .threshold_type(ThresholdType::from(self.threshold_type.as_str()))
            .build()
            .map_err(|e| Error::Internal(format!("cannot build the notification: {e}")))
    }

    fn from_sdk(n: &Notification) -> Self {
        Self {
            kind: n.notification_type().as_str().to_owned(),
            comparison: n.comparison_operator().as_str().to_owned(),
            threshold: n.threshold(),
            threshold_type: n
                .threshold_type()
                .map(|t| t.as_str().to_owned())
                .unwrap_or_else(|| "PERCENTAGE".into()),
        }
    }
}

/// Subscribers of a notification: `(SNS | EMAIL, address)`.
pub type Subscribers = BTreeSet<(String, String)>;

pub fn subscribers(topic: Option<&str>, emails: &[String]) -> Subscribers {
    topic
        .map(|t| ("SNS".to_owned(), t.to_owned()))
        .into_iter()
        .chain(emails.iter().map(|e| ("EMAIL".to_owned(), e.clone())))
        .collect()
}

fn subscriber_to_sdk((kind, address): &(String, String)) -> Result<Subscriber> {
    Subscriber::builder()
        .subscription_type(SubscriptionType::from(kind.as_str()))
        .address(address)
        .build()
        .map_err(|e| Error::Internal(format!("cannot build the subscriber: {e}")))
}

/// A budget as AWS holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteBudget {
    pub limit: Option<Number>,
    pub unit: Option<String>,
    pub time_unit: String,
    pub cost_filters: BTreeMap<String, Vec<String>>,
}

fn budget_to_sdk(spec: &BudgetSpec) -> Result<Budget> {
    let limit = Spend::builder()
        .amount(spec.limit_usd.to_string())
        .unit("USD")
        .build()
        .map_err(|e| Error::Internal(format!("cannot build the limit: {e}")))?;
    let mut builder = Budget::builder()
        .budget_name(&spec.name)
        .budget_type(BudgetType::Cost)
        .time_unit(TimeUnit::from(spec.time_unit.as_str()))
        .budget_limit(limit);
    for (name, values) in &spec.cost_filters {
        // CostFilters is deprecated in favour of FilterExpression, but it is what the
        // console, hashicorp/aws's `cost_filter` and existing budgets use, and AWS still
        // honours it; moving to FilterExpression is a separate, visible change.
        #[allow(deprecated)]
        {
            builder = builder.cost_filters(name, values.clone());
        }
    }
    builder
        .build()
        .map_err(|e| Error::Internal(format!("cannot build the budget: {e}")))
}

/// The budget, or `None` when it does not exist.
pub async fn describe_budget(
    ctx: &AwsContext,
    account: &str,
    name: &str,
) -> Result<Option<RemoteBudget>> {
    let out = match ctx
        .budgets()
        .describe_budget()
        .account_id(account)
        .budget_name(name)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) if not_found(&e) => return Ok(None),
        Err(e) => return Err(Error::aws(SERVICE, "DescribeBudget", e)),
    };
    let Some(budget) = out.budget() else {
        return Ok(None);
    };
    let limit = match budget.budget_limit() {
        Some(spend) => Some(spend.amount().parse::<Number>().map_err(|e| {
            Error::Invalid(format!("the budget {name} has a limit AWS returned as {e}"))
        })?),
        None => None,
    };
    Ok(Some(RemoteBudget {
        limit,
        unit: budget.budget_limit().map(|s| s.unit().to_owned()),
        time_unit: budget.time_unit().as_str().to_owned(),
        #[allow(deprecated)]
        cost_filters: budget
            .cost_filters()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
    }))
}

/// Every notification of the budget with its subscribers, in AWS's order.
pub async fn notifications(
    ctx: &AwsContext,
    account: &str,
    name: &str,
) -> Result<Vec<(Alert, Subscribers)>> {
    let client = ctx.budgets();
    let mut alerts = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .describe_notifications_for_budget()
            .account_id(account)
            .budget_name(name)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| Error::aws(SERVICE, "DescribeNotificationsForBudget", e))?;
        alerts.extend(out.notifications().iter().map(Alert::from_sdk));
        token = out
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    let mut result = Vec::with_capacity(alerts.len());
    for alert in alerts {
        let subs = alert_subscribers(ctx, account, name, &alert).await?;
        result.push((alert, subs));
    }
    Ok(result)
}

async fn alert_subscribers(
    ctx: &AwsContext,
    account: &str,
    name: &str,
    alert: &Alert,
) -> Result<Subscribers> {
    let client = ctx.budgets();
    let mut subs = Subscribers::new();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .describe_subscribers_for_notification()
            .account_id(account)
            .budget_name(name)
            .notification(alert.to_sdk()?)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| Error::aws(SERVICE, "DescribeSubscribersForNotification", e))?;
        subs.extend(out.subscribers().iter().map(|s| {
            (
                s.subscription_type().as_str().to_owned(),
                s.address().to_owned(),
            )
        }));
        token = out
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    Ok(subs)
}

/// Creates the budget with its notifications and tags in one call, so a failure
/// leaves nothing behind. `Ok(false)` when a budget of that name exists already.
pub async fn create_budget(
    ctx: &AwsContext,
    account: &str,
    spec: &BudgetSpec,
    alerts: &[(Alert, Subscribers)],
    tags: &BTreeMap<String, String>,
) -> Result<bool> {
    let mut request = ctx
        .budgets()
        .create_budget()
        .account_id(account)
        .budget(budget_to_sdk(spec)?);
    for (alert, subs) in alerts {
        let mut item = NotificationWithSubscribers::builder().notification(alert.to_sdk()?);
        for s in subs {
            item = item.subscribers(subscriber_to_sdk(s)?);
        }
        request = request.notifications_with_subscribers(
            item.build()
                .map_err(|e| Error::Internal(format!("cannot build the notification: {e}")))?,
        );
    }
    for (key, value) in tags {
        request = request.resource_tags(
            ResourceTag::builder()
                .key(key)
                .value(value)
                .build()
                .map_err(|e| Error::Internal(format!("cannot build the tag {key}: {e}")))?,
        );
    }
    match request.send().await {
        Ok(_) => Ok(true),
        Err(e) if code(&e) == "DuplicateRecordException" => Ok(false),
        Err(e) => Err(Error::aws(SERVICE, "CreateBudget", e)),
    }
}

pub async fn update_budget(ctx: &AwsContext, account: &str, spec: &BudgetSpec) -> Result<()> {
    ctx.budgets()
        .update_budget()
        .account_id(account)
        .new_budget(budget_to_sdk(spec)?)
        .send()
        .await
        .map_err(|e| Error::aws(SERVICE, "UpdateBudget", e))?;
    Ok(())
}

/// Deletes the budget (and with it its notifications); a missing budget is fine.
pub async fn delete_budget(ctx: &AwsContext, account: &str, name: &str) -> Result<()> {
    match ctx
        .budgets()
        .delete_budget()
        .account_id(account)
        .budget_name(name)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if not_found(&e) => Ok(()),
        Err(e) => Err(Error::aws(SERVICE, "DeleteBudget", e)),
    }
}

pub async fn create_notification(
    ctx: &AwsContext,
    account: &str,
    name: &str,
    alert: &Alert,
    subs: &Subscribers,
) -> Result<()> {
    let mut request = ctx
        .budgets()
        .create_notification()
        .account_id(account)
        .budget_name(name)
        .notification(alert.to_sdk()?);
    for s in subs {
        request = request.subscribers(subscriber_to_sdk(s)?);
    }
    match request.send().await {
        Ok(_) => Ok(()),
        // Made already (an earlier attempt whose answer was lost): the subscribers are
        // made right by the caller.
        Err(e) if code(&e) == "DuplicateRecordException" => Ok(()),
        Err(e) => Err(Error::aws(SERVICE, "CreateNotification", e)),
    }
}

pub async fn delete_notification(
    ctx: &AwsContext,
    account: &str,
    name: &str,
    alert: &Alert,
) -> Result<()> {
    match ctx
        .budgets()
        .delete_notification()
        .account_id(account)
        .budget_name(name)
        .notification(alert.to_sdk()?)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if not_found(&e) => Ok(()),
        Err(e) => Err(Error::aws(SERVICE, "DeleteNotification", e)),
    }
}

/// Makes the notification's subscribers `wanted`: adds the missing ones first, since a
/// notification must keep at least one subscriber, then removes the others.
pub async fn sync_subscribers(
    ctx: &AwsContext,
    account: &str,
    name: &str,
    alert: &Alert,
    current: &Subscribers,
    wanted: &Subscribers,
) -> Result<()> {
    let client = ctx.budgets();
    for s in wanted.difference(current) {
        match client
            .create_subscriber()
            .account_id(account)
            .budget_name(name)
            .notification(alert.to_sdk()?)
            .subscriber(subscriber_to_sdk(s)?)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if code(&e) == "DuplicateRecordException" => {}
            Err(e) => return Err(Error::aws(SERVICE, "CreateSubscriber", e)),
        }
    }
    for s in current.difference(wanted) {
        match client
            .delete_subscriber()
            .account_id(account)
            .budget_name(name)
            .notification(alert.to_sdk()?)
            .subscriber(subscriber_to_sdk(s)?)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if not_found(&e) => {}
            Err(e) => return Err(Error::aws(SERVICE, "DeleteSubscriber", e)),
        }
    }
    Ok(())
}

pub async fn tags(ctx: &AwsContext, arn: &str) -> Result<BTreeMap<String, String>> {
    let out = ctx
        .budgets()
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| Error::aws(SERVICE, "ListTagsForResource", e))?;
    Ok(out
        .resource_tags()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect())
}

pub async fn sync_tags(
    ctx: &AwsContext,
    arn: &str,
    current: &BTreeMap<String, String>,
    wanted: &BTreeMap<String, String>,
) -> Result<()> {
    let client = ctx.budgets();
    let diff = tag_diff(current, wanted);
    if !diff.remove.is_empty() {
        client
            .untag_resource()
            .resource_arn(arn)
            .set_resource_tag_keys(Some(diff.remove))
            .send()
            .await
            .map_err(|e| Error::aws(SERVICE, "UntagResource", e))?;
    }
    let changed: Vec<ResourceTag> = diff
        .set
        .iter()
        .map(|(k, v)| {
            ResourceTag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| Error::Internal(format!("cannot build the tag {k}: {e}")))
        })
        .collect::<Result<_>>()?;
    if !changed.is_empty() {
        client
            .tag_resource()
            .resource_arn(arn)
            .set_resource_tags(Some(changed))
            .send()
            .await
            .map_err(|e| Error::aws(SERVICE, "TagResource", e))?;
    }
    Ok(())
}

pub async fn caller_account(ctx: &AwsContext) -> Result<String> {
    ctx.sts()
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| Error::aws("sts", "GetCallerIdentity", e))?
        .account()
        .map(str::to_owned)
        .ok_or_else(|| Error::Internal("GetCallerIdentity returned no account".into()))
}

// ---------------------------------------------------------------------------------
// The topic check
// ---------------------------------------------------------------------------------

pub const BUDGETS_PRINCIPAL: &str = "budgets.amazonaws.com";

/// Checks that AWS Budgets can deliver to `topic_arn` for `account`: the topic exists,
/// its policy lets `budgets.amazonaws.com` publish, and its KMS key (if any) lets
/// Budgets use it. `Err` is the message to show, with the fix.
pub async fn check_topic(
    ctx: &AwsContext,
    topic_arn: &str,
    account: &str,
) -> std::result::Result<(), String> {
    let region = topic_arn.split(':').nth(3).filter(|r| !r.is_empty());
    let attrs = match ctx
        .sns_in(region)
        .get_topic_attributes()
        .topic_arn(topic_arn)
        .send()
        .await
    {
        Ok(out) => out.attributes().cloned().unwrap_or_default(),
        Err(e) if matches!(code(&e), "NotFound" | "NotFoundException") => {
            return Err(format!(
                "the SNS topic {topic_arn} does not exist: create it (opsdeck_slack_alarm_topic) or fix topic_arn"
            ))
        }
        Err(e) => return Err(Error::aws("sns", "GetTopicAttributes", e).to_string()),
    };
    let statement = serde_json::json!({
        "Sid": "AllowBudgetsToPublish",
        "Effect": "Allow",
        "Principal": {"Service": BUDGETS_PRINCIPAL},
        "Action": "sns:Publish",
        "Resource": topic_arn,
        "Condition": {"StringEquals": {"aws:SourceAccount": account}}
    });
    let fix = format!(
        "Add \"budgets\" to the publishers of the opsdeck_slack_alarm_topic that owns it, or add this statement to the topic policy:\n{statement:#}"
    );
    let text = attrs.get("Policy").cloned().unwrap_or_default();
    let verdict = if text.is_empty() {
        Ok(Err(policy::PublishRefusal::NotGranted))
    } else {
        policy::check_topic_publish(&text, BUDGETS_PRINCIPAL, topic_arn, account)
    };
    match verdict {
        Ok(Ok(())) => {}
        Ok(Err(policy::PublishRefusal::NotGranted)) => {
            return Err(format!(
                "the policy of {topic_arn} does not let {BUDGETS_PRINCIPAL} publish, so AWS Budgets could not deliver the alerts. {fix}"
            ))
        }
        Ok(Err(policy::PublishRefusal::Denied)) => {
            return Err(format!(
                "the policy of {topic_arn} denies sns:Publish to {BUDGETS_PRINCIPAL} (an unconditional Deny statement): remove that statement. {fix}"
            ))
        }
        Ok(Err(policy::PublishRefusal::OtherAccount(accounts))) => {
            return Err(format!(
                "the policy of {topic_arn} lets {BUDGETS_PRINCIPAL} publish only for account(s) {} (aws:SourceAccount), not for {account}. {fix}",
                accounts.join(", ")
            ))
        }
        Err(e) => return Err(format!("cannot read the policy of {topic_arn}: {e}")),
    }
    if let Some(key) = attrs.get("KmsMasterKeyId").filter(|k| !k.is_empty()) {
        let kms = ctx.kms_in(region);
        use crate::resources::slack_alarm_topic::check_key_with;
        use crate::resources::slack_alarm_topic::KeyProblem;
        match check_key_with(&kms, key, &["budgets".to_owned()]).await {
            Ok(_) => {}
            Err(KeyProblem::Policy(text)) | Err(KeyProblem::Unusable(text)) => {
                return Err(format!(
                    "{topic_arn} is encrypted with a KMS key that AWS Budgets cannot use, so its alerts would be lost: {text}"
                ))
            }
            Err(KeyProblem::Call(e)) => {
                return Err(format!("cannot check the KMS key of {topic_arn}: {e}"))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_round_trip_and_foreign_ones_are_not_thresholds() {
        let ours = Alert::percent("forecasted", 100.0);
        assert_eq!(ours.kind, "FORECASTED");
        assert_eq!(ours.as_threshold(), Some((100.0, "forecasted".to_owned())));
        let sdk = ours.to_sdk().unwrap();
        assert_eq!(Alert::from_sdk(&sdk), ours);
        let absolute = Alert {
            threshold_type: "ABSOLUTE_VALUE".into(),
            ..Alert::percent("actual", 80.0)
        };
        assert_eq!(absolute.as_threshold(), None);
    }

    #[test]
    fn budget_request_carries_the_limit_as_a_decimal_string() {
        let spec = BudgetSpec {
            name: "b".into(),
            limit_usd: "99.5".parse().unwrap(),
            time_unit: "MONTHLY".into(),
            cost_filters: BTreeMap::from([(
                "TagKeyValue".to_owned(),
                vec!["user:Environment$prod".to_owned()],
            )]),
        };
        let budget = budget_to_sdk(&spec).unwrap();
        assert_eq!(budget.budget_limit().unwrap().amount(), "99.5");
        assert_eq!(budget.time_unit(), &TimeUnit::Monthly);
        assert_eq!(budget.budget_type(), &BudgetType::Cost);
        #[allow(deprecated)]
        let filters = budget.cost_filters().unwrap();
        assert_eq!(
            filters["TagKeyValue"],
            vec!["user:Environment$prod".to_owned()]
        );
    }

    #[test]
    fn arns_and_partitions() {
        assert_eq!(partition_of("ap-northeast-1"), "aws");
        assert_eq!(partition_of("cn-north-1"), "aws-cn");
        assert_eq!(
            budget_arn("aws", "123456789012", "prod"),
            "arn:aws:budgets::123456789012:budget/prod"
        );
        assert_eq!(subscribers(Some("arn:t"), &["a@x.io".to_owned()]).len(), 2);
    }
}
