//! The provider block, the caller-identity data source through the emulator, error
//! reporting and the emulator's fault injection, all through the real terraform.

mod common;

use terratest::{Emulator, Fault, Options, Terraform};

fn caller_identity(emulator: &Emulator) -> (terratest::TempCopy, Terraform) {
    let copy = common::fixture("caller_identity");
    let tf = Terraform::new(
        Options::new(&copy.path)
            .cli_config(common::cli_config())
            .envs(emulator.env()),
    );
    tf.init();
    (copy, tf)
}

#[test]
fn the_data_source_reads_the_caller_through_the_emulator() {
    let emulator = Emulator::start().unwrap();
    let (_copy, tf) = caller_identity(&emulator);
    let _destroy = tf.destroy_on_drop();
    tf.apply_and_idempotent();
    assert_eq!(tf.output::<String>("account_id"), "123456789012");
    assert!(tf
        .output::<String>("arn")
        .starts_with("arn:aws:sts::123456789012:"));
    let log = emulator.request_log().unwrap();
    assert!(log.count("sts:GetCallerIdentity") >= 1, "{log:?}");
}

#[test]
fn each_bad_provider_setting_is_reported_on_its_attribute() {
    let emulator = Emulator::start().unwrap();
    let (copy, _) = caller_identity(&emulator);
    let cases: [(&str, serde_json::Value, &str); 7] = [
        ("region", "tokyo".into(), "Invalid region"),
        // A typo of a real region: refused with the region meant (skip_region_validation
        // is the opt-out for regions newer than the release).
        (
            "region",
            "ap-northest-1".into(),
            "Did you mean \"ap-northeast-1\"",
        ),
        ("profile", "no-such-profile".into(), "Profile not found"),
        (
            "sts_endpoint",
            "http://127.0.0.1:4566 ".into(),
            "has spaces before or after the URL",
        ),
        ("max_retries", (-1).into(), "Invalid max_retries"),
        ("role_arn", "deployer".into(), "Invalid role_arn"),
        (
            "sts_endpoint",
            "localhost:4566".into(),
            "Invalid endpoint URL",
        ),
    ];
    for (var, value, summary) in cases {
        let tf = Terraform::new(
            Options::new(&copy.path)
                .cli_config(common::cli_config())
                .envs(emulator.env())
                .var(var, &value),
        );
        let err = tf.try_plan().expect_err(var);
        let out = err.output();
        let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(summary), "{var}: {out}");
        assert!(
            out.contains("(OPSDECK-P002)"),
            "{var}: no error code in {out}"
        );
        // Terraform quotes the source line of the attribute the diagnostic names,
        // e.g. `42:     sts = var.sts_endpoint`.
        let attribute = if var == "sts_endpoint" { "sts" } else { var };
        let points_at_attribute = out.lines().any(|line| {
            line.trim().split_once(':').is_some_and(|(number, source)| {
                number.chars().all(|c| c.is_ascii_digit())
                    && source.trim_start().starts_with(&format!("{attribute} "))
            })
        });
        assert!(
            points_at_attribute,
            "{var}: the diagnostic does not point at `{attribute}`: {out}"
        );
        assert!(out.contains("in provider \"opsdeck\""), "{var}: {out}");
    }
}

#[test]
fn a_region_newer_than_the_release_passes_with_skip_region_validation() {
    let emulator = Emulator::start().unwrap();
    let (copy, _) = caller_identity(&emulator);
    let tf = Terraform::new(
        Options::new(&copy.path)
            .cli_config(common::cli_config())
            .envs(emulator.env())
            .var("region", "xx-future-1")
            .var("skip_region_validation", true),
    );
    tf.plan();
}

#[test]
fn failures_carry_no_backtrace_even_with_rust_backtrace_set() {
    let emulator = Emulator::start().unwrap();
    let (copy, _) = caller_identity(&emulator);
    // Nothing listens on port 1: the call fails after no retries.
    let tf = Terraform::new(
        Options::new(&copy.path)
            .cli_config(common::cli_config())
            .envs(emulator.env())
            .env("RUST_BACKTRACE", "full")
            .env("RUST_LIB_BACKTRACE", "1")
            .var("sts_endpoint", "http://127.0.0.1:1"),
    );
    let err = tf.try_plan().unwrap_err();
    let out = err.output();
    assert!(
        out.contains("Cannot read the caller identity (OPSDECK-P006)"),
        "{out}"
    );
    // One sentence: service, operation, what happened, what to do; no SDK debug dump.
    let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "could not reach AWS sts for GetCallerIdentity",
        "Connection refused",
        "endpoints.sts",
    ] {
        assert!(flat.contains(needle), "{needle:?} not in {out}");
    }
    for dump in ["DispatchFailure", "ConnectorError", "source:"] {
        assert!(!out.contains(dump), "debug form {dump:?} in {out}");
    }
    for marker in [
        "stack backtrace",
        "backtrace:",
        "rust_begin_unwind",
        ".rs:",
        "panicked",
    ] {
        assert!(!out.contains(marker), "found {marker:?} in {out}");
    }
}

#[test]
fn an_injected_fault_reaches_the_caller_and_stops_after_n_calls() {
    let emulator = Emulator::start().unwrap();
    let (copy, tf) = caller_identity(&emulator);
    emulator
        .inject_fault(&Fault::throttle("GetCallerIdentity", 1).service("sts"))
        .unwrap();
    let err = tf.try_plan().unwrap_err();
    assert!(err.output().contains("Throttling"), "{}", err.output());
    assert!(err.output().contains("Rate exceeded"), "{}", err.output());
    // The one injected failure is spent: the same plan now works.
    tf.plan();

    // With retries, the SDK backs off and rides over two throttled calls.
    emulator
        .inject_fault(&Fault::throttle("GetCallerIdentity", 2).service("sts"))
        .unwrap();
    emulator.clear_request_log().unwrap();
    let with_retries = Terraform::new(
        Options::new(&copy.path)
            .cli_config(common::cli_config())
            .envs(emulator.env())
            .var("max_retries", 3),
    );
    with_retries.plan();
    let log = emulator.request_log().unwrap();
    assert_eq!(
        log.count("sts:GetCallerIdentity"),
        3,
        "two throttled calls and one success: {log:?}"
    );
}
