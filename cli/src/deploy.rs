//! `opsdeck deploy --version V`: upload the version's artifacts, snapshot the database,
//! apply, verify; then either record, release and announce it, or mark it failed, roll
//! back to the previous version by itself and announce both.
//!
//! One run at a time per service and environment ([`crate::lock`]); each step's progress
//! and time go to stderr. The history is written only with what happened: a version is
//! recorded after its apply (`succeeded` when verified, else marked `failed` at once),
//! and a run killed between two writes is found by the next run through the lock's
//! journal, which records what it applied (see [`reconcile`]).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use opsdeck_provider::deploy_history::{
    DeployRecord, DeployResult, HistoryStore, NewDeploy, Stream,
};
use opsdeck_slack::format::deploy::{Check, DeployEvent, DeployKind, DeployStatus};
use opsdeck_slack::webhook::WebhookUrl;
use serde_json::json;

use crate::artifacts::{self, parse_function, Upload};
use crate::aws::Aws;
use crate::backup::{self, SnapshotRequest, WaitArgs};
use crate::error::{warn, CliError, ErrorCode};
use crate::lock::{DeployLock, LockInfo};
use crate::notify::{self, WebhookArgs};
use crate::output;
use crate::progress::{self, Steps};
use crate::release::{self, BodyFacts, GitHub, GitHubArgs};
use crate::signals;
use crate::stack::{Need, Stack, StackArgs};
use crate::timing::parse_duration;
use crate::verify::{self, Report, SmokeFile, Target, VerifyOptions};

/// Settings of a pipeline run (deploy or rollback).
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// Most time `terraform apply` may take.
    #[arg(long, default_value = "30m", value_parser = parse_duration)]
    pub apply_timeout: Duration,
    /// More arguments for `terraform apply` (e.g. -var-file=prod.tfvars); repeat for more.
    #[arg(long = "terraform-arg", allow_hyphen_values = true)]
    pub terraform_args: Vec<String>,
    /// The deploy lock's lease: a holder that stops renewing it (a killed runner) frees
    /// it after this long.
    #[arg(long, env = "OPSDECK_LOCK_LEASE", default_value = "2m", value_parser = parse_duration)]
    pub lock_lease: Duration,
    /// Do not publish a GitHub Release (local runs).
    #[arg(long)]
    pub no_release: bool,
    /// Do not post to Slack.
    #[arg(long)]
    pub no_slack: bool,
    /// Print JSON instead of a summary.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct DeployArgs {
    /// The version to deploy (the `app_version` of the stack), e.g. v1.4.2.
    #[arg(long = "version")]
    pub deploy_version: String,
    /// Folder of the version's Lambda zips, one `<function key>.zip` each.
    #[arg(long, env = "OPSDECK_ARTIFACTS", default_value = "dist/lambda")]
    pub artifacts: PathBuf,
    /// KEY=PATH: the zip of one function key (replaces the folder scan); repeat for more.
    #[arg(long = "function", value_parser = parse_function)]
    pub functions: Vec<(String, PathBuf)>,
    #[command(flatten)]
    pub stack: StackArgs,
    #[command(flatten)]
    pub verify: VerifyOptions,
    #[command(flatten)]
    pub wait: WaitArgs,
    #[command(flatten)]
    pub webhook: WebhookArgs,
    #[command(flatten)]
    pub github: GitHubArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

/// modules/compute's rule for `app_version`: it is a path segment of the artifact key.
pub fn check_version(v: &str) -> Result<(), CliError> {
    let ok = (1..=63).contains(&v.len())
        && v.starts_with(|c: char| c.is_ascii_alphanumeric())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "--version {v:?} is not a valid app_version: 1-63 letters, digits, dots, underscores and hyphens, starting with a letter or digit, e.g. v1.4.2"
        )))
    }
}

/// Everything a pipeline run works with.
pub struct Ctx<'a> {
    pub aws: &'a Aws,
    pub stack: &'a Stack,
    pub store: HistoryStore,
    pub stream: Stream,
    pub actor: String,
    pub verify: &'a VerifyOptions,
    pub target: Target,
    pub smoke: Option<SmokeFile>,
    pub run: &'a RunArgs,
    pub slack: Option<WebhookUrl>,
    pub slack_attempts: u32,
    pub commit: Option<String>,
    pub steps: Steps,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
}

