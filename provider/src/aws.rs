//! The AWS SDK configuration shared by every resource of one provider instance.
//!
//! Terraform asks for the resource list before it configures the provider, so each
//! resource holds a [`SharedAws`] handle that `ConfigureProvider` fills once.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_types::SdkConfig;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};

/// Retries of a failed or throttled call when the provider block sets none.
pub const DEFAULT_MAX_RETRIES: u32 = 2;

/// Services the provider calls, each with an `endpoints { <name> = url }` override.
/// Names follow the AWS SDK service identifiers (the same keys hashicorp/aws uses).
pub const ENDPOINT_SERVICES: &[&str] = &[
    "budgets",
    "cloudwatch",
    "dynamodb",
    "iam",
    "kms",
    "lambda",
    "resourcegroupstaggingapi",
    "secretsmanager",
    "sns",
    "sts",
];

/// What the provider block says about AWS access, already validated.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AwsSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub assume_role: Option<AssumeRole>,
    pub endpoints: BTreeMap<String, String>,
    pub max_retries: Option<u32>,
    pub default_tags: BTreeMap<String, String>,
    pub skip_region_validation: bool,
    pub timeouts: Timeouts,
}

/// How long the provider waits for AWS (the provider block's `timeouts`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Opening a connection.
    pub connect: Duration,
    /// One attempt of a call: a stalled read fails after this, and is retried.
    pub attempt: Duration,
    /// One call with all its retries.
    pub operation: Duration,
    /// How long an object just written may take to become visible to reads.
    pub read_after_write: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            attempt: Duration::from_secs(30),
            operation: Duration::from_secs(120),
            read_after_write: Duration::from_secs(60),
        }
    }
}

/// Regions the provider knows (as hashicorp/aws 5.100 does): a region outside the list is
/// refused on `region` unless `skip_region_validation = true` (for regions newer than
/// this release).
pub const KNOWN_REGIONS: &[&str] = &[
    // aws
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    // aws-cn
    "cn-north-1",
    "cn-northwest-1",
    // aws-us-gov
    "us-gov-east-1",
    "us-gov-west-1",
    // aws-iso, aws-iso-b, aws-iso-e, aws-iso-f
    "us-iso-east-1",
    "us-iso-west-1",
    "us-isob-east-1",
    "eu-isoe-west-1",
    "us-isof-east-1",
    "us-isof-south-1",
];

