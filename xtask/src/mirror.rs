//! Packs the provider binary into a Terraform provider mirror and release artifacts.
//!
//! `terraform providers mirror` needs the origin registry, which a private host
//! offline does not have, so we write the layouts ourselves:
//! - packed filesystem mirror `<host>/<namespace>/<type>/terraform-provider-<type>_<v>_<os>_<arch>.zip`,
//!   plus `index.json` and `<v>.json` in the same folder, so that folder served over
//!   HTTPS is also a network mirror (provider network mirror protocol);
//! - release artifacts as the registry expects them: the zip, `_SHA256SUMS`, `_manifest.json`.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Where the provider is published: `<hostname>/<namespace>/<type>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceAddress {
    pub hostname: String,
    pub namespace: String,
    pub provider_type: String,
}

impl SourceAddress {
    /// `OPSDECK_PROVIDER_HOSTNAME` and `OPSDECK_PROVIDER_NAMESPACE` override the defaults.
    pub fn from_env() -> Result<Self> {
        let address = Self {
            hostname: terratest::paths::provider_hostname(),
            namespace: terratest::paths::provider_namespace(),
            provider_type: "opsdeck".into(),
        };
        address.check()?;
        Ok(address)
    }

    fn check(&self) -> Result<()> {
        let label_ok = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        };
        if !label_ok(&self.hostname) || !self.hostname.contains('.') {
            bail!(
                "OPSDECK_PROVIDER_HOSTNAME={:?} is not a hostname such as registry.example.com",
                self.hostname
            );
        }
        if !label_ok(&self.namespace) || self.namespace.contains('.') {
            bail!(
                "OPSDECK_PROVIDER_NAMESPACE={:?} must be letters, digits and dashes",
                self.namespace
            );
        }
        Ok(())
    }

    pub fn to_source(&self) -> String {
        format!(
            "{}/{}/{}",
            self.hostname, self.namespace, self.provider_type
        )
    }
}

/// `h1:` hash of a provider package (Terraform's "zip hash" scheme, `dirhash.Hash1`):
/// base64 of the SHA-256 of the sorted lines `"<sha256 hex>  <file name>\n"`, one per
/// file in the archive.
pub fn h1_hash_of_zip(zip_path: &Path) -> Result<String> {
    let file = fs::File::open(zip_path).with_context(|| format!("open {}", zip_path.display()))?;
    let mut archive =
        zip::ZipArchive::new(file).with_context(|| format!("read zip {}", zip_path.display()))?;
    let mut lines = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        let name = entry.name().to_owned();
        if name.contains('\n') {
            bail!("zip entry name contains a newline: {name:?}");
        }
        let mut hasher = Sha256::new();
        let mut buf = Vec::new();
        entry.read_to_end(&mut buf)?;
        hasher.update(&buf);
        lines.push(format!("{}  {}\n", hex(&hasher.finalize()), name));
    }
    lines.sort();
    let summary = Sha256::digest(lines.concat().as_bytes());
    Ok(format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(summary)
    ))
}

/// `zh:` hash: SHA-256 of the zip file itself, as the registry's SHA256SUMS lists it.
pub fn zh_hash_of_file(path: &Path) -> Result<String> {
    Ok(format!("zh:{}", sha256_hex_of_file(path)?))
}

