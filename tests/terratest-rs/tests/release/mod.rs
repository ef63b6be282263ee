//! Shared by the release suites (`tests/compute.rs`, `tests/edge.rs`): SDK configuration on
//! an emulator, and the Lambda artifact the project builds.
#![allow(dead_code)]

use std::future::Future;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use terratest::emulator::{ACCESS_KEY_ID, DEFAULT_REGION, SECRET_ACCESS_KEY};
use terratest::{paths, Emulator};

/// A runtime and an SDK configuration pointed at one emulator (endpoint, test
/// credentials, region; nothing from the developer's AWS config wins).
pub struct Sdk {
    rt: tokio::runtime::Runtime,
    pub config: aws_types::SdkConfig,
}

impl Sdk {
    pub fn new(emulator: &Emulator) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let credentials =
            Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None, None, "emulator");
        let config = rt.block_on(
            aws_config::defaults(BehaviorVersion::latest())
                .endpoint_url(emulator.endpoint())
                .region(Region::new(DEFAULT_REGION))
                .credentials_provider(credentials)
                .retry_config(aws_config::retry::RetryConfig::disabled())
                .load(),
        );
        Self { rt, config }
    }

    /// Runs one SDK call (or any future) to completion.
    pub fn run<F: Future>(&self, future: F) -> F::Output {
        self.rt.block_on(future)
    }
}

/// The health Lambda's zip: `dist/lambda/health.zip` as `cargo xtask lambda health` builds it
/// for a release (release build, glibc check for provided.al2023, zip), once per test binary.
/// The test command zips the dev binary its build already linked (same checks; the emulator
/// stores functions, it never runs them) and passes it in `OPSDECK_HEALTH_ZIP`, so that
/// suites side by side neither build it nor queue on cargo's lock.
pub fn health_zip() -> PathBuf {
    static ZIP: OnceLock<PathBuf> = OnceLock::new();
    ZIP.get_or_init(|| {
        if let Some(zip) = std::env::var_os("OPSDECK_HEALTH_ZIP") {
            let zip = PathBuf::from(zip);
            assert!(
                zip.is_file(),
                "OPSDECK_HEALTH_ZIP is {} but that file is missing",
                zip.display()
            );
            return zip;
        }
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let out = Command::new(cargo)
            .args([
                "run", "--quiet", "--locked", "-p", "xtask", "--", "lambda", "health",
            ])
            .current_dir(paths::repo_root())
            .output()
            .expect("cannot run cargo xtask lambda health");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "cargo xtask lambda health failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = stdout
            .lines()
            .rev()
            .find(|l| l.ends_with('=') && l.contains(".zip\t"))
            .expect("no zip path printed");
        let path = PathBuf::from(line.split('\t').next().unwrap());
        assert!(path.is_file(), "{} was not written", path.display());
        path
    })
    .clone()
}
