//! Resources, one module each.
pub mod alarm_set;
pub mod deploy_record;
pub mod slack_alarm_topic;
