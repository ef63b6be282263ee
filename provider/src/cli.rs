//! Process entry point: the plugin handshake guard, `--version`, logging, serving.

use std::process::ExitCode;

/// Terraform's go-plugin handshake: it sets this variable before it starts a plugin.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// What a user sees when they run the binary by hand (the wording of go-plugin).
pub const NOT_A_PROGRAM: &str =
    "This binary is a plugin. These are not meant to be executed directly.\n\
Please execute the program that consumes these plugins, which will\n\
load any plugins automatically (terraform init installs it; see README.md).\n\
Run it with --version to print its version.";

pub fn version_line() -> String {
    format!(
        "terraform-provider-opsdeck {} (Terraform plugin protocol 6)",
        crate::VERSION
    )
}

pub fn main() -> ExitCode {
    // Backtraces would end up in Terraform's diagnostics and logs; panics are reported
    // by the hook below with their message and location only.
    std::env::set_var("RUST_BACKTRACE", "0");
    std::env::set_var("RUST_LIB_BACKTRACE", "0");
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        eprintln!("opsdeck provider internal error{location}: {message}");
    }));

    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--version" | "-v" | "version") => {
            println!("{}", version_line());
            return ExitCode::SUCCESS;
        }
        Some("--help" | "-h") => {
            println!("{}\n\n{NOT_A_PROGRAM}", version_line());
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    if std::env::var(MAGIC_COOKIE_KEY).as_deref() != Ok(MAGIC_COOKIE_VALUE) {
        eprintln!("{NOT_A_PROGRAM}");
        return ExitCode::FAILURE;
    }

    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("opsdeck provider: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(tf_provider::serve(
        crate::PROVIDER_NAME,
        crate::OpsdeckProvider::new(),
    )) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` prints the error chain; never `{:?}`, which would add a backtrace.
            eprintln!("opsdeck provider stopped: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr, which Terraform captures into its own log (TF_LOG). When
/// PLUGIN_LOG_FILE is set, tf-provider installs its own subscriber instead.
///
/// The level follows `OPSDECK_LOG` (an `EnvFilter`), else Terraform's own: with
/// `TF_LOG=debug` (or trace, json, or `TF_LOG_PROVIDER`) the provider logs at debug level,
/// which includes the SDK's full form of every failed AWS call; otherwise warnings only,
/// and users see errors as the sentences of the diagnostics.
fn init_logging() {
    if std::env::var_os("PLUGIN_LOG_FILE").is_some() {
        return;
    }
    let terraform_level = ["TF_LOG_PROVIDER", "TF_LOG"]
        .iter()
        .find_map(|v| std::env::var(v).ok())
        .map(|v| v.to_ascii_lowercase());
    let default = match terraform_level.as_deref() {
        Some("trace" | "debug" | "json") => "opsdeck_provider=debug,warn",
        Some("info") => "opsdeck_provider=info,warn",
        _ => "warn",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("OPSDECK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}
