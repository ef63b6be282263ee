//! What a Terraform run needs: the folder, variables, environment, backend and CLI config.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

/// Options of a [`crate::Terraform`], built with chained calls.
#[derive(Clone, Debug)]
pub struct Options {
    pub dir: PathBuf,
    pub vars: BTreeMap<String, serde_json::Value>,
    pub var_files: Vec<PathBuf>,
    pub env: BTreeMap<String, String>,
    pub backend_config: BTreeMap<String, String>,
    pub cli_config: Option<PathBuf>,
    pub terraform_binary: PathBuf,
    pub parallelism: Option<u32>,
    /// Output substrings that mark a failure as transient, with how often to retry.
    pub retryable_errors: Vec<String>,
    pub max_retries: u32,
    pub time_between_retries: Duration,
}

impl Options {
    /// Options for the Terraform configuration in `dir` (relative paths are taken from
    /// the repository root, so tests can say `"modules/network/examples/complete"`).
    pub fn new(dir: impl AsRef<Path>) -> Self {
        let dir = dir.as_ref();
        let dir = if dir.is_absolute() {
            dir.to_path_buf()
        } else {
            crate::paths::repo_root().join(dir)
        };
        Self {
            dir,
            vars: BTreeMap::new(),
            var_files: Vec::new(),
            env: BTreeMap::new(),
            backend_config: BTreeMap::new(),
            cli_config: None,
            terraform_binary: std::env::var_os("TERRATEST_TERRAFORM")
                .map(PathBuf::from)
                .unwrap_or_else(|| "terraform".into()),
            parallelism: None,
            retryable_errors: Vec::new(),
            max_retries: 0,
            time_between_retries: Duration::from_secs(2),
        }
    }

    /// A variable; any serializable value (strings, numbers, maps, objects).
    pub fn var(mut self, name: impl Into<String>, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value)
            .unwrap_or_else(|e| panic!("variable is not serializable: {e}"));
        self.vars.insert(name.into(), value);
        self
    }

    pub fn var_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.var_files.push(path.into());
        self
    }

    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(key.into(), value.into());
        self
    }

    pub fn envs<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.env
            .extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    pub fn backend_config(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.backend_config.insert(key.into(), value.into());
        self
    }

    pub fn cli_config(mut self, path: impl Into<PathBuf>) -> Self {
        self.cli_config = Some(path.into());
        self
    }

    pub fn terraform_binary(mut self, path: impl Into<PathBuf>) -> Self {
        self.terraform_binary = path.into();
        self
    }

    pub fn parallelism(mut self, n: u32) -> Self {
        self.parallelism = Some(n);
        self
    }

    /// Retry `init`, `apply` and `destroy` up to `max_retries` times when their output
    /// contains one of `patterns` (Terratest's RetryableTerraformErrors).
    pub fn retry_on<I, S>(mut self, patterns: I, max_retries: u32, between: Duration) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.retryable_errors
            .extend(patterns.into_iter().map(Into::into));
        self.max_retries = max_retries;
        self.time_between_retries = between;
        self
    }
}
