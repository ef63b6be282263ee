//! The notifier binary must start on Lambda's provided.al2023, whose glibc is 2.34:
//! it may need no glibc symbol version newer than that.
//!
//! This checks the `bootstrap` cargo built for these tests (a debug build: it links
//! at least every libc symbol the release build does, so it is the stricter case).
//! `cargo xtask lambda slack-notifier` runs the same check on the release binary before it
//! writes the zip. The ELF reader is xtask's, included here so both use one parser.

#[path = "../../../xtask/src/elf.rs"]
#[allow(dead_code)]
mod elf;

#[test]
fn bootstrap_needs_no_glibc_newer_than_2_34() {
    let path = match std::env::var_os("SLACK_NOTIFIER_BOOTSTRAP") {
        Some(p) => std::path::PathBuf::from(p),
        None => std::path::PathBuf::from(env!("CARGO_BIN_EXE_slack-notifier")),
    };
    let needs = elf::parse_file(&path).expect("read the ELF");
    assert_eq!(
        needs.machine,
        elf::EM_X86_64,
        "Lambda runs this function on x86_64"
    );
    let max = needs
        .max_glibc()
        .expect("a dynamically linked binary needs some GLIBC_ version");
    let limit = elf::GlibcVersion::parse("GLIBC_2.34").unwrap();
    let mut all: Vec<String> = needs
        .versions
        .iter()
        .map(|(lib, v)| format!("{lib}:{v}"))
        .collect();
    all.sort();
    all.dedup();
    println!(
        "{}: highest glibc version needed: {max}; all: {}",
        path.display(),
        all.join(" ")
    );
    assert!(
        max <= limit,
        "{} needs glibc {max} > 2.34: it would not start on provided.al2023 ({})",
        path.display(),
        all.join(" ")
    );
}
