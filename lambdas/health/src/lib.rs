//! The health endpoint: answers API Gateway REST proxy events (payload format 1.0).
//!
//! `GET /health` (and `HEAD`) answers with the release it runs, so a deploy check or a
//! rollback check can tell which version is live, and checks the database: its secret
//! is readable and a TCP connection to the cluster endpoint opens within a short
//! timeout. 200 when every check passes, 503 naming the failed check otherwise. Other
//! paths answer 404 and other methods on `/health` 405, both as JSON.
//!
//! The database check is configured by `DB_SECRET_ARN`, `DB_HOST`, `DB_PORT` (default
//! 5432) and `DB_CHECK_TIMEOUT_MS` (default 1000); without `DB_SECRET_ARN` and `DB_HOST`
//! the answer says `"database": "not configured"` (the function runs without a
//! database, as in the modules' examples).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

/// A successful secret read is trusted this long: the health route is polled (and load
/// tested), and Secrets Manager is billed and throttled per call.
pub const SECRET_CHECK_TTL: Duration = Duration::from_secs(60);

/// What the function knows about itself, read once at start-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    /// `APP_VERSION`, set by modules/compute from its `app_version` input.
    pub app_version: String,
    /// `AWS_LAMBDA_FUNCTION_VERSION`, the published Lambda version (`$LATEST` when unpublished).
    pub function_version: String,
}

impl Release {
    pub fn from_env() -> Self {
        let var = |name: &str, default: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        Self {
            app_version: var("APP_VERSION", "unknown"),
            function_version: var("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        }
    }
}

/// Where the database is: its secret and its endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Database {
    pub secret_arn: String,
    pub host: String,
    pub port: u16,
    pub timeout: Duration,
}

impl Database {
    /// `None` when neither `DB_SECRET_ARN` nor `DB_HOST` is set; an error names the
    /// variable that is wrong.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, String> {
        let get = |n: &str| {
            lookup(n)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let (secret_arn, host) = match (get("DB_SECRET_ARN"), get("DB_HOST")) {
            (None, None) => return Ok(None),
            (Some(s), Some(h)) => (s, h),
            (Some(_), None) => return Err("DB_SECRET_ARN is set but DB_HOST is not: set DB_HOST to the cluster endpoint (modules/database output endpoint)".into()),
            (None, Some(_)) => return Err("DB_HOST is set but DB_SECRET_ARN is not: set DB_SECRET_ARN to the database secret's ARN".into()),
        };
        let port = match get("DB_PORT") {
            None => 5432,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("DB_PORT={p:?} is not a TCP port (1-65535)"))?,
        };
        let timeout = match get("DB_CHECK_TIMEOUT_MS") {
            None => Duration::from_millis(1000),
            Some(t) => Duration::from_millis(
                t.parse::<u64>()
                    .ok()
                    .filter(|t| (50..=10_000).contains(t))
                    .ok_or_else(|| {
                        format!("DB_CHECK_TIMEOUT_MS={t:?} is not a whole number from 50 to 10000")
                    })?,
            ),
        };
        Ok(Some(Self {
            secret_arn,
            host,
            port,
            timeout,
        }))
    }
}

/// One check's result. `detail` never holds a secret's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

/// Runs the database checks.
pub struct Checker {
    database: Option<Database>,
    secrets: Option<aws_sdk_secretsmanager::Client>,
    secret_ok_at: Mutex<Option<Instant>>,
}

impl Checker {
    pub fn new(
        database: Option<Database>,
        secrets: Option<aws_sdk_secretsmanager::Client>,
    ) -> Self {
        Self {
            database,
            secrets,
            secret_ok_at: Mutex::new(None),
        }
    }

    /// Every check, in order; empty when no database is configured.
    pub async fn run(&self) -> Vec<CheckResult> {
        let Some(db) = &self.database else {
            return Vec::new();
        };
        let (secret, connect) = tokio::join!(self.secret(db), connect(db));
        vec![secret, connect]
    }

