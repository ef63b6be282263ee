//! `opsdeck verify`: is the deployed version healthy? The health endpoint (which checks
//! the database too), smoke requests from a file, a bounded load step with p50/p95/p99
//! and the error rate against a budget, and the stack's alarm sets not in ALARM. The
//! deploy and rollback commands run the same checks after their apply.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_cloudwatch::types::{AlarmType, StateValue};
use clap::Args;
use hyper::Method;
use opsdeck_slack::format::deploy::Check;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::aws::{sdk_error, Aws};
use crate::error::{CliError, ErrorCode};
use crate::http::{join, Http, HttpError};
use crate::output;
use crate::progress;
use crate::signals;
use crate::stack::{AlarmSetRef, Stack, StackArgs};
use crate::timing::{ms, parse_duration, parse_rate};

/// The checks' settings, shared by `verify`, `deploy` and `rollback`.
#[derive(Args, Debug, Clone)]
pub struct VerifyOptions {
    /// Base URL of the application (default: the stack output's site_url).
    #[arg(long, env = "OPSDECK_URL")]
    pub url: Option<String>,
    /// Path of the health endpoint under --url (default: the output's health_url when
    /// --url is not given).
    #[arg(long, default_value = "/api/health")]
    pub health_path: String,
    /// Smoke requests to send (JSON; shape in cli/README.md).
    #[arg(long, env = "OPSDECK_SMOKE_FILE")]
    pub smoke: Option<PathBuf>,
    /// Load step: requests per second (with --duration).
    #[arg(long, requires = "duration", value_parser = clap::value_parser!(u32).range(1..=5000))]
    pub rps: Option<u32>,
    /// Load step: how long (e.g. 30s; at most 10m).
    #[arg(long, requires = "rps", value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Load step budget: the 95th percentile latency.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub p95: Duration,
    /// Load step budget: the share of failed requests (non-2xx/3xx or no answer).
    #[arg(long, default_value = "1%", value_parser = parse_rate)]
    pub max_error_rate: f64,
    /// Path the load step requests (default: the health path).
    #[arg(long)]
    pub load_path: Option<String>,
    /// Most load requests in flight at once.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub max_in_flight: u32,
    /// An alarm set that must not be in ALARM: NAME or NAME@REGION; repeat for more
    /// (default: the stack output's alarm_sets).
    #[arg(long = "alarm-set")]
    pub alarm_sets: Vec<String>,
    /// Skip the alarm sets (e.g. checking a URL that is not the stack's).
    #[arg(long)]
    pub no_alarms: bool,
    /// Timeout of one request.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub request_timeout: Duration,
    /// How long the health check may take to pass after a deploy (it is retried).
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub settle: Duration,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            url: None,
            health_path: "/api/health".into(),
            smoke: None,
            rps: None,
            duration: None,
            p95: Duration::from_secs(2),
            max_error_rate: 0.01,
            load_path: None,
            max_in_flight: 256,
            alarm_sets: Vec::new(),
            no_alarms: false,
            request_timeout: Duration::from_secs(10),
            settle: Duration::from_secs(60),
        }
    }
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub options: VerifyOptions,
    #[command(flatten)]
    pub stack: StackArgs,
    /// The version the health endpoint must report (`app_version`).
    #[arg(long)]
    pub expect_version: Option<String>,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// One smoke request.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SmokeRequest {
    /// Shown in the report (default: "METHOD path").
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default = "default_method")]
    pub method: String,
    pub path: String,
    /// The expected status (default 200).
    #[serde(default = "default_status")]
    pub status: u16,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A JSON body to send.
    #[serde(default)]
    pub body: Option<Value>,
    /// Expected values in the JSON answer, by JSON pointer ("/status": "ok").
    #[serde(default)]
    pub json: BTreeMap<String, Value>,
}

fn default_method() -> String {
    "GET".into()
}

