//! The harness's own behaviour against the real terraform binary (no provider needed:
//! `terraform_data` is built in).

mod common;

use serde::Deserialize;
use terratest::{Error, Options, PlanExit, Terraform};

#[test]
fn idempotency_check_fails_on_a_config_that_changes_every_plan() {
    let copy = common::fixture("not_idempotent");
    let tf = Terraform::new(Options::new(&copy.path));
    tf.init();
    let _destroy = tf.destroy_on_drop();
    match tf.try_apply_and_idempotent() {
        Err(Error::NotIdempotent { changes }) => {
            assert_eq!(
                changes,
                vec!["terraform_data.always_new (replace)".to_owned()]
            );
        }
        other => panic!("expected NotIdempotent, got {other:?}"),
    }
}

#[derive(Debug, Deserialize, PartialEq)]
struct Settings {
    name: String,
    ratio: f64,
    enabled: bool,
    tags: std::collections::BTreeMap<String, String>,
}

#[test]
fn typed_vars_plan_outputs_and_destroy_guard() {
    let copy = common::fixture("stable");
    let settings = serde_json::json!({"name": "api", "ratio": 0.1, "enabled": true, "tags": {"Team": "platform"}});
    let tf = Terraform::new(Options::new(&copy.path).var("settings", &settings));
    tf.init();

    let plan = tf.plan();
    assert_eq!(plan.exit, PlanExit::Changes);
    let change = plan.plan.change("terraform_data.this").expect("planned");
    assert_eq!(change.action(), "create");
    assert_eq!(change.after("input").unwrap()["ratio"], 0.1);

    {
        let _destroy = tf.destroy_on_drop();
        tf.apply_and_idempotent();
        let got: Settings = tf.output("settings");
        assert_eq!(got.name, "api");
        assert_eq!(got.ratio, 0.1);
        assert!(got.enabled);
        assert_eq!(tf.output::<Vec<u16>>("ports"), vec![80, 443]);
        assert!(
            tf.try_output::<Vec<String>>("ports").is_err(),
            "a wrong output type is an error"
        );
    }
    // The guard destroyed everything when it went out of scope.
    let state: serde_json::Value = serde_json::from_str(&tf.try_state_pull().unwrap()).unwrap();
    assert_eq!(
        state["resources"].as_array().map(Vec::len),
        Some(0),
        "{state}"
    );
}

#[test]
fn a_failing_command_reports_its_output_and_exit_code() {
    let copy = common::fixture("stable");
    // The required variable is missing: plan must fail, and say which variable.
    let tf = Terraform::new(Options::new(&copy.path));
    tf.init();
    let err = tf.try_plan().unwrap_err();
    assert_eq!(err.exit_code(), Some(1));
    assert!(err.output().contains("settings"), "{}", err.output());
}
