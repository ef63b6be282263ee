//! `opsdeck backup create|list|prune`: manual Aurora cluster snapshots taken before a
//! deploy. Each is tagged with the service, environment, the version and deploy id whose
//! data it holds (the live deploy when it was taken) and the version about to be
//! deployed, so `prune` can keep the snapshot of the last good deploy whatever its age.

use std::time::{Duration, Instant};

use aws_sdk_rds::types::{DbClusterSnapshot, Tag};
use clap::{Args, Subcommand};
use opsdeck_provider::deploy_history::{id, DeployRecord, HistoryStore, Stream};
use serde::Serialize;

use crate::aws::{sdk_error, Aws};
use crate::error::{CliError, ErrorCode};
use crate::output;
use crate::progress;
use crate::signals;
use crate::stack::{Need, Stack, StackArgs};
use crate::timing::parse_duration;

pub const TAG_SERVICE: &str = "opsdeck:service";
pub const TAG_ENVIRONMENT: &str = "opsdeck:environment";
/// The version whose data the snapshot holds (live when it was taken).
pub const TAG_VERSION: &str = "opsdeck:version";
/// The deploy id of that live version (the history's current deploy).
pub const TAG_DEPLOY_ID: &str = "opsdeck:deploy-id";
/// The version whose deploy took the snapshot.
pub const TAG_FOR_VERSION: &str = "opsdeck:for-version";
pub const TAG_CREATED_BY: &str = "opsdeck:created-by";

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: BackupCommand,
}

#[derive(Args, Debug, Clone)]
pub struct WaitArgs {
    /// How long to wait for the snapshot to become available (e.g. 30m, 90s).
    #[arg(long, env = "OPSDECK_SNAPSHOT_TIMEOUT", default_value = "30m", value_parser = parse_duration)]
    pub snapshot_timeout: Duration,
    /// How often to ask for its status.
    #[arg(long, env = "OPSDECK_SNAPSHOT_POLL", default_value = "10s", value_parser = parse_duration)]
    pub snapshot_poll: Duration,
}

#[derive(Subcommand, Debug)]
pub enum BackupCommand {
    /// Take a manual cluster snapshot and wait until it is available.
    Create {
        /// The version about to be deployed (tag opsdeck:for-version).
        #[arg(long = "for-version")]
        for_version: Option<String>,
        #[command(flatten)]
        wait: WaitArgs,
        #[command(flatten)]
        stack: StackArgs,
    },
    /// The opsdeck snapshots of the cluster, newest first.
    List {
        #[command(flatten)]
        stack: StackArgs,
    },
    /// Delete all but the newest N opsdeck snapshots; the last good deploy's is always kept.
    Prune {
        #[command(flatten)]
        stack: StackArgs,
        /// How many of the newest snapshots to keep.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
        keep: u32,
        /// Show what would be deleted, delete nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// A snapshot as the commands show it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Snapshot {
    pub id: String,
    pub arn: Option<String>,
    pub cluster: String,
    pub status: String,
    pub percent_progress: Option<i32>,
    pub created_at: Option<String>,
    pub version: Option<String>,
    pub deploy_id: Option<String>,
    pub for_version: Option<String>,
}

impl Snapshot {
    fn from_sdk(s: &DbClusterSnapshot) -> Self {
        let tag = |key: &str| {
            s.tag_list()
                .iter()
                .find(|t| t.key() == Some(key))
                .and_then(|t| t.value())
                .map(str::to_owned)
        };
        Self {
            id: s
                .db_cluster_snapshot_identifier()
                .unwrap_or_default()
                .to_owned(),
            arn: s.db_cluster_snapshot_arn().map(str::to_owned),
            cluster: s.db_cluster_identifier().unwrap_or_default().to_owned(),
            status: s.status().unwrap_or("unknown").to_owned(),
            percent_progress: s.percent_progress(),
            created_at: s.snapshot_create_time().map(|t| t.to_string()),
            version: tag(TAG_VERSION),
            deploy_id: tag(TAG_DEPLOY_ID),
            for_version: tag(TAG_FOR_VERSION),
        }
    }
}

/// What a snapshot is taken for.
pub struct SnapshotRequest<'a> {
    pub stream: &'a Stream,
    pub cluster: &'a str,
    /// The live deploy whose data the snapshot holds (none on a first deploy).
    pub live: Option<&'a DeployRecord>,
    pub for_version: Option<&'a str>,
    pub created_by: &'a str,
}