impl Ctx<'_> {
    /// Posts to Slack; a failure is a warning (the outcome stays what it is).
    pub async fn announce(&mut self, event: DeployEvent) {
        if self.run.no_slack {
            return;
        }
        let Some(url) = &self.slack else {
            if self
                .warnings
                .iter()
                .all(|w| !w.contains("no Slack webhook"))
            {
                self.warn(ErrorCode::SlackSecret, "no Slack webhook is configured (slack_webhook_secret_arn, --webhook-secret-arn or --webhook-file); nothing was announced".into());
            }
            return;
        };
        let step = self.steps.start(
            "notify",
            &format!(
                "Slack: {:?} {:?} of {}",
                event.kind, event.status, event.version
            ),
        );
        match notify::post(url, &event, self.slack_attempts).await {
            Ok(n) => {
                self.steps.finish(
                    step,
                    &format!("posted ({n} attempt{})", if n == 1 { "" } else { "s" }),
                );
            }
            Err(e) => {
                self.steps.finish(step, "FAILED");
                self.warn(
                    e.kind,
                    format!(
                        "Slack message not delivered ({}): {}",
                        event.version, e.message
                    ),
                );
            }
        }
    }

    pub fn warn(&mut self, kind: ErrorCode, message: String) {
        warn(kind, &message);
        self.warnings.push(format!("{kind}: {message}"));
    }

    pub fn event(&self, kind: DeployKind, status: DeployStatus, version: &str) -> DeployEvent {
        let mut e = notify::event(kind, status, self.stream.environment.as_str(), version);
        e.deployer = Some(self.actor.clone());
        e
    }

    /// Applies `version` and verifies it, recording both in the lock's journal.
    pub async fn apply_and_verify(
        &mut self,
        lock: &DeployLock,
        version: &str,
        label: &str,
    ) -> Result<Result<Report, CliError>, CliError> {
        signals::check(&format!("{label} (before apply)"))?;
        lock.update(|i| {
            i.step = format!("{label}: apply");
            i.applied_version = Some(version.to_owned());
            i.verified = false;
        })
        .await?;
        let step = self.steps.start(
            "apply",
            &format!("terraform apply -var app_version={version}"),
        );
        if let Err(e) = self
            .stack
            .apply(version, &self.run.terraform_args, self.run.apply_timeout)
            .await
        {
            self.steps.finish(step, "FAILED");
            if e.kind == ErrorCode::Interrupted {
                return Err(e);
            }
            return Ok(Err(e));
        }
        self.steps.finish(step, "ok");
        lock.update(|i| i.step = format!("{label}: verify")).await?;
        let step = self.steps.start(
            "verify",
            &format!("checks of {version} on {}", self.target.base_url),
        );
        let report = verify::verify(
            self.verify,
            &self.target,
            self.smoke.as_ref(),
            Some(self.aws),
            Some(version),
        )
        .await?;
        signals::check(&format!("{label}: verify"))?;
        if report.passed() {
            self.steps.finish(step, "passed");
            lock.update(|i| i.verified = true).await?;
        } else {
            self.steps
                .finish(step, &format!("FAILED: {}", report.failed_summary()));
        }
        eprint!("{}", indent(&report.table()));
        Ok(Ok(report))
    }

    pub fn metadata(&self, lock: &LockInfo, action: &str) -> BTreeMap<String, String> {
        let mut m = BTreeMap::from([
            ("run_id".to_owned(), lock.run_id.clone()),
            ("action".to_owned(), action.to_owned()),
        ]);
        if let Some(u) = &lock.run_url {
            m.insert("run_url".into(), u.clone());
        }
        if let Some(s) = &lock.snapshot {
            m.insert("snapshot".into(), s.clone());
        }
        m
    }

    pub async fn record(
        &self,
        version: &str,
        release_url: Option<String>,
        metadata: BTreeMap<String, String>,
    ) -> Result<DeployRecord, CliError> {
        Ok(self
            .store
            .record(
                &self.stream,
                &NewDeploy {
                    version: version.to_owned(),
                    deployer: self.actor.clone(),
                    release_url,
                    commit: self.commit.clone(),
                    metadata,
                },
            )
            .await?)
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}

