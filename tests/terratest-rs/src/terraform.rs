//! Runs the `terraform` binary with [`Options`]: init, validate, plan, apply, output,
//! destroy, each as `try_*` (a [`Result`]) and as a panicking form.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::SystemTime;

use serde::de::DeserializeOwned;
use tempfile::TempDir;

use crate::error::{Error, Result};
use crate::options::Options;
use crate::plan::{PlanExit, PlanJson, PlanResult};

/// What a finished command printed.
#[derive(Clone, Debug)]
pub struct CommandOutput {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl CommandOutput {
    pub fn combined(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A Terraform working directory and how to run terraform in it.
pub struct Terraform {
    options: Options,
    /// Plan files and generated var files live here, outside the configuration.
    scratch: TempDir,
    /// `terraform output -json` of the local state as last read, with the state file's
    /// modification time and length: each `terraform output` costs a process start, and
    /// suites read many outputs after one apply.
    outputs: Mutex<Option<CachedOutputs>>,
}

type OutputMap = serde_json::Map<String, serde_json::Value>;

struct CachedOutputs {
    state_stamp: (SystemTime, u64),
    outputs: OutputMap,
}

impl Terraform {
    pub fn new(options: Options) -> Self {
        let scratch = tempfile::Builder::new()
            .prefix("terratest-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temp dir: {e}"));
        Self {
            options,
            scratch,
            outputs: Mutex::new(None),
        }
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    pub fn dir(&self) -> &Path {
        &self.options.dir
    }

    /// Runs `terraform <args>` in the directory; returns the output whatever the exit code.
    pub fn try_run_raw(&self, args: &[String]) -> Result<CommandOutput> {
        let program = self.options.terraform_binary.display().to_string();
        let mut cmd = Command::new(&self.options.terraform_binary);
        cmd.args(args)
            .current_dir(&self.options.dir)
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_INPUT", "0")
            .envs(&self.options.env);
        if let Some(cli_config) = &self.options.cli_config {
            cmd.env("TF_CLI_CONFIG_FILE", cli_config);
        }
        let started = std::time::Instant::now();
        let out = cmd
            .output()
            .map_err(|source| Error::Spawn { program, source })?;
        // Shown with the test's output (on failure or --nocapture): where a suite's time goes.
        eprintln!(
            "terratest: terraform {} took {:.1}s (exit {})",
            args.first().map(String::as_str).unwrap_or_default(),
            started.elapsed().as_secs_f64(),
            out.status.code().unwrap_or(-1)
        );
        Ok(CommandOutput {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    /// Runs `terraform <args>`, fails on a non-zero exit (other than `ok_codes`), and
    /// retries on the configured transient errors.
    pub fn try_run(
        &self,
        args: &[String],
        ok_codes: &[i32],
        retryable: bool,
    ) -> Result<CommandOutput> {
        let mut attempt = 0;
        loop {
            let out = self.try_run_raw(args)?;
            if out.code == 0 || ok_codes.contains(&out.code) {
                return Ok(out);
            }
            let combined = out.combined();
            let transient = retryable
                && self
                    .options
                    .retryable_errors
                    .iter()
                    .any(|p| combined.contains(p.as_str()));
            if transient && attempt < self.options.max_retries {
                attempt += 1;
                std::thread::sleep(self.options.time_between_retries);
                continue;
            }
            return Err(Error::Command {
                command: format!(
                    "terraform {} (in {})",
                    args.join(" "),
                    self.options.dir.display()
                ),
                code: out.code,
                stdout: out.stdout,
                stderr: out.stderr,
            });
        }
    }

    fn var_args(&self) -> Result<Vec<String>> {
        let mut args = Vec::new();
        for file in &self.options.var_files {
            args.push(format!("-var-file={}", file.display()));
        }
        if !self.options.vars.is_empty() {
            // A JSON var file carries maps, objects and numbers exactly, unlike -var.
            let path = self.scratch.path().join("terratest.tfvars.json");
            let text =
                serde_json::to_string_pretty(&self.options.vars).map_err(|source| Error::Json {
                    what: "variables".into(),
                    source,
                })?;
            std::fs::write(&path, text).map_err(Error::io(&path))?;
            args.push(format!("-var-file={}", path.display()));
        }
        if let Some(n) = self.options.parallelism {
            args.push(format!("-parallelism={n}"));
        }
        Ok(args)
    }

    fn args(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| (*s).to_owned()).collect()
    }

    pub fn try_init(&self) -> Result<CommandOutput> {
        let mut args = Self::args(&["init", "-input=false", "-no-color"]);
        for (k, v) in &self.options.backend_config {
            args.push(format!("-backend-config={k}={v}"));
        }
        self.try_run(&args, &[], true)
    }

    pub fn init(&self) -> CommandOutput {
        self.try_init().unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn try_validate(&self) -> Result<CommandOutput> {
        self.try_run(&Self::args(&["validate", "-no-color"]), &[], false)
    }

    pub fn validate(&self) -> CommandOutput {
        self.try_validate().unwrap_or_else(|e| panic!("{e}"))
    }

    /// `plan -detailed-exitcode`, then `show -json` of the saved plan.
    pub fn try_plan(&self) -> Result<PlanResult> {
        let (exit, stdout, plan_file) = self.try_plan_exit()?;
        let plan = self.try_show_plan(&plan_file)?;
        Ok(PlanResult { exit, plan, stdout })
    }

    /// `plan -detailed-exitcode -out=<file>`: whether anything would change, the
    /// human-readable plan and the saved plan file.
    fn try_plan_exit(&self) -> Result<(PlanExit, String, PathBuf)> {
        let plan_file = self.scratch.path().join("terratest.tfplan");
        let mut args = Self::args(&["plan", "-input=false", "-no-color", "-detailed-exitcode"]);
        args.push(format!("-out={}", plan_file.display()));
        args.extend(self.var_args()?);
        let out = self.try_run(&args, &[2], false)?;
        let exit = if out.code == 2 {
            PlanExit::Changes
        } else {
            PlanExit::NoChanges
        };
        Ok((exit, out.stdout, plan_file))
    }

    pub fn plan(&self) -> PlanResult {
        self.try_plan().unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn try_show_plan(&self, plan_file: &Path) -> Result<PlanJson> {
        let out = self.try_run(
            &[
                "show".into(),
                "-json".into(),
                plan_file.display().to_string(),
            ],
            &[],
            false,
        )?;
        serde_json::from_str(&out.stdout).map_err(|source| Error::Json {
            what: "terraform show -json".into(),
            source,
        })
    }

    pub fn try_apply(&self) -> Result<CommandOutput> {
        let mut args = Self::args(&["apply", "-input=false", "-no-color", "-auto-approve"]);
        args.extend(self.var_args()?);
        self.try_run(&args, &[], true)
    }

    pub fn apply(&self) -> CommandOutput {
        self.try_apply().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Apply, then a plan must find nothing to do (property P1). The error lists what
    /// the second plan would change.
    pub fn try_apply_and_idempotent(&self) -> Result<CommandOutput> {
        let applied = self.try_apply()?;
        self.try_assert_no_changes()?;
        Ok(applied)
    }

    pub fn apply_and_idempotent(&self) -> CommandOutput {
        self.try_apply_and_idempotent()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// A plan must be empty.
    /// The exit code decides; `show -json` (which starts every provider again) runs only
    /// to describe a non-empty plan.
    pub fn try_assert_no_changes(&self) -> Result<()> {
        let (exit, stdout, plan_file) = self.try_plan_exit()?;
        if exit == PlanExit::Changes {
            let mut changes = self.try_show_plan(&plan_file)?.pending_changes();
            if changes.is_empty() {
                changes.push(format!("outputs or drift only:\n{stdout}"));
            }
            return Err(Error::NotIdempotent { changes });
        }
        Ok(())
    }

    pub fn try_output<T: DeserializeOwned>(&self, name: &str) -> Result<T> {
        let value = match self.state_stamp() {
            Some(stamp) => self.cached_outputs(stamp)?.get(name).cloned(),
            // Remote state: nothing cheap tells whether it changed, so ask every time.
            None => self.try_outputs()?.get(name).cloned(),
        };
        let value = value.ok_or_else(|| {
            Error::Other(format!(
                "the configuration in {} has no output named {name:?} (or it is not applied yet)",
                self.dir().display()
            ))
        })?;
        serde_json::from_value(value).map_err(|source| Error::Json {
            what: format!("output {name}"),
            source,
        })
    }

    /// Modification time and length of the local state file, if there is one.
    fn state_stamp(&self) -> Option<(SystemTime, u64)> {
        let meta = std::fs::metadata(self.dir().join("terraform.tfstate")).ok()?;
        Some((meta.modified().ok()?, meta.len()))
    }

    fn cached_outputs(&self, stamp: (SystemTime, u64)) -> Result<OutputMap> {
        let mut cache = self
            .outputs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(cached) = cache.as_ref().filter(|c| c.state_stamp == stamp) {
            return Ok(cached.outputs.clone());
        }
        let outputs = self.try_outputs()?;
        *cache = Some(CachedOutputs {
            state_stamp: stamp,
            outputs: outputs.clone(),
        });
        Ok(outputs)
    }

    pub fn output<T: DeserializeOwned>(&self, name: &str) -> T {
        self.try_output(name).unwrap_or_else(|e| panic!("{e}"))
    }

    /// All outputs as JSON values (`terraform output -json`, unwrapped from `{value, type}`).
    pub fn try_outputs(&self) -> Result<serde_json::Map<String, serde_json::Value>> {
        let out = self.try_run(&Self::args(&["output", "-json"]), &[], false)?;
        let raw: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&out.stdout)
            .map_err(|source| Error::Json {
                what: "outputs".into(),
                source,
            })?;
        Ok(raw
            .into_iter()
            .map(|(k, v)| (k, v.get("value").cloned().unwrap_or(v)))
            .collect())
    }

    /// The raw state as stored (`terraform state pull`), e.g. to check it holds no secret.
    pub fn try_state_pull(&self) -> Result<String> {
        Ok(self
            .try_run(&Self::args(&["state", "pull"]), &[], false)?
            .stdout)
    }

    pub fn try_import(&self, address: &str, id: &str) -> Result<CommandOutput> {
        let mut args = Self::args(&["import", "-input=false", "-no-color"]);
        args.extend(self.var_args()?);
        args.push(address.to_owned());
        args.push(id.to_owned());
        self.try_run(&args, &[], false)
    }

    pub fn try_destroy(&self) -> Result<CommandOutput> {
        let mut args = Self::args(&["destroy", "-input=false", "-no-color", "-auto-approve"]);
        args.extend(self.var_args()?);
        self.try_run(&args, &[], true)
    }

    pub fn destroy(&self) -> CommandOutput {
        self.try_destroy().unwrap_or_else(|e| panic!("{e}"))
    }

    /// A guard that destroys everything when it goes out of scope, also when the test
    /// panics (Terratest's `defer terraform.Destroy`).
    pub fn destroy_on_drop(&self) -> DestroyGuard<'_> {
        DestroyGuard {
            terraform: self,
            armed: true,
        }
    }

    pub fn scratch_dir(&self) -> PathBuf {
        self.scratch.path().to_path_buf()
    }
}

pub struct DestroyGuard<'a> {
    terraform: &'a Terraform,
    armed: bool,
}

impl DestroyGuard<'_> {
    /// Destroy now and report the result instead of waiting for the drop.
    pub fn destroy_now(mut self) -> Result<CommandOutput> {
        self.armed = false;
        self.terraform.try_destroy()
    }
}

impl Drop for DestroyGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            if let Err(e) = self.terraform.try_destroy() {
                // Drop cannot fail; the next test run would see the leftovers, so say so.
                eprintln!(
                    "terratest: destroy on drop failed in {}: {e}",
                    self.terraform.dir().display()
                );
            }
        }
    }
}
