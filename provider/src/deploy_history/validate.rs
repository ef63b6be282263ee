//! Rules for the values of a deploy record. Each returns a message that says what is
//! wrong and how to fix it; the resource, the data source and the CLI attach it to
//! their own attribute or flag.

use std::collections::BTreeMap;

/// The results a deploy can have, as stored and shown.
pub const RESULTS: &[&str] = &["succeeded", "failed", "rolled_back"];

/// The most entries of `metadata`: a record is an audit line, not a document store.
pub const MAX_METADATA_ENTRIES: usize = 50;
pub const MAX_METADATA_VALUE: usize = 1024;
pub const MAX_REASON: usize = 1024;
/// The most deploys one read returns.
pub const MAX_LIMIT: i64 = 1000;

/// `service` and `environment`: they form the partition key `service#environment` and
/// the import id `table:service:environment:deploy_id`, so ':' and '#' are refused.
pub fn name_part(what: &str, value: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} {value:?} is not valid: use 1 to 64 letters, digits, '.', '_' or '-' (':' and '#' separate the parts of history keys and import ids)."
        ))
    }
}

/// A DynamoDB table name: 3 to 255 of `[A-Za-z0-9_.-]`.
pub fn table_name(value: &str) -> Result<(), String> {
    let ok = (3..=255).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not a DynamoDB table name: use 3 to 255 letters, digits, '_', '.' or '-' (the `table_name` output of modules/deploy-history)."
        ))
    }
}

/// A version label such as `v1.4.2` or a build number: printable, no spaces.
pub fn version(value: &str) -> Result<(), String> {
    let ok = (1..=128).contains(&value.chars().count())
        && value.chars().all(|c| !c.is_whitespace() && !c.is_control());
    if ok {
        Ok(())
    } else {
        Err(format!("version {value:?} is not valid: use 1 to 128 characters without spaces, such as \"v1.4.2\"."))
    }
}

/// Who deployed: a CI login or an ARN.
pub fn deployer(value: &str) -> Result<(), String> {
    let ok = (1..=256).contains(&value.chars().count())
        && !value.chars().any(char::is_control)
        && value.trim() == value;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "deployer {value:?} is not valid: use 1 to 256 characters without control characters or surrounding spaces, or leave it unset to record the CI actor (GITHUB_ACTOR) or the caller's ARN."
        ))
    }
}

/// A GitHub Release page: `https://<host>/<owner>/<repo>/releases/tag/<tag>`. Any host,
/// so GitHub Enterprise Server works too.
pub fn release_url(value: &str) -> Result<(), String> {
    let fix =
        "Use the release's page, such as \"https://github.com/acme/shop/releases/tag/v1.4.2\".";
    let url = url::Url::parse(value)
        .map_err(|e| format!("release_url {value:?} is not a URL ({e}). {fix}"))?;
    if url.scheme() != "https" {
        return Err(format!("release_url {value:?} must use https. {fix}"));
    }
    let segments: Vec<&str> = url.path_segments().map(|s| s.collect()).unwrap_or_default();
    let ok = url.host_str().is_some_and(|h| !h.is_empty())
        && segments.len() >= 5
        && !segments[0].is_empty()
        && !segments[1].is_empty()
        && segments[2] == "releases"
        && segments[3] == "tag"
        && segments[4..].iter().all(|s| !s.is_empty());
    if ok {
        Ok(())
    } else {
        Err(format!("release_url {value:?} is not a GitHub Release page (…/OWNER/REPO/releases/tag/TAG). {fix}"))
    }
}

/// A git commit id: 7 to 64 lowercase hex digits (short or full SHA-1, or SHA-256).
pub fn commit(value: &str) -> Result<(), String> {
    let ok = (7..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "commit {value:?} is not a git commit id: use 7 to 64 lowercase hex digits, such as the value of GITHUB_SHA."
        ))
    }
}

