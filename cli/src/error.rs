//! The CLI's errors: one stable code per family (`OPSDECK-C###`), each with its exit
//! code, a one-line cause and a one-line fix. Every error message the CLI prints starts
//! with its code; README.md ("Exit codes" and "Error codes") and the troubleshooting
//! guide list the same table, which a unit test checks against [`ALL`].
//!
//! Codes are never reused or renumbered: a retired code stays reserved.

use std::fmt;

use opsdeck_provider::deploy_history::HistoryError;

/// Exit codes, stable for scripts. Several error codes share one exit code when a
/// script would react the same way to them.
pub mod exit {
    pub const OK: u8 = 0;
    /// AWS or another unexpected failure.
    pub const FAILURE: u8 = 1;
    /// A missing or invalid flag, value or input file.
    pub const USAGE: u8 = 2;
    pub const TABLE_NOT_FOUND: u8 = 3;
    pub const DEPLOY_NOT_FOUND: u8 = 4;
    pub const NO_PREVIOUS_VERSION: u8 = 5;
    /// The version was never deployed here, or its artifacts are missing.
    pub const UNKNOWN_VERSION: u8 = 6;
    /// The Terraform directory has no usable `opsdeck` output.
    pub const STACK_CONFIG: u8 = 7;
    pub const TERRAFORM_FAILED: u8 = 8;
    pub const LOCKED: u8 = 9;
    pub const VERIFY_FAILED: u8 = 10;
    pub const UNREACHABLE: u8 = 11;
    pub const BACKUP_FAILED: u8 = 12;
    pub const GITHUB_FAILED: u8 = 13;
    pub const SLACK_FAILED: u8 = 14;
    /// The deploy failed its checks and the previous version is live again.
    pub const ROLLED_BACK: u8 = 20;
    /// A rollback (automatic or by hand) did not bring a verified version back.
    pub const ROLLBACK_FAILED: u8 = 21;
    /// Ctrl-C or SIGTERM (128 + SIGINT).
    pub const INTERRUPTED: u8 = 130;
}

/// One family of CLI failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    Usage,
    SmokeFile,
    HistoryTableNotFound,
    DeployNotFound,
    NoRollbackTarget,
    UnknownVersion,
    ArtifactsMissing,
    StackConfig,
    TerraformFailed,
    DeployLocked,
    VerifyFailed,
    Unreachable,
    SnapshotTimeout,
    BackupFailed,
    GitHubFailed,
    SlackSecret,
    SlackDelivery,
    DeployRolledBack,
    RollbackFailed,
    Interrupted,
    Aws,
    Internal,
    CostExplorerNotEnabled,
    CostExplorerDenied,
    CostExplorerFailed,
    PlanUnreadable,
    PlanInvalid,
    PriceTableInvalid,
    PriceTableIncomplete,
}

/// Every code, in order.
pub const ALL: &[ErrorCode] = &[
    ErrorCode::Usage,
    ErrorCode::SmokeFile,
    ErrorCode::HistoryTableNotFound,
    ErrorCode::DeployNotFound,
    ErrorCode::NoRollbackTarget,
    ErrorCode::UnknownVersion,
    ErrorCode::ArtifactsMissing,
    ErrorCode::StackConfig,
    ErrorCode::TerraformFailed,
    ErrorCode::DeployLocked,
    ErrorCode::VerifyFailed,
    ErrorCode::Unreachable,
    ErrorCode::SnapshotTimeout,
    ErrorCode::BackupFailed,
    ErrorCode::GitHubFailed,
    ErrorCode::SlackSecret,
    ErrorCode::SlackDelivery,
    ErrorCode::DeployRolledBack,
    ErrorCode::RollbackFailed,
    ErrorCode::Interrupted,
    ErrorCode::Aws,
    ErrorCode::Internal,
    ErrorCode::CostExplorerNotEnabled,
    ErrorCode::CostExplorerDenied,
    ErrorCode::CostExplorerFailed,
    ErrorCode::PlanUnreadable,
    ErrorCode::PlanInvalid,
    ErrorCode::PriceTableInvalid,
    ErrorCode::PriceTableIncomplete,
];

