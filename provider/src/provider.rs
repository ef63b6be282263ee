//! The `opsdeck` provider: its block, its validation and its configuration.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, Block, Description, NestedBlock, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, DynamicDataSource, DynamicResource, Provider};

use crate::aws::{
    profile_exists, AssumeRole, AwsContext, AwsSettings, SharedAws, Timeouts, ENDPOINT_SERVICES,
};
use crate::data_sources::caller_identity::CallerIdentityDataSource;
use crate::data_sources::deploy_history::DeployHistoryDataSource;
use crate::error::Code;
use crate::resources::alarm_set::AlarmSetResource;
use crate::resources::common::Managed;
use crate::resources::cost_budget::CostBudgetResource;
use crate::resources::deploy_record::DeployRecordResource;
use crate::resources::slack_alarm_topic::SlackAlarmTopicResource;
use crate::schema::{optional, required, string_map};
use crate::validate;
use crate::Number;

/// The provider block as Terraform sends it.
#[derive(Serialize, Deserialize, Debug, Default, Clone)]
pub struct ProviderConfig {
    pub region: Value<String>,
    pub profile: Value<String>,
    pub max_retries: Value<Number>,
    pub default_tags: Value<BTreeMap<String, Value<String>>>,
    #[serde(with = "crate::value_ext::optional_block")]
    pub assume_role: Value<AssumeRoleBlock>,
    #[serde(with = "crate::value_ext::optional_block")]
    pub endpoints: Value<BTreeMap<String, Value<String>>>,
    pub skip_region_validation: Value<bool>,
    #[serde(with = "crate::value_ext::optional_block")]
    pub timeouts: Value<TimeoutsBlock>,
}

/// `timeouts { }` of the provider block, in seconds.
#[derive(Serialize, Deserialize, Debug, Default, Clone)]
pub struct TimeoutsBlock {
    pub connect_seconds: Value<Number>,
    pub attempt_seconds: Value<Number>,
    pub operation_seconds: Value<Number>,
    pub read_after_write_seconds: Value<Number>,
}

/// (attribute, default, minimum, maximum) of each timeout, in seconds.
const TIMEOUT_LIMITS: &[(&str, u64, u64, u64)] = &[
    ("connect_seconds", 10, 1, 300),
    ("attempt_seconds", 30, 1, 3600),
    ("operation_seconds", 120, 1, 7200),
    ("read_after_write_seconds", 60, 0, 3600),
];

impl TimeoutsBlock {
    fn values(&self) -> [(&'static str, &Value<Number>); 4] {
        [
            ("connect_seconds", &self.connect_seconds),
            ("attempt_seconds", &self.attempt_seconds),
            ("operation_seconds", &self.operation_seconds),
            ("read_after_write_seconds", &self.read_after_write_seconds),
        ]
    }
}

#[derive(Serialize, Deserialize, Debug, Default, Clone)]
pub struct AssumeRoleBlock {
    pub role_arn: Value<String>,
    pub session_name: Value<String>,
    pub external_id: Value<String>,
}

impl ProviderConfig {
    /// Checks every known value and reports each problem on its attribute. Unknown
    /// values (computed from resources not yet created) are checked at configure time.
    pub fn check(&self, diags: &mut Diagnostics) {
        let mut fail = |path: AttributePath, summary: &'static str, detail: String| {
            diags.error(Code::InvalidConfiguration.tag(summary), detail, path);
        };
        if let Value::Value(region) = &self.region {
            // An unknown skip_region_validation is checked at configure time.
            let skip = !matches!(
                self.skip_region_validation,
                Value::Value(false) | Value::Null
            );
            if let Err(e) = validate::known_region(region, skip) {
                fail(AttributePath::new("region"), "Invalid region", e);
            }
        }
        if let Value::Value(profile) = &self.profile {
            if profile.trim().is_empty() || profile.trim() != profile {
                fail(
                    AttributePath::new("profile"),
                    "Invalid profile",
                    format!("{profile:?} is not a profile name: give the name of a profile of ~/.aws/config or ~/.aws/credentials, without spaces around it, or remove `profile`."),
                );
            }
        }
        if let Value::Value(timeouts) = &self.timeouts {
            for ((name, value), (_, _, min, max)) in
                timeouts.values().into_iter().zip(TIMEOUT_LIMITS)
            {
                if let Value::Value(n) = value {
                    let ok = n
                        .as_i64()
                        .is_some_and(|n| (*min as i64..=*max as i64).contains(&n));
                    if !ok {
                        fail(
                            AttributePath::new("timeouts").index(0).attribute(name),
                            "Invalid timeout",
                            format!("timeouts.{name} is {n}; use a whole number of seconds from {min} to {max}."),
                        );
                    }
                }
            }
        }
        if let Value::Value(retries) = self.max_retries {
            if !retries.as_i64().is_some_and(|n| (0..=100).contains(&n)) {
                fail(
                    AttributePath::new("max_retries"),
                    "Invalid max_retries",
                    format!("max_retries is {retries}; use a whole number from 0 to 100 (0 disables retries)."),
                );
            }
        }
        if let Value::Value(tags) = &self.default_tags {
            let known: BTreeMap<String, String> = tags
                .iter()
                .filter_map(|(k, v)| v.as_ref_option().map(|v| (k.clone(), v.clone())))
                .collect();
            for (key, problem) in validate::tags(&known) {
                fail(
                    AttributePath::new("default_tags").key(key),
                    "Invalid default tag",
                    problem,
                );
            }
        }
        if let Value::Value(role) = &self.assume_role {
            let path = || AttributePath::new("assume_role").index(0);
            if let Value::Value(arn) = &role.role_arn {
                if let Err(e) = validate::role_arn(arn) {
                    fail(path().attribute("role_arn"), "Invalid role_arn", e);
                }
            }
            if let Value::Value(name) = &role.session_name {
                if let Err(e) = validate::session_name(name) {
                    fail(path().attribute("session_name"), "Invalid session_name", e);
                }
            }
            if let Value::Value(id) = &role.external_id {
                if let Err(e) = validate::external_id(id) {
                    fail(path().attribute("external_id"), "Invalid external_id", e);
                }
            }
        }
        if let Value::Value(endpoints) = &self.endpoints {
            for (service, url) in endpoints {
                if let Value::Value(url) = url {
                    if let Err(e) = validate::endpoint_url(url) {
                        fail(
                            AttributePath::new("endpoints")
                                .index(0)
                                .attribute(service.clone()),
                            "Invalid endpoint URL",
                            e,
                        );
                    }
                }
            }
        }
    }

