//! The composite's rule: `any`, `all`, or an expression over the alarm keys, translated
//! to a CloudWatch `AlarmRule` with quoted child names, and back (for import).
//!
//! Grammar of an expression (operators in capitals, as in CloudWatch):
//! ```text
//! expr    := and ("OR" and)*
//! and     := unary ("AND" unary)*
//! unary   := "NOT" unary | primary
//! primary := KEY | STATE "(" KEY ")" | "(" expr ")"      STATE = ALARM | OK | INSUFFICIENT_DATA
//! ```
//! A bare key means `ALARM(key)`. The translation replaces keys and keeps everything else
//! as written, so it can be reversed exactly.

use std::collections::BTreeSet;

pub const MAX_RULE_LENGTH: usize = 10_240;
pub const MAX_RULE_CHILDREN: usize = 100;

const KEYWORDS: &[&str] = &["AND", "OR", "NOT", "TRUE", "FALSE"];
const STATES: &[&str] = &["ALARM", "OK", "INSUFFICIENT_DATA"];

/// Keys are short ids: letters, digits, `_` and `-`; not an operator word.
pub fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > 64 {
        return Err(format!("alarm key {key:?} must be 1 to 64 characters"));
    }
    if !key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(format!(
            "alarm key {key:?} may hold only letters, digits, '_' and '-'"
        ));
    }
    let upper = key.to_ascii_uppercase();
    if KEYWORDS.contains(&upper.as_str()) || STATES.contains(&upper.as_str()) {
        return Err(format!(
            "alarm key {key:?} is a word of the rule language; choose another key"
        ));
    }
    Ok(())
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Open,
    Close,
    Word(String),
}

/// Tokens with their byte span in the source.
fn tokenize(rule: &str) -> Result<Vec<(Token, usize, usize)>, String> {
    let mut out = Vec::new();
    let bytes = rule.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push((Token::Open, i, i + 1));
            i += 1;
        } else if c == ')' {
            out.push((Token::Close, i, i + 1));
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            let start = i;
            while i < bytes.len()
                && ((bytes[i] as char).is_ascii_alphanumeric()
                    || bytes[i] == b'_'
                    || bytes[i] == b'-')
            {
                i += 1;
            }
            out.push((Token::Word(rule[start..i].to_owned()), start, i));
        } else {
            let ch = rule[i..].chars().next().unwrap_or(c);
            return Err(format!(
                "unexpected {ch:?} at position {}: use alarm keys, AND, OR, NOT and parentheses (e.g. \"api_errors OR (lambda_errors AND NOT maintenance)\")",
                i + 1
            ));
        }
    }
    Ok(out)
}

/// A key reference found while parsing: where it is and whether a STATE(…) wraps it.
struct Reference {
    key: String,
    start: usize,
    end: usize,
    wrapped: bool,
}

struct Parser<'a> {
    tokens: &'a [(Token, usize, usize)],
    pos: usize,
    keys: &'a BTreeSet<String>,
    refs: Vec<Reference>,
}

