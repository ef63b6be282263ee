//! The deploy lock: one deploy or rollback per service and environment at a time, and a
//! journal of where the holder is, so a run that was killed (a cancelled job, a lost
//! runner) is found and reported by the next run.
//!
//! It lives in the deploy history table as one item per stream (`pk` = the stream's,
//! `sk` = `lock`, `kind` = `lock`), which the history store skips. It is written only
//! with conditional `PutItem`s, the one write modules/deploy-history's writer policy
//! grants: taken when absent or when the previous holder's lease ran out (or it left
//! it `interrupted` or `done`), renewed by a heartbeat, and handed back by writing
//! `done` (or `interrupted`). It is the only item of the table that is ever replaced;
//! deploy records and marks stay append-only.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use opsdeck_provider::deploy_history::id::IdGenerator;
use opsdeck_provider::deploy_history::{id, Stream, PARTITION_KEY, SORT_KEY};
use tokio::sync::Mutex;

use crate::aws::sdk_error;
use crate::error::{CliError, ErrorCode};

pub const LOCK_SORT_KEY: &str = "lock";
const KIND: &str = "lock";

/// What the lock says about its holder and the run's progress.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LockInfo {
    /// Unique per run; also written into the run's deploy records (`metadata.run_id`).
    pub run_id: String,
    /// `deploy` or `rollback`.
    pub action: String,
    /// The version the run set out to make live.
    pub version: String,
    pub holder: String,
    pub run_url: Option<String>,
    pub host: String,
    pub pid: u32,
    pub started_at: String,
    pub heartbeat_at: String,
    /// Epoch seconds; a `running` lock past this is free.
    pub expires_at: u64,
    /// The step in progress (upload, backup, apply, verify, record, rollback ...).
    pub step: String,
    /// running, interrupted or done.
    pub state: String,
    /// The version of the last `terraform apply` the run started, if any.
    pub applied_version: Option<String>,
    /// That apply finished and its checks passed.
    pub verified: bool,
    pub snapshot: Option<String>,
}

impl LockInfo {
    pub fn new(action: &str, version: &str, holder: &str) -> Self {
        let now = id::now_millis();
        Self {
            run_id: id::UlidGenerator
                .generate(now)
                .unwrap_or_else(|_| format!("run-{now}")),
            action: action.to_owned(),
            version: version.to_owned(),
            holder: holder.to_owned(),
            run_url: crate::notify::run_url(),
            host: std::env::var("HOSTNAME")
                .or_else(|_| std::env::var("RUNNER_NAME"))
                .unwrap_or_else(|_| "unknown host".into()),
            pid: std::process::id(),
            started_at: id::rfc3339_millis(now),
            heartbeat_at: id::rfc3339_millis(now),
            expires_at: 0,
            step: "start".into(),
            state: "running".into(),
            applied_version: None,
            verified: false,
            snapshot: None,
        }
    }

    /// "a deploy of v3 by octocat (run https://..., started ..., at step apply)".
    pub fn describe(&self) -> String {
        let run = self
            .run_url
            .clone()
            .unwrap_or_else(|| format!("{} pid {}", self.host, self.pid));
        format!(
            "a {} of {} by {} (run {}, id {}), started {}, at step {}",
            self.action, self.version, self.holder, run, self.run_id, self.started_at, self.step
        )
    }

    fn item(&self, stream: &Stream) -> HashMap<String, AttributeValue> {
        let s = |v: &str| AttributeValue::S(v.to_owned());
        let mut item = HashMap::from([
            (PARTITION_KEY.to_owned(), s(&stream.partition_key())),
            (SORT_KEY.to_owned(), s(LOCK_SORT_KEY)),
            ("kind".to_owned(), s(KIND)),
            ("run_id".to_owned(), s(&self.run_id)),
            ("action".to_owned(), s(&self.action)),
            ("version".to_owned(), s(&self.version)),
            ("holder".to_owned(), s(&self.holder)),
            ("host".to_owned(), s(&self.host)),
            ("pid".to_owned(), AttributeValue::N(self.pid.to_string())),
            ("started_at".to_owned(), s(&self.started_at)),
            ("heartbeat_at".to_owned(), s(&self.heartbeat_at)),
            (
                "expires_at".to_owned(),
                AttributeValue::N(self.expires_at.to_string()),
            ),
            ("step".to_owned(), s(&self.step)),
            ("state".to_owned(), s(&self.state)),
            ("verified".to_owned(), AttributeValue::Bool(self.verified)),
        ]);
        for (k, v) in [
            ("run_url", &self.run_url),
            ("applied_version", &self.applied_version),
            ("snapshot", &self.snapshot),
        ] {
            if let Some(v) = v {
                item.insert(k.to_owned(), s(v));
            }
        }
        item
    }