/// What the pipeline did, printed on stdout.
#[derive(Debug, Default, serde::Serialize)]
pub struct Summary {
    pub outcome: String,
    pub version: String,
    pub deploy_id: Option<String>,
    pub release_url: Option<String>,
    pub snapshot: Option<String>,
    pub rolled_back_to: Option<String>,
    pub rollback_deploy_id: Option<String>,
    pub checks: Vec<Check>,
    pub timings: Vec<(String, f64)>,
    pub total_seconds: f64,
    pub found: Vec<String>,
    pub warnings: Vec<String>,
}

impl Summary {
    pub fn render(&self, json: bool) -> String {
        if json {
            return output::to_json(self);
        }
        let mut out = format!("{}\n", self.outcome);
        let mut rows = Vec::new();
        for (k, v) in [
            ("deploy id", &self.deploy_id),
            ("release", &self.release_url),
            ("snapshot", &self.snapshot),
            ("rolled back to", &self.rolled_back_to),
            ("rollback deploy id", &self.rollback_deploy_id),
        ] {
            if let Some(v) = v {
                rows.push(vec![k.to_owned(), v.clone()]);
            }
        }
        rows.push(vec![
            "steps".into(),
            self.timings
                .iter()
                .map(|(n, s)| format!("{n} {s:.1} s"))
                .collect::<Vec<_>>()
                .join(", "),
        ]);
        rows.push(vec!["total".into(), format!("{:.1} s", self.total_seconds)]);
        out.push_str(&output::columns(&rows));
        for f in &self.found {
            out.push_str(&format!("found: {f}\n"));
        }
        for w in &self.warnings {
            out.push_str(&format!("warning: {w}\n"));
        }
        out
    }
}

/// A run found the lock of an earlier run that did not finish: say what it left and make
/// the history say it too. Returns the lines to report.
pub async fn reconcile(ctx: &Ctx<'_>, found: &LockInfo) -> Result<Vec<String>, CliError> {
    let mut lines = vec![format!(
        "an earlier run did not finish: {} (state {}, last heartbeat {})",
        found.describe(),
        found.state,
        found.heartbeat_at
    )];
    let Some(applied) = &found.applied_version else {
        lines.push(format!(
            "it applied nothing{}",
            found
                .snapshot
                .as_ref()
                .map(|s| format!("; its snapshot {s} is kept"))
                .unwrap_or_default()
        ));
        return Ok(lines);
    };
    let view = ctx.store.view(&ctx.stream, None, 50).await?;
    let recorded = view
        .deploys
        .iter()
        .find(|d| d.metadata.get("run_id") == Some(&found.run_id) && &d.version == applied);
    match recorded {
        Some(d) => lines.push(format!(
            "it applied {applied} and recorded it as deploy {} ({}); the history is complete",
            d.deploy_id, d.result
        )),
        None => {
            let mut metadata = BTreeMap::from([
                ("run_id".to_owned(), found.run_id.clone()),
                ("action".to_owned(), found.action.clone()),
                ("recovered_by".to_owned(), ctx.actor.clone()),
            ]);
            if let Some(s) = &found.snapshot {
                metadata.insert("snapshot".into(), s.clone());
            }
            let record = ctx.record(applied, None, metadata).await?;
            if found.verified {
                lines.push(format!(
                    "it applied and verified {applied} but was stopped before recording it: recorded now as deploy {} (succeeded)",
                    record.deploy_id
                ));
            } else {
                let reason = format!(
                    "interrupted at step {} (run {}) before {applied} was verified",
                    found.step, found.run_id
                );
                ctx.store
                    .mark(
                        &ctx.stream,
                        &record.deploy_id,
                        DeployResult::Failed,
                        &reason,
                        &ctx.actor,
                    )
                    .await?;
                lines.push(format!(
                    "it applied {applied} without verifying it: recorded now as deploy {} and marked failed; this run applies its own version over it",
                    record.deploy_id
                ));
            }
        }
    }
    Ok(lines)
}

/// Sets up a pipeline run: stack, AWS, history, webhook, the lock and what an earlier run
/// left. Shared by deploy and rollback.
pub struct Prepared<'a> {
    pub ctx: Ctx<'a>,
    pub lock: DeployLock,
    pub found: Vec<String>,
}