    async fn secret(&self, db: &Database) -> CheckResult {
        let name = "database_secret";
        let fresh = self
            .secret_ok_at
            .lock()
            .ok()
            .and_then(|g| *g)
            .is_some_and(|at| at.elapsed() < SECRET_CHECK_TTL);
        if fresh {
            return CheckResult {
                name,
                ok: true,
                detail: "readable (checked within the last 60 s)".into(),
            };
        }
        let Some(client) = &self.secrets else {
            return CheckResult {
                name,
                ok: false,
                detail: "no Secrets Manager client".into(),
            };
        };
        let call = client.get_secret_value().secret_id(&db.secret_arn).send();
        let result = match tokio::time::timeout(db.timeout, call).await {
            Err(_) => Err(format!(
                "Secrets Manager did not answer within {} ms",
                db.timeout.as_millis()
            )),
            Ok(Err(e)) => {
                use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
                Err(match (e.code(), e.message()) {
                    (Some(c), Some(m)) => format!("GetSecretValue failed: {c}: {m}"),
                    (Some(c), None) => format!("GetSecretValue failed: {c}"),
                    _ => format!(
                        "GetSecretValue failed: {}",
                        aws_sdk_secretsmanager::error::DisplayErrorContext(&e)
                    ),
                })
            }
            Ok(Ok(out)) if out.secret_string().is_some_and(|s| !s.trim().is_empty()) => Ok(()),
            Ok(Ok(_)) => Err("the secret has no string value".into()),
        };
        match result {
            Ok(()) => {
                if let Ok(mut g) = self.secret_ok_at.lock() {
                    *g = Some(Instant::now());
                }
                CheckResult {
                    name,
                    ok: true,
                    detail: "readable".into(),
                }
            }
            Err(detail) => CheckResult {
                name,
                ok: false,
                detail: format!("{}: {detail}", db.secret_arn),
            },
        }
    }
}

/// A TCP connection to the endpoint opens within the timeout (DNS included).
async fn connect(db: &Database) -> CheckResult {
    let name = "database_connect";
    let started = Instant::now();
    let address = format!("{}:{}", db.host, db.port);
    let result = tokio::time::timeout(db.timeout, tokio::net::TcpStream::connect(&address)).await;
    match result {
        Ok(Ok(_stream)) => CheckResult {
            name,
            ok: true,
            detail: format!("{address} in {} ms", started.elapsed().as_millis()),
        },
        Ok(Err(e)) => CheckResult {
            name,
            ok: false,
            detail: format!("cannot connect to {address}: {e}"),
        },
        Err(_) => CheckResult {
            name,
            ok: false,
            detail: format!(
                "no connection to {address} within {} ms",
                db.timeout.as_millis()
            ),
        },
    }
}

fn method_and_path(event: &Value) -> (&str, String) {
    let method = event
        .get("httpMethod")
        .and_then(Value::as_str)
        .unwrap_or("GET");
    // `path` is the request path; `resource` the matched route. The stage is not part of `path`
    // for REST APIs invoked through their default endpoint.
    let path = event
        .get("path")
        .and_then(Value::as_str)
        .or_else(|| event.get("resource").and_then(Value::as_str))
        .unwrap_or("/");
    (method, path.trim_end_matches('/').to_owned())
}

/// Whether the event asks for the health route (the only one that runs the checks).
pub fn is_health_request(event: &Value) -> bool {
    let (method, path) = method_and_path(event);
    path == "/health" && matches!(method, "GET" | "HEAD")
}

