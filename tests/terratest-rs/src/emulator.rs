//! The AWS emulator fixture: moto server plus our compatibility layer
//! (`tests/emulator/`), one instance per fixture on a free loopback port.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};
use tempfile::TempDir;

use crate::error::{Error, Result};
use crate::paths;

/// Credentials and region the emulator accepts; never real ones.
pub const ACCESS_KEY_ID: &str = "testing";
pub const SECRET_ACCESS_KEY: &str = "testing";
pub const DEFAULT_REGION: &str = "us-east-1";

/// A running emulator. Stopped on drop when this fixture started it.
pub struct Emulator {
    endpoint: String,
    state_dir: PathBuf,
    _owned_dir: Option<TempDir>,
    stop_on_drop: bool,
}

/// Make the next `count` calls of an operation fail (or wait). See tests/emulator/README.md.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Fault {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    pub operation: String,
    pub count: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// Matching calls let through before the fault applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip: Option<u32>,
    /// The call takes effect, then its answer is replaced by the error.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub after: bool,
    /// Only calls signed with this access key id match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key: Option<String>,
}

impl Fault {
    /// `count` calls of `operation` fail with `error_code` (HTTP 400 unless set).
    pub fn error(operation: &str, error_code: &str, count: u32) -> Self {
        Self {
            operation: operation.into(),
            error_code: Some(error_code.into()),
            count,
            ..Default::default()
        }
    }

    /// `count` calls of `operation` fail with the AWS throttling error.
    pub fn throttle(operation: &str, count: u32) -> Self {
        Self::error(operation, "Throttling", count).message("Rate exceeded")
    }

    /// `count` calls of `operation` are delayed by `delay_ms`, then served.
    pub fn delay(operation: &str, delay_ms: u64, count: u32) -> Self {
        Self {
            operation: operation.into(),
            delay_ms: Some(delay_ms),
            count,
            ..Default::default()
        }
    }

    pub fn service(mut self, service: &str) -> Self {
        self.service = Some(service.into());
        self
    }

    pub fn status(mut self, http_status: u16) -> Self {
        self.http_status = Some(http_status);
        self
    }

    pub fn message(mut self, message: &str) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Let `n` matching calls through first: with operation `*` and an access key, the
    /// fault hits that client's n-th call (0-based).
    pub fn skip(mut self, n: u32) -> Self {
        self.skip = Some(n);
        self
    }

    /// Serve the call (it takes effect), then answer with the error.
    pub fn after_effect(mut self) -> Self {
        self.after = true;
        self
    }

    /// Match only calls signed with `access_key`.
    pub fn access_key(mut self, access_key: &str) -> Self {
        self.access_key = Some(access_key.into());
        self
    }
}

/// HTTP requests the emulator served since the last clear.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RequestLog {
    pub total: u64,
    #[serde(default)]
    pub by_operation: BTreeMap<String, u64>,
    /// Per `service:Operation`, the SigV4 signing regions of its calls and how many calls used
    /// each. Unsigned calls have no region and are not counted here.
    #[serde(default)]
    pub signing_regions: BTreeMap<String, BTreeMap<String, u64>>,
}

impl RequestLog {
    /// Calls of one operation, by `service:Operation` (e.g. `monitoring:DescribeAlarms`).
    pub fn count(&self, key: &str) -> u64 {
        self.by_operation.get(key).copied().unwrap_or(0)
    }

    /// The regions that calls of one operation (`service:Operation`, e.g. `budgets:CreateBudget`)
    /// were signed for, sorted; empty when there were none.
    pub fn signing_regions_of(&self, key: &str) -> Vec<String> {
        self.signing_regions
            .get(key)
            .map(|regions| regions.keys().cloned().collect())
            .unwrap_or_default()
    }
}

/// `tests/emulator/emulator`, the launcher script.
pub fn launcher() -> PathBuf {
    paths::repo_root().join("tests/emulator/emulator")
}

