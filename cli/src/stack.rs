//! The stack a deploy applies: a Terraform directory (`--dir`, default `envs/prod`) that
//! takes `app_version` and has one output `opsdeck` describing itself. Everything the
//! commands need comes from `terraform output -json opsdeck`, unless a flag or an
//! environment variable gives it (tests, first deploys, manual runs).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use clap::Args;
use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::error::{CliError, ErrorCode};
use crate::progress;
use crate::signals;

/// The `opsdeck` output of the stack (envs/prod's contract). Every field is optional
/// here; the command that needs one says which is missing.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct StackOutput {
    pub region: Option<String>,
    pub service: Option<String>,
    pub environment: Option<String>,
    pub history_table_name: Option<String>,
    pub artifact_bucket: Option<String>,
    pub artifact_prefix: Option<String>,
    pub db_cluster_identifier: Option<String>,
    pub site_url: Option<String>,
    pub api_url: Option<String>,
    pub health_url: Option<String>,
    #[serde(default)]
    pub alarm_sets: Vec<AlarmSetRef>,
    pub slack_webhook_secret_arn: Option<String>,
    pub dashboard_url: Option<String>,
}

/// An `opsdeck_alarm_set` of the stack: its composite alarm's name and region.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct AlarmSetRef {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
}

/// Where the stack is and what overrides its output.
#[derive(Args, Debug, Clone, Default)]
pub struct StackArgs {
    /// Terraform directory of the stack (initialised: `terraform init` ran there).
    #[arg(long, env = "OPSDECK_TF_DIR", default_value = "envs/prod")]
    pub dir: PathBuf,
    /// The terraform binary.
    #[arg(long, env = "OPSDECK_TERRAFORM", default_value = "terraform")]
    pub terraform: String,
    /// History table (overrides the output's history_table_name).
    #[arg(long, env = "OPSDECK_HISTORY_TABLE")]
    pub table_name: Option<String>,
    /// Service (overrides the output's service).
    #[arg(long, env = "OPSDECK_SERVICE")]
    pub service: Option<String>,
    /// Environment (overrides the output's environment).
    #[arg(long, env = "OPSDECK_ENVIRONMENT")]
    pub environment: Option<String>,
    /// Aurora cluster to snapshot (overrides db_cluster_identifier).
    #[arg(long, env = "OPSDECK_DB_CLUSTER")]
    pub cluster: Option<String>,
    /// Artifact bucket (overrides artifact_bucket).
    #[arg(long, env = "OPSDECK_ARTIFACT_BUCKET")]
    pub artifact_bucket: Option<String>,
    /// Artifact key prefix (overrides artifact_prefix).
    #[arg(long, env = "OPSDECK_ARTIFACT_PREFIX")]
    pub artifact_prefix: Option<String>,
    /// AWS region (default: the output's region, else AWS_REGION).
    #[arg(long)]
    pub region: Option<String>,
    /// Named AWS profile.
    #[arg(long)]
    pub profile: Option<String>,
}

/// The stack's description after overrides; `output` is `None` when the flags gave
/// everything asked for and terraform was not asked.
#[derive(Clone, Debug, Default)]
pub struct Stack {
    pub args: StackArgs,
    pub output: StackOutput,
    pub from_terraform: bool,
}

/// A value a command needs from the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    History,
    Cluster,
    Artifacts,
}

impl Stack {
    /// Applies the flags; reads `terraform output -json opsdeck` only when a value in
    /// `needs` (or the region) is not given by a flag. `tolerate_missing` lets a first
    /// deploy go on without an output when the flags cover what it needs.
    pub async fn resolve(args: &StackArgs, needs: &[Need]) -> Result<Self, CliError> {
        let mut stack = Self {
            args: args.clone(),
            output: StackOutput::default(),
            from_terraform: false,
        };
        stack.apply_overrides();
        if stack.missing(needs).is_empty() {
            return Ok(stack);
        }
        match read_output(args).await {
            Ok(output) => {
                stack.output = output;
                stack.from_terraform = true;
                stack.apply_overrides();
            }
            Err(e) => {
                let missing = stack.missing(needs);
                return Err(e.hint(format!("or pass {} as flags", missing.join(", "))));
            }
        }
        let missing = stack.missing(needs);
        if !missing.is_empty() {
            return Err(CliError::new(
                ErrorCode::StackConfig,
                format!(
                    "the `opsdeck` output of {} has no value for {}",
                    args.dir.display(),
                    missing.join(", ")
                ),
            )
            .hint("envs/prod's `opsdeck` output must carry these fields; or pass them as flags"));
        }
        Ok(stack)
    }

    /// The stack's output with the flags applied, always read from terraform.
    pub async fn from_terraform(args: &StackArgs) -> Result<Self, CliError> {
        let mut stack = Self {
            args: args.clone(),
            output: read_output(args).await?,
            from_terraform: true,
        };
        stack.apply_overrides();
        Ok(stack)
    }