impl ErrorCode {
    /// `OPSDECK-C###`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Usage => "OPSDECK-C001",
            Self::SmokeFile => "OPSDECK-C002",
            Self::HistoryTableNotFound => "OPSDECK-C003",
            Self::DeployNotFound => "OPSDECK-C004",
            Self::NoRollbackTarget => "OPSDECK-C005",
            Self::UnknownVersion => "OPSDECK-C006",
            Self::ArtifactsMissing => "OPSDECK-C007",
            Self::StackConfig => "OPSDECK-C008",
            Self::TerraformFailed => "OPSDECK-C009",
            Self::DeployLocked => "OPSDECK-C010",
            Self::VerifyFailed => "OPSDECK-C011",
            Self::Unreachable => "OPSDECK-C012",
            Self::SnapshotTimeout => "OPSDECK-C013",
            Self::BackupFailed => "OPSDECK-C014",
            Self::GitHubFailed => "OPSDECK-C015",
            Self::SlackSecret => "OPSDECK-C016",
            Self::SlackDelivery => "OPSDECK-C017",
            Self::DeployRolledBack => "OPSDECK-C018",
            Self::RollbackFailed => "OPSDECK-C019",
            Self::Interrupted => "OPSDECK-C020",
            Self::Aws => "OPSDECK-C021",
            Self::Internal => "OPSDECK-C022",
            // `opsdeck cost` (1xx) and `opsdeck report` (2xx).
            Self::CostExplorerNotEnabled => "OPSDECK-C101",
            Self::CostExplorerDenied => "OPSDECK-C102",
            Self::CostExplorerFailed => "OPSDECK-C103",
            Self::PlanUnreadable => "OPSDECK-C201",
            Self::PlanInvalid => "OPSDECK-C202",
            Self::PriceTableInvalid => "OPSDECK-C203",
            Self::PriceTableIncomplete => "OPSDECK-C204",
        }
    }

    /// The process exit code (see [`exit`]).
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Usage | Self::SmokeFile | Self::PlanUnreadable | Self::PlanInvalid => exit::USAGE,
            Self::HistoryTableNotFound => exit::TABLE_NOT_FOUND,
            Self::DeployNotFound => exit::DEPLOY_NOT_FOUND,
            Self::NoRollbackTarget => exit::NO_PREVIOUS_VERSION,
            Self::UnknownVersion | Self::ArtifactsMissing => exit::UNKNOWN_VERSION,
            Self::StackConfig => exit::STACK_CONFIG,
            Self::TerraformFailed => exit::TERRAFORM_FAILED,
            Self::DeployLocked => exit::LOCKED,
            Self::VerifyFailed => exit::VERIFY_FAILED,
            Self::Unreachable => exit::UNREACHABLE,
            Self::SnapshotTimeout | Self::BackupFailed => exit::BACKUP_FAILED,
            Self::GitHubFailed => exit::GITHUB_FAILED,
            Self::SlackSecret | Self::SlackDelivery => exit::SLACK_FAILED,
            Self::DeployRolledBack => exit::ROLLED_BACK,
            Self::RollbackFailed => exit::ROLLBACK_FAILED,
            Self::Interrupted => exit::INTERRUPTED,
            Self::Aws
            | Self::Internal
            | Self::CostExplorerNotEnabled
            | Self::CostExplorerDenied
            | Self::CostExplorerFailed
            | Self::PriceTableInvalid
            | Self::PriceTableIncomplete => exit::FAILURE,
        }
    }

    pub fn cause(self) -> &'static str {
        match self {
            Self::Usage => "a flag, environment variable or value is missing or invalid",
            Self::SmokeFile => "the smoke file cannot be read or is not the documented JSON",
            Self::HistoryTableNotFound => "the deploy history table does not exist in that region",
            Self::DeployNotFound => "no deploy with that id in this service and environment",
            Self::NoRollbackTarget => "no succeeded deploy of another version is recorded to roll back to",
            Self::UnknownVersion => "the version was never deployed successfully here, or is already the current one",
            Self::ArtifactsMissing => "the version's Lambda zips are not in the artifacts folder or the artifact bucket",
            Self::StackConfig => "the Terraform directory has no usable `opsdeck` output (not initialised, never applied, or a value missing)",
            Self::TerraformFailed => "terraform apply failed or timed out",
            Self::DeployLocked => "another deploy or rollback of this service and environment holds the deploy lock",
            Self::VerifyFailed => "a health, smoke, load or alarm check failed",
            Self::Unreachable => "the URL could not be reached (DNS, connection refused, TLS or timeout)",
            Self::SnapshotTimeout => "the database snapshot did not become available within the wait limit",
            Self::BackupFailed => "the database snapshot could not be created, listed or deleted",
            Self::GitHubFailed => "the GitHub Releases API refused the call or failed after retries",
            Self::SlackSecret => "the Slack webhook could not be read from Secrets Manager or the webhook file",
            Self::SlackDelivery => "Slack did not accept the message after retries",
            Self::DeployRolledBack => "the deploy failed its checks and was rolled back to the previous version",
            Self::RollbackFailed => "a rollback did not bring a verified version back",
            Self::Interrupted => "the command was interrupted (Ctrl-C or SIGTERM); the deploy lock records where",
            Self::Aws => "an AWS call failed (credentials, permissions, throttling, network)",
            Self::Internal => "an unexpected local failure (runtime, file system)",
            Self::CostExplorerNotEnabled => "Cost Explorer is not enabled in the account",
            Self::CostExplorerDenied => "Cost Explorer refused the call (permissions)",
            Self::CostExplorerFailed => "a Cost Explorer call failed otherwise (network, credentials, timeout)",
            Self::PlanUnreadable => "the plan file cannot be read",
            Self::PlanInvalid => "the file is not the JSON of a Terraform plan",
            Self::PriceTableInvalid => "the price table compiled into the CLI does not parse",
            Self::PriceTableIncomplete => "the price table lacks a price or usage the cost model needs",
        }
    }

    pub fn fix(self) -> &'static str {
        match self {
            Self::Usage => "read the message and `opsdeck <command> --help`",
            Self::SmokeFile => "fix the file at the line and column named (shape in cli/README.md, \"Smoke file\")",
            Self::HistoryTableNotFound => "check --table-name / OPSDECK_HISTORY_TABLE and --region; the table is modules/deploy-history's",
            Self::DeployNotFound => "`opsdeck history list` prints the deploy ids; check --service and --environment",
            Self::NoRollbackTarget => "deploy a known good version by hand (`opsdeck deploy --version V`)",
            Self::UnknownVersion => "`opsdeck history list --result succeeded` shows the versions you can roll back to",
            Self::ArtifactsMissing => "build them (`cargo xtask lambda ...`) into --artifacts, or check the bucket and prefix",
            Self::StackConfig => "run `terraform init` and apply the stack once in --dir, or pass the missing value as a flag",
            Self::TerraformFailed => "read terraform's output above; fix the cause and run the command again (apply converges)",
            Self::DeployLocked => "wait for the holder named in the message; a lock whose holder died expires after its lease",
            Self::VerifyFailed => "read the failed checks; the deploy pipeline rolls back by itself",
            Self::Unreachable => "check the URL, DNS and that the stack is deployed (`opsdeck verify --url ...`)",
            Self::SnapshotTimeout => "see the snapshot in the RDS console; raise --snapshot-timeout or retry once it is available",
            Self::BackupFailed => "check the cluster id (db_cluster_identifier) and the rds:*DBClusterSnapshot* permissions",
            Self::GitHubFailed => "check GITHUB_TOKEN (contents: write), GITHUB_REPOSITORY and githubstatus.com; `opsdeck release publish V` repeats it",
            Self::SlackSecret => "check --webhook-secret-arn (slack_webhook_secret_arn) or --webhook-file and secretsmanager:GetSecretValue",
            Self::SlackDelivery => "check status.slack.com and the webhook; `opsdeck notify slack` repeats the message",
            Self::DeployRolledBack => "fix the version (the failed checks are listed) and deploy a new one",
            Self::RollbackFailed => "act by hand: `opsdeck history list`, then `opsdeck rollback --to VERSION` or restore the snapshot",
            Self::Interrupted => "run the command again: it reports what the interrupted run left and continues",
            Self::Aws => "read the service and operation named; check credentials, region and permissions",
            Self::Internal => "read the message; report it if it persists",
            Self::CostExplorerNotEnabled => "enable it once as the management account in the Billing console; data appears within 24 hours",
            Self::CostExplorerDenied => "grant ce:GetCostAndUsage and ce:GetCostForecast to the caller",
            Self::CostExplorerFailed => "check the network and --profile; Cost Explorer's endpoint is in us-east-1",
            Self::PlanUnreadable => "check the path given to --plan",
            Self::PlanInvalid => "write it with `terraform show -json plan.tfplan > plan.json`",
            Self::PriceTableInvalid => "fix docs/pricing/ap-northeast-1.toml and rebuild",
            Self::PriceTableIncomplete => "add the entry with its source and date to docs/pricing/ap-northeast-1.toml and rebuild",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A failure with its code and, when there is one beyond the code's fix, a hint.
#[derive(Debug)]
pub struct CliError {
    pub kind: ErrorCode,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for CliError {}

impl CliError {
    pub fn new(kind: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        self.kind.exit_code()
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Usage, message).hint("run `opsdeck <command> --help` for the flags")
    }

    pub fn aws(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Aws, message)
    }

    /// What stderr shows: `opsdeck: error: OPSDECK-C###: message`, then the hint, then
    /// the code's fix.
    pub fn render(&self) -> String {
        let mut out = format!("opsdeck: error: {self}\n");
        if let Some(hint) = &self.hint {
            out.push_str(&format!("hint: {hint}\n"));
        }
        out.push_str(&format!("fix ({}): {}\n", self.kind, self.kind.fix()));
        out
    }
}