fn default_status() -> u16 {
    200
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SmokeFile {
    pub requests: Vec<SmokeRequest>,
}

/// Reads and checks a smoke file; every problem names the file and where.
pub fn read_smoke(path: &Path) -> Result<SmokeFile, CliError> {
    let err = |m: String| CliError::new(ErrorCode::SmokeFile, m);
    let text = std::fs::read_to_string(path).map_err(|e| {
        err(format!(
            "cannot read the smoke file {}: {e}",
            path.display()
        ))
    })?;
    let file: SmokeFile = serde_json::from_str(&text).map_err(|e| {
        err(format!(
            "the smoke file {} does not parse: {e} (line {}, column {})",
            path.display(),
            e.line(),
            e.column()
        ))
    })?;
    if file.requests.is_empty() {
        return Err(err(format!(
            "the smoke file {} has no requests",
            path.display()
        )));
    }
    for (i, r) in file.requests.iter().enumerate() {
        let at = format!("{} requests[{i}]", path.display());
        if Method::from_bytes(r.method.as_bytes()).is_err() || r.method.is_empty() {
            return Err(err(format!(
                "{at}: method {:?} is not an HTTP method",
                r.method
            )));
        }
        if !r.path.starts_with('/') {
            return Err(err(format!(
                "{at}: path {:?} must start with '/' (it is joined to --url)",
                r.path
            )));
        }
        if !(100..=599).contains(&r.status) {
            return Err(err(format!(
                "{at}: status {} is not an HTTP status",
                r.status
            )));
        }
        if let Some(p) = r.json.keys().find(|p| !p.is_empty() && !p.starts_with('/')) {
            return Err(err(format!(
                "{at}: json key {p:?} is not a JSON pointer (write \"/field\" or \"/a/0/b\")"
            )));
        }
    }
    Ok(file)
}

/// The load step's figures.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LoadReport {
    pub url: String,
    pub rps: u32,
    pub duration_s: f64,
    pub requests: usize,
    pub errors: usize,
    pub error_rate: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub achieved_rps: f64,
    pub budget_p95_ms: f64,
    pub budget_error_rate: f64,
    pub passed: bool,
}

