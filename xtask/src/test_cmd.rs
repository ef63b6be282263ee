//! `cargo xtask test`: every test of the project, ending with the total line.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use terratest::paths;
use xtask::steps::{self, count_tests, Counts};

use crate::{
    build_mirror, cargo, cli_config, forget_rebuilt_provider, prerequisites, report_mirror, root,
    terraform,
};

pub(crate) fn test() -> Result<()> {
    let started = Instant::now();
    prerequisites()?;
    let root = root();
    let mut counts = Counts::default();
    let mut failures: Vec<String> = Vec::new();
    let mut record = |result: Result<steps::StepOutput>, counts: &mut Counts| match result {
        Ok(out) => *counts += count_tests(&out.output),
        Err(e) => {
            eprintln!("FAILED: {e:#}");
            failures.push(format!("{e:#}"));
        }
    };

    let emulator_python = {
        let out = steps::run(
            "emulator environment",
            Command::new(terratest::emulator::launcher()).arg("venv"),
            "see tests/emulator/README.md",
        )?;
        out.output
            .lines()
            .rev()
            .find(|l| l.starts_with('/'))
            .map(str::to_owned)
            .context("the launcher printed no python path")?
    };
    record(
        steps::run(
            "cargo fmt",
            cargo()
                .args(["fmt", "--all", "--", "--check"])
                .current_dir(&root),
            "run `cargo fmt --all`",
        ),
        &mut counts,
    );
    record(
        steps::run(
            "cargo clippy",
            cargo()
                .args([
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--locked",
                    "--",
                    "-D",
                    "warnings",
                ])
                .current_dir(&root),
            "fix the lints above",
        ),
        &mut counts,
    );
    let packaged = build_mirror()?;
    report_mirror(&packaged);
    let cli = cli_config()?;

    let tf_roots: Vec<PathBuf> = ["modules", "envs", "provider/examples"]
        .iter()
        .map(|d| root.join(d))
        .filter(|d| d.is_dir())
        .collect();
    let mut fmt = Command::new("terraform");
    fmt.args(["fmt", "-check", "-recursive", "-diff"])
        .args(&tf_roots)
        .current_dir(&root);
    record(
        steps::run("terraform fmt", &mut fmt, "run `terraform fmt -recursive`"),
        &mut counts,
    );

    for dir in tf_roots.iter().flat_map(|d| steps::terraform_dirs(d)) {
        let rel = dir
            .strip_prefix(&root)
            .unwrap_or(&dir)
            .display()
            .to_string();
        let env: Vec<(String, String)> = Vec::new();
        forget_rebuilt_provider(&dir, &packaged)?;
        let init = steps::run(
            &format!("terraform init {rel}"),
            terraform(&dir, &env, &cli).args([
                "init",
                "-backend=false",
                "-input=false",
                "-no-color",
            ]),
            "check the provider mirror and required_providers",
        );
        if init.is_err() {
            record(init, &mut counts);
            continue;
        }
        record(
            steps::run(
                &format!("terraform validate {rel}"),
                terraform(&dir, &env, &cli).args(["validate", "-no-color"]),
                "fix the configuration",
            ),
            &mut counts,
        );
        if dir.join("tests").is_dir() {
            record(
                steps::run(
                    &format!("terraform test {rel}"),
                    terraform(&dir, &env, &cli).args(["test", "-no-color"]),
                    "see the failed run above",
                ),
                &mut counts,
            );
        }
    }

    if root.join(".checkov.yaml").is_file() {
        let checkov = ensure_tools_venv()?.join("bin/checkov");
        for d in ["modules", "envs"]
            .iter()
            .map(|d| root.join(d))
            .filter(|d| d.is_dir())
        {
            let rel = d.strip_prefix(&root).unwrap_or(&d).display().to_string();
            record(
                steps::run(
                    &format!("checkov {rel}"),
                    Command::new(&checkov)
                        .args(["--config-file", ".checkov.yaml", "-d", &rel])
                        .current_dir(&root),
                    "fix the finding, or skip it inline with the reason next to it",
                ),
                &mut counts,
            );
        }
    }

    record(
        steps::run(
            "emulator tests (pytest)",
            Command::new(&emulator_python)
                .args(["-m", "pytest", "-q", "tests/emulator/tests"])
                .current_dir(&root),
            "see tests/emulator/README.md",
        ),
        &mut counts,
    );
    record(
        steps::run(
            "cargo test (unit + terratest-rs against the emulator)",
            cargo()
                .args(["test", "--workspace", "--locked", "--no-fail-fast"])
                .env("TF_CLI_CONFIG_FILE", &cli)
                .current_dir(&root),
            "rerun one test with `cargo test -p <crate> <name> -- --nocapture`",
        ),
        &mut counts,
    );

    eprintln!(
        "\n{} step(s) failed; total time {:.0}s",
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    for f in &failures {
        eprintln!("  - {}", f.lines().next().unwrap_or_default());
    }
    println!(
        "total: {} passed, {} failed, {} skipped",
        counts.passed,
        counts.failed + failures.len() as u64,
        counts.skipped
    );
    if failures.is_empty() {
        Ok(())
    } else {
        bail!("{} step(s) failed", failures.len())
    }
}

/// A venv with the Python tools the test command runs (checkov), pinned in
/// tests/tools-requirements.txt and reinstalled when that file changes.
fn ensure_tools_venv() -> Result<PathBuf> {
    let venv = paths::cache_dir().join("tools-venv");
    let requirements = root().join("tests/tools-requirements.txt");
    let wanted = std::fs::read_to_string(&requirements)
        .with_context(|| format!("read {}", requirements.display()))?;
    let stamp = venv.join("requirements.stamp");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(venv);
    }
    steps::run(
        "create the tools venv",
        Command::new("python3")
            .args(["-m", "venv", "--clear"])
            .arg(&venv),
        "install python3-venv",
    )?;
    steps::run(
        "install the tools (checkov)",
        Command::new(venv.join("bin/pip"))
            .args(["install", "-q", "--disable-pip-version-check", "-r"])
            .arg(&requirements),
        "check access to PyPI",
    )?;
    std::fs::write(&stamp, wanted)?;
    Ok(venv)
}
