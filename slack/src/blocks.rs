//! Block Kit building blocks with Slack's limits applied.
//!
//! Slack rejects a whole message (HTTP 400 `invalid_blocks`) when one field is over
//! its limit, and that message would then be lost. So every text goes through
//! [`truncate`] here, with the limits Slack documents for each element.

use serde_json::{json, Value};

/// Header text (plain_text) limit.
pub const HEADER_MAX: usize = 150;
/// Section text limit.
pub const SECTION_MAX: usize = 3000;
/// Limit of each section field.
pub const FIELD_MAX: usize = 2000;
/// Section fields per section.
pub const FIELDS_PER_SECTION: usize = 10;
/// Button text limit.
pub const BUTTON_TEXT_MAX: usize = 75;
/// Button URL limit.
pub const URL_MAX: usize = 3000;
/// Blocks per message.
pub const BLOCKS_MAX: usize = 50;
/// The notification text (shown in mobile pushes and by clients without blocks).
/// Slack allows far more; a push notification shows about this much.
pub const FALLBACK_TEXT_MAX: usize = 300;

/// Escapes the three characters Slack's mrkdwn treats as control characters.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters (not bytes: Slack counts characters), ending in `…` when
/// something was cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A link in mrkdwn, or just the label when the URL cannot be linked safely.
pub fn link(url: &str, label: &str) -> String {
    if is_linkable(url) {
        format!("<{url}|{}>", escape(label))
    } else {
        escape(label)
    }
}

/// A URL Slack can link: http(s), within the length limit, without the characters
/// that end a `<url|label>` link early.
pub fn is_linkable(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= URL_MAX
        && !url.contains(['|', '>', '<', ' ', '\n'])
}

/// Accumulates blocks and the notification text of one message.
#[derive(Debug, Default)]
pub struct Message {
    text: String,
    blocks: Vec<Value>,
}

impl Message {
    /// `text` is the notification fallback; it is plain text in mrkdwn context, so
    /// it is escaped here.
    pub fn new(text: &str) -> Self {
        Self {
            text: truncate(&escape(text), FALLBACK_TEXT_MAX),
            blocks: Vec::new(),
        }
    }

    pub fn header(mut self, text: &str) -> Self {
        self.blocks.push(json!({
            "type": "header",
            "text": {"type": "plain_text", "text": truncate(text, HEADER_MAX), "emoji": true}
        }));
        self
    }

    /// A section of mrkdwn that the caller already escaped.
    pub fn section(mut self, mrkdwn: &str) -> Self {
        if !mrkdwn.trim().is_empty() {
            self.blocks.push(json!({
                "type": "section",
                "text": {"type": "mrkdwn", "text": truncate(mrkdwn, SECTION_MAX)}
            }));
        }
        self
    }

    /// Label/value pairs as section fields, ten per section. Values are mrkdwn the
    /// caller already escaped; empty values are left out.
    pub fn fields(mut self, fields: &[(&str, String)]) -> Self {
        let items: Vec<Value> = fields
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(label, value)| {
                json!({"type": "mrkdwn", "text": truncate(&format!("*{}*\n{value}", escape(label)), FIELD_MAX)})
            })
            .collect();
        for chunk in items.chunks(FIELDS_PER_SECTION) {
            self.blocks
                .push(json!({"type": "section", "fields": chunk}));
        }
        self
    }

    /// Link buttons; those whose URL cannot be linked are left out.
    pub fn buttons(mut self, buttons: &[(&str, Option<String>)]) -> Self {
        let elements: Vec<Value> = buttons
            .iter()
            .filter_map(|(label, url)| url.as_deref().filter(|u| is_linkable(u)).map(|u| (label, u)))
            .map(|(label, url)| {
                json!({
                    "type": "button",
                    "text": {"type": "plain_text", "text": truncate(label, BUTTON_TEXT_MAX), "emoji": true},
                    "url": url
                })
            })
            .collect();
        if !elements.is_empty() {
            self.blocks
                .push(json!({"type": "actions", "elements": elements}));
        }
        self
    }

    /// A context line of small mrkdwn print (already escaped).
    pub fn context(mut self, mrkdwn: &str) -> Self {
        if !mrkdwn.trim().is_empty() {
            self.blocks.push(json!({
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": truncate(mrkdwn, SECTION_MAX)}]
            }));
        }
        self
    }

    pub fn divider(mut self) -> Self {
        self.blocks.push(json!({"type": "divider"}));
        self
    }

    /// The webhook payload. Over 50 blocks cannot happen with our formatters, but the
    /// cap keeps a message postable if one ever grows.
    pub fn build(mut self) -> Value {
        if self.blocks.len() > BLOCKS_MAX {
            self.blocks.truncate(BLOCKS_MAX - 1);
            self.blocks.push(json!({
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": "(more blocks left out: Slack shows at most 50)"}]
            }));
        }
        json!({"text": self.text, "blocks": self.blocks})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_mrkdwn_control_characters() {
        assert_eq!(escape("a < b && c > d"), "a &lt; b &amp;&amp; c &gt; d");
    }

    #[test]
    fn truncates_by_characters_not_bytes() {
        assert_eq!(truncate("日本語のテキスト", 4), "日本語…");
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("exactly", 7), "exactly");
    }

    #[test]
    fn unsafe_urls_are_not_linked() {
        assert_eq!(
            link("https://example.com/a", "A"),
            "<https://example.com/a|A>"
        );
        assert_eq!(link("javascript:alert(1)", "x"), "x");
        assert_eq!(link("https://e.com/a|b", "x"), "x");
    }

    #[test]
    fn fields_are_split_into_sections_of_ten() {
        let fields: Vec<(&str, String)> = (0..12).map(|i| ("k", i.to_string())).collect();
        let msg = Message::new("t").fields(&fields).build();
        let blocks = msg["blocks"].as_array().unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0]["fields"].as_array().unwrap().len(), 10);
        assert_eq!(blocks[1]["fields"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn long_header_is_cut_to_slack_limit() {
        let msg = Message::new("t").header(&"x".repeat(400)).build();
        let text = msg["blocks"][0]["text"]["text"].as_str().unwrap();
        assert_eq!(text.chars().count(), HEADER_MAX);
    }
}