pub fn sha256_hex_of_file(path: &Path) -> Result<String> {
    let bytes = fs::read(path).with_context(|| format!("read {}", path.display()))?;
    Ok(hex(&Sha256::digest(bytes)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Terraform's `<os>_<arch>` for the machine we build on.
pub fn host_platform() -> Result<String> {
    let os = match std::env::consts::OS {
        "linux" => "linux",
        "macos" => "darwin",
        "windows" => "windows",
        other => bail!("unsupported OS {other}"),
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => bail!("unsupported architecture {other}"),
    };
    Ok(format!("{os}_{arch}"))
}

/// What [`package`] wrote.
#[derive(Debug, Clone)]
pub struct Packaged {
    pub zip_in_mirror: PathBuf,
    pub provider_dir: PathBuf,
    pub release_dir: PathBuf,
    pub h1: String,
    pub zh: String,
    pub version: String,
    pub source: String,
}

/// Packs `binary` as version `version` for `platform` into `<out>/mirror` and `<out>/release`.
pub fn package(
    binary: &Path,
    version: &str,
    platform: &str,
    address: &SourceAddress,
    out: &Path,
) -> Result<Packaged> {
    let t = &address.provider_type;
    let zip_name = format!("terraform-provider-{t}_{version}_{platform}.zip");
    let provider_dir = out
        .join("mirror")
        .join(&address.hostname)
        .join(&address.namespace)
        .join(t);
    let release_dir = out.join("release");
    fs::create_dir_all(&provider_dir)?;
    fs::create_dir_all(&release_dir)?;

    let zip_path = release_dir.join(&zip_name);
    write_zip(
        binary,
        &format!("terraform-provider-{t}_v{version}"),
        &zip_path,
    )?;
    let h1 = h1_hash_of_zip(&zip_path)?;
    let zh = zh_hash_of_file(&zip_path)?;
    let zip_in_mirror = provider_dir.join(&zip_name);
    fs::copy(&zip_path, &zip_in_mirror)?;

    // Network mirror protocol: index.json lists versions, <version>.json the archives.
    // Merge with what is already there so earlier versions stay installable.
    let index_path = provider_dir.join("index.json");
    let mut index: Value = read_json_or(&index_path, json!({ "versions": {} }))?;
    index["versions"][version] = json!({});
    write_json(&index_path, &index)?;
    let version_path = provider_dir.join(format!("{version}.json"));
    let mut archives: Value = read_json_or(&version_path, json!({ "archives": {} }))?;
    archives["archives"][platform] = json!({ "url": zip_name, "hashes": [h1, zh] });
    write_json(&version_path, &archives)?;

    let manifest_name = format!("terraform-provider-{t}_{version}_manifest.json");
    let manifest_path = release_dir.join(&manifest_name);
    write_json(
        &manifest_path,
        &json!({ "version": 1, "metadata": { "protocol_versions": ["6.0"] } }),
    )?;

    // One SHA256SUMS per version, over every platform zip present and the manifest.
    let mut sums = BTreeMap::new();
    for entry in fs::read_dir(&release_dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let ours = name.starts_with(&format!("terraform-provider-{t}_{version}_"));
        if ours && (name.ends_with(".zip") || name == manifest_name) {
            sums.insert(name, sha256_hex_of_file(&path)?);
        }
    }
    let sums_text: String = sums
        .iter()
        .map(|(name, sum)| format!("{sum}  {name}\n"))
        .collect();
    fs::write(
        release_dir.join(format!("terraform-provider-{t}_{version}_SHA256SUMS")),
        sums_text,
    )?;

    Ok(Packaged {
        zip_in_mirror,
        provider_dir,
        release_dir,
        h1,
        zh,
        version: version.to_owned(),
        source: address.to_source(),
    })
}

fn write_zip(binary: &Path, name_in_zip: &str, zip_path: &Path) -> Result<()> {
    let bytes =
        fs::read(binary).with_context(|| format!("read provider binary {}", binary.display()))?;
    let tmp = zip_path.with_extension("zip.tmp");
    let file = fs::File::create(&tmp)?;
    let mut writer = zip::ZipWriter::new(file);
    // A fixed timestamp keeps the zip (and its zh: hash) reproducible.
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o755)
        .last_modified_time(zip::DateTime::default());
    writer.start_file(name_in_zip, options)?;
    writer.write_all(&bytes)?;
    writer.finish()?;
    fs::rename(&tmp, zip_path)?;
    Ok(())
}

fn read_json_or(path: &Path, default: Value) -> Result<Value> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not valid JSON", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(default),
        Err(e) => Err(e).with_context(|| format!("read {}", path.display())),
    }
}

fn write_json(path: &Path, value: &Value) -> Result<()> {
    fs::write(path, serde_json::to_string_pretty(value)? + "\n")
        .with_context(|| format!("write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn h1_hash_follows_dirhash_hash1() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        fs::write(&bin, b"hello\n").unwrap();
        let zip = dir.path().join("p.zip");
        write_zip(&bin, "terraform-provider-x_v1.0.0", &zip).unwrap();
        // Computed by hand: sha256("hello\n") then the one-line summary.
        let line = format!(
            "{}  terraform-provider-x_v1.0.0\n",
            hex(&Sha256::digest(b"hello\n"))
        );
        let expected =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(line.as_bytes()));
        assert_eq!(h1_hash_of_zip(&zip).unwrap(), format!("h1:{expected}"));
    }

    #[test]
    fn package_writes_mirror_and_release_and_keeps_old_versions() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        fs::write(&bin, b"#!/bin/true\n").unwrap();
        let addr = SourceAddress {
            hostname: "reg.example.com".into(),
            namespace: "acme".into(),
            provider_type: "opsdeck".into(),
        };
        package(&bin, "0.1.0", "linux_amd64", &addr, dir.path()).unwrap();
        let p = package(&bin, "0.2.0", "linux_amd64", &addr, dir.path()).unwrap();
        let index: Value =
            serde_json::from_slice(&fs::read(p.provider_dir.join("index.json")).unwrap()).unwrap();
        assert!(index["versions"]["0.1.0"].is_object() && index["versions"]["0.2.0"].is_object());
        let v: Value =
            serde_json::from_slice(&fs::read(p.provider_dir.join("0.2.0.json")).unwrap()).unwrap();
        assert_eq!(
            v["archives"]["linux_amd64"]["url"],
            "terraform-provider-opsdeck_0.2.0_linux_amd64.zip"
        );
        assert_eq!(v["archives"]["linux_amd64"]["hashes"][0], p.h1.as_str());
        let sums = fs::read_to_string(
            p.release_dir
                .join("terraform-provider-opsdeck_0.2.0_SHA256SUMS"),
        )
        .unwrap();
        assert_eq!(sums.lines().count(), 2, "{sums}");
        assert!(sums.contains(p.zh.trim_start_matches("zh:")));
        let manifest: Value = serde_json::from_slice(
            &fs::read(
                p.release_dir
                    .join("terraform-provider-opsdeck_0.2.0_manifest.json"),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(manifest["metadata"]["protocol_versions"][0], "6.0");
        assert!(p
            .zip_in_mirror
            .starts_with(dir.path().join("mirror/reg.example.com/acme/opsdeck")));
    }

    #[test]
    fn rejects_bad_source_addresses() {
        let bad_host = SourceAddress {
            hostname: "nohost".into(),
            namespace: "a".into(),
            provider_type: "opsdeck".into(),
        };
        assert!(bad_host.check().is_err());
        let bad_ns = SourceAddress {
            hostname: "a.example".into(),
            namespace: "a/b".into(),
            provider_type: "opsdeck".into(),
        };
        assert!(bad_ns.check().is_err());
    }
}
