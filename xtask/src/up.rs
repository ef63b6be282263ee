//! `cargo xtask up` and `cargo xtask down`: envs/prod on the emulator, as a user applies it
//! on AWS: a real S3 backend with its lock file (on the emulator's S3), the providers from
//! the mirrors, the release's Lambda artifacts in the artifact bucket, a requested
//! certificate for the site's alias.
//!
//! What AWS and the pipeline provide before envs/prod applies (the state and artifact
//! buckets, the release's zips, the certificate) comes from `xtask/emulator-stand-ins`,
//! applied first with local state under `$OPSDECK_CACHE_DIR/up/`. envs/prod's own working
//! data also lives there (TF_DATA_DIR), so `envs/prod/.terraform` stays the user's, for AWS.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use terratest::{paths, Emulator};
use xtask::steps;

use crate::{build_lambda, build_mirror, cli_config, forget_rebuilt_provider_in, main_emulator};

/// The version `up` releases when none is given.
const DEFAULT_VERSION: &str = "v1";
/// Function keys of modules/compute in envs/prod: one artifact each per release.
const FUNCTIONS: &[&str] = &["api", "worker", "authorizer"];

pub struct Args {
    pub version: String,
    pub dir: Option<String>,
}

pub fn parse(args: &[String]) -> Result<Args> {
    let mut parsed = Args {
        version: DEFAULT_VERSION.into(),
        dir: None,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--version" => {
                let valid = !value.is_empty()
                    && value.len() <= 63
                    && value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
                if !valid {
                    bail!(
                        "--version {value:?}: use 1-63 letters, digits, '.', '_' or '-', e.g. v2"
                    );
                }
                parsed.version = value.clone();
            }
            "--dir" => parsed.dir = Some(value.clone()),
            _ => bail!("usage: cargo xtask up [--version <app version>] [--dir <terraform dir>]"),
        }
    }
    Ok(parsed)
}

/// Where `up` keeps its files: stand-ins state, backend and variable files, working data.
struct Workspace {
    dir: PathBuf,
}

