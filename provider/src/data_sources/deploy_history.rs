//! `opsdeck_deploy_history`: the deploys of one service in one environment, newest
//! first, and the versions a rollback needs (R2.3-b, R2.4).

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, Block, Description, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, DataSource, Diagnostics};

use crate::aws::SharedAws;
use crate::deploy_history::{
    validate, DeployRecord, DeployResult, HistoryError, HistoryStore, HistoryView, MarkEvent,
    Stream,
};
use crate::schema::{computed, optional, required, string_map};
use crate::Number;

/// Deploys returned when `limit` is unset.
pub const DEFAULT_LIMIT: i64 = 20;

#[derive(Serialize, Deserialize, Debug, Default, Clone)]
pub struct DeployHistoryState {
    pub id: Value<String>,
    pub table_name: Value<String>,
    pub service: Value<String>,
    pub environment: Value<String>,
    pub result: Value<String>,
    pub limit: Value<Number>,
    pub deploys: Value<Vec<DeployEntry>>,
    pub current_version: Value<String>,
    pub current_deploy_id: Value<String>,
    pub latest_succeeded: Value<String>,
    pub latest_succeeded_deploy_id: Value<String>,
    pub previous_succeeded: Value<String>,
    pub previous_succeeded_deploy_id: Value<String>,
}

#[derive(Serialize, Deserialize, Debug, Default, Clone, PartialEq)]
pub struct DeployEntry {
    pub deploy_id: Value<String>,
    pub version: Value<String>,
    pub deployer: Value<String>,
    pub deployed_at: Value<String>,
    pub result: Value<String>,
    pub original_result: Value<String>,
    pub reason: Value<String>,
    pub release_url: Value<String>,
    pub commit: Value<String>,
    pub metadata: Value<BTreeMap<String, Value<String>>>,
    pub previous_version: Value<String>,
    pub events: Value<Vec<EventEntry>>,
}

#[derive(Serialize, Deserialize, Debug, Default, Clone, PartialEq)]
pub struct EventEntry {
    pub result: Value<String>,
    pub reason: Value<String>,
    pub marked_by: Value<String>,
    pub marked_at: Value<String>,
}

impl From<&MarkEvent> for EventEntry {
    fn from(e: &MarkEvent) -> Self {
        Self {
            result: Value::Value(e.result.as_str().to_owned()),
            reason: Value::Value(e.reason.clone()),
            marked_by: Value::Value(e.marked_by.clone()),
            marked_at: Value::Value(e.marked_at.clone()),
        }
    }
}

impl From<&DeployRecord> for DeployEntry {
    fn from(r: &DeployRecord) -> Self {
        Self {
            deploy_id: Value::Value(r.deploy_id.clone()),
            version: Value::Value(r.version.clone()),
            deployer: Value::Value(r.deployer.clone()),
            deployed_at: Value::Value(r.deployed_at.clone()),
            result: Value::Value(r.result.as_str().to_owned()),
            original_result: Value::Value(r.original_result.as_str().to_owned()),
            reason: r.reason().map(str::to_owned).into(),
            release_url: r.release_url.clone().into(),
            commit: r.commit.clone().into(),
            metadata: Value::Value(
                r.metadata
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::Value(v.clone())))
                    .collect(),
            ),
            previous_version: r.previous_version.clone().into(),
            events: Value::Value(r.events.iter().map(EventEntry::from).collect()),
        }
    }
}

