//! Deploy history through the real terraform against the emulator: the resource
//! `opsdeck_deploy_record`, the data source `opsdeck_deploy_history` and the table of
//! `modules/deploy-history` (issue 5: R2.4, R2.3-b, P1, R8.2-c).
//!
//! Each test starts its own emulator and creates its own table, then reads the table
//! back through the AWS SDK: what terraform prints is never the only evidence.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use opsdeck_provider::deploy_history::{
    DeployResult, HistoryStore, NewDeploy, Stream, PARTITION_KEY, SORT_KEY,
};
use terratest::{copy_folder_to_temp, paths, Emulator, Options, TempCopy, Terraform};

type Item = HashMap<String, AttributeValue>;

const TABLE: &str = "deploy-history";

/// The table of one test, through the SDK.
struct History {
    rt: tokio::runtime::Runtime,
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl History {
    /// Connects to `table` in the emulator.
    fn connect(emulator: &Emulator, table: &str) -> Self {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(terratest::emulator::DEFAULT_REGION))
            .endpoint_url(emulator.endpoint())
            .credentials_provider(Credentials::new(
                terratest::emulator::ACCESS_KEY_ID,
                terratest::emulator::SECRET_ACCESS_KEY,
                None,
                None,
                "emulator",
            ))
            .build();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Self {
            rt,
            client: aws_sdk_dynamodb::Client::from_conf(config),
            table: table.to_owned(),
        }
    }

    /// Creates a table with the key schema of modules/deploy-history (the module's own
    /// test below applies the module itself).
    fn create(emulator: &Emulator, table: &str) -> Self {
        let history = Self::connect(emulator, table);
        let key = |name: &str, kind| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .unwrap()
        };
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap()
        };
        history
            .rt
            .block_on(
                history
                    .client
                    .create_table()
                    .table_name(table)
                    .billing_mode(BillingMode::PayPerRequest)
                    .key_schema(key(PARTITION_KEY, KeyType::Hash))
                    .key_schema(key(SORT_KEY, KeyType::Range))
                    .attribute_definitions(attr(PARTITION_KEY))
                    .attribute_definitions(attr(SORT_KEY))
                    .send(),
            )
            .unwrap();
        history
    }

    /// Every item of the table (a full scan, paginated).
    fn items(&self) -> Vec<Item> {
        self.rt.block_on(async {
            let mut items = Vec::new();
            let mut start = None;
            loop {
                let out = self
                    .client
                    .scan()
                    .table_name(&self.table)
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .unwrap();
                items.extend(out.items().iter().cloned());
                match out.last_evaluated_key() {
                    Some(k) if !k.is_empty() => start = Some(k.clone()),
                    _ => return items,
                }
            }
        })
    }

    fn deploy_items(&self) -> Vec<Item> {
        self.items()
            .into_iter()
            .filter(|i| s(i, "kind") == "deploy")
            .collect()
    }

    fn store(&self) -> HistoryStore {
        HistoryStore::new(self.client.clone(), &self.table)
    }

    fn record(&self, stream: &Stream, version: &str) -> String {
        let new = NewDeploy {
            version: version.into(),
            deployer: "seed".into(),
            ..Default::default()
        };
        self.rt
            .block_on(self.store().record(stream, &new))
            .unwrap()
            .deploy_id
    }

    fn mark(&self, stream: &Stream, deploy_id: &str, result: DeployResult, reason: &str) {
        self.rt
            .block_on(
                self.store()
                    .mark(stream, deploy_id, result, reason, "pipeline"),
            )
            .unwrap();
    }
}

fn s(item: &Item, name: &str) -> String {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default()
}