/// Whether a named profile exists in the shared config or credentials files (the files
/// `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` point at, else `~/.aws/`).
pub async fn profile_exists(name: &str) -> std::result::Result<bool, String> {
    let fs = aws_types::os_shim_internal::Fs::real();
    let env = aws_types::os_shim_internal::Env::real();
    // The alias is deprecated in favour of aws-runtime's type, which `load` takes anyway;
    // the alias spares a direct dependency on aws-runtime.
    #[allow(deprecated)]
    let files = aws_config::profile::profile_file::ProfileFiles::default();
    match aws_config::profile::load(&fs, &env, &files, None).await {
        Ok(set) => Ok(set.get_profile(name).is_some()),
        Err(e) => Err(format!("cannot read the shared AWS config files: {e}")),
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
}

/// A client of one service: the shared SDK config, the service's endpoint override and
/// an optional region override. Overrides go on the *service* config builder: values
/// set on a copied `SdkConfig` rank below `AWS_ENDPOINT_URL` from the environment.
macro_rules! service_client {
    ($sdk:ident, $service:literal, $ctx:expr, $region:expr) => {{
        let mut builder = $sdk::config::Builder::from(&$ctx.sdk_config);
        if let Some(url) = $ctx.endpoint($service) {
            builder = builder.endpoint_url(url);
        }
        let region: Option<&str> = $region;
        if let Some(region) = region {
            builder = builder.region(Region::new(region.to_owned()));
        }
        $sdk::Client::from_conf(builder.build())
    }};
}

/// One configured AWS access: SDK config, endpoint overrides, default tags, how long to
/// wait for AWS, and the signal that Terraform asked the provider to stop.
#[derive(Clone, Debug)]
pub struct AwsContext {
    sdk_config: SdkConfig,
    endpoints: BTreeMap<String, String>,
    default_tags: BTreeMap<String, String>,
    timeouts: Timeouts,
    skip_region_validation: bool,
    cancel: CancellationToken,
}

impl AwsContext {
    /// Builds the SDK config through the standard chain (environment, profile, SSO,
    /// web identity, IMDS; `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>`), then
    /// applies the provider block on top.
    pub async fn load(settings: &AwsSettings) -> Result<Self> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = &settings.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &settings.profile {
            loader = loader.profile_name(profile);
        }
        let sdk_config = loader.load().await;
        Self::from_sdk_config(sdk_config, settings).await
    }

    /// The context for an SDK config built elsewhere (the CLI's, a test's with its own
    /// credentials), with the provider block's settings on top.
    pub async fn from_sdk_config(sdk_config: SdkConfig, settings: &AwsSettings) -> Result<Self> {
        let t = settings.timeouts;
        // Standard mode: exponential backoff with full jitter, throttling aware. Every
        // attempt and every whole call (retries included) has a deadline, so a stalled
        // connection cannot hang `apply`.
        let max_retries = settings.max_retries.unwrap_or(DEFAULT_MAX_RETRIES);
        let mut sdk_config = sdk_config
            .to_builder()
            .retry_config(RetryConfig::standard().with_max_attempts(max_retries + 1))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(t.connect)
                    .operation_attempt_timeout(t.attempt)
                    .operation_timeout(t.operation)
                    .build(),
            )
            .build();
        if sdk_config.region().is_none() {
            return Err(Error::Invalid(
                "no AWS region is set: set `region` in the provider block, or AWS_REGION in the environment".into(),
            ));
        }
        if let Some(role) = &settings.assume_role {
            // The assume-role call itself goes to the STS endpoint override, if any.
            let mut sts_config = sdk_config.to_builder();
            if let Some(url) = settings.endpoints.get("sts") {
                sts_config.set_endpoint_url(Some(url.clone()));
                // Mark it as set in code, or AWS_ENDPOINT_URL from the environment wins.
                sts_config
                    .insert_origin("endpoint_url", aws_types::origin::Origin::shared_config());
            }
            let mut builder = AssumeRoleProvider::builder(role.role_arn.clone()).session_name(
                role.session_name
                    .clone()
                    .unwrap_or_else(|| "opsdeck-terraform".into()),
            );
            if let Some(external_id) = &role.external_id {
                builder = builder.external_id(external_id.clone());
            }
            let provider = builder.configure(&sts_config.build()).build().await;
            sdk_config = sdk_config
                .to_builder()
                .credentials_provider(
                    aws_credential_types::provider::SharedCredentialsProvider::new(provider),
                )
                .build();
        }
        Ok(Self {
            sdk_config,
            endpoints: settings.endpoints.clone(),
            default_tags: settings.default_tags.clone(),
            timeouts: t,
            skip_region_validation: settings.skip_region_validation,
            cancel: CancellationToken::new(),
        })
    }

    pub fn region(&self) -> Option<&str> {
        self.sdk_config.region().map(Region::as_ref)
    }

    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// The provider block's `skip_region_validation`.
    pub fn skip_region_validation(&self) -> bool {
        self.skip_region_validation
    }

    /// The SDK config every client of this context is built from.
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.sdk_config
    }

    /// The signal Terraform's StopProvider raises.
    pub fn cancellation(&self) -> &CancellationToken {
        &self.cancel
    }

    /// `Err(Cancelled)` once Terraform asked the provider to stop: long loops call it
    /// between AWS calls, where stopping leaves a state that says what was done.
    pub fn check_cancelled(&self, before: &str) -> Result<()> {
        if self.cancel.is_cancelled() {
            Err(Error::Cancelled(before.to_owned()))
        } else {
            Ok(())
        }
    }

    /// Waits `delay`, or less if Terraform asks the provider to stop.
    pub async fn pause(&self, delay: Duration, before: &str) -> Result<()> {
        tokio::select! {
            () = tokio::time::sleep(delay) => Ok(()),
            () = self.cancel.cancelled() => Err(Error::Cancelled(before.to_owned())),
        }
    }

    /// Reads what a write just made, tolerating eventual consistency: `read` answering
    /// `None` (not visible yet) is retried with backoff (0.25 s, doubling, at most 4 s a
    /// wait) for up to `timeouts.read_after_write`; then it is [`Error::NotFoundAfterWrite`].
    /// An error of `read` itself is returned at once.
    pub async fn retry_until_found<T, F, Fut>(&self, what: &str, mut read: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>>>,
    {
        let started = tokio::time::Instant::now();
        let mut wait = Duration::from_millis(250);
        loop {
            self.check_cancelled(&format!("reading back {what}"))?;
            if let Some(found) = read().await? {
                return Ok(found);
            }
            let waited = started.elapsed();
            if waited + wait > self.timeouts.read_after_write {
                return Err(Error::NotFoundAfterWrite {
                    what: what.to_owned(),
                    waited: self.timeouts.read_after_write,
                });
            }
            tracing::debug!(what, ?wait, "not visible yet after a write; reading again");
            self.pause(wait, &format!("reading back {what}")).await?;
            wait = (wait * 2).min(Duration::from_secs(4));
        }
    }

    /// The endpoint override of `service`, if the provider block sets one.
    pub fn endpoint(&self, service: &str) -> Option<&str> {
        debug_assert!(
            ENDPOINT_SERVICES.contains(&service),
            "unknown service {service}"
        );
        self.endpoints.get(service).map(String::as_str)
    }

    pub fn sts(&self) -> aws_sdk_sts::Client {
        service_client!(aws_sdk_sts, "sts", self, None)
    }

    /// CloudWatch in the provider's region, or in `region` (an alarm set's own region).
    pub fn cloudwatch(&self, region: Option<&str>) -> aws_sdk_cloudwatch::Client {
        service_client!(aws_sdk_cloudwatch, "cloudwatch", self, region)
    }

    /// The Resource Groups Tagging API, which reads and writes the tags of many alarms
    /// per call; `region` must be the region of the alarms.
    pub fn tagging(&self, region: Option<&str>) -> aws_sdk_resourcegroupstagging::Client {
        service_client!(
            aws_sdk_resourcegroupstagging,
            "resourcegroupstaggingapi",
            self,
            region
        )
    }

    /// DynamoDB, for the deploy history table.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        service_client!(aws_sdk_dynamodb, "dynamodb", self, None)
    }

    /// SNS, for the Slack alarm topic.
    pub fn sns(&self) -> aws_sdk_sns::Client {
        service_client!(aws_sdk_sns, "sns", self, None)
    }

    /// SNS in another region than the provider's (a budget's topic may live anywhere).
    pub fn sns_in(&self, region: Option<&str>) -> aws_sdk_sns::Client {
        service_client!(aws_sdk_sns, "sns", self, region)
    }

    /// AWS Budgets. A global service: one endpoint per partition, signed for the
    /// partition's home region whatever the provider's region is. The SDK's endpoint
    /// rules do that for the public endpoint, but an endpoint override (a VPC endpoint,
    /// an emulator) is signed for the client's region, so the client gets it explicitly.
    pub fn budgets(&self) -> aws_sdk_budgets::Client {
        let region = budgets_signing_region(self.region().unwrap_or_default());
        service_client!(aws_sdk_budgets, "budgets", self, Some(region))
    }

    /// KMS, for the alarm topic's key and its key-policy check.
    pub fn kms(&self) -> aws_sdk_kms::Client {
        service_client!(aws_sdk_kms, "kms", self, None)
    }

    /// KMS in `region` (the key of a topic in another region).
    pub fn kms_in(&self, region: Option<&str>) -> aws_sdk_kms::Client {
        service_client!(aws_sdk_kms, "kms", self, region)
    }

    /// Secrets Manager, to check that a webhook secret exists (never to read it).
    pub fn secretsmanager(&self) -> aws_sdk_secretsmanager::Client {
        service_client!(aws_sdk_secretsmanager, "secretsmanager", self, None)
    }

    /// Lambda, for the notifier's invoke permission and configuration.
    pub fn lambda(&self) -> aws_sdk_lambda::Client {
        service_client!(aws_sdk_lambda, "lambda", self, None)
    }

    /// The provider's `default_tags` overlaid with a resource's own tags.
    pub fn merged_tags(
        &self,
        resource_tags: &BTreeMap<String, String>,
    ) -> BTreeMap<String, String> {
        let mut tags = self.default_tags.clone();
        tags.extend(resource_tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        tags
    }
}

