//! Copies of Terraform folders in temp dirs, so tests never share `.terraform` or state.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::error::{Error, Result};

/// A temp copy of a tree; `path` is the sub-folder the test asked for.
pub struct TempCopy {
    pub dir: TempDir,
    pub path: PathBuf,
}

/// Names never copied: build outputs, VCS data, Terraform working state.
const SKIP: &[&str] = &[
    ".git",
    "target",
    "dist",
    ".terraform",
    "terraform.tfstate",
    "terraform.tfstate.backup",
    ".terraform.lock.hcl",
    "__pycache__",
    ".pytest_cache",
];

/// Copies `root` (the whole tree, so relative module sources keep working) into a temp
/// dir and returns the copy of `root/sub` (Terratest's CopyTerraformFolderToTemp).
pub fn copy_folder_to_temp(root: &Path, sub: impl AsRef<Path>) -> Result<TempCopy> {
    let dir = tempfile::Builder::new()
        .prefix("terratest-copy-")
        .tempdir()
        .map_err(Error::io(std::env::temp_dir()))?;
    copy_tree(root, dir.path())?;
    let path = dir.path().join(sub);
    if !path.is_dir() {
        return Err(Error::Other(format!(
            "{} is not a folder of {}",
            path.display(),
            root.display()
        )));
    }
    Ok(TempCopy { dir, path })
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(Error::io(to))?;
    for entry in std::fs::read_dir(from).map_err(Error::io(from))? {
        let entry = entry.map_err(Error::io(from))?;
        let name = entry.file_name();
        if SKIP.iter().any(|s| name == *s) {
            continue;
        }
        let src = entry.path();
        let dst = to.join(&name);
        let kind = entry.file_type().map_err(Error::io(&src))?;
        if kind.is_dir() {
            copy_tree(&src, &dst)?;
        } else if kind.is_file() {
            std::fs::copy(&src, &dst).map_err(Error::io(&src))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_the_tree_without_working_state() {
        let src = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(src.path().join("modules/a/.terraform")).unwrap();
        std::fs::write(src.path().join("modules/a/main.tf"), "# a").unwrap();
        std::fs::write(src.path().join("modules/a/terraform.tfstate"), "{}").unwrap();
        std::fs::create_dir_all(src.path().join("envs/x")).unwrap();
        let copy = copy_folder_to_temp(src.path(), "envs/x").unwrap();
        let root = copy.dir.path();
        assert!(root.join("modules/a/main.tf").is_file());
        assert!(!root.join("modules/a/.terraform").exists());
        assert!(!root.join("modules/a/terraform.tfstate").exists());
        assert!(copy.path.ends_with("envs/x"));
        assert!(copy_folder_to_temp(src.path(), "missing").is_err());
    }
}
