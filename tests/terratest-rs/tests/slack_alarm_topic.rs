//! `opsdeck_slack_alarm_topic` through the real terraform against the emulator, with
//! the notifier from `modules/slack-notifier`, its webhook secret and an
//! `opsdeck_alarm_set` that notifies the topic (fixture `slack_topic`):
//! - a key whose policy lacks the cloudwatch grant is refused with the statement named,
//!   at plan time when the key's ARN is known, at apply otherwise;
//! - create, empty re-plan, drift of the topic policy and of the route repaired,
//!   import by topic ARN, destroy;
//! - no state at any step holds the webhook URL.
//!
//! What AWS holds is asserted through the AWS SDK, not through Terraform.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use serde_json::Value;
use terratest::emulator::{ACCESS_KEY_ID, DEFAULT_REGION, SECRET_ACCESS_KEY};
use terratest::{Emulator, Options, PlanExit, Terraform};

const WEBHOOK_URL: &str =
    "https://hooks.slack.com/services/T0TERRATEST/B0TERRATEST/terratestSekr1tT0ken";
const TOPIC: &str = "opsdeck_slack_alarm_topic.alarms";

struct Sdk {
    rt: tokio::runtime::Runtime,
    config: aws_types::SdkConfig,
}

impl Sdk {
    fn new(emulator: &Emulator) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let config = rt.block_on(
            aws_config::defaults(BehaviorVersion::latest())
                .endpoint_url(emulator.endpoint())
                .region(Region::new(DEFAULT_REGION))
                .credentials_provider(Credentials::new(
                    ACCESS_KEY_ID,
                    SECRET_ACCESS_KEY,
                    None,
                    None,
                    "emulator",
                ))
                .retry_config(aws_config::retry::RetryConfig::disabled())
                .load(),
        );
        Self { rt, config }
    }

    fn run<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    fn sns(&self) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.config)
    }

    fn kms(&self) -> aws_sdk_kms::Client {
        aws_sdk_kms::Client::new(&self.config)
    }

    fn lambda(&self) -> aws_sdk_lambda::Client {
        aws_sdk_lambda::Client::new(&self.config)
    }

    fn topic_attributes(&self, arn: &str) -> std::collections::HashMap<String, String> {
        self.run(self.sns().get_topic_attributes().topic_arn(arn).send())
            .unwrap()
            .attributes()
            .cloned()
            .unwrap_or_default()
    }

    fn topics(&self) -> Vec<String> {
        self.run(self.sns().list_topics().send())
            .unwrap()
            .topics()
            .iter()
            .filter_map(|t| t.topic_arn().map(str::to_owned))
            .collect()
    }

    /// (subscription ARN, endpoint) of the topic's Lambda subscriptions.
    fn lambda_subscriptions(&self, topic: &str) -> Vec<(String, String)> {
        self.run(
            self.sns()
                .list_subscriptions_by_topic()
                .topic_arn(topic)
                .send(),
        )
        .unwrap()
        .subscriptions()
        .iter()
        .filter(|s| s.protocol() == Some("lambda"))
        .map(|s| {
            (
                s.subscription_arn().unwrap_or_default().to_owned(),
                s.endpoint().unwrap_or_default().to_owned(),
            )
        })
        .collect()
    }

    /// Statements of the function's resource policy (empty when it has none).
    fn function_statements(&self, function: &str) -> Vec<Value> {
        match self.run(self.lambda().get_policy().function_name(function).send()) {
            Ok(out) => serde_json::from_str::<Value>(out.policy().unwrap_or("{}")).unwrap()
                ["Statement"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    fn key_policy(&self, key: &str) -> String {
        self.run(
            self.kms()
                .get_key_policy()
                .key_id(key)
                .policy_name("default")
                .send(),
        )
        .unwrap()
        .policy()
        .unwrap_or_default()
        .to_owned()
    }

    fn key_state(&self, key: &str) -> String {
        let out = self
            .run(self.kms().describe_key().key_id(key).send())
            .unwrap();
        out.key_metadata()
            .and_then(|m| m.key_state())
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default()
    }
}

/// A zip with a `bootstrap` stand-in: the emulator stores functions, it never runs them.
fn stub_zip(dir: &Path) -> PathBuf {
    let path = dir.join("notifier.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    zip.start_file(
        "bootstrap",
        zip::write::SimpleFileOptions::default().unix_permissions(0o755),
    )
    .unwrap();
    zip.write_all(b"#!/bin/sh\nexit 1\n").unwrap();
    zip.finish().unwrap();
    path
}

struct Fixture {
    _copy: terratest::TempCopy,
    dir: PathBuf,
    zip: PathBuf,
}

/// The fixture, copied with the whole repository so `../../../../modules/...` resolves.
fn fixture() -> Fixture {
    let copy = terratest::copy_folder_to_temp(
        &terratest::paths::repo_root(),
        "tests/terratest-rs/fixtures/slack_topic",
    )
    .unwrap();
    let zip = stub_zip(copy.dir.path());
    Fixture {
        dir: copy.path.clone(),
        zip,
        _copy: copy,
    }
}

fn terraform(f: &Fixture, emulator: &Emulator, vars: &[(&str, Value)]) -> Terraform {
    let mut options = Options::new(&f.dir)
        .cli_config(common::cli_config())
        .envs(emulator.env())
        .var("lambda_zip", f.zip.display().to_string())
        .var("webhook_url", WEBHOOK_URL);
    for (k, v) in vars {
        options = options.var(*k, v);
    }
    Terraform::new(options)
}

/// The webhook URL (or its secret token) must be in no state Terraform keeps.
fn assert_state_has_no_webhook(tf: &Terraform, step: &str) {
    let state = tf.try_state_pull().unwrap();
    assert!(!state.is_empty(), "{step}: empty state");
    for needle in [WEBHOOK_URL, "terratestSekr1tT0ken", "hooks.slack.com"] {
        assert!(
            !state.contains(needle),
            "{step}: the state holds {needle:?}"
        );
    }
}

fn output(tf: &Terraform, name: &str) -> String {
    tf.output::<String>(name)
}

fn canonical(policy: &str) -> String {
    opsdeck_provider::resources::slack_alarm_topic::policy::canonical_text(policy).unwrap()
}

#[test]
fn a_key_policy_without_cloudwatch_is_refused_with_the_statement_to_add() {
    let emulator = Emulator::start().unwrap();
    let sdk = Sdk::new(&emulator);
    let f = fixture();

    // Known at plan time: a key made outside this configuration, granting budgets only.
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "Budgets", "Effect": "Allow", "Principal": {"Service": "budgets.amazonaws.com"}, "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"}
    ]});
    let key = sdk
        .run(sdk.kms().create_key().policy(policy.to_string()).send())
        .unwrap()
        .key_metadata()
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    let tf = terraform(
        &f,
        &emulator,
        &[
            ("kms_key_arn", key.clone().into()),
            ("name", "refused-at-plan".into()),
        ],
    );
    tf.init();
    emulator.clear_request_log().unwrap();
    let out = tf
        .try_plan()
        .expect_err("the plan must refuse the key")
        .output();
    for needle in [
        "KMS key policy does not let the publishers use the key",
        "\"AllowCloudwatchToUseTheKey\"",
        "\"AllowEventsToUseTheKey\"",
        "cloudwatch.amazonaws.com",
        "\"kms:GenerateDataKey*\"",
        "kms_key_arn",
        &key,
    ] {
        assert!(out.contains(needle), "{needle:?} not in:\n{out}");
    }
    assert!(
        !out.contains("\"AllowBudgetsToUseTheKey\""),
        "budgets is granted, so not missing:\n{out}"
    );
    let log = emulator.request_log().unwrap();
    assert_eq!(
        log.count("sns:CreateTopic"),
        0,
        "nothing may be created by a plan: {log:?}"
    );

    // Unknown at plan time (the key is created in the same apply): refused at apply,
    // before the topic exists.
    let tf = terraform(
        &f,
        &emulator,
        &[
            ("key_grants", serde_json::json!(["budgets", "events"])),
            ("name", "refused-at-apply".into()),
        ],
    );
    let _destroy = tf.destroy_on_drop();
    let out = tf
        .try_apply()
        .expect_err("the apply must refuse the key")
        .output();
    assert!(
        out.contains("\"AllowCloudwatchToUseTheKey\"") && out.contains("kms_key_arn"),
        "{out}"
    );
    assert!(!out.contains("\"AllowEventsToUseTheKey\""), "{out}");
    assert!(
        sdk.topics().is_empty(),
        "a refused topic must not exist: {:?}",
        sdk.topics()
    );
    assert_state_has_no_webhook(&tf, "after the refused apply");
}