/// The proxy response (statusCode, headers, body) for one proxy event. `checks` are
/// the database checks' results (empty: no database configured).
pub fn respond(event: &Value, release: &Release, checks: &[CheckResult]) -> Value {
    let (method, path) = method_and_path(event);
    let path = path.as_str();
    let (status, body, allow) = match (path, method) {
        ("/health", "GET" | "HEAD") => {
            let failed: Vec<&str> = checks.iter().filter(|c| !c.ok).map(|c| c.name).collect();
            let mut results = Map::new();
            for c in checks {
                results.insert(
                    c.name.into(),
                    json!({"status": if c.ok { "ok" } else { "fail" }, "detail": c.detail}),
                );
            }
            let mut body = json!({
                "status": if failed.is_empty() { "ok" } else { "fail" },
                "app_version": release.app_version,
                "function_version": release.function_version,
            });
            if checks.is_empty() {
                body["database"] = Value::from("not configured");
            } else {
                body["checks"] = Value::Object(results);
            }
            if failed.is_empty() {
                (200, body, None)
            } else {
                body["failed"] = json!(failed);
                body["message"] = Value::from(format!("failed: {}", failed.join(", ")));
                (503, body, None)
            }
        }
        ("/health", _) => (
            405,
            json!({"message": format!("method {method} not allowed on /health")}),
            Some("GET, HEAD"),
        ),
        _ => (
            404,
            json!({"message": format!("no route for {path}")}),
            None,
        ),
    };
    let mut headers = json!({
        "content-type": "application/json",
        "cache-control": "no-store",
    });
    if let (Some(allow), Some(map)) = (allow, headers.as_object_mut()) {
        map.insert("allow".into(), Value::from(allow));
    }
    let body = if method == "HEAD" {
        String::new()
    } else {
        body.to_string()
    };
    json!({"statusCode": status, "headers": headers, "body": body, "isBase64Encoded": false})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release() -> Release {
        Release {
            app_version: "v1.4.2".into(),
            function_version: "7".into(),
        }
    }

    fn event(method: &str, path: &str) -> Value {
        json!({"resource": path, "path": path, "httpMethod": method, "headers": {}, "requestContext": {"stage": "live"}})
    }

    fn body(response: &Value) -> Value {
        serde_json::from_str(response["body"].as_str().unwrap()).unwrap()
    }

    fn check(name: &'static str, ok: bool) -> CheckResult {
        CheckResult {
            name,
            ok,
            detail: format!("{name} detail"),
        }
    }

    #[test]
    fn health_answers_ok_with_the_release() {
        let r = respond(&event("GET", "/health"), &release(), &[]);
        assert_eq!(r["statusCode"], 200);
        assert_eq!(r["headers"]["content-type"], "application/json");
        assert_eq!(
            body(&r),
            json!({"status": "ok", "app_version": "v1.4.2", "function_version": "7", "database": "not configured"})
        );
    }

    #[test]
    fn passing_database_checks_are_listed() {
        let checks = [
            check("database_secret", true),
            check("database_connect", true),
        ];
        let r = respond(&event("GET", "/health"), &release(), &checks);
        assert_eq!(r["statusCode"], 200);
        let b = body(&r);
        assert_eq!(b["status"], "ok");
        assert_eq!(b["checks"]["database_connect"]["status"], "ok");
    }

    #[test]
    fn a_failed_check_is_a_503_that_names_it() {
        let checks = [
            check("database_secret", true),
            check("database_connect", false),
        ];
        let r = respond(&event("GET", "/health"), &release(), &checks);
        assert_eq!(r["statusCode"], 503);
        let b = body(&r);
        assert_eq!(b["status"], "fail");
        assert_eq!(b["failed"], json!(["database_connect"]));
        assert_eq!(
            b["checks"]["database_connect"]["detail"],
            "database_connect detail"
        );
        assert_eq!(b["app_version"], "v1.4.2");
    }

    #[test]
    fn trailing_slash_is_the_same_route() {
        assert_eq!(
            respond(&event("GET", "/health/"), &release(), &[])["statusCode"],
            200
        );
        assert!(is_health_request(&event("HEAD", "/health/")));
        assert!(!is_health_request(&event("POST", "/health")));
        assert!(!is_health_request(&event("GET", "/admin")));
    }

    #[test]
    fn head_has_no_body() {
        let r = respond(
            &event("HEAD", "/health"),
            &release(),
            &[check("database_connect", false)],
        );
        assert_eq!(r["statusCode"], 503);
        assert_eq!(r["body"], "");
    }

    #[test]
    fn other_methods_are_refused_with_allow() {
        let r = respond(&event("POST", "/health"), &release(), &[]);
        assert_eq!(r["statusCode"], 405);
        assert_eq!(r["headers"]["allow"], "GET, HEAD");
    }

    #[test]
    fn unknown_paths_are_404() {
        let r = respond(&event("GET", "/admin"), &release(), &[]);
        assert_eq!(r["statusCode"], 404);
        assert_eq!(body(&r)["message"], "no route for /admin");
    }

    #[test]
    fn the_route_is_used_when_the_path_is_missing() {
        let r = respond(
            &json!({"resource": "/health", "httpMethod": "GET"}),
            &release(),
            &[],
        );
        assert_eq!(r["statusCode"], 200);
    }

    #[test]
    fn database_settings_are_read_and_checked() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |n: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(Database::from_lookup(env(&[])).unwrap(), None);
        let db = Database::from_lookup(env(&[
            ("DB_SECRET_ARN", "arn:s"),
            ("DB_HOST", "db.example"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!((db.port, db.timeout), (5432, Duration::from_secs(1)));
        assert!(Database::from_lookup(env(&[("DB_SECRET_ARN", "arn:s")]))
            .unwrap_err()
            .contains("DB_HOST"));
        assert!(Database::from_lookup(env(&[
            ("DB_SECRET_ARN", "a"),
            ("DB_HOST", "h"),
            ("DB_PORT", "0")
        ]))
        .unwrap_err()
        .contains("DB_PORT"));
        assert!(Database::from_lookup(env(&[
            ("DB_SECRET_ARN", "a"),
            ("DB_HOST", "h"),
            ("DB_CHECK_TIMEOUT_MS", "5")
        ]))
        .unwrap_err()
        .contains("DB_CHECK_TIMEOUT_MS"));
    }
}