/// A snapshot id: `opsdeck-<service>-<environment>-<UTC yyyymmddhhmmssmmm>`, in the
/// characters RDS accepts (letters, digits, single hyphens, starting with a letter).
pub fn snapshot_id(stream: &Stream, millis: u64) -> String {
    let stamp: String = id::rfc3339_millis(millis)
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let raw = format!("opsdeck-{}-{}-{stamp}", stream.service, stream.environment);
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        let c = if c.is_ascii_alphanumeric() { c } else { '-' };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c.to_ascii_lowercase());
        }
    }
    out.truncate(255);
    out.trim_end_matches('-').to_owned()
}

/// Creates the snapshot and waits, bounded, until it is available.
pub async fn create(
    aws: &Aws,
    req: &SnapshotRequest<'_>,
    wait: &WaitArgs,
) -> Result<Snapshot, CliError> {
    let rds = aws.rds();
    let id = snapshot_id(req.stream, id::now_millis());
    let mut tags = vec![
        (TAG_SERVICE, req.stream.service.as_str()),
        (TAG_ENVIRONMENT, req.stream.environment.as_str()),
        (TAG_CREATED_BY, req.created_by),
    ];
    if let Some(live) = req.live {
        tags.push((TAG_VERSION, live.version.as_str()));
        tags.push((TAG_DEPLOY_ID, live.deploy_id.as_str()));
    }
    if let Some(v) = req.for_version {
        tags.push((TAG_FOR_VERSION, v));
    }
    let mut call = rds
        .create_db_cluster_snapshot()
        .db_cluster_identifier(req.cluster)
        .db_cluster_snapshot_identifier(&id);
    for (k, v) in tags {
        call = call.tags(Tag::builder().key(k).value(v).build());
    }
    let out = call.send().await.map_err(|e| {
        let not_found = matches!(
            aws_sdk_rds::error::ProvideErrorMetadata::code(&e),
            Some("DBClusterNotFoundFault")
        );
        let err = CliError::new(
            ErrorCode::BackupFailed,
            sdk_error("rds", "CreateDBClusterSnapshot", e),
        );
        if not_found {
            err.hint(format!(
                "no Aurora cluster {:?} in region {}: check --cluster (db_cluster_identifier) and --region",
                req.cluster,
                aws.region()
            ))
        } else {
            err
        }
    })?;
    let created = out
        .db_cluster_snapshot()
        .map(Snapshot::from_sdk)
        .unwrap_or_else(|| Snapshot {
            id: id.clone(),
            arn: None,
            cluster: req.cluster.to_owned(),
            status: "creating".into(),
            percent_progress: None,
            created_at: None,
            version: None,
            deploy_id: None,
            for_version: None,
        });
    progress::detail(&format!(
        "snapshot {id} of cluster {}: {}",
        req.cluster, created.status
    ));
    wait_available(aws, &id, wait).await
}

