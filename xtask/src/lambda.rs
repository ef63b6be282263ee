//! Lambda packaging for `cargo xtask lambda <crate>...`: checks that a function's
//! release binary runs on `provided.al2023` (x86_64, glibc 2.34) and zips it as the
//! executable `bootstrap` at the root of `dist/lambda/<crate>.zip`.
//!
//! Functions are built on this machine for the host target: no cross toolchain is
//! needed, and the glibc check is what makes that safe (a symbol from a glibc newer
//! than 2.34 fails the package here instead of failing to start in Lambda).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::elf::{self, GlibcVersion};

/// glibc of Amazon Linux 2023, the OS of `provided.al2023`.
pub const AL2023_GLIBC: &str = "2.34";

/// A packaged function.
#[derive(Debug)]
pub struct LambdaZip {
    pub zip: PathBuf,
    /// Base64 SHA-256 of the zip: Terraform's `source_code_hash`.
    pub sha256_base64: String,
    /// The newest glibc symbol version the binary needs.
    pub max_glibc: Option<GlibcVersion>,
    pub zip_bytes: u64,
}

/// Refuses a binary that is not x86_64 or that needs a glibc newer than 2.34.
pub fn check_binary(binary: &Path) -> Result<Option<GlibcVersion>> {
    let needs = elf::parse_file(binary)?;
    if needs.machine != elf::EM_X86_64 {
        bail!("{} is not an x86_64 binary (ELF machine {}); the function is deployed with architectures = [\"x86_64\"]", binary.display(), needs.machine);
    }
    let max = needs.max_glibc();
    let limit = GlibcVersion::parse(&format!("GLIBC_{AL2023_GLIBC}")).context("limit")?;
    if let Some(v) = &max {
        if *v > limit {
            let offenders: Vec<&str> = needs
                .versions
                .iter()
                .filter(|(_, n)| GlibcVersion::parse(n).is_some_and(|g| g > limit))
                .map(|(_, n)| n.as_str())
                .collect();
            bail!(
                "{} needs glibc {v} ({}), but provided.al2023 has glibc {AL2023_GLIBC}: build on a system with glibc <= {AL2023_GLIBC} (e.g. an amazonlinux:2023 container) or avoid the newer symbols",
                binary.display(),
                offenders.join(", ")
            );
        }
    }
    Ok(max)
}

/// The zip Lambda expects: one entry `bootstrap`, mode 0755, fixed timestamp so that
/// the same binary gives the same `source_code_hash`.
pub fn write_zip(binary: &Path, zip_path: &Path) -> Result<()> {
    let bytes = std::fs::read(binary).with_context(|| format!("read {}", binary.display()))?;
    if let Some(dir) = zip_path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = zip_path.with_extension("zip.tmp");
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&tmp)?);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o755)
        .last_modified_time(zip::DateTime::default());
    writer.start_file("bootstrap", options)?;
    writer.write_all(&bytes)?;
    writer.finish()?;
    std::fs::rename(&tmp, zip_path)?;
    Ok(())
}

pub fn source_code_hash(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path)?;
    Ok(base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes)))
}

/// Checks the built `binary` and writes it to `zip_path` as `bootstrap`.
pub fn package(binary: &Path, zip_path: &Path) -> Result<LambdaZip> {
    let max_glibc = check_binary(binary)?;
    write_zip(binary, zip_path)?;
    Ok(LambdaZip {
        sha256_base64: source_code_hash(zip_path)?,
        zip_bytes: std::fs::metadata(zip_path)?.len(),
        zip: zip_path.to_path_buf(),
        max_glibc,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_holds_an_executable_bootstrap_and_is_reproducible() {
        let dir = tempfile::tempdir().unwrap();
        let exe = std::env::current_exe().unwrap();
        let a = package(&exe, &dir.path().join("a/f.zip")).unwrap();
        let b = package(&exe, &dir.path().join("b/f.zip")).unwrap();
        assert_eq!(a.sha256_base64, b.sha256_base64, "same binary, same zip");
        assert!(a.max_glibc.is_some());
        let mut archive = zip::ZipArchive::new(std::fs::File::open(&a.zip).unwrap()).unwrap();
        assert_eq!(archive.len(), 1);
        let entry = archive.by_index(0).unwrap();
        assert_eq!(entry.name(), "bootstrap");
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
    }

    #[test]
    fn a_script_is_not_a_lambda_binary() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("bootstrap");
        std::fs::write(&script, "#!/bin/sh\n").unwrap();
        assert!(check_binary(&script).is_err());
    }
}