#[test]
fn create_replan_drift_import_and_destroy() {
    let emulator = Emulator::start().unwrap();
    let sdk = Sdk::new(&emulator);
    let f = fixture();
    let tf = terraform(&f, &emulator, &[]);
    tf.init();
    let destroy = tf.destroy_on_drop();

    // Create, then the re-plan must be empty (P1).
    emulator.clear_request_log().unwrap();
    tf.apply_and_idempotent();
    let topic = output(&tf, "topic_arn");
    let key = output(&tf, "configured_key_arn");
    let function = output(&tf, "function_arn");
    assert_eq!(output(&tf, "topic_kms_key_arn"), key);
    let attrs = sdk.topic_attributes(&topic);
    assert_eq!(
        attrs.get("KmsMasterKeyId"),
        Some(&key),
        "the topic must be encrypted with the given key"
    );
    let policy_text = attrs.get("Policy").cloned().unwrap_or_default();
    let policy: Value = serde_json::from_str(&policy_text).unwrap();
    let statements = policy["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 3, "{policy}");
    for s in statements {
        assert!(
            s["Principal"]["Service"]
                .as_str()
                .is_some_and(|p| p.ends_with(".amazonaws.com")),
            "not a service principal: {s}"
        );
        assert_eq!(
            s["Condition"]["StringEquals"]["aws:SourceAccount"], "123456789012",
            "{s}"
        );
        assert_eq!(s["Action"], "sns:Publish");
        assert_eq!(s["Resource"], topic.as_str());
    }
    assert!(
        !opsdeck_provider::resources::slack_alarm_topic::policy::has_public_principal(&policy_text)
    );
    let subs = sdk.lambda_subscriptions(&topic);
    assert_eq!(subs.len(), 1, "{subs:?}");
    assert_eq!(subs[0].1, function);
    assert_eq!(output(&tf, "subscription_arn"), subs[0].0);
    let sid = opsdeck_provider::resources::slack_alarm_topic::statement_id("opsdeck-alarms");
    let grant = sdk
        .function_statements(&function)
        .into_iter()
        .find(|s| s["Sid"] == sid.as_str())
        .expect("invoke permission");
    assert_eq!(grant["Principal"]["Service"], "sns.amazonaws.com");
    assert!(
        grant.to_string().contains(&topic),
        "the permission must name the topic: {grant}"
    );
    let log = emulator.request_log().unwrap();
    assert_eq!(
        log.count("sns:Publish"),
        1,
        "send_test_message publishes one test message on create: {log:?}"
    );
    assert!(
        log.count("secretsmanager:DescribeSecret") >= 1,
        "the secret's existence is checked: {log:?}"
    );
    // The alarm set notifies the topic (through its composite alarm), and its alarms
    // carry the [opsdeck] line the notifier reads severity and runbook from.
    let cw = aws_sdk_cloudwatch::Client::new(&sdk.config);
    let composite = output(&tf, "composite_alarm_arn");
    let composite_name = composite.rsplit(":alarm:").next().unwrap();
    let found = sdk
        .run(
            cw.describe_alarms()
                .alarm_names(composite_name)
                .alarm_types(aws_sdk_cloudwatch::types::AlarmType::CompositeAlarm)
                .send(),
        )
        .unwrap();
    assert_eq!(
        found.composite_alarms()[0].alarm_actions(),
        std::slice::from_ref(&topic)
    );
    let alarms: std::collections::BTreeMap<String, String> = tf.output("alarm_arns");
    for arn in alarms.values() {
        let name = arn.rsplit(":alarm:").next().unwrap();
        let found = sdk
            .run(cw.describe_alarms().alarm_names(name).send())
            .unwrap();
        let description = found.metric_alarms()[0]
            .alarm_description()
            .unwrap_or_default()
            .to_owned();
        assert!(
            description.contains("[opsdeck] ") && description.contains("severity=critical"),
            "{name}: {description}"
        );
        assert!(
            description.contains("runbook=https://runbooks.example.com/checkout/lambda-errors"),
            "{name}: {description}"
        );
    }
    assert_state_has_no_webhook(&tf, "after create");

    // Drift of the topic policy, made behind Terraform's back (and widened to the
    // public): the plan shows it and the apply puts the scoped policy back.
    let wide = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sns:Publish", "Resource": topic}]});
    sdk.run(
        sdk.sns()
            .set_topic_attributes()
            .topic_arn(&topic)
            .attribute_name("Policy")
            .attribute_value(wide.to_string())
            .send(),
    )
    .unwrap();
    let plan = tf.plan();
    assert_eq!(
        plan.exit,
        PlanExit::Changes,
        "the drift must show:\n{}",
        plan.stdout
    );
    let change = plan.plan.change(TOPIC).unwrap();
    assert_eq!(
        change.action(),
        "update",
        "{:?}",
        plan.plan.pending_changes()
    );
    assert_eq!(
        plan.plan.pending_changes(),
        vec![format!("{TOPIC} (update)")]
    );
    assert_ne!(
        change.change.before["policy"],
        change.change.after["policy"]
    );
    tf.apply_and_idempotent();
    let repaired = sdk
        .topic_attributes(&topic)
        .get("Policy")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        canonical(&repaired),
        canonical(&policy_text),
        "the scoped policy is back"
    );
    assert!(
        !opsdeck_provider::resources::slack_alarm_topic::policy::has_public_principal(&repaired)
    );

    // Drift of the key: the topic switched to the AWS managed key (the trap this
    // resource exists to close) is switched back.
    sdk.run(
        sdk.sns()
            .set_topic_attributes()
            .topic_arn(&topic)
            .attribute_name("KmsMasterKeyId")
            .attribute_value("alias/aws/sns")
            .send(),
    )
    .unwrap();
    let plan = tf.plan();
    assert_eq!(
        plan.plan.pending_changes(),
        vec![format!("{TOPIC} (update)")],
        "{}",
        plan.stdout
    );
    assert_eq!(
        plan.plan.change(TOPIC).unwrap().change.before["kms_key_arn"],
        "alias/aws/sns"
    );
    tf.apply_and_idempotent();
    assert_eq!(
        sdk.topic_attributes(&topic).get("KmsMasterKeyId"),
        Some(&key)
    );

    // Drift of the route: subscription and invoke permission removed.
    sdk.run(sdk.sns().unsubscribe().subscription_arn(&subs[0].0).send())
        .unwrap();
    sdk.run(
        sdk.lambda()
            .remove_permission()
            .function_name(&function)
            .statement_id(&sid)
            .send(),
    )
    .unwrap();
    let plan = tf.plan();
    assert_eq!(
        plan.plan.pending_changes(),
        vec![format!("{TOPIC} (update)")],
        "{}",
        plan.stdout
    );
    tf.apply_and_idempotent();
    assert_eq!(sdk.lambda_subscriptions(&topic).len(), 1);
    assert!(sdk
        .function_statements(&function)
        .iter()
        .any(|s| s["Sid"] == sid.as_str()));

    // Import by topic ARN: forget it, import it, and the plan may only differ in
    // send_test_message (a create-time switch AWS does not record).
    let rm = tf
        .try_run_raw(&["state".into(), "rm".into(), TOPIC.into()])
        .unwrap();
    assert_eq!(rm.code, 0, "{}", rm.combined());
    let bad = tf
        .try_import(TOPIC, "opsdeck-alarms")
        .expect_err("a name is not an ARN")
        .output();
    assert!(bad.contains("import with the topic ARN"), "{bad}");
    tf.try_import(TOPIC, &topic).unwrap();
    let plan = tf.plan();
    let changed: Vec<String> = plan.plan.pending_changes();
    assert!(
        changed.is_empty() || changed == vec![format!("{TOPIC} (update)")],
        "{changed:?}"
    );
    if let Some(c) = plan.plan.change(TOPIC).filter(|c| !c.is_no_op()) {
        let (before, after) = (
            c.change.before.as_object().unwrap(),
            c.change.after.as_object().unwrap(),
        );
        let differ: Vec<&String> = after
            .keys()
            .filter(|k| before.get(*k) != after.get(*k))
            .collect();
        assert_eq!(
            differ,
            vec!["send_test_message"],
            "after import only send_test_message may differ:\n{}",
            plan.stdout
        );
    }
    tf.apply_and_idempotent();
    assert_eq!(
        sdk.topic_attributes(&topic).get("KmsMasterKeyId"),
        Some(&key)
    );
    assert_state_has_no_webhook(&tf, "after import");

    // Destroy: topic, subscription and permission gone; the configured key is
    // aws_kms_key's to delete.
    destroy.destroy_now().unwrap();
    assert!(sdk.topics().is_empty(), "{:?}", sdk.topics());
    assert!(sdk
        .function_statements(&function)
        .iter()
        .all(|s| s["Sid"] != sid.as_str()));
    assert_eq!(sdk.key_state(&key), "PendingDeletion");
}

