//! The opsdeck Slack notifier: a Lambda function on `provided.al2023` that turns the
//! SNS notifications of `opsdeck_slack_alarm_topic` into Slack Block Kit messages.
//!
//! - [`format`]: pure formatters, one per event type, and a fallback so nothing is
//!   dropped silently.
//! - [`slack`]: the webhook client (429 `Retry-After`, 5xx backoff, timeouts).
//! - [`secret`]: the webhook URL from Secrets Manager, read once per cold start.
//! - [`handler`]: one invocation, end to end; an error makes Lambda retry the event
//!   and then hand it to the on-failure destination.

pub mod annotations;
pub mod blocks;
pub mod config;
pub mod console;
pub mod event;
pub mod format;
pub mod handler;
pub mod log;
pub mod secret;
pub mod slack;

pub use config::Config;
pub use handler::{Notifier, NotifyError};
