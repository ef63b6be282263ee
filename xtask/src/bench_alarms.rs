//! `cargo xtask bench-alarms`: the refresh cost of 200 ratio alarms managed by
//! `opsdeck_alarm_set` and by 200 `aws_cloudwatch_metric_alarm`, against one emulator in
//! one run: HTTP requests per `terraform plan` (from the emulator's request log) and the
//! plan's wall time (median of several rounds, the two sides alternating so that machine
//! load hits both alike). A comparison script, not a timed test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use terratest::{Emulator, RequestLog};

/// Alarms per side. A composite alarm takes at most 100 children, so the opsdeck side is
/// two sets of 100.
pub const ALARMS: usize = 200;
pub const PER_SET: usize = 100;
pub const ROUNDS: usize = 5;

fn opsdeck_config(source: &str) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    opsdeck = {{ source = "{source}" }}
  }}
}}

# Endpoint and credentials come from the environment (AWS_ENDPOINT_URL, the emulator's keys).
provider "opsdeck" {{
  region      = "us-east-1"
  max_retries = 5
}}

resource "opsdeck_alarm_set" "bench" {{
  count = {sets}
  name  = "ops-${{count.index}}"
  tags  = {{ bench = "opsdeck" }}
  alarms = {{
    for i in range({per_set}) : "fn${{i}}" => {{
      ratio = {{
        numerator   = {{ namespace = "AWS/Lambda", metric_name = "Errors", dimensions = {{ FunctionName = "fn-${{count.index}}-${{i}}" }} }}
        denominator = {{ namespace = "AWS/Lambda", metric_name = "Invocations", dimensions = {{ FunctionName = "fn-${{count.index}}-${{i}}" }} }}
      }}
      threshold = 5
    }}
  }}
}}
"#,
        sets = ALARMS / PER_SET,
        per_set = PER_SET,
    )
}

/// The same alarms as hashicorp/aws writes them: one resource per alarm, the same metric
/// math, the same tags.
fn aws_config(endpoint: &str) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    aws = {{ source = "hashicorp/aws" }}
  }}
}}

provider "aws" {{
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  max_retries                 = 5
  endpoints {{
    cloudwatch = "{endpoint}"
    sts        = "{endpoint}"
  }}
}}

resource "aws_cloudwatch_metric_alarm" "bench" {{
  for_each            = toset([for i in range({alarms}) : tostring(i)])
  alarm_name          = "aws-fn${{each.key}}"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  threshold           = 5
  treat_missing_data  = "notBreaching"
  tags                = {{ bench = "aws" }}

  metric_query {{
    id          = "e1"
    expression  = "IF(m2 > 0, 100 * FILL(m1, 0) / m2, 0)"
    label       = "error rate (%)"
    return_data = true
  }}
  metric_query {{
    id = "m1"
    metric {{
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      period      = 60
      stat        = "Sum"
      dimensions  = {{ FunctionName = "fn-${{each.key}}" }}
    }}
  }}
  metric_query {{
    id = "m2"
    metric {{
      namespace   = "AWS/Lambda"
      metric_name = "Invocations"
      period      = 60
      stat        = "Sum"
      dimensions  = {{ FunctionName = "fn-${{each.key}}" }}
    }}
  }}
}}
"#,
        alarms = ALARMS
    )
}

struct Side {
    name: &'static str,
    dir: PathBuf,
    walls: Vec<Duration>,
    requests: Vec<RequestLog>,
}

