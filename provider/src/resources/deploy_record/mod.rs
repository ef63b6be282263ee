//! `opsdeck_deploy_record`: one line of the deploy history (R2.4), written when the
//! apply that creates it succeeds.
//!
//! The record is append-only. A new version (or any other recorded value) replaces the
//! resource, which writes a new record and keeps the old one; re-applying the same
//! version plans nothing and writes nothing (P1). Destroy forgets the record in the
//! state and keeps it in the table unless `retain_on_destroy = false`.
//!
//! Never a duplicate: the record is one conditional put; a put whose answer was lost and
//! that was sent again meets its own first attempt, which the store recognises and takes
//! as written (`deploy_history::store`, `ReturnValuesOnConditionCheckFailure`).
//!
//! Layout: `model` state, schema, checks and import id; the AWS calls are the deploy
//! history store's (`crate::deploy_history`), shared with the CLI; this file the Terraform
//! operations.

pub mod model;

use async_trait::async_trait;
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use crate::aws::SharedAws;
use crate::deploy_history::{actor, HistoryError, HistoryStore, NewDeploy};
use crate::error::Code;

use model::known;
pub use model::{import_id, parse_import_id, DeployRecordState, IMPORT_SEPARATOR, RECORDED};

/// Reports a store error, with its code, on the attribute that fixes it.
fn report(diags: &mut Diagnostics, summary: &'static str, err: HistoryError) {
    match err {
        HistoryError::TableNotFound { .. } => diags.error(
            Code::DeployHistory.tag(summary),
            format!("{err}. Set `table_name` to the `table_name` output of modules/deploy-history (or create the table with it), and check the provider's `region`."),
            AttributePath::new("table_name"),
        ),
        HistoryError::Invalid(problem) => {
            diags.root_error(Code::InvalidConfiguration.tag(summary), problem)
        }
        HistoryError::Aws(e) => diags.root_error(e.code().tag(summary), e.to_string()),
        other => diags.root_error(Code::DeployHistory.tag(summary), other.to_string()),
    }
}

pub struct DeployRecordResource {
    aws: SharedAws,
}

impl DeployRecordResource {
    pub fn new(aws: SharedAws) -> Self {
        Self { aws }
    }

    fn store(&self, table: &str) -> Result<HistoryStore, HistoryError> {
        Ok(HistoryStore::from_context(&*self.aws.get()?, table))
    }

    async fn write(&self, planned: &DeployRecordState) -> Result<DeployRecordState, HistoryError> {
        let stream = planned.stream()?;
        let table = known(&planned.table_name);
        let store = self.store(&table)?;
        let deployer = match &planned.deployer {
            Value::Value(d) => d.clone(),
            _ => actor::resolve(&*self.aws.get()?).await?,
        };
        let new = NewDeploy {
            version: known(&planned.version),
            deployer,
            release_url: planned.release_url.as_ref_option().cloned(),
            commit: planned.commit.as_ref_option().cloned(),
            metadata: planned.metadata_map().unwrap_or_default(),
        };
        let record = store.record(&stream, &new).await?;
        let mut state = planned.clone();
        state.set_from(&table, &record);
        Ok(state)
    }

    async fn refresh(
        &self,
        state: &DeployRecordState,
    ) -> Result<Option<DeployRecordState>, HistoryError> {
        let (Value::Value(table), Value::Value(deploy_id)) = (&state.table_name, &state.deploy_id)
        else {
            return Ok(Some(state.clone()));
        };
        let stream = state.stream()?;
        Ok(self
            .store(table)?
            .get(&stream, deploy_id)
            .await?
            .map(|record| {
                let mut fresh = state.clone();
                fresh.set_from(table, &record);
                fresh
            }))
    }
}