impl DeployHistoryState {
    pub fn check(&self, diags: &mut Diagnostics) {
        let mut fail = |attr: &'static str, problem: String| {
            crate::resources::common::invalid(
                diags,
                "Invalid deploy history query",
                problem,
                AttributePath::new(attr),
            )
        };
        if let Value::Value(t) = &self.table_name {
            if let Err(e) = validate::table_name(t) {
                fail("table_name", e);
            }
        }
        for (attr, value) in [
            ("service", &self.service),
            ("environment", &self.environment),
        ] {
            if let Value::Value(v) = value {
                if let Err(e) = validate::name_part(attr, v) {
                    fail(attr, e);
                }
            }
        }
        if let Value::Value(r) = &self.result {
            if let Err(e) = DeployResult::parse(r) {
                fail(
                    "result",
                    format!("{e}; leave it unset to list every result."),
                );
            }
        }
        if let Value::Value(n) = self.limit {
            match n.as_i64() {
                Some(i) => {
                    if let Err(e) = validate::limit(i) {
                        fail("limit", e);
                    }
                }
                None => fail(
                    "limit",
                    format!(
                        "limit is {n}; use a whole number from 1 to {}.",
                        validate::MAX_LIMIT
                    ),
                ),
            }
        }
    }

    fn fill(&mut self, table: &str, stream: &Stream, view: &HistoryView) {
        self.id = Value::Value(format!("{table}:{}:{}", stream.service, stream.environment));
        self.deploys = Value::Value(view.deploys.iter().map(DeployEntry::from).collect());
        let version = |r: &Option<DeployRecord>| -> Value<String> {
            r.as_ref().map(|r| r.version.clone()).into()
        };
        let id = |r: &Option<DeployRecord>| -> Value<String> {
            r.as_ref().map(|r| r.deploy_id.clone()).into()
        };
        self.current_version = version(&view.current);
        self.current_deploy_id = id(&view.current);
        self.latest_succeeded = version(&view.latest_succeeded);
        self.latest_succeeded_deploy_id = id(&view.latest_succeeded);
        self.previous_succeeded = version(&view.previous_succeeded);
        self.previous_succeeded_deploy_id = id(&view.previous_succeeded);
    }
}

pub struct DeployHistoryDataSource {
    aws: SharedAws,
}

impl DeployHistoryDataSource {
    pub fn new(aws: SharedAws) -> Self {
        Self { aws }
    }

    async fn fetch(
        &self,
        mut state: DeployHistoryState,
    ) -> Result<DeployHistoryState, HistoryError> {
        let table = state
            .table_name
            .as_ref_option()
            .cloned()
            .unwrap_or_default();
        let stream = Stream::new(
            state.service.as_ref_option().cloned().unwrap_or_default(),
            state
                .environment
                .as_ref_option()
                .cloned()
                .unwrap_or_default(),
        )?;
        let filter = state
            .result
            .as_ref_option()
            .map(|r| DeployResult::parse(r))
            .transpose()
            .map_err(HistoryError::Invalid)?;
        let limit = state
            .limit
            .as_ref_option()
            .and_then(|n| n.as_i64())
            .unwrap_or(DEFAULT_LIMIT)
            .clamp(1, validate::MAX_LIMIT);
        let store = HistoryStore::from_context(&*self.aws.get()?, &table);
        let view = store
            .view(&stream, filter, usize::try_from(limit).unwrap_or(1))
            .await?;
        state.fill(&table, &stream, &view);
        Ok(state)
    }
}

fn event_type() -> AttributeType {
    AttributeType::Object(HashMap::from([
        ("result".to_owned(), AttributeType::String),
        ("reason".to_owned(), AttributeType::String),
        ("marked_by".to_owned(), AttributeType::String),
        ("marked_at".to_owned(), AttributeType::String),
    ]))
}

fn deploy_type() -> AttributeType {
    let s = || AttributeType::String;
    AttributeType::Object(HashMap::from([
        ("deploy_id".to_owned(), s()),
        ("version".to_owned(), s()),
        ("deployer".to_owned(), s()),
        ("deployed_at".to_owned(), s()),
        ("result".to_owned(), s()),
        ("original_result".to_owned(), s()),
        ("reason".to_owned(), s()),
        ("release_url".to_owned(), s()),
        ("commit".to_owned(), s()),
        ("metadata".to_owned(), string_map()),
        ("previous_version".to_owned(), s()),
        (
            "events".to_owned(),
            AttributeType::List(Box::new(event_type())),
        ),
    ]))
}

