//! `opsdeck_alarm_set` through the real terraform against the emulator: lifecycle, drift,
//! import, partial failures and throttling, batched refresh, and plan-time errors.
//! What CloudWatch holds is asserted through the AWS SDK, not through Terraform.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use aws_sdk_cloudwatch::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cloudwatch::types::{AlarmType, CompositeAlarm, MetricAlarm};
use serde_json::{json, Value as Json};
use terratest::{Emulator, Fault, Options, PlanExit, Terraform};

const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:pager";

/// CloudWatch through the SDK, behind Terraform's back.
struct Aws {
    rt: tokio::runtime::Runtime,
    cw: aws_sdk_cloudwatch::Client,
}

impl Aws {
    fn new(emulator: &Emulator) -> Self {
        Self::in_region(emulator, "us-east-1")
    }

    fn in_region(emulator: &Emulator, region: &'static str) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let config = rt.block_on(
            aws_config::defaults(BehaviorVersion::latest())
                .region(Region::new(region))
                .endpoint_url(emulator.endpoint())
                .credentials_provider(Credentials::new(
                    "testing",
                    "testing",
                    None,
                    None,
                    "terratest",
                ))
                .retry_config(aws_config::retry::RetryConfig::disabled())
                .load(),
        );
        Self {
            rt,
            cw: aws_sdk_cloudwatch::Client::new(&config),
        }
    }

    /// Every alarm of the account and region, metric and composite, by name.
    fn all(
        &self,
    ) -> (
        BTreeMap<String, MetricAlarm>,
        BTreeMap<String, CompositeAlarm>,
    ) {
        self.rt.block_on(async {
            let (mut metric, mut composite) = (BTreeMap::new(), BTreeMap::new());
            let mut token = None;
            loop {
                let out = self
                    .cw
                    .describe_alarms()
                    .alarm_types(AlarmType::MetricAlarm)
                    .alarm_types(AlarmType::CompositeAlarm)
                    .max_records(100)
                    .set_next_token(token)
                    .send()
                    .await
                    .unwrap();
                for a in out.metric_alarms() {
                    metric.insert(a.alarm_name().unwrap().to_owned(), a.clone());
                }
                for a in out.composite_alarms() {
                    composite.insert(a.alarm_name().unwrap().to_owned(), a.clone());
                }
                token = out.next_token().map(str::to_owned);
                if token.is_none() {
                    return (metric, composite);
                }
            }
        })
    }

    fn names(&self) -> BTreeSet<String> {
        let (metric, composite) = self.all();
        metric.into_keys().chain(composite.into_keys()).collect()
    }

    fn metric(&self, name: &str) -> MetricAlarm {
        self.all()
            .0
            .remove(name)
            .unwrap_or_else(|| panic!("no metric alarm {name}"))
    }

    fn composite(&self, name: &str) -> Option<CompositeAlarm> {
        self.all().1.remove(name)
    }

    fn tags(&self, arn: &str) -> BTreeMap<String, String> {
        self.rt.block_on(async {
            let out = self
                .cw
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .unwrap();
            out.tags()
                .iter()
                .map(|t| (t.key().unwrap().to_owned(), t.value().unwrap().to_owned()))
                .collect()
        })
    }

    /// Puts an existing alarm again with another threshold, everything else unchanged.
    fn set_threshold(&self, name: &str, threshold: f64) {
        let a = self.metric(name);
        self.rt.block_on(async {
            self.cw
                .put_metric_alarm()
                .alarm_name(name)
                .set_alarm_description(a.alarm_description().map(str::to_owned))
                .set_actions_enabled(a.actions_enabled())
                .set_alarm_actions(Some(a.alarm_actions().to_vec()))
                .set_ok_actions(Some(a.ok_actions().to_vec()))
                .set_comparison_operator(a.comparison_operator().cloned())
                .threshold(threshold)
                .set_evaluation_periods(a.evaluation_periods())
                .set_datapoints_to_alarm(a.datapoints_to_alarm())
                .set_treat_missing_data(a.treat_missing_data().map(str::to_owned))
                .set_namespace(a.namespace().map(str::to_owned))
                .set_metric_name(a.metric_name().map(str::to_owned))
                .set_dimensions((!a.dimensions().is_empty()).then(|| a.dimensions().to_vec()))
                .set_period(a.period())
                .set_statistic(a.statistic().cloned())
                .set_extended_statistic(a.extended_statistic().map(str::to_owned))
                .set_metrics((!a.metrics().is_empty()).then(|| a.metrics().to_vec()))
                .send()
                .await
                .unwrap();
        });
    }

    fn delete(&self, names: &[&str]) {
        self.rt.block_on(async {
            let names = names.iter().map(|n| (*n).to_owned()).collect();
            self.cw
                .delete_alarms()
                .set_alarm_names(Some(names))
                .send()
                .await
                .unwrap();
        });
    }

    fn untag(&self, arn: &str, key: &str) {
        self.rt.block_on(async {
            self.cw
                .untag_resource()
                .resource_arn(arn)
                .tag_keys(key)
                .send()
                .await
                .unwrap();
        });
    }
}

