//! `terratest-rs`: a test harness in the spirit of Terratest that drives the real
//! `terraform` binary, with fixtures for the local AWS emulator, the provider mirror
//! and the Terraform CLI configuration.
//!
//! Every operation has a `try_*` form that returns [`Result`] and a plain form that
//! panics with the command's output, for tests that want one line per step.
//!
//! ```no_run
//! use terratest::{Emulator, Options, Terraform};
//! let emulator = Emulator::start().unwrap();
//! let tf = Terraform::new(Options::new("modules/network/examples/complete").envs(emulator.env()));
//! tf.init();
//! let _destroy = tf.destroy_on_drop();
//! tf.apply_and_idempotent();
//! let vpc_id: String = tf.output("vpc_id");
//! ```

pub mod cli_config;
pub mod emulator;
pub mod error;
pub mod files;
pub mod https;
pub mod options;
pub mod paths;
pub mod plan;
pub mod retry;
pub mod terraform;

pub use cli_config::CliConfig;
pub use emulator::{Emulator, Fault, RequestLog};
pub use error::{Error, Result};
pub use files::{copy_folder_to_temp, TempCopy};
pub use https::StaticHttpsServer;
pub use options::Options;
pub use plan::{PlanExit, PlanJson, PlanResult, ResourceChange};
pub use retry::{retry, retry_or_panic};
pub use terraform::{CommandOutput, DestroyGuard, Terraform};
