//! The function's settings, from its environment (set by `modules/slack-notifier`).

use std::time::Duration;

use crate::format::FormatContext;
use crate::slack::RetryPolicy;

/// Environment variable names, documented in the crate README.
pub const WEBHOOK_SECRET_ARN: &str = "WEBHOOK_SECRET_ARN";
pub const SLACK_TIMEOUT_MS: &str = "SLACK_TIMEOUT_MS";
pub const SLACK_MAX_ATTEMPTS: &str = "SLACK_MAX_ATTEMPTS";
pub const SLACK_MAX_RETRY_AFTER_SECONDS: &str = "SLACK_MAX_RETRY_AFTER_SECONDS";
pub const DEFAULT_DASHBOARD: &str = "DEFAULT_DASHBOARD";

#[derive(Clone, Debug)]
pub struct Config {
    /// Secrets Manager secret holding the webhook URL (never the URL itself).
    pub webhook_secret_arn: String,
    pub retry: RetryPolicy,
    pub format: FormatContext,
}

impl Config {
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`; every problem names the variable and what
    /// it accepts.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let webhook_secret_arn = lookup(WEBHOOK_SECRET_ARN)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| format!("{WEBHOOK_SECRET_ARN} is not set: set it to the ARN of the Secrets Manager secret that holds the Slack webhook URL"))?;
        if !webhook_secret_arn.starts_with("arn:")
            || !webhook_secret_arn.contains(":secretsmanager:")
        {
            // Do not echo the value: a webhook URL pasted here by mistake must not reach the log.
            return Err(format!("{WEBHOOK_SECRET_ARN} is not a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>); store the webhook URL in a secret and pass the secret's ARN"));
        }
        let number = |name: &str,
                      default: u64,
                      range: std::ops::RangeInclusive<u64>|
         -> Result<u64, String> {
            match lookup(name) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| range.contains(n))
                    .ok_or_else(|| {
                        format!(
                            "{name}={v:?} is not a whole number from {} to {}",
                            range.start(),
                            range.end()
                        )
                    }),
            }
        };
        let defaults = RetryPolicy::default();
        let retry = RetryPolicy {
            request_timeout: Duration::from_millis(number(
                SLACK_TIMEOUT_MS,
                defaults.request_timeout.as_millis() as u64,
                100..=60_000,
            )?),
            max_attempts: number(SLACK_MAX_ATTEMPTS, u64::from(defaults.max_attempts), 1..=10)?
                as u32,
            max_retry_after: Duration::from_secs(number(
                SLACK_MAX_RETRY_AFTER_SECONDS,
                defaults.max_retry_after.as_secs(),
                0..=600,
            )?),
            ..defaults
        };
        Ok(Self {
            webhook_secret_arn,
            retry,
            format: FormatContext {
                default_dashboard: lookup(DEFAULT_DASHBOARD).filter(|d| !d.trim().is_empty()),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    const ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:slack-AbCdEf";

    #[test]
    fn defaults_apply() {
        let c = config(&[(WEBHOOK_SECRET_ARN, ARN)]).unwrap();
        assert_eq!(c.retry.max_attempts, 4);
        assert_eq!(c.retry.request_timeout, Duration::from_secs(5));
    }

    #[test]
    fn a_webhook_url_in_place_of_the_arn_is_refused_without_echoing_it() {
        let url = "https://hooks.slack.com/services/T000/B000/XXXXXXXX";
        let err = config(&[(WEBHOOK_SECRET_ARN, url)]).unwrap_err();
        assert!(!err.contains("hooks.slack.com"), "{err}");
        assert!(err.contains(WEBHOOK_SECRET_ARN));
    }

    #[test]
    fn bad_numbers_name_the_variable() {
        let err = config(&[(WEBHOOK_SECRET_ARN, ARN), (SLACK_MAX_ATTEMPTS, "0")]).unwrap_err();
        assert!(err.contains(SLACK_MAX_ATTEMPTS), "{err}");
        assert!(config(&[]).unwrap_err().contains(WEBHOOK_SECRET_ARN));
    }
}
