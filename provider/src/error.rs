//! Errors that cross the boundary between the provider and AWS.

use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

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
    /// Wraps an AWS SDK error with the service and operation that produced it: as
    /// `<code>: <message>` when the service answered (e.g. `Throttling: Rate exceeded`),
    /// else the whole source chain ("dispatch failure: ... connection refused"), since
    /// the SDK's own `Display` only says "service error" or "dispatch failure".
    pub fn aws<E>(service: &'static str, operation: &'static str, err: E) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let message = match (err.code(), err.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_owned(),
            _ => DisplayErrorContext(&err).to_string(),
        };
        Self::Aws {
            service,
            operation,
            message,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