#[async_trait]
impl DataSource for DeployHistoryDataSource {
    type State<'a> = DeployHistoryState;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        let s = || AttributeType::String;
        Some(Schema {
            version: 1,
            block: Block {
                description: Description::markdown(
                    "The deploy history of one service in one environment, newest first, with the versions a rollback needs.",
                ),
                attributes: HashMap::from([
                    ("id".to_owned(), computed(s(), "`table:service:environment`.")),
                    ("table_name".to_owned(), required(s(), "The history table (output `table_name` of modules/deploy-history).")),
                    ("service".to_owned(), required(s(), "Service whose deploys to read.")),
                    ("environment".to_owned(), required(s(), "Environment whose deploys to read.")),
                    ("result".to_owned(), optional(s(), "Only deploys whose current result is this: `succeeded`, `failed` or `rolled_back`. Filters `deploys` only.")),
                    ("limit".to_owned(), optional(AttributeType::Number, "Most deploys in `deploys` (1–1000, default 20).")),
                    ("deploys".to_owned(), computed(AttributeType::List(Box::new(deploy_type())), "Deploys, newest first: `deploy_id`, `version`, `deployer`, `deployed_at`, `result` (after marks), `original_result`, `reason` (of the newest mark), `release_url`, `commit`, `metadata`, `previous_version`, `events` (marks, oldest first: `result`, `reason`, `marked_by`, `marked_at`).")),
                    ("current_version".to_owned(), computed(s(), "Version of the newest deploy, whatever its result; null when there is none.")),
                    ("current_deploy_id".to_owned(), computed(s(), "Deploy id of the newest deploy.")),
                    ("latest_succeeded".to_owned(), computed(s(), "Version of the newest deploy whose result is `succeeded`.")),
                    ("latest_succeeded_deploy_id".to_owned(), computed(s(), "Its deploy id.")),
                    ("previous_succeeded".to_owned(), computed(s(), "The rollback target: version of the newest `succeeded` deploy whose version differs from `current_version`; null when there is none.")),
                    ("previous_succeeded_deploy_id".to_owned(), computed(s(), "Its deploy id.")),
                ]),
                ..Default::default()
            },
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        config.check(diags);
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        config.check(diags);
        if !diags.errors.is_empty() {
            return None;
        }
        match self.fetch(config).await {
            Ok(state) => Some(state),
            Err(e @ HistoryError::TableNotFound { .. }) => {
                diags.error(
                    crate::error::Code::DeployHistory.tag("Cannot read the deploy history"),
                    format!("{e}. Set `table_name` to the `table_name` output of modules/deploy-history, and check the provider's `region`."),
                    AttributePath::new("table_name"),
                );
                None
            }
            Err(HistoryError::Aws(e)) => {
                crate::resources::common::report(diags, "Cannot read the deploy history", e);
                None
            }
            Err(e @ HistoryError::Invalid(_)) => {
                diags.root_error(
                    crate::error::Code::InvalidConfiguration.tag("Cannot read the deploy history"),
                    e.to_string(),
                );
                None
            }
            Err(e) => {
                diags.root_error(
                    crate::error::Code::DeployHistory.tag("Cannot read the deploy history"),
                    e.to_string(),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bad_filter_is_reported_on_its_attribute() {
        let state = DeployHistoryState {
            table_name: Value::Value("t".into()),
            service: Value::Value("a#b".into()),
            environment: Value::Value("prod".into()),
            result: Value::Value("ok".into()),
            limit: Value::Value(Number::from(0)),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        state.check(&mut diags);
        let attrs: Vec<String> = diags
            .errors
            .iter()
            .map(|d| format!("{:?}", d.attribute))
            .collect();
        assert_eq!(attrs.len(), 4, "{attrs:?}");
        assert!(diags
            .errors
            .iter()
            .any(|d| d.detail.contains("succeeded, failed, rolled_back")));
        let mut diags = Diagnostics::default();
        DeployHistoryState {
            limit: Value::Value(Number::new(2.5).unwrap()),
            ..Default::default()
        }
        .check(&mut diags);
        assert!(diags.errors[0].detail.contains("whole number"));
    }
}