fn run_launcher(args: &[&str]) -> Result<String> {
    let script = launcher();
    let out = Command::new(&script)
        .args(args)
        .output()
        .map_err(|source| Error::Spawn {
            program: script.display().to_string(),
            source,
        })?;
    if !out.status.success() {
        return Err(Error::Emulator(format!(
            "`{} {}` failed ({}): {}{}",
            script.display(),
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

impl Emulator {
    /// Starts a private emulator in a fresh state dir; it stops when dropped.
    pub fn start() -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("opsdeck-emulator-")
            .tempdir()
            .map_err(Error::io(std::env::temp_dir()))?;
        let mut emulator = Self::start_in(dir.path())?;
        emulator._owned_dir = Some(dir);
        emulator.stop_on_drop = true;
        Ok(emulator)
    }

    /// Starts (or reuses) the emulator whose state lives in `state_dir`; left running
    /// on drop, for the main job and for people exploring by hand.
    pub fn start_in(state_dir: &Path) -> Result<Self> {
        let state = state_dir.display().to_string();
        let endpoint = run_launcher(&["start", "--state-dir", &state])?;
        let endpoint = endpoint.lines().last().unwrap_or_default().to_owned();
        if !endpoint.starts_with("http://127.0.0.1:") {
            return Err(Error::Emulator(format!(
                "unexpected endpoint {endpoint:?} from the launcher"
            )));
        }
        Ok(Self {
            endpoint,
            state_dir: state_dir.to_path_buf(),
            _owned_dir: None,
            stop_on_drop: false,
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// Environment for terraform and the AWS SDKs: endpoint, fake credentials, region,
    /// and no instance-metadata lookups.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY),
            ("AWS_REGION", DEFAULT_REGION),
            ("AWS_DEFAULT_REGION", DEFAULT_REGION),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    fn call(&self, method: &str, path: &str, body: Option<serde_json::Value>) -> Result<String> {
        let url = format!("{}{path}", self.endpoint);
        let request = ureq::request(method, &url).timeout(std::time::Duration::from_secs(30));
        let response = match body {
            Some(json) => request.send_json(json),
            None => request.call(),
        };
        match response {
            Ok(r) => r
                .into_string()
                .map_err(|e| Error::Emulator(format!("{method} {path}: {e}"))),
            Err(ureq::Error::Status(code, r)) => Err(Error::Emulator(format!(
                "{method} {path}: HTTP {code}: {}",
                r.into_string().unwrap_or_default()
            ))),
            Err(e) => Err(Error::Emulator(format!("{method} {path}: {e}"))),
        }
    }

    /// Forgets every AWS resource and our layer's faults and request log.
    pub fn reset(&self) -> Result<()> {
        run_launcher(&[
            "reset",
            "--state-dir",
            &self.state_dir.display().to_string(),
        ])
        .map(|_| ())
    }

    pub fn inject_fault(&self, fault: &Fault) -> Result<()> {
        let body = serde_json::to_value(fault).map_err(|source| Error::Json {
            what: "fault".into(),
            source,
        })?;
        self.call("POST", "/_opsdeck/faults", Some(body))
            .map(|_| ())
    }

    pub fn clear_faults(&self) -> Result<()> {
        self.call("DELETE", "/_opsdeck/faults", None).map(|_| ())
    }

    /// Drops the pending faults of one access key; returns how many there were.
    pub fn clear_faults_of(&self, access_key: &str) -> Result<u64> {
        let text = self.call(
            "DELETE",
            &format!("/_opsdeck/faults?access_key={access_key}"),
            None,
        )?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|source| Error::Json {
            what: "faults".into(),
            source,
        })?;
        Ok(v["cleared"].as_u64().unwrap_or(0))
    }

    pub fn request_log(&self) -> Result<RequestLog> {
        let text = self.call("GET", "/_opsdeck/requests", None)?;
        serde_json::from_str(&text).map_err(|source| Error::Json {
            what: "request log".into(),
            source,
        })
    }

    /// The calls signed with one access key id.
    pub fn request_log_of(&self, access_key: &str) -> Result<RequestLog> {
        let text = self.call(
            "GET",
            &format!("/_opsdeck/requests?access_key={access_key}"),
            None,
        )?;
        serde_json::from_str(&text).map_err(|source| Error::Json {
            what: "request log".into(),
            source,
        })
    }

    /// Pending faults, as the emulator lists them.
    pub fn faults(&self) -> Result<Vec<serde_json::Value>> {
        let text = self.call("GET", "/_opsdeck/faults", None)?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|source| Error::Json {
            what: "faults".into(),
            source,
        })?;
        Ok(v["faults"].as_array().cloned().unwrap_or_default())
    }

    pub fn clear_request_log(&self) -> Result<()> {
        self.call("DELETE", "/_opsdeck/requests", None).map(|_| ())
    }

    /// Stops the emulator now (idempotent).
    pub fn stop(&self) -> Result<()> {
        run_launcher(&["stop", "--state-dir", &self.state_dir.display().to_string()]).map(|_| ())
    }
}

/// The server log lines worth reading after a failure: calls answered with an error, calls
/// slower than five seconds, warnings and errors; the last `max` of them.
fn notable_log_lines(log: &str, max: usize) -> Vec<&str> {
    let notable: Vec<&str> = log
        .lines()
        .filter(|line| {
            let answered = line
                .split_once(" -> ")
                .map(|(_, rest)| rest.split_whitespace().collect::<Vec<_>>());
            let failed_or_slow = answered.is_some_and(|words| {
                let status_error = words.first().is_some_and(|s| !s.starts_with('2'));
                let slow = words
                    .get(2)
                    .and_then(|ms| ms.parse::<u64>().ok())
                    .is_some_and(|ms| ms > 5_000);
                status_error || slow
            });
            failed_or_slow || line.contains(" WARNING ") || line.contains(" ERROR ")
        })
        .collect();
    notable[notable.len().saturating_sub(max)..].to_vec()
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // A failed test prints what the emulator saw: its state dir is deleted below.
        if std::thread::panicking() {
            let log_path = self.state_dir.join("server.log");
            if let Ok(log) = std::fs::read_to_string(&log_path) {
                let lines = notable_log_lines(&log, 60);
                eprintln!(
                    "terratest: the emulator's failed and slow calls, warnings and errors ({} of {} in {}):",
                    lines.len(),
                    log.lines().count(),
                    log_path.display()
                );
                for line in lines {
                    eprintln!("  {line}");
                }
            }
        }
        if self.stop_on_drop {
            if let Err(e) = self.stop() {
                eprintln!(
                    "terratest: cannot stop the emulator in {}: {e}",
                    self.state_dir.display()
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_test_shows_the_failed_and_slow_calls_of_the_server_log() {
        let log = "\
2026-12-02 00:37:19,100 INFO opsdeck_emulator: call ec2:CreateSecurityGroup -> 200 in 12 ms (access key AKIA, attempt=1, invocation 5ef7dc91)
2026-12-02 00:37:19,200 INFO werkzeug: 127.0.0.1 - - \"POST / HTTP/1.1\" 200 -
2026-12-02 00:37:25,300 INFO opsdeck_emulator: call ec2:DescribeVpcs -> 200 in 6100 ms (access key AKIA, attempt=1, invocation 9e6e7d20)
2026-12-02 00:37:25,400 INFO opsdeck_emulator: call ec2:CreateSecurityGroup -> 400 in 9 ms (access key AKIA, attempt=2, invocation 5ef7dc91)
2026-12-02 00:37:26,000 WARNING opsdeck_emulator: fault #1 applied to sns:Publish
";
        assert_eq!(
            notable_log_lines(log, 60),
            vec![
                "2026-12-02 00:37:25,300 INFO opsdeck_emulator: call ec2:DescribeVpcs -> 200 in 6100 ms (access key AKIA, attempt=1, invocation 9e6e7d20)",
                "2026-12-02 00:37:25,400 INFO opsdeck_emulator: call ec2:CreateSecurityGroup -> 400 in 9 ms (access key AKIA, attempt=2, invocation 5ef7dc91)",
                "2026-12-02 00:37:26,000 WARNING opsdeck_emulator: fault #1 applied to sns:Publish",
            ]
        );
        assert_eq!(notable_log_lines(log, 1).len(), 1);
    }

    #[test]
    fn request_log_reads_signing_regions_and_tolerates_their_absence() {
        let log: RequestLog = serde_json::from_str(
            r#"{"total": 3, "by_operation": {"budgets:CreateBudget": 3},
                "signing_regions": {"budgets:CreateBudget": {"us-east-1": 2, "eu-west-1": 1}}}"#,
        )
        .unwrap();
        assert_eq!(log.count("budgets:CreateBudget"), 3);
        assert_eq!(
            log.signing_regions_of("budgets:CreateBudget"),
            ["eu-west-1", "us-east-1"]
        );
        assert!(log.signing_regions_of("budgets:DeleteBudget").is_empty());

        let older: RequestLog =
            serde_json::from_str(r#"{"total": 0, "by_operation": {}}"#).unwrap();
        assert!(older.signing_regions.is_empty());
    }
}
