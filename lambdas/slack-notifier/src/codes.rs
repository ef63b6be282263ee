//! The notifier's stable error codes, `OPSDECK-N###`: one per family of failure, each
//! with its Lambda error type, a one-line cause and a one-line fix. Every error the
//! notifier logs or returns to Lambda starts with its code, so the troubleshooting guide
//! (docs, issue 17) can list them all from this table; the crate README prints the same.
//!
//! Codes are never reused or renumbered: a retired code stays reserved.

/// One family of notifier failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The function's own settings (environment variables) are wrong.
    Config,
    /// The webhook secret does not exist.
    SecretNotFound,
    /// The function may not read the secret or decrypt it.
    SecretAccessDenied,
    /// The secret exists but holds no usable webhook URL.
    SecretInvalid,
    /// Secrets Manager could not be reached or failed.
    SecretUnavailable,
    /// Slack refused the message for good (4xx other than 429).
    SlackRejected,
    /// Slack rate-limited the webhook longer than the invocation can wait.
    SlackRateLimited,
    /// Slack answered 5xx, timed out or could not be reached on every attempt.
    SlackUnavailable,
    /// The Lambda runtime could not start or stopped.
    Runtime,
}

/// Every code, in order (the README table and the docs list them all).
pub const ALL: &[ErrorCode] = &[
    ErrorCode::Config,
    ErrorCode::SecretNotFound,
    ErrorCode::SecretAccessDenied,
    ErrorCode::SecretInvalid,
    ErrorCode::SecretUnavailable,
    ErrorCode::SlackRejected,
    ErrorCode::SlackRateLimited,
    ErrorCode::SlackUnavailable,
    ErrorCode::Runtime,
];

impl ErrorCode {
    /// `OPSDECK-N###`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Config => "OPSDECK-N001",
            Self::SecretNotFound => "OPSDECK-N002",
            Self::SecretAccessDenied => "OPSDECK-N003",
            Self::SecretInvalid => "OPSDECK-N004",
            Self::SecretUnavailable => "OPSDECK-N005",
            Self::SlackRejected => "OPSDECK-N006",
            Self::SlackRateLimited => "OPSDECK-N007",
            Self::SlackUnavailable => "OPSDECK-N008",
            Self::Runtime => "OPSDECK-N009",
        }
    }

    /// The `errorType` Lambda records for a failed invocation (what metrics filters and
    /// the failed-event queue show).
    pub fn error_type(self) -> &'static str {
        match self {
            Self::Config => "NotifierConfigError",
            Self::SecretNotFound => "WebhookSecretNotFound",
            Self::SecretAccessDenied => "WebhookSecretAccessDenied",
            Self::SecretInvalid => "WebhookSecretInvalid",
            Self::SecretUnavailable => "WebhookSecretError",
            Self::SlackRejected => "SlackRejected",
            Self::SlackRateLimited => "SlackRateLimited",
            Self::SlackUnavailable => "SlackUnavailable",
            Self::Runtime => "NotifierRuntimeError",
        }
    }

    pub fn cause(self) -> &'static str {
        match self {
            Self::Config => "an environment variable of the function is missing or invalid",
            Self::SecretNotFound => "the Secrets Manager secret named by WEBHOOK_SECRET_ARN does not exist or is scheduled for deletion",
            Self::SecretAccessDenied => "the function's role may not read the webhook secret or decrypt it with its KMS key",
            Self::SecretInvalid => "the webhook secret has no string value, or the value is not an https:// webhook URL",
            Self::SecretUnavailable => "Secrets Manager could not be reached or answered with an unexpected error",
            Self::SlackRejected => "Slack refused the message for good (revoked webhook, archived channel, invalid payload)",
            Self::SlackRateLimited => "Slack rate-limited the webhook (HTTP 429) for longer than the invocation could wait",
            Self::SlackUnavailable => "Slack answered 5xx, timed out or could not be reached on every attempt",
            Self::Runtime => "the Lambda runtime loop could not start or stopped",
        }
    }

    pub fn fix(self) -> &'static str {
        match self {
            Self::Config => "set the variable as the crate README's Configuration table says (modules/slack-notifier sets them all)",
            Self::SecretNotFound => "create the secret with the webhook URL as its value, or fix WEBHOOK_SECRET_ARN",
            Self::SecretAccessDenied => "grant secretsmanager:GetSecretValue on the secret and kms:Decrypt on its key to the function's role",
            Self::SecretInvalid => "store the URL Slack gave, or {\"webhook_url\": \"https://hooks.slack.com/...\"}, as the SecretString",
            Self::SecretUnavailable => "check the function's network path to Secrets Manager (VPC endpoint or NAT); Lambda retries the event",
            Self::SlackRejected => "create a new webhook in Slack and store its URL in the secret; the event waits in the failed-event queue",
            Self::SlackRateLimited => "nothing for a burst (Lambda retries later); for steady overload send fewer alarms to the topic",
            Self::SlackUnavailable => "check status.slack.com and the function's egress; Lambda retries, then the failed-event queue keeps the event",
            Self::Runtime => "read the function's log for the runtime error; redeploy the function package built by `cargo xtask lambda`",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_error_types_are_unique_and_well_formed() {
        let codes: HashSet<_> = ALL.iter().map(|c| c.code()).collect();
        let types: HashSet<_> = ALL.iter().map(|c| c.error_type()).collect();
        assert_eq!(codes.len(), ALL.len());
        assert_eq!(types.len(), ALL.len());
        for c in ALL {
            let n = c.code().strip_prefix("OPSDECK-N").unwrap();
            assert!(n.len() == 3 && n.chars().all(|d| d.is_ascii_digit()), "{c}");
            assert!(!c.cause().is_empty() && !c.fix().is_empty());
        }
    }

    #[test]
    fn the_readme_lists_every_code() {
        let readme = include_str!("../README.md");
        for c in ALL {
            assert!(
                readme.contains(&format!("| `{}` | `{}` |", c.code(), c.error_type())),
                "README.md has no row for {c} ({})",
                c.error_type()
            );
        }
    }
}