impl Workspace {
    fn new() -> Result<Self> {
        let dir = paths::cache_dir().join("up");
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }
    fn stand_ins_state(&self) -> PathBuf {
        self.dir.join("stand-ins.tfstate")
    }
    fn stand_ins_data(&self) -> PathBuf {
        self.dir.join("stand-ins.terraform")
    }
    fn prod_data(&self) -> PathBuf {
        self.dir.join("prod.terraform")
    }
    fn backend_file(&self) -> PathBuf {
        self.dir.join("emulator.s3.tfbackend")
    }
    fn var_file(&self) -> PathBuf {
        self.dir.join("emulator.tfvars")
    }
    fn versions_file(&self) -> PathBuf {
        self.dir.join("released-versions")
    }
    fn current_file(&self) -> PathBuf {
        self.dir.join("current-version")
    }
    fn origin_secret_file(&self) -> PathBuf {
        self.dir.join("api-origin-verify-secret")
    }
    /// envs/prod's api_origin_verify_secret (a production guard requires one): drawn once
    /// per stack and kept until `down`, so that a second `up` plans no change.
    fn origin_secret(&self) -> Result<String> {
        use std::os::unix::fs::OpenOptionsExt as _;
        if let Ok(secret) = std::fs::read_to_string(self.origin_secret_file()) {
            let secret = secret.trim();
            if secret.len() >= 32 {
                return Ok(secret.to_owned());
            }
        }
        let mut bytes = [0u8; 32];
        std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut bytes)?;
        let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        // Readable by its owner only, like a credentials file.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(self.origin_secret_file())?;
        std::io::Write::write_all(&mut file, secret.as_bytes())?;
        Ok(secret)
    }
    fn released_versions(&self) -> Vec<String> {
        std::fs::read_to_string(self.versions_file())
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

fn prod_dir() -> PathBuf {
    crate::root().join("envs/prod")
}

fn stand_ins_dir() -> PathBuf {
    crate::root().join("xtask/emulator-stand-ins")
}

/// The zips of envs/prod's Lambda functions.
struct Lambdas {
    /// Uploaded as each application function but the authorizer (the project has no
    /// application code of its own: the health handler stands in).
    health: PathBuf,
    authorizer: PathBuf,
    notifier: PathBuf,
}

/// Lambda functions of envs/prod, built in the provider's profile (release by default;
/// `OPSDECK_PROVIDER_PROFILE=dev` while iterating).
fn build_lambdas() -> Result<Lambdas> {
    let profile = std::env::var("OPSDECK_PROVIDER_PROFILE").unwrap_or_else(|_| "release".into());
    Ok(Lambdas {
        health: build_lambda("health", &profile)?.zip,
        authorizer: build_lambda("authorizer", &profile)?.zip,
        notifier: build_lambda("slack-notifier", &profile)?.zip,
    })
}

fn hcl_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

pub fn up(version: &str) -> Result<()> {
    let started = Instant::now();
    let ws = Workspace::new()?;
    let packaged = build_mirror()?;
    crate::report_mirror(&packaged);
    let lambdas = build_lambdas()?;
    let cli = cli_config()?;
    let emulator = main_emulator()?;
    let env = emulator.env();
    let hint = "read the Terraform error above; `cargo xtask down` resets the emulator";

    // What the account and the pipeline provide: buckets, this release's artifacts (and
    // every earlier one, for rollbacks), the certificate.
    let mut versions = ws.released_versions();
    if !versions.iter().any(|v| v == version) {
        versions.push(version.to_owned());
    }
    let stand_ins = stand_ins_dir();
    let stand_ins_env = with_data_dir(&env, &ws.stand_ins_data());
    steps::run(
        "stand-ins: terraform init",
        crate::terraform(&stand_ins, &stand_ins_env, &cli).args([
            "init",
            "-input=false",
            "-no-color",
        ]),
        hint,
    )?;
    let state_arg = format!("-state={}", ws.stand_ins_state().display());
    steps::run(
        &format!(
            "stand-ins: buckets, release artifacts ({}), certificate",
            versions.join(", ")
        ),
        crate::terraform(&stand_ins, &stand_ins_env, &cli).args([
            "apply",
            "-input=false",
            "-no-color",
            "-auto-approve",
            &state_arg,
            "-var",
            &format!("released_versions={}", serde_json::to_string(&versions)?),
            "-var",
            &format!("lambda_zip={}", lambdas.health.display()),
            "-var",
            &format!("functions={}", serde_json::to_string(FUNCTIONS)?),
            "-var",
            &format!(
                "function_zips={}",
                serde_json::json!({ "authorizer": lambdas.authorizer.display().to_string() })
            ),
        ]),
        hint,
    )?;
    std::fs::write(ws.versions_file(), versions.join("\n") + "\n")?;
    let out = stand_ins_outputs(&stand_ins, &stand_ins_env, &cli, &state_arg)?;

    write_backend_and_vars(&ws, &emulator, &out, &lambdas.notifier, false)?;
    let prod = prod_dir();
    let prod_env = with_data_dir(&env, &ws.prod_data());
    forget_rebuilt_provider_in(&prod, &ws.prod_data(), &packaged)?;
    init_prod(&ws, &prod, &prod_env, &cli, hint)?;
    let var_file = format!("-var-file={}", ws.var_file().display());
    let version_var = format!("app_version={version}");
    steps::run(
        &format!("envs/prod: terraform apply (release {version})"),
        crate::terraform(&prod, &prod_env, &cli).args([
            "apply",
            "-input=false",
            "-no-color",
            "-auto-approve",
            &var_file,
            "-var",
            &version_var,
        ]),
        hint,
    )?;
    std::fs::write(ws.current_file(), version)?;
    let outputs = steps::run(
        "envs/prod: terraform output",
        crate::terraform(&prod, &prod_env, &cli).args(["output", "-json", "-no-color"]),
        hint,
    )?;
    print_summary(&outputs.output)?;
    println!(
        "\nDone in {:.0}s: envs/prod release {version} applied to the emulator at {} (state: s3://{}/opsdeck/prod/terraform.tfstate, locked by its .tflock file).\n`cargo xtask up --version <v>` releases another version; `cargo xtask down` destroys it all.",
        started.elapsed().as_secs_f64(),
        emulator.endpoint(),
        out.state_bucket,
    );
    Ok(())
}

pub fn down() -> Result<()> {
    let started = Instant::now();
    let ws = Workspace::new()?;
    let state_dir = paths::cache_dir().join("emulator-main");
    let cli = paths::cache_dir().join("terraformrc");
    // Only a live emulator holds the stack: a new one would be empty, and applying to it
    // would first build everything.
    let live = Command::new(terratest::emulator::launcher())
        .args(["status", "--state-dir", &state_dir.display().to_string()])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    let alive = live && ws.var_file().is_file();
    if alive {
        let emulator = Emulator::start_in(&state_dir)?;
        let env = emulator.env();
        let version =
            std::fs::read_to_string(ws.current_file()).unwrap_or_else(|_| DEFAULT_VERSION.into());
        let prod = prod_dir();
        let prod_env = with_data_dir(&env, &ws.prod_data());
        let hint = "the emulator is stopped anyway; its state goes with it";
        let var_file = format!("-var-file={}", ws.var_file().display());
        let version_var = format!("app_version={}", version.trim());
        // Deletion protection (database, history table, buckets) is lifted by an apply
        // first: a destroy alone would be refused, as it is in production.
        for (step, command) in [
            (
                "envs/prod: lift deletion protection (test_allow_destroy)",
                "apply",
            ),
            ("envs/prod: terraform destroy", "destroy"),
        ] {
            steps::run(
                step,
                crate::terraform(&prod, &prod_env, &cli).args([
                    command,
                    "-input=false",
                    "-no-color",
                    "-auto-approve",
                    &var_file,
                    "-var",
                    &version_var,
                    "-var",
                    "test_allow_destroy=true",
                ]),
                hint,
            )?;
        }
    }
    Emulator::start_in(&state_dir).and_then(|e| e.stop()).ok();
    for f in [
        ws.stand_ins_state(),
        ws.versions_file(),
        ws.current_file(),
        ws.var_file(),
        ws.backend_file(),
        ws.origin_secret_file(),
    ] {
        let _ = std::fs::remove_file(f);
    }
    println!(
        "emulator stopped{} in {:.0}s",
        if alive { ", envs/prod destroyed" } else { "" },
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `cargo xtask bench-plan`: on the stack `up` applied, alternating rounds of a whole-stack
/// `terraform plan` and of one targeted at every resource but the opsdeck ones (same
/// emulator, same state); prints the medians and what the opsdeck resources add.
pub fn bench_plan(rounds: usize) -> Result<()> {
    let ws = Workspace::new()?;
    let state_dir = paths::cache_dir().join("emulator-main");
    if !(state_dir.join("endpoint").is_file() && ws.var_file().is_file()) {
        bail!("nothing to plan: run `cargo xtask up` first");
    }
    let emulator = Emulator::start_in(&state_dir)?;
    let cli = paths::cache_dir().join("terraformrc");
    let prod = prod_dir();
    let env = with_data_dir(&emulator.env(), &ws.prod_data());
    let version =
        std::fs::read_to_string(ws.current_file()).unwrap_or_else(|_| DEFAULT_VERSION.into());
    let listed = crate::terraform(&prod, &env, &cli)
        .args(["state", "list"])
        .output()
        .context("terraform state list")?;
    if !listed.status.success() {
        bail!(
            "terraform state list failed: {}",
            String::from_utf8_lossy(&listed.stderr)
        );
    }
    let addresses: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let is_opsdeck = |a: &str| a.split('.').any(|part| part.starts_with("opsdeck_"));
    let opsdeck = addresses.iter().filter(|a| is_opsdeck(a)).count();
    let targets: Vec<String> = addresses
        .iter()
        .filter(|a| !is_opsdeck(a) && !a.starts_with("data.") && !a.contains(".data."))
        .map(|a| format!("-target={a}"))
        .collect();
    let var_file = format!("-var-file={}", ws.var_file().display());
    let version_var = format!("app_version={}", version.trim());
    let time_plan = |targeted: bool| -> Result<f64> {
        let started = Instant::now();
        let mut cmd = crate::terraform(&prod, &env, &cli);
        cmd.args([
            "plan",
            "-input=false",
            "-no-color",
            "-lock=false",
            &var_file,
            "-var",
            &version_var,
        ]);
        if targeted {
            cmd.args(&targets);
        }
        let out = cmd.output().context("terraform plan")?;
        if !out.status.success() {
            bail!(
                "terraform plan failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(started.elapsed().as_secs_f64())
    };
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        with.push(time_plan(false)?);
        without.push(time_plan(true)?);
        eprintln!(
            "round {round}: whole stack {:.1}s, without opsdeck {:.1}s",
            with[round - 1],
            without[round - 1]
        );
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (w, wo) = (median(&mut with), median(&mut without));
    println!(
        "terraform plan of envs/prod, {} resources in state ({opsdeck} opsdeck), median of {rounds} alternating rounds:\n  whole stack        {w:.1} s\n  without opsdeck    {wo:.1} s (-target of the other {} resources)\n  opsdeck adds       {:+.1} % ({:.2}x)",
        addresses.len(),
        targets.len(),
        (w / wo - 1.0) * 100.0,
        w / wo
    );
    Ok(())
}

fn with_data_dir(env: &[(String, String)], data_dir: &Path) -> Vec<(String, String)> {
    let mut env = env.to_vec();
    env.push(("TF_DATA_DIR".into(), data_dir.display().to_string()));
    env
}

struct StandIns {
    state_bucket: String,
    artifact_bucket: String,
    certificate_arn: String,
}

fn stand_ins_outputs(
    dir: &Path,
    env: &[(String, String)],
    cli: &Path,
    state_arg: &str,
) -> Result<StandIns> {
    let out = crate::terraform(dir, env, cli)
        .args(["output", "-json", state_arg])
        .output()
        .context("terraform output of the stand-ins")?;
    if !out.status.success() {
        bail!(
            "terraform output of the stand-ins failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let get = |k: &str| -> Result<String> {
        json[k]["value"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("the stand-ins have no output {k}"))
    };
    Ok(StandIns {
        state_bucket: get("state_bucket")?,
        artifact_bucket: get("artifact_bucket")?,
        certificate_arn: get("certificate_arn")?,
    })
}

/// The emulator's backend file (the AWS one is envs/prod/prod.s3.tfbackend) and the
/// variables of the emulator run.
fn write_backend_and_vars(
    ws: &Workspace,
    emulator: &Emulator,
    out: &StandIns,
    notifier_zip: &Path,
    allow_destroy: bool,
) -> Result<()> {
    let backend = format!(
        "# Written by cargo xtask up: envs/prod's S3 backend on the emulator's S3.\n\
         bucket                      = {bucket}\n\
         region                      = \"ap-northeast-1\"\n\
         endpoints                   = {{ s3 = {endpoint} }}\n\
         use_path_style              = true\n\
         skip_credentials_validation = true\n\
         skip_requesting_account_id  = true\n\
         skip_metadata_api_check     = true\n\
         skip_region_validation      = true\n",
        bucket = hcl_string(&out.state_bucket),
        endpoint = hcl_string(emulator.endpoint()),
    );
    std::fs::write(ws.backend_file(), backend)?;
    let vars = format!(
        "# Written by cargo xtask up: envs/prod on the emulator.\n\
         artifacts            = {{ bucket = {bucket}, prefix = \"opsdeck-prod\" }}\n\
         slack_notifier_zip   = {zip}\n\
         domain               = {{ aliases = [\"app.opsdeck.test\"], acm_certificate_arn = {cert} }}\n\
         break_glass_role_arn = \"arn:aws:iam::123456789012:role/break-glass\"\n\
         max_retries          = 2\n\
         test_allow_destroy   = {allow_destroy}\n\
         api_origin_verify_secret = {origin_secret}\n",
        origin_secret = hcl_string(&ws.origin_secret()?),
        bucket = hcl_string(&out.artifact_bucket),
        zip = hcl_string(&notifier_zip.display().to_string()),
        cert = hcl_string(&out.certificate_arn),
    );
    std::fs::write(ws.var_file(), vars)?;
    Ok(())
}

fn init_prod(
    ws: &Workspace,
    prod: &Path,
    env: &[(String, String)],
    cli: &Path,
    hint: &str,
) -> Result<()> {
    let backend_arg = format!("-backend-config={}", ws.backend_file().display());
    // -reconfigure: the emulator's endpoint (and so the backend) may differ from the last
    // run; the state itself is in the bucket, nothing local to migrate.
    let mut init: Command = crate::terraform(prod, env, cli);
    init.args([
        "init",
        "-input=false",
        "-no-color",
        "-reconfigure",
        &backend_arg,
    ]);
    steps::run(
        "envs/prod: terraform init (S3 backend on the emulator, lock file)",
        &mut init,
        hint,
    )?;
    Ok(())
}

/// The outputs a person needs after `up`: where the site, the API, the dashboard, the
/// topics and the history are.
fn print_summary(output_json: &str) -> Result<()> {
    let start = output_json
        .find('{')
        .context("terraform output printed no JSON")?;
    let end = output_json
        .rfind('}')
        .context("terraform output printed no JSON")?;
    let json: serde_json::Value = serde_json::from_str(&output_json[start..=end])?;
    let value = |k: &str| json[k]["value"].clone();
    let opsdeck = value("opsdeck");
    println!("\nenvs/prod outputs:");
    for (label, v) in [
        ("site URL", opsdeck["site_url"].clone()),
        ("API URL", opsdeck["api_url"].clone()),
        ("health check", opsdeck["health_url"].clone()),
        ("dashboard", opsdeck["dashboard_url"].clone()),
        ("history table", opsdeck["history_table_name"].clone()),
        ("CloudFront", value("cloudfront_domain_name")),
        ("trail", value("trail_arn")),
    ] {
        println!("  {label:<22} {}", v.as_str().unwrap_or("-"));
    }
    if let Some(topics) = value("alarm_topic_arns").as_object() {
        for (region, arn) in topics {
            println!(
                "  {:<14} {}",
                format!("topic {region}"),
                arn.as_str().unwrap_or("-")
            );
        }
    }
    if let Some(sets) = opsdeck["alarm_sets"].as_array() {
        for set in sets {
            println!(
                "  {:<22} {} ({})",
                "alarm set",
                set["name"].as_str().unwrap_or("-"),
                set["region"].as_str().unwrap_or("-")
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_takes_a_version_and_refuses_a_bad_one() {
        let a = parse(&["--version".into(), "v2".into()]).unwrap();
        assert_eq!((a.version.as_str(), a.dir), ("v2", None));
        assert_eq!(parse(&[]).unwrap().version, "v1");
        assert!(parse(&["--version".into(), "v 2".into()]).is_err());
        assert!(parse(&["--version".into()]).is_err());
        assert!(parse(&["--bogus".into(), "x".into()]).is_err());
    }

    #[test]
    fn hcl_strings_are_quoted_and_escaped() {
        assert_eq!(hcl_string("a\"b"), "\"a\\\"b\"");
    }
}
