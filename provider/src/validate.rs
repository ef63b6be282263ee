//! Validators shared by the provider block and the resources. Each returns a message
//! that says what is wrong and how to fix it; callers attach the attribute path.

use std::collections::BTreeMap;

/// A region the provider knows ([`crate::aws::KNOWN_REGIONS`]), or with `skip_list` any
/// well-formed region name (`skip_region_validation = true`, for regions newer than this
/// release). A near miss names the region it probably meant.
pub fn known_region(value: &str, skip_list: bool) -> Result<(), String> {
    region(value)?;
    if skip_list || crate::aws::KNOWN_REGIONS.contains(&value) {
        return Ok(());
    }
    let closest = crate::aws::KNOWN_REGIONS
        .iter()
        .min_by_key(|r| edit_distance(value, r))
        .filter(|r| edit_distance(value, r) <= 3);
    let hint = closest
        .map(|r| format!(" Did you mean \"{r}\"?"))
        .unwrap_or_default();
    Err(format!(
        "{value:?} is not an AWS region this provider knows.{hint} Use a region such as \"us-east-1\" or \"ap-northeast-1\"; for a region newer than this provider release, set skip_region_validation = true in the provider block."
    ))
}

/// Levenshtein distance, for "did you mean" hints on short names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// `us-east-1`, `ap-northeast-1`, `us-gov-west-1`, `cn-north-1`, `us-isob-east-1`: the
/// shape of a region name (whether AWS has it is [`known_region`]'s question).
pub fn region(value: &str) -> Result<(), String> {
    let parts: Vec<&str> = value.split('-').collect();
    let ok = parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1]
            .parse::<u8>()
            .is_ok_and(|n| (1..=99).contains(&n));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not an AWS region name. Use a region such as \"us-east-1\" or \"ap-northeast-1\"."
        ))
    }
}

/// An absolute `http` or `https` URL with a host, as an endpoint override must be.
pub fn endpoint_url(value: &str) -> Result<(), String> {
    let fix = "Give an absolute URL such as \"https://sts.us-east-1.amazonaws.com\" or \"http://127.0.0.1:4566\".";
    if value.trim() != value {
        return Err(format!(
            "{value:?} has spaces before or after the URL. Remove them: {:?}.",
            value.trim()
        ));
    }
    if value.chars().any(char::is_whitespace) {
        return Err(format!("{value:?} contains a space. {fix}"));
    }
    let url =
        url::Url::parse(value).map_err(|e| format!("{value:?} is not a valid URL ({e}). {fix}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "{value:?} uses the scheme {:?}; only http and https are supported. {fix}",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{value:?} has no host. {fix}"));
    }
    Ok(())
}

/// An IAM role ARN: `arn:<partition>:iam::<12-digit account>:role/<path/name>`.
pub fn role_arn(value: &str) -> Result<(), String> {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5]
            .strip_prefix("role/")
            .is_some_and(|n| !n.is_empty());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not an IAM role ARN. Expected arn:aws:iam::123456789012:role/NAME."
        ))
    }
}

/// STS `RoleSessionName`: 2–64 characters of `[\w+=,.@-]`.
pub fn session_name(value: &str) -> Result<(), String> {
    let ok = (2..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not a valid session name: use 2 to 64 letters, digits or _+=,.@-"
        ))
    }
}

/// STS `ExternalId`: 2–1224 characters of `[\w+=,.@:/-]`.
pub fn external_id(value: &str) -> Result<(), String> {
    let ok = (2..=1224).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not a valid external id: use 2 to 1224 letters, digits or _+=,.@:/-"
        ))
    }
}

/// Tag keys and values as AWS accepts them on every service we tag.
pub fn tags<V: AsRef<str>>(tags: &BTreeMap<String, V>) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for (key, value) in tags {
        let value = value.as_ref();
        if key.is_empty() || key.chars().count() > 128 {
            problems.push((
                key.clone(),
                format!("tag key {key:?} must be 1 to 128 characters"),
            ));
        } else if key.to_ascii_lowercase().starts_with("aws:") {
            problems.push((
                key.clone(),
                format!("tag key {key:?} uses the reserved prefix \"aws:\"; choose another key"),
            ));
        }
        if value.chars().count() > 256 {
            problems.push((
                key.clone(),
                format!("the value of tag {key:?} is longer than 256 characters"),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        for ok in [
            "us-east-1",
            "ap-northeast-1",
            "us-gov-west-1",
            "cn-north-1",
            "us-isob-east-1",
            "eu-central-2",
        ] {
            assert!(region(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "us-east",
            "useast1",
            "US-EAST-1",
            "us-east-1a",
            "us--1",
            "tokyo",
        ] {
            assert!(region(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn regions_must_be_known_unless_the_check_is_skipped() {
        let e = known_region("ap-northest-1", false).unwrap_err();
        assert!(
            e.contains("Did you mean \"ap-northeast-1\"") && e.contains("skip_region_validation"),
            "{e}"
        );
        assert!(known_region("ap-northeast-1", false).is_ok());
        assert!(known_region("xx-future-9", false).is_err());
        assert!(known_region("xx-future-9", true).is_ok());
        assert!(
            known_region("us-east-1a", true).is_err(),
            "the shape is checked anyway"
        );
    }

    #[test]
    fn urls() {
        let e = endpoint_url("http://127.0.0.1:4566 ").unwrap_err();
        assert!(
            e.contains("Remove them") && e.contains("\"http://127.0.0.1:4566\""),
            "{e}"
        );
        assert!(endpoint_url("http://127.0.0.1:45 66").is_err());
        assert!(endpoint_url("http://127.0.0.1:4566").is_ok());
        assert!(endpoint_url("https://sts.amazonaws.com/").is_ok());
        for bad in [
            "127.0.0.1:4566",
            "ftp://host",
            "http//x",
            "not a url",
            "file:///tmp/x",
        ] {
            let err = endpoint_url(bad).unwrap_err();
            assert!(err.contains("absolute URL"), "{bad}: {err}");
        }
    }

    #[test]
    fn role_arns() {
        assert!(role_arn("arn:aws:iam::123456789012:role/deploy").is_ok());
        assert!(role_arn("arn:aws-us-gov:iam::123456789012:role/a/b/c").is_ok());
        for bad in [
            "deploy",
            "arn:aws:iam::1234:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::123456789012:role/",
        ] {
            assert!(role_arn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn session_names_and_external_ids() {
        assert!(session_name("terraform-ci").is_ok());
        assert!(session_name("x").is_err());
        assert!(session_name("has space").is_err());
        assert!(external_id("abc:def/1").is_ok());
        assert!(external_id("a").is_err());
    }

    #[test]
    fn tag_rules() {
        let mut t = BTreeMap::new();
        t.insert("Environment".to_owned(), "prod".to_owned());
        assert!(tags(&t).is_empty());
        t.insert("aws:foo".to_owned(), "x".to_owned());
        t.insert(String::new(), "x".to_owned());
        t.insert("long".to_owned(), "v".repeat(257));
        assert_eq!(tags(&t).len(), 3);
    }
}
