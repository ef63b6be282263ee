//! Errors that cross the boundary between the provider and AWS.

use aws_smithy_types::error::display::DisplayErrorContext;

/// An error of the provider. Rendered with `Display` only: diagnostics never carry
/// a `Debug` dump or a Rust backtrace.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A resource or data source ran before `ConfigureProvider`.
    #[error("the opsdeck provider is not configured yet (Terraform calls ConfigureProvider first; this is a bug if you see it)")]
    NotConfigured,
    /// A call to an AWS API failed.
    #[error("{service} {operation} failed: {message}")]
    Aws {
        service: &'static str,
        operation: &'static str,
        message: String,
    },
    /// A value in the configuration is not acceptable.
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    /// Wraps an AWS SDK error with the service and operation that produced it, keeping
    /// the whole source chain (the SDK's own `Display` only says "service error").
    pub fn aws<E>(service: &'static str, operation: &'static str, err: E) -> Self
    where
        E: std::error::Error + 'static,
    {
        Self::Aws {
            service,
            operation,
            message: DisplayErrorContext(&err).to_string(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