    fn apply_overrides(&mut self) {
        let a = &self.args;
        let o = &mut self.output;
        for (flag, field) in [
            (&a.table_name, &mut o.history_table_name),
            (&a.service, &mut o.service),
            (&a.environment, &mut o.environment),
            (&a.cluster, &mut o.db_cluster_identifier),
            (&a.artifact_bucket, &mut o.artifact_bucket),
            (&a.artifact_prefix, &mut o.artifact_prefix),
            (&a.region, &mut o.region),
        ] {
            if let Some(v) = flag.as_ref().filter(|v| !v.is_empty()) {
                *field = Some(v.clone());
            }
        }
    }

    /// Flags (with their output field) still missing for `needs`.
    fn missing(&self, needs: &[Need]) -> Vec<&'static str> {
        let o = &self.output;
        let mut missing = Vec::new();
        let mut want = |present: bool, name: &'static str| {
            if !present && !missing.contains(&name) {
                missing.push(name);
            }
        };
        for need in needs {
            match need {
                Need::History => {
                    want(
                        o.history_table_name.is_some(),
                        "--table-name (history_table_name)",
                    );
                    want(o.service.is_some(), "--service (service)");
                    want(o.environment.is_some(), "--environment (environment)");
                }
                Need::Cluster => want(
                    o.db_cluster_identifier.is_some(),
                    "--cluster (db_cluster_identifier)",
                ),
                Need::Artifacts => {
                    want(
                        o.artifact_bucket.is_some(),
                        "--artifact-bucket (artifact_bucket)",
                    );
                }
            }
        }
        missing
    }

    pub fn table(&self) -> &str {
        self.output
            .history_table_name
            .as_deref()
            .unwrap_or_default()
    }

    pub fn service(&self) -> &str {
        self.output.service.as_deref().unwrap_or_default()
    }

    pub fn environment(&self) -> &str {
        self.output.environment.as_deref().unwrap_or_default()
    }

    pub fn aws_args(&self) -> crate::aws::AwsArgs {
        crate::aws::AwsArgs {
            region: self.output.region.clone(),
            profile: self.args.profile.clone(),
        }
    }

    /// `terraform apply` of `version` in the stack's directory, streaming terraform's
    /// output to stderr. Bounded by `timeout`; Ctrl-C reaches terraform too (same
    /// process group), which then stops cleanly and keeps its state consistent.
    pub async fn apply(
        &self,
        version: &str,
        extra: &[String],
        timeout: Duration,
    ) -> Result<(), CliError> {
        let args = apply_args(version, extra);
        progress::detail(&format!(
            "{} -chdir={} {}",
            self.args.terraform,
            self.args.dir.display(),
            args.join(" ")
        ));
        let mut child = Command::new(&self.args.terraform)
            .arg(format!("-chdir={}", self.args.dir.display()))
            .args(&args)
            .env("TF_IN_AUTOMATION", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                CliError::new(
                    ErrorCode::TerraformFailed,
                    format!("cannot run {:?}: {e}", self.args.terraform),
                )
                .hint("install terraform or pass --terraform PATH (OPSDECK_TERRAFORM)")
            })?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let tail = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let pump = |stream: Option<Box<dyn tokio::io::AsyncRead + Unpin + Send>>| {
            let tail = tail.clone();
            async move {
                let Some(stream) = stream else { return };
                let mut lines = BufReader::new(stream).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    eprintln!("    | {line}");
                    if let Ok(mut t) = tail.lock() {
                        t.push(line);
                        if t.len() > 20 {
                            t.remove(0);
                        }
                    }
                }
            }
        };
        let out_task = pump(stdout.map(|s| Box::new(s) as _));
        let err_task = pump(stderr.map(|s| Box::new(s) as _));
        let started = Instant::now();
        let wait = async {
            let (_, _, status) = tokio::join!(out_task, err_task, child.wait());
            status
        };
        let status = tokio::select! {
            status = tokio::time::timeout(timeout, wait) => status,
            _ = signals::interrupted() => {
                // terraform got the same signal from the terminal; when only we were
                // signalled (a runner's SIGTERM), tell it too and let it finish its write.
                signals::forward_interrupt(&mut child);
                let _ = tokio::time::timeout(Duration::from_secs(60), child.wait()).await;
                return Err(signals::interrupted_error("terraform apply"));
            }
        };
        match status {
            Err(_) => {
                signals::forward_interrupt(&mut child);
                let _ = tokio::time::timeout(Duration::from_secs(60), child.wait()).await;
                Err(CliError::new(
                    ErrorCode::TerraformFailed,
                    format!(
                        "terraform apply of {version} did not finish within {} s and was stopped",
                        timeout.as_secs()
                    ),
                )
                .hint("raise --apply-timeout if the stack needs longer"))
            }
            Ok(Err(e)) => Err(CliError::new(
                ErrorCode::TerraformFailed,
                format!("waiting for terraform failed: {e}"),
            )),
            Ok(Ok(status)) if status.success() => Ok(()),
            Ok(Ok(status)) => {
                let last = tail
                    .lock()
                    .map(|t| {
                        t.iter()
                            .rev()
                            .find(|l| l.contains("Error"))
                            .cloned()
                            .unwrap_or_default()
                    })
                    .unwrap_or_default();
                Err(CliError::new(
                    ErrorCode::TerraformFailed,
                    format!(
                        "terraform apply of {version} in {} failed ({status}) after {:.1} s{}",
                        self.args.dir.display(),
                        started.elapsed().as_secs_f64(),
                        if last.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", last.trim_start_matches(['│', ' ']))
                        }
                    ),
                ))
            }
        }
    }

    /// The command `apply` runs, for `--print`.
    pub fn apply_command(&self, version: &str, extra: &[String]) -> String {
        format!(
            "{} -chdir={} {}",
            self.args.terraform,
            shell_quote(&self.args.dir.display().to_string()),
            apply_args(version, extra)
                .iter()
                .map(|a| shell_quote(a))
                .collect::<Vec<_>>()
                .join(" ")
        )
    }
}