/// What verify found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub checks: Vec<Check>,
    pub load: Option<LoadReport>,
    /// The health endpoint never answered (connection refused, DNS, timeout).
    pub unreachable: bool,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }

    pub fn failed_summary(&self) -> String {
        self.checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| match &c.detail {
                Some(d) => format!("{}: {d}", c.name),
                None => c.name.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn table(&self) -> String {
        let mut rows = vec![vec!["CHECK".to_owned(), "RESULT".into(), "DETAIL".into()]];
        for c in &self.checks {
            rows.push(vec![
                c.name.clone(),
                if c.passed { "ok" } else { "FAILED" }.into(),
                c.detail.clone().unwrap_or_default(),
            ]);
        }
        let mut out = output::columns(&rows);
        if let Some(l) = &self.load {
            out.push('\n');
            out.push_str(&load_table(l));
        }
        out
    }
}

pub fn load_table(l: &LoadReport) -> String {
    let rows = vec![
        vec![
            "REQUESTS".to_owned(),
            "RPS".into(),
            "P50".into(),
            "P95".into(),
            "P99".into(),
            "MAX".into(),
            "ERRORS".into(),
        ],
        vec![
            l.requests.to_string(),
            format!("{:.1}", l.achieved_rps),
            format!("{:.1} ms", l.p50_ms),
            format!("{:.1} ms", l.p95_ms),
            format!("{:.1} ms", l.p99_ms),
            format!("{:.1} ms", l.max_ms),
            format!(
                "{:.2} % ({}/{})",
                l.error_rate * 100.0,
                l.errors,
                l.requests
            ),
        ],
    ];
    format!(
        "load: {} rps for {:.0} s on {}\n{}budget: p95 <= {:.0} ms, error rate <= {:.2} %: {}\n",
        l.rps,
        l.duration_s,
        l.url,
        output::columns(&rows),
        l.budget_p95_ms,
        l.budget_error_rate * 100.0,
        if l.passed { "passed" } else { "FAILED" }
    )
}

/// Where the checks go: resolved from the options and the stack.
#[derive(Clone, Debug)]
pub struct Target {
    pub base_url: String,
    pub health_url: String,
    pub alarm_sets: Vec<AlarmSetRef>,
}

impl Target {
    pub fn resolve(options: &VerifyOptions, stack: Option<&Stack>) -> Result<Self, CliError> {
        let out = stack.map(|s| &s.output);
        let (base_url, health_url) = match (&options.url, out) {
            (Some(url), _) => (url.clone(), join(url, &options.health_path)),
            (None, Some(o)) => {
                let base = o.site_url.clone().or_else(|| o.api_url.clone());
                let health = o
                    .health_url
                    .clone()
                    .or_else(|| base.as_ref().map(|b| join(b, &options.health_path)));
                match (base, health) {
                    (Some(b), Some(h)) => (b, h),
                    (None, Some(h)) => (h.clone(), h),
                    _ => {
                        return Err(CliError::usage(
                            "no URL to verify: pass --url, or give the stack's `opsdeck` output site_url and health_url",
                        ))
                    }
                }
            }
            (None, None) => return Err(CliError::usage("--url is required (or OPSDECK_URL)")),
        };
        for u in [&base_url, &health_url] {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(CliError::usage(format!(
                    "{u:?} is not an http:// or https:// URL (--url)"
                )));
            }
        }
        let mut alarm_sets = Vec::new();
        if !options.no_alarms {
            if options.alarm_sets.is_empty() {
                if let Some(o) = out {
                    alarm_sets = o.alarm_sets.clone();
                }
            } else {
                for spec in &options.alarm_sets {
                    let (name, region) = match spec.split_once('@') {
                        Some((n, r)) => (n.to_owned(), Some(r.to_owned())),
                        None => (spec.clone(), None),
                    };
                    if name.is_empty() {
                        return Err(CliError::usage(format!(
                            "--alarm-set {spec:?}: give the set's name, optionally @REGION"
                        )));
                    }
                    alarm_sets.push(AlarmSetRef { name, region });
                }
            }
        }
        Ok(Self {
            base_url,
            health_url,
            alarm_sets,
        })
    }
}

/// Runs every check. `expect_version` is the version the health endpoint must report.
pub async fn verify(
    options: &VerifyOptions,
    target: &Target,
    smoke: Option<&SmokeFile>,
    aws: Option<&Aws>,
    expect_version: Option<&str>,
) -> Result<Report, CliError> {
    let http = Http::new().map_err(|e| CliError::new(ErrorCode::Internal, e))?;
    let mut report = Report::default();

    // 1. Health, retried until it passes or the settle time is over.
    let (health, unreachable) = health(&http, options, &target.health_url, expect_version).await?;
    report.unreachable = unreachable;
    let healthy = health.passed;
    progress::detail(&format!(
        "health {}: {}",
        if healthy { "ok" } else { "FAILED" },
        health.detail.as_deref().unwrap_or("")
    ));
    report.checks.push(health);
    if unreachable {
        // Nothing else can answer either.
        return Ok(report);
    }

    // 2. Smoke requests.
    if let Some(smoke) = smoke {
        for r in &smoke.requests {
            signals::check("the smoke requests")?;
            let check = smoke_request(&http, options, &target.base_url, r).await;
            progress::detail(&format!(
                "smoke {}: {}",
                check.name,
                if check.passed { "ok" } else { "FAILED" }
            ));
            report.checks.push(check);
        }
    }

    // 3. Load step, only on a healthy service (a failing one would only add noise).
    if let (Some(rps), Some(duration)) = (options.rps, options.duration) {
        if healthy {
            let path = options
                .load_path
                .clone()
                .unwrap_or_else(|| options.health_path.clone());
            let url = if options.load_path.is_none() {
                target.health_url.clone()
            } else {
                join(&target.base_url, &path)
            };
            progress::detail(&format!(
                "load: {rps} rps for {:.0} s on {url}",
                duration.as_secs_f64()
            ));
            let l = load(&http, &url, rps, duration, options).await?;
            report.checks.push(Check {
                name: "load".into(),
                passed: l.passed,
                detail: Some(format!(
                    "p95 {:.1} ms (budget {:.0} ms), errors {:.2} % (budget {:.2} %), {} requests",
                    l.p95_ms,
                    l.budget_p95_ms,
                    l.error_rate * 100.0,
                    l.budget_error_rate * 100.0,
                    l.requests
                )),
            });
            report.load = Some(l);
        }
    }

    // 4. Alarm sets.
    if !target.alarm_sets.is_empty() {
        let aws = aws.ok_or_else(|| {
            CliError::new(ErrorCode::Internal, "alarm sets to check but no AWS access")
        })?;
        for set in &target.alarm_sets {
            let check = alarm_set(aws, set).await?;
            progress::detail(&format!(
                "{}: {}",
                check.name,
                check.detail.as_deref().unwrap_or_default()
            ));
            report.checks.push(check);
        }
    }
    Ok(report)
}