fn terraform(dir: &Path, cli: &Path, env: &[(String, String)], args: &[&str]) -> Result<Duration> {
    let started = Instant::now();
    let out = Command::new("terraform")
        .args(args)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("TF_CLI_CONFIG_FILE", cli)
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_INPUT", "0")
        .output()
        .with_context(|| format!("cannot run terraform in {}", dir.display()))?;
    let wall = started.elapsed();
    // `plan -detailed-exitcode` exits 2 when it finds changes: after apply there must be none.
    if !out.status.success() {
        bail!(
            "terraform {} in {} exited with {}:\n{}{}",
            args.join(" "),
            dir.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(wall)
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn per_operation(log: &RequestLog) -> String {
    log.by_operation
        .iter()
        .map(|(op, n)| format!("{op} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs the benchmark with the packed opsdeck provider `source` and the CLI config `cli`.
pub fn run(source: &str, cli: &Path) -> Result<()> {
    let emulator = Emulator::start().context("cannot start the emulator")?;
    let env = emulator.env();
    let work = std::env::temp_dir().join("opsdeck-bench-alarms");
    let _ = std::fs::remove_dir_all(&work);
    let mut sides = Vec::new();
    for (name, hcl) in [
        ("opsdeck_alarm_set", opsdeck_config(source)),
        (
            "aws_cloudwatch_metric_alarm",
            aws_config(emulator.endpoint()),
        ),
    ] {
        let dir = work.join(name);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("main.tf"), hcl)?;
        eprintln!("==> {name}: init and apply {ALARMS} alarms");
        terraform(&dir, cli, &env, &["init", "-input=false", "-no-color"])?;
        emulator.clear_request_log()?;
        let applied = terraform(
            &dir,
            cli,
            &env,
            &["apply", "-input=false", "-no-color", "-auto-approve"],
        )?;
        let log = emulator.request_log()?;
        eprintln!(
            "<== {name}: apply {:.1} s, {} requests ({})",
            applied.as_secs_f64(),
            log.total,
            per_operation(&log)
        );
        sides.push(Side {
            name,
            dir,
            walls: Vec::new(),
            requests: Vec::new(),
        });
    }
    let server_log = emulator.state_dir().join("server.log");
    for round in 0..ROUNDS {
        for side in sides.iter_mut() {
            emulator.clear_request_log()?;
            let wall = terraform(
                &side.dir,
                cli,
                &env,
                &[
                    "plan",
                    "-input=false",
                    "-no-color",
                    "-detailed-exitcode",
                    "-lock=false",
                ],
            )
            .with_context(|| {
                format!(
                    "round {round}: the emulator log is {}",
                    server_log.display()
                )
            })?;
            side.walls.push(wall);
            side.requests.push(emulator.request_log()?);
        }
    }

    println!("\nterraform plan (refresh) of {ALARMS} ratio alarms, median of {ROUNDS} rounds, one emulator:");
    let mut medians = BTreeMap::new();
    for side in sides.iter_mut() {
        let wall = median(&mut side.walls);
        // Requests are the same every round unless a call was retried (counted too).
        let requests = side
            .requests
            .iter()
            .map(|l| l.total)
            .min()
            .unwrap_or_default();
        let most = side
            .requests
            .iter()
            .map(|l| l.total)
            .max()
            .unwrap_or_default();
        let spread = if most == requests {
            String::new()
        } else {
            format!(" (up to {most} with retries)")
        };
        println!(
            "  {:<28} {:>7.2} s  {:>4} HTTP requests{spread}  ({})",
            side.name,
            wall.as_secs_f64(),
            requests,
            per_operation(
                side.requests
                    .iter()
                    .min_by_key(|l| l.total)
                    .unwrap_or(&side.requests[0])
            )
        );
        medians.insert(side.name, (wall, requests));
    }
    let (ops_wall, ops_requests) = medians["opsdeck_alarm_set"];
    let (aws_wall, aws_requests) = medians["aws_cloudwatch_metric_alarm"];
    println!(
        "ratio aws/opsdeck: {:.1}x fewer requests, {:.1}x faster refresh",
        aws_requests as f64 / ops_requests.max(1) as f64,
        aws_wall.as_secs_f64() / ops_wall.as_secs_f64().max(0.001)
    );

    for side in &sides {
        terraform(
            &side.dir,
            cli,
            &env,
            &["destroy", "-input=false", "-no-color", "-auto-approve"],
        )?;
    }
    Ok(())
}
