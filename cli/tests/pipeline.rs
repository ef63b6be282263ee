//! The release pipeline end to end on the emulator (issue 15): `opsdeck deploy`,
//! `rollback`, `backup`, `release` and `notify` against a lean stack
//! (tests/fixtures/pipeline: the deploy history, the artifact bucket, the version's
//! artifact read from it, the live-version parameter, an Aurora cluster, the webhook
//! secret, an alarm set), with a local HTTP app on loopback standing in for the API (it
//! serves the version the live-version parameter names), a local fake GitHub API and a
//! local Slack receiver.
//!
//! One emulator and one stack serve the whole sequence, in order: a good version deploys,
//! is recorded, released and announced; a bad version (health 500) rolls back by itself;
//! a manual rollback; bad input, each with its exit code and nothing applied; Slack down,
//! GitHub 500, a snapshot that never becomes available; a deploy interrupted during its
//! apply and the next run that finds it. (p95 over budget under load fails `verify` the
//! same way: tests/verify.rs.)

mod support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::Value;
use support::{App, Behaviour, GitHub, Slack};
use terratest::{copy_folder_to_temp, paths, CliConfig, Emulator, Options, Terraform};

const SERVICE: &str = "shop";
const TABLE: &str = "shop-deploy-history";

struct Stack {
    emulator: Emulator,
    _copy: terratest::TempCopy,
    dir: PathBuf,
    cli_config: PathBuf,
    app: App,
    github: GitHub,
    slack: Slack,
    artifacts: tempfile::TempDir,
    smoke: PathBuf,
    rt: tokio::runtime::Runtime,
    sdk: aws_config::SdkConfig,
}

fn cli_config() -> PathBuf {
    let mirror = paths::provider_mirror_dir();
    assert!(
        mirror
            .join(paths::provider_source())
            .join("index.json")
            .is_file(),
        "no provider mirror at {}: run `OPSDECK_PROVIDER_PROFILE=dev cargo xtask mirror` first",
        mirror.display()
    );
    let dir = tempfile::Builder::new()
        .prefix("opsdeck-cli-tf-")
        .tempdir()
        .unwrap()
        .keep();
    CliConfig::standard(&mirror)
        .unwrap()
        .write(&dir.join("terraformrc"))
        .unwrap()
}

