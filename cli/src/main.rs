//! Thin binary: everything lives in the library so the tests can drive it.
fn main() -> std::process::ExitCode {
    opsdeck_cli::main()
}