#[test]
fn without_a_key_the_resource_creates_and_retires_its_own() {
    let emulator = Emulator::start().unwrap();
    let sdk = Sdk::new(&emulator);
    let f = fixture();
    let tf = terraform(
        &f,
        &emulator,
        &[
            ("kms_key_arn", "own".into()),
            ("send_test_message", false.into()),
        ],
    );
    tf.init();
    let destroy = tf.destroy_on_drop();
    emulator.clear_request_log().unwrap();
    tf.apply_and_idempotent();
    let topic = output(&tf, "topic_arn");
    let key = output(&tf, "topic_kms_key_arn");
    assert_ne!(
        key,
        output(&tf, "configured_key_arn"),
        "the resource must make its own key"
    );
    assert_eq!(
        sdk.topic_attributes(&topic).get("KmsMasterKeyId"),
        Some(&key)
    );
    let alias = opsdeck_provider::resources::slack_alarm_topic::own_key_alias("opsdeck-alarms");
    let by_alias = sdk
        .run(sdk.kms().describe_key().key_id(&alias).send())
        .unwrap();
    assert_eq!(
        by_alias.key_metadata().and_then(|m| m.arn()),
        Some(key.as_str())
    );
    let missing = opsdeck_provider::resources::slack_alarm_topic::policy::check_key_policy(
        &sdk.key_policy(&key),
        &[
            "budgets".to_owned(),
            "cloudwatch".to_owned(),
            "events".to_owned(),
        ],
    )
    .unwrap();
    assert!(missing.is_empty(), "{missing:?}");
    let rotation = sdk
        .run(sdk.kms().get_key_rotation_status().key_id(&key).send())
        .unwrap();
    assert!(rotation.key_rotation_enabled());
    assert_eq!(
        emulator.request_log().unwrap().count("sns:Publish"),
        0,
        "send_test_message = false publishes nothing"
    );
    assert_state_has_no_webhook(&tf, "own key");

    // A new publisher: the topic policy and the own key's policy both let it in.
    let all = ["budgets", "cloudwatch", "codestar-notifications", "events"];
    let tf = terraform(
        &f,
        &emulator,
        &[
            ("kms_key_arn", "own".into()),
            ("send_test_message", false.into()),
            ("publishers", serde_json::json!(all)),
        ],
    );
    tf.apply_and_idempotent();
    assert_eq!(
        output(&tf, "topic_kms_key_arn"),
        key,
        "the same key, with a new policy"
    );
    let wanted: Vec<String> = all.iter().map(|s| (*s).to_owned()).collect();
    let missing = opsdeck_provider::resources::slack_alarm_topic::policy::check_key_policy(
        &sdk.key_policy(&key),
        &wanted,
    )
    .unwrap();
    assert!(missing.is_empty(), "{missing:?}");
    let topic_policy = sdk
        .topic_attributes(&topic)
        .get("Policy")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        opsdeck_provider::resources::slack_alarm_topic::policy::publishers_in(&topic_policy),
        wanted
    );

    destroy.destroy_now().unwrap();
    assert!(sdk.topics().is_empty());
    assert_eq!(
        sdk.key_state(&key),
        "PendingDeletion",
        "destroy schedules the deletion of the resource's own key"
    );
    assert!(
        sdk.run(sdk.kms().describe_key().key_id(&alias).send())
            .is_err(),
        "the alias is deleted"
    );
}