/// The flags of a pipeline run that [`prepare`] needs.
pub struct RunOptions<'a> {
    pub verify: &'a VerifyOptions,
    pub run: &'a RunArgs,
    pub webhook: &'a WebhookArgs,
    pub commit: Option<String>,
}

pub async fn prepare<'a>(
    action: &str,
    version: &str,
    aws: &'a Aws,
    stack: &'a Stack,
    options: RunOptions<'a>,
) -> Result<Prepared<'a>, CliError> {
    let RunOptions {
        verify,
        run,
        webhook,
        commit,
    } = options;
    let smoke = verify
        .smoke
        .as_deref()
        .map(verify::read_smoke)
        .transpose()?;
    let target = Target::resolve(verify, Some(stack))?;
    let stream = Stream::new(stack.service(), stack.environment())?;
    if let Some(c) = &commit {
        opsdeck_provider::deploy_history::validate::commit(c).map_err(CliError::usage)?;
    }
    let store = HistoryStore::new(aws.dynamodb(), stack.table());
    let actor = aws.actor().await?;
    let mut steps = Steps::new(if action == "deploy" { 7 } else { 5 });
    let mut warnings = Vec::new();
    let slack = if run.no_slack {
        None
    } else {
        match notify::webhook(webhook, Some(stack), Some(aws)).await {
            Ok(u) => u,
            Err(e) => {
                warn(e.kind, &e.message);
                warnings.push(format!("{}: {}", e.kind, e.message));
                None
            }
        }
    };
    let step = steps.start(
        "lock",
        &format!("deploy lock of {stream} in table {}", stack.table()),
    );
    let (lock, found) = DeployLock::acquire(
        aws.dynamodb(),
        stack.table(),
        &stream,
        LockInfo::new(action, version, &actor),
        run.lock_lease,
    )
    .await?;
    steps.finish(step, "held");
    let ctx = Ctx {
        aws,
        stack,
        store,
        stream,
        actor,
        verify,
        target,
        smoke,
        run,
        slack,
        slack_attempts: webhook.slack_attempts,
        commit,
        steps,
        warnings,
        notes: Vec::new(),
    };
    let found = match found {
        Some(f) => {
            let lines = reconcile(&ctx, &f).await;
            match lines {
                Ok(lines) => {
                    for l in &lines {
                        progress::note(&format!("found: {l}"));
                    }
                    lines
                }
                Err(e) => {
                    let _ = lock.release("done").await;
                    return Err(e);
                }
            }
        }
        None => Vec::new(),
    };
    Ok(Prepared { ctx, lock, found })
}

/// Ends a run: hands the lock back as `interrupted` after an interrupt (the next run
/// reports it), else `done`.
pub async fn finish<T>(lock: DeployLock, result: Result<T, CliError>) -> Result<T, CliError> {
    let state = match &result {
        Err(e) if e.kind == ErrorCode::Interrupted => "interrupted",
        _ => "done",
    };
    if let Err(e) = lock.release(state).await {
        warn(
            e.kind,
            &format!("the deploy lock was not handed back: {}", e.message),
        );
    }
    result
}

