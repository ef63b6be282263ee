//! `opsdeck report` on a plan of the whole stack (fixtures/stack-plan.json, every value known,
//! as a plan of the applied envs/prod is) and on copies broken on purpose: each broken copy must
//! show the failing requirement ID with the resource that breaks it.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::{json, Value};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/stack-plan.json"
);

fn fixture() -> Value {
    serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap()
}

/// The resource at `address` in the plan's planned values, for editing.
fn resource<'a>(plan: &'a mut Value, address: &str) -> &'a mut Value {
    fn find<'a>(module: &'a mut Value, address: &str) -> Option<&'a mut Value> {
        let here = module
            .get("resources")
            .and_then(Value::as_array)
            .and_then(|rs| rs.iter().position(|r| r["address"] == address));
        if let Some(i) = here {
            return module.get_mut("resources").and_then(|r| r.get_mut(i));
        }
        module
            .get_mut("child_modules")
            .and_then(Value::as_array_mut)?
            .iter_mut()
            .find_map(|c| find(c, address))
    }
    find(&mut plan["planned_values"]["root_module"], address)
        .unwrap_or_else(|| panic!("no {address} in the fixture"))
}

fn write(plan: &Value) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    std::fs::write(&path, serde_json::to_vec(plan).unwrap()).unwrap();
    (dir, path)
}

fn opsdeck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .output()
        .unwrap()
}