impl Parser<'_> {
    fn peek_word(&self) -> Option<&str> {
        match self.tokens.get(self.pos) {
            Some((Token::Word(w), _, _)) => Some(w.as_str()),
            _ => None,
        }
    }

    fn expr(&mut self) -> Result<(), String> {
        self.and()?;
        while self.peek_word() == Some("OR") {
            self.pos += 1;
            self.and()?;
        }
        Ok(())
    }

    fn and(&mut self) -> Result<(), String> {
        self.unary()?;
        while self.peek_word() == Some("AND") {
            self.pos += 1;
            self.unary()?;
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<(), String> {
        if self.peek_word() == Some("NOT") {
            self.pos += 1;
            return self.unary();
        }
        self.primary()
    }

    fn key(&mut self, word: &str, start: usize, end: usize, wrapped: bool) -> Result<(), String> {
        if !self.keys.contains(word) {
            let hint = if KEYWORDS.contains(&word.to_ascii_uppercase().as_str()) {
                " (operators are written in capitals: AND, OR, NOT)".to_owned()
            } else {
                format!(
                    "; the keys of `alarms` are: {}",
                    self.keys.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            };
            return Err(format!("{word:?} is not a key of `alarms`{hint}"));
        }
        self.refs.push(Reference {
            key: word.to_owned(),
            start,
            end,
            wrapped,
        });
        Ok(())
    }

    fn primary(&mut self) -> Result<(), String> {
        let Some((token, start, end)) = self.tokens.get(self.pos).cloned() else {
            return Err(
                "the rule ends too early: an alarm key or '(' is missing at the end".into(),
            );
        };
        self.pos += 1;
        match token {
            Token::Open => {
                self.expr()?;
                match self.tokens.get(self.pos) {
                    Some((Token::Close, _, _)) => {
                        self.pos += 1;
                        Ok(())
                    }
                    _ => Err(format!("the '(' at position {} is never closed", start + 1)),
                }
            }
            Token::Close => Err(format!("unexpected ')' at position {}", start + 1)),
            Token::Word(w) if STATES.contains(&w.as_str()) => {
                let open = matches!(self.tokens.get(self.pos), Some((Token::Open, _, _)));
                let inner = match self.tokens.get(self.pos + 1) {
                    Some((Token::Word(k), s, e)) => Some((k.clone(), *s, *e)),
                    _ => None,
                };
                let close = matches!(self.tokens.get(self.pos + 2), Some((Token::Close, _, _)));
                match (open, inner, close) {
                    (true, Some((k, s, e)), true) => {
                        self.pos += 3;
                        self.key(&k, s, e, true)
                    }
                    _ => Err(format!(
                        "{w} at position {} must be followed by (KEY)",
                        start + 1
                    )),
                }
            }
            Token::Word(w) if ["AND", "OR"].contains(&w.as_str()) => Err(format!(
                "{w} at position {} has nothing on its left",
                start + 1
            )),
            Token::Word(w) => self.key(&w, start, end, false),
        }
    }
}

fn parse(rule: &str, keys: &BTreeSet<String>) -> Result<Vec<Reference>, String> {
    let tokens = tokenize(rule)?;
    if tokens.is_empty() {
        return Err(
            "the rule is empty: use \"any\", \"all\" or an expression over the alarm keys".into(),
        );
    }
    let mut parser = Parser {
        tokens: &tokens,
        pos: 0,
        keys,
        refs: Vec::new(),
    };
    parser.expr()?;
    if let Some((token, start, _)) = tokens.get(parser.pos) {
        let text = &rule[*start..].split_whitespace().next().unwrap_or_default();
        let hint = match token {
            Token::Word(w) if KEYWORDS.contains(&w.to_ascii_uppercase().as_str()) => {
                "operators are written in capitals: AND, OR, NOT"
            }
            _ => "join terms with AND or OR",
        };
        return Err(format!(
            "unexpected {text:?} at position {}: {hint}",
            start + 1
        ));
    }
    Ok(parser.refs)
}

/// The keys an expression (or `any`/`all`) references.
pub fn referenced_keys(rule: &str, keys: &BTreeSet<String>) -> Result<BTreeSet<String>, String> {
    match rule {
        "any" | "all" => Ok(keys.clone()),
        expr => Ok(parse(expr, keys)?.into_iter().map(|r| r.key).collect()),
    }
}

/// `ALARM("name")` with the name quoted as CloudWatch wants (names are validated to hold
/// no quote or backslash).
fn alarm_term(child: &str) -> String {
    format!("ALARM(\"{child}\")")
}

/// The CloudWatch AlarmRule for `rule` over `keys`, with `child` naming each key's alarm.
pub fn translate(
    rule: &str,
    keys: &BTreeSet<String>,
    child: impl Fn(&str) -> String,
) -> Result<String, String> {
    match rule {
        "any" | "all" => {
            let op = if rule == "any" { " OR " } else { " AND " };
            Ok(keys
                .iter()
                .map(|k| alarm_term(&child(k)))
                .collect::<Vec<_>>()
                .join(op))
        }
        expr => {
            let refs = parse(expr, keys)?;
            let mut out = String::with_capacity(expr.len() * 2);
            let mut last = 0;
            for r in refs {
                out.push_str(&expr[last..r.start]);
                if r.wrapped {
                    out.push_str(&format!("\"{}\"", child(&r.key)));
                } else {
                    out.push_str(&alarm_term(&child(&r.key)));
                }
                last = r.end;
            }
            out.push_str(&expr[last..]);
            Ok(out)
        }
    }
}

/// The rule a set's AlarmRule was translated from (import): `any`, `all`, or the
/// expression with child names turned back into keys. None if the AlarmRule references
/// an alarm that is not a child of the set, or is not in the form we write.
pub fn reverse(
    alarm_rule: &str,
    keys: &BTreeSet<String>,
    child: impl Fn(&str) -> String,
) -> Option<String> {
    for candidate in ["any", "all"] {
        if !keys.is_empty()
            && translate(candidate, keys, &child).ok().as_deref() == Some(alarm_rule)
        {
            return Some(candidate.to_owned());
        }
    }
    let by_name: std::collections::BTreeMap<String, &String> =
        keys.iter().map(|k| (child(k), k)).collect();
    let mut out = String::new();
    let mut rest = alarm_rule;
    loop {
        // Find the next STATE("name") term.
        let next = STATES
            .iter()
            .filter_map(|s| rest.find(&format!("{s}(\"")).map(|i| (i, *s)))
            .min_by_key(|(i, _)| *i);
        let Some((i, state)) = next else {
            out.push_str(rest);
            break;
        };
        let after = &rest[i + state.len() + 2..];
        let close = after.find("\")")?;
        let key = by_name.get(&after[..close])?;
        out.push_str(&rest[..i]);
        if state == "ALARM" {
            // `key` and `ALARM(key)` translate alike; the bare form is the shorter one.
            out.push_str(key);
        } else {
            out.push_str(&format!("{state}({key})"));
        }
        rest = &after[close + 2..];
    }
    // The reverse must translate back to the same AlarmRule, or it is not ours.
    (translate(&out, keys, &child).ok().as_deref() == Some(alarm_rule)).then_some(out)
}

// ---------------------------------------------------------------------------------------
// Evaluating a rule, to find a composite that can never page
// ---------------------------------------------------------------------------------------

/// The state of one child alarm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Alarm,
    Ok,
    Insufficient,
}

const ALL_STATES: [State; 3] = [State::Alarm, State::Ok, State::Insufficient];

#[derive(Debug)]
enum Expr {
    Is(String, State),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

impl Expr {
    fn eval(&self, state: &dyn Fn(&str) -> State) -> bool {
        match self {
            Expr::Is(key, s) => state(key) == *s,
            Expr::Not(e) => !e.eval(state),
            Expr::And(a, b) => a.eval(state) && b.eval(state),
            Expr::Or(a, b) => a.eval(state) || b.eval(state),
        }
    }
}

/// A parse of a rule already known to be valid (see [`referenced_keys`]) into a tree.
struct TreeParser {
    tokens: Vec<Token>,
    pos: usize,
}

impl TreeParser {
    fn word(&self) -> Option<&str> {
        match self.tokens.get(self.pos) {
            Some(Token::Word(w)) => Some(w.as_str()),
            _ => None,
        }
    }

    fn expr(&mut self) -> Option<Expr> {
        let mut left = self.and()?;
        while self.word() == Some("OR") {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Some(left)
    }

    fn and(&mut self) -> Option<Expr> {
        let mut left = self.unary()?;
        while self.word() == Some("AND") {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Some(left)
    }

    fn unary(&mut self) -> Option<Expr> {
        if self.word() == Some("NOT") {
            self.pos += 1;
            return Some(Expr::Not(Box::new(self.unary()?)));
        }
        let token = self.tokens.get(self.pos)?.clone();
        self.pos += 1;
        match token {
            Token::Open => {
                let e = self.expr()?;
                self.pos += 1; // ')'
                Some(e)
            }
            Token::Word(w) if STATES.contains(&w.as_str()) => {
                let state = match w.as_str() {
                    "ALARM" => State::Alarm,
                    "OK" => State::Ok,
                    _ => State::Insufficient,
                };
                let key = match self.tokens.get(self.pos + 1)? {
                    Token::Word(k) => k.clone(),
                    _ => return None,
                };
                self.pos += 3;
                Some(Expr::Is(key, state))
            }
            Token::Word(w) => Some(Expr::Is(w, State::Alarm)),
            Token::Close => None,
        }
    }
}

/// Most keys whose 3^n combinations [`can_fire_while_ok`] tries; beyond, it assumes yes.
const MAX_KEYS_TRIED: usize = 10;

/// Whether the composite's rule can be true while the alarm `suppressor` (a key of the
/// set) is not in ALARM. If not, the suppressor is in ALARM whenever the composite is,
/// so every notification of the composite is suppressed: the set can never page.
pub fn can_fire_while_ok(rule: &str, keys: &BTreeSet<String>, suppressor: &str) -> bool {
    if !keys.contains(suppressor) {
        return true;
    }
    match rule {
        "any" => return keys.len() > 1,
        "all" => return false,
        _ => {}
    }
    let Ok(tokens) = tokenize(rule) else {
        return true;
    };
    let mut parser = TreeParser {
        tokens: tokens.into_iter().map(|(t, _, _)| t).collect(),
        pos: 0,
    };
    let Some(tree) = parser.expr() else {
        return true;
    };
    let Ok(referenced) = referenced_keys(rule, keys) else {
        return true;
    };
    let others: Vec<&String> = referenced.iter().filter(|k| *k != suppressor).collect();
    if others.len() > MAX_KEYS_TRIED {
        return true;
    }
    let combinations = 3usize.pow(others.len() as u32);
    for own in [State::Ok, State::Insufficient] {
        for n in 0..combinations {
            let state = |key: &str| {
                if key == suppressor {
                    return own;
                }
                let i = others.iter().position(|k| k.as_str() == key).unwrap_or(0);
                ALL_STATES[(n / 3usize.pow(i as u32)) % 3]
            };
            if tree.eval(&state) {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(k: &[&str]) -> BTreeSet<String> {
        k.iter().map(|s| (*s).to_owned()).collect()
    }

    fn child(k: &str) -> String {
        format!("checkout-{k}")
    }

    #[test]
    fn any_and_all_join_every_child_in_key_order() {
        let k = keys(&["b", "a"]);
        assert_eq!(
            translate("any", &k, child).unwrap(),
            r#"ALARM("checkout-a") OR ALARM("checkout-b")"#
        );
        assert_eq!(
            translate("all", &k, child).unwrap(),
            r#"ALARM("checkout-a") AND ALARM("checkout-b")"#
        );
    }

    #[test]
    fn expressions_keep_their_shape_and_quote_child_names() {
        let k = keys(&["api", "lambda", "maint"]);
        let rule = "api OR (lambda AND NOT OK(maint))";
        assert_eq!(
            translate(rule, &k, child).unwrap(),
            r#"ALARM("checkout-api") OR (ALARM("checkout-lambda") AND NOT OK("checkout-maint"))"#
        );
        assert_eq!(referenced_keys(rule, &k).unwrap(), k);
        assert_eq!(referenced_keys("api", &k).unwrap(), keys(&["api"]));
    }

    #[test]
    fn bad_expressions_say_what_is_wrong() {
        let k = keys(&["api", "lambda"]);
        let cases = [
            ("api OR db", "\"db\" is not a key of `alarms`"),
            ("api or lambda", "capitals"),
            ("or", "capitals"),
            ("api OR", "ends too early"),
            ("(api OR lambda", "never closed"),
            ("api lambda", "join terms with AND or OR"),
            ("api OR lambda)", "unexpected \")\""),
            ("AND api", "nothing on its left"),
            ("ALARM api", "must be followed by (KEY)"),
            ("api && lambda", "unexpected '&'"),
            ("", "empty"),
        ];
        for (rule, needle) in cases {
            let err = translate(rule, &k, child).unwrap_err();
            assert!(err.contains(needle), "{rule:?}: {err}");
        }
        assert!(translate("api or lambda", &k, child)
            .unwrap_err()
            .contains("capitals"));
    }

    #[test]
    fn reverse_gives_back_what_was_translated() {
        let k = keys(&["api", "lambda", "maint"]);
        for rule in [
            "any",
            "all",
            "api OR (lambda AND NOT OK(maint))",
            "NOT api",
            "ALARM(api) AND lambda",
            "INSUFFICIENT_DATA(api)",
        ] {
            let alarm_rule = translate(rule, &k, child).unwrap();
            let back = reverse(&alarm_rule, &k, child).unwrap_or_else(|| panic!("{rule}"));
            assert_eq!(
                translate(&back, &k, child).unwrap(),
                alarm_rule,
                "{rule} -> {back}"
            );
        }
        assert_eq!(
            reverse(&translate("api OR lambda", &k, child).unwrap(), &k, child).unwrap(),
            "api OR lambda"
        );
        // Not one of ours: another set's alarm, or a rule that is not in our form.
        assert!(reverse(r#"ALARM("other-api")"#, &k, child).is_none());
        assert!(reverse(r#"ALARM(checkout-api)"#, &k, child).is_none());
    }

    #[test]
    fn keys_are_short_safe_ids() {
        for ok in ["api_errors", "lambda-5xx", "A1"] {
            assert!(check_key(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "has space",
            "quote\"",
            "and",
            "OR",
            "alarm",
            &"k".repeat(65),
        ] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_rule_that_needs_its_suppressor_can_never_page() {
        let keys: BTreeSet<String> = ["api", "db", "maint"]
            .iter()
            .map(|k| (*k).to_owned())
            .collect();
        assert!(!can_fire_while_ok("all", &keys, "api"));
        assert!(can_fire_while_ok("any", &keys, "api"));
        let one: BTreeSet<String> = ["api".to_owned()].into();
        assert!(!can_fire_while_ok("any", &one, "api"));
        assert!(!can_fire_while_ok("api AND db", &keys, "api"));
        assert!(!can_fire_while_ok(
            "(db OR maint) AND ALARM(api)",
            &keys,
            "api"
        ));
        assert!(can_fire_while_ok("api OR db", &keys, "api"));
        assert!(can_fire_while_ok("db AND NOT maint", &keys, "maint"));
        assert!(can_fire_while_ok("api AND db", &keys, "elsewhere"));
        // OK(api) is true while api is not in ALARM.
        assert!(can_fire_while_ok("OK(api) AND db", &keys, "api"));
    }
}