fn apply_args(version: &str, extra: &[String]) -> Vec<String> {
    let mut args = vec![
        "apply".to_owned(),
        "-auto-approve".to_owned(),
        "-input=false".to_owned(),
        "-no-color".to_owned(),
        "-lock-timeout=5m".to_owned(),
        "-var".to_owned(),
        format!("app_version={version}"),
    ];
    args.extend(extra.iter().cloned());
    args
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_=./:@".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// `terraform output -json opsdeck` in `args.dir`.
pub async fn read_output(args: &StackArgs) -> Result<StackOutput, CliError> {
    let dir = args.dir.display().to_string();
    let run = Command::new(&args.terraform)
        .arg(format!("-chdir={dir}"))
        .args(["output", "-json", "-no-color", "opsdeck"])
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .map_err(|_| {
            CliError::new(
                ErrorCode::StackConfig,
                format!("`terraform output -json opsdeck` in {dir} did not answer within 120 s"),
            )
        })?
        .map_err(|e| {
            CliError::new(
                ErrorCode::StackConfig,
                format!(
                    "cannot run {:?} to read the stack's output: {e}",
                    args.terraform
                ),
            )
            .hint("install terraform or pass --terraform PATH (OPSDECK_TERRAFORM)")
        })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let detail = stderr
            .lines()
            .map(|l| l.trim_start_matches(['│', '╷', '╵', ' ']))
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        return Err(CliError::new(
            ErrorCode::StackConfig,
            format!("the stack in {dir} has no readable `opsdeck` output: {detail}"),
        )
        .hint(format!(
            "run `terraform -chdir={dir} init` and apply the stack once"
        )));
    }
    parse_output(&out.stdout).map_err(|e| {
        CliError::new(
            ErrorCode::StackConfig,
            format!("the `opsdeck` output of {dir} is not the documented object: {e}"),
        )
    })
}

pub fn parse_output(bytes: &[u8]) -> Result<StackOutput, String> {
    serde_json::from_slice(bytes).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_output_contract_parses_and_flags_win() {
        let out = parse_output(
            br#"{"region":"eu-west-1","service":"shop","environment":"prod","history_table_name":"h",
                 "artifact_bucket":"b","artifact_prefix":"opsdeck","db_cluster_identifier":"db",
                 "site_url":"https://x","api_url":"https://x/api","health_url":"https://x/api/health",
                 "alarm_sets":[{"name":"shop-api","region":"eu-west-1"},{"name":"edge","region":"us-east-1"}],
                 "slack_webhook_secret_arn":"arn:aws:secretsmanager:eu-west-1:1:secret:s","dashboard_url":"https://d",
                 "something_new": 1}"#,
        )
        .unwrap();
        assert_eq!(out.alarm_sets.len(), 2);
        assert_eq!(out.alarm_sets[1].region.as_deref(), Some("us-east-1"));
        let mut stack = Stack {
            args: StackArgs {
                service: Some("other".into()),
                ..Default::default()
            },
            output: out,
            from_terraform: true,
        };
        stack.apply_overrides();
        assert_eq!(stack.service(), "other");
        assert_eq!(stack.table(), "h");
        assert!(stack
            .missing(&[Need::History, Need::Cluster, Need::Artifacts])
            .is_empty());
        assert!(parse_output(b"[1]").is_err());
    }

    #[test]
    fn missing_values_name_their_flag() {
        let stack = Stack::default();
        let missing = stack.missing(&[Need::History, Need::Cluster]);
        assert!(
            missing.contains(&"--table-name (history_table_name)"),
            "{missing:?}"
        );
        assert!(missing.contains(&"--cluster (db_cluster_identifier)"));
    }

    #[test]
    fn the_printed_command_is_quoted_for_a_shell() {
        let stack = Stack {
            args: StackArgs {
                dir: "envs/my prod".into(),
                terraform: "terraform".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(
            stack.apply_command("v1.2.3", &["-var-file=prod.tfvars".into()]),
            "terraform -chdir='envs/my prod' apply -auto-approve -input=false -no-color -lock-timeout=5m -var app_version=v1.2.3 -var-file=prod.tfvars"
        );
    }
}