    /// The validated settings, or an error on each attribute still unknown.
    pub fn settings(&self, diags: &mut Diagnostics) -> Option<AwsSettings> {
        let mut unknown = Vec::new();
        let mut known = |name: &'static str, v: &Value<String>| match v {
            Value::Value(s) => Some(s.clone()),
            Value::Null => None,
            Value::Unknown => {
                unknown.push(name);
                None
            }
        };
        let region = known("region", &self.region);
        let profile = known("profile", &self.profile);
        let assume_role = match &self.assume_role {
            Value::Value(block) => {
                known("assume_role.role_arn", &block.role_arn).map(|role_arn| AssumeRole {
                    role_arn,
                    session_name: known("assume_role.session_name", &block.session_name),
                    external_id: known("assume_role.external_id", &block.external_id),
                })
            }
            _ => None,
        };
        let endpoints = self
            .endpoints
            .as_ref_option()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| known("endpoints", v).map(|v| (k.clone(), v)))
                    .collect()
            })
            .unwrap_or_default();
        let default_tags = self
            .default_tags
            .as_ref_option()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| known("default_tags", v).map(|v| (k.clone(), v)))
                    .collect()
            })
            .unwrap_or_default();
        if self.max_retries.is_unknown() {
            unknown.push("max_retries");
        }
        if self.skip_region_validation.is_unknown() {
            unknown.push("skip_region_validation");
        }
        let mut timeouts = Timeouts::default();
        match &self.timeouts {
            Value::Value(block) => {
                for ((name, value), (_, default, min, max)) in
                    block.values().into_iter().zip(TIMEOUT_LIMITS)
                {
                    let seconds = match value {
                        Value::Value(n) => n
                            .as_i64()
                            .map_or(*default, |n| (n.max(0) as u64).clamp(*min, *max)),
                        Value::Null => *default,
                        Value::Unknown => {
                            unknown.push("timeouts");
                            *default
                        }
                    };
                    let d = std::time::Duration::from_secs(seconds);
                    match name {
                        "connect_seconds" => timeouts.connect = d,
                        "attempt_seconds" => timeouts.attempt = d,
                        "operation_seconds" => timeouts.operation = d,
                        _ => timeouts.read_after_write = d,
                    }
                }
            }
            Value::Unknown => unknown.push("timeouts"),
            Value::Null => {}
        }
        for name in unknown {
            diags.root_error(
                Code::InvalidConfiguration.tag("Provider configuration is not known yet"),
                format!("`{name}` depends on a value known only after apply; the opsdeck provider needs it at plan time. Use a literal, a variable or a data source."),
            );
        }
        if diags.errors.is_empty() {
            Some(AwsSettings {
                region,
                profile,
                assume_role,
                endpoints,
                max_retries: self
                    .max_retries
                    .as_ref_option()
                    .and_then(|n| n.as_i64())
                    .map(|n| n.clamp(0, 100) as u32),
                default_tags,
                skip_region_validation: self.skip_region_validation.as_ref_option() == Some(&true),
                timeouts,
            })
        } else {
            None
        }
    }
}

