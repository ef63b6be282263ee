//! Fixtures shared by the integration tests of this crate.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use terratest::{copy_folder_to_temp, paths, CliConfig, TempCopy};

/// The built provider mirror; the test command builds it first (`cargo xtask mirror`).
pub fn mirror_dir() -> PathBuf {
    let dir = paths::provider_mirror_dir();
    let provider = provider_dir_in_mirror();
    assert!(
        provider.join("index.json").is_file(),
        "no provider mirror at {}: run `cargo xtask mirror` first (the README's test command does)",
        dir.display()
    );
    dir
}

pub fn provider_dir_in_mirror() -> PathBuf {
    paths::provider_mirror_dir().join(paths::provider_source())
}

/// The `h1:` hash our packaging wrote for this platform.
pub fn mirror_h1() -> String {
    let dir = provider_dir_in_mirror();
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let version = index["versions"]
        .as_object()
        .unwrap()
        .keys()
        .max()
        .unwrap()
        .clone();
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join(format!("{version}.json"))).unwrap())
            .unwrap();
    v["archives"]["linux_amd64"]["hashes"][0]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The project's standard CLI config (opsdeck mirror + discovered hashicorp mirror),
/// written once per test binary.
pub fn cli_config() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("terratest-cli-")
            .tempdir()
            .unwrap()
            .keep();
        CliConfig::standard(&mirror_dir())
            .unwrap()
            .write(&dir.join("terraformrc"))
            .unwrap()
    })
    .clone()
}

/// A private copy of `tests/terratest-rs/fixtures/<name>`.
pub fn fixture(name: &str) -> TempCopy {
    copy_folder_to_temp(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        name,
    )
    .unwrap()
}