fn terraform(emulator: &Emulator, dir: &Path, vars: &[(&str, Json)]) -> Terraform {
    let mut options = Options::new(dir)
        .cli_config(common::cli_config())
        .envs(emulator.env());
    for (name, value) in vars {
        options = options.var(*name, value);
    }
    Terraform::new(options)
}

/// The fixture's default alarms, as a variable value to modify.
fn default_alarms() -> Json {
    json!({
        "lambda_errors": {
            "preset": "lambda_error_rate",
            "dimension": "checkout-api",
            "severity": "critical",
            "runbook_url": "https://wiki.example.com/runbooks/lambda-errors"
        },
        "api_5xx": { "preset": "api_5xx_rate", "dimension": "checkout" },
        "orders": {
            "ratio": {
                "numerator": { "namespace": "Shop", "metric_name": "OrdersFailed", "dimensions": { "Service": "checkout" } },
                "denominator": { "namespace": "Shop", "metric_name": "Orders", "dimensions": { "Service": "checkout" } }
            },
            "threshold": 2.5
        }
    })
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// The resource instance in the raw state: its status and attributes.
fn state_instance(tf: &Terraform) -> Option<Json> {
    let state: Json = serde_json::from_str(&tf.try_state_pull().unwrap()).unwrap();
    state["resources"]
        .as_array()?
        .iter()
        .find(|r| r["type"] == "opsdeck_alarm_set")?["instances"][0]
        .clone()
        .into()
}

fn keys_of(value: &Json) -> BTreeSet<String> {
    value
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn create_replan_update_add_remove_and_destroy() {
    let emulator = Emulator::start().unwrap();
    let aws = Aws::new(&emulator);
    let copy = common::fixture("alarm_set");
    let tf = terraform(&emulator, &copy.path, &[]);
    tf.init();
    let guard = tf.destroy_on_drop();
    tf.apply_and_idempotent();

    // Three children and one composite, nothing else.
    assert_eq!(
        aws.names(),
        set(&[
            "checkout",
            "checkout-api_5xx",
            "checkout-lambda_errors",
            "checkout-orders"
        ])
    );
    let lambda = aws.metric("checkout-lambda_errors");
    let expressions: Vec<&str> = lambda
        .metrics()
        .iter()
        .filter_map(|q| q.expression())
        .collect();
    assert_eq!(expressions, vec!["IF(m2 > 0, 100 * FILL(m1, 0) / m2, 0)"]);
    assert_eq!(lambda.threshold(), Some(5.0));
    assert!(
        lambda.alarm_actions().is_empty(),
        "children page through the composite only"
    );
    let description = lambda.alarm_description().unwrap();
    assert!(
        description.ends_with(
            "[opsdeck] set=checkout key=lambda_errors kind=preset:lambda_error_rate severity=critical runbook=https://wiki.example.com/runbooks/lambda-errors"
        ),
        "{description}"
    );
    let composite = aws.composite("checkout").unwrap();
    assert_eq!(
        composite.alarm_rule(),
        Some(
            r#"ALARM("checkout-api_5xx") OR ALARM("checkout-lambda_errors") OR ALARM("checkout-orders")"#
        )
    );
    assert_eq!(composite.alarm_actions(), [TOPIC]);
    let expected_tags = BTreeMap::from([
        ("managed_by".to_owned(), "terratest".to_owned()),
        ("team".to_owned(), "payments".to_owned()),
    ]);
    assert_eq!(aws.tags(composite.alarm_arn().unwrap()), expected_tags);
    assert_eq!(aws.tags(lambda.alarm_arn().unwrap()), expected_tags);
    let arns: BTreeMap<String, String> = tf.output("alarm_arns");
    assert_eq!(arns["lambda_errors"], lambda.alarm_arn().unwrap());
    assert_eq!(
        tf.output::<String>("composite_alarm_arn"),
        composite.alarm_arn().unwrap()
    );
    let detection: BTreeMap<String, u64> = tf.output("detection_seconds");
    assert_eq!(
        detection,
        BTreeMap::from([
            ("api_5xx".into(), 300),
            ("lambda_errors".into(), 300),
            ("orders".into(), 300)
        ])
    );

    // Update in place: a threshold and a tag.
    let mut alarms = default_alarms();
    alarms["orders"]["threshold"] = json!(4);
    let tf2 = terraform(
        &emulator,
        &copy.path,
        &[
            ("alarms", alarms.clone()),
            ("tags", json!({"team": "platform"})),
        ],
    );
    let plan = tf2.plan();
    assert_eq!(
        plan.plan.change("opsdeck_alarm_set.this").unwrap().action(),
        "update"
    );
    tf2.apply_and_idempotent();
    let orders = aws.metric("checkout-orders");
    assert_eq!(orders.threshold(), Some(4.0));
    for arn in [
        orders.alarm_arn().unwrap(),
        composite.alarm_arn().unwrap(),
        lambda.alarm_arn().unwrap(),
    ] {
        assert_eq!(
            aws.tags(arn).get("team").map(String::as_str),
            Some("platform"),
            "{arn}"
        );
    }

    // Add a child and remove another; a tag key replaced by another.
    alarms.as_object_mut().unwrap().remove("api_5xx");
    alarms["db"] =
        json!({ "preset": "log_errors", "dimension": "Opsdeck/App/DatabaseConnectionErrors" });
    let tf3 = terraform(
        &emulator,
        &copy.path,
        &[("alarms", alarms), ("tags", json!({"owner": "sre"}))],
    );
    assert_eq!(
        tf3.plan()
            .plan
            .change("opsdeck_alarm_set.this")
            .unwrap()
            .action(),
        "update"
    );
    tf3.apply_and_idempotent();
    assert_eq!(
        aws.names(),
        set(&[
            "checkout",
            "checkout-db",
            "checkout-lambda_errors",
            "checkout-orders"
        ])
    );
    let db = aws.metric("checkout-db");
    assert_eq!(
        (db.namespace(), db.metric_name(), db.threshold()),
        (
            Some("Opsdeck/App"),
            Some("DatabaseConnectionErrors"),
            Some(0.0)
        )
    );
    assert_eq!(
        aws.composite("checkout").unwrap().alarm_rule(),
        Some(
            r#"ALARM("checkout-db") OR ALARM("checkout-lambda_errors") OR ALARM("checkout-orders")"#
        )
    );
    let now_tags = BTreeMap::from([
        ("managed_by".to_owned(), "terratest".to_owned()),
        ("owner".to_owned(), "sre".to_owned()),
    ]);
    // A new child, an unchanged child and the composite: `team` is gone everywhere.
    for arn in [
        db.alarm_arn().unwrap(),
        lambda.alarm_arn().unwrap(),
        composite.alarm_arn().unwrap(),
    ] {
        assert_eq!(aws.tags(arn), now_tags, "{arn}");
    }

    // Destroy leaves no alarm.
    let _ = guard.destroy_now().unwrap();
    assert!(aws.names().is_empty(), "{:?}", aws.names());
}

#[test]
fn a_new_name_replaces_the_set() {
    let emulator = Emulator::start().unwrap();
    let aws = Aws::new(&emulator);
    let copy = common::fixture("alarm_set");
    let tf = terraform(&emulator, &copy.path, &[]);
    tf.init();
    tf.apply_and_idempotent();

    let renamed = terraform(&emulator, &copy.path, &[("name", json!("orders-api"))]);
    let _guard = renamed.destroy_on_drop();
    let plan = renamed.plan();
    let change = plan.plan.change("opsdeck_alarm_set.this").unwrap();
    assert_eq!(change.action(), "replace");
    assert!(
        change
            .change
            .replace_paths
            .iter()
            .any(|p| p == &json!(["name"])),
        "{:?}",
        change.change.replace_paths
    );
    renamed.apply_and_idempotent();
    assert_eq!(
        aws.names(),
        set(&[
            "orders-api",
            "orders-api-api_5xx",
            "orders-api-lambda_errors",
            "orders-api-orders"
        ])
    );
    renamed.destroy();
    assert!(aws.names().is_empty());
}

#[test]
fn import_by_set_name_then_the_plan_is_empty() {
    let emulator = Emulator::start().unwrap();
    let copy = common::fixture("alarm_set");
    let suppressed = (
        json!("lambda_errors OR (api_5xx AND NOT OK(orders))"),
        json!({ "alarm": "orders", "wait_period": 60, "extension_period": 120 }),
    );
    for (rule, suppressor) in [(json!(null), json!(null)), suppressed] {
        let vars = [("rule", rule.clone()), ("suppressor", suppressor.clone())];
        let owner = terraform(&emulator, &copy.path, &vars);
        owner.init();
        let guard = owner.destroy_on_drop();
        owner.apply_and_idempotent();

        // A second working directory with the same configuration and an empty state.
        let other = common::fixture("alarm_set");
        let importer = terraform(&emulator, &other.path, &vars);
        importer.init();
        let out = importer
            .try_import("opsdeck_alarm_set.this", "checkout")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(out.stdout.contains("Import successful"), "{}", out.stdout);
        importer
            .try_assert_no_changes()
            .unwrap_or_else(|e| panic!("rule {rule}: {e}"));
        let imported = state_instance(&importer).unwrap();
        assert_eq!(
            keys_of(&imported["attributes"]["child_alarms"]),
            set(&["api_5xx", "lambda_errors", "orders"])
        );
        assert_eq!(
            imported["attributes"]["tags"],
            json!({"team": "payments"}),
            "default tags are not the set's own"
        );
        if !suppressor.is_null() {
            let composite = Aws::new(&emulator).composite("checkout").unwrap();
            assert_eq!(composite.actions_suppressor(), Some("checkout-orders"));
            let periods = (
                composite.actions_suppressor_wait_period(),
                composite.actions_suppressor_extension_period(),
            );
            assert_eq!(periods, (Some(60), Some(120)));
        }
        drop(guard);
    }
    let other = common::fixture("alarm_set");
    let importer = terraform(&emulator, &other.path, &[]);
    importer.init();
    let err = importer
        .try_import("opsdeck_alarm_set.this", "no-such-set")
        .unwrap_err();
    assert!(
        err.output()
            .contains("there is no composite alarm named \"no-such-set\""),
        "{}",
        err.output()
    );
}

#[test]
fn drift_behind_terraforms_back_is_planned_and_repaired() {
    let emulator = Emulator::start().unwrap();
    let aws = Aws::new(&emulator);
    let copy = common::fixture("alarm_set");
    let tf = terraform(&emulator, &copy.path, &[]);
    tf.init();
    let _guard = tf.destroy_on_drop();
    tf.apply_and_idempotent();

    // A threshold changed, a child deleted (its composite first: CloudWatch refuses to
    // delete a child that a composite references), a tag removed.
    aws.set_threshold("checkout-lambda_errors", 50.0);
    aws.delete(&["checkout"]);
    aws.delete(&["checkout-api_5xx"]);
    let orders_arn = aws
        .metric("checkout-orders")
        .alarm_arn()
        .unwrap()
        .to_owned();
    aws.untag(&orders_arn, "team");

    let plan = tf.plan();
    assert_eq!(plan.exit, PlanExit::Changes);
    let change = plan.plan.change("opsdeck_alarm_set.this").unwrap();
    assert_eq!(change.action(), "update");
    let before = &change.change.before;
    let after = &change.change.after;
    assert_eq!(
        keys_of(&before["child_alarms"]),
        set(&["lambda_errors", "orders"]),
        "the refresh saw the deletion"
    );
    assert_eq!(
        keys_of(&after["child_alarms"]),
        set(&["api_5xx", "lambda_errors", "orders"])
    );
    let threshold = |side: &Json| -> f64 {
        let def: Json =
            serde_json::from_str(side["child_alarms"]["lambda_errors"].as_str().unwrap()).unwrap();
        def["Threshold"].as_f64().unwrap()
    };
    assert_eq!((threshold(before), threshold(after)), (50.0, 5.0));
    let tags = |side: &Json| -> Json {
        let def: Json =
            serde_json::from_str(side["child_alarms"]["orders"].as_str().unwrap()).unwrap();
        def["Tags"].clone()
    };
    assert_eq!(tags(before), json!({"managed_by": "terratest"}));
    assert_eq!(
        tags(after),
        json!({"managed_by": "terratest", "team": "payments"})
    );
    assert!(before["composite_alarm"].is_null() && after["composite_alarm"].is_string());
    assert!(
        plan.stdout.contains("Threshold") && plan.stdout.contains("50"),
        "{}",
        plan.stdout
    );

    tf.apply_and_idempotent();
    assert_eq!(aws.metric("checkout-lambda_errors").threshold(), Some(5.0));
    assert_eq!(
        aws.names(),
        set(&[
            "checkout",
            "checkout-api_5xx",
            "checkout-lambda_errors",
            "checkout-orders"
        ])
    );
    assert_eq!(
        aws.tags(&orders_arn).get("team").map(String::as_str),
        Some("payments")
    );

    // Everything gone behind Terraform's back: the plan creates the set again.
    aws.delete(&["checkout"]);
    aws.delete(&[
        "checkout-api_5xx",
        "checkout-lambda_errors",
        "checkout-orders",
    ]);
    assert_eq!(
        tf.plan()
            .plan
            .change("opsdeck_alarm_set.this")
            .unwrap()
            .action(),
        "create"
    );
}

#[test]
fn a_failed_composite_write_is_recorded_and_the_next_apply_converges() {
    let emulator = Emulator::start().unwrap();
    let aws = Aws::new(&emulator);
    let copy = common::fixture("alarm_set");
    let tf = terraform(&emulator, &copy.path, &[]);
    tf.init();
    let _guard = tf.destroy_on_drop();
    // A refusal (HTTP 400): the composite is certainly not written. (A 5xx or a lost answer
    // may hide a write: the state then counts the composite until a refresh says otherwise;
    // tests/fault_injection.rs covers those.)
    let injected = || {
        Fault::error("PutCompositeAlarm", "LimitExceeded", 1)
            .service("monitoring")
            .status(400)
            .message("injected failure")
    };

    // Create: the children are written, then the composite write fails.
    emulator.inject_fault(&injected()).unwrap();
    let err = tf.try_apply().unwrap_err();
    let out = squeeze(&err.output());
    assert!(
        out.contains("Cannot apply opsdeck_alarm_set \"checkout\""),
        "{out}"
    );
    assert!(
        out.contains(
            "AWS cloudwatch refused PutCompositeAlarm (LimitExceeded: injected failure, HTTP 400)"
        ),
        "{out}"
    );
    assert!(out.contains("CloudWatch now holds 3 child alarm(s) of this set (the configuration has 3) but not its composite alarm"), "{out}");
    assert_eq!(
        aws.names(),
        set(&[
            "checkout-api_5xx",
            "checkout-lambda_errors",
            "checkout-orders"
        ])
    );
    let instance = state_instance(&tf).expect("the written children are in the state");
    assert_eq!(instance["status"], "tainted");
    assert_eq!(
        keys_of(&instance["attributes"]["child_alarms"]),
        set(&["api_5xx", "lambda_errors", "orders"])
    );
    assert!(instance["attributes"]["composite_alarm"].is_null());

    tf.apply_and_idempotent();
    assert_eq!(
        aws.names(),
        set(&[
            "checkout",
            "checkout-api_5xx",
            "checkout-lambda_errors",
            "checkout-orders"
        ])
    );

    // Update: a child added, one removed, and the composite write fails. The removed child
    // must survive (the composite still references it); the added one is recorded.
    let mut alarms = default_alarms();
    alarms.as_object_mut().unwrap().remove("orders");
    alarms["throttles"] = json!({ "preset": "lambda_throttles", "dimension": "checkout-api" });
    let changed = terraform(&emulator, &copy.path, &[("alarms", alarms)]);
    emulator.inject_fault(&injected()).unwrap();
    let err = changed.try_apply().unwrap_err();
    let out = squeeze(&err.output());
    assert!(out.contains("CloudWatch now holds 4 child alarm(s) of this set (the configuration has 3) and its composite alarm"), "{out}");
    let names = set(&[
        "checkout",
        "checkout-api_5xx",
        "checkout-lambda_errors",
        "checkout-orders",
        "checkout-throttles",
    ]);
    assert_eq!(aws.names(), names);
    let instance = state_instance(&changed).unwrap();
    assert_ne!(instance["status"], "tainted");
    assert_eq!(
        keys_of(&instance["attributes"]["child_alarms"]),
        set(&["api_5xx", "lambda_errors", "orders", "throttles"])
    );
    assert!(
        aws.composite("checkout")
            .unwrap()
            .alarm_rule()
            .unwrap()
            .contains("checkout-orders"),
        "the old rule stands"
    );

    changed.apply_and_idempotent();
    assert_eq!(
        aws.names(),
        set(&[
            "checkout",
            "checkout-api_5xx",
            "checkout-lambda_errors",
            "checkout-throttles"
        ])
    );
    changed.destroy();
    assert!(aws.names().is_empty(), "no orphan: {:?}", aws.names());
}

#[test]
fn a_failed_first_write_leaves_no_resource_and_no_alarm() {
    let emulator = Emulator::start().unwrap();
    let aws = Aws::new(&emulator);
    let copy = common::fixture("alarm_set");
    let tf = terraform(&emulator, &copy.path, &[]);
    tf.init();
    let _guard = tf.destroy_on_drop();
    // Refused (HTTP 400): nothing was written, so nothing is recorded.
    emulator
        .inject_fault(
            &Fault::error("PutMetricAlarm", "LimitExceeded", 1)
                .service("monitoring")
                .status(400),
        )
        .unwrap();
    let err = tf.try_apply().unwrap_err();
    assert!(
        squeeze(&err.output()).contains("AWS cloudwatch refused PutMetricAlarm (LimitExceeded"),
        "{}",
        err.output()
    );
    assert!(aws.names().is_empty());
    assert!(
        state_instance(&tf).is_none(),
        "nothing exists, so nothing is recorded"
    );
    // A server error may hide a write: the alarm counts as existing (tainted) until the
    // next refresh finds it is not there; that apply converges.
    emulator
        .inject_fault(
            &Fault::error("PutMetricAlarm", "InternalFailure", 1)
                .service("monitoring")
                .status(500),
        )
        .unwrap();
    let err = tf.try_apply().unwrap_err();
    assert!(
        squeeze(&err.output()).contains("(OPSDECK-P003)"),
        "{}",
        err.output()
    );
    assert!(aws.names().is_empty());
    let instance = state_instance(&tf).expect("a write without an answer is recorded");
    assert_eq!(instance["status"], "tainted");
    tf.apply_and_idempotent();
    assert_eq!(aws.names().len(), 4);
}

#[test]
fn a_throttled_refresh_backs_off_or_says_why_it_failed() {
    let emulator = Emulator::start().unwrap();
    let copy = common::fixture("alarm_set");
    let tf = terraform(&emulator, &copy.path, &[]);
    tf.init();
    let _guard = tf.destroy_on_drop();
    tf.apply_and_idempotent();

    // max_retries = 3: the SDK backs off (with jitter) over two throttled calls.
    let patient = terraform(&emulator, &copy.path, &[("max_retries", json!(3))]);
    emulator.clear_request_log().unwrap();
    emulator
        .inject_fault(&Fault::throttle("DescribeAlarms", 2).service("monitoring"))
        .unwrap();
    assert_eq!(patient.plan().exit, PlanExit::NoChanges);
    let log = emulator.request_log().unwrap();
    assert_eq!(
        log.count("monitoring:DescribeAlarms"),
        3,
        "two throttled calls and one success: {log:?}"
    );

    // max_retries = 0: the first throttle fails the plan with a clear error.
    emulator
        .inject_fault(&Fault::throttle("DescribeAlarms", 1).service("monitoring"))
        .unwrap();
    let err = tf.try_plan().unwrap_err();
    let out = squeeze(&err.output());
    assert!(
        out.contains("Cannot read opsdeck_alarm_set \"checkout\""),
        "{out}"
    );
    assert!(
        out.contains("AWS cloudwatch refused DescribeAlarms (Throttling: Rate exceeded")
            && out.contains("(OPSDECK-P005)"),
        "{out}"
    );
    emulator.clear_faults().unwrap();
}

#[test]
fn a_refresh_of_the_largest_set_takes_two_describe_and_two_tag_calls() {
    let emulator = Emulator::start().unwrap();
    let copy = common::fixture("alarm_set");
    let alarms: serde_json::Map<String, Json> = (0..100)
        .map(|i| {
            (
                format!("fn{i:03}"),
                json!({ "preset": "lambda_error_rate", "dimension": format!("fn-{i:03}") }),
            )
        })
        .collect();
    let tf = terraform(&emulator, &copy.path, &[("alarms", Json::Object(alarms))]);
    tf.init();
    let _guard = tf.destroy_on_drop();
    tf.apply();
    emulator.clear_request_log().unwrap();
    assert_eq!(tf.plan().exit, PlanExit::NoChanges);
    let log = emulator.request_log().unwrap();
    // 101 alarms (100 children, the most a composite takes, and the composite):
    // ceil(101/100) calls of each, where one call per alarm and operation would be 202.
    assert_eq!(log.count("monitoring:DescribeAlarms"), 2, "{log:?}");
    assert_eq!(log.count("tagging:GetResources"), 2, "{log:?}");
    assert_eq!(log.total, 4, "{log:?}");
}

#[test]
fn values_known_only_after_apply_and_a_region_of_its_own() {
    let emulator = Emulator::start().unwrap();
    let copy = common::fixture("alarm_set_unknown");
    let tf = terraform(&emulator, &copy.path, &[]);
    tf.init();
    let _guard = tf.destroy_on_drop();
    let plan = tf.plan();
    let change = plan.plan.change("opsdeck_alarm_set.this").unwrap();
    assert_eq!(change.action(), "create");
    // What depends on the unknown dimension and topic is unknown; the detection times and
    // the defaults are not.
    assert_eq!(
        change.change.after_unknown["child_alarms"],
        json!({"errors": true, "throttles": true})
    );
    assert_eq!(change.change.after_unknown["composite_alarm"], json!(true));
    assert_eq!(
        change.change.after["detection_seconds"],
        json!({"errors": 300, "throttles": 240})
    );
    assert_eq!(
        change.change.after["alarms"]["errors"]["threshold"],
        json!(5)
    );
    tf.apply_and_idempotent();

    let eu = Aws::in_region(&emulator, "eu-west-1");
    assert_eq!(
        eu.names(),
        set(&["checkout-eu", "checkout-eu-errors", "checkout-eu-throttles"])
    );
    let errors = eu.metric("checkout-eu-errors");
    assert!(errors
        .alarm_arn()
        .unwrap()
        .starts_with("arn:aws:cloudwatch:eu-west-1:"));
    let dims: Vec<&str> = errors.metrics()[0]
        .metric_stat()
        .unwrap()
        .metric()
        .unwrap()
        .dimensions()
        .iter()
        .filter_map(|d| d.value())
        .collect();
    assert_eq!(dims, ["checkout-api"]);
    assert_eq!(
        eu.composite("checkout-eu").unwrap().alarm_actions(),
        ["arn:aws:sns:eu-west-1:123456789012:pager"]
    );
    assert!(
        Aws::new(&emulator).names().is_empty(),
        "nothing in the provider's own region"
    );
}

/// One bad configuration: the resource body, and what the error must say.
struct Bad {
    body: String,
    region: &'static str,
    summary: &'static str,
    detail: &'static str,
    /// Text of the configuration line Terraform quotes for the attribute path.
    line: &'static str,
    /// The full attribute path the detail names, when it is deeper than the quoted line.
    path: Option<&'static str>,
}

fn bad(body: &str, summary: &'static str, detail: &'static str, line: &'static str) -> Bad {
    Bad {
        body: body.to_owned(),
        region: "us-east-1",
        summary,
        detail,
        line,
        path: None,
    }
}

impl Bad {
    fn at(mut self, path: &'static str) -> Self {
        self.path = Some(path);
        self
    }
}

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `alarms = { errors = { <lambda_error_rate preset> <extra> } }`.
fn lambda_with(extra: &str) -> String {
    format!(
        r#"alarms = {{
    errors = {{
      preset    = "lambda_error_rate"
      dimension = "checkout-api"
      {extra}
    }}
  }}"#
    )
}

