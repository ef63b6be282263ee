//! The handler end to end against local servers playing Slack's webhook and Secrets
//! Manager: 200 `ok`, 429 with Retry-After, 5xx, timeouts, permanent 4xx, a missing
//! secret, and the webhook URL kept out of every error.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use slack_notifier::format::FormatContext;
use slack_notifier::slack::RetryPolicy;
use slack_notifier::{Config, Notifier, NotifyError};
use support::{alarm_event, secrets_manager_reply, Reply, Server, SECRET_ARN};

/// Slack plays `script` in order (the last entry repeats); Secrets Manager serves the
/// secrets in `secrets`, which a test may change while running.
struct World {
    server: Server,
    secrets: Arc<Mutex<Vec<(String, String)>>>,
    hook_path: &'static str,
}

impl World {
    async fn start(script: Vec<Reply>) -> Self {
        let secrets: Arc<Mutex<Vec<(String, String)>>> = Arc::new(Mutex::new(Vec::new()));
        let calls = AtomicUsize::new(0);
        let shared = Arc::clone(&secrets);
        let server = Server::start(move |req| {
            if req.header("x-amz-target") == Some("secretsmanager.GetSecretValue") {
                return secrets_manager_reply(req, &shared.lock().unwrap());
            }
            let i = calls.fetch_add(1, Ordering::SeqCst);
            script[i.min(script.len() - 1)].clone()
        })
        .await;
        Self {
            server,
            secrets,
            hook_path: "/services/T0000/B0000/sekr1tT0ken",
        }
    }

    fn store_webhook(&self) {
        let url = self.server.url(self.hook_path);
        self.secrets
            .lock()
            .unwrap()
            .push((SECRET_ARN.to_owned(), url));
    }

    fn notifier(&self, retry: RetryPolicy) -> Notifier {
        let sm = aws_sdk_secretsmanager::Config::builder()
            .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
            .region(aws_sdk_secretsmanager::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_secretsmanager::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .endpoint_url(self.server.url(""))
            .build();
        let config = Config {
            webhook_secret_arn: SECRET_ARN.to_owned(),
            retry,
            format: FormatContext::default(),
        };
        Notifier::new(config, aws_sdk_secretsmanager::Client::from_conf(sm)).expect("notifier")
    }

    fn slack_calls(&self) -> Vec<support::Request> {
        self.server.requests_to("/services/")
    }

    fn secret_reads(&self) -> usize {
        self.server
            .requests()
            .iter()
            .filter(|r| r.header("x-amz-target").is_some())
            .count()
    }

    /// No error text may carry the webhook's secret path.
    fn assert_no_url(&self, text: &str) {
        assert!(
            !text.contains("sekr1tT0ken"),
            "the webhook URL leaked: {text}"
        );
    }
}

fn fast() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        request_timeout: Duration::from_secs(2),
        base_backoff: Duration::from_millis(40),
        max_backoff: Duration::from_millis(200),
        max_retry_after: Duration::from_secs(5),
    }
}

#[tokio::test]
async fn posts_block_kit_and_reads_the_secret_once_per_cold_start() {
    let world = World::start(vec![Reply::new(200, "ok")]).await;
    world.store_webhook();
    let notifier = world.notifier(fast());
    for _ in 0..2 {
        let summary = notifier
            .handle(&alarm_event(), "req-1", None)
            .await
            .expect("delivered");
        assert_eq!(summary.posted.len(), 1);
        assert_eq!(summary.posted[0].kind, "metric_alarm");
        assert_eq!(summary.posted[0].attempts, 1);
    }
    assert_eq!(
        world.secret_reads(),
        1,
        "the secret is cached after the first read"
    );
    let calls = world.slack_calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].method, "POST");
    assert!(calls[0]
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/json")));
    let body = calls[0].json();
    assert_eq!(body["blocks"][0]["type"], "header");
    assert!(body["blocks"][0]["text"]["text"]
        .as_str()
        .unwrap()
        .contains("prod-api-lambda-errors"));
}

#[tokio::test]
async fn a_429_is_retried_after_the_seconds_slack_asks_for() {
    let world = World::start(vec![
        Reply::new(429, "rate_limited").header("Retry-After", "1"),
        Reply::new(200, "ok"),
    ])
    .await;
    world.store_webhook();
    let summary = world
        .notifier(fast())
        .handle(&alarm_event(), "req", None)
        .await
        .expect("delivered on the second try");
    assert_eq!(summary.posted[0].attempts, 2);
    let calls = world.slack_calls();
    assert_eq!(calls.len(), 2);
    let waited = calls[1].at - calls[0].at;
    assert!(
        waited >= Duration::from_millis(950),
        "waited only {waited:?} despite Retry-After: 1"
    );
}

#[tokio::test]
async fn a_retry_after_longer_than_allowed_fails_at_once_for_lambda_to_retry() {
    let world = World::start(vec![
        Reply::new(429, "rate_limited").header("Retry-After", "120"),
        Reply::new(200, "ok"),
    ])
    .await;
    world.store_webhook();
    let err = world
        .notifier(fast())
        .handle(&alarm_event(), "req", None)
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), "SlackRateLimited");
    assert!(err.to_string().contains("Retry-After 120 s"), "{err}");
    assert_eq!(world.slack_calls().len(), 1);
    world.assert_no_url(&err.to_string());
}