/// Partitions other than `aws`: region prefix, partition, and the region the global
/// AWS Budgets endpoint of the partition is signed for.
const PARTITIONS: &[(&str, &str, &str)] = &[
    ("cn-", "aws-cn", "cn-northwest-1"),
    ("us-gov-", "aws-us-gov", "us-gov-west-1"),
];

fn partition_entry(region: &str) -> (&'static str, &'static str) {
    PARTITIONS
        .iter()
        .find(|(prefix, _, _)| region.starts_with(prefix))
        .map(|(_, partition, budgets)| (*partition, *budgets))
        .unwrap_or(("aws", "us-east-1"))
}

/// The partition of a region: `aws`, `aws-cn` or `aws-us-gov`.
pub fn partition_of(region: &str) -> &'static str {
    partition_entry(region).0
}

/// The region AWS Budgets requests are signed for, from the provider's region: the
/// home region of its partition (`us-east-1` for the commercial partition).
pub fn budgets_signing_region(provider_region: &str) -> &'static str {
    partition_entry(provider_region).1
}

/// A handle to the provider's [`AwsContext`], filled by `ConfigureProvider`, and the
/// provider's stop signal (StopProvider may come before or after the configuration).
#[derive(Clone, Default, Debug)]
pub struct SharedAws {
    slot: Arc<RwLock<Option<Arc<AwsContext>>>>,
    cancel: CancellationToken,
}

