//! The signing key, read from Secrets Manager (seed R1.4-b: it is encrypted at rest there
//! and never in Terraform state or the function's environment), cached for a short TTL.
//!
//! The secret's SecretString is the HMAC key itself (its UTF-8 bytes), at least 32 bytes
//! (RFC 7518 §3.2: an HS256 key is at least as long as the hash). After a rotation, a
//! token signed with the new key fails against the cached one: the cache then reads the
//! secret again, at most once per TTL, so a flood of bad tokens cannot turn into a flood
//! of Secrets Manager calls.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata};
use jsonwebtoken::DecodingKey;
use tokio::sync::Mutex;

/// The shortest key accepted, in bytes (256 bits).
pub const MIN_KEY_BYTES: usize = 32;

/// One version of the signing key.
#[derive(Clone)]
pub struct SigningKey {
    pub key: DecodingKey,
    /// The secret version it came from: a re-read that finds the same version changes nothing.
    pub version_id: Option<String>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("SigningKey")
            .field("version_id", &self.version_id)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// The key of a secret's string; the problem, if any, never quotes the value.
    pub fn from_secret_string(value: &str, version_id: Option<String>) -> Result<Self, String> {
        let bytes = value.as_bytes();
        if bytes.len() < MIN_KEY_BYTES {
            return Err(format!(
                "it holds {} bytes, and an HMAC signing key needs at least {MIN_KEY_BYTES} (e.g. `openssl rand -base64 48`)",
                bytes.len()
            ));
        }
        let key = DecodingKey::from_secret(bytes).map_err(|e| e.to_string())?;
        Ok(Self { key, version_id })
    }
}

/// Why the key could not be read. Names the service, the operation and the secret by ARN,
/// and says what to do; never contains the secret's value.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("Secrets Manager GetSecretValue: the JWT signing secret {arn} does not exist (or is scheduled for deletion): put the signing key in it, or fix JWT_SECRET_ARN")]
    NotFound { arn: String },
    #[error("Secrets Manager GetSecretValue: the authorizer may not read the JWT signing secret {arn} ({detail}): its role needs secretsmanager:GetSecretValue on the secret and kms:Decrypt on its key (modules/compute secrets)")]
    AccessDenied { arn: String, detail: String },
    #[error("Secrets Manager GetSecretValue: the JWT signing secret {arn} has no string value: put the signing key as its SecretString")]
    NoString { arn: String },
    #[error("Secrets Manager GetSecretValue: the value of the JWT signing secret {arn} is not a usable key: {problem}")]
    Invalid { arn: String, problem: String },
    #[error("Secrets Manager GetSecretValue: reading the JWT signing secret {arn} failed: {detail}; the call is retried on the next request")]
    Call { arn: String, detail: String },
}

/// Where signing keys come from: Secrets Manager in Lambda, a stand-in in tests.
pub trait KeySource {
    fn fetch(&self) -> impl Future<Output = Result<SigningKey, SecretError>> + Send;
}

/// The secret's `AWSCURRENT` version through Secrets Manager.
pub struct SecretsManagerKey {
    pub client: aws_sdk_secretsmanager::Client,
    pub arn: String,
}

impl KeySource for SecretsManagerKey {
    async fn fetch(&self) -> Result<SigningKey, SecretError> {
        let arn = || self.arn.clone();
        let out = self
            .client
            .get_secret_value()
            .secret_id(&self.arn)
            .send()
            .await
            .map_err(|e| match e.code() {
                Some("ResourceNotFoundException") => SecretError::NotFound { arn: arn() },
                Some("AccessDeniedException" | "AccessDenied") => SecretError::AccessDenied {
                    arn: arn(),
                    detail: e.message().unwrap_or("access denied").to_owned(),
                },
                // A KMS problem (key disabled, no decrypt permission) comes back as one of these.
                Some(
                    code @ ("DecryptionFailure"
                    | "KMSAccessDeniedException"
                    | "KMSDisabledException"),
                ) => SecretError::AccessDenied {
                    arn: arn(),
                    detail: format!("{code}: {}", e.message().unwrap_or_default()),
                },
                _ => SecretError::Call {
                    arn: arn(),
                    detail: DisplayErrorContext(&e).to_string(),
                },
            })?;
        let value = out
            .secret_string()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| SecretError::NoString { arn: arn() })?;
        SigningKey::from_secret_string(value, out.version_id().map(str::to_owned)).map_err(
            |problem| SecretError::Invalid {
                arn: arn(),
                problem,
            },
        )
    }
}

/// The key in use, read again once `ttl` has passed, or sooner (once per `ttl`) when a
/// token's signature fails after a rotation.
pub struct KeyCache<S> {
    source: S,
    ttl: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    current: Option<(Arc<SigningKey>, Instant)>,
    last_early_read: Option<Instant>,
}