    fn from_item(item: &HashMap<String, AttributeValue>) -> Self {
        let s = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
        let n = |k: &str| {
            item.get(k)
                .and_then(|v| v.as_n().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        Self {
            run_id: s("run_id").unwrap_or_default(),
            action: s("action").unwrap_or_else(|| "deploy".into()),
            version: s("version").unwrap_or_default(),
            holder: s("holder").unwrap_or_else(|| "unknown".into()),
            run_url: s("run_url"),
            host: s("host").unwrap_or_default(),
            pid: n("pid") as u32,
            started_at: s("started_at").unwrap_or_default(),
            heartbeat_at: s("heartbeat_at").unwrap_or_default(),
            expires_at: n("expires_at"),
            step: s("step").unwrap_or_default(),
            state: s("state").unwrap_or_else(|| "running".into()),
            applied_version: s("applied_version"),
            verified: item
                .get("verified")
                .and_then(|v| v.as_bool().ok())
                .copied()
                .unwrap_or(false),
            snapshot: s("snapshot"),
        }
    }
}

fn now_secs() -> u64 {
    id::now_millis() / 1000
}

/// A held lock. Dropping it without [`DeployLock::release`] leaves it to expire.
pub struct DeployLock {
    client: Client,
    table: String,
    stream: Stream,
    lease: Duration,
    info: Arc<Mutex<LockInfo>>,
    heartbeat: tokio::task::JoinHandle<()>,
}

impl DeployLock {
    /// Takes the lock, or says who holds it. Returns the lock and what an earlier run
    /// left there when it did not finish (`running` past its lease, or `interrupted`).
    pub async fn acquire(
        client: Client,
        table: &str,
        stream: &Stream,
        mut info: LockInfo,
        lease: Duration,
    ) -> Result<(Self, Option<LockInfo>), CliError> {
        let existing = read(&client, table, stream).await?;
        let now = now_secs();
        if let Some(e) = &existing {
            if e.state == "running" && e.expires_at > now {
                return Err(held(e, now));
            }
        }
        info.expires_at = now + lease.as_secs().max(1);
        let mut put = client
            .put_item()
            .table_name(table)
            .set_item(Some(info.item(stream)));
        put = match &existing {
            None => put
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", PARTITION_KEY),
            Some(e) => put
                .condition_expression("#run = :run")
                .expression_attribute_names("#run", "run_id")
                .expression_attribute_values(":run", AttributeValue::S(e.run_id.clone())),
        };
        if let Err(e) = put.send().await {
            if aws_sdk_dynamodb::error::ProvideErrorMetadata::code(&e)
                == Some("ConditionalCheckFailedException")
            {
                // Someone took it between our read and our write.
                let now = now_secs();
                return Err(match read(&client, table, stream).await? {
                    Some(winner) => held(&winner, now),
                    None => CliError::new(
                        ErrorCode::DeployLocked,
                        format!(
                            "the deploy lock of {stream} changed while it was taken; run again"
                        ),
                    ),
                });
            }
            return Err(history_error(table, sdk_error("dynamodb", "PutItem", e)));
        }
        let found = existing.filter(|e| e.state != "done");
        let info = Arc::new(Mutex::new(info));
        let heartbeat = tokio::spawn(heartbeat_loop(
            client.clone(),
            table.to_owned(),
            stream.clone(),
            lease,
            info.clone(),
        ));
        Ok((
            Self {
                client,
                table: table.to_owned(),
                stream: stream.clone(),
                lease,
                info,
                heartbeat,
            },
            found,
        ))
    }

    pub async fn info(&self) -> LockInfo {
        self.info.lock().await.clone()
    }

    /// Records progress (the step, what was applied): written at once, so a run killed
    /// right after leaves it for the next one.
    pub async fn update(&self, change: impl FnOnce(&mut LockInfo)) -> Result<(), CliError> {
        let mut info = self.info.lock().await;
        let mut next = info.clone();
        change(&mut next);
        next.heartbeat_at = id::rfc3339_millis(id::now_millis());
        next.expires_at = now_secs() + self.lease.as_secs().max(1);
        write_own(&self.client, &self.table, &self.stream, &next).await?;
        *info = next;
        Ok(())
    }

    /// Hands the lock back: `done`, or `interrupted` (the next run reports it).
    pub async fn release(self, state: &str) -> Result<(), CliError> {
        self.heartbeat.abort();
        let mut info = self.info.lock().await;
        let mut next = info.clone();
        next.state = state.to_owned();
        next.expires_at = now_secs();
        next.heartbeat_at = id::rfc3339_millis(id::now_millis());
        write_own(&self.client, &self.table, &self.stream, &next).await?;
        *info = next;
        Ok(())
    }
}

fn held(e: &LockInfo, now: u64) -> CliError {
    CliError::new(
        ErrorCode::DeployLocked,
        format!(
            "{} is already running: {}; lease until epoch {} ({} s left, last heartbeat {})",
            e.action,
            e.describe(),
            e.expires_at,
            e.expires_at.saturating_sub(now),
            e.heartbeat_at
        ),
    )
    .hint("one deploy at a time: wait for it to finish; if its runner died, the lock frees itself when the lease ends")
}

fn history_error(table: &str, message: String) -> CliError {
    if message.contains("ResourceNotFoundException") {
        CliError::new(
            ErrorCode::HistoryTableNotFound,
            format!("the deploy history table {table:?} does not exist: {message}"),
        )
        .hint("check --table-name (OPSDECK_HISTORY_TABLE) and --region; the table is the `table_name` output of modules/deploy-history")
    } else {
        CliError::aws(message)
    }
}

async fn read(client: &Client, table: &str, stream: &Stream) -> Result<Option<LockInfo>, CliError> {
    let out = client
        .get_item()
        .table_name(table)
        .consistent_read(true)
        .key(PARTITION_KEY, AttributeValue::S(stream.partition_key()))
        .key(SORT_KEY, AttributeValue::S(LOCK_SORT_KEY.into()))
        .send()
        .await
        .map_err(|e| history_error(table, sdk_error("dynamodb", "GetItem", e)))?;
    Ok(out.item().map(LockInfo::from_item))
}

/// Reads the lock of a stream without taking it (for `history` views and tests).
pub async fn peek(
    client: &Client,
    table: &str,
    stream: &Stream,
) -> Result<Option<LockInfo>, CliError> {
    read(client, table, stream).await
}

async fn write_own(
    client: &Client,
    table: &str,
    stream: &Stream,
    info: &LockInfo,
) -> Result<(), CliError> {
    client
        .put_item()
        .table_name(table)
        .set_item(Some(info.item(stream)))
        .condition_expression("#run = :run")
        .expression_attribute_names("#run", "run_id")
        .expression_attribute_values(":run", AttributeValue::S(info.run_id.clone()))
        .send()
        .await
        .map_err(|e| {
            if aws_sdk_dynamodb::error::ProvideErrorMetadata::code(&e)
                == Some("ConditionalCheckFailedException")
            {
                CliError::new(
                    ErrorCode::DeployLocked,
                    format!("this run ({}) lost the deploy lock of {stream}: its lease ran out and another run took it", info.run_id),
                )
            } else {
                history_error(table, sdk_error("dynamodb", "PutItem", e))
            }
        })?;
    Ok(())
}

async fn heartbeat_loop(
    client: Client,
    table: String,
    stream: Stream,
    lease: Duration,
    info: Arc<Mutex<LockInfo>>,
) {
    let every = (lease / 4).max(Duration::from_millis(250));
    loop {
        tokio::time::sleep(every).await;
        let mut guard = info.lock().await;
        let mut next = guard.clone();
        next.heartbeat_at = id::rfc3339_millis(id::now_millis());
        next.expires_at = now_secs() + lease.as_secs().max(1);
        match write_own(&client, &table, &stream, &next).await {
            Ok(()) => *guard = next,
            Err(e) => tracing::warn!("deploy lock heartbeat failed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_item_round_trips() {
        let stream = Stream::new("shop", "prod").unwrap();
        let mut info = LockInfo::new("deploy", "v3", "octocat");
        info.applied_version = Some("v3".into());
        info.verified = true;
        info.expires_at = 42;
        let item = info.item(&stream);
        assert_eq!(item[SORT_KEY].as_s().unwrap(), LOCK_SORT_KEY);
        assert_eq!(item["kind"].as_s().unwrap(), "lock");
        assert_eq!(LockInfo::from_item(&item), info);
        let text = held(&info, 40).to_string();
        assert!(
            text.contains("octocat") && text.contains("2 s left") && text.contains("v3"),
            "{text}"
        );
    }
}
