//! `opsdeck_caller_identity`: who the provider calls AWS as (STS GetCallerIdentity).
//! Small on purpose: it proves the provider's AWS wiring end to end.

use std::collections::HashMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, Block, Description, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{DataSource, Diagnostics};

use crate::aws::SharedAws;
use crate::error::Error;
use crate::schema::computed;

#[derive(Serialize, Deserialize, Debug, Default, Clone)]
pub struct CallerIdentityState {
    pub id: Value<String>,
    pub account_id: Value<String>,
    pub arn: Value<String>,
    pub user_id: Value<String>,
}

pub struct CallerIdentityDataSource {
    aws: SharedAws,
}

impl CallerIdentityDataSource {
    pub fn new(aws: SharedAws) -> Self {
        Self { aws }
    }

    async fn fetch(&self) -> Result<CallerIdentityState, Error> {
        let out = self
            .aws
            .get()?
            .sts()
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| Error::aws("sts", "GetCallerIdentity", e))?;
        let account = out.account().unwrap_or_default().to_owned();
        Ok(CallerIdentityState {
            id: Value::Value(account.clone()),
            account_id: Value::Value(account),
            arn: Value::Value(out.arn().unwrap_or_default().to_owned()),
            user_id: Value::Value(out.user_id().unwrap_or_default().to_owned()),
        })
    }
}

#[async_trait]
impl DataSource for CallerIdentityDataSource {
    type State<'a> = CallerIdentityState;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: Block {
                description: Description::markdown(
                    "The AWS identity the opsdeck provider uses (STS `GetCallerIdentity`).",
                ),
                attributes: HashMap::from([
                    (
                        "id".to_owned(),
                        computed(AttributeType::String, "The account id."),
                    ),
                    (
                        "account_id".to_owned(),
                        computed(AttributeType::String, "12-digit AWS account id."),
                    ),
                    (
                        "arn".to_owned(),
                        computed(AttributeType::String, "ARN of the calling identity."),
                    ),
                    (
                        "user_id".to_owned(),
                        computed(AttributeType::String, "Unique id of the calling identity."),
                    ),
                ]),
                ..Default::default()
            },
        })
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        _config: Self::State<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        match self.fetch().await {
            Ok(state) => Some(state),
            Err(e) => {
                crate::resources::common::report(diags, "Cannot read the caller identity", e);
                None
            }
        }
    }
}
