//! Running child processes as named steps: progress per step, output streamed and
//! kept for counting test results, a clear hint when a step fails.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// Test counts found in a step's output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub skipped: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Self) {
        self.passed += o.passed;
        self.failed += o.failed;
        self.skipped += o.skipped;
    }
}

/// Sums the summary lines of cargo test, pytest and `terraform test`.
pub fn count_tests(output: &str) -> Counts {
    let mut counts = Counts::default();
    for line in output.lines() {
        let line = line.trim();
        // "<n> <word>" anywhere in the line: "15 passed;", "1 skipped in 3.2s", "2 failed."
        let tokens: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || ",;=".contains(c))
            .filter(|t| !t.is_empty())
            .collect();
        let number_before = |word: &str| -> u64 {
            tokens
                .windows(2)
                .filter(|w| w[1].trim_end_matches('.') == word)
                .filter_map(|w| w[0].parse::<u64>().ok())
                .sum()
        };
        let cargo = line.starts_with("test result:");
        // pytest: "==== 12 passed, 1 skipped in 3.2s ====", or with -q
        // "100 passed in 185.43s (0:03:05)".
        let pytest = is_pytest_summary(line);
        // terraform test: "Success! 9 passed, 0 failed." / "Failure! 1 passed, 2 failed."
        let tftest = line.starts_with("Success!") || line.starts_with("Failure!");
        if cargo || pytest || tftest {
            counts += Counts {
                passed: number_before("passed"),
                failed: number_before("failed"),
                skipped: number_before("skipped") + number_before("ignored"),
            };
        }
    }
    counts
}

/// pytest's last line: `<n> <outcome>[, <n> <outcome>...] in <seconds>s`, with or without
/// the `=` borders it has without `-q`.
fn is_pytest_summary(line: &str) -> bool {
    let inner = line.trim_matches(|c: char| c == '=' || c.is_whitespace());
    let Some((results, time)) = inner.rsplit_once(" in ") else {
        return false;
    };
    let outcomes = [
        "passed",
        "failed",
        "skipped",
        "error",
        "errors",
        "xfailed",
        "xpassed",
        "warning",
        "warnings",
        "deselected",
    ];
    time.starts_with(|c: char| c.is_ascii_digit())
        && results.contains(" passed")
        && results.split(", ").all(|item| {
            item.split_once(' ')
                .is_some_and(|(n, word)| n.parse::<u64>().is_ok() && outcomes.contains(&word))
        })
}

pub struct StepOutput {
    pub output: String,
    pub elapsed: Duration,
}

/// Runs `cmd` as step `name`: prints a header, streams output, and on failure returns
/// an error that carries `hint` (what the person should do).
pub fn run(name: &str, cmd: &mut Command, hint: &str) -> Result<StepOutput> {
    eprintln!("\n==> {name}");
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("{name}: cannot start {:?}. {hint}", cmd.get_program()))?;
    let stdout = child.stdout.take().context("stdout")?;
    let stderr = child.stderr.take().context("stderr")?;
    let err_thread = std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("{line}");
            text.push_str(&line);
            text.push('\n');
        }
        text
    });
    let mut output = String::new();
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        println!("{line}");
        output.push_str(&line);
        output.push('\n');
    }
    output.push_str(&err_thread.join().unwrap_or_default());
    let status = child.wait()?;
    let elapsed = started.elapsed();
    if !status.success() {
        bail!(
            "step `{name}` failed ({status}) after {:.1}s. {hint}",
            elapsed.as_secs_f64()
        );
    }
    eprintln!("<== {name}: ok ({:.1}s)", elapsed.as_secs_f64());
    Ok(StepOutput { output, elapsed })
}

/// `program` is on PATH.
pub fn have(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

/// Installs Debian packages when a program is missing (needs root, as on CI machines).
pub fn ensure_debian_package(program: &str, package: &str) -> Result<()> {
    if have(program) {
        return Ok(());
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false);
    if !root {
        bail!("`{program}` is missing: install the Debian package {package} (sudo apt-get install -y {package}) and run again");
    }
    run(
        "apt-get update",
        Command::new("apt-get").args(["update", "-qq"]),
        "check the Debian package sources",
    )?;
    run(
        &format!("install {package}"),
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends", package])
            .env("DEBIAN_FRONTEND", "noninteractive"),
        "check the Debian package sources",
    )?;
    Ok(())
}

/// Every folder under `root` (recursively) that holds `.tf` files, skipping working dirs.
pub fn terraform_dirs(root: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(root) else {
        return found;
    };
    let mut has_tf = false;
    let mut subdirs = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != ".terraform" && name != "tests" {
                subdirs.push(path);
            }
        } else if path.extension().is_some_and(|e| e == "tf") {
            has_tf = true;
        }
    }
    if has_tf {
        found.push(root.to_path_buf());
    }
    subdirs.sort();
    for dir in subdirs {
        found.extend(terraform_dirs(&dir));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_runner_summary() {
        let out = "\
test result: ok. 15 passed; 0 failed; 2 ignored; 0 measured; 0 filtered out; finished in 0.13s
test result: FAILED. 3 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out
======================== 12 passed, 1 skipped in 3.21s =========================
Success! 9 passed, 0 failed.
Failure! 1 passed, 2 failed, 1 skipped.
100 passed, 2 skipped in 185.43s (0:03:05)
it passed in 3 places, 2 passed in review
running 5 tests";
        assert_eq!(
            count_tests(out),
            Counts {
                passed: 140,
                failed: 3,
                skipped: 6
            }
        );
    }

    #[test]
    fn finds_terraform_dirs_but_not_working_dirs() {
        let root = tempfile::tempdir().unwrap();
        for d in [
            "modules/a/examples/complete",
            "modules/a/.terraform/modules/x",
            "modules/a/tests",
        ] {
            std::fs::create_dir_all(root.path().join(d)).unwrap();
            std::fs::write(root.path().join(d).join("main.tf"), "").unwrap();
        }
        std::fs::write(root.path().join("modules/a/main.tf"), "").unwrap();
        let dirs = terraform_dirs(&root.path().join("modules"));
        assert_eq!(
            dirs,
            vec![
                root.path().join("modules/a"),
                root.path().join("modules/a/examples/complete")
            ]
        );
    }
}