/// Polls the snapshot until it is available, it fails, or `wait.snapshot_timeout` passes.
pub async fn wait_available(aws: &Aws, id: &str, wait: &WaitArgs) -> Result<Snapshot, CliError> {
    let rds = aws.rds();
    let started = Instant::now();
    let mut last_shown = String::new();
    loop {
        signals::check("the snapshot wait")?;
        // Just created: a read may not see it yet (eventual consistency), so a
        // not-found answer is retried like "creating" until the deadline.
        let read = rds
            .describe_db_cluster_snapshots()
            .db_cluster_snapshot_identifier(id)
            .send()
            .await;
        let snapshot = match read {
            Ok(out) => out.db_cluster_snapshots().first().map(Snapshot::from_sdk),
            Err(e)
                if aws_sdk_rds::error::ProvideErrorMetadata::code(&e)
                    == Some("DBClusterSnapshotNotFoundFault") =>
            {
                None
            }
            Err(e) => {
                return Err(CliError::new(
                    ErrorCode::BackupFailed,
                    sdk_error("rds", "DescribeDBClusterSnapshots", e),
                ))
            }
        };
        let status = snapshot
            .as_ref()
            .map(|s| s.status.clone())
            .unwrap_or_else(|| "not visible yet".into());
        if let Some(s) = &snapshot {
            match s.status.as_str() {
                "available" => return Ok(s.clone()),
                "failed" | "error" | "deleted" | "deleting" => {
                    return Err(CliError::new(
                        ErrorCode::BackupFailed,
                        format!(
                            "snapshot {id} ended in status {:?}: it cannot be used",
                            s.status
                        ),
                    ))
                }
                _ => {}
            }
        }
        let shown = format!(
            "{status}{}",
            snapshot
                .as_ref()
                .and_then(|s| s.percent_progress)
                .map(|p| format!(" ({p} %)"))
                .unwrap_or_default()
        );
        if shown != last_shown {
            progress::detail(&format!(
                "snapshot {id}: {shown} after {:.1} s",
                started.elapsed().as_secs_f64()
            ));
            last_shown = shown;
        }
        if started.elapsed() + wait.snapshot_poll > wait.snapshot_timeout {
            return Err(CliError::new(
                ErrorCode::SnapshotTimeout,
                format!(
                    "snapshot {id} is still {status} after {:.0} s (limit {} s); nothing was applied",
                    started.elapsed().as_secs_f64(),
                    wait.snapshot_timeout.as_secs()
                ),
            )
            .hint("the snapshot may still complete: see it in the RDS console, then run the deploy again (or raise --snapshot-timeout)"));
        }
        tokio::select! {
            _ = tokio::time::sleep(wait.snapshot_poll) => {}
            _ = signals::interrupted() => {}
        }
    }
}

/// The opsdeck snapshots of this stream on `cluster`, newest first.
pub async fn list(aws: &Aws, cluster: &str, stream: &Stream) -> Result<Vec<Snapshot>, CliError> {
    let rds = aws.rds();
    let mut marker = None;
    let mut all = Vec::new();
    loop {
        let out = rds
            .describe_db_cluster_snapshots()
            .db_cluster_identifier(cluster)
            .snapshot_type("manual")
            .set_marker(marker)
            .max_records(100)
            .send()
            .await
            .map_err(|e| {
                CliError::new(
                    ErrorCode::BackupFailed,
                    sdk_error("rds", "DescribeDBClusterSnapshots", e),
                )
            })?;
        for s in out.db_cluster_snapshots() {
            let tagged = |k: &str, v: &str| {
                s.tag_list()
                    .iter()
                    .any(|t| t.key() == Some(k) && t.value() == Some(v))
            };
            if tagged(TAG_SERVICE, &stream.service) && tagged(TAG_ENVIRONMENT, &stream.environment)
            {
                all.push((s.snapshot_create_time().cloned(), Snapshot::from_sdk(s)));
            }
        }
        match out.marker() {
            Some(m) if !m.is_empty() => marker = Some(m.to_owned()),
            _ => break,
        }
    }
    // Newest first; the id's timestamp breaks ties (and orders snapshots without a time).
    all.sort_by(|(ta, a), (tb, b)| tb.cmp(ta).then_with(|| b.id.cmp(&a.id)));
    Ok(all.into_iter().map(|(_, s)| s).collect())
}

