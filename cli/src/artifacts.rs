//! The version's Lambda zips, uploaded where modules/compute reads them:
//! `s3://<artifact_bucket>/<artifact_prefix>/<app_version>/<function key>.zip`.
//! An object that is already there with the same SHA-256 (kept in its metadata, base64
//! like Terraform's `source_code_hash`) is not uploaded again, so a re-run or a
//! rollback to a built version costs one HEAD per function.

use std::path::{Path, PathBuf};

use aws_sdk_s3::primitives::ByteStream;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::aws::{sdk_error, Aws};
use crate::error::{CliError, ErrorCode};
use crate::progress;

/// The metadata key holding the zip's base64 SHA-256.
pub const HASH_METADATA: &str = "sha256";

/// One function's zip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    /// The function key of modules/compute (`functions` map key).
    pub key: String,
    pub path: PathBuf,
}

/// What the upload did with one artifact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Upload {
    Uploaded,
    Replaced,
    Unchanged,
}

/// `KEY=PATH` of `--function`.
pub fn parse_function(s: &str) -> Result<(String, PathBuf), String> {
    let (key, path) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not KEY=PATH (e.g. api=dist/lambda/health.zip)"))?;
    check_key(key)?;
    Ok((key.to_owned(), PathBuf::from(path)))
}

/// Function keys as modules/compute accepts them.
fn check_key(key: &str) -> Result<(), String> {
    let ok = (1..=24).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !key.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!("function key {key:?} is not valid: 1-24 lowercase letters, digits and hyphens, starting with a letter (a key of modules/compute's `functions`)"))
    }
}

