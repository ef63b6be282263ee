//! One invocation: unwrap the SNS records, format each, read the webhook (once per
//! cold start), post. Any failure is returned as the invocation's error, so that
//! Lambda retries the event asynchronously and, after the last retry, hands it to
//! the on-failure destination (an SQS queue): a message is never lost silently.

use std::fmt;

use lambda_runtime::Diagnostic;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::OnceCell;
use tokio::time::Instant;

use crate::codes::ErrorCode;
use crate::config::Config;
use crate::event;
use crate::format::{self, Formatted};
use crate::log;
use crate::secret::{self, SecretError};
use crate::slack::{PostError, SlackClient, WebhookUrl};

pub struct Notifier {
    config: Config,
    secrets: aws_sdk_secretsmanager::Client,
    slack: SlackClient,
    /// Filled by the first invocation that needs it and kept for the life of the
    /// execution environment. A failed read is not cached, so the next invocation
    /// tries again (e.g. after the secret was created).
    webhook: OnceCell<WebhookUrl>,
}

/// The invocation's result, returned to Lambda (and visible in the destination on
/// success, if one is configured).
#[derive(Serialize, Debug, PartialEq)]
pub struct Summary {
    pub posted: Vec<Posted>,
}

#[derive(Serialize, Debug, PartialEq)]
pub struct Posted {
    pub sns_message_id: String,
    pub kind: &'static str,
    pub attempts: u32,
}

#[derive(Debug)]
pub enum NotifyError {
    /// The function's own settings are wrong.
    Config(String),
    /// The webhook secret cannot be read.
    Secret(SecretError),
    /// At least one message did not reach Slack.
    Slack {
        failures: Vec<(String, PostError)>,
        posted: usize,
    },
}

impl fmt::Display for NotifyError {
    /// Always starts with the error's code (`OPSDECK-N###: ...`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.code())?;
        match self {
            NotifyError::Config(e) => write!(f, "configuration: {e}"),
            NotifyError::Secret(e) => write!(f, "{e}"),
            NotifyError::Slack { failures, posted } => {
                write!(
                    f,
                    "{} message(s) not delivered ({posted} delivered)",
                    failures.len()
                )?;
                for (id, e) in failures {
                    write!(f, "; SNS message {id}: {e}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for NotifyError {}

impl NotifyError {
    /// The stable code of this error's family (see [`crate::codes`]).
    pub fn code(&self) -> ErrorCode {
        match self {
            NotifyError::Config(_) => ErrorCode::Config,
            NotifyError::Secret(SecretError::NotFound { .. }) => ErrorCode::SecretNotFound,
            NotifyError::Secret(SecretError::AccessDenied { .. }) => ErrorCode::SecretAccessDenied,
            NotifyError::Secret(SecretError::NoString { .. } | SecretError::Invalid { .. }) => {
                ErrorCode::SecretInvalid
            }
            NotifyError::Secret(SecretError::Call { .. }) => ErrorCode::SecretUnavailable,
            NotifyError::Slack { failures, .. } => match failures.first().map(|(_, e)| e) {
                Some(PostError::Rejected { .. }) => ErrorCode::SlackRejected,
                Some(PostError::RateLimited { .. }) => ErrorCode::SlackRateLimited,
                _ => ErrorCode::SlackUnavailable,
            },
        }
    }

    pub fn error_type(&self) -> &'static str {
        self.code().error_type()
    }
}

impl From<NotifyError> for Diagnostic {
    fn from(e: NotifyError) -> Self {
        Diagnostic {
            error_type: e.error_type().to_owned(),
            error_message: e.to_string(),
        }
    }
}

impl Notifier {
    pub fn new(
        config: Config,
        secrets: aws_sdk_secretsmanager::Client,
    ) -> Result<Self, NotifyError> {
        let slack = SlackClient::new().map_err(NotifyError::Config)?;
        Ok(Self {
            config,
            secrets,
            slack,
            webhook: OnceCell::new(),
        })
    }

    async fn webhook(&self) -> Result<&WebhookUrl, NotifyError> {
        self.webhook
            .get_or_try_init(|| async {
                let url = secret::fetch_webhook(&self.secrets, &self.config.webhook_secret_arn)
                    .await
                    .map_err(NotifyError::Secret)?;
                log::info(
                    "webhook secret read",
                    &[
                        ("secret_arn", self.config.webhook_secret_arn.clone().into()),
                        ("host", url.host().into()),
                    ],
                );
                Ok(url)
            })
            .await
    }

    /// Handles one Lambda event (normally one SNS record).
    pub async fn handle(
        &self,
        payload: &Value,
        request_id: &str,
        deadline: Option<Instant>,
    ) -> Result<Summary, NotifyError> {
        let messages = event::messages(payload);
        let formatted: Vec<(event::SnsMessage, Formatted)> = messages
            .into_iter()
            .map(|m| {
                let f = format::format(&m, &self.config.format);
                (m, f)
            })
            .collect();
        for (m, f) in &formatted {
            if f.truncated {
                // The post shows part of it; the log keeps the whole message.
                log::info(
                    "message truncated in Slack; full text follows",
                    &[
                        ("sns_message_id", m.message_id.clone().into()),
                        ("message", m.message.clone().into()),
                    ],
                );
            }
        }
        let url = match self.webhook().await {
            Ok(url) => url,
            Err(e) => {
                log::error(
                    "webhook secret unavailable",
                    &[
                        ("request_id", request_id.into()),
                        ("error", e.to_string().into()),
                        ("code", e.code().code().into()),
                        ("error_type", e.error_type().into()),
                    ],
                );
                return Err(e);
            }
        };
        let mut summary = Summary { posted: Vec::new() };
        let mut failures = Vec::new();
        for (m, f) in formatted {
            let fields = |extra: Vec<(&'static str, Value)>| {
                let mut v = vec![
                    ("request_id", json!(request_id)),
                    ("sns_message_id", json!(m.message_id)),
                    ("kind", json!(f.kind.as_str())),
                ];
                v.extend(extra);
                v
            };
            match self
                .slack
                .post(url, &f.payload, &self.config.retry, deadline)
                .await
            {
                Ok(attempts) => {
                    log::info(
                        "posted to Slack",
                        &fields(vec![("attempts", json!(attempts))]),
                    );
                    summary.posted.push(Posted {
                        sns_message_id: m.message_id.clone(),
                        kind: f.kind.as_str(),
                        attempts,
                    });
                }
                Err(e) => {
                    let code = match e {
                        PostError::Rejected { .. } => ErrorCode::SlackRejected,
                        PostError::RateLimited { .. } => ErrorCode::SlackRateLimited,
                        PostError::Unavailable { .. } => ErrorCode::SlackUnavailable,
                    };
                    log::error(
                        "not delivered to Slack",
                        &fields(vec![
                            ("code", json!(code.code())),
                            ("error", json!(format!("{code}: {e}"))),
                        ]),
                    );
                    failures.push((m.message_id.clone(), e));
                }
            }
        }
        if failures.is_empty() {
            Ok(summary)
        } else {
            Err(NotifyError::Slack {
                failures,
                posted: summary.posted.len(),
            })
        }
    }
}
