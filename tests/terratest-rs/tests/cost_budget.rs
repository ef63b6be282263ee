//! `opsdeck_cost_budget` through the real terraform against the emulator (fixture
//! `cost_budget`): the seed's USD 100 monthly budget (R7.2-b) filtered by the
//! `Environment` tag (R7.2-d), its alert ladder routed to an `opsdeck_slack_alarm_topic`
//! and to email (P9):
//! - create, empty re-plan, Budgets calls signed for us-east-1 while the provider works
//!   in ap-northeast-1, drift of the limit, a notification, a subscriber and a tag
//!   repaired, update, import by `account_id:name`, destroy;
//! - bad input refused at plan time on the attribute at fault, before anything exists;
//! - a topic whose policy does not let Budgets publish refused at apply, before the
//!   budget exists, with the statement to add.
//!
//! What AWS holds is asserted through the AWS SDK, not through Terraform.

mod aws;
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use aws_sdk_budgets::types::{
    ComparisonOperator, Notification, NotificationType, Spend, Subscriber, SubscriptionType,
    ThresholdType,
};
use serde_json::{json, Value};
use terratest::{Emulator, Options, PlanExit, Terraform};

const BUDGET: &str = "opsdeck_cost_budget.monthly";
const ACCOUNT: &str = "123456789012";
const NAME: &str = "opsdeck-prod-monthly";
const EMAIL: &str = "platform-oncall@example.com";

/// The shared SDK view of the emulator (`tests/aws/mod.rs`) plus a Budgets client.
struct Sdk {
    aws: aws::Aws,
    budgets: aws_sdk_budgets::Client,
}

impl Sdk {
    fn new(emulator: &Emulator) -> Self {
        let aws = aws::Aws::new(emulator);
        let budgets = aws.budgets();
        Self { aws, budgets }
    }

    fn run<F: std::future::Future>(&self, f: F) -> F::Output {
        self.aws.run(f)
    }

    fn budget_names(&self) -> Vec<String> {
        self.run(self.budgets.describe_budgets().account_id(ACCOUNT).send())
            .unwrap()
            .budgets()
            .iter()
            .map(|b| b.budget_name().to_owned())
            .collect()
    }

    fn budget(&self) -> aws_sdk_budgets::types::Budget {
        self.run(
            self.budgets
                .describe_budget()
                .account_id(ACCOUNT)
                .budget_name(NAME)
                .send(),
        )
        .unwrap()
        .budget()
        .cloned()
        .unwrap()
    }

    fn limit(&self) -> f64 {
        self.budget()
            .budget_limit()
            .unwrap()
            .amount()
            .parse()
            .unwrap()
    }

    /// Each notification as "actual>80%" with its subscribers as "SNS:arn" / "EMAIL:a".
    fn alerts(&self) -> BTreeMap<String, BTreeSet<String>> {
        let notifications = self
            .run(
                self.budgets
                    .describe_notifications_for_budget()
                    .account_id(ACCOUNT)
                    .budget_name(NAME)
                    .send(),
            )
            .unwrap()
            .notifications()
            .to_vec();
        notifications
            .into_iter()
            .map(|n| {
                let subscribers = self
                    .run(
                        self.budgets
                            .describe_subscribers_for_notification()
                            .account_id(ACCOUNT)
                            .budget_name(NAME)
                            .notification(n.clone())
                            .send(),
                    )
                    .unwrap()
                    .subscribers()
                    .iter()
                    .map(|s| format!("{}:{}", s.subscription_type().as_str(), s.address()))
                    .collect();
                (label(&n), subscribers)
            })
            .collect()
    }

    fn tags(&self) -> BTreeMap<String, String> {
        self.run(
            self.budgets
                .list_tags_for_resource()
                .resource_arn(format!("arn:aws:budgets::{ACCOUNT}:budget/{NAME}"))
                .send(),
        )
        .unwrap()
        .resource_tags()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
    }
}

fn label(n: &Notification) -> String {
    let op = match n.comparison_operator() {
        ComparisonOperator::GreaterThan => ">",
        _ => "?",
    };
    let unit = match n.threshold_type() {
        Some(ThresholdType::AbsoluteValue) => "USD",
        _ => "%",
    };
    format!(
        "{}{op}{}{unit}",
        n.notification_type().as_str().to_ascii_lowercase(),
        n.threshold()
    )
}

fn notification(kind: NotificationType, percent: f64) -> Notification {
    Notification::builder()
        .notification_type(kind)
        .comparison_operator(ComparisonOperator::GreaterThan)
        .threshold(percent)
        .threshold_type(ThresholdType::Percentage)
        .build()
        .unwrap()
}

struct Fixture {
    _copy: terratest::TempCopy,
    dir: PathBuf,
}

