//! AWS access of the CLI: the standard chain (environment, profile, SSO, web identity
//! as GitHub's OIDC gives it; `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` for an
//! emulator), with a timeout on every call and a bounded retry.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_types::SdkConfig;
use opsdeck_provider::deploy_history::actor;

use crate::error::{CliError, ErrorCode};

/// One attempt of one call, connect to last byte.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
/// A call with its retries.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Region and profile from flags; the rest from the environment.
#[derive(Clone, Debug, Default)]
pub struct AwsArgs {
    pub region: Option<String>,
    pub profile: Option<String>,
}

/// Loaded AWS configuration and the clients the commands need.
#[derive(Clone, Debug)]
pub struct Aws {
    config: SdkConfig,
    /// An endpoint override is set (an emulator): S3 then needs path-style addressing.
    custom_endpoint: bool,
}

impl Aws {
    pub async fn load(args: &AwsArgs) -> Result<Self, CliError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                    .operation_timeout(OPERATION_TIMEOUT)
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(3));
        if let Some(region) = &args.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &args.profile {
            loader = loader.profile_name(profile);
        }
        let config = loader.load().await;
        if config.region().is_none() {
            return Err(CliError::usage(
                "no AWS region is set: pass --region or set AWS_REGION",
            ));
        }
        let custom_endpoint =
            config.endpoint_url().is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
        Ok(Self {
            config,
            custom_endpoint,
        })
    }

    pub fn region(&self) -> &str {
        self.config.region().map(Region::as_ref).unwrap_or_default()
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.config)
    }

    pub fn rds(&self) -> aws_sdk_rds::Client {
        aws_sdk_rds::Client::new(&self.config)
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.config)
            .force_path_style(self.custom_endpoint)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    pub fn secretsmanager(&self) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::new(&self.config)
    }

    /// CloudWatch in `region` (an alarm set's own region) or the default one.
    pub fn cloudwatch(&self, region: Option<&str>) -> aws_sdk_cloudwatch::Client {
        let mut conf = aws_sdk_cloudwatch::config::Builder::from(&self.config);
        if let Some(region) = region.filter(|r| !r.is_empty()) {
            conf = conf.region(Region::new(region.to_owned()));
        }
        aws_sdk_cloudwatch::Client::from_conf(conf.build())
    }

    /// Who acts: the CI actor (GITHUB_ACTOR), else the caller's ARN.
    pub async fn actor(&self) -> Result<String, CliError> {
        if let Some(a) = actor::ci_actor(|name| std::env::var(name).ok()) {
            return Ok(a);
        }
        let out = aws_sdk_sts::Client::new(&self.config)
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| {
                CliError::new(
                    ErrorCode::Aws,
                    opsdeck_provider::Error::aws("sts", "GetCallerIdentity", e).to_string(),
                )
                .hint("pass --by / --deployer, or set GITHUB_ACTOR")
            })?;
        out.arn()
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| {
                CliError::aws("STS GetCallerIdentity returned no ARN; pass the actor explicitly")
            })
    }
}

/// An SDK error as a sentence: "<service> <operation> failed: <code>: <message>" for an
/// answer from AWS, or what went wrong on the way (no answer in time, endpoint not
/// reachable). The SDK's debug form goes to the `debug` log only, never to the user.
pub fn sdk_error<E, R>(
    service: &'static str,
    operation: &'static str,
    err: aws_sdk_s3::error::SdkError<E, R>,
) -> String
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    use aws_sdk_s3::error::SdkError;
    tracing::debug!(service, operation, error = ?err, "AWS call failed");
    match &err {
        SdkError::TimeoutError(_) => format!(
            "{service} {operation} failed: no answer within {}s; check the network path to AWS and run the command again",
            OPERATION_TIMEOUT.as_secs()
        ),
        SdkError::DispatchFailure(d) if d.is_timeout() => format!(
            "{service} {operation} failed: no answer within {}s for one attempt ({}); check the network path to AWS and run the command again",
            ATTEMPT_TIMEOUT.as_secs(),
            root_cause(&err)
        ),
        SdkError::DispatchFailure(_) => format!(
            "{service} {operation} failed: the endpoint could not be reached ({}); check AWS_ENDPOINT_URL, the proxy and the network, then run the command again",
            root_cause(&err)
        ),
        SdkError::ServiceError(e) => {
            let inner = e.err();
            let code = inner.code().unwrap_or("UnknownError");
            let message = inner.message().unwrap_or("no message");
            format!("{service} {operation} failed: {code}: {message}")
        }
        _ => format!("{service} {operation} failed: {}", root_cause(&err)),
    }
}

/// The innermost non-empty message of an error's source chain ("Connection refused (os
/// error 111)"), without the SDK's layers of wrapping.
pub(crate) fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    let mut text = current.to_string();
    while let Some(next) = current.source() {
        let t = next.to_string();
        if !t.is_empty() {
            text = t;
        }
        current = next;
    }
    text
}