/// An output that may be null: Terraform keeps null outputs out of the state, so
/// `terraform output NAME` fails for them; the full map has them absent or null.
fn opt(tf: &Terraform, name: &str) -> Option<String> {
    tf.try_outputs()
        .unwrap()
        .get(name)
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

fn shop() -> Stream {
    Stream::new("shop", "prod").unwrap()
}

/// The `deploy_record` fixture with a version, a GITHUB_ACTOR and extra variables.
fn record_tf(
    copy: &TempCopy,
    emulator: &Emulator,
    version: &str,
    actor: &str,
    vars: &[(&str, serde_json::Value)],
) -> Terraform {
    let mut options = Options::new(&copy.path)
        .cli_config(common::cli_config())
        .envs(emulator.env())
        .env("GITHUB_ACTOR", actor)
        .var("table_name", TABLE)
        .var("app_version", version);
    for (k, v) in vars {
        options = options.var(*k, v);
    }
    Terraform::new(options)
}

#[test]
fn the_same_version_applied_twice_writes_one_record() {
    let emulator = Emulator::start().unwrap();
    let history = History::create(&emulator, TABLE);
    let copy = common::fixture("deploy_record");
    let tf = record_tf(&copy, &emulator, "v1", "ci-bot", &[]);
    tf.init();
    tf.apply_and_idempotent();
    let first: String = tf.output("deploy_id");
    assert_eq!(
        tf.output::<String>("deployer"),
        "ci-bot",
        "GITHUB_ACTOR is the default deployer"
    );
    assert_eq!(tf.output::<String>("result"), "succeeded");
    assert_eq!(
        tf.output::<String>("id"),
        format!("{TABLE}:shop:prod:{first}")
    );
    assert_eq!(
        opt(&tf, "previous_version"),
        None,
        "the first deploy has no previous"
    );

    // The same version again, applied by someone else: nothing planned, nothing written (P1).
    let again = record_tf(&copy, &emulator, "v1", "someone-else", &[]);
    let applied = again.apply_and_idempotent();
    assert!(
        applied.stdout.contains("0 added, 0 changed, 0 destroyed"),
        "{}",
        applied.stdout
    );
    assert_eq!(again.output::<String>("deploy_id"), first);
    assert_eq!(
        again.output::<String>("deployer"),
        "ci-bot",
        "the first deployer is kept"
    );
    let deploys = history.deploy_items();
    assert_eq!(deploys.len(), 1, "{deploys:?}");
    assert_eq!(s(&deploys[0], "deploy_id"), first);
    assert_eq!(s(&deploys[0], "deployer"), "ci-bot");
}

#[test]
fn a_new_version_is_a_second_record_linked_to_the_first_and_a_rollback_a_third() {
    let emulator = Emulator::start().unwrap();
    let history = History::create(&emulator, TABLE);
    let copy = common::fixture("deploy_record");
    let v1 = record_tf(&copy, &emulator, "v1", "ci-bot", &[]);
    v1.init();
    v1.apply_and_idempotent();
    let id1: String = v1.output("deploy_id");

    let v2 = record_tf(&copy, &emulator, "v2", "ci-bot", &[]);
    let plan = v2.plan();
    let change = plan
        .plan
        .change("opsdeck_deploy_record.this")
        .expect("record in plan");
    assert_eq!(change.action(), "replace", "a new version is a new record");
    v2.apply_and_idempotent();
    let id2: String = v2.output("deploy_id");
    assert!(id2 > id1, "ids are time-ordered: {id1} then {id2}");
    assert_eq!(opt(&v2, "previous_version").as_deref(), Some("v1"));
    assert_eq!(opt(&v2, "previous_deploy_id"), Some(id1.clone()));
    assert_eq!(
        v2.output::<Vec<String>>("versions"),
        vec!["v2", "v1"],
        "newest first"
    );
    assert_eq!(opt(&v2, "latest_succeeded").as_deref(), Some("v2"));
    assert_eq!(opt(&v2, "previous_succeeded").as_deref(), Some("v1"));
    // The first record is still there, as written (replace never erases history).
    let first = history
        .rt
        .block_on(history.store().get(&shop(), &id1))
        .unwrap()
        .expect("v1 kept");
    assert_eq!(
        (first.version.as_str(), first.result),
        ("v1", DeployResult::Succeeded)
    );
    assert_eq!(history.deploy_items().len(), 2);

    // The checks after the deploy fail: the pipeline marks v2 and applies the rollback target.
    history.mark(&shop(), &id2, DeployResult::Failed, "smoke test failed");
    let back = record_tf(&copy, &emulator, "v1", "ci-bot", &[]);
    back.apply();
    let id3: String = back.output("deploy_id");
    assert!(id3 > id2);
    assert_eq!(
        opt(&back, "previous_version").as_deref(),
        Some("v2"),
        "the rollback follows v2"
    );
    assert_eq!(
        back.output::<Vec<String>>("versions"),
        vec!["v1", "v2", "v1"]
    );
    assert_eq!(opt(&back, "latest_succeeded").as_deref(), Some("v1"));
    assert_eq!(history.deploy_items().len(), 3);
}

#[test]
fn outside_ci_the_deployer_is_the_caller_and_every_input_is_stored() {
    let emulator = Emulator::start().unwrap();
    let history = History::create(&emulator, TABLE);
    let copy = common::fixture("deploy_record");
    let release = "https://github.com/acme/shop/releases/tag/v1.4.2";
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let tf = record_tf(
        &copy,
        &emulator,
        "v1.4.2",
        "",
        &[
            ("release_url", release.into()),
            ("commit", commit.into()),
            (
                "metadata",
                serde_json::json!({"run_id": "42", "workflow": "deploy"}),
            ),
        ],
    );
    tf.init();
    tf.apply_and_idempotent();
    let deployer: String = tf.output("deployer");
    assert!(
        deployer.starts_with("arn:aws:sts::123456789012:"),
        "{deployer}"
    );
    let deployed_at: String = tf.output("deployed_at");
    assert!(
        deployed_at.ends_with('Z') && deployed_at.len() == 24,
        "{deployed_at}"
    );

    let items = history.deploy_items();
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(s(item, "release_url"), release);
    assert_eq!(s(item, "commit"), commit);
    assert_eq!(s(item, "deployer"), deployer);
    assert_eq!(s(item, "deployed_at"), deployed_at);
    assert_eq!(s(item, "result"), "succeeded");
    assert_eq!(s(item, PARTITION_KEY), "shop#prod");
    let metadata: BTreeMap<String, String> = item["metadata"]
        .as_m()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_s().unwrap().clone()))
        .collect();
    assert_eq!(
        metadata,
        BTreeMap::from([
            ("run_id".into(), "42".into()),
            ("workflow".into(), "deploy".into())
        ])
    );
}

