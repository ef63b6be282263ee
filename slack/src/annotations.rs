//! opsdeck annotations in an alarm description.
//!
//! `opsdeck_alarm_set` ends the description of every alarm it writes with a marker
//! line (see `provider/src/resources/alarm_set/expand.rs`, `MARKER`):
//!
//! ```text
//! Lambda errors of prod-api above 5 for 1 minute.
//! [opsdeck] set=prod-api key=lambda_errors kind=threshold severity=critical runbook=https://runbooks.example.com/api
//! ```
//!
//! A line that starts with `[opsdeck]` holds space-separated `key=value` tokens whose
//! values contain no spaces. The notifier reads `severity`, `runbook` (an http(s)
//! URL), `set` (the alarm set) and `dashboard` (a CloudWatch dashboard name, for
//! writers that add one); other keys are ignored. Anyone can write the line by hand
//! on an alarm that no alarm set manages. The rest of the description is the human
//! text.

/// What an alarm description says, split into text and annotations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Annotations {
    /// The description without the marker line.
    pub text: String,
    pub severity: Option<String>,
    pub runbook: Option<String>,
    pub dashboard: Option<String>,
    pub set: Option<String>,
}

/// The marker that starts the machine-readable line (the same as alarm_set's `MARKER`).
pub const MARKER: &str = "[opsdeck]";

fn marker_tokens(line: &str) -> Option<&str> {
    let rest = line.trim().strip_prefix(MARKER)?;
    (rest.is_empty() || rest.starts_with(char::is_whitespace)).then_some(rest)
}

pub fn parse(description: &str) -> Annotations {
    let mut out = Annotations::default();
    let mut text = Vec::new();
    for line in description.lines() {
        let Some(tokens) = marker_tokens(line) else {
            text.push(line);
            continue;
        };
        for token in tokens.split_whitespace() {
            let Some((key, value)) = token.split_once('=') else {
                continue;
            };
            if value.is_empty() {
                continue;
            }
            match key {
                "severity" => out.severity = Some(value.to_ascii_lowercase()),
                "runbook" => out.runbook = Some(value.to_owned()),
                "dashboard" => out.dashboard = Some(value.to_owned()),
                "set" => out.set = Some(value.to_owned()),
                _ => {}
            }
        }
    }
    out.text = text.join("\n").trim().to_owned();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_alarm_set_marker_line() {
        let a = parse(
            "API 5xx above 5%.\n[opsdeck] set=prod-api key=api_5xx kind=ratio severity=Critical runbook=https://rb.example/api dashboard=prod",
        );
        assert_eq!(a.text, "API 5xx above 5%.");
        assert_eq!(a.severity.as_deref(), Some("critical"));
        assert_eq!(a.runbook.as_deref(), Some("https://rb.example/api"));
        assert_eq!(a.dashboard.as_deref(), Some("prod"));
        assert_eq!(a.set.as_deref(), Some("prod-api"));
    }

    #[test]
    fn a_marker_only_description_has_no_text() {
        let a = parse("[opsdeck] set=prod-api severity=high");
        assert_eq!(a.text, "");
        assert_eq!(a.severity.as_deref(), Some("high"));
        assert_eq!(a.runbook, None);
    }

    #[test]
    fn plain_descriptions_have_no_annotations() {
        let a = parse("just text: severity=high is not a token here\n[opsdeckX] severity=low");
        assert_eq!(a.severity, None);
        assert!(a.text.ends_with("[opsdeckX] severity=low"));
    }
}
