//! tf-provider (the plugin protocol crate) builds with cargo alone: no `protoc`, no
//! protobuf include directory (Debian's `libprotobuf-dev`). Its build script compiles the
//! protos with protox, which bundles the well-known types.
//!
//! The build uses its own target directory under the cache, so it never invalidates the
//! main build, and a `PROTOC` that changes on every run, so the build script really runs
//! again each time (it declares `rerun-if-env-changed=PROTOC`).

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use terratest::paths;

#[test]
fn tf_provider_builds_without_protoc_or_protobuf_includes() {
    let root = paths::repo_root();
    let target = paths::cache_dir().join("protoc-free-build-target");
    let run = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let missing_protoc = format!("/nonexistent/protoc-{run}/bin/protoc");
    assert!(!std::path::Path::new(&missing_protoc).exists());
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["build", "--locked", "-v", "-p", "tf-provider"])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &target)
        .env("PROTOC", &missing_protoc)
        .env("PROTOC_INCLUDE", format!("/nonexistent/include-{run}"))
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .output()
        .expect("run cargo");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "tf-provider did not build without protoc:\n{stderr}"
    );
    let ran_build_script = stderr.lines().any(|l| {
        l.contains("Running") && l.contains("tf-provider") && l.contains("build-script-build")
    });
    assert!(
        ran_build_script,
        "the build script of tf-provider did not run, so this build proved nothing:\n{stderr}"
    );
}