#[test]
fn fifty_concurrent_writers_give_exactly_fifty_records() {
    const WRITERS: usize = 50;
    let emulator = Emulator::start().unwrap();
    let history = History::create(&emulator, TABLE);
    let copy = common::fixture("deploy_many");
    let tf = Terraform::new(
        Options::new(&copy.path)
            .cli_config(common::cli_config())
            .envs(emulator.env())
            .var("table_name", TABLE)
            .var("writers", WRITERS)
            .parallelism(WRITERS as u32),
    );
    tf.init();
    let started = Instant::now();
    tf.apply();
    let elapsed = started.elapsed();
    eprintln!(
        "measured: {WRITERS} concurrent opsdeck_deploy_record creates in one apply took {:.2}s",
        elapsed.as_secs_f64()
    );
    tf.try_assert_no_changes().unwrap();

    let ids: Vec<String> = tf.output("deploy_ids");
    let distinct: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), WRITERS, "every writer got its own id");
    let items = history.deploy_items();
    assert_eq!(items.len(), WRITERS, "exactly one item per writer");
    let deployers: BTreeSet<String> = items.iter().map(|i| s(i, "deployer")).collect();
    assert_eq!(deployers.len(), WRITERS, "no writer overwrote another");
    let stored: BTreeSet<String> = items.iter().map(|i| s(i, "deploy_id")).collect();
    assert_eq!(
        stored,
        distinct.into_iter().cloned().collect::<BTreeSet<_>>()
    );
}