/// Why a snapshot is kept, or `None` when prune deletes it.
pub fn keep_reason(
    index: usize,
    snapshot: &Snapshot,
    keep: usize,
    last_good: Option<&DeployRecord>,
    last_good_kept: &mut bool,
) -> Option<String> {
    let is_last_good =
        last_good.is_some_and(|g| snapshot.deploy_id.as_deref() == Some(&g.deploy_id));
    if is_last_good && !*last_good_kept && snapshot.status == "available" {
        *last_good_kept = true;
        return Some(format!(
            "holds the last good deploy ({})",
            snapshot.version.as_deref().unwrap_or("?")
        ));
    }
    if snapshot.status != "available" {
        return Some(format!(
            "{} (only available snapshots are deleted)",
            snapshot.status
        ));
    }
    if index < keep {
        return Some(format!("among the newest {keep}"));
    }
    None
}

pub async fn run(args: BackupArgs) -> Result<String, CliError> {
    let stack_args = match &args.command {
        BackupCommand::Create { stack, .. }
        | BackupCommand::List { stack }
        | BackupCommand::Prune { stack, .. } => stack.clone(),
    };
    let stack = Stack::resolve(&stack_args, &[Need::History, Need::Cluster]).await?;
    let aws = Aws::load(&stack.aws_args()).await?;
    let stream = Stream::new(stack.service(), stack.environment())?;
    let cluster = stack
        .output
        .db_cluster_identifier
        .clone()
        .unwrap_or_default();
    let store = HistoryStore::new(aws.dynamodb(), stack.table());
    match args.command {
        BackupCommand::Create {
            for_version, wait, ..
        } => {
            signals::install();
            let view = store.view(&stream, None, 1).await?;
            let by = aws.actor().await?;
            let req = SnapshotRequest {
                stream: &stream,
                cluster: &cluster,
                live: view.current.as_ref(),
                for_version: for_version.as_deref(),
                created_by: &by,
            };
            let started = Instant::now();
            let snapshot = create(&aws, &req, &wait).await?;
            Ok(if args.json {
                output::to_json(&snapshot)
            } else {
                format!(
                    "snapshot {} of cluster {cluster} is available ({:.1} s)\n",
                    snapshot.id,
                    started.elapsed().as_secs_f64()
                )
            })
        }
        BackupCommand::List { .. } => {
            let snapshots = list(&aws, &cluster, &stream).await?;
            Ok(if args.json {
                output::to_json(&snapshots)
            } else {
                table(&snapshots, None)
            })
        }
        BackupCommand::Prune { keep, dry_run, .. } => {
            let view = store.view(&stream, None, 1).await?;
            let snapshots = list(&aws, &cluster, &stream).await?;
            let mut kept_last_good = false;
            let mut plan = Vec::new();
            for (i, s) in snapshots.iter().enumerate() {
                let reason = keep_reason(
                    i,
                    s,
                    keep as usize,
                    view.latest_succeeded.as_ref(),
                    &mut kept_last_good,
                );
                plan.push((s.clone(), reason));
            }
            let rds = aws.rds();
            let mut deleted = Vec::new();
            for (s, reason) in &plan {
                if reason.is_some() || dry_run {
                    continue;
                }
                rds.delete_db_cluster_snapshot()
                    .db_cluster_snapshot_identifier(&s.id)
                    .send()
                    .await
                    .map_err(|e| {
                        CliError::new(
                            ErrorCode::BackupFailed,
                            sdk_error("rds", "DeleteDBClusterSnapshot", e),
                        )
                        .hint(format!("deleted so far: {}", deleted.join(", ")))
                    })?;
                deleted.push(s.id.clone());
            }
            Ok(if args.json {
                output::to_json(&serde_json::json!({
                    "dry_run": dry_run,
                    "deleted": if dry_run { Vec::new() } else { deleted.clone() },
                    "would_delete": plan.iter().filter(|(_, r)| r.is_none()).map(|(s, _)| &s.id).collect::<Vec<_>>(),
                    "kept": plan.iter().filter_map(|(s, r)| r.as_ref().map(|r| serde_json::json!({"id": s.id, "reason": r}))).collect::<Vec<_>>(),
                }))
            } else {
                let verb = if dry_run { "would delete" } else { "deleted" };
                let mut out = table(&snapshots, Some(&plan));
                out.push_str(&format!(
                    "{verb} {} of {} snapshot(s)\n",
                    plan.iter().filter(|(_, r)| r.is_none()).count(),
                    plan.len()
                ));
                out
            })
        }
    }
}