/// A zip as `cargo xtask lambda` makes it: one `bootstrap`; its bytes depend on the version.
fn write_zip(dir: &Path, version: &str) -> PathBuf {
    let folder = dir.join(version);
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("api.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    zip.start_file("bootstrap", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(format!("#!/bin/sh\necho {version}\n").as_bytes())
        .unwrap();
    zip.finish().unwrap();
    folder
}

impl Stack {
    fn start() -> Self {
        let emulator = Emulator::start().unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sdk = rt.block_on(
            aws_config::defaults(aws_config::BehaviorVersion::latest())
                .endpoint_url(emulator.endpoint())
                .region(aws_config::Region::new("us-east-1"))
                .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                    "testing", "testing", None, None, "emulator",
                ))
                .load(),
        );
        let app = App::start();
        let github = GitHub::start();
        let slack = Slack::start();
        let copy = copy_folder_to_temp(&paths::repo_root(), "cli/tests/fixtures/pipeline").unwrap();
        let dir = copy.path.clone();
        let artifacts = tempfile::tempdir().unwrap();
        let smoke = artifacts.path().join("smoke.json");
        std::fs::write(
            &smoke,
            r#"{"requests": [{"name": "items", "path": "/api/items", "status": 200, "json": {"/items": []}}]}"#,
        )
        .unwrap();
        let stack = Self {
            emulator,
            _copy: copy,
            dir,
            cli_config: cli_config(),
            app,
            github,
            slack,
            artifacts,
            smoke,
            rt,
            sdk,
        };
        stack.follow_live_version();
        stack
    }

    /// The app serves whatever version the stack says runs: a poller keeps it in step
    /// with the live-version parameter, as API Gateway would route to new code.
    fn follow_live_version(&self) {
        let client = s3_client(&self.sdk);
        let live = self.app.live.clone();
        self.rt.spawn(async move {
            loop {
                let version = read_live(&client).await;
                *live.lock().unwrap() = version;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
    }

    /// The Aurora cluster the stack snapshots (the fixture reads it with a data source).
    fn create_cluster(&self) {
        self.rt
            .block_on(
                aws_sdk_rds::Client::new(&self.sdk)
                    .create_db_cluster()
                    .db_cluster_identifier("shop-db")
                    .engine("aurora-postgresql")
                    .engine_version("16.6")
                    .master_username("app")
                    .manage_master_user_password(true)
                    .serverless_v2_scaling_configuration(
                        aws_sdk_rds::types::ServerlessV2ScalingConfiguration::builder()
                            .min_capacity(0.5)
                            .max_capacity(1.0)
                            .build(),
                    )
                    .send(),
            )
            .unwrap();
    }

    fn env(&self) -> Vec<(String, String)> {
        let mut env = self.emulator.env();
        for (k, v) in [
            ("TF_CLI_CONFIG_FILE", self.cli_config.display().to_string()),
            ("TF_VAR_api_url", self.app.server.url.clone()),
            ("TF_VAR_webhook_url", self.slack.webhook()),
            ("TF_IN_AUTOMATION", "1".into()),
            ("OPSDECK_TF_DIR", self.dir.display().to_string()),
            ("GITHUB_API_URL", self.github.server.url.clone()),
            ("GITHUB_TOKEN", "test-token".into()),
            ("GITHUB_REPOSITORY", "acme/shop".into()),
            ("GITHUB_ACTOR", "octocat".into()),
            ("OPSDECK_SNAPSHOT_POLL", "100ms".into()),
            ("OPSDECK_LOCK_LEASE", "3s".into()),
        ] {
            env.push((k.to_owned(), v));
        }
        env
    }

    fn opsdeck(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_opsdeck"));
        cmd.args(args)
            .envs(self.env())
            .env_remove("GITHUB_RUN_ID")
            .env_remove("GITHUB_SHA")
            .env_remove("OPSDECK_HISTORY_TABLE")
            .env_remove("AWS_PROFILE");
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        let started = Instant::now();
        let out = self.opsdeck(args).output().unwrap();
        eprintln!(
            "--- opsdeck {} -> {:?} in {:.1} s\n{}",
            args.join(" "),
            out.status.code(),
            started.elapsed().as_secs_f64(),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// `opsdeck deploy` of `version` with the test's verify settings.
    fn deploy(&self, version: &str, extra: &[&str]) -> Output {
        let folder = write_zip(self.artifacts.path(), version);
        let folder = folder.display().to_string();
        let smoke = self.smoke.display().to_string();
        let mut args = vec![
            "deploy",
            "--version",
            version,
            "--artifacts",
            &folder,
            "--smoke",
            &smoke,
            "--rps",
            "20",
            "--duration",
            "1s",
            "--p95",
            "250ms",
            "--settle",
            "3s",
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn history(&self, service: &str) -> Value {
        let out = self.run(&[
            "history",
            "--table-name",
            TABLE,
            "--service",
            service,
            "--environment",
            "prod",
            "list",
            "--json",
            "--limit",
            "100",
        ]);
        assert!(out.status.success(), "history list failed");
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn deploys(&self) -> Vec<Value> {
        self.history(SERVICE)["deploys"].as_array().unwrap().clone()
    }

    fn live_version(&self) -> String {
        self.rt.block_on(read_live(&s3_client(&self.sdk)))
    }

    fn snapshots(&self) -> Vec<(String, String, HashMap<String, String>)> {
        self.rt.block_on(async {
            let out = aws_sdk_rds::Client::new(&self.sdk)
                .describe_db_cluster_snapshots()
                .db_cluster_identifier("shop-db")
                .snapshot_type("manual")
                .send()
                .await
                .unwrap();
            out.db_cluster_snapshots()
                .iter()
                .map(|s| {
                    (
                        s.db_cluster_snapshot_identifier()
                            .unwrap_or_default()
                            .to_owned(),
                        s.status().unwrap_or_default().to_owned(),
                        s.tag_list()
                            .iter()
                            .map(|t| {
                                (
                                    t.key().unwrap_or_default().to_owned(),
                                    t.value().unwrap_or_default().to_owned(),
                                )
                            })
                            .collect(),
                    )
                })
                .collect()
        })
    }

    fn snapshot_transition(&self, transition: Option<Value>) {
        let (path, body) = match transition {
            Some(t) => (
                "set-transition",
                serde_json::json!({"model_name": "rds::dbclustersnapshot", "transition": t}),
            ),
            None => (
                "unset-transition",
                serde_json::json!({"model_name": "rds::dbclustersnapshot"}),
            ),
        };
        let url = format!("{}/moto-api/state-manager/{path}", self.emulator.endpoint());
        ureq_post(&url, &body.to_string());
    }
}

fn s3_client(sdk: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(true)
            .build(),
    )
}

/// The version the stack runs: the live-version object holds `<version>@<artifact etag>`.
async fn read_live(client: &aws_sdk_s3::Client) -> String {
    let Ok(object) = client
        .get_object()
        .bucket("shop-artifacts")
        .key("live-version")
        .send()
        .await
    else {
        return "none".into();
    };
    let Ok(body) = object.body.collect().await else {
        return "none".into();
    };
    let text = String::from_utf8_lossy(&body.into_bytes()).into_owned();
    text.split('@').next().unwrap_or_default().trim().to_owned()
}

fn ureq_post(url: &str, body: &str) {
    // A raw HTTP/1.1 POST on loopback: the emulator's moto API.
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "POST /{path} HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut status = String::new();
    BufReader::new(stream).read_line(&mut status).unwrap();
    assert!(
        status
            .split_whitespace()
            .nth(1)
            .is_some_and(|c| c.starts_with('2')),
        "moto API {url}: {status}"
    );
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The newest deploy of `version` in a history list.
fn newest<'a>(deploys: &'a [Value], version: &str) -> &'a Value {
    deploys
        .iter()
        .find(|d| d["version"] == version)
        .unwrap_or_else(|| panic!("no deploy of {version} in {deploys:#?}"))
}

fn results_of(deploy: &Value) -> Vec<String> {
    deploy["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["result"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn release_pipeline_end_to_end() {
    let s = Stack::start();
    let started = Instant::now();
    s.create_cluster();

    // The stack before the first pipeline deploy: everything but the function.
    let tf = Terraform::new(
        Options::new(&s.dir)
            .cli_config(&s.cli_config)
            .envs(s.env())
            .var("app_version", "bootstrap"),
    );
    tf.init();
    tf.apply();
    eprintln!("bootstrap apply: {:.1} s", started.elapsed().as_secs_f64());
    // Snapshots take a moment, as on AWS, so the wait loop is exercised.
    s.snapshot_transition(Some(
        serde_json::json!({"progression": "time", "seconds": 0.5}),
    ));

    // 1. A good version deploys, is recorded, released and announced.
    let out = s.deploy("v1", &[]);
    assert_eq!(code(&out), 0, "deploy v1");
    let err = stderr(&out);
    for step in [
        "upload", "backup", "apply", "verify", "release", "record", "notify",
    ] {
        assert!(
            err.contains(&format!("<== {step}:")),
            "no timed step {step}:\n{err}"
        );
    }
    assert!(
        err.contains("creating"),
        "the snapshot wait showed no progress:\n{err}"
    );
    let deploys = s.deploys();
    let v1 = newest(&deploys, "v1");
    assert_eq!(v1["result"], "succeeded");
    assert_eq!(v1["deployer"], "octocat");
    assert_eq!(
        v1["release_url"],
        "https://github.example/acme/shop/releases/tag/v1"
    );
    let release = s.github.release("v1").expect("no GitHub Release v1");
    let body = release["body"].as_str().unwrap();
    assert!(
        body.contains(v1["deploy_id"].as_str().unwrap()),
        "the release does not link its record:\n{body}"
    );
    assert!(body.contains("none (first deploy)"), "{body}");
    assert_eq!(s.slack.texts().last().unwrap(), "Deployed: v1 to prod");
    assert_eq!(s.live_version(), "v1");
    let snaps = s.snapshots();
    assert_eq!(snaps.len(), 1, "{snaps:?}");
    assert_eq!(snaps[0].1, "available");
    assert_eq!(
        snaps[0].2.get("opsdeck:for-version").map(String::as_str),
        Some("v1")
    );

    // 2. A second good version: its release links the previous one.
    let out = s.deploy("v2", &[]);
    assert_eq!(code(&out), 0, "deploy v2");
    let v2_release = s.github.release("v2").unwrap();
    assert!(
        v2_release["body"]
            .as_str()
            .unwrap()
            .contains("[v1](https://github.example/acme/shop/releases/tag/v1)"),
        "{v2_release}"
    );
    let v1_id = newest(&s.deploys(), "v1")["deploy_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let snap_v2 = s
        .snapshots()
        .into_iter()
        .find(|(_, _, t)| t.get("opsdeck:for-version").map(String::as_str) == Some("v2"))
        .unwrap();
    assert_eq!(
        snap_v2.2.get("opsdeck:version").map(String::as_str),
        Some("v1"),
        "the snapshot holds v1's data"
    );
    assert_eq!(snap_v2.2.get("opsdeck:deploy-id"), Some(&v1_id));

    // 3. A bad version (health 500) is rolled back by itself; the cycle is timed.
    s.app.behave(
        "v3",
        Behaviour {
            health_status: Some(500),
            ..Default::default()
        },
    );
    s.slack.server.clear();
    let cycle = Instant::now();
    let out = s.deploy("v3", &[]);
    let cycle = cycle.elapsed();
    eprintln!(
        "MEASURE deploy -> verify -> rollback cycle (health 500): {:.1} s",
        cycle.as_secs_f64()
    );
    assert_eq!(code(&out), 20, "a rolled-back deploy exits 20");
    assert!(stderr(&out).contains("OPSDECK-C018"), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("rolled back to v2"),
        "{}",
        stdout(&out)
    );
    let deploys = s.deploys();
    let v3 = newest(&deploys, "v3");
    assert_eq!(results_of(v3), ["failed", "rolled_back"], "{v3:#}");
    assert_eq!(v3["result"], "rolled_back");
    assert!(
        v3["events"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("HTTP 500"),
        "{v3:#}"
    );
    assert_eq!(
        deploys[0]["version"], "v2",
        "the rollback is the current deploy"
    );
    assert_eq!(deploys[0]["metadata"]["action"], "rollback");
    assert_eq!(
        deploys[0]["metadata"]["rolled_back_deploy_id"],
        v3["deploy_id"]
    );
    assert_eq!(s.live_version(), "v2");
    assert_eq!(
        s.slack.texts(),
        ["Deploy failed: v3 to prod", "Rolled back: prod to v2"]
    );
    assert!(
        s.github.release("v3").is_none(),
        "a failed version gets no release"
    );
    assert!(
        s.snapshots().iter().any(|(_, st, t)| st == "available"
            && t.get("opsdeck:for-version").map(String::as_str) == Some("v3")),
        "no snapshot before v3"
    );

    // 4. A manual rollback: --print changes nothing, then back from v2 to v1.
    let out = s.run(&["rollback", "--print"]);
    assert_eq!(code(&out), 0);
    assert!(
        stdout(&out).contains("-var app_version=v1"),
        "{}",
        stdout(&out)
    );
    assert_eq!(s.live_version(), "v2");
    s.slack.server.clear();
    let out = s.run(&[
        "rollback",
        "--reason",
        "test rollback",
        "--settle",
        "3s",
        "--smoke",
        &s.smoke.display().to_string(),
    ]);
    assert_eq!(code(&out), 0, "manual rollback");
    assert!(stdout(&out).contains("from v2 to v1"), "{}", stdout(&out));
    let deploys = s.deploys();
    assert_eq!(deploys[0]["version"], "v1");
    assert_eq!(deploys[0]["metadata"]["action"], "rollback");
    assert_eq!(deploys[1]["version"], "v2");
    assert_eq!(results_of(&deploys[1]), ["rolled_back"]);
    assert_eq!(s.live_version(), "v1");
    assert_eq!(s.slack.texts(), ["Rolled back: prod to v1"]);

    // 5. Bad input: a clear error with its exit code, and nothing applied.
    let before = s.deploys().len();
    let bad: Vec<(Vec<String>, i32, &str, &str)> = vec![
        (
            vec!["rollback".into(), "--to".into(), "v9".into()],
            6,
            "OPSDECK-C006",
            "v9 was never deployed successfully",
        ),
        (
            vec!["rollback".into(), "--to".into(), "v1".into()],
            6,
            "OPSDECK-C006",
            "already the current version",
        ),
        (
            vec!["deploy".into(), "--version".into(), "v 5".into()],
            2,
            "OPSDECK-C001",
            "not a valid app_version",
        ),
        (
            vec![
                "deploy".into(),
                "--version".into(),
                "v5".into(),
                "--artifacts".into(),
                "/nonexistent".into(),
            ],
            6,
            "OPSDECK-C007",
            "artifacts folder",
        ),
        (
            vec![
                "rollback".into(),
                "--table-name".into(),
                "no-such-table".into(),
            ],
            3,
            "OPSDECK-C003",
            "does not exist",
        ),
        (
            vec!["rollback".into(), "--service".into(), "other".into()],
            5,
            "OPSDECK-C005",
            "no previous succeeded version",
        ),
    ];
    // The other service has one deploy: nothing before it to roll back to.
    let out = s.run(&[
        "history",
        "--table-name",
        TABLE,
        "--service",
        "other",
        "--environment",
        "prod",
        "record",
        "--version",
        "v1",
    ]);
    assert_eq!(code(&out), 0);
    for (args, exit, code_text, words) in &bad {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = s.run(&args);
        assert_eq!(code(&out), *exit, "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains(code_text) && err.contains(words),
            "{args:?}: {err}"
        );
    }
    // A smoke file that does not parse, given to a deploy.
    let broken = s.artifacts.path().join("broken.json");
    std::fs::write(&broken, "{\"requests\": [ {\"path\": \"/x\" ").unwrap();
    let folder = write_zip(s.artifacts.path(), "v5").display().to_string();
    let out = s.run(&[
        "deploy",
        "--version",
        "v5",
        "--artifacts",
        &folder,
        "--smoke",
        &broken.display().to_string(),
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("OPSDECK-C002") && stderr(&out).contains("does not parse"),
        "{}",
        stderr(&out)
    );
    // A deploy already running: the lock says who holds it.
    let lock = HashMap::from([
        ("pk".to_owned(), AttributeValue::S("shop#prod".into())),
        ("sk".to_owned(), AttributeValue::S("lock".into())),
        ("kind".to_owned(), AttributeValue::S("lock".into())),
        (
            "run_id".to_owned(),
            AttributeValue::S("01JH8Z3V6Q4M2N7P9R5S1T0W8X".into()),
        ),
        ("action".to_owned(), AttributeValue::S("deploy".into())),
        ("version".to_owned(), AttributeValue::S("v9".into())),
        ("holder".to_owned(), AttributeValue::S("alice".into())),
        ("host".to_owned(), AttributeValue::S("runner-7".into())),
        ("step".to_owned(), AttributeValue::S("apply".into())),
        ("state".to_owned(), AttributeValue::S("running".into())),
        (
            "expires_at".to_owned(),
            AttributeValue::N(
                (std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs()
                    + 600)
                    .to_string(),
            ),
        ),
    ]);
    let dynamo = aws_sdk_dynamodb::Client::new(&s.sdk);
    s.rt.block_on(
        dynamo
            .put_item()
            .table_name(TABLE)
            .set_item(Some(lock.clone()))
            .send(),
    )
    .unwrap();
    let out = s.deploy("v5", &[]);
    assert_eq!(code(&out), 9);
    let err = stderr(&out);
    assert!(
        err.contains("OPSDECK-C010")
            && err.contains("alice")
            && err.contains("v9")
            && err.contains("apply"),
        "{err}"
    );
    let mut done = lock;
    done.insert("state".into(), AttributeValue::S("done".into()));
    s.rt.block_on(
        dynamo
            .put_item()
            .table_name(TABLE)
            .set_item(Some(done))
            .send(),
    )
    .unwrap();
    assert_eq!(s.deploys().len(), before, "bad input wrote history");
    assert_eq!(s.live_version(), "v1", "bad input applied something");

    // 6. Slack down: retried, the deploy's outcome unchanged, the failure said.
    s.slack.down.store(true, Ordering::SeqCst);
    s.slack.server.clear();
    let out = s.deploy("v5", &["--slack-attempts", "3"]);
    s.slack.down.store(false, Ordering::SeqCst);
    assert_eq!(code(&out), 0, "Slack down must not fail a good deploy");
    assert!(
        stderr(&out).contains("warning: OPSDECK-C017"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("warning: OPSDECK-C017"),
        "{}",
        stdout(&out)
    );
    assert_eq!(s.slack.server.requests().len(), 3, "not retried 3 times");
    assert_eq!(newest(&s.deploys(), "v5")["result"], "succeeded");

    // 7. GitHub API 500: the deploy stands, the record has no release, the failure is
    // said; `release publish` fails with its code, then repeats it once GitHub is back.
    s.github.failing.store(true, Ordering::SeqCst);
    let out = s.deploy("v6", &[]);
    assert_eq!(code(&out), 0);
    assert!(
        stderr(&out).contains("warning: OPSDECK-C015"),
        "{}",
        stderr(&out)
    );
    let v6 = newest(&s.deploys(), "v6").clone();
    assert_eq!(v6["result"], "succeeded");
    assert_eq!(v6["release_url"], Value::Null);
    let out = s.run(&["release", "publish", "v6"]);
    assert_eq!(code(&out), 13);
    assert!(
        stderr(&out).contains("OPSDECK-C015") && stderr(&out).contains("HTTP 500"),
        "{}",
        stderr(&out)
    );
    s.github.failing.store(false, Ordering::SeqCst);
    let out = s.run(&["release", "publish", "v6"]);
    assert_eq!(code(&out), 0);
    assert!(s.github.release("v6").unwrap()["body"]
        .as_str()
        .unwrap()
        .contains(v6["deploy_id"].as_str().unwrap()));

    // 8. A snapshot that never becomes available: bounded wait, clear error, nothing applied.
    s.snapshot_transition(Some(
        serde_json::json!({"progression": "manual", "times": 1_000_000}),
    ));
    let before = s.deploys().len();
    let out = s.deploy("v7", &["--snapshot-timeout", "2s"]);
    s.snapshot_transition(Some(
        serde_json::json!({"progression": "time", "seconds": 0.5}),
    ));
    assert_eq!(code(&out), 12);
    let err = stderr(&out);
    assert!(
        err.contains("OPSDECK-C013")
            && err.contains("still creating")
            && err.contains("nothing was applied"),
        "{err}"
    );
    assert_eq!(s.live_version(), "v6");
    assert_eq!(s.deploys().len(), before);

    // 9. Interrupted during its apply: the lock keeps where; the next run says what it
    // found, records the half-applied version as failed and deploys over it.
    let folder = write_zip(s.artifacts.path(), "v8").display().to_string();
    let mut child = s
        .opsdeck(&[
            "deploy",
            "--version",
            "v8",
            "--artifacts",
            &folder,
            "--settle",
            "3s",
            "--no-release",
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stderr.take().unwrap());
    let seen = Arc::new(Mutex::new(String::new()));
    let mut signalled = false;
    for line in lines.lines() {
        let line = line.unwrap();
        seen.lock().unwrap().push_str(&format!("{line}\n"));
        if !signalled && line.contains("terraform -chdir=") {
            Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status()
                .unwrap();
            signalled = true;
        }
    }
    let status = child.wait().unwrap();
    let seen = seen.lock().unwrap().clone();
    eprintln!("--- interrupted deploy:\n{seen}");
    assert_eq!(status.code(), Some(130), "{seen}");
    assert!(seen.contains("OPSDECK-C020"), "{seen}");
    let out = s.deploy("v8", &[]);
    assert_eq!(code(&out), 0, "the run after the interrupted one");
    let err = stderr(&out);
    assert!(
        err.contains("found: an earlier run did not finish") && err.contains("v8"),
        "{err}"
    );
    // The interrupted run uploaded the same zip: skipped now, not uploaded twice.
    assert!(err.contains("unchanged (same sha256), skipped"), "{err}");
    let deploys = s.deploys();
    assert_eq!(deploys[0]["version"], "v8");
    assert_eq!(deploys[0]["result"], "succeeded");
    assert_eq!(
        deploys[1]["version"], "v8",
        "the interrupted apply is in the history"
    );
    assert_eq!(results_of(&deploys[1]), ["failed"]);
    assert!(deploys[1]["events"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("interrupted"));

    // Backups: one per deploy run that got past its lock (v7's became available later).
    let out = s.run(&["backup", "list", "--json"]);
    assert_eq!(code(&out), 0);
    let listed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.len(), 8, "{listed:#?}");
    // An operator marks the v8 deploy bad (the interrupted one already is): the last good
    // deploy is then v6, whose data the snapshots before v7 and before the interrupted v8
    // hold.
    let deploys = s.deploys();
    for d in &deploys[..1] {
        let id = d["deploy_id"].as_str().unwrap();
        let out = s.run(&[
            "history",
            "--table-name",
            TABLE,
            "--service",
            SERVICE,
            "--environment",
            "prod",
            "mark",
            id,
            "--result",
            "failed",
            "--reason",
            "bad data found",
        ]);
        assert_eq!(code(&out), 0);
    }
    let last_good = deploys
        .iter()
        .find(|d| d["version"] == "v6" && d["result"] == "succeeded")
        .unwrap()["deploy_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pinned: Vec<String> = listed
        .iter()
        .filter(|x| x["deploy_id"] == last_good.as_str())
        .map(|x| x["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        pinned.len(),
        2,
        "v7's and the interrupted v8's snapshots hold v6: {listed:#?}"
    );
    let out = s.run(&["backup", "prune", "--keep", "1", "--json"]);
    assert_eq!(code(&out), 0);
    let mut remaining: Vec<String> = s.snapshots().into_iter().map(|(id, _, _)| id).collect();
    remaining.sort();
    let mut expected = vec![
        listed[0]["id"].as_str().unwrap().to_owned(),
        pinned[0].clone(),
    ];
    expected.sort();
    assert_eq!(
        remaining, expected,
        "prune keeps the newest and the newest of the last good deploy's"
    );

    eprintln!(
        "MEASURE end-to-end sequence: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
