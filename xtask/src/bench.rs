//! `cargo xtask bench-schema`: how long Terraform waits for a provider's schema, and how
//! much memory the provider process takes, for opsdeck and for hashicorp/aws, measured
//! in one run (several rounds, medians). A comparison script, not a timed test.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

/// One measured `terraform providers schema -json`.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub wall: Duration,
    /// Peak resident set (VmHWM) of the provider process, in KiB.
    pub provider_peak_kib: u64,
}

/// Peak RSS of running `terraform-provider-*` processes, sampled from /proc until
/// `stop` is set. VmHWM is a high-water mark, so the last reading of a pid is its peak.
fn watch_providers(
    parent: u32,
    stop: Arc<AtomicBool>,
    peak: Arc<Mutex<u64>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            if let Ok(entries) = std::fs::read_dir("/proc") {
                for entry in entries.flatten() {
                    let status = entry.path().join("status");
                    let Ok(text) = std::fs::read_to_string(&status) else {
                        continue;
                    };
                    // The kernel truncates names to 15 characters.
                    // Only plugins of the terraform we started: other runs may be going on.
                    let ours = text
                        .lines()
                        .find_map(|l| l.strip_prefix("PPid:"))
                        .is_some_and(|p| p.trim() == parent.to_string());
                    if !ours
                        || !text
                            .lines()
                            .next()
                            .is_some_and(|l| l.contains("terraform-provi"))
                    {
                        continue;
                    }
                    let hwm = text
                        .lines()
                        .find_map(|l| l.strip_prefix("VmHWM:"))
                        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                        .unwrap_or(0);
                    if let Ok(mut p) = peak.lock() {
                        *p = (*p).max(hwm);
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    })
}

pub fn measure(dir: &Path, cli_config: &Path) -> Result<Sample> {
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(Mutex::new(0));
    let started = Instant::now();
    let child = Command::new("terraform")
        .args(["providers", "schema", "-json"])
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", cli_config)
        .env("CHECKPOINT_DISABLE", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let watcher = watch_providers(child.id(), stop.clone(), peak.clone());
    let out = child.wait_with_output()?;
    let wall = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let _ = watcher.join();
    if !out.status.success() {
        bail!(
            "terraform providers schema failed in {}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let provider_peak_kib = peak.lock().map(|p| *p).unwrap_or(0);
    Ok(Sample {
        wall,
        provider_peak_kib,
    })
}

pub fn median<T: Copy + Ord>(values: &mut [T]) -> T {
    values.sort();
    values[values.len() / 2]
}

#[cfg(test)]
mod tests {
    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(super::median(&mut [5, 1, 3]), 3);
        assert_eq!(super::median(&mut [4, 1, 3, 2]), 3);
    }
}