#[test]
fn destroy_keeps_history_unless_retain_on_destroy_is_false() {
    let emulator = Emulator::start().unwrap();
    let history = History::create(&emulator, TABLE);
    let kept = common::fixture("deploy_record");
    let tf = record_tf(&kept, &emulator, "v1", "ci-bot", &[]);
    tf.init();
    tf.apply();
    let kept_id: String = tf.output("deploy_id");
    let destroyed = tf.destroy();
    assert!(
        destroyed.stdout.contains("1 destroyed") || destroyed.stdout.contains("2 destroyed"),
        "{}",
        destroyed.stdout
    );
    let items = history.deploy_items();
    assert_eq!(
        items.len(),
        1,
        "destroy removed the record from the state only"
    );
    assert_eq!(s(&items[0], "deploy_id"), kept_id);

    // A throwaway stack opts out: its record and the record's marks go with it.
    let throwaway = common::fixture("deploy_record");
    let tf = record_tf(
        &throwaway,
        &emulator,
        "v2",
        "ci-bot",
        &[("retain_on_destroy", false.into())],
    );
    tf.init();
    tf.apply_and_idempotent();
    let gone_id: String = tf.output("deploy_id");
    history.mark(&shop(), &gone_id, DeployResult::RolledBack, "throwaway");
    assert_eq!(history.items().len(), 3, "two deploys and one mark");
    tf.destroy();
    let items = history.items();
    assert_eq!(
        items.len(),
        1,
        "only the retained record is left: {items:?}"
    );
    assert_eq!(s(&items[0], "deploy_id"), kept_id);
}

#[test]
fn the_data_source_reads_back_the_right_previous_version() {
    let emulator = Emulator::start().unwrap();
    let history = History::create(&emulator, TABLE);
    let _v1 = history.record(&shop(), "v1");
    let v2 = history.record(&shop(), "v2");
    let v3 = history.record(&shop(), "v3");
    // Another service's history in the same table must not leak in.
    history.record(&Stream::new("cart", "prod").unwrap(), "c9");

    let copy = common::fixture("deploy_history_read");
    let read = |vars: &[(&str, serde_json::Value)]| {
        let mut options = Options::new(&copy.path)
            .cli_config(common::cli_config())
            .envs(emulator.env())
            .var("table_name", TABLE);
        for (k, v) in vars {
            options = options.var(*k, v);
        }
        let tf = Terraform::new(options);
        tf.apply_and_idempotent();
        tf
    };
    Terraform::new(
        Options::new(&copy.path)
            .cli_config(common::cli_config())
            .envs(emulator.env()),
    )
    .init();

    let all = read(&[]);
    assert_eq!(
        all.output::<Vec<String>>("versions"),
        vec!["v3", "v2", "v1"],
        "newest first"
    );
    assert_eq!(opt(&all, "current_version").as_deref(), Some("v3"));
    assert_eq!(opt(&all, "latest_succeeded").as_deref(), Some("v3"));
    assert_eq!(opt(&all, "previous_succeeded").as_deref(), Some("v2"));
    assert_eq!(opt(&all, "previous_succeeded_deploy_id"), Some(v2.clone()));

    // v3 fails its checks: the rollback target stays v2, and v2 is now the latest good one.
    history.mark(&shop(), &v3, DeployResult::Failed, "smoke test failed");
    let marked = read(&[]);
    assert_eq!(
        marked.output::<Vec<String>>("results"),
        vec!["failed", "succeeded", "succeeded"]
    );
    assert_eq!(
        marked.output::<Vec<Option<String>>>("reasons"),
        vec![Some("smoke test failed".to_owned()), None, None]
    );
    assert_eq!(marked.output::<Vec<usize>>("events"), vec![1, 0, 0]);
    assert_eq!(opt(&marked, "current_version").as_deref(), Some("v3"));
    assert_eq!(opt(&marked, "latest_succeeded").as_deref(), Some("v2"));
    assert_eq!(opt(&marked, "previous_succeeded").as_deref(), Some("v2"));

    // Filters apply to the list; the rollback target is found whatever they say.
    let failed = read(&[("result", "failed".into())]);
    assert_eq!(failed.output::<Vec<String>>("versions"), vec!["v3"]);
    let two = read(&[("limit", 2.into())]);
    assert_eq!(two.output::<Vec<String>>("versions"), vec!["v3", "v2"]);
    let one_good = read(&[("limit", 1.into()), ("result", "succeeded".into())]);
    assert_eq!(one_good.output::<Vec<String>>("versions"), vec!["v2"]);
    assert_eq!(opt(&one_good, "previous_succeeded").as_deref(), Some("v2"));

    let empty = read(&[("service", "api".into())]);
    assert!(empty.output::<Vec<String>>("versions").is_empty());
    assert_eq!(opt(&empty, "previous_succeeded"), None);
}

