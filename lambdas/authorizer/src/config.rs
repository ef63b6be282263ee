//! The function's settings, from its environment (set by envs/prod through modules/compute).

use std::time::Duration;

use jsonwebtoken::Algorithm;

/// Environment variable names, documented in the crate README.
pub const JWT_SECRET_ARN: &str = "JWT_SECRET_ARN";
pub const JWT_ALGORITHM: &str = "JWT_ALGORITHM";
pub const JWT_ISSUER: &str = "JWT_ISSUER";
pub const JWT_AUDIENCE: &str = "JWT_AUDIENCE";
pub const JWT_LEEWAY_SECONDS: &str = "JWT_LEEWAY_SECONDS";
pub const JWT_SECRET_TTL_SECONDS: &str = "JWT_SECRET_TTL_SECONDS";

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The Secrets Manager secret whose SecretString is the HMAC signing key (never the key).
    pub secret_arn: String,
    /// The one algorithm accepted; a token signed with any other (or `none`) is refused.
    pub algorithm: Algorithm,
    /// Required `iss`, when set.
    pub issuer: Option<String>,
    /// Accepted audiences (a token's `aud` must name one), when set.
    pub audiences: Vec<String>,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway: Duration,
    /// How long the signing key is used before it is read again.
    pub secret_ttl: Duration,
}

impl Config {
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`; every problem names the variable and what it
    /// accepts.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let secret_arn = set(JWT_SECRET_ARN).ok_or_else(|| {
            format!("{JWT_SECRET_ARN} is not set: set it to the ARN of the Secrets Manager secret that holds the JWT signing key (envs/prod passes module.database.jwt_signing_secret_arn)")
        })?;
        if !secret_arn.starts_with("arn:") || !secret_arn.contains(":secretsmanager:") {
            // Not echoed: a key pasted here by mistake must not reach the log.
            return Err(format!("{JWT_SECRET_ARN} is not a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>): store the signing key in a secret and pass the secret's ARN"));
        }
        let algorithm = match set(JWT_ALGORITHM).as_deref().map(str::trim) {
            None | Some("HS256") => Algorithm::HS256,
            Some("HS384") => Algorithm::HS384,
            Some("HS512") => Algorithm::HS512,
            Some(other) => {
                return Err(format!(
                    "{JWT_ALGORITHM}={other:?} is not supported: the signing key is a shared secret, so HS256 (default), HS384 or HS512"
                ))
            }
        };
        let seconds = |name: &str, default: u64, max: u64| -> Result<Duration, String> {
            match set(name) {
                None => Ok(Duration::from_secs(default)),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n <= max)
                    .map(Duration::from_secs)
                    .ok_or_else(|| {
                        format!("{name}={v:?} is not a whole number of seconds from 0 to {max}")
                    }),
            }
        };
        let secret_ttl = seconds(JWT_SECRET_TTL_SECONDS, 300, 3600)?;
        if secret_ttl.is_zero() {
            return Err(format!("{JWT_SECRET_TTL_SECONDS}=0 would read the secret on every request: use 1 to 3600 seconds (default 300)"));
        }
        Ok(Self {
            secret_arn,
            algorithm,
            issuer: set(JWT_ISSUER).map(|v| v.trim().to_owned()),
            audiences: set(JWT_AUDIENCE)
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|a| !a.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            leeway: seconds(JWT_LEEWAY_SECONDS, 30, 300)?,
            secret_ttl,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const ARN: &str = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:opsdeck-prod/jwt-signing-secret-AbCdEf";

    fn config(vars: &[(&str, &str)]) -> Result<Config, String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_apply() {
        let c = config(&[(JWT_SECRET_ARN, ARN)]).unwrap();
        assert_eq!(c.algorithm, Algorithm::HS256);
        assert_eq!(c.issuer, None);
        assert!(c.audiences.is_empty());
        assert_eq!(c.leeway, Duration::from_secs(30));
        assert_eq!(c.secret_ttl, Duration::from_secs(300));
    }

    #[test]
    fn issuer_and_audiences_are_read() {
        let c = config(&[
            (JWT_SECRET_ARN, ARN),
            (JWT_ISSUER, "https://app.example.com"),
            (JWT_AUDIENCE, "web, mobile"),
        ])
        .unwrap();
        assert_eq!(c.issuer.as_deref(), Some("https://app.example.com"));
        assert_eq!(c.audiences, vec!["web".to_owned(), "mobile".to_owned()]);
    }

    #[test]
    fn a_key_in_place_of_the_arn_is_refused_without_echoing_it() {
        let err = config(&[(JWT_SECRET_ARN, "s3cr3t-signing-key")]).unwrap_err();
        assert!(err.contains(JWT_SECRET_ARN), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");
        assert!(config(&[]).unwrap_err().contains(JWT_SECRET_ARN));
    }

    #[test]
    fn asymmetric_or_none_algorithms_are_refused() {
        for alg in ["none", "RS256", "ES256"] {
            let err = config(&[(JWT_SECRET_ARN, ARN), (JWT_ALGORITHM, alg)]).unwrap_err();
            assert!(err.contains(JWT_ALGORITHM), "{err}");
        }
        let c = config(&[(JWT_SECRET_ARN, ARN), (JWT_ALGORITHM, "HS512")]).unwrap();
        assert_eq!(c.algorithm, Algorithm::HS512);
    }

    #[test]
    fn bad_numbers_name_the_variable() {
        for (name, value) in [
            (JWT_SECRET_TTL_SECONDS, "0"),
            (JWT_SECRET_TTL_SECONDS, "3601"),
            (JWT_LEEWAY_SECONDS, "-1"),
        ] {
            let err = config(&[(JWT_SECRET_ARN, ARN), (name, value)]).unwrap_err();
            assert!(err.contains(name), "{err}");
        }
    }
}