/// The health check: (check, unreachable). A 2xx that reports another `app_version`
/// than expected is retried too (the new version may still be rolling out).
async fn health(
    http: &Http,
    options: &VerifyOptions,
    url: &str,
    expect_version: Option<&str>,
) -> Result<(Check, bool), CliError> {
    let started = Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let result = http.get(url, options.request_timeout).await;
        let (passed, unreachable, detail) = match &result {
            Err(HttpError::InvalidUrl(e)) => {
                return Err(CliError::usage(format!("the health URL is not valid: {e}")))
            }
            Err(e) => (false, true, format!("GET {url}: {e}")),
            Ok(r) => {
                let body = r.json();
                let version = body
                    .as_ref()
                    .and_then(|b| b.get("app_version"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                let ok_status = (200..300).contains(&r.status);
                let version_ok = match (expect_version, &version) {
                    (Some(want), Some(got)) => want == got,
                    (Some(_), None) => true,
                    (None, _) => true,
                };
                let mut detail = format!("GET {url}: HTTP {} in {}", r.status, ms(r.elapsed));
                if let Some(v) = &version {
                    detail.push_str(&format!(", app_version {v}"));
                }
                if !ok_status {
                    let text = r.text();
                    let excerpt: String = text.chars().take(300).collect();
                    if !excerpt.trim().is_empty() {
                        detail.push_str(&format!(": {}", excerpt.trim()));
                    }
                } else if !version_ok {
                    detail.push_str(&format!(
                        " (expected {}; the new version is not live)",
                        expect_version.unwrap_or_default()
                    ));
                }
                (ok_status && version_ok, false, detail)
            }
        };
        let out_of_time = started.elapsed() + Duration::from_secs(1) > options.settle;
        if passed || out_of_time || signals::is_interrupted() {
            let detail = if attempts > 1 {
                format!(
                    "{detail} (attempt {attempts}, {:.1} s)",
                    started.elapsed().as_secs_f64()
                )
            } else {
                detail
            };
            return Ok((
                Check {
                    name: "health".into(),
                    passed,
                    detail: Some(detail),
                },
                !passed && unreachable,
            ));
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = signals::interrupted() => {}
        }
    }
}

async fn smoke_request(
    http: &Http,
    options: &VerifyOptions,
    base: &str,
    r: &SmokeRequest,
) -> Check {
    let name = r
        .name
        .clone()
        .unwrap_or_else(|| format!("{} {}", r.method, r.path));
    let url = join(base, &r.path);
    let method = Method::from_bytes(r.method.as_bytes()).unwrap_or(Method::GET);
    let mut headers: Vec<(&str, String)> = r
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let body = r.body.as_ref().map(|b| {
        headers.push(("content-type", "application/json".into()));
        b.to_string().into_bytes()
    });
    let fail = |detail: String| Check {
        name: format!("smoke {name}"),
        passed: false,
        detail: Some(detail),
    };
    let response = match http
        .request(&method, &url, &headers, body, options.request_timeout)
        .await
    {
        Ok(r) => r,
        Err(e) => return fail(format!("{} {url}: {e}", r.method)),
    };
    if response.status != r.status {
        let excerpt: String = response.text().chars().take(200).collect();
        return fail(format!(
            "HTTP {} (expected {}): {}",
            response.status,
            r.status,
            excerpt.trim()
        ));
    }
    if !r.json.is_empty() {
        let Some(json) = response.json() else {
            return fail(format!(
                "HTTP {}, but the body is not JSON",
                response.status
            ));
        };
        for (pointer, want) in &r.json {
            match json.pointer(pointer) {
                Some(got) if got == want => {}
                Some(got) => return fail(format!("{pointer} is {got}, expected {want}")),
                None => return fail(format!("{pointer} is missing (expected {want})")),
            }
        }
    }
    Check {
        name: format!("smoke {name}"),
        passed: true,
        detail: Some(format!(
            "HTTP {} in {}",
            response.status,
            ms(response.elapsed)
        )),
    }
}

/// The nearest-rank percentile of sorted samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Sends `rps` requests per second for `duration` on a fixed schedule (open loop: a slow
/// answer does not delay the next request), at most `max_in_flight` at once. Latency is
/// from sending to the last byte of the body; errors are non-2xx/3xx and no answer.
pub async fn load(
    http: &Http,
    url: &str,
    rps: u32,
    duration: Duration,
    options: &VerifyOptions,
) -> Result<LoadReport, CliError> {
    if duration > Duration::from_secs(600) {
        return Err(CliError::usage(
            "--duration of the load step is at most 10m",
        ));
    }
    let total = ((f64::from(rps) * duration.as_secs_f64()).round() as usize).max(1);
    let interval = Duration::from_secs_f64(1.0 / f64::from(rps));
    let permits = Arc::new(Semaphore::new(options.max_in_flight as usize));
    let mut tasks = tokio::task::JoinSet::new();
    let started = tokio::time::Instant::now();
    for i in 0..total {
        if signals::is_interrupted() {
            break;
        }
        tokio::time::sleep_until(started + interval.mul_f64(i as f64)).await;
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        let http = http.clone();
        let url = url.to_owned();
        let timeout = options.request_timeout;
        tasks.spawn(async move {
            let sent = Instant::now();
            let result = http.get(&url, timeout).await;
            let took = sent.elapsed();
            drop(permit);
            let ok = matches!(&result, Ok(r) if (200..400).contains(&r.status));
            (took, ok)
        });
    }
    let mut latencies = Vec::with_capacity(total);
    let mut errors = 0;
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((took, ok)) => {
                latencies.push(took);
                if !ok {
                    errors += 1;
                }
            }
            Err(_) => errors += 1,
        }
    }
    let wall = started.elapsed();
    signals::check("the load step")?;
    latencies.sort();
    let requests = latencies.len().max(1);
    let as_ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let error_rate = errors as f64 / requests as f64;
    let p95 = percentile(&latencies, 0.95);
    Ok(LoadReport {
        url: url.to_owned(),
        rps,
        duration_s: duration.as_secs_f64(),
        requests: latencies.len(),
        errors,
        error_rate,
        p50_ms: as_ms(percentile(&latencies, 0.50)),
        p95_ms: as_ms(p95),
        p99_ms: as_ms(percentile(&latencies, 0.99)),
        max_ms: as_ms(latencies.last().copied().unwrap_or_default()),
        achieved_rps: latencies.len() as f64 / wall.as_secs_f64().max(1e-9),
        budget_p95_ms: as_ms(options.p95),
        budget_error_rate: options.max_error_rate,
        passed: p95 <= options.p95 && error_rate <= options.max_error_rate,
    })
}

