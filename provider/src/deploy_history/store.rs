//! [`HistoryStore`]: the DynamoDB reads and conditional writes of the deploy history.

use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;
use std::sync::Arc;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use aws_sdk_dynamodb::Client;

use super::id::{self, IdGenerator, UlidGenerator};
use super::{
    validate, DeployRecord, DeployResult, HistoryError, HistoryView, MarkEvent, NewDeploy, Stream,
    PARTITION_KEY, SORT_KEY,
};
use crate::aws::AwsContext;

type Item = HashMap<String, AttributeValue>;

/// Items per query page: enough for a screen of history with its marks, small enough
/// that a read which stops early (a limit, the previous version found) reads little.
const PAGE_SIZE: i32 = 100;

/// Conditional puts tried before giving up on finding a free id. With 80 random bits
/// a second attempt is already a curiosity; the bound only stops a runaway loop.
const MAX_PUT_ATTEMPTS: u32 = 5;

/// Puts of the same item after failures that may hide a write (no answer, a 5xx), on top
/// of the SDK's own retries: the condition makes resending safe.
const MAX_UNANSWERED_PUTS: u32 = 3;

/// Separates a deploy id from an event id in an event's sort key.
const EVENT_INFIX: &str = "#event#";

const KIND_DEPLOY: &str = "deploy";
const KIND_EVENT: &str = "event";

/// The deploy history in one DynamoDB table.
#[derive(Clone)]
pub struct HistoryStore {
    client: Client,
    table: String,
    ids: Arc<dyn IdGenerator>,
}

/// One item of a partition, parsed.
enum Entry {
    Deploy(DeployRecord),
    Event {
        deploy_id: String,
        event: MarkEvent,
    },
    /// A kind this version does not know (written by a newer one): skipped.
    Other,
}

