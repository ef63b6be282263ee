//! The decisions of the authorizer, on tokens made with jsonwebtoken itself.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use lambda_runtime::Diagnostic;
use serde_json::{json, Value};

use crate::config::{Config, JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET_ARN};
use crate::handler::api_wide_resource;
use crate::verify::Rejection;
use crate::{Authorizer, AuthorizerError, KeySource, SecretError, SigningKey};

const KEY: &str = "test-signing-key-0123456789abcdef0123456789";
const OTHER_KEY: &str = "another-signing-key-0123456789abcdef012345";
const METHOD_ARN: &str =
    "arn:aws:execute-api:ap-northeast-1:123456789012:a1b2c3d4e5/live/GET/api/orders/42";

/// A fixed key, or none at all; counts reads.
struct Fixed {
    key: Option<&'static str>,
    reads: AtomicUsize,
}

impl KeySource for &Fixed {
    async fn fetch(&self) -> Result<SigningKey, SecretError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        match self.key {
            Some(k) => Ok(SigningKey::from_secret_string(k, Some("v1".into())).unwrap()),
            None => Err(SecretError::AccessDenied {
                arn: "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:jwt".into(),
                detail: "not authorized to perform secretsmanager:GetSecretValue".into(),
            }),
        }
    }
}

fn fixed(key: Option<&'static str>) -> Fixed {
    Fixed {
        key,
        reads: AtomicUsize::new(0),
    }
}

fn config(extra: &[(&str, &str)]) -> Config {
    let arn = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:opsdeck-prod/jwt-signing-secret-AbCdEf";
    Config::from_lookup(|name| {
        if name == JWT_SECRET_ARN {
            return Some(arn.to_owned());
        }
        extra
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    })
    .unwrap()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn token_with(alg: Algorithm, key: &str, claims: Value) -> String {
    encode(
        &Header::new(alg),
        &claims,
        &EncodingKey::from_secret(key.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn token(claims: Value) -> String {
    token_with(Algorithm::HS256, KEY, claims)
}

fn valid_claims() -> Value {
    json!({"sub": "user-42", "exp": now() + 600, "iat": now()})
}

fn event(authorization: &str) -> Value {
    json!({"type": "TOKEN", "authorizationToken": authorization, "methodArn": METHOD_ARN})
}

async fn decide(config: &Config, authorization: &str) -> Result<Value, AuthorizerError> {
    let source = fixed(Some(KEY));
    Authorizer::new(config, &source)
        .handle(&event(authorization))
        .await
}

async fn refused(config: &Config, authorization: &str) -> Rejection {
    match decide(config, authorization).await {
        Err(AuthorizerError::Unauthorized(reason)) => {
            let diagnostic = Diagnostic::from(AuthorizerError::Unauthorized(reason.clone()));
            // API Gateway answers 401 only for exactly this message.
            assert_eq!(diagnostic.error_message, "Unauthorized");
            reason
        }
        other => panic!("expected Unauthorized, got {other:?}"),
    }
}

#[tokio::test]
async fn a_valid_token_gets_an_api_wide_allow_for_its_subject() {
    let answer = decide(&config(&[]), &format!("Bearer {}", token(valid_claims())))
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({
            "principalId": "user-42",
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    "Resource": "arn:aws:execute-api:ap-northeast-1:123456789012:a1b2c3d4e5/live/*/*",
                }]
            },
            "context": {"sub": "user-42"},
        })
    );
}

