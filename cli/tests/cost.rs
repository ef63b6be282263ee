//! `opsdeck cost` against the emulator, whose Cost Explorer answers from the costs this test puts
//! in (tests/emulator/src/opsdeck_emulator/extensions/costexplorer.py): the daily table and
//! chart, grouping by service and by tag, month to date against the budget, the forecast, the
//! JSON form, and the error of an account that never enabled Cost Explorer.

use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use terratest::Emulator;

const RDS: &str = "Amazon Relational Database Service";
const VPC: &str = "Amazon Virtual Private Cloud";

/// A UTC date `offset` days from today, as YYYY-MM-DD (civil-from-days, as the CLI does).
fn day(offset: i64) -> String {
    let z = (SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400) as i64
        + offset
        + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{m:02}-{d:02}", yoe + era * 400 + i64::from(m <= 2))
}

fn put(emulator: &Emulator, data: Value) {
    let url = format!("{}/_opsdeck/ce/data", emulator.endpoint());
    ureq::put(&url)
        .timeout(std::time::Duration::from_secs(10))
        .send_json(data)
        .unwrap();
}

fn opsdeck(emulator: &Emulator, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .envs(emulator.env())
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap()
}

fn ok(emulator: &Emulator, args: &[&str]) -> String {
    let out = opsdeck(emulator, args);
    assert!(
        out.status.success(),
        "opsdeck {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// 40 days of RDS (USD 3.60 a day, tagged prod) and VPC (USD 1.50, untagged) costs, and a
/// forecast of USD 5.10 a day to the end of next month.
fn costs() -> Value {
    let mut rows = Vec::new();
    for offset in -39..=0 {
        rows.push(json!({"date": day(offset), "service": RDS, "amount": 3.6, "tags": {"Environment": "prod"}, "estimated": offset == 0}));
        rows.push(json!({"date": day(offset), "service": VPC, "amount": 1.5}));
    }
    let forecast: Vec<Value> = (0..=62)
        .map(|o| json!({"date": day(o), "mean": 5.1, "lower": 4.8, "upper": 5.6}))
        .collect();
    json!({"costs": rows, "forecast": forecast})
}

#[test]
fn cost_from_cost_explorer() {
    let emulator = Emulator::start().unwrap();
    put(&emulator, costs());

    // JSON: the figures.
    let report: Value =
        serde_json::from_str(&ok(&emulator, &["cost", "--days", "7", "--json"])).unwrap();
    let days = report["days"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    assert_eq!(days[0]["date"], day(-6));
    assert_eq!(days[6]["date"], day(0));
    assert_eq!(days[6]["estimated"], true);
    assert!(days
        .iter()
        .all(|d| (d["usd"].as_f64().unwrap() - 5.1).abs() < 1e-9));
    assert!((report["total_usd"].as_f64().unwrap() - 35.7).abs() < 1e-9);
    assert_eq!(report["budget_usd"], 100.0);
    let month_start = report["month_start"].as_str().unwrap().to_owned();
    let days_in_month = days_between(&month_start, &day(0)) + 1;
    let mtd = report["month_to_date_usd"].as_f64().unwrap();
    assert!((mtd - 5.1 * days_in_month as f64).abs() < 1e-6, "{mtd}");
    // Forecast: actual cost before today plus Cost Explorer's forecast from today.
    let remaining = days_between(&day(0), &next_month_start(&month_start));
    let expected = 5.1 * (days_in_month - 1) as f64 + 5.1 * remaining as f64;
    let month = report["forecast"]["month_usd"].as_f64().unwrap();
    assert!((month - expected).abs() < 1e-6, "{month} vs {expected}");

    // Table and chart, grouped by service.
    let table = ok(
        &emulator,
        &[
            "cost",
            "--days",
            "3",
            "--group-by",
            "service",
            "--budget",
            "120",
        ],
    );
    assert!(
        table.contains(&format!("Daily cost {} .. {}", day(-2), day(0))),
        "{table}"
    );
    assert!(
        table.contains(&format!("{}       5.10  {}", day(-1), "█".repeat(40))),
        "{table}"
    );
    assert!(table.contains("(estimated)"), "{table}");
    assert!(
        table.contains(&format!("{RDS}      10.80  70.6 %")),
        "{table}"
    );
    assert!(table.contains("of the USD 120.00 budget"), "{table}");
    assert!(table.contains("Forecast for the month: USD"), "{table}");

    // By tag: AWS's "Environment$" key is shown as untagged.
    let by_tag: Value = serde_json::from_str(&ok(
        &emulator,
        &[
            "cost",
            "--days",
            "2",
            "--group-by",
            "tag:Environment",
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(by_tag["group_by"], "tag:Environment");
    let groups = &by_tag["groups_total"];
    assert!(
        (groups["prod"].as_f64().unwrap() - 7.2).abs() < 1e-9,
        "{groups}"
    );
    assert!(
        (groups["(untagged)"].as_f64().unwrap() - 3.0).abs() < 1e-9,
        "{groups}"
    );

    // Two requests a run: one GetCostAndUsage, one GetCostForecast (USD 0.01 each).
    emulator.clear_request_log().unwrap();
    ok(&emulator, &["cost"]);
    let log = emulator.request_log().unwrap();
    assert_eq!(log.count("ce:GetCostAndUsage"), 1);
    assert_eq!(log.count("ce:GetCostForecast"), 1);

    // Not enough history for a forecast: the cost is still shown, with the reason.
    put(&emulator, json!({"costs": costs()["costs"]}));
    let table = ok(&emulator, &["cost", "--days", "2"]);
    assert!(
        table.contains("Forecast for the month: none: Cost Explorer has too little history"),
        "{table}"
    );

    // An account that never enabled Cost Explorer: one sentence and what to do.
    put(&emulator, json!({"enabled": false}));
    let out = opsdeck(&emulator, &["cost"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("opsdeck: error: OPSDECK-C101: Cost Explorer is not enabled in this account"),
        "{err}"
    );
    assert!(err.contains("hint: enable it once"), "{err}");
    assert!(
        !err.contains("DispatchFailure") && !err.contains("ServiceError {"),
        "{err}"
    );

    // Bad flags are usage errors.
    assert_eq!(
        opsdeck(&emulator, &["cost", "--group-by", "region"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        opsdeck(&emulator, &["cost", "--days", "0"]).status.code(),
        Some(2)
    );
}

fn civil_days(date: &str) -> i64 {
    let y: i64 = date[..4].parse().unwrap();
    let m: i64 = date[5..7].parse().unwrap();
    let d: i64 = date[8..10].parse().unwrap();
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

fn days_between(a: &str, b: &str) -> i64 {
    civil_days(b) - civil_days(a)
}

fn next_month_start(month_start: &str) -> String {
    let y: i64 = month_start[..4].parse().unwrap();
    let m: i64 = month_start[5..7].parse().unwrap();
    if m == 12 {
        format!("{:04}-01-01", y + 1)
    } else {
        format!("{y:04}-{:02}-01", m + 1)
    }
}