impl<S: KeySource> KeyCache<S> {
    pub fn new(source: S, ttl: Duration) -> Self {
        Self {
            source,
            ttl,
            state: Mutex::new(State::default()),
        }
    }

    /// The key to verify with at `now`: the cached one while it is fresh, else read again.
    pub async fn key(&self, now: Instant) -> Result<Arc<SigningKey>, SecretError> {
        let mut state = self.state.lock().await;
        if let Some((key, read_at)) = &state.current {
            if now.saturating_duration_since(*read_at) < self.ttl {
                return Ok(Arc::clone(key));
            }
        }
        let key = Arc::new(self.source.fetch().await?);
        state.current = Some((Arc::clone(&key), now));
        Ok(key)
    }

    /// After a signature failure with `used`: a newer key to try, if the secret may be
    /// read early now (once per TTL) and holds another version than `used`. `None`: no
    /// retry (too soon, the same version, or the read failed, which is returned as is).
    pub async fn newer_key(
        &self,
        used: &SigningKey,
        now: Instant,
    ) -> Result<Option<Arc<SigningKey>>, SecretError> {
        let mut state = self.state.lock().await;
        if let Some((key, _)) = &state.current {
            if key.version_id != used.version_id {
                // Another request already read a newer version.
                return Ok(Some(Arc::clone(key)));
            }
        }
        if state
            .last_early_read
            .is_some_and(|at| now.saturating_duration_since(at) < self.ttl)
        {
            return Ok(None);
        }
        state.last_early_read = Some(now);
        let key = Arc::new(self.source.fetch().await?);
        state.current = Some((Arc::clone(&key), now));
        Ok((key.version_id != used.version_id).then_some(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex as StdMutex;

    /// Hands out the versions it holds, counting reads.
    struct Versions {
        current: StdMutex<Result<(String, String), ()>>,
        reads: AtomicUsize,
    }

    impl Versions {
        fn new(key: &str, version: &str) -> Self {
            Self {
                current: StdMutex::new(Ok((key.to_owned(), version.to_owned()))),
                reads: AtomicUsize::new(0),
            }
        }
        fn rotate(&self, key: &str, version: &str) {
            *self.current.lock().unwrap() = Ok((key.to_owned(), version.to_owned()));
        }
    }

    impl KeySource for &Versions {
        async fn fetch(&self) -> Result<SigningKey, SecretError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            match self.current.lock().unwrap().clone() {
                Ok((key, version)) => {
                    Ok(SigningKey::from_secret_string(&key, Some(version)).unwrap())
                }
                Err(()) => Err(SecretError::NotFound {
                    arn: "arn:test".into(),
                }),
            }
        }
    }

    const KEY_1: &str = "0123456789abcdef0123456789abcdef-one";
    const KEY_2: &str = "0123456789abcdef0123456789abcdef-two";

    #[tokio::test]
    async fn the_key_is_read_once_per_ttl() {
        let source = Versions::new(KEY_1, "v1");
        let cache = KeyCache::new(&source, Duration::from_secs(300));
        let t0 = Instant::now();
        cache.key(t0).await.unwrap();
        cache.key(t0 + Duration::from_secs(299)).await.unwrap();
        assert_eq!(source.reads.load(Ordering::SeqCst), 1);
        source.rotate(KEY_2, "v2");
        let key = cache.key(t0 + Duration::from_secs(300)).await.unwrap();
        assert_eq!(key.version_id.as_deref(), Some("v2"));
        assert_eq!(source.reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_signature_failure_reads_early_at_most_once_per_ttl() {
        let source = Versions::new(KEY_1, "v1");
        let cache = KeyCache::new(&source, Duration::from_secs(300));
        let t0 = Instant::now();
        let old = cache.key(t0).await.unwrap();
        source.rotate(KEY_2, "v2");
        let newer = cache
            .newer_key(&old, t0 + Duration::from_secs(1))
            .await
            .unwrap();
        assert_eq!(newer.unwrap().version_id.as_deref(), Some("v2"));
        assert_eq!(source.reads.load(Ordering::SeqCst), 2);
        // More bad tokens within the TTL: no more reads.
        let current = cache.key(t0 + Duration::from_secs(2)).await.unwrap();
        for s in 3..10 {
            assert!(cache
                .newer_key(&current, t0 + Duration::from_secs(s))
                .await
                .unwrap()
                .is_none());
        }
        assert_eq!(source.reads.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_short_key_is_refused_without_quoting_it() {
        let err = SigningKey::from_secret_string("tooshort-s3cr3t", None).unwrap_err();
        assert!(err.contains("at least 32"), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");
        assert!(
            !format!("{:?}", SigningKey::from_secret_string(KEY_1, None).unwrap()).contains("0123")
        );
    }
}
