//! `bootstrap`: the Lambda entry point (provided.al2023 runs it).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use authorizer::{Authorizer, Config, SecretsManagerKey};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

fn main() -> ExitCode {
    init_logs();
    // One thread: the function handles one event at a time, and a current-thread runtime
    // starts faster than a pool (an authorizer's cold start delays the caller's request).
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Init errors end the process; Lambda reports Runtime.ExitError with this log.
            tracing::error!(error = %e, "authorizer stopped");
            ExitCode::FAILURE
        }
    }
}

/// JSON lines on stdout, which Lambda sends to the function's log group (R3.4-c). The level
/// comes from AWS_LAMBDA_LOG_LEVEL (the function's logging config) or RUST_LOG; INFO
/// by default.
fn init_logs() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".into());
    let filter = tracing_subscriber::EnvFilter::try_new(level.to_lowercase())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .without_time()
        .with_writer(std::io::stdout)
        .init();
}

async fn run() -> Result<(), String> {
    let config = Config::from_env()?;
    // The function's timeout is 10 s (modules/compute, kind "authorizer"): every call to
    // Secrets Manager gives up well before, so the caller gets a 500 rather than a hang.
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(3))
                .operation_timeout(Duration::from_secs(7))
                .build(),
        )
        .load()
        .await;
    let source = SecretsManagerKey {
        client: aws_sdk_secretsmanager::Client::new(&sdk),
        arn: config.secret_arn.clone(),
    };
    let authorizer = Arc::new(Authorizer::new(&config, source));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let authorizer = Arc::clone(&authorizer);
        async move { authorizer.handle(&event.payload).await }
    }))
    .await
    .map_err(|e| e.to_string())
}
