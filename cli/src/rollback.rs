//! `opsdeck rollback [--to previous|VERSION]`: back to an earlier succeeded version with
//! `terraform apply -var app_version=...`, verified; the deploy it replaces is marked
//! `rolled_back` and the rollback is recorded as a deploy of its own. `opsdeck deploy`
//! runs the same routine ([`roll_back`]) when a new version fails.

use clap::Args;
use opsdeck_provider::deploy_history::{
    DeployRecord, DeployResult, HistoryStore, HistoryView, Stream,
};
use opsdeck_slack::format::deploy::{DeployKind, DeployStatus};

use crate::artifacts;
use crate::aws::Aws;
use crate::deploy::{
    self, check_version, finish, prepare, Ctx, Prepared, RunArgs, RunOptions, Summary,
};
use crate::error::{CliError, ErrorCode};
use crate::lock::DeployLock;
use crate::notify::WebhookArgs;
use crate::signals;
use crate::stack::{Need, Stack, StackArgs};
use crate::verify::VerifyOptions;

#[derive(Args, Debug)]
pub struct RollbackArgs {
    /// `previous` (the newest succeeded deploy of another version than the current one)
    /// or a version that once deployed successfully.
    #[arg(long, default_value = "previous")]
    pub to: String,
    /// Print the terraform command and change nothing.
    #[arg(long)]
    pub print: bool,
    /// Why, for the history and Slack.
    #[arg(long, default_value = "rollback by hand")]
    pub reason: String,
    /// Commit of the rollback (recorded; default GITHUB_SHA).
    #[arg(long, env = "GITHUB_SHA")]
    pub commit: Option<String>,
    #[command(flatten)]
    pub stack: StackArgs,
    #[command(flatten)]
    pub verify: VerifyOptions,
    #[command(flatten)]
    pub webhook: WebhookArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

/// The result of [`roll_back`]: the rollback's own record (when it was applied) and the
/// error when it did not bring a verified version back.
pub struct RollbackDone {
    pub record: Option<DeployRecord>,
    pub error: Option<CliError>,
}

/// Applies `to_version` in place of `from`, verifies it, and writes the history and the
/// Slack message either way. Only an interrupt is returned as `Err`.
pub async fn roll_back(
    ctx: &mut Ctx<'_>,
    lock: &DeployLock,
    from: &DeployRecord,
    to_version: &str,
    reason: &str,
) -> Result<RollbackDone, CliError> {
    lock.update(|i| i.step = format!("rollback to {to_version}"))
        .await?;
    let outcome = ctx.apply_and_verify(lock, to_version, "rollback").await?;
    let info = lock.info().await;
    let mut metadata = ctx.metadata(&info, "rollback");
    metadata.insert("rolled_back_deploy_id".into(), from.deploy_id.clone());
    metadata.insert("rolled_back_version".into(), from.version.clone());
    let failure = match &outcome {
        Ok(report) if report.passed() => None,
        Ok(report) => Some((
            format!("checks of {to_version} failed: {}", report.failed_summary()),
            report.checks.clone(),
        )),
        Err(e) => Some((format!("{}: {}", e.kind, e.message), Vec::new())),
    };
    let step = ctx
        .steps
        .start("record", &format!("rollback to {to_version}"));
    let record = ctx.record(to_version, None, metadata).await?;
    let mut ev = ctx.event(DeployKind::Rollback, DeployStatus::Succeeded, to_version);
    ev.previous_version = Some(from.version.clone());
    match failure {
        None => {
            let why = deploy::truncate(
                &format!(
                    "rolled back to {to_version} (deploy {}): {reason}",
                    record.deploy_id
                ),
                1000,
            );
            ctx.store
                .mark(
                    &ctx.stream,
                    &from.deploy_id,
                    DeployResult::RolledBack,
                    &why,
                    &ctx.actor,
                )
                .await?;
            ctx.steps.finish(
                step,
                &format!(
                    "{} recorded, {} marked rolled_back",
                    record.deploy_id, from.deploy_id
                ),
            );
            ev.reason = Some(reason.to_owned());
            if let Ok(report) = &outcome {
                ev.checks = report.checks.clone();
            }
            ctx.announce(ev).await;
            Ok(RollbackDone {
                record: Some(record),
                error: None,
            })
        }
        Some((why, checks)) => {
            let why = deploy::truncate(&why, 900);
            ctx.store
                .mark(
                    &ctx.stream,
                    &record.deploy_id,
                    DeployResult::Failed,
                    &why,
                    &ctx.actor,
                )
                .await?;
            ctx.steps.finish(
                step,
                &format!("{} recorded and marked failed", record.deploy_id),
            );
            ev.status = DeployStatus::Failed;
            ev.reason = Some(format!("{reason}; the rollback failed: {why}"));
            ev.checks = checks;
            ctx.announce(ev).await;
            Ok(RollbackDone {
                record: Some(record),
                error: Some(CliError::new(
                    ErrorCode::RollbackFailed,
                    format!(
                        "the rollback of {} from {} to {to_version} failed: {why}",
                        ctx.stream, from.version
                    ),
                )),
            })
        }
    }
}

/// The version `--to` names, checked against the history.
pub fn target<'a>(
    view: &'a HistoryView,
    stream: &Stream,
    to: &str,
) -> Result<(&'a DeployRecord, &'a DeployRecord), CliError> {
    let current = view.current.as_ref().ok_or_else(|| {
        CliError::new(
            ErrorCode::NoRollbackTarget,
            format!("{stream} has no deploy recorded: there is nothing to roll back"),
        )
    })?;
    if to == "previous" {
        let prev = view.previous_succeeded.as_ref().ok_or_else(|| {
            CliError::new(
                ErrorCode::NoRollbackTarget,
                format!(
                    "{stream} has no previous succeeded version to roll back to: no succeeded deploy of a version other than the current {} (deploy {}) is recorded",
                    current.version, current.deploy_id
                ),
            )
        })?;
        return Ok((current, prev));
    }
    check_version(to)?;
    let good: Vec<&str> = {
        let mut v: Vec<&str> = view
            .deploys
            .iter()
            .filter(|d| d.result == DeployResult::Succeeded && d.version != current.version)
            .map(|d| d.version.as_str())
            .collect();
        v.dedup();
        v
    };
    if to == current.version {
        return Err(CliError::new(
            ErrorCode::UnknownVersion,
            format!(
                "{to} is already the current version of {stream} (deploy {}, {})",
                current.deploy_id, current.result
            ),
        )
        .hint(format!(
            "versions you can roll back to: {}",
            list_or_none(&good)
        )));
    }
    let found = view
        .deploys
        .iter()
        .find(|d| d.version == to && d.result == DeployResult::Succeeded)
        .ok_or_else(|| {
            CliError::new(
                ErrorCode::UnknownVersion,
                format!("{to} was never deployed successfully to {stream}"),
            )
            .hint(format!(
                "versions you can roll back to: {}",
                list_or_none(&good)
            ))
        })?;
    Ok((current, found))
}

