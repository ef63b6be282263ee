//! `opsdeck`: the command the deploy pipeline calls. It reads and marks the deploy
//! history through the same store as the Terraform provider (`opsdeck_provider::
//! deploy_history`), with the same AWS setup (region, profile, `AWS_ENDPOINT_URL`), and
//! runs the release pipeline: backup, verify, deploy, rollback, Slack and GitHub Releases
//! (one module per command family).
//!
//! Exit codes and error codes (`OPSDECK-C###`): [`error`], also in README.md.

pub mod artifacts;
pub mod aws;
pub mod backup;
pub mod cost;
pub mod deploy;
pub mod error;
pub mod http;
pub mod lock;
pub mod notify;
pub mod output;
pub mod plan;
pub mod pricing;
pub mod progress;
pub mod release;
pub mod report;
pub mod rollback;
pub mod signals;
pub mod stack;
pub mod timing;
pub mod verify;

pub use error::{exit, CliError, ErrorCode};

use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use opsdeck_provider::aws::{AwsContext, AwsSettings};
use opsdeck_provider::deploy_history::{
    actor, DeployResult, HistoryError, HistoryStore, NewDeploy, Stream,
};
use serde_json::json;

/// Shown under `--help`, so a pipeline author finds the codes where they look first.
const EXIT_CODES_HELP: &str = "Exit codes: 0 success, 1 AWS or other failure, 2 usage or bad input file, 3 history table not found, 4 unknown deploy id, 5 no previous version to roll back to, 6 unknown version or missing artifacts, 7 no usable stack output, 8 terraform failed, 9 deploy locked, 10 checks failed, 11 unreachable, 12 backup failed, 13 GitHub failed, 14 Slack failed, 20 deploy rolled back, 21 rollback failed, 130 interrupted. Every error names its OPSDECK-C### code (cli/README.md).";

#[derive(Parser, Debug)]
#[command(
    name = "opsdeck",
    version,
    about = "opsdeck deploy pipeline: deploy, verify, rollback, backups, Slack, GitHub Releases and the deploy history (R2)",
    after_help = EXIT_CODES_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Read and mark the deploy history (a DynamoDB table from modules/deploy-history).
    History(Box<HistoryArgs>),
    /// Deploy a version: upload, backup, apply, verify; roll back by itself on failure.
    #[command(after_help = EXIT_CODES_HELP)]
    Deploy(Box<deploy::DeployArgs>),
    /// Roll back to the previous succeeded version (or a named one).
    #[command(after_help = EXIT_CODES_HELP)]
    Rollback(Box<rollback::RollbackArgs>),
    /// Check a deployed version: health, smoke requests, load, alarm sets.
    #[command(after_help = EXIT_CODES_HELP)]
    Verify(Box<verify::VerifyArgs>),
    /// Aurora cluster snapshots: create, list, prune.
    #[command(after_help = EXIT_CODES_HELP)]
    Backup(Box<backup::BackupArgs>),
    /// Post a deploy, rollback or failure message.
    #[command(after_help = EXIT_CODES_HELP)]
    Notify(Box<notify::NotifyArgs>),
    /// GitHub Releases of deployed versions.
    #[command(after_help = EXIT_CODES_HELP)]
    Release(Box<release::ReleaseArgs>),
    /// Daily cost from Cost Explorer, month to date against the budget, the month's forecast.
    #[command(after_help = EXIT_CODES_HELP)]
    Cost(Box<cost::CostArgs>),
    /// Requirements report of a plan: pass / fail / not decidable per ID, cost against budget.
    #[command(after_help = EXIT_CODES_HELP)]
    Report(Box<report::ReportArgs>),
}

#[derive(Args, Debug)]
#[command(after_help = EXIT_CODES_HELP)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub format: Format,
    #[command(subcommand)]
    pub command: HistoryCommand,
}

/// Which history: table, service and environment, plus AWS access.
#[derive(Args, Debug, Clone, Default)]
pub struct Target {
    /// History table name (the `table_name` output of modules/deploy-history).
    #[arg(long, env = "OPSDECK_HISTORY_TABLE", global = true)]
    pub table_name: Option<String>,
    /// Service whose deploys to read or mark.
    #[arg(long, env = "OPSDECK_SERVICE", global = true)]
    pub service: Option<String>,
    /// Environment, e.g. prod.
    #[arg(long, env = "OPSDECK_ENVIRONMENT", global = true)]
    pub environment: Option<String>,
    /// AWS region (default: AWS_REGION or the profile's).
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// Named AWS profile (default: AWS_PROFILE or the default chain).
    #[arg(long, global = true)]
    pub profile: Option<String>,
}

#[derive(Args, Debug, Clone, Copy, Default)]
pub struct Format {
    /// Print JSON (shapes in README.md) instead of a table.
    #[arg(long, global = true, conflicts_with = "table")]
    pub json: bool,
    /// Print a table for people (the default).
    #[arg(long, global = true)]
    pub table: bool,
}

