//! The docs test (issue 17): every command line, link, anchor, runbook_url, requirement ID and
//! error code that `docs/` names must exist. All problems are reported at once, each with its
//! file and line. The checks live in `xtask/src/docs_check.rs`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use clap::CommandFactory;
use xtask::docs_check::{self, CliSpec, Doc, HelpSpecs, Problem};

/// The repository; `OPSDECK_DOCS_ROOT` checks another checkout (e.g. a trial merge) with the
/// same binaries.
fn root() -> PathBuf {
    if let Some(dir) = std::env::var_os("OPSDECK_DOCS_ROOT") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the repository")
        .to_path_buf()
}

/// `opsdeck`'s interface from its clap definition: what `opsdeck ... --help` prints.
fn clap_spec(cmd: &clap::Command) -> CliSpec {
    let mut spec = CliSpec {
        name: cmd.get_name().to_owned(),
        requires_subcommand: cmd.has_subcommands(),
        ..Default::default()
    };
    for arg in cmd.get_arguments() {
        let takes_value = arg.get_action().takes_values();
        if let Some(long) = arg.get_long() {
            spec.flags.insert(format!("--{long}"), takes_value);
        }
        if let Some(short) = arg.get_short() {
            spec.flags.insert(format!("-{short}"), takes_value);
        }
    }
    spec.flags.insert("--help".into(), false);
    spec.flags.insert("-h".into(), false);
    for sub in cmd.get_subcommands() {
        spec.subcommands
            .insert(sub.get_name().to_owned(), clap_spec(sub));
    }
    spec
}

/// `cargo xtask`'s interface from its usage text (it prints it for `--help`).
fn xtask_spec() -> Option<CliSpec> {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--help")
        .output()
        .ok()?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Some(docs_check::parse_xtask_usage(&text))
}

/// Commands and flags the runbooks describe that other branches are building (issues 13 and
/// 15). They are accepted with any flag until they exist; then the test asks to remove them
/// here, and their flags are checked from then on.
const PENDING: &[&str] = &[];

/// Error codes defined by branches not merged yet: the provider's (issue 14), the CLI's deploy
/// pipeline and the notifier's (issue 15). Each counts as defined until a source defines it;
/// then the test asks to remove it here.
const PENDING_CODES: &[(&str, &[u16])] = &[];

fn at(file: PathBuf, line: usize, message: String) -> Problem {
    Problem {
        file,
        line,
        message,
    }
}

#[test]
fn docs_say_only_what_is_true() {
    let root = root();
    let files = docs_check::markdown_files(&root.join("docs"));
    assert!(!files.is_empty(), "no docs/ under {}", root.display());
    let docs: Vec<Doc> = files.iter().map(|f| Doc::load(f).unwrap()).collect();
    let mut problems = Vec::new();

    // Command lines.
    let mut opsdeck = opsdeck_cli::Cli::command();
    opsdeck.build();
    let mut opsdeck = clap_spec(&opsdeck);
    let mut xtask = xtask_spec().unwrap_or_default();
    let stale = docs_check::add_pending(&mut opsdeck, PENDING)
        .into_iter()
        .chain(docs_check::add_pending(&mut xtask, PENDING))
        .filter(|e| PENDING.contains(&e.as_str()));
    for entry in stale {
        problems.push(at(
            root.join("xtask/tests/docs.rs"),
            1,
            format!(
                "`{entry}` exists now: remove it from PENDING so the docs' use of it is checked"
            ),
        ));
    }
    let terraform =
        std::env::var_os("TERRAFORM").map_or_else(|| PathBuf::from("terraform"), PathBuf::from);
    let mut specs = HelpSpecs::new(Some(opsdeck), Some(xtask), terraform);
    problems.extend(docs_check::check_commands(&docs, &mut specs));

    // Relative links and their anchors.
    problems.extend(docs_check::check_links(&docs, &root));

    // runbook_url of the modules and environments.
    problems.extend(docs_check::check_runbook_urls(&root, &["modules", "envs"]));

    // Requirement IDs against requirements.md; the report must list exactly its IDs.
    if let Some(shared) = docs_check::stale_requirements_copy(&root) {
        problems.push(at(
            root.join("docs/requirements/requirements.md"),
            1,
            format!(
                "differs from {}: copy it here so a clean clone checks the same IDs",
                shared.display()
            ),
        ));
    }
    match docs_check::find_requirements(&root) {
        Some(path) => {
            let ids = docs_check::requirement_ids(&std::fs::read_to_string(&path).unwrap());
            problems.extend(docs_check::check_requirement_ids(&docs, &ids));
            let report: BTreeSet<String> = opsdeck_cli::report::requirements::REQUIREMENTS
                .iter()
                .map(|(id, _)| (*id).to_owned())
                .collect();
            let list = root.join("cli/src/report/requirements.rs");
            for missing in ids.difference(&report) {
                problems.push(at(list.clone(), 1, format!("{missing} of {} is missing from the report's list", path.display())));
            }
            for extra in report.difference(&ids) {
                problems.push(at(list.clone(), 1, format!("{extra} is not an ID of {}", path.display())));
            }
        }
        None => problems.push(at(
            root.join("docs"),
            0,
            "requirements.md not found: set OPSDECK_REQUIREMENTS or keep shared/requirements.md beside the repository".into(),
        )),
    }

    // Error codes: the troubleshooting tables (English and Japanese) against the sources.
    let tables: Vec<Doc> = [
        "docs/runbooks/troubleshooting.md",
        "docs/ja/runbooks/troubleshooting.md",
    ]
    .iter()
    .map(|p| root.join(p))
    .filter(|p| p.exists())
    .map(|p| Doc::load(&p).unwrap())
    .collect();
    if tables.is_empty() {
        problems.push(at(
            root.join("docs/runbooks/troubleshooting.md"),
            0,
            "the troubleshooting guide with the error table does not exist".into(),
        ));
    }
    let pending: Vec<String> = PENDING_CODES
        .iter()
        .flat_map(|(prefix, numbers)| {
            numbers
                .iter()
                .map(move |n| format!("OPSDECK-{prefix}{n:03}"))
        })
        .collect();
    problems.extend(docs_check::check_error_codes(
        &root,
        &tables,
        &pending,
        &root.join("xtask/tests/docs.rs"),
    ));

    problems.sort();
    problems.dedup();
    let list: Vec<String> = problems
        .into_iter()
        .map(|mut p| {
            p.file = p.file.strip_prefix(&root).unwrap_or(&p.file).to_path_buf();
            p.to_string()
        })
        .collect();
    assert!(
        list.is_empty(),
        "{} problem(s) in docs/:\n{}",
        list.len(),
        list.join("\n")
    );
}