impl From<HistoryError> for CliError {
    fn from(e: HistoryError) -> Self {
        let (kind, hint) = match &e {
            HistoryError::TableNotFound { .. } => (
                ErrorCode::HistoryTableNotFound,
                Some("check --table-name (OPSDECK_HISTORY_TABLE) and --region (AWS_REGION); the table is the `table_name` output of modules/deploy-history"),
            ),
            HistoryError::DeployNotFound { .. } => (
                ErrorCode::DeployNotFound,
                Some("`opsdeck history list` prints the deploy ids of this service and environment; check --service and --environment"),
            ),
            HistoryError::NoPreviousVersion { .. } => (
                ErrorCode::NoRollbackTarget,
                Some("there is nothing to roll back to automatically: deploy a known good version by hand"),
            ),
            HistoryError::Invalid(_) => (ErrorCode::Usage, None),
            _ => (ErrorCode::Aws, None),
        };
        Self {
            kind,
            message: e.to_string(),
            hint: hint.map(str::to_owned),
        }
    }
}

/// Prints a warning with its code: a step that failed without changing the outcome
/// (Slack or GitHub down after a good deploy).
pub fn warn(kind: ErrorCode, message: &str) {
    eprintln!("opsdeck: warning: {kind}: {message}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_well_formed_and_documented() {
        let codes: HashSet<_> = ALL.iter().map(|c| c.code()).collect();
        assert_eq!(codes.len(), ALL.len());
        let readme = include_str!("../README.md");
        for c in ALL {
            let n = c.code().strip_prefix("OPSDECK-C").unwrap();
            assert!(n.len() == 3 && n.chars().all(|d| d.is_ascii_digit()), "{c}");
            assert!(!c.cause().is_empty() && !c.fix().is_empty());
            let row = format!("| `{}` | {} |", c.code(), c.exit_code());
            assert!(readme.contains(&row), "README.md has no row {row:?}");
        }
    }

    #[test]
    fn history_errors_map_to_documented_codes() {
        let stream = opsdeck_provider::deploy_history::Stream::new("shop", "prod").unwrap();
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
            assert_eq!(CliError::from(err).exit_code(), code);
        }
    }

    #[test]
    fn rendered_errors_start_with_their_code() {
        let text = CliError::usage("--service is required").render();
        assert!(
            text.starts_with("opsdeck: error: OPSDECK-C001: --service is required\n"),
            "{text}"
        );
        assert!(text.contains("fix (OPSDECK-C001)"));
    }
}