#[tokio::test]
async fn a_retry_after_past_the_invocation_deadline_is_not_waited_for() {
    let world = World::start(vec![
        Reply::new(429, "").header("Retry-After", "2"),
        Reply::new(200, "ok"),
    ])
    .await;
    world.store_webhook();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    let err = world
        .notifier(fast())
        .handle(&alarm_event(), "req", Some(deadline))
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), "SlackRateLimited");
    assert_eq!(world.slack_calls().len(), 1);
}

#[tokio::test]
async fn a_5xx_is_retried_with_backoff_and_then_succeeds() {
    let world = World::start(vec![
        Reply::new(500, "rollup_error"),
        Reply::new(503, ""),
        Reply::new(200, "ok"),
    ])
    .await;
    world.store_webhook();
    let summary = world
        .notifier(fast())
        .handle(&alarm_event(), "req", None)
        .await
        .expect("third attempt succeeds");
    assert_eq!(summary.posted[0].attempts, 3);
    let calls = world.slack_calls();
    // Backoff: at least half of 40 ms, then half of 80 ms.
    assert!(calls[1].at - calls[0].at >= Duration::from_millis(20));
    assert!(calls[2].at - calls[1].at >= Duration::from_millis(40));
}

#[tokio::test]
async fn persistent_5xx_ends_in_an_error_after_the_last_attempt() {
    let world = World::start(vec![Reply::new(500, "rollup_error")]).await;
    world.store_webhook();
    let err = world
        .notifier(fast())
        .handle(&alarm_event(), "req", None)
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), "SlackUnavailable");
    let text = err.to_string();
    assert!(
        text.contains("after 3 attempt(s)") && text.contains("HTTP 500"),
        "{text}"
    );
    assert_eq!(world.slack_calls().len(), 3);
    world.assert_no_url(&text);
    // The runtime reports it as the invocation's error, which triggers Lambda's retries.
    let diagnostic: lambda_runtime::Diagnostic = err.into();
    assert_eq!(diagnostic.error_type, "SlackUnavailable");
}

#[tokio::test]
async fn a_timeout_is_a_transient_failure() {
    let world = World::start(vec![Reply::new(200, "ok").delay(Duration::from_secs(3))]).await;
    world.store_webhook();
    let policy = RetryPolicy {
        max_attempts: 2,
        request_timeout: Duration::from_millis(300),
        ..fast()
    };
    let started = std::time::Instant::now();
    let err = world
        .notifier(policy)
        .handle(&alarm_event(), "req", None)
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), "SlackUnavailable");
    assert!(
        err.to_string().contains("no response within 300 ms"),
        "{err}"
    );
    assert_eq!(world.slack_calls().len(), 2);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "did not give up on time: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_permanent_4xx_is_not_retried() {
    let world = World::start(vec![Reply::new(404, "no_service")]).await;
    world.store_webhook();
    let err = world
        .notifier(fast())
        .handle(&alarm_event(), "req", None)
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), "SlackRejected");
    assert!(err.to_string().contains("HTTP 404 \"no_service\""), "{err}");
    assert_eq!(world.slack_calls().len(), 1);
    world.assert_no_url(&err.to_string());
}

#[tokio::test]
async fn a_missing_secret_is_a_clear_error_and_is_not_cached() {
    let world = World::start(vec![Reply::new(200, "ok")]).await;
    let notifier = world.notifier(fast());
    let err = notifier
        .handle(&alarm_event(), "req", None)
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Secret(_)));
    assert_eq!(err.error_type(), "WebhookSecretNotFound");
    let text = err.to_string();
    assert!(
        text.contains(SECRET_ARN) && text.contains("does not exist"),
        "{text}"
    );
    assert!(world.slack_calls().is_empty());

    // Once the secret exists, the same warm environment delivers.
    world.store_webhook();
    notifier
        .handle(&alarm_event(), "req", None)
        .await
        .expect("delivered after the secret was created");
    assert_eq!(world.slack_calls().len(), 1);
}

#[tokio::test]
async fn a_secret_that_holds_no_usable_url_is_refused_without_echoing_it() {
    let world = World::start(vec![Reply::new(200, "ok")]).await;
    world.secrets.lock().unwrap().push((
        SECRET_ARN.to_owned(),
        "http://hooks.slack.com/services/T/B/sekr1tT0ken".to_owned(),
    ));
    let err = world
        .notifier(fast())
        .handle(&alarm_event(), "req", None)
        .await
        .unwrap_err();
    // Its own family: a value that is there but unusable (N004), not an unreachable
    // Secrets Manager (N005).
    assert_eq!(err.error_type(), "WebhookSecretInvalid");
    assert!(err.to_string().starts_with("OPSDECK-N004: "), "{err}");
    assert!(err.to_string().contains("https://"), "{err}");
    world.assert_no_url(&err.to_string());
}
