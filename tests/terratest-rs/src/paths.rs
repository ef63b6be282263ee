//! Well-known places: the repository, the shared cache, the built provider mirror.

use std::path::PathBuf;

/// The repository root (`OPSDECK_REPO_ROOT`, else two levels above this crate).
pub fn repo_root() -> PathBuf {
    if let Some(root) = std::env::var_os("OPSDECK_REPO_ROOT") {
        return PathBuf::from(root);
    }
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = here.join("../..");
    root.canonicalize().unwrap_or(root)
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