pub async fn run(args: DeployArgs) -> Result<String, CliError> {
    signals::install();
    let version = args.deploy_version.clone();
    check_version(&version)?;
    // Bad input first: nothing is locked, uploaded or applied before these pass.
    if let Some(path) = &args.verify.smoke {
        verify::read_smoke(path)?;
    }
    let artifacts = artifacts::collect(&args.artifacts, &args.functions)?;
    let github = if args.run.no_release {
        None
    } else {
        Some(GitHub::from_env(&args.github)?)
    };
    let stack = Stack::resolve(&args.stack, &[Need::History, Need::Artifacts]).await?;
    let prefix = stack.output.artifact_prefix.clone().ok_or_else(|| {
        CliError::new(
            ErrorCode::StackConfig,
            "no artifact prefix: the stack output's artifact_prefix (modules/compute's artifacts.prefix) or --artifact-prefix",
        )
    })?;
    let aws = Aws::load(&stack.aws_args()).await?;
    let Prepared {
        mut ctx,
        lock,
        found,
    } = prepare(
        "deploy",
        &version,
        &aws,
        &stack,
        RunOptions {
            verify: &args.verify,
            run: &args.run,
            webhook: &args.webhook,
            commit: args.github.commit.clone(),
        },
    )
    .await?;
    let result = pipeline(
        &mut ctx,
        &lock,
        &args,
        &version,
        &prefix,
        &artifacts,
        github.as_ref(),
    )
    .await;
    let result = finish(lock, result).await;
    let (summary, error) = match result {
        Ok((summary, error)) => (Some(summary), error),
        Err(e) => (None, Some(e)),
    };
    if let Some(mut summary) = summary {
        summary.found = found;
        summary.warnings = ctx.warnings.clone();
        summary.timings = ctx.steps.timings.clone();
        summary.total_seconds = ctx.steps.elapsed().as_secs_f64();
        let text = summary.render(args.run.json);
        if let Some(e) = error {
            print!("{text}");
            return Err(e);
        }
        return Ok(text);
    }
    Err(error
        .unwrap_or_else(|| CliError::new(ErrorCode::Internal, "the deploy ended without a result")))
}

/// The steps after the lock; returns the summary and, when the deploy failed, the error
/// the process exits with.
async fn pipeline(
    ctx: &mut Ctx<'_>,
    lock: &DeployLock,
    args: &DeployArgs,
    version: &str,
    prefix: &str,
    artifacts: &[artifacts::Artifact],
    github: Option<&GitHub>,
) -> Result<(Summary, Option<CliError>), CliError> {
    let view = ctx.store.view(&ctx.stream, None, 50).await?;
    let live = view.current.clone();
    let mut summary = Summary {
        version: version.to_owned(),
        ..Default::default()
    };

    // Upload.
    lock.update(|i| i.step = "upload".into()).await?;
    let bucket = ctx.stack.output.artifact_bucket.clone().unwrap_or_default();
    let step = ctx.steps.start(
        "upload",
        &format!(
            "{} artifact(s) to s3://{bucket}/{}",
            artifacts.len(),
            artifacts::object_key(prefix, version, "*")
        ),
    );
    let uploads = artifacts::upload(ctx.aws, &bucket, prefix, version, artifacts).await;
    let uploads = match uploads {
        Ok(u) => u,
        Err(e) => {
            ctx.steps.finish(step, "FAILED");
            return Err(e);
        }
    };
    let skipped = uploads
        .iter()
        .filter(|(_, u)| *u == Upload::Unchanged)
        .count();
    ctx.steps.finish(
        step,
        &format!("{} uploaded, {skipped} unchanged", uploads.len() - skipped),
    );
    signals::check("upload")?;

    // Backup.
    lock.update(|i| i.step = "backup".into()).await?;
    match ctx.stack.output.db_cluster_identifier.clone() {
        Some(cluster) => {
            let step = ctx
                .steps
                .start("backup", &format!("snapshot of Aurora cluster {cluster}"));
            let req = SnapshotRequest {
                stream: &ctx.stream,
                cluster: &cluster,
                live: live.as_ref(),
                for_version: Some(version),
                created_by: &ctx.actor,
            };
            match backup::create(ctx.aws, &req, &args.wait).await {
                Ok(s) => {
                    ctx.steps.finish(step, &format!("{} available", s.id));
                    lock.update(|i| i.snapshot = Some(s.id.clone())).await?;
                    summary.snapshot = Some(s.id);
                }
                Err(e) => {
                    ctx.steps.finish(step, "FAILED");
                    if e.kind != ErrorCode::Interrupted {
                        let mut ev = ctx.event(DeployKind::Deploy, DeployStatus::Failed, version);
                        ev.previous_version = live.as_ref().map(|l| l.version.clone());
                        ev.reason =
                            Some(format!("{}: {} (nothing was applied)", e.kind, e.message));
                        ctx.announce(ev).await;
                    }
                    return Err(e);
                }
            }
        }
        None => {
            let note = "no database cluster is known (db_cluster_identifier): no snapshot taken";
            ctx.warn(ErrorCode::BackupFailed, note.into());
        }
    }

    // Apply and verify.
    let outcome = ctx.apply_and_verify(lock, version, "deploy").await?;
    let failure = match outcome {
        Ok(report) if report.passed() => {
            summary.checks = report.checks.clone();
            return succeed(ctx, lock, version, live.as_ref(), github, summary).await;
        }
        Ok(report) => {
            summary.checks = report.checks.clone();
            (
                format!("checks failed: {}", report.failed_summary()),
                report.checks,
            )
        }
        Err(e) => (format!("{}: {}", e.kind, e.message), Vec::new()),
    };
    fail_and_roll_back(ctx, lock, version, live.as_ref(), failure, summary).await
}