impl SharedAws {
    pub fn set(&self, mut context: AwsContext) {
        context.cancel = self.cancel.clone();
        let mut slot = self
            .slot
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *slot = Some(Arc::new(context));
    }

    pub fn get(&self) -> Result<Arc<AwsContext>> {
        let slot = self
            .slot
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        slot.clone().ok_or(Error::NotConfigured)
    }

    /// StopProvider: work in flight stops at its next safe point with [`Error::Cancelled`].
    pub fn stop(&self) {
        self.cancel.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> AwsSettings {
        let mut s = AwsSettings {
            region: Some("ap-northeast-1".into()),
            ..Default::default()
        };
        s.endpoints
            .insert("sts".into(), "http://127.0.0.1:1".into());
        s.default_tags.insert("Environment".into(), "prod".into());
        s.default_tags.insert("Team".into(), "platform".into());
        s
    }

    #[tokio::test]
    async fn endpoint_override_applies_to_its_service_only() {
        let ctx = AwsContext::load(&settings()).await.unwrap();
        assert_eq!(ctx.endpoint("sts"), Some("http://127.0.0.1:1"));
        assert_eq!(ctx.endpoint("sns"), None);
        assert_eq!(ctx.region(), Some("ap-northeast-1"));
        assert_eq!(
            ctx.sts().config().region().map(|r| r.as_ref()),
            Some("ap-northeast-1")
        );
    }

    #[tokio::test]
    async fn resource_tags_override_default_tags() {
        let ctx = AwsContext::load(&settings()).await.unwrap();
        let mut own = BTreeMap::new();
        own.insert("Team".to_owned(), "payments".to_owned());
        let merged = ctx.merged_tags(&own);
        assert_eq!(merged.get("Team").map(String::as_str), Some("payments"));
        assert_eq!(merged.get("Environment").map(String::as_str), Some("prod"));
    }

    #[tokio::test]
    async fn budgets_is_signed_for_us_east_1_whatever_the_provider_region() {
        let mut s = settings();
        s.endpoints
            .insert("budgets".into(), "http://127.0.0.1:1".into());
        let ctx = AwsContext::load(&s).await.unwrap();
        let budgets = ctx.budgets();
        assert_eq!(
            budgets.config().region().map(|r| r.as_ref()),
            Some("us-east-1")
        );
        assert_eq!(
            ctx.sns_in(Some("eu-west-1"))
                .config()
                .region()
                .map(|r| r.as_ref()),
            Some("eu-west-1")
        );
        assert_eq!(budgets_signing_region("cn-north-1"), "cn-northwest-1");
        assert_eq!(budgets_signing_region("us-gov-east-1"), "us-gov-west-1");
        assert_eq!(budgets_signing_region("ap-northeast-1"), "us-east-1");
        assert_eq!(partition_of("cn-north-1"), "aws-cn");
        assert_eq!(partition_of("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition_of("eu-west-1"), "aws");
    }

    #[test]
    fn unconfigured_handle_is_an_error_not_a_panic() {
        let shared = SharedAws::default();
        assert!(matches!(shared.get(), Err(Error::NotConfigured)));
    }
}
