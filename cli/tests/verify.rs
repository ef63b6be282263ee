//! `opsdeck verify` and `opsdeck notify slack` against local stand-ins on loopback, with
//! no AWS: health, smoke, the load step and its budget, unreachable URLs, bad smoke
//! files, and Slack messages in the notifier's format, retried when Slack is down.

mod support;

use std::process::{Command, Output};
use std::sync::atomic::Ordering;
use std::time::Duration;

use support::{App, Behaviour, Slack};

fn opsdeck(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .env_remove("OPSDECK_TF_DIR")
        .env_remove("GITHUB_ACTOR")
        .env("OPSDECK_TERRAFORM", "/nonexistent/terraform")
        .output()
        .unwrap();
    eprintln!(
        "--- opsdeck {} -> {:?}\n{}{}",
        args.join(" "),
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn app_with(version: &str, b: Behaviour) -> App {
    let app = App::start();
    *app.live.lock().unwrap() = version.to_owned();
    app.behave(version, b);
    app
}

#[test]
fn a_healthy_app_passes_with_the_load_table() {
    let app = app_with("v1", Behaviour::default());
    let dir = tempfile::tempdir().unwrap();
    let smoke = dir.path().join("smoke.json");
    std::fs::write(
        &smoke,
        r#"{"requests": [{"path": "/api/items", "json": {"/items": []}}]}"#,
    )
    .unwrap();
    let out = opsdeck(&[
        "verify",
        "--url",
        &app.server.url,
        "--no-alarms",
        "--smoke",
        &smoke.display().to_string(),
        "--rps",
        "50",
        "--duration",
        "1s",
        "--expect-version",
        "v1",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("P95") && stdout.contains("50 rps") && stdout.contains("passed"),
        "{stdout}"
    );
    assert!(stdout.contains("smoke GET /api/items"), "{stdout}");
    // 1 health + 1 smoke + 50 load requests reached the app.
    let served = app.server.requests().len();
    assert!((50..=53).contains(&served), "{served} requests");
}

#[test]
fn p95_over_budget_fails_with_its_code() {
    let app = app_with(
        "v2",
        Behaviour {
            delay: Duration::from_millis(150),
            ..Default::default()
        },
    );
    let out = opsdeck(&[
        "verify",
        "--url",
        &app.server.url,
        "--no-alarms",
        "--rps",
        "20",
        "--duration",
        "1s",
        "--p95",
        "50ms",
    ]);
    assert_eq!(out.status.code(), Some(10));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("OPSDECK-C011") && stderr.contains("load"),
        "{stderr}"
    );
    assert!(
        text(&out.stdout).contains("FAILED"),
        "the report is printed too"
    );
}

#[test]
fn a_failing_health_endpoint_names_the_failed_check() {
    let app = app_with(
        "v3",
        Behaviour {
            health_status: Some(503),
            ..Default::default()
        },
    );
    let out = opsdeck(&[
        "verify",
        "--url",
        &app.server.url,
        "--no-alarms",
        "--settle",
        "1s",
    ]);
    assert_eq!(out.status.code(), Some(10));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("HTTP 503") && stderr.contains("database_connect"),
        "{stderr}"
    );
}

#[test]
fn an_unreachable_url_is_its_own_exit_code() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = opsdeck(&[
        "verify",
        "--url",
        &format!("http://127.0.0.1:{port}"),
        "--no-alarms",
        "--settle",
        "1s",
    ]);
    assert_eq!(out.status.code(), Some(11));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("OPSDECK-C012") && stderr.contains("unreachable"),
        "{stderr}"
    );
    let out = opsdeck(&["verify", "--url", "ftp://example.com", "--no-alarms"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("OPSDECK-C001"));
}

#[test]
fn a_smoke_file_that_does_not_parse_is_refused_before_any_request() {
    let app = app_with("v1", Behaviour::default());
    let dir = tempfile::tempdir().unwrap();
    let smoke = dir.path().join("smoke.json");
    std::fs::write(
        &smoke,
        "{\"requests\": [\n  {\"path\": \"/x\", \"status\": \"two hundred\"}\n]}",
    )
    .unwrap();
    let out = opsdeck(&[
        "verify",
        "--url",
        &app.server.url,
        "--no-alarms",
        "--smoke",
        &smoke.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("OPSDECK-C002") && stderr.contains("line 2"),
        "{stderr}"
    );
    assert!(app.server.requests().is_empty(), "requests were sent");
}

#[test]
fn usage_errors_carry_their_code() {
    let out = opsdeck(&["verify", "--rps", "10"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("OPSDECK-C001"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn slack_gets_the_notifiers_format_and_retries_when_down() {
    let slack = Slack::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("webhook");
    std::fs::write(
        &file,
        format!("{{\"webhook_url\": \"{}\"}}", slack.webhook()),
    )
    .unwrap();
    let file = file.display().to_string();
    let args = [
        "notify",
        "slack",
        "--event",
        "failure",
        "--version",
        "v3",
        "--previous-version",
        "v2",
        "--environment",
        "prod",
        "--reason",
        "health 500",
        "--check",
        "health=failed:HTTP 500",
        "--webhook-file",
        &file,
        "--slack-attempts",
        "3",
    ];
    let out = opsdeck(&args);
    assert_eq!(out.status.code(), Some(0));
    let requests = slack.server.requests();
    assert_eq!(requests.len(), 1);
    let payload = requests[0].json();
    assert_eq!(payload["text"], "Deploy failed: v3 to prod");
    let blocks = payload["blocks"].to_string();
    assert!(
        blocks.contains(":x: Deploy failed: v3 to prod") && blocks.contains("HTTP 500"),
        "{blocks}"
    );

    slack.down.store(true, Ordering::SeqCst);
    slack.server.clear();
    let out = opsdeck(&args);
    assert_eq!(out.status.code(), Some(14));
    assert!(
        text(&out.stderr).contains("OPSDECK-C017"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(slack.server.requests().len(), 3, "three attempts");

    // A file without a usable URL: the error says so without repeating the file's value.
    std::fs::write(&file, "http://hooks.example.com/services/SECRETVALUE").unwrap();
    let out = opsdeck(&args);
    assert_eq!(out.status.code(), Some(14));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("OPSDECK-C016") && !stderr.contains("SECRETVALUE"),
        "{stderr}"
    );
}
