//! The docs test: what `docs/` says must be true of the repository. It finds, all at once and
//! each with its file and line:
//!
//! - command lines starting with `opsdeck`, `cargo xtask` or `terraform` (in shell code blocks
//!   and inline code) that name a subcommand or flag the command does not have: `opsdeck` is
//!   checked against its clap definition (what `--help` prints), `cargo xtask` against its
//!   usage text, `terraform` against `terraform -help` and `terraform <command> -help`;
//! - relative links whose file does not exist, and anchors that no heading of the target has;
//! - `runbook_url`s in `modules/` and `envs/` that point at a `docs/` page or heading that does
//!   not exist;
//! - requirement IDs (`R3.2-a`, `P4`, `N1`, ranges like `R5.1-a..e`) that `requirements.md`
//!   does not define;
//! - error codes (`OPSDECK-P###`, `-C###`, `-N###`) in the troubleshooting table that no source
//!   file defines, and codes the sources define that the table lacks.
//!
//! xtask/tests/docs.rs runs it on the repository (`cargo test --workspace` includes it).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use regex_lite::Regex;

/// One thing the docs say that is not true, where it is said.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

fn problem(file: &Path, line: usize, message: impl Into<String>) -> Problem {
    Problem {
        file: file.to_path_buf(),
        line,
        message: message.into(),
    }
}

fn re(pattern: &str) -> Regex {
    // The patterns are literals of this file; a typo fails every test at once.
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad pattern {pattern}: {e}"))
}

// ------------------------------------------------------------------------------ files

/// Markdown files under `dir`, sorted.
pub fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(dir, &mut |p| {
        if p.extension().is_some_and(|e| e == "md") {
            out.push(p.to_path_buf());
        }
    });
    out.sort();
    out
}

fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.')
            || name == "target"
            || name == "third_party"
            || name == "node_modules"
        {
            continue;
        }
        if path.is_dir() {
            walk(&path, f);
        } else {
            f(&path);
        }
    }
}

/// A markdown document split into prose lines and code-block lines.
pub struct Doc {
    pub path: PathBuf,
    pub lines: Vec<String>,
    /// For each line: `Some(lang)` inside a fenced block (the fence's info string), else None.
    pub fence: Vec<Option<String>>,
}

impl Doc {
    pub fn parse(path: &Path, text: &str) -> Self {
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let mut fence = Vec::with_capacity(lines.len());
        let mut open: Option<(String, String)> = None; // (marker, lang)
        for line in &lines {
            let t = line.trim_start();
            let marker = if t.starts_with("```") {
                Some("```")
            } else if t.starts_with("~~~") {
                Some("~~~")
            } else {
                None
            };
            match (&open, marker) {
                (None, Some(m)) => {
                    let lang = t.trim_start_matches(m).trim().to_lowercase();
                    open = Some((m.to_owned(), lang));
                    fence.push(None);
                }
                (Some((m, _)), Some(m2))
                    if m == m2 && t.trim_start_matches(m2).trim().is_empty() =>
                {
                    open = None;
                    fence.push(None);
                }
                (Some((_, lang)), _) => fence.push(Some(lang.clone())),
                (None, None) => fence.push(None),
            }
        }
        Self {
            path: path.to_path_buf(),
            lines,
            fence,
        }
    }

    pub fn load(path: &Path) -> std::io::Result<Self> {
        Ok(Self::parse(path, &std::fs::read_to_string(path)?))
    }
}

/// Inline code spans of a prose line.
fn code_spans(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        let ticks = rest[start..].chars().take_while(|c| *c == '`').count();
        let open = &rest[start..start + ticks];
        let after = &rest[start + ticks..];
        match after.find(open) {
            Some(end) => {
                out.push(after[..end].trim().to_owned());
                rest = &after[end + ticks..];
            }
            None => break,
        }
    }
    out
}

/// The line without its inline code spans (links inside code are not links).
fn without_code(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let ticks = rest[start..].chars().take_while(|c| *c == '`').count();
        let open = &rest[start..start + ticks];
        let after = &rest[start + ticks..];
        match after.find(open) {
            Some(end) => rest = &after[end + ticks..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

// ------------------------------------------------------------------------------ commands

/// A command's interface: its flags (with whether they take a value) and subcommands.
#[derive(Debug, Clone, Default)]
pub struct CliSpec {
    pub name: String,
    pub flags: BTreeMap<String, bool>,
    pub subcommands: BTreeMap<String, CliSpec>,
    /// Whether a subcommand is required (a token that is none of them is an error).
    pub requires_subcommand: bool,
}

/// Where to look up a command's spec; terraform's is read lazily from its help.
pub trait Specs {
    /// The spec of `path` (e.g. `["terraform", "state", "list"]`); None if it cannot be had.
    fn spec(&mut self, path: &[String]) -> Option<CliSpec>;
}

/// Splits a shell line into words: quotes respected, `# comment` dropped.
pub fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut has = false;
    let mut prev_space = true;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => word.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                has = true;
            }
            None if c == '#' && prev_space => break,
            None if c.is_whitespace() => {
                if has || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                    has = false;
                }
            }
            None => word.push(c),
        }
        prev_space = c.is_whitespace();
    }
    if has || !word.is_empty() {
        words.push(word);
    }
    words
}

