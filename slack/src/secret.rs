//! The webhook URL, read from Secrets Manager (R1.4-e, P6: it is encrypted at rest
//! there and never sits in Terraform state or in the function's environment).
//!
//! The secret's value is either the URL itself or a JSON object with a
//! `webhook_url` key: `{"webhook_url": "https://hooks.slack.com/services/..."}`.

use std::fmt;

use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata};
use serde_json::Value;

use crate::webhook::WebhookUrl;

/// Why the webhook could not be read. Names the secret by ARN and says what to do;
/// never contains the secret's value.
#[derive(Debug)]
pub enum SecretError {
    NotFound { arn: String },
    AccessDenied { arn: String, detail: String },
    NoString { arn: String },
    Invalid { arn: String, problem: String },
    Call { arn: String, detail: String },
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretError::NotFound { arn } => write!(
                f,
                "the webhook secret {arn} does not exist (or is scheduled for deletion): create it with the Slack webhook URL as its value, or point the caller at the right secret (the notifier's WEBHOOK_SECRET_ARN, the CLI's --webhook-secret-arn)"
            ),
            SecretError::AccessDenied { arn, detail } => write!(
                f,
                "the caller may not read the webhook secret {arn}: its role needs secretsmanager:GetSecretValue on the secret and kms:Decrypt on the secret's key ({detail})"
            ),
            SecretError::NoString { arn } => write!(
                f,
                "the webhook secret {arn} has no string value: store the webhook URL, or {{\"webhook_url\": \"https://hooks.slack.com/...\"}}, as its SecretString"
            ),
            SecretError::Invalid { arn, problem } => write!(
                f,
                "the value of the webhook secret {arn} is not a usable webhook URL: {problem}. Store the https:// URL Slack gave, or {{\"webhook_url\": \"...\"}}"
            ),
            SecretError::Call { arn, detail } => write!(f, "cannot read the webhook secret {arn}: {detail}"),
        }
    }
}

impl std::error::Error for SecretError {}

/// The webhook URL from a secret's string.
pub fn webhook_from_secret_string(value: &str) -> Result<WebhookUrl, String> {
    let trimmed = value.trim();
    let url = if trimmed.starts_with('{') {
        let json: Value = serde_json::from_str(trimmed)
            .map_err(|_| "it looks like JSON but does not parse".to_owned())?;
        json.get("webhook_url")
            .and_then(Value::as_str)
            .ok_or_else(|| "the JSON has no string \"webhook_url\" key".to_owned())?
            .to_owned()
    } else {
        trimmed.to_owned()
    };
    WebhookUrl::parse(&url)
}

/// Reads the secret (`AWSCURRENT` version).
pub async fn fetch_webhook(
    client: &aws_sdk_secretsmanager::Client,
    arn: &str,
) -> Result<WebhookUrl, SecretError> {
    let arn_owned = || arn.to_owned();
    let out = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| {
            match e.code() {
                Some("ResourceNotFoundException") => SecretError::NotFound { arn: arn_owned() },
                Some("AccessDeniedException") | Some("AccessDenied") => SecretError::AccessDenied {
                    arn: arn_owned(),
                    detail: e.message().unwrap_or("access denied").to_owned(),
                },
                // A KMS problem (key disabled, no decrypt permission) comes back as one of these.
                Some(
                    code @ ("DecryptionFailure"
                    | "KMSAccessDeniedException"
                    | "KMSDisabledException"),
                ) => SecretError::AccessDenied {
                    arn: arn_owned(),
                    detail: format!("{code}: {}", e.message().unwrap_or_default()),
                },
                _ => SecretError::Call {
                    arn: arn_owned(),
                    detail: DisplayErrorContext(&e).to_string(),
                },
            }
        })?;
    let value = out
        .secret_string()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| SecretError::NoString { arn: arn_owned() })?;
    webhook_from_secret_string(value).map_err(|problem| SecretError::Invalid {
        arn: arn_owned(),
        problem,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_bare_url_or_json() {
        assert!(webhook_from_secret_string("https://hooks.slack.com/services/T/B/X\n").is_ok());
        assert!(webhook_from_secret_string(
            r#"{"webhook_url": "https://hooks.slack.com/services/T/B/X"}"#
        )
        .is_ok());
        let err =
            webhook_from_secret_string(r#"{"url": "https://hooks.slack.com/services/T/B/X"}"#)
                .unwrap_err();
        assert!(err.contains("webhook_url"));
        assert!(!err.contains("hooks.slack.com"));
    }
}
