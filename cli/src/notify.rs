//! `opsdeck notify slack`: deploy, rollback and failure messages in the notifier's Block
//! Kit format (the shared crate `opsdeck-slack`, not a copy), posted to the incoming
//! webhook with the notifier's retry policy. The webhook comes from Secrets Manager (the
//! stack's `slack_webhook_secret_arn`) or, for local runs, from a file.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use opsdeck_provider::deploy_history::id;
use opsdeck_slack::format::deploy::{
    format_direct, Check, DeployEvent, DeployKind, DeployStatus, DEPLOY_SCHEMA,
};
use opsdeck_slack::secret::{fetch_webhook, webhook_from_secret_string};
use opsdeck_slack::webhook::{RetryPolicy, SlackClient, WebhookUrl};

use crate::aws::Aws;
use crate::error::{CliError, ErrorCode};
use crate::stack::{Stack, StackArgs};

/// Where the webhook comes from, shared by `notify`, `deploy` and `rollback`.
#[derive(Args, Debug, Clone, Default)]
pub struct WebhookArgs {
    /// Secrets Manager secret holding the webhook URL (default: the stack output's
    /// slack_webhook_secret_arn).
    #[arg(long, env = "OPSDECK_SLACK_WEBHOOK_SECRET_ARN")]
    pub webhook_secret_arn: Option<String>,
    /// A file holding the webhook URL (or {"webhook_url": ...}), for local runs.
    #[arg(
        long,
        env = "OPSDECK_SLACK_WEBHOOK_FILE",
        conflicts_with = "webhook_secret_arn"
    )]
    pub webhook_file: Option<PathBuf>,
    /// Attempts per Slack message (5xx and timeouts back off 0.5 s, 1 s, 2 s ...).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=10))]
    pub slack_attempts: u32,
}

#[derive(Args, Debug)]
pub struct NotifyArgs {
    #[command(subcommand)]
    pub command: NotifyCommand,
}

#[derive(Subcommand, Debug)]
pub enum NotifyCommand {
    /// Post a deploy, rollback or failure message to Slack.
    Slack(SlackArgs),
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventArg {
    Deploy,
    Rollback,
    Failure,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusArg {
    Started,
    Succeeded,
    Failed,
}

#[derive(Args, Debug)]
pub struct SlackArgs {
    /// deploy (a version went live), rollback (back to an earlier version) or failure
    /// (a deploy failed).
    #[arg(long, value_enum)]
    pub event: EventArg,
    /// The version deployed, or rolled back to.
    #[arg(long = "version")]
    pub event_version: String,
    /// Override the status (default: succeeded, failed for --event failure).
    #[arg(long, value_enum)]
    pub status: Option<StatusArg>,
    /// The version before (or rolled back from).
    #[arg(long)]
    pub previous_version: Option<String>,
    #[arg(long)]
    pub reason: Option<String>,
    #[arg(long)]
    pub release_url: Option<String>,
    /// The pipeline run (default: the GitHub Actions run, from GITHUB_* variables).
    #[arg(long)]
    pub run_url: Option<String>,
    /// Who (default: GITHUB_ACTOR).
    #[arg(long)]
    pub deployer: Option<String>,
    /// A check result: NAME=ok, NAME=failed or NAME=failed:DETAIL; repeat for more.
    #[arg(long = "check", value_parser = parse_check)]
    pub checks: Vec<Check>,
    #[command(flatten)]
    pub webhook: WebhookArgs,
    #[command(flatten)]
    pub stack: StackArgs,
}

fn parse_check(s: &str) -> Result<Check, String> {
    let (name, rest) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not NAME=ok or NAME=failed[:DETAIL]"))?;
    let (state, detail) = match rest.split_once(':') {
        Some((st, d)) => (st, Some(d.to_owned())),
        None => (rest, None),
    };
    let passed = match state {
        "ok" | "passed" => true,
        "failed" => false,
        _ => return Err(format!("{s:?}: the state must be ok or failed")),
    };
    Ok(Check {
        name: name.to_owned(),
        passed,
        detail,
    })
}

/// The GitHub Actions run URL, when running there.
pub fn run_url() -> Option<String> {
    let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
    Some(format!(
        "{}/{}/actions/runs/{}",
        var("GITHUB_SERVER_URL")?,
        var("GITHUB_REPOSITORY")?,
        var("GITHUB_RUN_ID")?
    ))
}

pub fn now() -> String {
    id::rfc3339_millis(id::now_millis())
}

/// Reads the webhook: the file, else the secret (flag, else the stack's). `Ok(None)`
/// when none is configured.
pub async fn webhook(
    args: &WebhookArgs,
    stack: Option<&Stack>,
    aws: Option<&Aws>,
) -> Result<Option<WebhookUrl>, CliError> {
    if let Some(path) = &args.webhook_file {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::new(
                ErrorCode::SlackSecret,
                format!("cannot read the webhook file {}: {e}", path.display()),
            )
        })?;
        // The value is a secret: the error says what is wrong, never what it is.
        return webhook_from_secret_string(&text)
            .map(Some)
            .map_err(|problem| {
                CliError::new(
                    ErrorCode::SlackSecret,
                    format!(
                        "the webhook file {} holds no usable webhook URL: {problem}",
                        path.display()
                    ),
                )
            });
    }
    let arn = args
        .webhook_secret_arn
        .clone()
        .or_else(|| stack.and_then(|s| s.output.slack_webhook_secret_arn.clone()));
    let Some(arn) = arn.filter(|a| !a.is_empty()) else {
        return Ok(None);
    };
    let loaded;
    let aws = match aws {
        Some(a) => a,
        None => {
            loaded = Aws::load(&stack.map(Stack::aws_args).unwrap_or_default()).await?;
            &loaded
        }
    };
    fetch_webhook(&aws.secretsmanager(), &arn)
        .await
        .map(Some)
        .map_err(|e| CliError::new(ErrorCode::SlackSecret, e.to_string()))
}

