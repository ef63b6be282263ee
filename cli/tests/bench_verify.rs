//! Benchmark (ignored by `cargo test`; run it on purpose): `opsdeck verify`'s load step
//! next to a reference load tool, `hey` (Debian package `hey`), on the same loopback
//! target in the same run, at the same rate. Prints both p95s and their ratio; asserts
//! nothing about time.
//!
//! ```sh
//! cargo test -p opsdeck-cli --test bench_verify -- --ignored --nocapture
//! ```

mod support;

use std::process::Command;
use std::time::Duration;

use support::{App, Behaviour};

/// hey's "95% in X secs" line.
fn hey_p95(output: &str) -> Option<f64> {
    output
        .lines()
        .find(|l| l.trim_start().starts_with("95%"))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|v| v.parse::<f64>().ok())
        .map(|s| s * 1000.0)
}

#[test]
#[ignore = "a benchmark: run with --ignored --nocapture"]
fn verify_p95_next_to_hey() {
    let app = App::start();
    *app.live.lock().unwrap() = "v1".into();
    // 20 to 40 ms, spread evenly: p95 is about 39 ms.
    app.behave(
        "v1",
        Behaviour {
            delay: Duration::from_millis(20),
            jitter: Duration::from_millis(20),
            ..Default::default()
        },
    );
    let url = format!("{}/api/health", app.server.url);
    let (rps, seconds) = (100, 10);
    let rounds = 3;
    let mut ratios = Vec::new();
    for round in 1..=rounds {
        let out = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
            .args([
                "verify",
                "--url",
                &app.server.url,
                "--no-alarms",
                "--json",
                "--rps",
                &rps.to_string(),
                "--duration",
                &format!("{seconds}s"),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let ours = report["load"]["p95_ms"].as_f64().unwrap();
        // hey: -q is per worker, so 4 workers at rps/4 each.
        let hey = Command::new("hey")
            .args([
                "-z",
                &format!("{seconds}s"),
                "-c",
                "4",
                "-q",
                &(rps / 4).to_string(),
                &url,
            ])
            .output()
            .expect("hey is not installed (apt-get install hey)");
        let hey_text = String::from_utf8_lossy(&hey.stdout);
        let theirs =
            hey_p95(&hey_text).unwrap_or_else(|| panic!("no p95 in hey's output:\n{hey_text}"));
        let ratio = ours / theirs;
        ratios.push(ratio);
        println!(
            "round {round}: {rps} rps for {seconds} s on {url}: opsdeck verify p95 {ours:.1} ms (p50 {:.1}, p99 {:.1}, {} requests), hey p95 {theirs:.1} ms, ratio {ratio:.3}",
            report["load"]["p50_ms"].as_f64().unwrap(),
            report["load"]["p99_ms"].as_f64().unwrap(),
            report["load"]["requests"]
        );
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "median ratio opsdeck/hey p95 over {rounds} rounds: {:.3}",
        ratios[rounds / 2]
    );
}