/// The provider. Holds the shared AWS handle that its resources read.
#[derive(Default, Clone)]
pub struct OpsdeckProvider {
    aws: SharedAws,
}

impl OpsdeckProvider {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Provider for OpsdeckProvider {
    type Config<'a> = ProviderConfig;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        let endpoint_attrs = ENDPOINT_SERVICES
            .iter()
            .map(|s| {
                (
                    (*s).to_owned(),
                    optional(
                        AttributeType::String,
                        &format!("Endpoint URL for {s} (for example a local emulator)."),
                    ),
                )
            })
            .collect();
        let assume_role = Block {
            description: Description::markdown(
                "Assume this IAM role for every call of the provider.",
            ),
            attributes: HashMap::from([
                (
                    "role_arn".to_owned(),
                    required(AttributeType::String, "ARN of the role to assume."),
                ),
                (
                    "session_name".to_owned(),
                    optional(
                        AttributeType::String,
                        "Session name (default `opsdeck-terraform`).",
                    ),
                ),
                (
                    "external_id".to_owned(),
                    optional(
                        AttributeType::String,
                        "External id the role's trust policy requires.",
                    ),
                ),
            ]),
            ..Default::default()
        };
        let timeouts = Block {
            description: Description::markdown("How long the provider waits for AWS. Every AWS call has these deadlines, so a stalled connection fails (and is retried) instead of hanging `apply`."),
            attributes: HashMap::from([
                ("connect_seconds".to_owned(), optional(AttributeType::Number, "Opening a connection (default 10).")),
                ("attempt_seconds".to_owned(), optional(AttributeType::Number, "One attempt of a call; a slower attempt fails and is retried (default 30).")),
                ("operation_seconds".to_owned(), optional(AttributeType::Number, "One call with all its retries (default 120).")),
                ("read_after_write_seconds".to_owned(), optional(AttributeType::Number, "How long an object just written may take to become visible to reads, as AWS is eventually consistent (default 60).")),
            ]),
            ..Default::default()
        };
        let endpoints = Block {
            description: Description::markdown("Per-service endpoint overrides. `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` work too."),
            attributes: endpoint_attrs,
            ..Default::default()
        };
        Some(Schema {
            version: 1,
            block: Block {
                description: Description::markdown(
                    "The opsdeck provider: composite alarm sets, Slack alarm topics, deploy history and budgets on AWS.",
                ),
                attributes: HashMap::from([
                    ("region".to_owned(), optional(AttributeType::String, "AWS region. Default: the standard chain (`AWS_REGION`, profile).")),
                    ("profile".to_owned(), optional(AttributeType::String, "Named profile of the shared config files.")),
                    ("max_retries".to_owned(), optional(AttributeType::Number, "Retries of a failed or throttled call, with exponential backoff and jitter (0–100, default 2).")),
                    ("skip_region_validation".to_owned(), optional(AttributeType::Bool, "Accept a `region` (provider and resources) that this release does not know, for regions newer than it. Default false: an unknown region is refused at plan time.")),
                    ("default_tags".to_owned(), optional(string_map(), "Tags added to every taggable object; a resource's own tags win.")),
                ]),
                blocks: HashMap::from([
                    ("assume_role".to_owned(), NestedBlock::Optional(assume_role)),
                    ("endpoints".to_owned(), NestedBlock::Optional(endpoints)),
                    ("timeouts".to_owned(), NestedBlock::Optional(timeouts)),
                ]),
                ..Default::default()
            },
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        config.check(diags);
        diags.errors.is_empty().then_some(())
    }

    async fn configure<'a>(
        &self,
        diags: &mut Diagnostics,
        terraform_version: String,
        config: Self::Config<'a>,
    ) -> Option<()> {
        config.check(diags);
        let settings = config.settings(diags)?;
        if let Some(profile) = &settings.profile {
            match profile_exists(profile).await {
                Ok(true) => {}
                Ok(false) => {
                    diags.error(
                        Code::InvalidConfiguration.tag("Profile not found"),
                        format!("there is no profile {profile:?} in the shared AWS config files (AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and ~/.aws/credentials). Create it (`aws configure --profile {profile}`), fix the name, or remove `profile` to use the environment's credentials."),
                        AttributePath::new("profile"),
                    );
                    return None;
                }
                Err(e) => {
                    diags.error(
                        Code::InvalidConfiguration.tag("Cannot read the AWS config files"),
                        format!("{e}. Fix the file, or remove `profile`."),
                        AttributePath::new("profile"),
                    );
                    return None;
                }
            }
        }
        match AwsContext::load(&settings).await {
            Ok(context) => {
                // The region may come from the environment or the profile: check it too.
                if let Some(region) = context.region() {
                    if let Err(e) = validate::known_region(region, settings.skip_region_validation)
                    {
                        diags.error(
                            Code::InvalidConfiguration.tag("Invalid region"),
                            format!("the region in effect (from `region`, AWS_REGION or the profile) is not usable: {e}"),
                            AttributePath::new("region"),
                        );
                        return None;
                    }
                }
                tracing::debug!(
                    terraform_version,
                    region = context.region(),
                    "provider configured"
                );
                self.aws.set(context);
                Some(())
            }
            Err(e) => {
                let path = if settings.region.is_none() {
                    AttributePath::new("region")
                } else {
                    AttributePath::root()
                };
                diags.error(
                    e.code().tag("Cannot configure AWS access"),
                    e.to_string(),
                    path,
                );
                None
            }
        }
    }

