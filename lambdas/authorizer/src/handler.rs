//! One TOKEN authorizer event in, an IAM policy (or "Unauthorized") out.
//!
//! API Gateway caches the answer for the token for `result_ttl_in_seconds` and applies it
//! to every route of the API, so an allow covers `<api-id>/<stage>/*/*`, not only the
//! method that was called first.

use std::time::Instant;

use jsonwebtoken::Validation;
use lambda_runtime::Diagnostic;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::Config;
use crate::secret::{KeyCache, KeySource, SecretError};
use crate::verify::{bearer_token, validation, verify, Caller, Rejection};

/// The TOKEN authorizer event (API Gateway REST).
#[derive(Clone, Debug, Deserialize)]
pub struct TokenEvent {
    #[serde(rename = "authorizationToken")]
    pub authorization_token: Option<String>,
    #[serde(rename = "methodArn")]
    pub method_arn: String,
}

// The token is the one field that must never be printed.
impl TokenEvent {
    pub fn parse(value: &Value) -> Result<Self, AuthorizerError> {
        Self::deserialize(value).map_err(|_| {
            AuthorizerError::BadEvent(
                "the event is not an API Gateway TOKEN authorizer event (methodArn missing)".into(),
            )
        })
    }
}

/// Why no policy was returned.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizerError {
    /// Any refused token: API Gateway answers 401 only for exactly this message.
    #[error("Unauthorized")]
    Unauthorized(Rejection),
    /// The key could not be read: API Gateway answers 500 (the caller may retry).
    #[error("{0}")]
    Secret(#[from] SecretError),
    #[error("{0}")]
    BadEvent(String),
}

impl From<AuthorizerError> for Diagnostic {
    fn from(e: AuthorizerError) -> Self {
        match e {
            AuthorizerError::Unauthorized(_) => Diagnostic {
                error_type: "Unauthorized".into(),
                error_message: "Unauthorized".into(),
            },
            // The details are in the function's log; the caller learns nothing about the key.
            AuthorizerError::Secret(_) => Diagnostic {
                error_type: "SigningKeyUnavailable".into(),
                error_message: "the authorizer cannot read its signing key; see its log".into(),
            },
            AuthorizerError::BadEvent(message) => Diagnostic {
                error_type: "BadEvent".into(),
                error_message: message,
            },
        }
    }
}

/// `arn:<partition>:execute-api:<region>:<account>:<api-id>/<stage>/*/*` from a method ARN
/// (`.../<api-id>/<stage>/<METHOD>/<resource path>`).
pub fn api_wide_resource(method_arn: &str) -> Option<String> {
    let parts: Vec<&str> = method_arn.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts.as_slice() else {
        return None;
    };
    let mut path = resource.split('/');
    let (api_id, stage) = (path.next()?, path.next()?);
    let ok = *arn == "arn"
        && *service == "execute-api"
        && !region.is_empty()
        && !account.is_empty()
        && !api_id.is_empty()
        && !stage.is_empty();
    ok.then(|| format!("arn:{partition}:execute-api:{region}:{account}:{api_id}/{stage}/*/*"))
}

/// The allow answer for `caller`.
pub fn allow(caller: &Caller, resource: &str) -> Value {
    json!({
        "principalId": caller.sub,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{
                "Action": "execute-api:Invoke",
                "Effect": "Allow",
                "Resource": resource,
            }]
        },
        "context": { "sub": caller.sub },
    })
}

pub struct Authorizer<S> {
    keys: KeyCache<S>,
    rules: Validation,
}

impl<S: KeySource> Authorizer<S> {
    pub fn new(config: &Config, source: S) -> Self {
        Self {
            keys: KeyCache::new(source, config.secret_ttl),
            rules: validation(config),
        }
    }

    /// The answer to one event. Logs the outcome (the reason of a refusal, the service and
    /// operation of a failure), never the token or the key.
    pub async fn handle(&self, event: &Value) -> Result<Value, AuthorizerError> {
        let result = self.decide(event).await;
        match &result {
            Ok(_) => tracing::debug!(outcome = "allow", "token accepted"),
            Err(AuthorizerError::Unauthorized(reason)) => {
                tracing::info!(outcome = "deny", reason = %reason, "token refused")
            }
            Err(e @ AuthorizerError::Secret(_)) => {
                tracing::error!(outcome = "error", service = "secretsmanager", operation = "GetSecretValue", error = %e, "cannot read the signing key")
            }
            Err(e @ AuthorizerError::BadEvent(_)) => {
                tracing::error!(outcome = "error", error = %e, "unexpected event")
            }
        }
        result
    }

    async fn decide(&self, event: &Value) -> Result<Value, AuthorizerError> {
        let event = TokenEvent::parse(event)?;
        let resource = api_wide_resource(&event.method_arn).ok_or_else(|| {
            AuthorizerError::BadEvent(
                "methodArn is not an execute-api method ARN (arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<method>/<path>)".into(),
            )
        })?;
        let token = bearer_token(event.authorization_token.as_deref())
            .map_err(AuthorizerError::Unauthorized)?;
        let key = self.keys.key(Instant::now()).await?;
        let caller = match verify(token, &key.key, &self.rules) {
            Err(Rejection::BadSignature) => {
                // Perhaps signed with a key rotated in since the cache read it.
                match self.keys.newer_key(&key, Instant::now()).await {
                    Ok(Some(newer)) => verify(token, &newer.key, &self.rules),
                    Ok(None) => Err(Rejection::BadSignature),
                    Err(e) => {
                        // The cached key still works for everyone else: refuse this token,
                        // and say why the early read failed.
                        tracing::warn!(service = "secretsmanager", operation = "GetSecretValue", error = %e, "early read of the signing key after a signature failure failed");
                        Err(Rejection::BadSignature)
                    }
                }
            }
            other => other,
        }
        .map_err(AuthorizerError::Unauthorized)?;
        Ok(allow(&caller, &resource))
    }
}
