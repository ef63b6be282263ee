//! The binary as a person meets it: run by hand it explains itself and exits non-zero.

use std::process::Command;

fn provider() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_terraform-provider-opsdeck"));
    cmd.env_remove("TF_PLUGIN_MAGIC_COOKIE");
    cmd
}

#[test]
fn run_by_hand_it_prints_the_plugin_message_and_fails() {
    let out = provider().output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("This binary is a plugin"), "{stderr}");
    assert!(stderr.contains("--version"), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout, which Terraform reads for the handshake"
    );
}

#[test]
fn a_wrong_cookie_is_refused_too() {
    let out = provider()
        .env("TF_PLUGIN_MAGIC_COOKIE", "not-the-cookie")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn version_flag_prints_the_crate_version() {
    let out = provider().arg("--version").output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.trim(),
        format!(
            "terraform-provider-opsdeck {} (Terraform plugin protocol 6)",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[test]
fn with_the_cookie_it_prints_the_go_plugin_handshake() {
    use std::io::{BufRead, BufReader};
    let mut child = provider()
        .env(
            "TF_PLUGIN_MAGIC_COOKIE",
            opsdeck_provider::cli::MAGIC_COOKIE_VALUE,
        )
        .env("PLUGIN_MIN_PORT", "40000")
        .env("PLUGIN_MAX_PORT", "49999")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    // core protocol 1, app protocol 6, tcp on loopback, grpc.
    let parts: Vec<&str> = line.trim().split('|').collect();
    assert_eq!(&parts[..3], &["1", "6", "tcp"], "{line}");
    assert!(parts[3].starts_with("127.0.0.1:"), "{line}");
    assert_eq!(parts[4], "grpc");
}