    fn stop(&self) {
        tracing::info!("Terraform asked the provider to stop: stopping the work in flight");
        self.aws.stop();
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        let mut resources: HashMap<String, Box<dyn DynamicResource>> = HashMap::new();
        resources.insert(
            "alarm_set".to_owned(),
            Box::new(Managed::new(AlarmSetResource::new(self.aws.clone()))),
        );
        resources.insert(
            "cost_budget".to_owned(),
            Box::new(Managed::new(CostBudgetResource::new(self.aws.clone()))),
        );
        resources.insert(
            "deploy_record".to_owned(),
            Box::new(Managed::new(DeployRecordResource::new(self.aws.clone()))),
        );
        resources.insert(
            "slack_alarm_topic".to_owned(),
            Box::new(Managed::new(SlackAlarmTopicResource::new(self.aws.clone()))),
        );
        Some(resources)
    }

    fn get_data_sources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        let mut data_sources: HashMap<String, Box<dyn DynamicDataSource>> = HashMap::new();
        data_sources.insert(
            "caller_identity".to_owned(),
            Box::new(CallerIdentityDataSource::new(self.aws.clone())),
        );
        data_sources.insert(
            "deploy_history".to_owned(),
            Box::new(DeployHistoryDataSource::new(self.aws.clone())),
        );
        Some(data_sources)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_of(config: &ProviderConfig) -> Vec<(String, String)> {
        let mut diags = Diagnostics::default();
        config.check(&mut diags);
        diags
            .errors
            .iter()
            .map(|d| (format!("{:?}", d.attribute), d.detail.to_string()))
            .collect()
    }

    #[test]
    fn each_bad_value_is_reported_on_its_attribute() {
        let config = ProviderConfig {
            region: Value::Value("tokyo".into()),
            max_retries: Value::Value(Number::from(-1)),
            assume_role: Value::Value(AssumeRoleBlock {
                role_arn: Value::Value("deployer".into()),
                ..Default::default()
            }),
            endpoints: Value::Value(BTreeMap::from([(
                "sts".to_owned(),
                Value::Value("localhost:4566".to_owned()),
            )])),
            ..Default::default()
        };
        let errors = errors_of(&config);
        assert_eq!(errors.len(), 4, "{errors:?}");
        let joined = format!("{errors:?}");
        for needle in ["region", "max_retries", "role_arn", "sts"] {
            assert!(joined.contains(needle), "{needle} missing in {joined}");
        }
    }

    #[test]
    fn good_and_unknown_values_pass_validation() {
        let config = ProviderConfig {
            region: Value::Value("ap-northeast-1".into()),
            max_retries: Value::Unknown,
            profile: Value::Unknown,
            ..Default::default()
        };
        assert!(errors_of(&config).is_empty());
        let mut diags = Diagnostics::default();
        assert!(
            config.settings(&mut diags).is_none(),
            "unknown values cannot configure"
        );
        assert!(diags.errors[0].detail.contains("known only after apply"));
    }

    #[test]
    fn schema_lists_an_endpoint_per_service() {
        let schema = OpsdeckProvider::new()
            .schema(&mut Diagnostics::default())
            .unwrap();
        let Some(NestedBlock::Optional(block)) = schema.block.blocks.get("endpoints") else {
            panic!("no endpoints block");
        };
        for s in ENDPOINT_SERVICES {
            assert!(block.attributes.contains_key(*s), "{s}");
        }
    }
}