#[test]
fn the_data_source_reports_bad_filters_and_a_missing_table_on_their_attributes() {
    let emulator = Emulator::start().unwrap();
    let _history = History::create(&emulator, TABLE);
    let copy = common::fixture("deploy_history_read");
    let tf = |vars: &[(&str, serde_json::Value)]| {
        let mut options = Options::new(&copy.path)
            .cli_config(common::cli_config())
            .envs(emulator.env())
            .var("table_name", TABLE);
        for (k, v) in vars {
            options = options.var(*k, v);
        }
        Terraform::new(options)
    };
    tf(&[]).init();
    for (var, value, needle) in [
        (
            "result",
            serde_json::json!("ok"),
            "succeeded, failed, rolled_back",
        ),
        ("limit", serde_json::json!(0), "from 1 to 1000"),
        ("service", serde_json::json!("shop#eu"), "':' and '#'"),
    ] {
        let err = tf(&[(var, value)]).try_plan().expect_err(var);
        let out = err.output();
        assert!(
            out.contains("Invalid deploy history query") && out.contains(needle),
            "{var}: {out}"
        );
        assert!(
            out.contains(&format!("{var} ")),
            "{var}: the attribute is not named in {out}"
        );
    }
    let err = tf(&[("table_name", "no-such-table".into())])
        .try_plan()
        .unwrap_err();
    let out = err.output();
    assert!(
        out.contains("\"no-such-table\" does not exist") && out.contains("modules/deploy-history"),
        "{out}"
    );
    assert!(out.contains("table_name"), "{out}");
}

#[test]
fn a_record_is_imported_by_its_deploy_id() {
    let emulator = Emulator::start().unwrap();
    let history = History::create(&emulator, TABLE);
    let vars = [
        (
            "release_url",
            serde_json::json!("https://github.com/acme/shop/releases/tag/v1"),
        ),
        ("metadata", serde_json::json!({"run_id": "7"})),
    ];
    let original = common::fixture("deploy_record");
    let tf = record_tf(&original, &emulator, "v1", "ci-bot", &vars);
    tf.init();
    tf.apply();
    let id: String = tf.output("id");
    let deploy_id: String = tf.output("deploy_id");

    // A second working directory, with the same configuration and an empty state.
    let other = common::fixture("deploy_record");
    let tf = record_tf(&other, &emulator, "v1", "someone-else", &vars);
    tf.init();
    let err = tf
        .try_import("opsdeck_deploy_record.this", &deploy_id)
        .unwrap_err();
    assert!(
        err.output().contains("Invalid import id")
            && err.output().contains("table:service:environment:deploy_id"),
        "{}",
        err.output()
    );
    let unknown = format!("{TABLE}:shop:prod:01ARZ3NDEKTSV4RRFFQ69G5FAV");
    let err = tf
        .try_import("opsdeck_deploy_record.this", &unknown)
        .unwrap_err();
    assert!(
        err.output()
            .contains("there is no deploy \"01ARZ3NDEKTSV4RRFFQ69G5FAV\""),
        "{}",
        err.output()
    );

    tf.try_import("opsdeck_deploy_record.this", &id).unwrap();
    let plan = tf.plan();
    let change = plan
        .plan
        .change("opsdeck_deploy_record.this")
        .expect("record in plan");
    assert!(
        change.is_no_op(),
        "the imported record matches the configuration: {:?}",
        change.change.actions
    );
    tf.apply();
    assert_eq!(tf.output::<String>("deploy_id"), deploy_id);
    assert_eq!(
        tf.output::<String>("deployer"),
        "ci-bot",
        "the deployer comes from the record"
    );
    assert_eq!(history.deploy_items().len(), 1, "import wrote nothing");
}

