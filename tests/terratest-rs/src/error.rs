//! Errors of the harness. Each carries what a person needs to see why a step failed.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot start `{program}`: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("`{command}` exited with {code}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}")]
    Command {
        command: String,
        code: i32,
        stdout: String,
        stderr: String,
    },
    #[error("cannot parse {what}: {source}")]
    Json {
        what: String,
        source: serde_json::Error,
    },
    #[error(
        "the configuration is not idempotent: a plan right after apply wants to change {changes:?}"
    )]
    NotIdempotent { changes: Vec<String> },
    #[error("the emulator: {0}")]
    Emulator(String),
    #[error("{description}: gave up after {attempts} attempts; last error: {last}")]
    RetriesExhausted {
        description: String,
        attempts: u32,
        last: String,
    },
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }

    /// The process exit code when the error is a failed command.
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Self::Command { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Everything the failed command printed (stdout then stderr), for assertions.
    pub fn output(&self) -> String {
        match self {
            Self::Command { stdout, stderr, .. } => format!("{stdout}\n{stderr}"),
            other => other.to_string(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