impl HistoryStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            ids: Arc::new(UlidGenerator),
        }
    }

    /// A store that reaches DynamoDB through the provider's (or the CLI's) AWS context,
    /// so endpoint overrides and `AWS_ENDPOINT_URL` apply.
    pub fn from_context(ctx: &AwsContext, table: impl Into<String>) -> Self {
        Self::new(ctx.dynamodb(), table)
    }

    /// Replaces the id generator (tests force collisions with it).
    pub fn with_id_generator(mut self, ids: Arc<dyn IdGenerator>) -> Self {
        self.ids = ids;
        self
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    fn region(&self) -> String {
        self.client
            .config()
            .region()
            .map(|r| r.as_ref().to_owned())
            .unwrap_or_else(|| "(none)".into())
    }

    /// Maps an SDK error: a missing table gets its own error, the rest keep the chain.
    fn aws_error<E>(
        &self,
        operation: &'static str,
        err: SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
    ) -> HistoryError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        if err.code() == Some("ResourceNotFoundException") {
            return HistoryError::TableNotFound {
                table: self.table.clone(),
                region: self.region(),
            };
        }
        HistoryError::Aws(crate::Error::aws("dynamodb", operation, err))
    }

    /// Puts `item` only if no item has its key. `Ok(false)` means another item has it.
    ///
    /// A put whose answer was lost may have been written: the SDK's retry (or ours, after
    /// an answer that never came) then fails its condition against its own first attempt.
    /// So a condition failure reads the item in the way (`ReturnValuesOnConditionCheckFailure
    /// = ALL_OLD`), and an item identical to ours is ours: written, not taken. Without
    /// that, the writer would take the id as taken and write the record a second time.
    async fn put_new(&self, item: Item) -> Result<bool, HistoryError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item.clone()))
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", PARTITION_KEY)
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .send()
                .await;
            let err = match result {
                Ok(_) => return Ok(true),
                Err(e) => e,
            };
            if let Some(PutItemError::ConditionalCheckFailedException(taken)) =
                err.as_service_error()
            {
                let ours = taken.item() == Some(&item);
                if ours {
                    tracing::info!(table = %self.table, "the put's first attempt had written the item; not writing it again");
                }
                return Ok(ours);
            }
            let err = self.aws_error("PutItem", err);
            let ambiguous = matches!(&err, HistoryError::Aws(e) if e.is_ambiguous());
            if !ambiguous || attempt >= MAX_UNANSWERED_PUTS {
                return Err(err);
            }
            // No answer: the item may be written. Sending the same item again is safe
            // (the condition forbids a second copy) and tells which.
            tracing::warn!(table = %self.table, attempt, "PutItem got no answer; sending the same item again");
        }
    }

    /// Writes a new deploy record, linked to the newest record of the stream, with a
    /// fresh time-ordered id. Never overwrites: a taken id is retried with a new one.
    pub async fn record(
        &self,
        stream: &Stream,
        new: &NewDeploy,
    ) -> Result<DeployRecord, HistoryError> {
        if let Some((attribute, problem)) = new.problems().into_iter().next() {
            return Err(HistoryError::Invalid(format!("{attribute}: {problem}")));
        }
        let mut previous = None;
        self.walk(stream, |rec| {
            previous = Some(rec);
            ControlFlow::Break(())
        })
        .await?;
        // The new id must sort after the record it follows, even when that record came
        // from a machine whose clock runs ahead: the id's time never goes below it.
        let floor = previous
            .as_ref()
            .and_then(|p| id::decode_millis(&p.deploy_id))
            .unwrap_or(0);
        for _ in 0..MAX_PUT_ATTEMPTS {
            let millis = id::now_millis();
            let mut deploy_id = self
                .ids
                .generate(millis.max(floor))
                .map_err(HistoryError::Invalid)?;
            if previous.as_ref().is_some_and(|p| deploy_id <= p.deploy_id) {
                deploy_id = self
                    .ids
                    .generate(floor + 1)
                    .map_err(HistoryError::Invalid)?;
            }
            let record = DeployRecord {
                deploy_id: deploy_id.clone(),
                service: stream.service.clone(),
                environment: stream.environment.clone(),
                version: new.version.clone(),
                deployer: new.deployer.clone(),
                deployed_at: id::rfc3339_millis(millis),
                result: DeployResult::Succeeded,
                original_result: DeployResult::Succeeded,
                release_url: new.release_url.clone(),
                commit: new.commit.clone(),
                metadata: new.metadata.clone(),
                previous_version: previous.as_ref().map(|p| p.version.clone()),
                previous_deploy_id: previous.as_ref().map(|p| p.deploy_id.clone()),
                events: Vec::new(),
            };
            if self.put_new(deploy_item(stream, &record)).await? {
                tracing::info!(table = %self.table, %stream, deploy_id, version = %record.version, "deploy recorded");
                return Ok(record);
            }
            tracing::warn!(table = %self.table, %stream, deploy_id, "deploy id already taken; retrying with a new id");
        }
        Err(HistoryError::IdsExhausted {
            table: self.table.clone(),
            attempts: MAX_PUT_ATTEMPTS,
        })
    }

    /// Reads one deploy with its marks; `None` if the table has no such deploy.
    pub async fn get(
        &self,
        stream: &Stream,
        deploy_id: &str,
    ) -> Result<Option<DeployRecord>, HistoryError> {
        check_deploy_id(deploy_id)?;
        let items = self.items_of(stream, deploy_id).await?;
        let mut record = None;
        let mut events = Vec::new();
        for item in &items {
            match self.parse(item)? {
                Entry::Deploy(r) if r.deploy_id == deploy_id => record = Some(r),
                Entry::Event {
                    deploy_id: of,
                    event,
                } if of == deploy_id => events.push(event),
                _ => {}
            }
        }
        Ok(record.map(|mut r| {
            // Ascending sort keys: events arrive oldest first.
            apply_events(&mut r, events);
            r
        }))
    }

    /// The deploy and its events, ascending by sort key.
    async fn items_of(&self, stream: &Stream, deploy_id: &str) -> Result<Vec<Item>, HistoryError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :id)")
                .expression_attribute_names("#pk", PARTITION_KEY)
                .expression_attribute_names("#sk", SORT_KEY)
                .expression_attribute_values(":pk", AttributeValue::S(stream.partition_key()))
                .expression_attribute_values(":id", AttributeValue::S(deploy_id.to_owned()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| self.aws_error("Query", e))?;
            items.extend(out.items().iter().cloned());
            match out.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => return Ok(items),
            }
        }
    }

    /// Appends a mark to a deploy (the deploy item itself is never changed) and returns
    /// the deploy with its new effective result.
    pub async fn mark(
        &self,
        stream: &Stream,
        deploy_id: &str,
        result: DeployResult,
        reason: &str,
        marked_by: &str,
    ) -> Result<(DeployRecord, MarkEvent), HistoryError> {
        validate::reason(reason).map_err(HistoryError::Invalid)?;
        validate::deployer(marked_by)
            .map_err(|e| HistoryError::Invalid(e.replacen("deployer", "marked_by", 1)))?;
        let Some(mut record) = self.get(stream, deploy_id).await? else {
            return Err(self.not_found(stream, deploy_id));
        };
        for _ in 0..MAX_PUT_ATTEMPTS {
            let millis = id::now_millis();
            let event = MarkEvent {
                event_id: self.ids.generate(millis).map_err(HistoryError::Invalid)?,
                result,
                reason: reason.trim().to_owned(),
                marked_by: marked_by.to_owned(),
                marked_at: id::rfc3339_millis(millis),
            };
            if self.put_new(event_item(stream, deploy_id, &event)).await? {
                tracing::info!(table = %self.table, %stream, deploy_id, result = %result, "deploy marked");
                record.events.push(event.clone());
                record.result = result;
                return Ok((record, event));
            }
        }
        Err(HistoryError::IdsExhausted {
            table: self.table.clone(),
            attempts: MAX_PUT_ATTEMPTS,
        })
    }

    /// Deletes a deploy and its marks. Only `retain_on_destroy = false` calls this.
    /// Returns whether there was anything to delete.
    pub async fn delete(&self, stream: &Stream, deploy_id: &str) -> Result<bool, HistoryError> {
        check_deploy_id(deploy_id)?;
        let mut items = self.items_of(stream, deploy_id).await?;
        // Marks first, the deploy last: an interrupted delete leaves a deploy (retried
        // by the next destroy), never marks without their deploy.
        items.reverse();
        let found = !items.is_empty();
        for item in items {
            let (Some(pk), Some(sk)) = (item.get(PARTITION_KEY), item.get(SORT_KEY)) else {
                continue;
            };
            self.client
                .delete_item()
                .table_name(&self.table)
                .key(PARTITION_KEY, pk.clone())
                .key(SORT_KEY, sk.clone())
                .send()
                .await
                .map_err(|e| self.aws_error("DeleteItem", e))?;
        }
        Ok(found)
    }

    /// The stream's history newest first: up to `limit` deploys with `filter`'s result,
    /// plus the current, latest succeeded and rollback-target deploys (found whatever
    /// the filter and limit, reading no further than needed).
    pub async fn view(
        &self,
        stream: &Stream,
        filter: Option<DeployResult>,
        limit: usize,
    ) -> Result<HistoryView, HistoryError> {
        let mut view = HistoryView::default();
        self.walk(stream, |rec| {
            let current_version = view
                .current
                .get_or_insert_with(|| rec.clone())
                .version
                .clone();
            if rec.result == DeployResult::Succeeded {
                if view.latest_succeeded.is_none() {
                    view.latest_succeeded = Some(rec.clone());
                }
                if view.previous_succeeded.is_none() && rec.version != current_version {
                    view.previous_succeeded = Some(rec.clone());
                }
            }
            if view.deploys.len() < limit && filter.is_none_or(|f| f == rec.result) {
                view.deploys.push(rec);
            }
            let done = view.deploys.len() >= limit
                && view.latest_succeeded.is_some()
                && view.previous_succeeded.is_some();
            if done {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .await?;
        Ok(view)
    }

    /// The rollback target, or an error that says why there is none.
    pub async fn previous(
        &self,
        stream: &Stream,
    ) -> Result<(DeployRecord, HistoryView), HistoryError> {
        let view = self.view(stream, None, 1).await?;
        if let Some(previous) = view.previous_succeeded.clone() {
            return Ok((previous, view));
        }
        let detail = match (&view.current, &view.latest_succeeded) {
            (None, _) => format!("no deploy is recorded in table {:?}", self.table),
            (Some(current), _) => format!(
                "no succeeded deploy of a version other than the current {:?} (deploy {}) is recorded",
                current.version, current.deploy_id
            ),
        };
        Err(HistoryError::NoPreviousVersion {
            stream: stream.clone(),
            detail,
        })
    }

    fn not_found(&self, stream: &Stream, deploy_id: &str) -> HistoryError {
        HistoryError::DeployNotFound {
            table: self.table.clone(),
            stream: stream.clone(),
            deploy_id: deploy_id.to_owned(),
        }
    }

    /// Reads the stream newest first and hands each deploy, with its marks applied, to
    /// `visit` until it breaks or the history ends.
    async fn walk<F>(&self, stream: &Stream, mut visit: F) -> Result<(), HistoryError>
    where
        F: FnMut(DeployRecord) -> ControlFlow<()> + Send,
    {
        let mut start = None;
        // Newest first, a deploy's events come right before it (their sort keys extend
        // its id); they wait here, newest first, until the deploy arrives.
        let mut pending: Vec<(String, MarkEvent)> = Vec::new();
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", PARTITION_KEY)
                .expression_attribute_values(":pk", AttributeValue::S(stream.partition_key()))
                .scan_index_forward(false)
                .limit(PAGE_SIZE)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| self.aws_error("Query", e))?;
            for item in out.items() {
                match self.parse(item)? {
                    Entry::Event { deploy_id, event } => pending.push((deploy_id, event)),
                    Entry::Deploy(mut record) => {
                        // Marks of other ids belong to a deleted deploy: dropped.
                        let mut events: Vec<MarkEvent> = pending
                            .drain(..)
                            .filter(|(of, _)| *of == record.deploy_id)
                            .map(|(_, e)| e)
                            .collect();
                        events.reverse();
                        apply_events(&mut record, events);
                        if visit(record).is_break() {
                            return Ok(());
                        }
                    }
                    Entry::Other => {}
                }
            }
            match out.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => return Ok(()),
            }
        }
    }

    fn parse(&self, item: &Item) -> Result<Entry, HistoryError> {
        let key = item
            .get(SORT_KEY)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default();
        let malformed = |problem: String| HistoryError::Malformed {
            table: self.table.clone(),
            key: key.clone(),
            problem,
        };
        let text = |name: &str| -> Result<String, HistoryError> {
            item.get(name)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .ok_or_else(|| malformed(format!("no string attribute {name:?}")))
        };
        let optional = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
        let result = |name: &str| -> Result<DeployResult, HistoryError> {
            DeployResult::parse(&text(name)?).map_err(&malformed)
        };
        match optional("kind").as_deref() {
            Some(KIND_DEPLOY) => {
                let metadata = match item.get("metadata") {
                    None => BTreeMap::new(),
                    Some(AttributeValue::M(m)) => m
                        .iter()
                        .map(|(k, v)| {
                            v.as_s()
                                .map(|s| (k.clone(), s.clone()))
                                .map_err(|_| malformed(format!("metadata {k:?} is not a string")))
                        })
                        .collect::<Result<_, _>>()?,
                    Some(_) => return Err(malformed("metadata is not a map".into())),
                };
                let original = result("result")?;
                Ok(Entry::Deploy(DeployRecord {
                    deploy_id: text("deploy_id")?,
                    service: text("service")?,
                    environment: text("environment")?,
                    version: text("version")?,
                    deployer: text("deployer")?,
                    deployed_at: text("deployed_at")?,
                    result: original,
                    original_result: original,
                    release_url: optional("release_url"),
                    commit: optional("commit"),
                    metadata,
                    previous_version: optional("previous_version"),
                    previous_deploy_id: optional("previous_deploy_id"),
                    events: Vec::new(),
                }))
            }
            Some(KIND_EVENT) => Ok(Entry::Event {
                deploy_id: text("deploy_id")?,
                event: MarkEvent {
                    event_id: text("event_id")?,
                    result: result("result")?,
                    reason: text("reason")?,
                    marked_by: text("marked_by")?,
                    marked_at: text("marked_at")?,
                },
            }),
            _ => Ok(Entry::Other),
        }
    }
}

