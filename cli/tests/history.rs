//! The `opsdeck` binary end to end against the emulator: every `history` command, its
//! table and JSON output, its errors and exit codes, 50 writers at once, and the
//! conditional put that refuses to overwrite a taken id.

use std::collections::{BTreeSet, HashMap};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Instant;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use opsdeck_provider::deploy_history::id::{IdGenerator, UlidGenerator};
use opsdeck_provider::deploy_history::{
    HistoryError, HistoryStore, NewDeploy, Stream, PARTITION_KEY, SORT_KEY,
};
use serde_json::Value;
use terratest::Emulator;

const TABLE: &str = "deploy-history";
type Item = HashMap<String, AttributeValue>;

struct Fixture {
    emulator: Emulator,
    rt: tokio::runtime::Runtime,
    client: aws_sdk_dynamodb::Client,
}

impl Fixture {
    /// An emulator with an empty history table (the key schema of modules/deploy-history).
    fn new() -> Self {
        let emulator = Emulator::start().unwrap();
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
        let client = aws_sdk_dynamodb::Client::from_conf(config);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
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
        rt.block_on(
            client
                .create_table()
                .table_name(TABLE)
                .billing_mode(BillingMode::PayPerRequest)
                .key_schema(key(PARTITION_KEY, KeyType::Hash))
                .key_schema(key(SORT_KEY, KeyType::Range))
                .attribute_definitions(attr(PARTITION_KEY))
                .attribute_definitions(attr(SORT_KEY))
                .send(),
        )
        .unwrap();
        Self {
            emulator,
            rt,
            client,
        }
    }

