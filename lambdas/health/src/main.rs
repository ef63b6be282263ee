//! The Lambda entry point, packed as `bootstrap` (what provided.al2023 runs).

use std::process::ExitCode;

use health::{respond, Release};
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
    let result = runtime.block_on(lambda_runtime::run(service_fn(
        move |event: LambdaEvent<Value>| {
            let response = respond(&event.payload, &release);
            async move { Ok::<Value, Error>(response) }
        },
    )));
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