#[derive(Subcommand, Debug)]
pub enum HistoryCommand {
    /// Deploys, newest first, with the latest succeeded version and the rollback target.
    List {
        /// Only deploys whose current result is this.
        #[arg(long, value_enum)]
        result: Option<ResultArg>,
        /// Most deploys to print.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
        limit: u32,
    },
    /// One deploy with every mark it received.
    Show {
        /// Deploy id, as `list` prints it.
        deploy_id: String,
    },
    /// The rollback target: the newest succeeded deploy of a version other than the current one.
    Previous,
    /// Append a mark to a deploy (the record itself is kept as written).
    Mark {
        /// Deploy id, as `list` prints it.
        deploy_id: String,
        /// The new result.
        #[arg(long, value_enum)]
        result: MarkResult,
        /// Why, for the audit trail (e.g. the failed check).
        #[arg(long)]
        reason: String,
        /// Who marks (default: GITHUB_ACTOR, else the caller's ARN).
        #[arg(long)]
        by: Option<String>,
    },
    /// Write a deploy record without Terraform (the provider's resource is the usual way).
    Record {
        /// Version deployed, e.g. v1.4.2.
        #[arg(long = "version")]
        deploy_version: String,
        /// Who deployed (default: GITHUB_ACTOR, else the caller's ARN).
        #[arg(long)]
        deployer: Option<String>,
        /// The GitHub Release page of the version.
        #[arg(long)]
        release_url: Option<String>,
        /// Git commit id deployed.
        #[arg(long)]
        commit: Option<String>,
        /// KEY=VALUE kept with the record; repeat for more.
        #[arg(long = "metadata", value_parser = parse_key_value)]
        metadata: Vec<(String, String)>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultArg {
    Succeeded,
    Failed,
    #[value(name = "rolled_back")]
    RolledBack,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkResult {
    Failed,
    #[value(name = "rolled_back")]
    RolledBack,
}

impl From<ResultArg> for DeployResult {
    fn from(r: ResultArg) -> Self {
        match r {
            ResultArg::Succeeded => Self::Succeeded,
            ResultArg::Failed => Self::Failed,
            ResultArg::RolledBack => Self::RolledBack,
        }
    }
}

impl From<MarkResult> for DeployResult {
    fn from(r: MarkResult) -> Self {
        match r {
            MarkResult::Failed => Self::Failed,
            MarkResult::RolledBack => Self::RolledBack,
        }
    }
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("{s:?} is not KEY=VALUE"))
}

/// What a command prints on success.
pub struct Printed {
    pub stdout: String,
}

fn required<'a>(value: &'a Option<String>, flag: &str, env: &str) -> Result<&'a str, CliError> {
    value
        .as_deref()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| CliError::usage(format!("--{flag} is required (or set {env})")))
}

