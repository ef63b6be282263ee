//! The modules' AWS provider constraints and what 6.0 removed (issue 16, finding 4).
//!
//! Every `versions.tf` under `modules/` (modules, submodules, examples) must admit the 5.x
//! this project tests with (5.90 up to 5.100) and the 6.x series, and stop before 7.0. No
//! `.tf` file may use what the 6.0 upgrade guide removed or deprecated where the modules
//! could meet it: `data.aws_region.*.name` (use `.id`, the region name in 5.x and 6.x),
//! `aws_api_gateway_deployment.stage_name`, `aws_api_gateway_account.reset_on_delete`,
//! `aws_flow_log.log_group_name`. No emulator, no terraform: it reads the files.

use std::path::{Path, PathBuf};

use semver::{Version, VersionReq};
use terratest::paths;

fn tf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if !name.starts_with('.') {
                tf_files(&path, out);
            }
        } else if name.ends_with(".tf") {
            out.push(path);
        }
    }
}

fn module_tf_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    tf_files(&paths::repo_root().join("modules"), &mut files);
    assert!(
        files.len() > 20,
        "modules/ has too few .tf files: {files:?}"
    );
    files
}

/// The `version` of the `aws = { source = "hashicorp/aws" ... }` requirement in a file.
fn aws_constraint(text: &str) -> Option<String> {
    let start = text
        .find("source = \"hashicorp/aws\"")
        .or_else(|| text.find("source  = \"hashicorp/aws\""))?;
    let rest = &text[start..];
    let end = rest.find('}').unwrap_or(rest.len());
    rest[..end].lines().find_map(|line| {
        let line = line.trim();
        let value = line
            .strip_prefix("version")?
            .trim_start()
            .strip_prefix('=')?;
        Some(value.trim().trim_matches('"').to_owned())
    })
}

#[test]
fn every_module_admits_aws_provider_5_90_to_6_x_and_stops_before_7() {
    let versions: Vec<PathBuf> = module_tf_files()
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "versions.tf"))
        .collect();
    assert!(versions.len() >= 13, "versions.tf files: {versions:?}");
    for file in versions {
        let text = std::fs::read_to_string(&file).unwrap();
        let constraint = aws_constraint(&text)
            .unwrap_or_else(|| panic!("{}: no hashicorp/aws version constraint", file.display()));
        let req = VersionReq::parse(&constraint).unwrap_or_else(|e| {
            panic!(
                "{}: constraint {constraint:?} unreadable: {e}",
                file.display()
            )
        });
        for admitted in ["5.90.0", "5.100.0", "6.0.0", "6.42.0"] {
            assert!(
                req.matches(&Version::parse(admitted).unwrap()),
                "{}: {constraint:?} must admit hashicorp/aws {admitted}",
                file.display()
            );
        }
        for refused in ["5.89.0", "7.0.0"] {
            assert!(
                !req.matches(&Version::parse(refused).unwrap()),
                "{}: {constraint:?} must refuse hashicorp/aws {refused}",
                file.display()
            );
        }
    }
}

#[test]
fn no_module_uses_what_aws_provider_6_removed_or_deprecated() {
    // (pattern, what to use instead)
    let removed = [
        (
            "data.aws_region.current.name",
            "data.aws_region.current.id (deprecated in 6.0)",
        ),
        (
            "reset_on_delete",
            "nothing: aws_api_gateway_account lost it in 6.0",
        ),
    ];
    // (resource type, argument 6.0 removed from it, what to use instead)
    let removed_arguments = [
        (
            "aws_api_gateway_deployment",
            "stage_name",
            "aws_api_gateway_stage",
        ),
        ("aws_flow_log", "log_group_name", "log_destination"),
    ];
    let mut found = Vec::new();
    for file in module_tf_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        for (pattern, instead) in removed {
            if text.contains(pattern) {
                found.push(format!("{}: {pattern} -> {instead}", file.display()));
            }
        }
        // Arguments of top-level resource blocks ("resource ... {" to the closing "}").
        let mut block: Option<&str> = None;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("resource \"") {
                block = rest.split('"').next();
            } else if line.starts_with('}') {
                block = None;
            } else if let Some(kind) = block {
                for (resource, argument, instead) in removed_arguments {
                    let trimmed = line.trim_start();
                    if kind == resource
                        && trimmed.starts_with(argument)
                        && trimmed[argument.len()..].trim_start().starts_with('=')
                    {
                        found.push(format!(
                            "{}: {resource}.{argument} -> {instead}",
                            file.display()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "removed in AWS provider 6.0:\n{}",
        found.join("\n")
    );
}