/// Posts one deploy event with retries; the error says what Slack answered.
pub async fn post(url: &WebhookUrl, event: &DeployEvent, attempts: u32) -> Result<u32, CliError> {
    let payload = format_direct(event, None);
    let client = SlackClient::new().map_err(|e| CliError::new(ErrorCode::Internal, e))?;
    let policy = RetryPolicy {
        max_attempts: attempts,
        ..RetryPolicy::default()
    };
    client
        .post(url, &payload, &policy, None)
        .await
        .map_err(|e| CliError::new(ErrorCode::SlackDelivery, e.to_string()))
}

/// A deploy event with the fields every sender sets.
pub fn event(
    kind: DeployKind,
    status: DeployStatus,
    environment: &str,
    version: &str,
) -> DeployEvent {
    DeployEvent {
        opsdeck: DEPLOY_SCHEMA.to_owned(),
        kind,
        status,
        environment: environment.to_owned(),
        version: version.to_owned(),
        previous_version: None,
        deployer: std::env::var("GITHUB_ACTOR").ok().filter(|a| !a.is_empty()),
        time: Some(now()),
        release_url: None,
        run_url: run_url(),
        reason: None,
        checks: Vec::new(),
    }
}

pub async fn run(args: NotifyArgs) -> Result<String, CliError> {
    let NotifyCommand::Slack(a) = args.command;
    let (kind, default_status) = match a.event {
        EventArg::Deploy => (DeployKind::Deploy, DeployStatus::Succeeded),
        EventArg::Rollback => (DeployKind::Rollback, DeployStatus::Succeeded),
        EventArg::Failure => (DeployKind::Deploy, DeployStatus::Failed),
    };
    let status = match a.status {
        Some(StatusArg::Started) => DeployStatus::Started,
        Some(StatusArg::Succeeded) => DeployStatus::Succeeded,
        Some(StatusArg::Failed) => DeployStatus::Failed,
        None => default_status,
    };
    // The stack output is read only when the flags leave the webhook or the
    // environment to it.
    let needs_stack = a.stack.environment.is_none()
        || (a.webhook.webhook_file.is_none() && a.webhook.webhook_secret_arn.is_none());
    let stack = if needs_stack {
        Some(Stack::from_terraform(&a.stack).await?)
    } else {
        None
    };
    let environment = a
        .stack
        .environment
        .clone()
        .or_else(|| stack.as_ref().and_then(|s| s.output.environment.clone()))
        .ok_or_else(|| CliError::usage("--environment is required (or the stack's output)"))?;
    let url = webhook(&a.webhook, stack.as_ref(), None)
        .await?
        .ok_or_else(|| {
            CliError::usage(
                "no Slack webhook: pass --webhook-secret-arn or --webhook-file, or give the stack's `opsdeck` output slack_webhook_secret_arn",
            )
        })?;
    let mut e = event(kind, status, &environment, &a.event_version);
    e.previous_version = a.previous_version;
    e.reason = a.reason;
    e.release_url = a.release_url;
    if a.run_url.is_some() {
        e.run_url = a.run_url;
    }
    if a.deployer.is_some() {
        e.deployer = a.deployer;
    }
    e.checks = a.checks;
    let attempts = post(&url, &e, a.webhook.slack_attempts).await?;
    Ok(format!(
        "posted to Slack ({} attempt{}) via {}\n",
        attempts,
        if attempts == 1 { "" } else { "s" },
        url.host()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_parse() {
        let c = parse_check("load=failed:p95 3 s").unwrap();
        assert!(!c.passed);
        assert_eq!(c.detail.as_deref(), Some("p95 3 s"));
        assert!(parse_check("health=ok").unwrap().passed);
        assert!(parse_check("health").is_err());
        assert!(parse_check("health=maybe").is_err());
    }
}