/// An alarm set passes unless its composite alarm is in ALARM; then the children in
/// ALARM are named.
async fn alarm_set(aws: &Aws, set: &AlarmSetRef) -> Result<Check, CliError> {
    let cw = aws.cloudwatch(set.region.as_deref());
    let region = set
        .region
        .clone()
        .unwrap_or_else(|| aws.region().to_owned());
    let name = format!("alarm set {}", set.name);
    let out = cw
        .describe_alarms()
        .alarm_names(&set.name)
        .alarm_types(AlarmType::CompositeAlarm)
        .send()
        .await
        .map_err(|e| CliError::aws(sdk_error("cloudwatch", "DescribeAlarms", e)))?;
    let Some(composite) = out.composite_alarms().first() else {
        return Ok(Check {
            name,
            passed: false,
            detail: Some(format!(
                "no composite alarm {:?} in region {region}: check the set's name and region (the stack's alarm_sets output)",
                set.name
            )),
        });
    };
    let state = composite
        .state_value()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_else(|| "unknown".into());
    if composite.state_value() != Some(&StateValue::Alarm) {
        return Ok(Check {
            name,
            passed: true,
            detail: Some(format!("{state} in {region}")),
        });
    }
    let children = cw
        .describe_alarms()
        .children_of_alarm_name(&set.name)
        .state_value(StateValue::Alarm)
        .send()
        .await
        .map_err(|e| CliError::aws(sdk_error("cloudwatch", "DescribeAlarms", e)))?;
    let mut firing: Vec<String> = children
        .metric_alarms()
        .iter()
        .filter_map(|a| a.alarm_name().map(str::to_owned))
        .collect();
    firing.extend(
        children
            .composite_alarms()
            .iter()
            .filter_map(|a| a.alarm_name().map(str::to_owned)),
    );
    Ok(Check {
        name,
        passed: false,
        detail: Some(format!(
            "in ALARM in {region}{}{}",
            if firing.is_empty() {
                String::new()
            } else {
                format!(": {}", firing.join(", "))
            },
            composite
                .state_reason()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        )),
    })
}

