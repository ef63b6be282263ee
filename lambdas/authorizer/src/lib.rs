//! API Gateway TOKEN authorizer for the application's JWTs (seed R1.4-b).
//!
//! API Gateway sends `Authorization: Bearer <JWT>` of every request (but the health
//! check's) here, after matching it against the authorizer's identity validation
//! expression. A token signed with the configured HMAC algorithm and the key of the
//! Secrets Manager secret `JWT_SECRET_ARN`, unexpired, already valid, with a `sub` and the
//! configured issuer and audience, gets an allow policy for the whole API stage with
//! principalId = `sub`; anything else gets "Unauthorized" (401). When the key cannot be
//! read the invocation fails (500) and the log names the service and the operation.

pub mod config;
pub mod handler;
pub mod secret;
pub mod verify;

pub use config::Config;
pub use handler::{Authorizer, AuthorizerError};
pub use secret::{KeyCache, KeySource, SecretError, SecretsManagerKey, SigningKey};

#[cfg(test)]
mod tests;
