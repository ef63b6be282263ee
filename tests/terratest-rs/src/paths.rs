//! Well-known places: the repository, the shared cache, the built provider mirror.

use std::path::PathBuf;

/// The repository root: `OPSDECK_REPO_ROOT`, else the Cargo workspace around the
/// package cargo runs (`CARGO_MANIFEST_DIR` at run time), else the workspace this
/// crate was compiled in.
///
/// The run-time value comes first because one `CARGO_TARGET_DIR` may serve several
/// checkouts (CI keeps it across clean clones): cargo does not rebuild a binary just
/// because the checkout moved, so the compile-time path can name another, or a
/// deleted, checkout.
pub fn repo_root() -> PathBuf {
    if let Some(root) = std::env::var_os("OPSDECK_REPO_ROOT") {
        return PathBuf::from(root);
    }
    let compiled = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let running = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    running
        .iter()
        .chain(std::iter::once(&compiled))
        .find_map(|dir| workspace_around(dir))
        .unwrap_or_else(|| {
            let root = compiled.join("../..");
            root.canonicalize().unwrap_or(root)
        })
}

/// The nearest directory at or above `dir` whose Cargo.toml declares a workspace.
fn workspace_around(dir: &std::path::Path) -> Option<PathBuf> {
    dir.ancestors().find_map(|d| {
        let manifest = std::fs::read_to_string(d.join("Cargo.toml")).ok()?;
        manifest
            .lines()
            .any(|l| l.trim() == "[workspace]")
            .then(|| d.canonicalize().unwrap_or_else(|_| d.to_path_buf()))
    })
}

/// Caches that outlive a checkout: venvs, emulator state (`OPSDECK_CACHE_DIR`,
/// else `$XDG_CACHE_HOME/opsdeck`, else `~/.cache/opsdeck`).
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("OPSDECK_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(xdg) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(xdg).join("opsdeck");
    }
    home().join(".cache/opsdeck")
}

pub fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp"))
}

/// Build outputs of `cargo xtask mirror` (`OPSDECK_DIST_DIR`, else `<repo>/dist`).
pub fn dist_dir() -> PathBuf {
    std::env::var_os("OPSDECK_DIST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("dist"))
}

/// The packed provider mirror written by `cargo xtask mirror`.
pub fn provider_mirror_dir() -> PathBuf {
    dist_dir().join("mirror")
}

/// Where the provider is published unless `OPSDECK_PROVIDER_HOSTNAME` says otherwise.
pub const DEFAULT_PROVIDER_HOSTNAME: &str = "registry.opsdeck.internal";
/// The namespace unless `OPSDECK_PROVIDER_NAMESPACE` says otherwise.
pub const DEFAULT_PROVIDER_NAMESPACE: &str = "opsdeck";

pub fn provider_hostname() -> String {
    std::env::var("OPSDECK_PROVIDER_HOSTNAME").unwrap_or_else(|_| DEFAULT_PROVIDER_HOSTNAME.into())
}

pub fn provider_namespace() -> String {
    std::env::var("OPSDECK_PROVIDER_NAMESPACE")
        .unwrap_or_else(|_| DEFAULT_PROVIDER_NAMESPACE.into())
}

/// The provider's source address, `<hostname>/<namespace>/opsdeck`.
pub fn provider_source() -> String {
    format!("{}/{}/opsdeck", provider_hostname(), provider_namespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_is_found_from_any_package_inside_it() {
        let root = workspace_around(std::path::Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        assert!(
            root.join("xtask").is_dir() && root.join("provider").is_dir(),
            "{root:?}"
        );
        let from_xtask = workspace_around(&root.join("xtask")).unwrap();
        assert_eq!(from_xtask, root);
        assert_eq!(workspace_around(std::path::Path::new("/")), None);
    }
}
