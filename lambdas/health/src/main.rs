//! The Lambda entry point, packed as `bootstrap` (what provided.al2023 runs).

use std::process::ExitCode;
use std::sync::Arc;

use health::{is_health_request, respond, Checker, Database, Release};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

fn main() -> ExitCode {
    // One thread: the function handles one event at a time, and a current-thread
    // runtime starts faster than a pool (cold start, R6.1-d).
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!(
                "{}",
                serde_json::json!({"level": "ERROR", "message": "cannot start the async runtime", "error": e.to_string()})
            );
            return ExitCode::FAILURE;
        }
    };
    let release = Release::from_env();
    let database = match Database::from_lookup(|name| std::env::var(name).ok()) {
        Ok(db) => db,
        Err(e) => {
            eprintln!(
                "{}",
                serde_json::json!({"level": "ERROR", "message": "invalid database check settings", "error": e})
            );
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        // The Secrets Manager client only when there is a database to check: the
        // function without one starts without loading the AWS config.
        let secrets = match &database {
            Some(_) => {
                let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
                    .load()
                    .await;
                Some(aws_sdk_secretsmanager::Client::new(&sdk))
            }
            None => None,
        };
        let checker = Arc::new(Checker::new(database, secrets));
        lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
            let release = release.clone();
            let checker = Arc::clone(&checker);
            async move {
                let checks = if is_health_request(&event.payload) {
                    checker.run().await
                } else {
                    Vec::new()
                };
                Ok::<Value, Error>(respond(&event.payload, &release, &checks))
            }
        }))
        .await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "{}",
                serde_json::json!({"level": "ERROR", "message": "runtime stopped", "error": e.to_string()})
            );
            ExitCode::FAILURE
        }
    }
}