#[test]
fn bad_inputs_fail_at_plan_naming_the_attribute_and_the_fix() {
    let emulator = Emulator::start().unwrap();
    let dir = tempfile::Builder::new()
        .prefix("alarm-set-bad-")
        .tempdir()
        .unwrap();
    let lambda = lambda_with("");
    let cases = vec![
        bad(r#"alarms = {
    errors = { preset = "lambda_errors", dimension = "checkout-api" }
  }"#, "Unknown preset", "use one of lambda_error_rate, lambda_throttles, api_5xx_rate", "preset = \"lambda_errors\"")
            .at(r#"alarms["errors"].preset"#),
        bad(r#"alarms = {
    errors = { preset = "lambda_error_rate" }
  }"#, "Missing dimension", "needs `dimension`: the Lambda function name", "errors = { preset = \"lambda_error_rate\" }")
            .at(r#"alarms["errors"].dimension"#),
        bad(&lambda_with("period = 45"), "Invalid period", "period is 45; CloudWatch alarms take 10, 30 or a multiple of 60", "errors = {")
            .at(r#"alarms["errors"].period"#),
        bad(&lambda_with("threshold = 150"), "Threshold out of range", "it is a percentage: use a value from 0 to 100", "errors = {")
            .at(r#"alarms["errors"].threshold"#),
        bad(&lambda_with("evaluation_periods = 5"), "Alarm cannot fire in time",
            "can take up to 480 s to fire: 60 s partly breaching first period + 60 s × datapoints_to_alarm 5 + 60 s publication delay of its metrics + 60 s between CloudWatch's evaluations. max_detection_seconds is 300. To fix it, set datapoints_to_alarm = 2",
            "errors = {"),
        bad(&lambda_with("evaluation_periods = 1\n      datapoints_to_alarm = 2"), "Invalid datapoints_to_alarm", "must be at most evaluation_periods", "errors = {")
            .at(r#"alarms["errors"].datapoints_to_alarm"#),
        bad(&lambda_with("severity = \"urgent\""), "Invalid severity", "use one of critical, high, medium, low, info", "errors = {")
            .at(r#"alarms["errors"].severity"#),
        bad(&lambda_with("runbook_url = \"wiki/runbook\""), "Invalid runbook_url", "is not an http(s) URL", "errors = {")
            .at(r#"alarms["errors"].runbook_url"#),
        bad(&format!("{lambda}\n  alarm_actions = [{}]", (0..6).map(|i| format!("\"{TOPIC}{i}\"")).collect::<Vec<_>>().join(", ")),
            "Too many actions", "at most 5 per alarm state", "alarm_actions = ["),
        bad(&format!("{lambda}\n  ok_actions = [\"arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x\"]"),
            "Invalid alarm action", "use the ARN of an SNS topic, a Lambda function", "ok_actions = ["),
        bad(&format!("{lambda}\n  alarm_actions = [\"arn:aws:sns:eu-west-1:123456789012:pager\"]"),
            "Invalid alarm action", "CloudWatch notifies only topics of the alarm's own region. Use a topic in us-east-1.", "alarm_actions = ["),
        bad(&format!("{lambda}\n  composite = {{ rule = \"errors OR latency\" }}"),
            "Invalid composite rule", "\"latency\" is not a key of `alarms`; the keys of `alarms` are: errors", "rule = \"errors OR latency\"")
            .at("composite.rule"),
        bad(&format!("{lambda}\n  composite = {{ rule = \"errors or errors\" }}"),
            "Invalid composite rule", "operators are written in capitals", "rule = \"errors or errors\"")
            .at("composite.rule"),
        bad(&lambda_with("metric = { namespace = \"AWS/Lambda\", metric_name = \"Errors\" }"),
            "Invalid alarm", "sets preset and metric; set exactly one of `preset`, `ratio` or `metric`", "errors = {"),
        bad(r#"alarms = {
    db = { preset = "log_errors", dimension = "DatabaseConnectionErrors" }
  }"#, "Invalid dimension", "is not NAMESPACE/METRIC", "dimension = \"DatabaseConnectionErrors\"")
            .at(r#"alarms["db"].dimension"#),
        bad(r#"alarms = { for i in range(101) : "fn${i}" => { preset = "lambda_throttles", dimension = "fn-${i}" } }"#,
            "Wrong number of alarms", "a composite alarm takes 1 to 100. Split it into several sets.", "alarms = { for i in range(101)"),
        Bad {
            body: r#"alarms = {
    cdn = { preset = "cloudfront_5xx_rate", dimension = "E2QWRUHEXAMPLE" }
  }"#
            .into(),
            region: "eu-west-1",
            summary: "CloudFront alarms must be in us-east-1",
            detail: "reads CloudFront metrics, which exist only in us-east-1, but the set is in eu-west-1",
            line: "cdn = {",
            path: None,
        },
    ];
    assert!(cases.len() >= 10);
    let write = |case: &Bad, name: &str| {
        let hcl = format!(
            r#"terraform {{
  required_providers {{
    opsdeck = {{ source = "registry.opsdeck.internal/opsdeck/opsdeck" }}
  }}
}}

provider "opsdeck" {{
  region      = "{}"
  max_retries = 0
}}

resource "opsdeck_alarm_set" "this" {{
  name = "{name}"
  {}
}}
"#,
            case.region, case.body
        );
        std::fs::write(dir.path().join("main.tf"), hcl).unwrap();
    };
    write(&cases[0], "checkout");
    let tf = terraform(&emulator, dir.path(), &[]);
    tf.init();
    for case in &cases {
        write(case, "checkout");
        let err = tf.try_plan().expect_err(case.summary);
        // Terraform wraps long details: compare with whitespace runs folded.
        let out = squeeze(&err.output());
        assert!(
            out.contains(&format!("Error: {}", case.summary)),
            "{}: {out}",
            case.summary
        );
        assert!(
            out.contains(&squeeze(case.detail)),
            "{}: no {:?} in {out}",
            case.summary,
            case.detail
        );
        assert!(
            out.contains(&squeeze(case.line)),
            "{}: the error does not quote {:?}: {out}",
            case.summary,
            case.line
        );
        if let Some(path) = case.path {
            assert!(
                out.contains(path),
                "{}: the detail does not name {path:?}: {out}",
                case.summary
            );
        }
    }
    // A child name over 255 characters.
    write(&bad(&lambda, "", "", ""), &"n".repeat(250));
    let out = tf.try_plan().unwrap_err().output();
    assert!(
        out.contains("Alarm name too long") && out.contains("Shorten `name` or the key"),
        "{out}"
    );
    // Nothing was created by any of them.
    assert!(Aws::new(&emulator).names().is_empty());
}
