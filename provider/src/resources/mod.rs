//! Resources, one module each.
pub mod alarm_set;
pub mod common;
pub mod cost_budget;
pub mod deploy_record;
pub mod slack_alarm_topic;