fn fixture() -> Fixture {
    let copy = terratest::copy_folder_to_temp(
        &terratest::paths::repo_root(),
        "tests/terratest-rs/fixtures/cost_budget",
    )
    .unwrap();
    Fixture {
        dir: copy.path.clone(),
        _copy: copy,
    }
}

fn terraform(f: &Fixture, emulator: &Emulator, vars: &[(&str, Value)]) -> Terraform {
    let mut options = Options::new(&f.dir)
        .cli_config(common::cli_config())
        .envs(emulator.env());
    for (k, v) in vars {
        options = options.var(*k, v);
    }
    Terraform::new(options)
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn create_replan_drift_update_import_and_destroy() {
    let emulator = Emulator::start().unwrap();
    let sdk = Sdk::new(&emulator);
    let f = fixture();
    let tf = terraform(&f, &emulator, &[]);
    tf.init();
    let destroy = tf.destroy_on_drop();

    // Create, then the re-plan must be empty (P1).
    emulator.clear_request_log().unwrap();
    tf.apply_and_idempotent();
    let topic: String = tf.output("topic_arn");
    assert!(topic.starts_with("arn:aws:sns:ap-northeast-1:"), "{topic}");
    assert_eq!(
        tf.output::<String>("budget_id"),
        format!("{ACCOUNT}:{NAME}")
    );
    assert_eq!(
        tf.output::<String>("budget_arn"),
        format!("arn:aws:budgets::{ACCOUNT}:budget/{NAME}")
    );
    assert_eq!(tf.output::<String>("account_id"), ACCOUNT);

    let budget = sdk.budget();
    assert_eq!(sdk.limit(), 100.0);
    assert_eq!(budget.budget_limit().unwrap().unit(), "USD");
    assert_eq!(budget.time_unit().as_str(), "MONTHLY");
    #[allow(deprecated)]
    let filters = budget.cost_filters().cloned().unwrap_or_default();
    assert_eq!(
        filters.get("TagKeyValue"),
        Some(&vec!["user:Environment$prod".to_owned()]),
        "costs are analysed by the Environment tag (R7.2-d)"
    );
    let everyone = set(&[&format!("SNS:{topic}"), &format!("EMAIL:{EMAIL}")]);
    let expected: BTreeMap<String, BTreeSet<String>> =
        ["actual>50%", "actual>80%", "actual>100%", "forecasted>100%"]
            .iter()
            .map(|l| ((*l).to_owned(), everyone.clone()))
            .collect();
    assert_eq!(
        sdk.alerts(),
        expected,
        "the default ladder, to Slack and email"
    );
    assert_eq!(
        sdk.tags(),
        BTreeMap::from([
            ("CostCenter".to_owned(), "web".to_owned()),
            ("Environment".to_owned(), "prod".to_owned()),
        ]),
        "own tags over the provider's default_tags"
    );

    // Budgets is global: signed for us-east-1 although the provider is in Tokyo.
    let log = emulator.request_log().unwrap();
    assert_eq!(log.count("budgets:CreateBudget"), 1, "{log:?}");
    for op in ["budgets:CreateBudget", "budgets:DescribeBudget"] {
        assert_eq!(
            log.signing_regions_of(op),
            vec!["us-east-1"],
            "{op}: {log:?}"
        );
    }
    assert_eq!(
        log.signing_regions_of("sns:CreateTopic"),
        vec!["ap-northeast-1"],
        "{log:?}"
    );
    assert!(
        log.count("budgets:DescribeSubscribersForNotification") >= 4,
        "refresh reads every notification's subscribers: {log:?}"
    );
    assert!(
        log.count("sns:GetTopicAttributes") >= 1,
        "the topic policy is checked before the budget is created: {log:?}"
    );

    // Drift behind Terraform's back: the limit, one notification, one subscriber, a tag.
    let budget_with_limit = |amount: &str| {
        #[allow(deprecated)]
        aws_sdk_budgets::types::Budget::builder()
            .budget_name(NAME)
            .budget_type(aws_sdk_budgets::types::BudgetType::Cost)
            .time_unit(aws_sdk_budgets::types::TimeUnit::Monthly)
            .budget_limit(Spend::builder().amount(amount).unit("USD").build().unwrap())
            .set_cost_filters(sdk.budget().cost_filters().cloned())
            .build()
            .unwrap()
    };
    sdk.run(
        sdk.budgets
            .update_budget()
            .account_id(ACCOUNT)
            .new_budget(budget_with_limit("250"))
            .send(),
    )
    .unwrap();
    sdk.run(
        sdk.budgets
            .delete_notification()
            .account_id(ACCOUNT)
            .budget_name(NAME)
            .notification(notification(NotificationType::Actual, 80.0))
            .send(),
    )
    .unwrap();
    sdk.run(
        sdk.budgets
            .delete_subscriber()
            .account_id(ACCOUNT)
            .budget_name(NAME)
            .notification(notification(NotificationType::Actual, 50.0))
            .subscriber(
                Subscriber::builder()
                    .subscription_type(SubscriptionType::Email)
                    .address(EMAIL)
                    .build()
                    .unwrap(),
            )
            .send(),
    )
    .unwrap();
    sdk.run(
        sdk.budgets
            .untag_resource()
            .resource_arn(format!("arn:aws:budgets::{ACCOUNT}:budget/{NAME}"))
            .resource_tag_keys("CostCenter")
            .send(),
    )
    .unwrap();
    let plan = tf.plan();
    assert_eq!(plan.exit, PlanExit::Changes, "{}", plan.stdout);
    assert_eq!(
        plan.plan.pending_changes(),
        vec![format!("{BUDGET} (update)")],
        "{}",
        plan.stdout
    );
    let change = &plan.plan.change(BUDGET).unwrap().change;
    assert_eq!(change.before["limit_usd"], json!(250), "{}", plan.stdout);
    assert_eq!(change.after["limit_usd"], json!(100));
    assert_eq!(
        change.before["thresholds"].as_array().map(Vec::len),
        Some(3),
        "the deleted notification shows: {}",
        plan.stdout
    );
    assert_eq!(change.before["tags"], json!({}), "{}", plan.stdout);
    tf.apply_and_idempotent();
    assert_eq!(sdk.limit(), 100.0);
    assert_eq!(sdk.alerts(), expected, "drift repaired");
    assert_eq!(
        sdk.tags().get("CostCenter").map(String::as_str),
        Some("web")
    );

    // Update: a fractional limit, another ladder, Slack only, no tag filter.
    let tf_updated = terraform(
        &f,
        &emulator,
        &[
            ("limit_usd", json!(99.5)),
            (
                "thresholds",
                json!([
                    {"percent": 80, "type": "actual"},
                    {"percent": 100, "type": "actual"},
                    {"percent": 90.5, "type": "forecasted"}
                ]),
            ),
            ("emails", Value::Null),
            (
                "cost_filters",
                json!({"Service": ["AWS Lambda", "Amazon CloudFront"]}),
            ),
        ],
    );
    tf_updated.apply_and_idempotent();
    assert_eq!(sdk.limit(), 99.5);
    let slack_only = set(&[&format!("SNS:{topic}")]);
    assert_eq!(
        sdk.alerts(),
        ["actual>80%", "actual>100%", "forecasted>90.5%"]
            .iter()
            .map(|l| ((*l).to_owned(), slack_only.clone()))
            .collect::<BTreeMap<_, _>>()
    );
    #[allow(deprecated)]
    let filters = sdk.budget().cost_filters().cloned().unwrap_or_default();
    assert_eq!(filters.len(), 1, "{filters:?}");
    assert_eq!(filters["Service"].len(), 2);

    // A notification made elsewhere (an absolute amount) is drift, and removed.
    let absolute = Notification::builder()
        .notification_type(NotificationType::Actual)
        .comparison_operator(ComparisonOperator::GreaterThan)
        .threshold(70.0)
        .threshold_type(ThresholdType::AbsoluteValue)
        .build()
        .unwrap();
    sdk.run(
        sdk.budgets
            .create_notification()
            .account_id(ACCOUNT)
            .budget_name(NAME)
            .notification(absolute)
            .subscribers(
                Subscriber::builder()
                    .subscription_type(SubscriptionType::Sns)
                    .address(&topic)
                    .build()
                    .unwrap(),
            )
            .send(),
    )
    .unwrap();
    let plan = tf_updated.plan();
    assert!(
        plan.stdout.contains("(not managed here)"),
        "{}",
        plan.stdout
    );
    tf_updated.apply_and_idempotent();
    assert!(!sdk.alerts().contains_key("actual>70USD"));

    // Import by account_id:name: forget it, import it, and nothing is left to change.
    let rm = tf_updated
        .try_run_raw(&["state".into(), "rm".into(), BUDGET.into()])
        .unwrap();
    assert_eq!(rm.code, 0, "{}", rm.combined());
    let bad = tf_updated
        .try_import(BUDGET, NAME)
        .expect_err("a bare name is not an import id")
        .output();
    assert!(bad.contains("<account_id>:<budget name>"), "{bad}");
    let missing = tf_updated
        .try_import(BUDGET, &format!("{ACCOUNT}:no-such-budget"))
        .expect_err("no such budget")
        .output();
    assert!(missing.contains("Budget not found"), "{missing}");
    tf_updated
        .try_import(BUDGET, &format!("{ACCOUNT}:{NAME}"))
        .unwrap();
    let plan = tf_updated.plan();
    assert_eq!(
        plan.exit,
        PlanExit::NoChanges,
        "after import the plan must be empty:\n{}",
        plan.stdout
    );

    // Destroy: the budget is gone.
    destroy.destroy_now().unwrap();
    assert!(sdk.budget_names().is_empty(), "{:?}", sdk.budget_names());
}

#[test]
fn bad_input_is_refused_at_plan_time_on_its_attribute() {
    let emulator = Emulator::start().unwrap();
    let sdk = Sdk::new(&emulator);
    let f = fixture();
    terraform(&f, &emulator, &[]).init();
    emulator.clear_request_log().unwrap();
    let six_thresholds: Vec<Value> = (1..=6)
        .map(|i| json!({"percent": i * 15, "type": "actual"}))
        .collect();
    // (variables, the attribute the error must sit on, words of the message)
    type Case<'a> = (Vec<(&'a str, Value)>, &'a str, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        (
            vec![("name", json!("prod:monthly"))],
            "name",
            vec!["contains ':'"],
        ),
        (
            vec![("limit_usd", json!(0))],
            "limit_usd",
            vec!["greater than 0"],
        ),
        (
            vec![("thresholds", json!(six_thresholds))],
            "thresholds",
            vec!["6 thresholds", "at most 5 notifications"],
        ),
        (
            vec![("time_unit", json!("DAILY"))],
            "thresholds",
            vec!["no forecast for DAILY", "actual ones only"],
        ),
        (
            vec![("thresholds", json!([{"percent": 80, "type": "predicted"}]))],
            "thresholds",
            vec!["\"predicted\"", "\"forecasted\""],
        ),
        (
            vec![("cost_filters", json!({"TagKeyValue": ["Environment=prod"]}))],
            "cost_filters",
            vec!["user:Environment$prod", "cost allocation tag"],
        ),
        (
            vec![("emails", json!(["oncall at example.com"]))],
            "emails",
            vec!["not an email address"],
        ),
        (
            vec![("topic_arn", json!("opsdeck-alarms"))],
            "topic_arn",
            vec!["not an SNS topic ARN"],
        ),
        (
            vec![("account_id", json!("1234"))],
            "account_id",
            vec!["12 digits"],
        ),
        (
            vec![("time_unit", json!("WEEKLY"))],
            "time_unit",
            vec!["MONTHLY", "QUARTERLY"],
        ),
    ];
    for (vars, attribute, needles) in &cases {
        let out = terraform(&f, &emulator, vars)
            .try_plan()
            .expect_err(&format!("{vars:?} must be refused"))
            .output();
        assert!(
            out.contains(BUDGET) && out.contains(attribute),
            "{vars:?}: the error must name {attribute}:\n{out}"
        );
        // Terraform wraps diagnostics at 78 columns: compare with whitespace collapsed.
        let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
        for needle in needles {
            assert!(flat.contains(needle), "{vars:?}: {needle:?} not in:\n{out}");
        }
        assert!(
            !out.contains("panicked") && !out.contains("RUST_BACKTRACE"),
            "{out}"
        );
    }
    let log = emulator.request_log().unwrap();
    assert_eq!(
        log.count("budgets:CreateBudget") + log.count("sns:CreateTopic"),
        0,
        "a refused plan creates nothing: {log:?}"
    );
    assert!(sdk.budget_names().is_empty());
}

#[test]
fn a_topic_budgets_cannot_publish_to_is_refused_before_the_budget_exists() {
    let emulator = Emulator::start().unwrap();
    let sdk = Sdk::new(&emulator);
    let f = fixture();
    let refused = terraform(&f, &emulator, &[("publishers", json!(["cloudwatch"]))]);
    refused.init();
    let destroy = refused.destroy_on_drop();
    let out = refused
        .try_apply()
        .expect_err("the apply must refuse the topic")
        .output();
    for needle in [
        "AWS Budgets cannot publish to the topic",
        "topic_arn",
        "budgets.amazonaws.com",
        "\"AllowBudgetsToPublish\"",
        "Add \"budgets\" to the publishers",
    ] {
        assert!(out.contains(needle), "{needle:?} not in:\n{out}");
    }
    assert!(
        sdk.budget_names().is_empty(),
        "a refused budget must not exist: {:?}",
        sdk.budget_names()
    );

    // The fix the message gives works: let budgets publish, apply again.
    let fixed = terraform(&f, &emulator, &[]);
    fixed.apply_and_idempotent();
    assert_eq!(sdk.budget_names(), vec![NAME.to_owned()]);
    drop(destroy);
    assert!(sdk.budget_names().is_empty());
}