fn list_or_none(v: &[&str]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

pub async fn run(args: RollbackArgs) -> Result<String, CliError> {
    signals::install();
    if args.to != "previous" {
        check_version(&args.to)?;
    }
    let stack = Stack::resolve(&args.stack, &[Need::History]).await?;
    let aws = Aws::load(&stack.aws_args()).await?;
    let stream = Stream::new(stack.service(), stack.environment())?;
    let store = HistoryStore::new(aws.dynamodb(), stack.table());
    let view = store.view(&stream, None, 200).await?;
    let (current, to) = target(&view, &stream, &args.to)?;
    let to_version = to.version.clone();
    if args.print {
        return Ok(format!(
            "# roll {stream} back from {} (deploy {}) to {to_version} (deploy {})\n{}\n",
            current.version,
            current.deploy_id,
            to.deploy_id,
            stack.apply_command(&to_version, &args.run.terraform_args)
        ));
    }
    if let (Some(bucket), Some(prefix)) =
        (&stack.output.artifact_bucket, &stack.output.artifact_prefix)
    {
        if !artifacts::exists(&aws, bucket, prefix, &to_version).await? {
            return Err(CliError::new(
                ErrorCode::ArtifactsMissing,
                format!(
                    "{to_version} has no artifacts under s3://{bucket}/{}: the apply would fail",
                    artifacts::object_key(prefix, &to_version, "*")
                ),
            ));
        }
    }
    let Prepared {
        mut ctx,
        lock,
        found,
    } = prepare(
        "rollback",
        &to_version,
        &aws,
        &stack,
        RunOptions {
            verify: &args.verify,
            run: &args.run,
            webhook: &args.webhook,
            commit: args.commit.clone(),
        },
    )
    .await?;
    // Read again under the lock: an earlier run's leftovers may have been recorded.
    let result = async {
        let view = ctx.store.view(&ctx.stream, None, 200).await?;
        let (current, _) = target(&view, &ctx.stream, &to_version)?;
        let current = current.clone();
        let done = roll_back(&mut ctx, &lock, &current, &to_version, &args.reason).await?;
        Ok::<_, CliError>((current, done))
    }
    .await;
    let result = finish(lock, result).await?;
    let (from, done) = result;
    let summary = Summary {
        outcome: match &done.error {
            None => format!(
                "rolled {} back from {} to {to_version}",
                ctx.stream, from.version
            ),
            Some(_) => format!(
                "the rollback of {} from {} to {to_version} FAILED",
                ctx.stream, from.version
            ),
        },
        version: to_version.clone(),
        deploy_id: Some(from.deploy_id.clone()),
        rolled_back_to: Some(to_version.clone()),
        rollback_deploy_id: done.record.as_ref().map(|r| r.deploy_id.clone()),
        timings: ctx.steps.timings.clone(),
        total_seconds: ctx.steps.elapsed().as_secs_f64(),
        found,
        warnings: ctx.warnings.clone(),
        ..Default::default()
    };
    let text = summary.render(args.run.json);
    match done.error {
        None => Ok(text),
        Some(e) => {
            print!("{text}");
            Err(e)
        }
    }
}