    /// `opsdeck` with the emulator's AWS settings, the table, shop/prod, no CI actor.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_opsdeck"));
        cmd.args(args)
            .envs(self.emulator.env())
            .env("OPSDECK_HISTORY_TABLE", TABLE)
            .env("OPSDECK_SERVICE", "shop")
            .env("OPSDECK_ENVIRONMENT", "prod")
            .env_remove("GITHUB_ACTOR")
            .env_remove("AWS_PROFILE");
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Runs a command that must succeed and returns its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "opsdeck {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    fn items(&self) -> Vec<Item> {
        self.rt
            .block_on(self.client.scan().table_name(TABLE).send())
            .unwrap()
            .items()
            .to_vec()
    }

    fn store(&self) -> HistoryStore {
        HistoryStore::new(self.client.clone(), TABLE)
    }
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn record_list_show_previous_and_mark_end_to_end() {
    let f = Fixture::new();
    let v1 = f.json(&[
        "history",
        "record",
        "--version",
        "v1",
        "--release-url",
        "https://github.com/acme/shop/releases/tag/v1",
        "--commit",
        "0123abc",
        "--metadata",
        "run_id=41",
    ]);
    let id1 = v1["deploy_id"].as_str().unwrap().to_owned();
    assert!(
        v1["deployer"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:sts::123456789012:"),
        "caller ARN outside CI: {v1}"
    );
    assert_eq!(v1["metadata"]["run_id"], "41");
    let v2 = f.json(&[
        "history",
        "record",
        "--version",
        "v2",
        "--deployer",
        "octocat",
    ]);
    let id2 = v2["deploy_id"].as_str().unwrap().to_owned();
    assert_eq!(v2["previous_version"], "v1");
    assert_eq!(v2["previous_deploy_id"], id1.as_str());

    // list, as a table for people
    let table = f.ok(&["history", "list"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("DEPLOY ID")
            && lines[0].contains("VERSION")
            && lines[0].contains("RESULT"),
        "{table}"
    );
    assert!(
        lines[1].starts_with(&id2) && lines[1].contains(" v2 ") && lines[1].contains("octocat"),
        "{table}"
    );
    assert!(
        lines[2].starts_with(&id1)
            && lines[2].contains("https://github.com/acme/shop/releases/tag/v1"),
        "{table}"
    );
    assert!(
        table.contains("latest succeeded: v2") && table.contains("rollback target:  v1"),
        "{table}"
    );
    // ... and as JSON for scripts
    let list = f.json(&["history", "list"]);
    let versions: Vec<&str> = list["deploys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["v2", "v1"]);
    assert_eq!(
        (
            list["latest_succeeded"].as_str(),
            list["previous_succeeded"].as_str()
        ),
        (Some("v2"), Some("v1"))
    );

    let previous = f.ok(&["history", "previous"]);
    assert!(previous.starts_with("rollback target: v1\n"), "{previous}");
    let previous = f.json(&["history", "previous"]);
    assert_eq!(
        (previous["version"].as_str(), previous["deploy_id"].as_str()),
        (Some("v1"), Some(id1.as_str()))
    );
    assert_eq!(previous["current_version"], "v2");

    // The checks fail: mark appends an event and keeps the record as written.
    let mut mark = f.command(&[
        "history",
        "mark",
        &id2,
        "--result",
        "failed",
        "--reason",
        "smoke test failed",
        "--json",
    ]);
    let out = mark.env("GITHUB_ACTOR", "ci-bot").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let marked: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(marked["deploy"]["result"], "failed");
    assert_eq!(marked["deploy"]["original_result"], "succeeded");
    assert_eq!(
        marked["event"]["marked_by"], "ci-bot",
        "GITHUB_ACTOR marks by default"
    );
    let items = f.items();
    assert_eq!(items.len(), 3, "two deploys and one event: {items:?}");
    let record2 = items
        .iter()
        .find(|i| i[SORT_KEY].as_s().unwrap() == &id2)
        .unwrap();
    assert_eq!(
        record2["result"].as_s().unwrap(),
        "succeeded",
        "the original entry is kept"
    );

    let show = f.ok(&["history", "show", &id2]);
    assert!(
        show.contains("failed (recorded as succeeded)")
            && show.contains("smoke test failed")
            && show.contains("ci-bot"),
        "{show}"
    );
    f.ok(&[
        "history",
        "mark",
        &id2,
        "--result",
        "rolled_back",
        "--reason",
        "rolled back to v1",
        "--by",
        "release-manager",
    ]);
    let shown = f.json(&["history", "show", &id2]);
    assert_eq!(shown["result"], "rolled_back");
    let events: Vec<(&str, &str)> = shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["result"].as_str().unwrap(),
                e["marked_by"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [("failed", "ci-bot"), ("rolled_back", "release-manager")],
        "oldest first"
    );

    let rolled = f.json(&["history", "list", "--result", "rolled_back"]);
    assert_eq!(rolled["deploys"].as_array().unwrap().len(), 1);
    assert_eq!(rolled["deploys"][0]["deploy_id"], id2.as_str());
    let one = f.ok(&["history", "list", "--limit", "1", "--table"]);
    assert_eq!(
        one.lines()
            .filter(|l| l.starts_with(&id1) || l.starts_with(&id2))
            .count(),
        1,
        "{one}"
    );
    assert_eq!(
        f.json(&["history", "previous"])["version"],
        "v1",
        "still the rollback target"
    );
    assert_eq!(f.json(&["history", "list"])["latest_succeeded"], "v1");
}

#[test]
fn errors_are_clear_and_exit_with_the_documented_codes() {
    let f = Fixture::new();
    // 0: an empty history is not an error for list.
    let empty = f.ok(&["history", "list"]);
    assert!(
        empty.contains("no deploys are recorded for shop/prod"),
        "{empty}"
    );
    // 5: nothing recorded, so nothing to roll back to.
    let out = f.run(&["history", "previous"]);
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no deploy is recorded"),
        "{}",
        stderr(&out)
    );
    f.ok(&["history", "record", "--version", "v1"]);
    f.ok(&["history", "record", "--version", "v1"]);
    let out = f.run(&["history", "previous"]);
    assert_eq!(code(&out), 5);
    assert!(
        stderr(&out).contains("other than the current \"v1\"") && stderr(&out).contains("hint: "),
        "{}",
        stderr(&out)
    );

    // 3: the table does not exist.
    let out = f.run(&["history", "list", "--table-name", "no-such-table"]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("\"no-such-table\" does not exist in region us-east-1"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("--table-name (OPSDECK_HISTORY_TABLE)"),
        "{}",
        stderr(&out)
    );

    // 4: a well-formed id that is not in this history.
    for args in [
        [
            "history",
            "show",
            "01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "",
            "",
            "",
            "",
        ],
        [
            "history",
            "mark",
            "01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "--result",
            "failed",
            "--reason",
            "x",
        ],
    ] {
        let args: Vec<&str> = args.into_iter().filter(|a| !a.is_empty()).collect();
        let out = f.run(&args);
        assert_eq!(code(&out), 4, "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out)
                .contains("there is no deploy \"01ARZ3NDEKTSV4RRFFQ69G5FAV\" for shop/prod"),
            "{}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains("`opsdeck history list`"),
            "{}",
            stderr(&out)
        );
    }

    // 2: usage, each with what to fix.
    let usage: [(&[&str], &str); 6] = [
        (&["history", "show", "v1.2.3"], "not a deploy id"),
        (
            &["history", "list", "--service", "shop:eu"],
            "service \"shop:eu\" is not valid",
        ),
        (
            &[
                "history",
                "mark",
                "01ARZ3NDEKTSV4RRFFQ69G5FAV",
                "--result",
                "succeeded",
                "--reason",
                "x",
            ],
            "possible values: failed, rolled_back",
        ),
        (
            &[
                "history",
                "mark",
                "01ARZ3NDEKTSV4RRFFQ69G5FAV",
                "--result",
                "failed",
            ],
            "--reason",
        ),
        (&["history", "list", "--limit", "0"], "--limit"),
        (
            &[
                "history",
                "record",
                "--version",
                "v2",
                "--release-url",
                "https://github.com/acme/shop",
            ],
            "releases/tag/TAG",
        ),
    ];
    for (args, needle) in usage {
        let out = f.run(args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(needle),
            "{args:?}: {needle} not in {}",
            stderr(&out)
        );
    }
    let out = f
        .command(&["history", "list"])
        .env_remove("OPSDECK_SERVICE")
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("--service is required (or set OPSDECK_SERVICE)"),
        "{}",
        stderr(&out)
    );

    // 1: AWS cannot be reached (nothing listens on port 1).
    let out = f
        .command(&["history", "list"])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    // The sentence names the service, the operation and what happened.
    for part in ["dynamodb", "Query", "Connection refused"] {
        assert!(
            stderr(&out).contains(part),
            "{part} not in {}",
            stderr(&out)
        );
    }
    for leak in ["testing", "panicked", "backtrace"] {
        assert!(!stderr(&out).contains(leak), "{leak} in {}", stderr(&out));
    }

    // --help is not an error.
    let help = f.run(&["history", "--help"]);
    assert_eq!(code(&help), 0);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("previous") && help.contains("3 history table not found"),
        "{help}"
    );
}

#[test]
fn fifty_concurrent_cli_writers_give_exactly_fifty_records() {
    const WRITERS: usize = 50;
    let f = Fixture::new();
    let started = Instant::now();
    let children: Vec<_> = (0..WRITERS)
        .map(|i| {
            f.command(&[
                "history",
                "record",
                "--version",
                &format!("v1.0.{i}"),
                "--deployer",
                &format!("writer-{i}"),
                "--json",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let elapsed = started.elapsed();
    eprintln!(
        "measured: {WRITERS} concurrent `opsdeck history record` processes took {:.2}s",
        elapsed.as_secs_f64()
    );
    for out in &outputs {
        assert!(out.status.success(), "{}", stderr(out));
    }
    let printed: BTreeSet<String> = outputs
        .iter()
        .map(|o| {
            serde_json::from_slice::<Value>(&o.stdout).unwrap()["deploy_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(printed.len(), WRITERS);
    let items = f.items();
    assert_eq!(items.len(), WRITERS, "exactly one item per writer");
    let stored: BTreeSet<String> = items
        .iter()
        .map(|i| i[SORT_KEY].as_s().unwrap().clone())
        .collect();
    assert_eq!(stored, printed);
    let deployers: BTreeSet<&String> = items
        .iter()
        .map(|i| i["deployer"].as_s().unwrap())
        .collect();
    assert_eq!(deployers.len(), WRITERS, "nobody overwrote anybody");
    let list = f.json(&["history", "list", "--limit", "1000"]);
    assert_eq!(list["deploys"].as_array().unwrap().len(), WRITERS);
}

/// Hands out `fixed` for the first `times` calls, then real ids.
struct Colliding {
    fixed: &'static str,
    times: u32,
    calls: AtomicU32,
}

impl IdGenerator for Colliding {
    fn generate(&self, millis: u64) -> Result<String, String> {
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.times {
            Ok(self.fixed.to_owned())
        } else {
            UlidGenerator.generate(millis)
        }
    }
}

#[test]
fn a_taken_id_is_retried_never_overwritten() {
    const FIXED: &str = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    let f = Fixture::new();
    let stream = Stream::new("shop", "prod").unwrap();
    let new = |version: &str| NewDeploy {
        version: version.into(),
        deployer: "t".into(),
        ..Default::default()
    };
    // The first record takes FIXED; the second is handed FIXED twice more (both its
    // tries at the first attempt) and must end up with a fresh id.
    let ids = Arc::new(Colliding {
        fixed: FIXED,
        times: 3,
        calls: AtomicU32::new(0),
    });
    let store = f.store().with_id_generator(ids.clone());
    f.emulator.clear_request_log().unwrap();
    let first = f.rt.block_on(store.record(&stream, &new("v1"))).unwrap();
    assert_eq!(first.deploy_id, FIXED);
    let second = f.rt.block_on(store.record(&stream, &new("v2"))).unwrap();
    assert_ne!(second.deploy_id, FIXED);
    let puts = f.emulator.request_log().unwrap().count("dynamodb:PutItem");
    assert_eq!(puts, 3, "one refused conditional put in between");
    let items = f.items();
    assert_eq!(items.len(), 2);
    let fixed = items
        .iter()
        .find(|i| i[SORT_KEY].as_s().unwrap() == FIXED)
        .unwrap();
    assert_eq!(
        fixed["version"].as_s().unwrap(),
        "v1",
        "the taken id kept its record"
    );

    // An id source that never yields a free id: a bounded number of tries, then an error.
    let stuck = f.store().with_id_generator(Arc::new(Colliding {
        fixed: FIXED,
        times: u32::MAX,
        calls: AtomicU32::new(0),
    }));
    let err =
        f.rt.block_on(stuck.record(&stream, &new("v3")))
            .unwrap_err();
    assert!(
        matches!(err, HistoryError::IdsExhausted { attempts: 5, .. }),
        "{err}"
    );
    assert_eq!(f.items().len(), 2);
    let again =
        f.rt.block_on(f.store().get(&stream, FIXED))
            .unwrap()
            .unwrap();
    assert_eq!(again.version, "v1");
}