/// The artifacts to upload: the `--function` pairs when given, else every `*.zip` in
/// `dir`, keyed by file name (`api.zip` is function `api`).
pub fn collect(dir: &Path, functions: &[(String, PathBuf)]) -> Result<Vec<Artifact>, CliError> {
    let missing = |m: String| CliError::new(ErrorCode::ArtifactsMissing, m);
    let mut out = Vec::new();
    if !functions.is_empty() {
        for (key, path) in functions {
            if !path.is_file() {
                return Err(missing(format!(
                    "the artifact of function {key} ({}) does not exist",
                    path.display()
                )));
            }
            out.push(Artifact {
                key: key.clone(),
                path: path.clone(),
            });
        }
        return Ok(out);
    }
    let entries = std::fs::read_dir(dir).map_err(|e| {
        missing(format!(
            "cannot read the artifacts folder {}: {e}",
            dir.display()
        ))
        .hint("build the functions first (`cargo xtask lambda <crate>...` writes dist/lambda/<crate>.zip), or pass --artifacts DIR / --function KEY=PATH")
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("zip") || !path.is_file() {
            continue;
        }
        let key = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        check_key(&key).map_err(|e| missing(format!("{}: {e}", path.display())))?;
        out.push(Artifact { key, path });
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    if out.is_empty() {
        return Err(missing(format!("no *.zip in the artifacts folder {}", dir.display()))
            .hint("build the functions first (`cargo xtask lambda <crate>...`), or pass --function KEY=PATH"));
    }
    Ok(out)
}

/// `<prefix>/<version>/<key>.zip`.
pub fn object_key(prefix: &str, version: &str, key: &str) -> String {
    let prefix = prefix.trim_matches('/');
    if prefix.is_empty() {
        format!("{version}/{key}.zip")
    } else {
        format!("{prefix}/{version}/{key}.zip")
    }
}

pub fn sha256_base64(path: &Path) -> Result<String, CliError> {
    let bytes = std::fs::read(path).map_err(|e| {
        CliError::new(
            ErrorCode::ArtifactsMissing,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    Ok(base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes)))
}

/// Uploads what differs; returns what happened to each artifact.
pub async fn upload(
    aws: &Aws,
    bucket: &str,
    prefix: &str,
    version: &str,
    artifacts: &[Artifact],
) -> Result<Vec<(Artifact, Upload)>, CliError> {
    let s3 = aws.s3();
    let mut done = Vec::new();
    for a in artifacts {
        let key = object_key(prefix, version, &a.key);
        let hash = sha256_base64(&a.path)?;
        let head = s3.head_object().bucket(bucket).key(&key).send().await;
        let existing = match head {
            Ok(h) => Some(h.metadata().and_then(|m| m.get(HASH_METADATA)).cloned()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => None,
            Err(e) => {
                let text = sdk_error("s3", "HeadObject", e);
                return Err(CliError::aws(format!("s3://{bucket}/{key}: {text}"))
                    .hint("check --artifact-bucket (artifact_bucket), the region and s3:GetObject on the bucket"));
            }
        };
        let outcome = match &existing {
            Some(Some(h)) if *h == hash => Upload::Unchanged,
            Some(_) => Upload::Replaced,
            None => Upload::Uploaded,
        };
        if outcome != Upload::Unchanged {
            let body = ByteStream::from_path(&a.path).await.map_err(|e| {
                CliError::new(
                    ErrorCode::ArtifactsMissing,
                    format!("cannot read {}: {e}", a.path.display()),
                )
            })?;
            s3.put_object()
                .bucket(bucket)
                .key(&key)
                .content_type("application/zip")
                .metadata(HASH_METADATA, &hash)
                .body(body)
                .send()
                .await
                .map_err(|e| {
                    CliError::aws(format!(
                        "s3://{bucket}/{key}: {}",
                        sdk_error("s3", "PutObject", e)
                    ))
                    .hint("check s3:PutObject on the artifact bucket and its KMS key")
                })?;
        }
        progress::detail(&format!(
            "s3://{bucket}/{key}: {}",
            match outcome {
                Upload::Uploaded => "uploaded",
                Upload::Replaced => "replaced (its hash differed)",
                Upload::Unchanged => "unchanged (same sha256), skipped",
            }
        ));
        done.push((a.clone(), outcome));
    }
    Ok(done)
}

/// Whether `version` has artifacts in the bucket (a rollback target must).
pub async fn exists(
    aws: &Aws,
    bucket: &str,
    prefix: &str,
    version: &str,
) -> Result<bool, CliError> {
    let folder = match prefix.trim_matches('/') {
        "" => format!("{version}/"),
        p => format!("{p}/{version}/"),
    };
    let out = aws
        .s3()
        .list_objects_v2()
        .bucket(bucket)
        .prefix(&folder)
        .max_keys(1)
        .send()
        .await
        .map_err(|e| {
            CliError::aws(format!(
                "s3://{bucket}/{folder}: {}",
                sdk_error("s3", "ListObjectsV2", e)
            ))
        })?;
    Ok(out.key_count().unwrap_or(0) > 0 || !out.contents().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_modules_compute() {
        assert_eq!(
            object_key("opsdeck", "v1.4.2", "api"),
            "opsdeck/v1.4.2/api.zip"
        );
        assert_eq!(
            object_key("releases/shop/", "v1", "worker"),
            "releases/shop/v1/worker.zip"
        );
        assert!(parse_function("api=dist/lambda/health.zip").is_ok());
        assert!(parse_function("Api=x.zip").is_err());
        assert!(parse_function("api").is_err());
    }

    #[test]
    fn a_folder_gives_one_artifact_per_zip() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("api.zip"), b"a").unwrap();
        std::fs::write(dir.path().join("worker.zip"), b"b").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"c").unwrap();
        let found = collect(dir.path(), &[]).unwrap();
        assert_eq!(
            found.iter().map(|a| a.key.as_str()).collect::<Vec<_>>(),
            ["api", "worker"]
        );
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(
            collect(empty.path(), &[]).unwrap_err().kind,
            ErrorCode::ArtifactsMissing
        );
        assert_eq!(
            collect(&dir.path().join("nope"), &[]).unwrap_err().kind,
            ErrorCode::ArtifactsMissing
        );
        assert_eq!(
            sha256_base64(&dir.path().join("api.zip")).unwrap(),
            "ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs="
        );
    }
}