fn table(snapshots: &[Snapshot], plan: Option<&[(Snapshot, Option<String>)]>) -> String {
    if snapshots.is_empty() {
        return "no opsdeck snapshots of this service and environment\n".into();
    }
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let mut rows = vec![vec![
        "SNAPSHOT".to_owned(),
        "STATUS".into(),
        "CREATED".into(),
        "VERSION".into(),
        "DEPLOY ID".into(),
        "FOR".into(),
        "PRUNE".into(),
    ]];
    for (i, s) in snapshots.iter().enumerate() {
        let prune = match plan.and_then(|p| p.get(i)) {
            Some((_, Some(reason))) => format!("keep: {reason}"),
            Some((_, None)) => "delete".into(),
            None => String::new(),
        };
        rows.push(vec![
            s.id.clone(),
            s.status.clone(),
            dash(&s.created_at),
            dash(&s.version),
            dash(&s.deploy_id),
            dash(&s.for_version),
            prune,
        ]);
    }
    output::columns(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(id: &str, deploy: &str, status: &str) -> Snapshot {
        Snapshot {
            id: id.into(),
            arn: None,
            cluster: "db".into(),
            status: status.into(),
            percent_progress: None,
            created_at: None,
            version: Some("v".into()),
            deploy_id: Some(deploy.into()),
            for_version: None,
        }
    }

    #[test]
    fn snapshot_ids_are_valid_rds_identifiers() {
        let stream = Stream::new("Shop_api", "prod.eu").unwrap();
        let id = snapshot_id(&stream, 1_738_315_800_123);
        assert_eq!(id, "opsdeck-shop-api-prod-eu-20250131093000123");
        assert!(id.chars().next().unwrap().is_ascii_alphabetic());
        assert!(!id.contains("--"));
    }

    #[test]
    fn prune_keeps_the_newest_and_the_last_good_deploy() {
        let good = DeployRecord {
            deploy_id: "G".into(),
            service: "s".into(),
            environment: "e".into(),
            version: "v1".into(),
            deployer: "d".into(),
            deployed_at: "t".into(),
            result: opsdeck_provider::deploy_history::DeployResult::Succeeded,
            original_result: opsdeck_provider::deploy_history::DeployResult::Succeeded,
            release_url: None,
            commit: None,
            metadata: Default::default(),
            previous_version: None,
            previous_deploy_id: None,
            events: vec![],
        };
        let snaps = [
            snap("a", "X", "available"),
            snap("b", "Y", "creating"),
            snap("c", "Z", "available"),
            snap("d", "G", "available"),
            snap("e", "G", "available"),
            snap("f", "W", "available"),
        ];
        let mut kept = false;
        let reasons: Vec<_> = snaps
            .iter()
            .enumerate()
            .map(|(i, s)| keep_reason(i, s, 1, Some(&good), &mut kept))
            .collect();
        assert!(reasons[0].as_deref().unwrap().contains("newest 1"));
        assert!(reasons[1].as_deref().unwrap().contains("creating"));
        assert!(reasons[2].is_none());
        assert!(reasons[3].as_deref().unwrap().contains("last good deploy"));
        assert!(
            reasons[4].is_none(),
            "only the newest of the last good deploy's is pinned"
        );
        assert!(reasons[5].is_none());
    }
}
