//! The built `authorizer` binary against a stand-in of the Lambda Runtime API on loopback,
//! which also plays Secrets Manager (GetSecretValue, the AWS JSON 1.1 protocol): the loop
//! provided.al2023 drives in Lambda, with API Gateway's TOKEN events.
//!
//! Checks what API Gateway and an operator see: an allow policy for the stage's every
//! route, exactly "Unauthorized" for a bad token (API Gateway's 401), an error that is not
//! "Unauthorized" when the key cannot be read (500), the key read once for many events,
//! and JSON log lines that never hold the token or the key.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

const SECRET_ARN: &str =
    "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:opsdeck-prod/jwt-signing-secret-AbCdEf";
const KEY: &str = "runtime-test-signing-key-6f1d2c0e9b8a7f6e5d4c";
const METHOD_ARN: &str =
    "arn:aws:execute-api:ap-northeast-1:123456789012:a1b2c3d4e5/live/POST/api/orders";

struct Request {
    method: String,
    path: String,
    target: Option<String>,
    body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let (mut length, mut target) = (0, None);
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
            if name.eq_ignore_ascii_case("x-amz-target") {
                target = Some(value.trim().to_owned());
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        target,
        body,
    })
}

fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &str) {
    let mut text = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    let _ = stream.write_all(text.as_bytes());
}

/// What the stand-in saw: each posted outcome (path, body) and the secret reads.
struct Seen {
    outcomes: mpsc::Receiver<(String, Value)>,
    secret_reads: Arc<Mutex<usize>>,
}

