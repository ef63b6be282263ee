//! AWS console links, built from ARNs so they open in the right partition and region.

/// The parts of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

pub fn parse_arn(arn: &str) -> Option<Arn<'_>> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    Some(Arn {
        partition: parts.next()?,
        service: parts.next()?,
        region: parts.next()?,
        account: parts.next()?,
        resource: parts.next()?,
    })
}

/// The region of an ARN when it is a real region code (`ap-northeast-1`), not a
/// placeholder such as `REGION` in AWS's sample payloads.
pub fn region_code(arn: &str) -> Option<&str> {
    let region = parse_arn(arn)?.region;
    let valid = region.split('-').count() >= 3
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    valid.then_some(region)
}

/// The console host of a partition; `None` for partitions we do not know, so no
/// wrong link is offered.
fn console_host(partition: &str, region: &str) -> Option<String> {
    if region.split('-').count() < 3
        || !region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return None;
    }
    let domain = match partition {
        "aws" => "console.aws.amazon.com",
        "aws-cn" => "console.amazonaws.cn",
        "aws-us-gov" => "console.amazonaws-us-gov.com",
        _ => return None,
    };
    Some(format!("https://{region}.{domain}"))
}

/// Percent-encodes everything but unreserved characters (RFC 3986), for names in
/// URL fragments.
pub fn encode(component: &str) -> String {
    let mut out = String::with_capacity(component.len());
    for b in component.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The alarm's page in the CloudWatch console.
pub fn alarm_url(alarm_arn: &str) -> Option<String> {
    let arn = parse_arn(alarm_arn)?;
    let name = arn.resource.strip_prefix("alarm:")?;
    let host = console_host(arn.partition, arn.region)?;
    Some(format!(
        "{host}/cloudwatch/home?region={}#alarmsV2:alarm/{}",
        arn.region,
        encode(name)
    ))
}

/// A CloudWatch dashboard, in the alarm's partition and region.
pub fn dashboard_url(alarm_arn: &str, dashboard: &str) -> Option<String> {
    let arn = parse_arn(alarm_arn)?;
    let host = console_host(arn.partition, arn.region)?;
    Some(format!(
        "{host}/cloudwatch/home?region={}#dashboards/dashboard/{}",
        arn.region,
        encode(dashboard)
    ))
}

/// A Step Functions execution's page.
pub fn execution_url(execution_arn: &str) -> Option<String> {
    let arn = parse_arn(execution_arn)?;
    let host = console_host(arn.partition, arn.region)?;
    Some(format!(
        "{host}/states/home?region={}#/v2/executions/details/{execution_arn}",
        arn.region
    ))
}

/// The AWS Budgets page (Billing is a global console).
pub fn budgets_url() -> String {
    "https://us-east-1.console.aws.amazon.com/costmanagement/home#/budgets".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alarm_links_follow_partition_and_region() {
        assert_eq!(
            alarm_url("arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:api 5xx/rate").as_deref(),
            Some("https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#alarmsV2:alarm/api%205xx%2Frate")
        );
        assert_eq!(
            alarm_url("arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:a").as_deref(),
            Some("https://cn-north-1.console.amazonaws.cn/cloudwatch/home?region=cn-north-1#alarmsV2:alarm/a")
        );
    }

    #[test]
    fn no_link_from_a_placeholder_arn() {
        // The AWS sample payloads carry "arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE".
        assert_eq!(
            alarm_url("arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE"),
            None
        );
        assert_eq!(alarm_url("not an arn"), None);
        assert_eq!(alarm_url("arn:other:cloudwatch:us-east-1:1:alarm:a"), None);
    }
}