#[tokio::test]
async fn the_scheme_is_case_insensitive() {
    assert!(
        decide(&config(&[]), &format!("bearer {}", token(valid_claims())))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let claims = json!({"sub": "user-42", "exp": now() - 120});
    assert_eq!(
        refused(&config(&[]), &format!("Bearer {}", token(claims))).await,
        Rejection::Expired
    );
}

#[tokio::test]
async fn a_token_without_exp_is_refused() {
    let claims = json!({"sub": "user-42"});
    assert_eq!(
        refused(&config(&[]), &format!("Bearer {}", token(claims))).await,
        Rejection::MissingClaim("exp".into())
    );
}

#[tokio::test]
async fn a_token_not_valid_yet_is_refused() {
    let claims = json!({"sub": "user-42", "exp": now() + 600, "nbf": now() + 300});
    assert_eq!(
        refused(&config(&[]), &format!("Bearer {}", token(claims))).await,
        Rejection::NotYetValid
    );
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_refused() {
    let forged = token_with(Algorithm::HS256, OTHER_KEY, valid_claims());
    assert_eq!(
        refused(&config(&[]), &format!("Bearer {forged}")).await,
        Rejection::BadSignature
    );
}

#[tokio::test]
async fn an_unsigned_token_is_refused() {
    let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let unsigned = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT"})),
        b64(valid_claims())
    );
    assert_eq!(
        refused(&config(&[]), &format!("Bearer {unsigned}")).await,
        Rejection::WrongAlgorithm
    );
    // "None" spelled otherwise, with the real signature of HS256 appended: still refused.
    let signed = token(valid_claims());
    let signature = signed.rsplit('.').next().unwrap();
    let relabelled = format!(
        "{}.{}.{signature}",
        b64(json!({"alg": "None", "typ": "JWT"})),
        b64(valid_claims())
    );
    assert_eq!(
        refused(&config(&[]), &format!("Bearer {relabelled}")).await,
        Rejection::WrongAlgorithm
    );
}

#[tokio::test]
async fn another_algorithm_is_refused_even_with_the_right_key() {
    let hs512 = token_with(Algorithm::HS512, KEY, valid_claims());
    assert_eq!(
        refused(&config(&[]), &format!("Bearer {hs512}")).await,
        Rejection::WrongAlgorithm
    );
}

#[tokio::test]
async fn a_missing_or_other_scheme_is_refused() {
    let t = token(valid_claims());
    for authorization in [
        t.clone(),
        format!("Basic {t}"),
        "Bearer ".into(),
        String::new(),
    ] {
        assert_eq!(
            refused(&config(&[]), &authorization).await,
            Rejection::MissingBearer
        );
    }
    let source = fixed(Some(KEY));
    let no_header = Authorizer::new(&config(&[]), &source)
        .handle(&json!({"type": "TOKEN", "methodArn": METHOD_ARN}))
        .await;
    assert!(matches!(
        no_header,
        Err(AuthorizerError::Unauthorized(Rejection::MissingBearer))
    ));
    // Refused before the key is read.
    assert_eq!(source.reads.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn the_audience_and_issuer_are_checked_when_configured() {
    let strict = config(&[
        (JWT_AUDIENCE, "web"),
        (JWT_ISSUER, "https://app.example.com"),
    ]);
    let claims = |aud: &str, iss: &str| json!({"sub": "user-42", "exp": now() + 600, "aud": aud, "iss": iss});
    let bearer = |c: Value| format!("Bearer {}", token(c));
    assert!(
        decide(&strict, &bearer(claims("web", "https://app.example.com")))
            .await
            .is_ok()
    );
    assert_eq!(
        refused(&strict, &bearer(claims("admin", "https://app.example.com"))).await,
        Rejection::WrongAudience
    );
    assert_eq!(
        refused(&strict, &bearer(claims("web", "https://evil.example"))).await,
        Rejection::WrongIssuer
    );
    // One claim missing at a time: the library checks required claims in no fixed order.
    let without = |claim: &str| {
        let mut c = claims("web", "https://app.example.com");
        c.as_object_mut().unwrap().remove(claim);
        bearer(c)
    };
    for claim in ["iss", "aud"] {
        assert_eq!(
            refused(&strict, &without(claim)).await,
            Rejection::MissingClaim(claim.into())
        );
    }
}

#[tokio::test]
async fn a_token_without_a_subject_is_refused() {
    let claims = json!({"exp": now() + 600});
    assert!(matches!(
        refused(&config(&[]), &format!("Bearer {}", token(claims))).await,
        Rejection::MissingClaim(c) if c == "sub"
    ));
}

#[tokio::test]
async fn an_unreadable_secret_is_an_error_not_a_401() {
    let source = fixed(None);
    let result = Authorizer::new(&config(&[]), &source)
        .handle(&event(&format!("Bearer {}", token(valid_claims()))))
        .await;
    let Err(e @ AuthorizerError::Secret(_)) = result else {
        panic!("expected a secret error, got {result:?}");
    };
    let sentence = e.to_string();
    assert!(sentence.contains("GetSecretValue"), "{sentence}");
    let diagnostic = Diagnostic::from(e);
    assert_ne!(diagnostic.error_message, "Unauthorized");
    assert!(!diagnostic.error_message.contains("arn:"));
}

#[tokio::test]
async fn the_key_is_read_once_for_many_tokens() {
    let source = fixed(Some(KEY));
    let authorizer = Authorizer::new(&config(&[]), &source);
    for _ in 0..5 {
        authorizer
            .handle(&event(&format!("Bearer {}", token(valid_claims()))))
            .await
            .unwrap();
    }
    assert_eq!(source.reads.load(Ordering::SeqCst), 1);
    // A bad signature reads early once (a rotation may have happened), then not again.
    let forged = format!(
        "Bearer {}",
        token_with(Algorithm::HS256, OTHER_KEY, valid_claims())
    );
    for _ in 0..5 {
        assert!(authorizer.handle(&event(&forged)).await.is_err());
    }
    assert_eq!(source.reads.load(Ordering::SeqCst), 2);
}

#[test]
fn the_policy_covers_every_route_of_the_stage() {
    assert_eq!(
        api_wide_resource(METHOD_ARN).as_deref(),
        Some("arn:aws:execute-api:ap-northeast-1:123456789012:a1b2c3d4e5/live/*/*")
    );
    assert_eq!(
        api_wide_resource("arn:aws-cn:execute-api:cn-north-1:123456789012:abc/prod/POST/")
            .as_deref(),
        Some("arn:aws-cn:execute-api:cn-north-1:123456789012:abc/prod/*/*")
    );
    for bad in [
        "",
        "arn:aws:lambda:us-east-1:1:function:f",
        "arn:aws:execute-api:r:1:abc",
    ] {
        assert_eq!(api_wide_resource(bad), None, "{bad}");
    }
}
