//! opsdeck's Slack messages, written once for every sender: the Slack notifier Lambda
//! (`lambdas/slack-notifier`, SNS notifications of the alarm topic) and the `opsdeck`
//! CLI (`opsdeck notify slack` and the deploy pipeline).
//!
//! - [`format`]: pure formatters, one per event type, and a fallback so nothing is
//!   dropped silently; [`format::deploy`] is the deploy/rollback format both use.
//! - [`blocks`]: Block Kit building blocks with Slack's limits applied.
//! - [`webhook`]: the incoming-webhook client (429 `Retry-After`, 5xx backoff, timeouts).
//! - [`secret`]: the webhook URL from Secrets Manager.

pub mod annotations;
pub mod blocks;
pub mod console;
pub mod event;
pub mod format;
pub mod secret;
pub mod webhook;