/// The effective result is the newest mark's.
fn apply_events(record: &mut DeployRecord, events: Vec<MarkEvent>) {
    if let Some(last) = events.last() {
        record.result = last.result;
    }
    record.events = events;
}

fn check_deploy_id(deploy_id: &str) -> Result<(), HistoryError> {
    if id::is_valid(deploy_id) {
        Ok(())
    } else {
        Err(HistoryError::Invalid(format!(
            "{deploy_id:?} is not a deploy id: deploy ids are 26 characters of 0-9 and A-Z without I, L, O, U (for example 01JH8Z3V6Q4M2N7P9R5S1T0W8X), as `opsdeck history list` shows them"
        )))
    }
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn deploy_item(stream: &Stream, r: &DeployRecord) -> Item {
    let mut item = Item::from([
        (PARTITION_KEY.to_owned(), s(&stream.partition_key())),
        (SORT_KEY.to_owned(), s(&r.deploy_id)),
        ("kind".to_owned(), s(KIND_DEPLOY)),
        ("deploy_id".to_owned(), s(&r.deploy_id)),
        ("service".to_owned(), s(&r.service)),
        ("environment".to_owned(), s(&r.environment)),
        ("version".to_owned(), s(&r.version)),
        ("deployer".to_owned(), s(&r.deployer)),
        ("deployed_at".to_owned(), s(&r.deployed_at)),
        ("result".to_owned(), s(r.original_result.as_str())),
    ]);
    let optional = [
        ("release_url", &r.release_url),
        ("commit", &r.commit),
        ("previous_version", &r.previous_version),
        ("previous_deploy_id", &r.previous_deploy_id),
    ];
    for (name, value) in optional {
        if let Some(v) = value {
            item.insert(name.to_owned(), s(v));
        }
    }
    // DynamoDB accepts an empty map, but absent reads the same and keeps items small.
    if !r.metadata.is_empty() {
        item.insert(
            "metadata".to_owned(),
            AttributeValue::M(r.metadata.iter().map(|(k, v)| (k.clone(), s(v))).collect()),
        );
    }
    item
}

fn event_item(stream: &Stream, deploy_id: &str, e: &MarkEvent) -> Item {
    Item::from([
        (PARTITION_KEY.to_owned(), s(&stream.partition_key())),
        (
            SORT_KEY.to_owned(),
            s(&format!("{deploy_id}{EVENT_INFIX}{}", e.event_id)),
        ),
        ("kind".to_owned(), s(KIND_EVENT)),
        ("deploy_id".to_owned(), s(deploy_id)),
        ("event_id".to_owned(), s(&e.event_id)),
        ("result".to_owned(), s(e.result.as_str())),
        ("reason".to_owned(), s(&e.reason)),
        ("marked_by".to_owned(), s(&e.marked_by)),
        ("marked_at".to_owned(), s(&e.marked_at)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> DeployRecord {
        DeployRecord {
            deploy_id: "01JH8Z3V6Q4M2N7P9R5S1T0W8X".into(),
            service: "shop".into(),
            environment: "prod".into(),
            version: "v1".into(),
            deployer: "octocat".into(),
            deployed_at: "2025-01-01T00:00:00.000Z".into(),
            result: DeployResult::Succeeded,
            original_result: DeployResult::Succeeded,
            release_url: Some("https://github.com/acme/shop/releases/tag/v1".into()),
            commit: None,
            metadata: BTreeMap::from([("run".to_owned(), "7".to_owned())]),
            previous_version: None,
            previous_deploy_id: None,
            events: Vec::new(),
        }
    }

    fn store() -> HistoryStore {
        let conf = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .build();
        HistoryStore::new(Client::from_conf(conf), "t")
    }

    #[test]
    fn items_roundtrip_and_event_keys_extend_the_deploy_key() {
        let stream = Stream::new("shop", "prod").unwrap();
        let r = record();
        let item = deploy_item(&stream, &r);
        assert_eq!(item[PARTITION_KEY].as_s().unwrap(), "shop#prod");
        assert!(
            !item.contains_key("commit"),
            "absent optionals are not written"
        );
        let Entry::Deploy(back) = store().parse(&item).unwrap() else {
            panic!("not a deploy")
        };
        assert_eq!(back, r);

        let event = MarkEvent {
            event_id: "01JH8Z3V6Q4M2N7P9R5S1T0W8Y".into(),
            result: DeployResult::Failed,
            reason: "smoke".into(),
            marked_by: "ci".into(),
            marked_at: "2025-01-01T00:01:00.000Z".into(),
        };
        let eitem = event_item(&stream, &r.deploy_id, &event);
        let sk = eitem[SORT_KEY].as_s().unwrap();
        // Newest first, the event sorts before its deploy and after any newer deploy.
        assert!(sk.as_str() > r.deploy_id.as_str());
        assert!(sk.as_str() < "01JH8Z3V6Q4M2N7P9R5S1T0W8Y");
        let Entry::Event {
            deploy_id,
            event: back,
        } = store().parse(&eitem).unwrap()
        else {
            panic!("not an event")
        };
        assert_eq!((deploy_id.as_str(), back), (r.deploy_id.as_str(), event));
    }

    #[test]
    fn malformed_items_name_the_item_and_unknown_kinds_are_skipped() {
        let stream = Stream::new("shop", "prod").unwrap();
        let mut item = deploy_item(&stream, &record());
        item.remove("version");
        let err = store().parse(&item).err().unwrap().to_string();
        assert!(
            err.contains("01JH8Z3V6Q4M2N7P9R5S1T0W8X") && err.contains("\"version\""),
            "{err}"
        );
        item.insert("kind".into(), s("future-thing"));
        assert!(matches!(store().parse(&item), Ok(Entry::Other)));
    }

    #[test]
    fn newest_mark_sets_the_effective_result() {
        let mut r = record();
        let mark = |result, id: &str| MarkEvent {
            event_id: id.into(),
            result,
            reason: "x".into(),
            marked_by: "y".into(),
            marked_at: "z".into(),
        };
        apply_events(
            &mut r,
            vec![
                mark(DeployResult::Failed, "1"),
                mark(DeployResult::RolledBack, "2"),
            ],
        );
        assert_eq!(r.result, DeployResult::RolledBack);
        assert_eq!(r.original_result, DeployResult::Succeeded);
        assert_eq!(r.reason(), Some("x"));
    }

    #[test]
    fn bad_deploy_ids_are_refused_before_any_call() {
        let e = check_deploy_id("v1.2.3").unwrap_err().to_string();
        assert!(
            e.contains("not a deploy id") && e.contains("opsdeck history list"),
            "{e}"
        );
    }
}