async fn context(target: &Target) -> Result<AwsContext, CliError> {
    let settings = AwsSettings {
        region: target.region.clone(),
        profile: target.profile.clone(),
        ..Default::default()
    };
    AwsContext::load(&settings).await.map_err(|e| {
        CliError::aws(
            e.to_string()
                .replace("set `region` in the provider block", "pass --region"),
        )
    })
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<Printed, CliError> {
    let stdout = match cli.command {
        Command::History(args) => history(*args).await?,
        Command::Deploy(args) => deploy::run(*args).await?,
        Command::Rollback(args) => rollback::run(*args).await?,
        Command::Verify(args) => verify::run(*args).await?,
        Command::Backup(args) => backup::run(*args).await?,
        Command::Notify(args) => notify::run(*args).await?,
        Command::Release(args) => release::run(*args).await?,
        Command::Cost(args) => return cost::run(*args).await,
        Command::Report(args) => return report::run(*args),
    };
    Ok(Printed { stdout })
}

async fn history(args: HistoryArgs) -> Result<String, CliError> {
    let target = &args.target;
    let table = required(&target.table_name, "table-name", "OPSDECK_HISTORY_TABLE")?;
    let stream = Stream::new(
        required(&target.service, "service", "OPSDECK_SERVICE")?,
        required(&target.environment, "environment", "OPSDECK_ENVIRONMENT")?,
    )
    .map_err(|e| CliError::usage(e.to_string()))?;
    opsdeck_provider::deploy_history::validate::table_name(table).map_err(CliError::usage)?;
    let ctx = context(target).await?;
    let store = HistoryStore::from_context(&ctx, table);
    let json = args.format.json;
    let stdout = match args.command {
        HistoryCommand::List { result, limit } => {
            let filter = result.map(DeployResult::from);
            let view = store.view(&stream, filter, limit as usize).await?;
            if json {
                output::to_json(&json!({
                    "table_name": table,
                    "service": stream.service,
                    "environment": stream.environment,
                    "result_filter": filter,
                    "deploys": view.deploys,
                    "current_version": view.current.as_ref().map(|r| &r.version),
                    "latest_succeeded": view.latest_succeeded.as_ref().map(|r| &r.version),
                    "previous_succeeded": view.previous_succeeded.as_ref().map(|r| &r.version),
                }))
            } else {
                output::list_table(table, &stream, &view)
            }
        }
        HistoryCommand::Show { deploy_id } => {
            let record = store.get(&stream, &deploy_id).await?.ok_or_else(|| {
                CliError::from(HistoryError::DeployNotFound {
                    table: table.to_owned(),
                    stream: stream.clone(),
                    deploy_id: deploy_id.clone(),
                })
            })?;
            if json {
                output::to_json(&record)
            } else {
                output::record_block(&record)
            }
        }
        HistoryCommand::Previous => {
            let (previous, view) = store.previous(&stream).await?;
            if json {
                output::to_json(&json!({
                    "version": previous.version,
                    "deploy_id": previous.deploy_id,
                    "current_version": view.current.as_ref().map(|r| &r.version),
                    "current_deploy_id": view.current.as_ref().map(|r| &r.deploy_id),
                    "deploy": previous,
                }))
            } else {
                let current = view
                    .current
                    .as_ref()
                    .map(|r| format!("{} ({}, {})", r.version, r.deploy_id, r.result))
                    .unwrap_or_default();
                format!(
                    "rollback target: {}\ncurrent:         {current}\n\n{}",
                    previous.version,
                    output::record_block(&previous)
                )
            }
        }
        HistoryCommand::Mark {
            deploy_id,
            result,
            reason,
            by,
        } => {
            let by = match by {
                Some(by) => by,
                None => actor::resolve(&ctx).await?,
            };
            let (record, event) = store
                .mark(&stream, &deploy_id, result.into(), &reason, &by)
                .await?;
            if json {
                output::to_json(&json!({ "deploy": record, "event": event }))
            } else {
                format!(
                    "marked {} ({} of {stream}) {} by {}: {}\n",
                    record.deploy_id, record.version, event.result, event.marked_by, event.reason
                )
            }
        }
        HistoryCommand::Record {
            deploy_version,
            deployer,
            release_url,
            commit,
            metadata,
        } => {
            let deployer = match deployer {
                Some(d) => d,
                None => actor::resolve(&ctx).await?,
            };
            let new = NewDeploy {
                version: deploy_version,
                deployer,
                release_url,
                commit,
                metadata: metadata.into_iter().collect::<BTreeMap<_, _>>(),
            };
            let record = store.record(&stream, &new).await?;
            if json {
                output::to_json(&record)
            } else {
                output::record_block(&record)
            }
        }
    };
    Ok(stdout)
}

/// The process: parse, run, print, exit with the documented code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are "errors" to clap that print to stdout and exit 0.
            if !e.use_stderr() {
                let _ = e.print();
                return ExitCode::from(exit::OK);
            }
            // Usage errors carry the code too, like every other error.
            let text = e.render().to_string();
            eprint!(
                "{}",
                text.replacen("error: ", &format!("error: {}: ", ErrorCode::Usage), 1)
            );
            return ExitCode::from(exit::USAGE);
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("OPSDECK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
    // Two workers: the load step of `verify` sends and reads concurrently.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let e = CliError::new(
                ErrorCode::Internal,
                format!("cannot start the async runtime: {e}"),
            );
            eprint!("{}", e.render());
            return ExitCode::from(e.exit_code());
        }
    };
    let result = runtime.block_on(run(cli));
    // Background tasks (the lock heartbeat) must not keep the process alive.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(printed) => {
            print!("{}", printed.stdout);
            ExitCode::from(exit::OK)
        }
        Err(e) => {
            eprint!("{}", e.render());
            ExitCode::from(e.exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_with_the_documented_values() {
        let cli = Cli::try_parse_from([
            "opsdeck",
            "history",
            "mark",
            "01JH8Z3V6Q4M2N7P9R5S1T0W8X",
            "--result",
            "rolled_back",
            "--reason",
            "x",
            "--json",
        ])
        .unwrap();
        let Command::History(args) = cli.command else {
            panic!("not history")
        };
        assert!(args.format.json);
        assert!(matches!(
            args.command,
            HistoryCommand::Mark {
                result: MarkResult::RolledBack,
                ..
            }
        ));
        let err = Cli::try_parse_from([
            "opsdeck",
            "history",
            "mark",
            "x",
            "--result",
            "succeeded",
            "--reason",
            "x",
        ])
        .unwrap_err();
        assert!(err.to_string().contains("failed, rolled_back"), "{err}");
        assert!(Cli::try_parse_from(["opsdeck", "history", "list", "--json", "--table"]).is_err());
        assert!(Cli::try_parse_from(["opsdeck", "history", "list", "--limit", "0"]).is_err());
        let cli = Cli::try_parse_from([
            "opsdeck",
            "history",
            "record",
            "--version",
            "v1",
            "--metadata",
            "run=7",
            "--metadata",
            "a=b=c",
        ])
        .unwrap();
        let Command::History(args) = cli.command else {
            panic!("not history")
        };
        let HistoryCommand::Record { metadata, .. } = args.command else {
            panic!()
        };
        assert_eq!(
            metadata,
            vec![
                ("run".to_owned(), "7".to_owned()),
                ("a".to_owned(), "b=c".to_owned())
            ]
        );
    }
}
