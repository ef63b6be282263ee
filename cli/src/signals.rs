//! Ctrl-C and SIGTERM (a cancelled GitHub Actions job sends SIGINT, then SIGTERM): the
//! long commands stop at the next safe point, write where they stopped into the deploy
//! lock and exit with [`crate::error::exit::INTERRUPTED`].
//!
//! The handler only sets a flag (all a signal handler may safely do); waiters poll it.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use crate::error::{CliError, ErrorCode};

/// POSIX signal numbers (the same on Linux and macOS).
const SIGINT: i32 = 2;
const SIGTERM: i32 = 15;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static COUNT: AtomicU32 = AtomicU32::new(0);

/// How often waiters look at the flag.
const POLL: Duration = Duration::from_millis(100);

/// Installs the handlers once per process; a second call is a no-op.
pub fn install() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        for signal in [SIGINT, SIGTERM] {
            // SAFETY: the action only touches atomics, which is async-signal-safe; it
            // allocates nothing, takes no lock and does no I/O.
            let registered = unsafe {
                signal_hook_registry::register(signal, || {
                    INTERRUPTED.store(true, Ordering::SeqCst);
                    COUNT.fetch_add(1, Ordering::SeqCst);
                })
            };
            if let Err(e) = registered {
                tracing::warn!("cannot install the handler of signal {signal}: {e}");
            }
        }
        // A watcher reports the interrupt once, and exits at once on a second one.
        std::thread::spawn(|| {
            let mut said = false;
            loop {
                std::thread::sleep(POLL);
                let n = COUNT.load(Ordering::SeqCst);
                if n >= 2 {
                    eprintln!("opsdeck: interrupted twice, exiting now");
                    std::process::exit(i32::from(crate::error::exit::INTERRUPTED));
                }
                if n == 1 && !said {
                    said = true;
                    eprintln!("opsdeck: interrupt received; stopping at the next safe point (again to exit now)");
                }
            }
        });
    });
}

/// Whether an interrupt arrived.
pub fn is_interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Resolves when an interrupt arrives (at once if one already did).
pub async fn interrupted() {
    while !is_interrupted() {
        tokio::time::sleep(POLL).await;
    }
}

/// Fails with [`ErrorCode::Interrupted`] if an interrupt arrived: called between steps.
pub fn check(at: &str) -> Result<(), CliError> {
    if is_interrupted() {
        Err(interrupted_error(at))
    } else {
        Ok(())
    }
}

pub fn interrupted_error(at: &str) -> CliError {
    CliError::new(ErrorCode::Interrupted, format!("interrupted during {at}"))
}

/// Passes the interrupt on to a child (terraform) that may not have received it, so it
/// stops cleanly and releases its state lock.
pub fn forward_interrupt(child: &mut tokio::process::Child) {
    if let Some(pid) = child.id() {
        // SIGINT lets terraform finish the resource in flight and write its state.
        let _ = std::process::Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status();
    }
}