#[async_trait]
impl Resource for DeployRecordResource {
    type State<'a> = DeployRecordState;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(model::schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        config.check(diags);
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        match self.refresh(&state).await {
            Ok(Some(fresh)) => Some((fresh, private_state)),
            Ok(None) => {
                tracing::warn!(deploy_id = ?state.deploy_id, "deploy record is gone from the table; it will be planned again");
                None
            }
            Err(e) => {
                report(diags, "Cannot read the deploy record", e);
                Some((state, private_state))
            }
        }
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed_state: Self::State<'a>,
        config_state: Self::State<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        config_state.check(diags);
        let mut planned = proposed_state;
        planned.set_computed_unknown();
        if config_state.deployer.is_null() {
            // Resolved at apply: the CI actor or the caller identity.
            planned.deployer = Value::Unknown;
        }
        Some((planned, ValueEmpty::default()))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        proposed_state: Self::State<'a>,
        config_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        config_state.check(diags);
        let mut planned = proposed_state;
        let mut replace = Vec::new();
        for attr in RECORDED {
            let changed = match *attr {
                "table_name" => planned.table_name != prior_state.table_name,
                "service" => planned.service != prior_state.service,
                "environment" => planned.environment != prior_state.environment,
                "version" => planned.version != prior_state.version,
                "release_url" => planned.release_url != prior_state.release_url,
                "commit" => planned.commit != prior_state.commit,
                // null and {} record the same thing: no new deploy for that.
                _ => {
                    planned.metadata_map().is_none()
                        || planned.metadata_map() != prior_state.metadata_map()
                }
            };
            if changed {
                replace.push(AttributePath::new(*attr));
            }
        }
        match &config_state.deployer {
            // Unset: keep who deployed first (the proposal already carries it).
            Value::Null => planned.deployer = prior_state.deployer.clone(),
            // Set to someone else: that is a different deploy.
            other => {
                if *other != prior_state.deployer {
                    replace.push(AttributePath::new("deployer"));
                }
            }
        }
        if !replace.is_empty() {
            planned.set_computed_unknown();
            if config_state.deployer.is_null() {
                planned.deployer = Value::Unknown;
            }
        }
        Some((planned, prior_private_state, replace))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(prior_private_state)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        match self.write(&planned_state).await {
            Ok(state) => Some((state, planned_private_state)),
            Err(e) => {
                report(diags, "Cannot write the deploy record", e);
                None
            }
        }
    }

    async fn update<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior_state: Self::State<'a>,
        planned_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        // Only settings of the resource itself change in place (`retain_on_destroy`,
        // `metadata` between null and {}): the record in the table stays as written.
        Some((planned_state, planned_private_state))
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        _planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        if prior_state.retain_on_destroy != Value::Value(false) {
            tracing::info!(deploy_id = ?prior_state.deploy_id, "deploy record kept in the history (retain_on_destroy)");
            return Some(());
        }
        let (Value::Value(table), Value::Value(deploy_id)) =
            (&prior_state.table_name, &prior_state.deploy_id)
        else {
            return Some(());
        };
        let result = async {
            self.store(table)?
                .delete(&prior_state.stream()?, deploy_id)
                .await
        }
        .await;
        match result {
            Ok(_) => Some(()),
            Err(e) => {
                report(diags, "Cannot delete the deploy record", e);
                None
            }
        }
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let (table, stream, deploy_id) = match parse_import_id(&id) {
            Ok(parts) => parts,
            Err(e) => {
                diags.root_error(Code::InvalidConfiguration.tag("Invalid import id"), e);
                return None;
            }
        };
        let found = async { self.store(&table)?.get(&stream, &deploy_id).await }.await;
        match found {
            Ok(Some(record)) => {
                let mut state = DeployRecordState::default();
                state.set_from(&table, &record);
                Some((state, ValueEmpty::default()))
            }
            Ok(None) => {
                diags.root_error(
                    Code::Gone.tag("Cannot import the deploy record"),
                    format!("there is no deploy {deploy_id:?} for {stream} in table {table:?}; `opsdeck history list --table-name {table} --service {} --environment {}` lists the ids", stream.service, stream.environment),
                );
                None
            }
            Err(e) => {
                report(diags, "Cannot import the deploy record", e);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn config() -> DeployRecordState {
        DeployRecordState {
            table_name: Value::Value("opsdeck-deploy-history".into()),
            service: Value::Value("shop".into()),
            environment: Value::Value("prod".into()),
            version: Value::Value("v1".into()),
            ..Default::default()
        }
    }

    fn prior() -> DeployRecordState {
        let mut s = config();
        s.deployer = Value::Value("octocat".into());
        s.deploy_id = Value::Value("01JH8Z3V6Q4M2N7P9R5S1T0W8X".into());
        s.id = Value::Value("opsdeck-deploy-history:shop:prod:01JH8Z3V6Q4M2N7P9R5S1T0W8X".into());
        s.result = Value::Value("succeeded".into());
        s
    }

    fn plan(
        prior: DeployRecordState,
        config: DeployRecordState,
    ) -> (DeployRecordState, Vec<String>) {
        let resource = DeployRecordResource::new(SharedAws::default());
        // Terraform proposes the config with prior values for unset computed attributes.
        let mut proposed = config.clone();
        for (p, c) in [
            (&mut proposed.deployer, &prior.deployer),
            (&mut proposed.deploy_id, &prior.deploy_id),
            (&mut proposed.id, &prior.id),
            (&mut proposed.result, &prior.result),
        ] {
            if p.is_null() {
                *p = c.clone();
            }
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (planned, _, replace) = rt
            .block_on(resource.plan_update(
                &mut Diagnostics::default(),
                prior,
                proposed,
                config,
                ValueEmpty::default(),
                ValueEmpty::default(),
            ))
            .unwrap();
        (planned, replace.iter().map(|p| format!("{p:?}")).collect())
    }

    #[test]
    fn same_version_by_someone_else_plans_nothing() {
        let (planned, replace) = plan(prior(), config());
        assert!(replace.is_empty(), "{replace:?}");
        assert_eq!(planned, prior());
    }

    #[test]
    fn a_new_version_or_release_is_a_new_record() {
        let mut c = config();
        c.version = Value::Value("v2".into());
        let (planned, replace) = plan(prior(), c);
        assert_eq!(replace.len(), 1);
        assert!(replace[0].contains("version"), "{replace:?}");
        assert!(planned.deploy_id.is_unknown() && planned.deployer.is_unknown());
        let mut c = config();
        c.release_url = Value::Value("https://github.com/acme/shop/releases/tag/v1".into());
        assert!(plan(prior(), c).1[0].contains("release_url"));
        let mut c = config();
        c.deployer = Value::Value("someone-else".into());
        assert!(plan(prior(), c).1[0].contains("deployer"));
    }

    #[test]
    fn retain_and_empty_metadata_change_in_place() {
        let mut c = config();
        c.retain_on_destroy = Value::Value(false);
        c.metadata = Value::Value(BTreeMap::new());
        let (planned, replace) = plan(prior(), c);
        assert!(replace.is_empty(), "{replace:?}");
        assert_eq!(planned.retain_on_destroy, Value::Value(false));
        let mut c = config();
        c.metadata = Value::Value(BTreeMap::from([(
            "run".to_owned(),
            Value::Value("1".to_owned()),
        )]));
        assert!(plan(prior(), c).1[0].contains("metadata"));
    }

    #[test]
    fn each_bad_value_is_reported_on_its_attribute() {
        let mut c = config();
        c.table_name = Value::Value("x".into());
        c.service = Value::Value("shop:eu".into());
        c.environment = Value::Value("".into());
        c.version = Value::Value("v 1".into());
        c.deployer = Value::Value(" ".into());
        c.release_url = Value::Value("https://github.com/acme/shop".into());
        c.commit = Value::Value("XYZ".into());
        c.metadata = Value::Value(BTreeMap::from([(
            String::new(),
            Value::Value("x".to_owned()),
        )]));
        let mut diags = Diagnostics::default();
        c.check(&mut diags);
        let attrs: Vec<String> = diags
            .errors
            .iter()
            .map(|d| format!("{:?}", d.attribute))
            .collect();
        assert_eq!(attrs.len(), 8, "{attrs:?}");
        for a in [
            "table_name",
            "service",
            "environment",
            "version",
            "deployer",
            "release_url",
            "commit",
            "metadata",
        ] {
            assert!(
                attrs.iter().any(|x| x.contains(a)),
                "{a} missing in {attrs:?}"
            );
        }
    }

    #[test]
    fn import_ids() {
        let (table, stream, id) =
            parse_import_id("hist:shop:prod:01JH8Z3V6Q4M2N7P9R5S1T0W8X").unwrap();
        assert_eq!(
            (
                table.as_str(),
                stream.service.as_str(),
                stream.environment.as_str(),
                id.as_str()
            ),
            ("hist", "shop", "prod", "01JH8Z3V6Q4M2N7P9R5S1T0W8X")
        );
        assert_eq!(
            import_id(&table, &stream, &id),
            "hist:shop:prod:01JH8Z3V6Q4M2N7P9R5S1T0W8X"
        );
        for bad in [
            "01JH8Z3V6Q4M2N7P9R5S1T0W8X",
            "hist:shop:prod",
            "hist:shop:prod:v1",
            "h:shop:prod:01JH8Z3V6Q4M2N7P9R5S1T0W8X",
            "hist:sh op:prod:01JH8Z3V6Q4M2N7P9R5S1T0W8X",
        ] {
            let e = parse_import_id(bad).unwrap_err();
            assert!(
                e.contains("table:service:environment:deploy_id"),
                "{bad}: {e}"
            );
        }
    }
}
