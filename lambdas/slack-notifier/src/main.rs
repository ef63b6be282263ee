//! `bootstrap`: the Lambda entry point (provided.al2023 runs it).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::BehaviorVersion;
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;
use slack_notifier::codes::ErrorCode;
use slack_notifier::{log, Config, Notifier};

fn main() -> ExitCode {
    // One thread: the function handles one event at a time, and a current-thread
    // runtime starts faster than a pool.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let code = ErrorCode::Runtime;
            log::error(
                "cannot start the async runtime",
                &[
                    ("code", code.code().into()),
                    ("error", format!("{code}: {e}").into()),
                ],
            );
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, e)) => {
            // Init errors end the process; Lambda reports Runtime.ExitError with this log.
            log::error(
                "notifier stopped",
                &[
                    ("code", code.code().into()),
                    ("error", format!("{code}: {e}").into()),
                ],
            );
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), (ErrorCode, String)> {
    let config = Config::from_env().map_err(|e| (ErrorCode::Config, e))?;
    let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let notifier = Arc::new(
        Notifier::new(config, aws_sdk_secretsmanager::Client::new(&sdk))
            .map_err(|e| (e.code(), e.to_string()))?,
    );
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let notifier = Arc::clone(&notifier);
        async move {
            let deadline = deadline(event.context.deadline);
            notifier
                .handle(&event.payload, &event.context.request_id, deadline)
                .await
        }
    }))
    .await
    .map_err(|e| (ErrorCode::Runtime, e.to_string()))
}

/// The invocation's deadline (epoch milliseconds from the Runtime API) as an Instant.
fn deadline(epoch_ms: u64) -> Option<tokio::time::Instant> {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_millis() as u64;
    (epoch_ms > 0).then(|| {
        tokio::time::Instant::now() + Duration::from_millis(epoch_ms.saturating_sub(now_ms))
    })
}