/// Problems of `metadata`, each with the key it concerns (empty for the whole map).
pub fn metadata<V: AsRef<str>>(map: &BTreeMap<String, V>) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    if map.len() > MAX_METADATA_ENTRIES {
        problems.push((
            String::new(),
            format!("metadata has {} entries; keep it to {MAX_METADATA_ENTRIES} (put larger data in the release notes and link them).", map.len()),
        ));
    }
    for (key, value) in map {
        if key.is_empty() || key.chars().count() > 128 || key.chars().any(char::is_control) {
            problems.push((
                key.clone(),
                format!(
                    "metadata key {key:?} must be 1 to 128 characters without control characters."
                ),
            ));
        }
        if value.as_ref().chars().count() > MAX_METADATA_VALUE {
            problems.push((key.clone(), format!("metadata value of {key:?} is longer than {MAX_METADATA_VALUE} characters; shorten it.")));
        }
    }
    problems
}

/// Why a deploy was marked: required, so the audit trail says why.
pub fn reason(value: &str) -> Result<(), String> {
    let n = value.trim().chars().count();
    if (1..=MAX_REASON).contains(&n) {
        Ok(())
    } else {
        Err(format!("reason must be 1 to {MAX_REASON} characters (it is {n}): say why, e.g. \"smoke test /health returned 503\"."))
    }
}

/// How many deploys a read returns.
pub fn limit(value: i64) -> Result<(), String> {
    if (1..=MAX_LIMIT).contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "limit is {value}; use a whole number from 1 to {MAX_LIMIT}."
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["shop", "api-v2", "prod", "eu_west.1"] {
            assert!(name_part("service", ok).is_ok(), "{ok}");
        }
        for bad in ["", "a:b", "a#b", "has space", &"x".repeat(65)] {
            let e = name_part("service", bad).unwrap_err();
            assert!(e.starts_with("service "), "{e}");
        }
        assert!(table_name("opsdeck-deploy-history").is_ok());
        assert!(table_name("ab").is_err());
        assert!(table_name("a/b/c").is_err());
    }

    #[test]
    fn versions_deployers_reasons() {
        assert!(version("v1.4.2").is_ok());
        assert!(version("").is_err());
        assert!(version("v1 2").is_err());
        assert!(deployer("octocat").is_ok());
        assert!(deployer("arn:aws:sts::123456789012:assumed-role/ci/x").is_ok());
        assert!(deployer(" padded").is_err());
        assert!(deployer("").is_err());
        assert!(reason("smoke test failed").is_ok());
        assert!(reason("   ").is_err());
        assert!(reason(&"r".repeat(MAX_REASON + 1)).is_err());
    }

    #[test]
    fn release_urls() {
        assert!(release_url("https://github.com/acme/shop/releases/tag/v1.4.2").is_ok());
        assert!(
            release_url("https://ghe.example.com/acme/shop/releases/tag/release/2025-01").is_ok()
        );
        for bad in [
            "http://github.com/acme/shop/releases/tag/v1",
            "https://github.com/acme/shop",
            "https://github.com/acme/shop/releases",
            "https://github.com/acme/shop/releases/tag/",
            "github.com/acme/shop/releases/tag/v1",
        ] {
            let e = release_url(bad).unwrap_err();
            assert!(e.contains("releases/tag"), "{bad}: {e}");
        }
    }

    #[test]
    fn commits_metadata_limits() {
        assert!(commit("0123abc").is_ok());
        assert!(commit(&"a".repeat(40)).is_ok());
        assert!(commit("ABCDEF1").is_err());
        assert!(commit("123").is_err());
        let mut m = BTreeMap::new();
        m.insert("run_id".to_owned(), "42".to_owned());
        assert!(metadata(&m).is_empty());
        m.insert(String::new(), "x".to_owned());
        m.insert("big".to_owned(), "v".repeat(MAX_METADATA_VALUE + 1));
        assert_eq!(metadata(&m).len(), 2);
        let many: BTreeMap<String, String> = (0..=MAX_METADATA_ENTRIES)
            .map(|i| (format!("k{i}"), String::new()))
            .collect();
        assert_eq!(metadata(&many).len(), 1);
        assert!(limit(1).is_ok() && limit(1000).is_ok());
        assert!(limit(0).is_err() && limit(1001).is_err());
    }
}