async fn succeed(
    ctx: &mut Ctx<'_>,
    lock: &DeployLock,
    version: &str,
    live: Option<&DeployRecord>,
    github: Option<&GitHub>,
    mut summary: Summary,
) -> Result<(Summary, Option<CliError>), CliError> {
    // Release first, so the record can point at it.
    lock.update(|i| i.step = "release".into()).await?;
    let mut release_url = None;
    let facts_previous = match github {
        Some(gh) => {
            let view = ctx.store.view(&ctx.stream, None, 50).await?;
            release::previous_release(gh, &view.deploys, version, None)
                .await
                .unwrap_or_else(|e| {
                    ctx.warn(e.kind, format!("previous release not found: {}", e.message));
                    None
                })
        }
        None => None,
    };
    if let Some(gh) = github {
        let step = ctx.steps.start(
            "release",
            &format!("GitHub Release {version} of {}", gh.repo),
        );
        let text = release::body(&BodyFacts {
            version,
            stream: &ctx.stream,
            table: ctx.stack.table(),
            region: ctx.aws.region(),
            record: None,
            previous: facts_previous.clone(),
            run_url: notify::run_url(),
            dashboard_url: ctx.stack.output.dashboard_url.as_deref(),
        });
        match gh.publish(version, &text, ctx.commit.as_deref()).await {
            Ok(r) => {
                ctx.steps.finish(step, &r.html_url);
                release_url = Some(r.html_url);
            }
            Err(e) => {
                ctx.steps.finish(step, "FAILED");
                ctx.warn(e.kind, format!("the release of {version} was not published (the deploy stands; `opsdeck release publish {version}` repeats it): {}", e.message));
            }
        }
    }
    // The record's release_url must be a release page; anything else is left out.
    let release_for_record = release_url
        .clone()
        .filter(|u| opsdeck_provider::deploy_history::validate::release_url(u).is_ok());
    if release_url.is_some() && release_for_record.is_none() {
        ctx.warn(ErrorCode::GitHubFailed, format!("GitHub returned release page {:?}, which is not an https://…/releases/tag/… URL; the record keeps none", release_url.as_deref().unwrap_or_default()));
    }
    lock.update(|i| i.step = "record".into()).await?;
    let step = ctx.steps.start(
        "record",
        &format!("deploy of {version} in table {}", ctx.stack.table()),
    );
    let info = lock.info().await;
    let record = ctx
        .record(version, release_for_record, ctx.metadata(&info, "deploy"))
        .await?;
    ctx.steps.finish(step, &record.deploy_id);
    // Now the release can name its record.
    if let (Some(gh), Some(_)) = (github, &release_url) {
        let text = release::body(&BodyFacts {
            version,
            stream: &ctx.stream,
            table: ctx.stack.table(),
            region: ctx.aws.region(),
            record: Some(&record),
            previous: facts_previous,
            run_url: notify::run_url(),
            dashboard_url: ctx.stack.output.dashboard_url.as_deref(),
        });
        if let Err(e) = gh.publish(version, &text, ctx.commit.as_deref()).await {
            ctx.warn(
                e.kind,
                format!(
                    "the release of {version} does not link its record yet: {}",
                    e.message
                ),
            );
        }
    }
    lock.update(|i| i.step = "notify".into()).await?;
    let mut ev = ctx.event(DeployKind::Deploy, DeployStatus::Succeeded, version);
    ev.previous_version = live.map(|l| l.version.clone());
    ev.release_url = release_url.clone();
    ev.checks = summary.checks.clone();
    ctx.announce(ev).await;
    summary.outcome = format!(
        "deployed {version} to {} (previous {})",
        ctx.stream,
        live.map(|l| l.version.as_str()).unwrap_or("none")
    );
    summary.deploy_id = Some(record.deploy_id);
    summary.release_url = release_url;
    Ok((summary, None))
}

