//! `opsdeck`: the command the deploy pipeline calls. It reads and marks the deploy
//! history through the same store as the Terraform provider (`opsdeck_provider::
//! deploy_history`), with the same AWS setup (region, profile, `AWS_ENDPOINT_URL`).
//!
//! Exit codes (also in README.md): 0 success, 1 other failure (AWS, credentials),
//! 2 usage (a missing or invalid flag), 3 the history table does not exist, 4 no such
//! deploy id, 5 no previous version to roll back to.

pub mod cost;
pub mod output;
pub mod plan;
pub mod pricing;
pub mod report;

use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use opsdeck_provider::aws::{AwsContext, AwsSettings};
use opsdeck_provider::deploy_history::{
    actor, DeployResult, HistoryError, HistoryStore, NewDeploy, Stream,
};
use serde_json::json;

/// Exit codes, stable for scripts.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const TABLE_NOT_FOUND: u8 = 3;
    pub const DEPLOY_NOT_FOUND: u8 = 4;
    pub const NO_PREVIOUS_VERSION: u8 = 5;
}

/// Shown under `--help`, so a pipeline author finds the codes where they look first.
const EXIT_CODES_HELP: &str = "Exit codes: 0 success, 1 other failure (AWS), 2 usage, 3 history table not found, 4 unknown deploy id, 5 no previous version to roll back to.";

#[derive(Parser, Debug)]
#[command(
    name = "opsdeck",
    version,
    about = "opsdeck deploy pipeline tools: the deploy history (R2.4) and rollback targets (R2.3)",
    after_help = EXIT_CODES_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Read and mark the deploy history (a DynamoDB table from modules/deploy-history).
    History(HistoryArgs),
    /// Daily cost from Cost Explorer, month to date against the budget, the month's forecast.
    Cost(cost::CostArgs),
    /// Requirements report of a plan: pass / fail / not decidable per ID, cost against budget.
    Report(report::ReportArgs),
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

/// A failure with its exit code and what to do about it.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
    pub hint: Option<String>,
}

impl CliError {
    fn usage(message: impl Into<String>) -> Self {
        Self {
            code: exit::USAGE,
            message: message.into(),
            hint: Some("run `opsdeck history --help` for the flags".into()),
        }
    }
}

impl From<HistoryError> for CliError {
    fn from(e: HistoryError) -> Self {
        let (code, hint) = match &e {
            HistoryError::TableNotFound { .. } => (
                exit::TABLE_NOT_FOUND,
                Some("check --table-name (OPSDECK_HISTORY_TABLE) and --region (AWS_REGION); the table is the `table_name` output of modules/deploy-history".to_owned()),
            ),
            HistoryError::DeployNotFound { .. } => (
                exit::DEPLOY_NOT_FOUND,
                Some("`opsdeck history list` prints the deploy ids of this service and environment; check --service and --environment".to_owned()),
            ),
            HistoryError::NoPreviousVersion { .. } => (
                exit::NO_PREVIOUS_VERSION,
                Some("there is nothing to roll back to automatically: deploy a known good version by hand".to_owned()),
            ),
            HistoryError::Invalid(_) => (exit::USAGE, None),
            _ => (exit::FAILURE, None),
        };
        Self {
            code,
            message: e.to_string(),
            hint,
        }
    }
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
    AwsContext::load(&settings).await.map_err(|e| CliError {
        code: exit::FAILURE,
        message: e
            .to_string()
            .replace("set `region` in the provider block", "pass --region"),
        hint: None,
    })
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<Printed, CliError> {
    let args = match cli.command {
        Command::History(args) => args,
        Command::Cost(args) => return cost::run(args).await,
        Command::Report(args) => return report::run(args),
    };
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
    Ok(Printed { stdout })
}

/// The process: parse, run, print, exit with the documented code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are "errors" to clap that print to stdout and exit 0.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            });
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("OPSDECK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("opsdeck: error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(printed) => {
            print!("{}", printed.stdout);
            ExitCode::from(exit::OK)
        }
        Err(e) => {
            eprintln!("opsdeck: error: {}", e.message);
            if let Some(hint) = e.hint {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(e.code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_documented_codes() {
        let stream = Stream::new("shop", "prod").unwrap();
        let cases = [
            (
                HistoryError::TableNotFound {
                    table: "t".into(),
                    region: "r".into(),
                },
                exit::TABLE_NOT_FOUND,
            ),
            (
                HistoryError::DeployNotFound {
                    table: "t".into(),
                    stream: stream.clone(),
                    deploy_id: "x".into(),
                },
                exit::DEPLOY_NOT_FOUND,
            ),
            (
                HistoryError::NoPreviousVersion {
                    stream,
                    detail: "d".into(),
                },
                exit::NO_PREVIOUS_VERSION,
            ),
            (HistoryError::Invalid("bad".into()), exit::USAGE),
            (
                HistoryError::IdsExhausted {
                    table: "t".into(),
                    attempts: 5,
                },
                exit::FAILURE,
            ),
        ];
        for (err, code) in cases {
            assert_eq!(CliError::from(err).code, code);
        }
    }

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
            panic!("history")
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
            panic!("history")
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