/// Hands out `events` one per `next` (request ids "req-0", "req-1", ...), answers
/// GetSecretValue with `secret` (None: ResourceNotFoundException).
fn stand_in(listener: TcpListener, events: Vec<Value>, secret: Option<&'static str>) -> Seen {
    let (tx, outcomes) = mpsc::channel();
    let secret_reads = Arc::new(Mutex::new(0));
    let reads = Arc::clone(&secret_reads);
    let queue = Arc::new(Mutex::new(
        events.into_iter().enumerate().collect::<VecDeque<_>>(),
    ));
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let (tx, reads, queue) = (tx.clone(), Arc::clone(&reads), Arc::clone(&queue));
            // One thread per connection: the runtime keeps its `next` poll open on one
            // while the SDK talks to Secrets Manager on another.
            thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                while let Some(req) = read_request(&mut reader) {
                    if req.target.as_deref() == Some("secretsmanager.GetSecretValue") {
                        *reads.lock().unwrap() += 1;
                        let asked: Value = serde_json::from_slice(&req.body).unwrap_or_default();
                        match secret {
                            Some(value) if asked["SecretId"] == SECRET_ARN => respond(
                                &mut writer,
                                "200 OK",
                                &[],
                                &json!({"ARN": SECRET_ARN, "Name": "opsdeck-prod/jwt-signing-secret", "SecretString": value, "VersionId": "v1", "VersionStages": ["AWSCURRENT"], "CreatedDate": 1.7e9}).to_string(),
                            ),
                            _ => respond(
                                &mut writer,
                                "400 Bad Request",
                                &[("x-amzn-errortype", "ResourceNotFoundException".into())],
                                &json!({"__type": "ResourceNotFoundException", "message": "Secrets Manager can't find the specified secret."}).to_string(),
                            ),
                        }
                        continue;
                    }
                    match (req.method.as_str(), req.path.as_str()) {
                        ("GET", "/2018-06-01/runtime/invocation/next") => {
                            let next = queue.lock().unwrap().pop_front();
                            let Some((n, event)) = next else {
                                // Held open, as Lambda does while the environment is frozen.
                                thread::sleep(Duration::from_secs(3600));
                                return;
                            };
                            let deadline = SystemTime::now()
                                .duration_since(UNIX_EPOCH)
                                .unwrap()
                                .as_millis()
                                + 10_000;
                            let headers = [
                                ("lambda-runtime-aws-request-id", format!("req-{n}")),
                                ("lambda-runtime-deadline-ms", deadline.to_string()),
                                ("lambda-runtime-invoked-function-arn", "arn:aws:lambda:ap-northeast-1:123456789012:function:opsdeck-prod-authorizer:live".to_owned()),
                                ("lambda-runtime-trace-id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1".to_owned()),
                            ];
                            respond(&mut writer, "200 OK", &headers, &event.to_string());
                        }
                        ("POST", path) => {
                            let value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                            let _ = tx.send((path.to_owned(), value));
                            respond(&mut writer, "202 Accepted", &[], "{\"status\":\"OK\"}");
                        }
                        _ => respond(&mut writer, "404 Not Found", &[], "{}"),
                    }
                }
            });
        }
    });
    Seen {
        outcomes,
        secret_reads,
    }
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the binary on `events`; returns each outcome, the number of secret reads, and the
/// process's stdout (its log).
fn invoke(
    events: Vec<Value>,
    secret: Option<&'static str>,
) -> (Vec<(String, Value)>, usize, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let count = events.len();
    let seen = stand_in(listener, events, secret);
    let home = std::env::temp_dir().join(format!("authorizer-runtime-{}", std::process::id()));
    let mut function = Running(
        Command::new(env!("CARGO_BIN_EXE_authorizer"))
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "opsdeck-prod-authorizer")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "3")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
            .env(
                "AWS_LAMBDA_LOG_GROUP_NAME",
                "/aws/lambda/opsdeck-prod-authorizer",
            )
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[3]abc")
            .env("AWS_REGION", "ap-northeast-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env(
                "AWS_ENDPOINT_URL_SECRETS_MANAGER",
                format!("http://{address}"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", home.join("none"))
            .env("AWS_SHARED_CREDENTIALS_FILE", home.join("none"))
            .env("HOME", &home)
            .env("JWT_SECRET_ARN", SECRET_ARN)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let outcomes: Vec<(String, Value)> = (0..count)
        .map(|_| {
            seen.outcomes
                .recv_timeout(Duration::from_secs(20))
                .expect("the function posted no outcome within 20 s")
        })
        .collect();
    let _ = function.0.kill();
    let _ = function.0.wait();
    let mut log = String::new();
    if let Some(mut out) = function.0.stdout.take() {
        let _ = out.read_to_string(&mut log);
    }
    let reads = *seen.secret_reads.lock().unwrap();
    (outcomes, reads, log)
}

fn token(key: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": "user-42", "exp": now + 600, "iat": now}),
        &EncodingKey::from_secret(key.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn event(authorization: &str) -> Value {
    json!({"type": "TOKEN", "authorizationToken": authorization, "methodArn": METHOD_ARN})
}

fn assert_log_keeps_secrets(log: &str, tokens: &[&str]) {
    for line in log.lines() {
        let parsed: Result<Value, _> = serde_json::from_str(line);
        assert!(parsed.is_ok(), "every log line is JSON: {line}");
    }
    assert!(!log.contains(KEY), "the key is in the log");
    for t in tokens {
        // The signature part alone identifies a token.
        let signature = t.rsplit('.').next().unwrap();
        assert!(!log.contains(signature), "a token is in the log");
    }
}

#[test]
fn allows_valid_tokens_refuses_others_and_reads_the_key_once() {
    let good = token(KEY);
    let forged = token("another-key-with-enough-bytes-0123456789abcdef");
    let (outcomes, reads, log) = invoke(
        vec![
            event(&format!("Bearer {good}")),
            event(&format!("Bearer {good}")),
            event(&format!("Bearer {forged}")),
            event(&good),
        ],
        Some(KEY),
    );
    let (path, allow) = &outcomes[0];
    assert_eq!(path, "/2018-06-01/runtime/invocation/req-0/response");
    assert_eq!(allow["principalId"], "user-42");
    assert_eq!(allow["context"]["sub"], "user-42");
    assert_eq!(
        allow["policyDocument"]["Statement"],
        json!([{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "arn:aws:execute-api:ap-northeast-1:123456789012:a1b2c3d4e5/live/*/*"}])
    );
    assert_eq!(
        outcomes[1].0,
        "/2018-06-01/runtime/invocation/req-1/response"
    );
    for (n, (path, error)) in outcomes.iter().enumerate().skip(2) {
        assert_eq!(
            path,
            &format!("/2018-06-01/runtime/invocation/req-{n}/error")
        );
        assert_eq!(error["errorMessage"], "Unauthorized", "API Gateway's 401");
    }
    // One read at start, one early read after the bad signature (a rotation may have
    // happened), none for the rest.
    assert_eq!(reads, 2, "secret reads");
    assert!(
        log.contains("\"reason\""),
        "refusals are logged with their reason: {log}"
    );
    assert_log_keeps_secrets(&log, &[&good, &forged]);
}

#[test]
fn an_unreadable_key_is_a_500_with_the_service_and_operation_logged() {
    let good = token(KEY);
    let (outcomes, _, log) = invoke(vec![event(&format!("Bearer {good}"))], None);
    let (path, error) = &outcomes[0];
    assert_eq!(path, "/2018-06-01/runtime/invocation/req-0/error");
    assert_ne!(error["errorMessage"], "Unauthorized", "not a 401: {error}");
    assert_eq!(error["errorType"], "SigningKeyUnavailable");
    assert!(
        log.contains("\"service\":\"secretsmanager\"")
            && log.contains("\"operation\":\"GetSecretValue\""),
        "{log}"
    );
    assert!(log.contains(SECRET_ARN), "the log names the secret: {log}");
    assert_log_keeps_secrets(&log, &[&good]);
}
