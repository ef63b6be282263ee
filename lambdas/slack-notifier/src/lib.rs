//! The opsdeck Slack notifier: a Lambda function on `provided.al2023` that turns the
//! SNS notifications of `opsdeck_slack_alarm_topic` into Slack Block Kit messages.
//!
//! The formatting, the webhook client and the webhook secret live in the shared crate
//! `opsdeck-slack` (`slack/`), which the `opsdeck` CLI uses too; they are re-exported
//! here under their old paths.
//!
//! - [`format`]: pure formatters, one per event type, and a fallback so nothing is
//!   dropped silently.
//! - [`slack`]: the webhook client (429 `Retry-After`, 5xx backoff, timeouts).
//! - [`secret`]: the webhook URL from Secrets Manager, read once per cold start.
//! - [`handler`]: one invocation, end to end; an error makes Lambda retry the event
//!   and then hand it to the on-failure destination.
//! - [`codes`]: the stable error codes (`OPSDECK-N###`) every error is logged with.

pub mod codes;
pub mod config;
pub mod handler;
pub mod log;

pub use opsdeck_slack::webhook as slack;
pub use opsdeck_slack::{annotations, blocks, console, event, format, secret};

pub use config::Config;
pub use handler::{Notifier, NotifyError};
