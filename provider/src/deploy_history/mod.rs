//! The deploy history store, shared by `opsdeck_deploy_record`, the data source
//! `opsdeck_deploy_history` and the `opsdeck` CLI.
//!
//! # Table layout
//! One DynamoDB table (created by `modules/deploy-history`), string keys only:
//!
//! | item | `pk` (partition) | `sk` (sort) |
//! | --- | --- | --- |
//! | a deploy | `<service>#<environment>` | `<deploy_id>` |
//! | a mark event | `<service>#<environment>` | `<deploy_id>#event#<event_id>` |
//!
//! Deploy ids are ULID-shaped ([`id`]), so the sort key orders a service's deploys by
//! time. An event's sort key extends its deploy's, so a query newest-first returns each
//! deploy's events right before the deploy itself: one query stream gives the history
//! with every effective result, without a second index.
//!
//! Every write is a conditional put (`attribute_not_exists(pk)`): two writers never
//! overwrite each other, and an id clash becomes a retry with a fresh id. A deploy item
//! is never updated: marking a deploy `failed` or `rolled_back` appends an event, and the
//! effective result is the newest event's (else the deploy's own `succeeded`).

pub mod actor;
pub mod id;
pub mod store;
pub mod validate;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use store::HistoryStore;

/// Name of the partition key attribute (`<service>#<environment>`).
pub const PARTITION_KEY: &str = "pk";
/// Name of the sort key attribute (`<deploy_id>` or `<deploy_id>#event#<event_id>`).
pub const SORT_KEY: &str = "sk";

/// The result of a deploy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeployResult {
    /// The apply that created the record succeeded.
    Succeeded,
    /// Checks after the deploy failed.
    Failed,
    /// The deploy was rolled back.
    RolledBack,
}

impl DeployResult {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::RolledBack => "rolled_back",
        }
    }

    pub fn parse(value: &str) -> Result<Self, String> {
        match value {
            "succeeded" => Ok(Self::Succeeded),
            "failed" => Ok(Self::Failed),
            "rolled_back" => Ok(Self::RolledBack),
            other => Err(format!(
                "result {other:?} is not one of {}",
                validate::RESULTS.join(", ")
            )),
        }
    }
}

impl fmt::Display for DeployResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The deploys of one service in one environment: one partition of the table.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Stream {
    pub service: String,
    pub environment: String,
}

impl Stream {
    /// A stream after checking both names (see [`validate::name_part`]).
    pub fn new(
        service: impl Into<String>,
        environment: impl Into<String>,
    ) -> Result<Self, HistoryError> {
        let stream = Self {
            service: service.into(),
            environment: environment.into(),
        };
        validate::name_part("service", &stream.service).map_err(HistoryError::Invalid)?;
        validate::name_part("environment", &stream.environment).map_err(HistoryError::Invalid)?;
        Ok(stream)
    }

    pub fn partition_key(&self) -> String {
        format!("{}#{}", self.service, self.environment)
    }
}

impl fmt::Display for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.service, self.environment)
    }
}

/// What a new deploy record says; the store adds id, time, result and the link to the
/// previous deploy.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewDeploy {
    pub version: String,
    pub deployer: String,
    pub release_url: Option<String>,
    pub commit: Option<String>,
    pub metadata: BTreeMap<String, String>,
}

impl NewDeploy {
    /// Every problem, as (attribute, message).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if let Err(e) = validate::version(&self.version) {
            problems.push(("version", e));
        }
        if let Err(e) = validate::deployer(&self.deployer) {
            problems.push(("deployer", e));
        }
        if let Some(Err(e)) = self.release_url.as_deref().map(validate::release_url) {
            problems.push(("release_url", e));
        }
        if let Some(Err(e)) = self.commit.as_deref().map(validate::commit) {
            problems.push(("commit", e));
        }
        problems.extend(
            validate::metadata(&self.metadata)
                .into_iter()
                .map(|(_, e)| ("metadata", e)),
        );
        problems
    }
}

/// A mark appended to a deploy: the pipeline's checks or a rollback changed its result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MarkEvent {
    pub event_id: String,
    pub result: DeployResult,
    pub reason: String,
    pub marked_by: String,
    pub marked_at: String,
}

/// One deploy as read back, with its marks applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeployRecord {
    pub deploy_id: String,
    pub service: String,
    pub environment: String,
    pub version: String,
    pub deployer: String,
    /// RFC 3339, UTC, milliseconds.
    pub deployed_at: String,
    /// The effective result: the newest mark's, else `original_result`.
    pub result: DeployResult,
    /// The result written with the record (always `succeeded` for records the provider writes).
    pub original_result: DeployResult,
    pub release_url: Option<String>,
    pub commit: Option<String>,
    pub metadata: BTreeMap<String, String>,
    /// The version of the deploy this one followed (the newest record of the stream when
    /// it was written), whatever that deploy's result.
    pub previous_version: Option<String>,
    pub previous_deploy_id: Option<String>,
    /// Marks, oldest first.
    pub events: Vec<MarkEvent>,
}

impl DeployRecord {
    /// The reason of the newest mark, if any.
    pub fn reason(&self) -> Option<&str> {
        self.events.last().map(|e| e.reason.as_str())
    }
}

/// A read of a stream's history: the deploys asked for plus what a rollback needs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HistoryView {
    /// Newest first, after the result filter and the limit.
    pub deploys: Vec<DeployRecord>,
    /// The newest deploy, whatever its result: what is (or was last attempted) live.
    pub current: Option<DeployRecord>,
    /// The newest deploy whose result is `succeeded`.
    pub latest_succeeded: Option<DeployRecord>,
    /// The rollback target: the newest `succeeded` deploy whose version differs from
    /// the current deploy's.
    pub previous_succeeded: Option<DeployRecord>,
}

/// An error of the store. The messages name the table, service and environment; each
/// caller adds which of its attributes or flags to fix.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("the deploy history table {table:?} does not exist in region {region}")]
    TableNotFound { table: String, region: String },
    #[error("there is no deploy {deploy_id:?} for {stream} in table {table:?}")]
    DeployNotFound {
        table: String,
        stream: Stream,
        deploy_id: String,
    },
    #[error("{stream} has no previous succeeded version to roll back to: {detail}")]
    NoPreviousVersion { stream: Stream, detail: String },
    #[error("{0}")]
    Invalid(String),
    #[error("item {key:?} of table {table:?} is not a deploy history item: {problem}")]
    Malformed {
        table: String,
        key: String,
        problem: String,
    },
    #[error("could not find a free deploy id in table {table:?} after {attempts} conditional puts; another writer keeps taking them (retry the apply)")]
    IdsExhausted { table: String, attempts: u32 },
    #[error(transparent)]
    Aws(#[from] crate::Error),
}
