//! The token check: `Bearer <JWT>`, signed with the configured HMAC algorithm and key, with
//! `exp` (required), `nbf` (when present), and the issuer and audiences when configured.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{DecodingKey, Validation};
use serde::Deserialize;

use crate::config::Config;

/// Why a token was refused. Logged (the reason only: never the token); API Gateway gets
/// "Unauthorized" for every one of them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("no token: the Authorization header must be \"Bearer <JWT>\"")]
    MissingBearer,
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token's algorithm is not the configured one (\"none\" and every other algorithm are refused)")]
    WrongAlgorithm,
    #[error("the token's signature does not match the signing key")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet (nbf)")]
    NotYetValid,
    #[error("the token lacks the required claim {0}")]
    MissingClaim(String),
    #[error("the token's issuer is not the configured one")]
    WrongIssuer,
    #[error("the token's audience is not one of the configured ones")]
    WrongAudience,
}

/// What an accepted token says about its caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The `sub` claim: API Gateway's principalId and the context's `sub`.
    pub sub: String,
}

#[derive(Deserialize)]
struct Claims {
    sub: Option<String>,
}

/// The JWT of an `Authorization: Bearer <JWT>` value (the scheme is case-insensitive).
pub fn bearer_token(authorization: Option<&str>) -> Result<&str, Rejection> {
    let value = authorization.map(str::trim).unwrap_or_default();
    let (scheme, token) = value.split_once(' ').ok_or(Rejection::MissingBearer)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(Rejection::MissingBearer);
    }
    Ok(token)
}

/// The validation rules of `config`.
pub fn validation(config: &Config) -> Validation {
    let mut v = Validation::new(config.algorithm);
    v.leeway = config.leeway.as_secs();
    v.validate_exp = true;
    v.validate_nbf = true;
    let mut required = vec!["exp", "sub"];
    if let Some(issuer) = &config.issuer {
        v.set_issuer(&[issuer]);
        required.push("iss");
    }
    if config.audiences.is_empty() {
        // No audience configured: an `aud` claim is not checked (the library would otherwise
        // refuse every token that carries one).
        v.validate_aud = false;
    } else {
        v.set_audience(&config.audiences);
        required.push("aud");
    }
    v.set_required_spec_claims(&required);
    v
}

/// Checks `token` with `key` under `rules` (from [`validation`]).
pub fn verify(token: &str, key: &DecodingKey, rules: &Validation) -> Result<Caller, Rejection> {
    let data = jsonwebtoken::decode::<Claims>(token, key, rules).map_err(|e| match e.kind() {
        ErrorKind::InvalidSignature => Rejection::BadSignature,
        // A header whose alg is "none" or unknown does not parse; a known other one does.
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => Rejection::WrongAlgorithm,
        ErrorKind::ExpiredSignature => Rejection::Expired,
        ErrorKind::ImmatureSignature => Rejection::NotYetValid,
        ErrorKind::MissingRequiredClaim(claim) => Rejection::MissingClaim(claim.clone()),
        ErrorKind::InvalidIssuer => Rejection::WrongIssuer,
        ErrorKind::InvalidAudience => Rejection::WrongAudience,
        _ => {
            if header_names_another_algorithm(token) {
                Rejection::WrongAlgorithm
            } else {
                Rejection::Malformed
            }
        }
    })?;
    match data.claims.sub {
        Some(sub) if !sub.trim().is_empty() => Ok(Caller { sub }),
        _ => Err(Rejection::MissingClaim("sub".into())),
    }
}

/// Whether the header parses as JSON with an `alg` (e.g. "none"), so that the log says
/// "wrong algorithm" rather than "malformed" for an unsigned token.
fn header_names_another_algorithm(token: &str) -> bool {
    use base64::Engine as _;
    let header = token.split('.').next().unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header.trim_end_matches('='))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .is_some_and(|h| h.get("alg").is_some_and(serde_json::Value::is_string))
}