fn report_of(plan: &Value) -> Value {
    let (_dir, path) = write(plan);
    let out = opsdeck(&[
        "report",
        "--plan",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn finding<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no finding {id}"))
}

fn failing(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail")
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The addresses of the evidence that breaks `id`.
fn breakers(report: &Value, id: &str) -> Vec<String> {
    let f = finding(report, id);
    assert_eq!(f["status"], "fail", "{id}: {f}");
    f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ok"] == false)
        .map(|e| {
            format!(
                "{} {}",
                e["address"].as_str().unwrap(),
                e["attribute"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn the_stack_plan_passes_all_but_the_documented_conflicts() {
    let report = report_of(&fixture());
    // The fixture keeps the seed's one NAT gateway (P7's single point of failure) and a USD 250
    // budget (so that P9 holds and R7.2-b's USD 100 does not): exactly those two fail.
    assert_eq!(failing(&report), ["R7.2-b", "P7"]);
    assert_eq!(
        breakers(&report, "P7"),
        ["module.network.aws_nat_gateway.this[0] subnet_id"]
    );
    let ids = report["findings"].as_array().unwrap().len();
    assert_eq!(ids, 156, "one finding per requirement ID");
    for id in ["P3", "P4", "P6", "R4.2-d", "R8.2-a", "P9", "R3.2-b"] {
        assert_eq!(finding(&report, id)["status"], "pass", "{id}");
    }
    // P4 shows each set's detection time from the plan.
    let p4 = finding(&report, "P4")["evidence"].to_string();
    assert!(
        p4.contains("worst 240 s") && p4.contains("worst 180 s"),
        "{p4}"
    );
    let counts = &report["counts"];
    assert_eq!(
        counts["pass"].as_u64().unwrap()
            + counts["fail"].as_u64().unwrap()
            + counts["not_decidable"].as_u64().unwrap(),
        156
    );
}

#[test]
fn an_unencrypted_log_group_fails_p6_and_r4_4_d() {
    let mut plan = fixture();
    let address = "module.compute.aws_cloudwatch_log_group.function[\"api\"]";
    resource(&mut plan, address)["values"]
        .as_object_mut()
        .unwrap()
        .remove("kms_key_id");
    let report = report_of(&plan);
    assert_eq!(breakers(&report, "P6"), [format!("{address} kms_key_id")]);
    assert_eq!(
        breakers(&report, "R4.4-d"),
        [format!("{address} kms_key_id")]
    );
}

#[test]
fn a_function_without_an_alarm_fails_p3() {
    let mut plan = fixture();
    resource(&mut plan, "module.observability.opsdeck_alarm_set.app")["values"]["alarms"]
        .as_object_mut()
        .unwrap()
        .remove("lambda_worker");
    let report = report_of(&plan);
    assert_eq!(
        breakers(&report, "P3"),
        ["module.compute.aws_lambda_function.this[\"worker\"] function_name"]
    );
    // The API function keeps its alarm, so R3.2-b (an alarm exists at 5 %) still holds.
    assert_eq!(finding(&report, "R3.2-b")["status"], "pass");
}

#[test]
fn a_trail_without_validation_fails_r4_2_d() {
    let mut plan = fixture();
    let address = "module.observability.aws_cloudtrail.this";
    resource(&mut plan, address)["values"]["enable_log_file_validation"] = json!(false);
    let report = report_of(&plan);
    assert_eq!(
        breakers(&report, "R4.2-d"),
        [format!("{address} enable_log_file_validation")]
    );
    assert_eq!(failing(&report), ["R4.2-d", "R7.2-b", "P7"]);
}

#[test]
fn a_cost_over_budget_fails_p9_with_the_largest_lines() {
    let mut plan = fixture();
    resource(
        &mut plan,
        "module.observability.opsdeck_cost_budget.monthly",
    )["values"]["limit_usd"] = json!(100);
    let report = report_of(&plan);
    let p9 = breakers(&report, "P9");
    assert_eq!(p9.len(), 3, "{p9:?}");
    assert!(
        p9[0].starts_with("module.database.aws_rds_cluster_instance."),
        "the Aurora floor is the largest line: {p9:?}"
    );
    assert!(report["estimate"]["total_usd"].as_f64().unwrap() > 100.0);
    assert_eq!(
        report["estimate"]["budget_source"],
        "module.observability.opsdeck_cost_budget.monthly.limit_usd"
    );
    // The same plan now meets R7.2-b's USD 100.
    assert_eq!(finding(&report, "R7.2-b")["status"], "pass");
}

#[test]
fn ids_known_only_after_apply_are_not_decidable() {
    let mut plan = fixture();
    let address = "module.compute.aws_sfn_state_machine.this[0]";
    resource(&mut plan, address)["values"]
        .as_object_mut()
        .unwrap()
        .remove("arn");
    plan["resource_changes"] =
        json!([{ "address": address, "change": { "after_unknown": { "arn": true } } }]);
    let report = report_of(&plan);
    let p3 = finding(&report, "P3");
    assert_eq!(p3["status"], "not_decidable", "{p3}");
    assert!(p3["summary"].as_str().unwrap().contains("after apply"));
}

#[test]
fn markdown_and_html_name_the_breaking_resource() {
    let mut plan = fixture();
    resource(&mut plan, "module.observability.aws_cloudtrail.this")["values"]
        ["enable_log_file_validation"] = json!(false);
    let (_dir, path) = write(&plan);
    let md = opsdeck(&["report", "--plan", path.to_str().unwrap()]);
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(
        md.contains("- **R4.2-d** CloudTrail: log file validation"),
        "{md}"
    );
    assert!(md.contains(
        "**breaks it** `module.observability.aws_cloudtrail.this` `enable_log_file_validation`: false"
    ));
    assert!(md.contains("| **Total** |"));
    let html = opsdeck(&[
        "report",
        "--plan",
        path.to_str().unwrap(),
        "--format",
        "html",
    ]);
    let html = String::from_utf8(html.stdout).unwrap();
    assert!(html.contains("<tr id=\"R4.2-d\" class=\"fail\">"), "{html}");
    assert!(html.contains(
        "<strong>breaks it</strong> <code>module.observability.aws_cloudtrail.this</code>"
    ));
}

#[test]
fn a_missing_or_foreign_file_is_a_usage_error_with_its_code() {
    let out = opsdeck(&["report", "--plan", "/nonexistent/plan.json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("OPSDECK-C201") && err.contains("terraform show -json"),
        "{err}"
    );
    let (_dir, path) = write(&json!({"values": {}}));
    let out = opsdeck(&["report", "--plan", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("OPSDECK-C202"));
}

#[test]
fn application_functions_are_bound_by_r1_2_and_helpers_are_not() {
    let mut plan = fixture();
    // The API function's timeout above API Gateway's limit breaks R1.2-b.
    resource(
        &mut plan,
        "module.compute.aws_lambda_function.this[\"api\"]",
    )["values"]["timeout"] = json!(60);
    // A notifier-like helper outside the VPC with 128 MB and 60 s breaks nothing of R1.2.
    let mut helper = resource(
        &mut plan,
        "module.compute.aws_lambda_function.this[\"api\"]",
    )
    .clone();
    helper["address"] = json!("module.notifier.aws_lambda_function.this");
    helper["values"]["function_name"] = json!("opsdeck-notifier");
    helper["values"]["memory_size"] = json!(128);
    helper["values"]["timeout"] = json!(60);
    helper["values"]
        .as_object_mut()
        .unwrap()
        .remove("vpc_config");
    plan["planned_values"]["root_module"]["resources"]
        .as_array_mut()
        .unwrap()
        .push(helper);
    let report = report_of(&plan);
    assert_eq!(
        breakers(&report, "R1.2-b"),
        ["module.compute.aws_lambda_function.this[\"api\"] timeout"]
    );
    assert_eq!(finding(&report, "R1.2-a")["status"], "pass");
    assert_eq!(finding(&report, "R1.2-e")["status"], "pass");
    // The helper has no alarm: P3 names it.
    assert_eq!(
        breakers(&report, "P3"),
        ["module.notifier.aws_lambda_function.this function_name"]
    );
}