/// `opsdeck verify`.
pub async fn run(args: VerifyArgs) -> Result<String, CliError> {
    signals::install();
    let smoke = args.options.smoke.as_deref().map(read_smoke).transpose()?;
    // The stack output is read only when the flags leave something to it.
    let needs_stack = args.options.url.is_none()
        || (!args.options.no_alarms && args.options.alarm_sets.is_empty());
    let stack = if needs_stack {
        match Stack::from_terraform(&args.stack).await {
            Ok(s) => Some(s),
            Err(e) if args.options.url.is_none() => return Err(e),
            Err(e) => {
                progress::note(&format!(
                    "warning: no alarm sets checked: {} (pass --alarm-set, or --no-alarms to say so)",
                    e.message
                ));
                None
            }
        }
    } else {
        None
    };
    let target = Target::resolve(&args.options, stack.as_ref())?;
    let aws = if target.alarm_sets.is_empty() {
        None
    } else {
        let aws_args = stack
            .as_ref()
            .map(Stack::aws_args)
            .unwrap_or(crate::aws::AwsArgs {
                region: args.stack.region.clone(),
                profile: args.stack.profile.clone(),
            });
        Some(Aws::load(&aws_args).await?)
    };
    let report = verify(
        &args.options,
        &target,
        smoke.as_ref(),
        aws.as_ref(),
        args.expect_version.as_deref(),
    )
    .await?;
    let printed = if args.json {
        output::to_json(&report)
    } else {
        report.table()
    };
    if report.passed() {
        return Ok(printed);
    }
    print!("{printed}");
    if report.unreachable {
        return Err(CliError::new(
            ErrorCode::Unreachable,
            format!(
                "{} is unreachable: {}",
                target.health_url,
                report.failed_summary()
            ),
        ));
    }
    Err(CliError::new(
        ErrorCode::VerifyFailed,
        format!("verification failed: {}", report.failed_summary()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&samples, 0.5), Duration::from_millis(50));
        assert_eq!(percentile(&samples, 0.95), Duration::from_millis(95));
        assert_eq!(percentile(&samples, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&samples[..1], 0.95), Duration::from_millis(1));
        assert_eq!(percentile(&[], 0.95), Duration::ZERO);
    }

    #[test]
    fn smoke_files_are_checked_with_the_place_of_each_problem() {
        let dir = tempfile::tempdir().unwrap();
        let write = |text: &str| {
            let p = dir.path().join("smoke.json");
            std::fs::write(&p, text).unwrap();
            p
        };
        let ok = read_smoke(&write(
            r#"{"requests": [{"path": "/api/health", "json": {"/status": "ok"}}, {"method": "POST", "path": "/api/x", "status": 201, "body": {"a": 1}}]}"#,
        ))
        .unwrap();
        assert_eq!(ok.requests[0].method, "GET");
        assert_eq!(ok.requests[0].status, 200);
        let e = read_smoke(&write("{\"requests\": [\n {\"path\": \"/x\",}\n]}")).unwrap_err();
        assert_eq!(e.kind, ErrorCode::SmokeFile);
        assert!(e.message.contains("line 2"), "{}", e.message);
        let e = read_smoke(&write(r#"{"requests": [{"path": "x"}]}"#)).unwrap_err();
        assert!(
            e.message.contains("requests[0]") && e.message.contains("start with '/'"),
            "{}",
            e.message
        );
        let e = read_smoke(&write(r#"{"requests": [{"path": "/x", "stauts": 200}]}"#)).unwrap_err();
        assert!(e.message.contains("stauts"), "{}", e.message);
        let e = read_smoke(&write(
            r#"{"requests": [{"path": "/x", "json": {"status": "ok"}}]}"#,
        ))
        .unwrap_err();
        assert!(e.message.contains("JSON pointer"), "{}", e.message);
        let e = read_smoke(&dir.path().join("missing.json")).unwrap_err();
        assert!(e.message.contains("cannot read"), "{}", e.message);
    }

    #[test]
    fn targets_come_from_the_flag_or_the_output() {
        let options = VerifyOptions {
            url: Some("http://127.0.0.1:8080/".into()),
            alarm_sets: vec!["api@eu-west-1".into(), "edge".into()],
            ..Default::default()
        };
        let t = Target::resolve(&options, None).unwrap();
        assert_eq!(t.health_url, "http://127.0.0.1:8080/api/health");
        assert_eq!(t.alarm_sets[0].region.as_deref(), Some("eu-west-1"));
        assert_eq!(t.alarm_sets[1].region, None);
        let bad = VerifyOptions {
            url: Some("ftp://x".into()),
            ..Default::default()
        };
        assert_eq!(
            Target::resolve(&bad, None).unwrap_err().kind,
            ErrorCode::Usage
        );
        let mut stack = Stack::default();
        stack.output.site_url = Some("https://shop.example".into());
        stack.output.health_url = Some("https://shop.example/api/health".into());
        stack.output.alarm_sets = vec![AlarmSetRef {
            name: "s".into(),
            region: None,
        }];
        let t = Target::resolve(&VerifyOptions::default(), Some(&stack)).unwrap();
        assert_eq!(t.health_url, "https://shop.example/api/health");
        assert_eq!(t.alarm_sets.len(), 1);
    }
}
