//! Thin binary: everything lives in the library so the CLI and tests share it.
fn main() -> std::process::ExitCode {
    opsdeck_provider::cli::main()
}
