//! `terraform-provider-opsdeck`: the opsdeck Terraform provider as a library.
//!
//! The binary in `main.rs` only calls [`cli::main`]; every piece lives here so the
//! `opsdeck` CLI, the tests and the provider share one implementation of AWS access.

pub mod aws;
pub mod cli;
pub mod data_sources;
pub mod deploy_history;
pub mod error;
pub mod number;
pub mod provider;
pub mod resources;
pub mod schema;
pub mod validate;
pub mod value_ext;

pub use error::Error;
pub use number::Number;
pub use provider::OpsdeckProvider;

/// Provider type name: resources are `opsdeck_<name>`.
pub const PROVIDER_NAME: &str = "opsdeck";

/// Crate version, also the version of the provider release.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