/// The commands of one shell line: split at ` | `, `&&`, `||`, `;` and inside `$( )`.
fn segments(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut text = line.to_owned();
    // Command substitutions first: `x=$(opsdeck history previous --json | jq ...)`.
    while let Some(start) = text.find("$(") {
        let mut depth = 0;
        let mut end = None;
        for (i, c) in text[start + 1..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(start + 1 + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else { break };
        out.extend(segments(&text[start + 2..end]));
        text.replace_range(start..=end, "X");
    }
    for part in re(r"\s\|\s|&&|\|\||;").split(&text) {
        let part = part.trim();
        if !part.is_empty() {
            out.push(part.to_owned());
        }
    }
    out
}

/// `opsdeck ...`, `cargo xtask ...`, `terraform ...`: the command's words, from the command on.
fn command_words(segment: &str) -> Option<Vec<String>> {
    let mut words = shell_words(segment);
    // Leading `VAR=value` assignments, `time`, `sudo` are not the command.
    while words.first().is_some_and(|w| {
        w == "time" || w == "sudo" || w == "$" || (w.contains('=') && !w.starts_with('-'))
    }) {
        words.remove(0);
    }
    match words.first().map(String::as_str) {
        Some("opsdeck") | Some("terraform") => Some(words),
        Some("cargo") if words.get(1).map(String::as_str) == Some("xtask") => {
            let mut w = vec!["cargo xtask".to_owned()];
            w.extend(words.into_iter().skip(2));
            Some(w)
        }
        _ => None,
    }
}

/// Whether a word is a placeholder or a value rather than a subcommand.
fn placeholder(word: &str) -> bool {
    word.starts_with('<')
        || word.starts_with('$')
        || word.starts_with('{')
        || word == "..."
        || word.ends_with("...")
        || word
            .chars()
            .all(|c| c.is_ascii_uppercase() || c == '_' || c == '.')
}

/// Checks one command line; returns the problems (messages only).
pub fn check_command(words: &[String], specs: &mut dyn Specs) -> Vec<String> {
    let mut out = Vec::new();
    let mut path = vec![words[0].clone()];
    let Some(mut spec) = specs.spec(&path) else {
        return vec![format!("cannot read the help of `{}`", words[0])];
    };
    let mut positional_seen = false;
    let mut i = 1;
    while i < words.len() {
        let raw = words[i].trim_matches(|c| c == '[' || c == ']' || c == '(' || c == ')');
        i += 1;
        if raw.is_empty() || raw == "\\" {
            continue;
        }
        if raw.starts_with('-') && raw != "-" && raw != "--" {
            let name = raw.split('=').next().unwrap_or(raw);
            // Terraform accepts `--flag` for `-flag`.
            let alt = if path[0] == "terraform" {
                name.trim_start_matches('-').to_owned()
            } else {
                String::new()
            };
            if spec.flags.contains_key("*") {
                continue; // a pending command: its flags are checked once it exists
            }
            let known = spec.flags.get(name).copied().or_else(|| {
                (!alt.is_empty())
                    .then(|| spec.flags.get(&format!("-{alt}")).copied())
                    .flatten()
            });
            match known {
                Some(takes_value) => {
                    if takes_value && !raw.contains('=') && i < words.len() {
                        i += 1; // its value
                    }
                }
                None => out.push(format!(
                    "`{}` has no flag `{name}` (see `{} {}`)",
                    path.join(" "),
                    path.join(" "),
                    if path[0] == "terraform" {
                        "-help"
                    } else {
                        "--help"
                    }
                )),
            }
            continue;
        }
        if positional_seen || spec.subcommands.is_empty() {
            positional_seen = true;
            continue;
        }
        // `deploy|verify|rollback`: each alternative must exist.
        let alternatives: Vec<&str> = raw.split('|').filter(|a| !a.is_empty()).collect();
        if alternatives
            .iter()
            .all(|a| spec.subcommands.contains_key(*a))
        {
            if alternatives.len() > 1 {
                // Several subcommands named at once: nothing after them can be checked.
                return out;
            }
            path.push(alternatives[0].to_owned());
            match specs.spec(&path) {
                Some(s) => spec = s,
                None => return out,
            }
            continue;
        }
        if placeholder(raw) {
            positional_seen = true;
            continue;
        }
        if spec.requires_subcommand {
            let unknown: Vec<&&str> = alternatives
                .iter()
                .filter(|a| !spec.subcommands.contains_key(**a))
                .collect();
            out.push(format!(
                "`{}` has no subcommand `{}` (it has: {})",
                path.join(" "),
                unknown
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join("|"),
                spec.subcommands
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            return out;
        }
        positional_seen = true;
    }
    out
}

/// Every command line of a document: in shell-like code blocks, and in inline code of prose.
pub fn command_lines(doc: &Doc) -> Vec<(usize, Vec<String>)> {
    const SHELL: [&str; 6] = ["", "sh", "shell", "bash", "console", "text"];
    let mut out = Vec::new();
    let mut i = 0;
    while i < doc.lines.len() {
        let n = i + 1;
        match &doc.fence[i] {
            Some(lang) if SHELL.contains(&lang.as_str()) => {
                // Join continuation lines.
                let mut line = doc.lines[i].trim().trim_start_matches("$ ").to_owned();
                while line.ends_with('\\') && i + 1 < doc.lines.len() && doc.fence[i + 1].is_some()
                {
                    line.pop();
                    i += 1;
                    line.push(' ');
                    line.push_str(doc.lines[i].trim());
                }
                for seg in segments(&line) {
                    if let Some(words) = command_words(&seg) {
                        out.push((n, words));
                    }
                }
            }
            Some(_) => {}
            None => {
                for span in code_spans(&doc.lines[i]) {
                    for seg in segments(&span) {
                        if let Some(words) = command_words(&seg) {
                            out.push((n, words));
                        }
                    }
                }
            }
        }
        i += 1;
    }
    out
}

/// `cargo xtask`'s usage text: commands at two spaces, flags mentioned in their descriptions.
pub fn parse_xtask_usage(text: &str) -> CliSpec {
    let mut root = CliSpec {
        name: "cargo xtask".into(),
        requires_subcommand: true,
        ..Default::default()
    };
    let command = re(r"^  ([a-z][a-z0-9-]*)\s{2,}");
    let flag = re(r"(--[a-z][a-z0-9-]*)(\s+<[^>]+>|\s+[A-Z]+|=)?");
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(c) = command.captures(line) {
            current = Some(c[1].to_owned());
            root.subcommands.insert(
                c[1].to_owned(),
                CliSpec {
                    name: c[1].to_owned(),
                    ..Default::default()
                },
            );
        }
        if let Some(name) = &current {
            for f in flag.captures_iter(line) {
                if let Some(sub) = root.subcommands.get_mut(name) {
                    sub.flags.insert(f[1].to_owned(), f.get(2).is_some());
                }
            }
        }
    }
    for sub in root.subcommands.values_mut() {
        sub.flags.entry("--help".into()).or_insert(false);
    }
    root
}

/// Terraform's help: `terraform -help` (commands and global options) or
/// `terraform <command> -help` (its options and subcommands).
pub fn parse_terraform_help(name: &str, text: &str) -> CliSpec {
    let mut spec = CliSpec {
        name: name.into(),
        ..Default::default()
    };
    let command = re(r"^  ([a-z][a-z0-9-]*)\s{2,}\S");
    // `-out=path` carries its value; `-var 'foo=bar'` takes the next word.
    let option = re(r"^\s+(-[a-zA-Z][a-zA-Z0-9-]*)(=| ')?");
    let mut section = String::new();
    for line in text.lines() {
        if !line.starts_with(' ') && line.trim_end().ends_with(':') {
            section = line.trim().trim_end_matches(':').to_lowercase();
            continue;
        }
        if section.contains("command") {
            if let Some(c) = command.captures(line) {
                spec.subcommands.insert(
                    c[1].to_owned(),
                    CliSpec {
                        name: c[1].to_owned(),
                        ..Default::default()
                    },
                );
            }
        }
        if let Some(o) = option.captures(line) {
            spec.flags.insert(
                o[1].to_owned(),
                o.get(2).is_some_and(|m| m.as_str() == " '"),
            );
        }
    }
    spec.flags.insert("-help".into(), false);
    spec.requires_subcommand = name == "terraform";
    spec
}

/// Adds what other branches are building and docs already describe: `opsdeck backup` (a
/// subcommand) or `cargo xtask up --version` (a flag). A pending subcommand accepts any flag.
/// Returns the entries that already exist: they must leave the pending list.
pub fn add_pending(root: &mut CliSpec, entries: &[&str]) -> Vec<String> {
    let mut stale = Vec::new();
    let prefix = format!("{} ", root.name);
    for entry in entries.iter().filter(|e| e.starts_with(&prefix)) {
        let words: Vec<&str> = entry.split_whitespace().collect();
        let skip = root.name.split_whitespace().count();
        let mut spec = &mut *root;
        let mut created = false;
        for w in &words[skip..] {
            if w.starts_with('-') {
                if spec.flags.contains_key(*w) {
                    if !created {
                        stale.push((*entry).to_owned());
                    }
                } else {
                    spec.flags.insert((*w).to_owned(), true);
                }
                created = true;
                break;
            }
            if !spec.subcommands.contains_key(*w) {
                let mut pending = CliSpec {
                    name: (*w).to_owned(),
                    ..Default::default()
                };
                pending.flags.insert("*".into(), false);
                spec.subcommands.insert((*w).to_owned(), pending);
                created = true;
            }
            spec = spec.subcommands.get_mut(*w).expect("inserted above");
        }
        if !created {
            stale.push((*entry).to_owned());
        }
    }
    stale
}

/// Specs read from the help of real binaries, cached.
pub struct HelpSpecs {
    pub opsdeck: Option<CliSpec>,
    pub xtask: Option<CliSpec>,
    terraform: BTreeMap<Vec<String>, Option<CliSpec>>,
    pub terraform_bin: PathBuf,
}

impl HelpSpecs {
    pub fn new(opsdeck: Option<CliSpec>, xtask: Option<CliSpec>, terraform_bin: PathBuf) -> Self {
        Self {
            opsdeck,
            xtask,
            terraform: BTreeMap::new(),
            terraform_bin,
        }
    }

    fn terraform(&mut self, path: &[String]) -> Option<CliSpec> {
        if let Some(s) = self.terraform.get(path) {
            return s.clone();
        }
        let out = Command::new(&self.terraform_bin)
            .args(path.iter().skip(1))
            .arg("-help")
            .env("CHECKPOINT_DISABLE", "1")
            .output()
            .ok();
        let spec = out.map(|o| {
            let mut text = String::from_utf8_lossy(&o.stdout).into_owned();
            text.push_str(&String::from_utf8_lossy(&o.stderr));
            let mut s = parse_terraform_help(&path.join(" "), &text);
            if path.len() == 1 {
                // Global options go before the subcommand (`terraform -chdir=envs/prod plan`).
                s.flags.insert("-chdir".into(), false);
                s.flags.insert("-version".into(), false);
            }
            s
        });
        self.terraform.insert(path.to_vec(), spec.clone());
        spec
    }
}

fn descend(root: &Option<CliSpec>, path: &[String]) -> Option<CliSpec> {
    let mut spec = root.as_ref()?;
    for p in &path[1..] {
        spec = spec.subcommands.get(p)?;
    }
    Some(spec.clone())
}

impl Specs for HelpSpecs {
    fn spec(&mut self, path: &[String]) -> Option<CliSpec> {
        match path.first().map(String::as_str) {
            Some("opsdeck") => descend(&self.opsdeck, path),
            Some("cargo xtask") => descend(&self.xtask, path),
            Some("terraform") => self.terraform(path),
            _ => None,
        }
    }
}

pub fn check_commands(docs: &[Doc], specs: &mut dyn Specs) -> Vec<Problem> {
    let mut out = Vec::new();
    for doc in docs {
        for (line, words) in command_lines(doc) {
            for message in check_command(&words, specs) {
                out.push(problem(
                    &doc.path,
                    line,
                    format!("{message}: `{}`", words.join(" ")),
                ));
            }
        }
    }
    out
}

// ------------------------------------------------------------------------------ links, anchors

/// GitHub's anchor of a heading: lowercase, punctuation dropped, spaces to hyphens.
pub fn slug(heading: &str) -> String {
    let link = re(r"\[([^\]]*)\]\([^)]*\)");
    let text = link.replace_all(heading, "$1");
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a document: heading slugs (duplicates numbered as GitHub does) and explicit
/// `<a id="...">` / `<a name="...">`.
pub fn anchors(doc: &Doc) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    let explicit = re(r#"<a\s+(?:id|name)="([^"]+)""#);
    for (i, line) in doc.lines.iter().enumerate() {
        if doc.fence[i].is_some() {
            continue;
        }
        for c in explicit.captures_iter(line) {
            out.insert(c[1].to_owned());
        }
        let t = line.trim_start();
        if t.starts_with('#') {
            let level = t.chars().take_while(|c| *c == '#').count();
            if level <= 6 && t[level..].starts_with(' ') {
                let base = slug(t[level..].trim().trim_end_matches('#').trim());
                let n = seen.entry(base.clone()).or_insert(0);
                out.insert(if *n == 0 {
                    base.clone()
                } else {
                    format!("{base}-{n}")
                });
                *n += 1;
            }
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn check_links(docs: &[Doc], root: &Path) -> Vec<Problem> {
    let inline = re(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\x22[^\x22]*\x22)?\)");
    let reference = re(r"^\s*\[[^\]]+\]:\s+(\S+)");
    let mut cache: BTreeMap<PathBuf, Option<BTreeSet<String>>> = BTreeMap::new();
    let mut out = Vec::new();
    for doc in docs {
        for (i, line) in doc.lines.iter().enumerate() {
            if doc.fence[i].is_some() {
                continue;
            }
            let prose = without_code(line);
            let mut targets: Vec<String> = inline
                .captures_iter(&prose)
                .map(|c| c[1].to_owned())
                .collect();
            targets.extend(reference.captures_iter(&prose).map(|c| c[1].to_owned()));
            for target in targets {
                if target.contains("://")
                    || target.starts_with("mailto:")
                    || target.starts_with("tel:")
                {
                    continue;
                }
                let (path_part, anchor) = match target.split_once('#') {
                    Some((p, a)) => (p.to_owned(), Some(percent_decode(a))),
                    None => (target.clone(), None),
                };
                let file = if path_part.is_empty() {
                    doc.path.clone()
                } else if let Some(abs) = path_part.strip_prefix('/') {
                    root.join(percent_decode(abs))
                } else {
                    doc.path
                        .parent()
                        .unwrap_or(root)
                        .join(percent_decode(&path_part))
                };
                if !file.exists() {
                    out.push(problem(
                        &doc.path,
                        i + 1,
                        format!("link `{target}`: {} does not exist", rel(root, &file)),
                    ));
                    continue;
                }
                if let Some(anchor) = anchor {
                    if file.extension().is_some_and(|e| e == "md") {
                        let set = cache
                            .entry(file.clone())
                            .or_insert_with(|| Doc::load(&file).ok().map(|d| anchors(&d)));
                        if !set.as_ref().is_some_and(|s| s.contains(&anchor)) {
                            out.push(problem(
                                &doc.path,
                                i + 1,
                                format!(
                                    "link `{target}`: {} has no heading with the anchor #{anchor}",
                                    rel(root, &file)
                                ),
                            ));
                        }
                    }
                }
            }
        }
    }
    out
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap_or(p).display().to_string()
}

// ------------------------------------------------------------------------------ runbook_url

/// `runbook_url`s in the Terraform of `dirs` that point at this repository's `docs/`: literal
/// URLs with an anchor, and a module's `runbook_anchors` map joined to the page its
/// `runbook_url` default names. Each must name an existing page and heading.
pub fn check_runbook_urls(root: &Path, dirs: &[&str]) -> Vec<Problem> {
    let url = re(r"https?://[^\x22\s$]*?/(docs/[A-Za-z0-9_./-]+\.md)(?:#([A-Za-z0-9_-]+))?");
    let anchors_block = re(r"runbook_anchors\s*=\s*\{");
    let anchor_value = re(r"=\s*\x22([A-Za-z0-9_-]+)\x22");
    let mut out = Vec::new();
    let mut cache: BTreeMap<PathBuf, Option<BTreeSet<String>>> = BTreeMap::new();
    let mut check =
        |file: &Path, line: usize, page: &str, anchor: Option<&str>, out: &mut Vec<Problem>| {
            let target = root.join(page);
            let set = cache
                .entry(target.clone())
                .or_insert_with(|| Doc::load(&target).ok().map(|d| anchors(&d)));
            match (set, anchor) {
                (None, _) => out.push(problem(
                    file,
                    line,
                    format!("runbook_url names {page}, which does not exist"),
                )),
                (Some(s), Some(a)) if !s.contains(a) => out.push(problem(
                    file,
                    line,
                    format!("runbook_url anchor #{a} is not a heading of {page}"),
                )),
                _ => {}
            }
        };
    for dir in dirs {
        let mut files = Vec::new();
        walk(&root.join(dir), &mut |p| {
            if p.extension().is_some_and(|e| e == "tf") {
                files.push(p.to_path_buf());
            }
        });
        // Per module directory: the page named by a runbook URL without an anchor.
        let mut pages: BTreeMap<PathBuf, String> = BTreeMap::new();
        let mut blocks: Vec<(PathBuf, usize, Vec<String>)> = Vec::new();
        for file in &files {
            let Ok(text) = std::fs::read_to_string(file) else {
                continue;
            };
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                if !line.contains("runbook") {
                    continue;
                }
                for c in url.captures_iter(line) {
                    match c.get(2) {
                        Some(a) => check(file, i + 1, &c[1], Some(a.as_str()), &mut out),
                        None => {
                            check(file, i + 1, &c[1], None, &mut out);
                            pages.insert(
                                file.parent().unwrap_or(root).to_path_buf(),
                                c[1].to_owned(),
                            );
                        }
                    }
                }
            }
            for (i, line) in lines.iter().enumerate() {
                if anchors_block.is_match(line) {
                    let mut values = Vec::new();
                    for l in lines.iter().skip(i + 1) {
                        if l.trim_start().starts_with('}') {
                            break;
                        }
                        if let Some(c) = anchor_value.captures(l) {
                            values.push(c[1].to_owned());
                        }
                    }
                    blocks.push((file.clone(), i + 1, values));
                }
            }
        }
        for (file, line, values) in blocks {
            let dir = file.parent().unwrap_or(root).to_path_buf();
            match pages.get(&dir) {
                Some(page) => {
                    for a in values {
                        check(&file, line, page, Some(&a), &mut out);
                    }
                }
                None => out.push(problem(
                    &file,
                    line,
                    "runbook_anchors without a runbook_url naming a docs/ page in the same module",
                )),
            }
        }
    }
    out
}

// ------------------------------------------------------------------------------ requirement IDs

/// The IDs `requirements.md` defines: `R1.1-a`, ..., `P1`..`P10`, `N1`..`N5`.
pub fn requirement_ids(text: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let item = re(r"^- (R\d\.\d) ");
    let letter = re(r"(?:^|\s)([a-f]): ");
    let prop = re(r"^- ([PN]\d+) ");
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(c) = item.captures(line) {
            current = Some(c[1].to_owned());
        } else if line.starts_with("- ") || line.starts_with('#') || line.trim().is_empty() {
            current = None;
        }
        if let Some(c) = prop.captures(line) {
            ids.insert(c[1].to_owned());
        }
        if let Some(base) = &current {
            for c in letter.captures_iter(line) {
                ids.insert(format!("{base}-{}", &c[1]));
            }
        }
    }
    ids
}

pub fn check_requirement_ids(docs: &[Doc], ids: &BTreeSet<String>) -> Vec<Problem> {
    let id = re(r"\b(R[1-9]\.[1-9])(-([a-z]))?((?:/[a-z])*)(\.\.([a-z]))?|\b([PN]\d{1,2})\b");
    let mut out = Vec::new();
    for doc in docs {
        for (i, line) in doc.lines.iter().enumerate() {
            for c in id.captures_iter(line) {
                let mut named = Vec::new();
                if let Some(pn) = c.get(7) {
                    named.push(pn.as_str().to_owned());
                } else {
                    let base = &c[1];
                    match c.get(3) {
                        None => {
                            // A section like `R1.1`: some ID must start with it.
                            if !ids.iter().any(|x| x.starts_with(&format!("{base}-"))) {
                                out.push(problem(&doc.path, i + 1, format!("requirement section {base} does not exist in requirements.md")));
                            }
                        }
                        Some(first) => {
                            let first = first.as_str().chars().next().unwrap_or('a');
                            named.push(format!("{base}-{first}"));
                            for extra in c
                                .get(4)
                                .map_or("", |m| m.as_str())
                                .split('/')
                                .filter(|s| !s.is_empty())
                            {
                                named.push(format!("{base}-{extra}"));
                            }
                            if let Some(last) = c.get(6) {
                                let last = last.as_str().chars().next().unwrap_or(first);
                                for l in first..=last {
                                    named.push(format!("{base}-{l}"));
                                }
                            }
                        }
                    }
                }
                for n in named {
                    if !ids.contains(&n) {
                        out.push(problem(
                            &doc.path,
                            i + 1,
                            format!("requirement ID {n} does not exist in requirements.md"),
                        ));
                    }
                }
            }
        }
    }
    out
}

/// requirements.md: `$OPSDECK_REQUIREMENTS`, else the repository's copy
/// `docs/requirements/requirements.md`, else `shared/requirements.md` beside the repository
/// or any of its parents.
pub fn find_requirements(root: &Path) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("OPSDECK_REQUIREMENTS") {
        return Some(PathBuf::from(p));
    }
    // The repository's own copy first: a clean clone has no ../shared. Where the shared
    // original is present, `stale_requirements_copy` tells when the copy falls behind.
    let in_repo = root.join("docs/requirements/requirements.md");
    if in_repo.is_file() {
        return Some(in_repo);
    }
    root.ancestors()
        .map(|a| a.join("shared/requirements.md"))
        .find(|p| p.is_file())
}

/// The shared original beside the checkout, when it exists and the repository's copy
/// differs from it: the copy must be refreshed (`cp ../shared/requirements.md
/// docs/requirements/`).
pub fn stale_requirements_copy(root: &Path) -> Option<PathBuf> {
    let copy = root.join("docs/requirements/requirements.md");
    let shared = root
        .ancestors()
        .skip(1)
        .map(|a| a.join("shared/requirements.md"))
        .find(|p| p.is_file())?;
    let same = std::fs::read(&copy).ok()? == std::fs::read(&shared).ok()?;
    (!same).then_some(shared)
}

// ------------------------------------------------------------------------------ error codes

/// Where each error code occurs in the sources (`*/src/**/*.rs`): the first place, by code.
pub fn source_error_codes(root: &Path) -> BTreeMap<String, (PathBuf, usize)> {
    let code = re(r"OPSDECK-[PCN][0-9]{3}");
    let mut out = BTreeMap::new();
    walk(root, &mut |p| {
        if p.extension().is_none_or(|e| e != "rs")
            || !p.components().any(|c| c.as_os_str() == "src")
        {
            return;
        }
        if p.starts_with(root.join("docs")) || p.starts_with(root.join("xtask/src/docs_check.rs")) {
            return;
        }
        let Ok(text) = std::fs::read_to_string(p) else {
            return;
        };
        for (i, line) in text.lines().enumerate() {
            for m in code.find_iter(line) {
                out.entry(m.as_str().to_owned())
                    .or_insert((p.to_path_buf(), i + 1));
            }
        }
    });
    out
}

/// Codes in the first cell of table rows of a document, with their lines.
pub fn table_error_codes(doc: &Doc) -> BTreeMap<String, usize> {
    let code = re(r"OPSDECK-[PCN][0-9]{3}");
    let mut out = BTreeMap::new();
    for (i, line) in doc.lines.iter().enumerate() {
        let t = line.trim();
        if doc.fence[i].is_some() || !t.starts_with('|') {
            continue;
        }
        // Rows of the error table start with the code alone in their first cell.
        let first = t
            .trim_start_matches('|')
            .split('|')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('`');
        if let Some(m) = code.find(first) {
            if m.as_str() == first {
                out.entry(first.to_owned()).or_insert(i + 1);
            }
        }
    }
    out
}

/// `pending`: codes other branches define that are not merged yet; they count as defined until
/// a source defines them, and then they must leave the list.
pub fn check_error_codes(
    root: &Path,
    tables: &[Doc],
    pending: &[String],
    pending_at: &Path,
) -> Vec<Problem> {
    let mut defined = source_error_codes(root);
    let mut out = Vec::new();
    for code in pending {
        if defined.contains_key(code) {
            out.push(problem(
                pending_at,
                1,
                format!("{code} is defined in the sources now: remove it from the pending codes"),
            ));
        } else {
            defined.insert(code.clone(), (pending_at.to_path_buf(), 1));
        }
    }
    for doc in tables {
        let listed = table_error_codes(doc);
        for (code, line) in &listed {
            if !defined.contains_key(code) {
                out.push(problem(
                    &doc.path,
                    *line,
                    format!("{code} is in the error table but no source file defines it"),
                ));
            }
        }
        for (code, (file, line)) in &defined {
            if !listed.contains_key(code) {
                out.push(problem(
                    file,
                    *line,
                    format!(
                        "{code} is defined here but missing from the error table of {}",
                        rel(root, &doc.path)
                    ),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Doc {
        Doc::parse(Path::new("x.md"), text)
    }

    struct Fake(CliSpec);
    impl Specs for Fake {
        fn spec(&mut self, path: &[String]) -> Option<CliSpec> {
            descend(&Some(self.0.clone()), path)
        }
    }

    fn opsdeck() -> Fake {
        let mut history = CliSpec {
            name: "history".into(),
            requires_subcommand: true,
            ..Default::default()
        };
        history.flags.insert("--json".into(), false);
        for s in ["list", "previous"] {
            let mut sub = CliSpec {
                name: s.into(),
                ..Default::default()
            };
            sub.flags.insert("--json".into(), false);
            sub.flags.insert("--limit".into(), true);
            history.subcommands.insert(s.into(), sub);
        }
        let mut root = CliSpec {
            name: "opsdeck".into(),
            requires_subcommand: true,
            ..Default::default()
        };
        root.subcommands.insert("history".into(), history);
        Fake(root)
    }

    fn words(s: &str) -> Vec<String> {
        command_words(s).unwrap()
    }

    #[test]
    fn commands_are_checked_against_the_spec() {
        let mut f = opsdeck();
        assert!(check_command(&words("opsdeck history list --limit 5 --json"), &mut f).is_empty());
        assert!(check_command(&words("opsdeck history list|previous"), &mut f).is_empty());
        let e = check_command(&words("opsdeck history lsit"), &mut f);
        assert!(e[0].contains("no subcommand `lsit`"), "{e:?}");
        let e = check_command(&words("opsdeck history list --limt 5"), &mut f);
        assert!(e[0].contains("no flag `--limt`"), "{e:?}");
        let e = check_command(&words("opsdeck deploy --version v1"), &mut f);
        assert!(e[0].contains("no subcommand `deploy`"), "{e:?}");
    }

    #[test]
    fn pending_commands_are_accepted_until_they_exist() {
        let mut f = opsdeck();
        let stale = add_pending(
            &mut f.0,
            &[
                "opsdeck deploy",
                "opsdeck history list --since",
                "opsdeck history",
            ],
        );
        assert_eq!(stale, ["opsdeck history"]);
        assert!(check_command(&words("opsdeck deploy --version v1 --anything"), &mut f).is_empty());
        assert!(check_command(&words("opsdeck history list --since 2d"), &mut f).is_empty());
        assert!(!check_command(&words("opsdeck history list --until 2d"), &mut f).is_empty());
    }

    #[test]
    fn command_lines_come_from_shell_blocks_substitutions_and_inline_code() {
        let d = doc("Run `opsdeck history list` now.\n```sh\nprev=$(opsdeck history previous --json | jq -r .version)\nOPSDECK_LOG=debug opsdeck history \\\n  list\n```\n```hcl\nterraform = 1\n```\n");
        let lines = command_lines(&d);
        let found: Vec<(usize, String)> = lines.iter().map(|(n, w)| (*n, w.join(" "))).collect();
        assert_eq!(
            found,
            [
                (1, "opsdeck history list".to_owned()),
                (3, "opsdeck history previous --json".to_owned()),
                (4, "opsdeck history list".to_owned()),
            ]
        );
    }

    #[test]
    fn slugs_follow_github() {
        assert_eq!(slug("API 5xx rate"), "api-5xx-rate");
        assert_eq!(
            slug("Checking backups and the restore drill"),
            "checking-backups-and-the-restore-drill"
        );
        assert_eq!(slug("`opsdeck cost` (R7.2-a)"), "opsdeck-cost-r72-a");
        assert_eq!(slug("バックアップの確認"), "バックアップの確認");
        let d = doc("# A\n## A\n<a id=\"x\"></a>\n```\n# not a heading\n```\n");
        assert_eq!(anchors(&d), ["a", "a-1", "x"].map(String::from).into());
    }

    #[test]
    fn requirement_ids_parse_and_ranges_expand() {
        let ids = requirement_ids(
            "- R1.1 Database. a: one. b: two.\n  c: three.\n- P4 Alert.\n- N1 Avail.\n",
        );
        assert_eq!(
            ids,
            ["N1", "P4", "R1.1-a", "R1.1-b", "R1.1-c"]
                .map(String::from)
                .into()
        );
        let d = doc("R1.1-a..c and R1.1-a/b, P4, R1.1; bad: R1.1-d, P5, R1.2\n");
        let p: Vec<String> = check_requirement_ids(&[d], &ids)
            .into_iter()
            .map(|p| p.message)
            .collect();
        assert_eq!(
            p,
            [
                "requirement ID R1.1-d does not exist in requirements.md",
                "requirement ID P5 does not exist in requirements.md",
                "requirement section R1.2 does not exist in requirements.md",
            ]
        );
    }

    #[test]
    fn terraform_and_xtask_help_parse() {
        let tf = parse_terraform_help("terraform plan", "Usage: terraform plan [options]\n\nPlan Customization Options:\n\n  -destroy            Select the destroy mode.\n  -var 'foo=bar'      Set a value.\n\nOther Options:\n\n  -out=path           Write a plan file.\n");
        assert_eq!(tf.flags.get("-destroy"), Some(&false));
        assert_eq!(tf.flags.get("-var"), Some(&true));
        assert_eq!(tf.flags.get("-out"), Some(&false));
        let top = parse_terraform_help("terraform", "Main commands:\n  init          Prepare\n  plan          Show\n\nAll other commands:\n  state         Advanced\n\nGlobal options (use these before the subcommand, if any):\n  -chdir=DIR    Switch\n");
        assert!(top.subcommands.contains_key("state") && top.flags.contains_key("-chdir"));
        let x = parse_xtask_usage("usage: cargo xtask <command>\n\n  up           the main job (options: --dir <terraform dir>, --version V)\n  down         destroy\n");
        assert_eq!(x.subcommands["up"].flags.get("--dir"), Some(&true));
        assert!(x.subcommands.contains_key("down"));
    }
}