#[test]
fn bad_inputs_and_a_missing_table_are_reported_on_their_attributes() {
    let emulator = Emulator::start().unwrap();
    let _history = History::create(&emulator, TABLE);
    let copy = common::fixture("deploy_record");
    let tf = record_tf(
        &copy,
        &emulator,
        "v 1",
        "ci-bot",
        &[
            ("service", "shop:eu".into()),
            ("release_url", "https://github.com/acme/shop".into()),
            ("commit", "HEAD".into()),
            ("metadata", serde_json::json!({"": "x"})),
        ],
    );
    tf.init();
    let err = tf.try_plan().unwrap_err();
    let out = err.output();
    assert_eq!(out.matches("Invalid deploy record").count(), 5, "{out}");
    for needle in [
        "version \"v 1\"",
        "service \"shop:eu\"",
        "releases/tag/TAG",
        "commit \"HEAD\"",
        "metadata key \"\"",
    ] {
        assert!(out.contains(needle), "{needle} missing in {out}");
    }

    let missing = record_tf(
        &copy,
        &emulator,
        "v1",
        "ci-bot",
        &[("table_name", "no-such-table".into())],
    );
    let err = missing.try_apply().unwrap_err();
    let out = err.output();
    assert!(out.contains("Cannot write the deploy record"), "{out}");
    assert!(
        out.contains("\"no-such-table\" does not exist in region us-east-1"),
        "{out}"
    );
    assert!(out.contains("Set `table_name`"), "{out}");
}

#[test]
fn the_module_table_is_encrypted_recoverable_and_takes_records() {
    let emulator = Emulator::start().unwrap();
    // Copy modules/ so the example's relative source works and no state lands in the repo.
    let modules = copy_folder_to_temp(
        &paths::repo_root().join("modules"),
        "deploy-history/examples/complete",
    )
    .unwrap();
    let module = Terraform::new(
        Options::new(&modules.path)
            .cli_config(common::cli_config())
            .envs(emulator.env())
            .var("region", terratest::emulator::DEFAULT_REGION)
            .var("name", TABLE)
            .var("deletion_protection_enabled", false)
            .var("kms_key_deletion_window_in_days", 7),
    );
    module.init();
    let _destroy = module.destroy_on_drop();
    module.apply_and_idempotent();
    assert_eq!(module.output::<String>("table_name"), TABLE);
    let key_arn: String = module.output("kms_key_arn");

    let history = History::connect(&emulator, TABLE);
    let (table, backups) = history.rt.block_on(async {
        let table = history
            .client
            .describe_table()
            .table_name(TABLE)
            .send()
            .await
            .unwrap()
            .table
            .unwrap();
        let backups = history
            .client
            .describe_continuous_backups()
            .table_name(TABLE)
            .send()
            .await
            .unwrap();
        (table, backups)
    });
    assert_eq!(
        table.billing_mode_summary().and_then(|b| b.billing_mode()),
        Some(&BillingMode::PayPerRequest)
    );
    let keys: Vec<(String, String)> = table
        .key_schema()
        .iter()
        .map(|k| {
            (
                k.attribute_name().to_owned(),
                k.key_type().as_str().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        vec![
            (PARTITION_KEY.to_owned(), "HASH".to_owned()),
            (SORT_KEY.to_owned(), "RANGE".to_owned())
        ]
    );
    let sse = table.sse_description().expect("encrypted");
    assert_eq!(sse.sse_type().map(|t| t.as_str()), Some("KMS"));
    assert_eq!(sse.kms_master_key_arn(), Some(key_arn.as_str()));
    let pitr = backups
        .continuous_backups_description()
        .and_then(|d| d.point_in_time_recovery_description())
        .and_then(|p| p.point_in_time_recovery_status());
    assert_eq!(pitr.map(|s| s.as_str()), Some("ENABLED"));

    // The provider writes into the module's table: the key schemas agree.
    let copy = common::fixture("deploy_record");
    let record = record_tf(&copy, &emulator, "v1", "ci-bot", &[]);
    record.init();
    record.apply_and_idempotent();
    assert_eq!(history.deploy_items().len(), 1);
    record.destroy();
}