/// `version` failed (its apply or its checks): record and mark it, tell Slack, roll
/// back to the previous succeeded version, verify that, mark and record the rollback.
async fn fail_and_roll_back(
    ctx: &mut Ctx<'_>,
    lock: &DeployLock,
    version: &str,
    live: Option<&DeployRecord>,
    (reason, checks): (String, Vec<Check>),
    mut summary: Summary,
) -> Result<(Summary, Option<CliError>), CliError> {
    lock.update(|i| i.step = "record failure".into()).await?;
    let step = ctx.steps.start("record", &format!("{version} as failed"));
    let info = lock.info().await;
    let record = ctx
        .record(version, None, ctx.metadata(&info, "deploy"))
        .await?;
    let reason = truncate(&reason, 900);
    ctx.store
        .mark(
            &ctx.stream,
            &record.deploy_id,
            DeployResult::Failed,
            &reason,
            &ctx.actor,
        )
        .await?;
    ctx.steps
        .finish(step, &format!("{} marked failed", record.deploy_id));
    summary.deploy_id = Some(record.deploy_id.clone());

    let target = ctx.store.previous(&ctx.stream).await;
    let mut ev = ctx.event(DeployKind::Deploy, DeployStatus::Failed, version);
    ev.previous_version = live.map(|l| l.version.clone());
    ev.checks = checks;
    ev.reason = Some(match &target {
        Ok((t, _)) => format!("{reason}; rolling back to {}", t.version),
        Err(_) => format!("{reason}; no previous version to roll back to"),
    });
    ctx.announce(ev).await;
    let target = match target {
        Ok((t, _)) => t,
        Err(e) => {
            summary.outcome = format!("{version} failed and there is nothing to roll back to");
            return Ok((
                summary,
                Some(CliError::new(
                    ErrorCode::RollbackFailed,
                    format!(
                        "{version} failed ({reason}) and stays applied: {}",
                        CliError::from(e).message
                    ),
                )),
            ));
        }
    };
    let done = crate::rollback::roll_back(
        ctx,
        lock,
        &record,
        &target.version,
        &format!("automatic rollback: {reason}"),
    )
    .await?;
    summary.rolled_back_to = Some(target.version.clone());
    summary.rollback_deploy_id = done.record.as_ref().map(|r| r.deploy_id.clone());
    match done.error {
        None => {
            summary.outcome = format!(
                "{version} failed its checks and was rolled back to {} ({})",
                target.version, ctx.stream
            );
            Ok((
                summary,
                Some(CliError::new(
                    ErrorCode::DeployRolledBack,
                    format!(
                        "{version} failed ({reason}); {} is live again",
                        target.version
                    ),
                )),
            ))
        }
        Some(e) => {
            summary.outcome = format!(
                "{version} failed and the rollback to {} failed too",
                target.version
            );
            Ok((summary, Some(e)))
        }
    }
}

pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// Used by tests and docs: the JSON of a summary.
pub fn summary_json(summary: &Summary) -> serde_json::Value {
    json!(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_follow_modules_compute() {
        for ok in ["v1.4.2", "2025.01.31-1", "rc_1"] {
            assert!(check_version(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-v1", "v1/2", "v 1", &"x".repeat(64)] {
            assert_eq!(
                check_version(bad).unwrap_err().kind,
                ErrorCode::Usage,
                "{bad}"
            );
        }
    }

    #[test]
    fn the_summary_lists_steps_and_warnings() {
        let s = Summary {
            outcome: "deployed v2".into(),
            deploy_id: Some("01J".into()),
            timings: vec![("apply".into(), 1.25), ("verify".into(), 0.5)],
            total_seconds: 2.0,
            warnings: vec!["OPSDECK-C017: Slack down".into()],
            ..Default::default()
        };
        let text = s.render(false);
        assert!(
            text.contains("apply 1.2 s, verify 0.5 s")
                || text.contains("apply 1.3 s, verify 0.5 s"),
            "{text}"
        );
        assert!(text.contains("warning: OPSDECK-C017"), "{text}");
    }
}
