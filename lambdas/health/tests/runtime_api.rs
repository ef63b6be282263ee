//! The built `health` binary against a stand-in of the Lambda Runtime API on loopback: it
//! must fetch an API Gateway proxy event, answer it through the Runtime API, and report
//! the release it runs. This is the loop provided.al2023 drives in Lambda.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use serde_json::{json, Value};

const REQUEST_ID: &str = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";

/// One HTTP/1.1 request: method, path, body.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, String, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut length = 0;
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
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((method, path, body))
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

/// Serves one invocation of `event`, then sends what the function posted back.
fn runtime_api(listener: TcpListener, event: Value, posted: mpsc::Sender<(String, Value)>) {
    let mut served = false;
    for stream in listener.incoming() {
        let Ok(stream) = stream else { return };
        let mut writer = stream.try_clone().unwrap();
        let mut reader = BufReader::new(stream);
        while let Some((method, path, body)) = read_request(&mut reader) {
            match (method.as_str(), path.as_str()) {
                ("GET", "/2018-06-01/runtime/invocation/next") if !served => {
                    served = true;
                    let deadline = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .as_millis()
                        + 30_000;
                    let headers = [
                        ("lambda-runtime-aws-request-id", REQUEST_ID.to_owned()),
                        ("lambda-runtime-deadline-ms", deadline.to_string()),
                        ("lambda-runtime-invoked-function-arn", "arn:aws:lambda:us-east-1:123456789012:function:opsdeck-api:live".to_owned()),
                        ("lambda-runtime-trace-id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1".to_owned()),
                    ];
                    respond(&mut writer, "200 OK", &headers, &event.to_string());
                }
                ("GET", "/2018-06-01/runtime/invocation/next") => return, // the test is over
                ("POST", path) => {
                    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let _ = posted.send((path.to_owned(), value));
                    respond(&mut writer, "202 Accepted", &[], "{\"status\":\"OK\"}");
                }
                _ => respond(&mut writer, "404 Not Found", &[], "{}"),
            }
        }
    }
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Plays Secrets Manager's GetSecretValue: the secret exists, or it does not.
fn secrets_manager(exists: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let mut writer = stream.try_clone().unwrap();
            let mut reader = BufReader::new(stream);
            while let Some((_, _, body)) = read_request(&mut reader) {
                let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                if exists {
                    let answer = json!({"ARN": request["SecretId"], "Name": "db", "VersionId": "v1",
                        "SecretString": "{\"username\":\"app\",\"password\":\"not-shown\"}"});
                    respond(&mut writer, "200 OK", &[], &answer.to_string());
                } else {
                    respond(
                        &mut writer,
                        "400 Bad Request",
                        &[("x-amzn-errortype", "ResourceNotFoundException".into())],
                        r#"{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}"#,
                    );
                }
            }
        }
    });
    format!("http://{address}")
}

const SECRET_ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";

fn invoke(event: Value) -> (String, Value) {
    invoke_with(event, &[])
}

fn invoke_with(event: Value, env: &[(&str, String)]) -> (String, Value) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || runtime_api(listener, event, tx));
    let _function = Running(
        Command::new(env!("CARGO_BIN_EXE_health"))
            .env_clear()
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "opsdeck-api")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "7")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/opsdeck-api")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[7]abc")
            .env("APP_VERSION", "v1.4.2")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    rx.recv_timeout(Duration::from_secs(20))
        .expect("the function posted no response within 20 s")
}

#[test]
fn answers_the_health_route_through_the_runtime_api() {
    let event = json!({"resource": "/health", "path": "/health", "httpMethod": "GET", "headers": {}, "requestContext": {"stage": "live"}});
    let (path, response) = invoke(event);
    assert_eq!(
        path,
        format!("/2018-06-01/runtime/invocation/{REQUEST_ID}/response")
    );
    assert_eq!(response["statusCode"], 200);
    let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"status": "ok", "app_version": "v1.4.2", "function_version": "7", "database": "not configured"})
    );
}

fn health_event() -> Value {
    json!({"resource": "/health", "path": "/health", "httpMethod": "GET", "headers": {}, "requestContext": {"stage": "live"}})
}

fn database_env(secrets_endpoint: String, port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", secrets_endpoint),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("DB_SECRET_ARN", SECRET_ARN.into()),
        ("DB_HOST", "127.0.0.1".into()),
        ("DB_PORT", port.to_string()),
        ("DB_CHECK_TIMEOUT_MS", "2000".into()),
    ]
}

fn body_of(response: &Value) -> Value {
    serde_json::from_str(response["body"].as_str().unwrap()).unwrap()
}

#[test]
fn a_reachable_database_with_a_readable_secret_is_healthy() {
    // Stands for the cluster endpoint: a listener that accepts connections.
    let database = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = database.local_addr().unwrap().port();
    let (_, response) = invoke_with(health_event(), &database_env(secrets_manager(true), port));
    let body = body_of(&response);
    assert_eq!(response["statusCode"], 200, "{body}");
    assert_eq!(body["checks"]["database_secret"]["status"], "ok", "{body}");
    assert_eq!(body["checks"]["database_connect"]["status"], "ok", "{body}");
    assert!(
        !response.to_string().contains("not-shown"),
        "the secret's value leaked: {response}"
    );
}

#[test]
fn an_unreachable_database_is_a_503_naming_the_connect_check() {
    // A port with nothing listening: bind, note the port, close.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (_, response) = invoke_with(health_event(), &database_env(secrets_manager(true), port));
    let body = body_of(&response);
    assert_eq!(response["statusCode"], 503, "{body}");
    assert_eq!(body["failed"], json!(["database_connect"]), "{body}");
    assert!(
        body["checks"]["database_connect"]["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("127.0.0.1:{port}")),
        "{body}"
    );
}

#[test]
fn a_missing_secret_is_a_503_naming_the_secret_check() {
    let database = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = database.local_addr().unwrap().port();
    let (_, response) = invoke_with(health_event(), &database_env(secrets_manager(false), port));
    let body = body_of(&response);
    assert_eq!(response["statusCode"], 503, "{body}");
    assert_eq!(body["failed"], json!(["database_secret"]), "{body}");
    let detail = body["checks"]["database_secret"]["detail"]
        .as_str()
        .unwrap();
    assert!(
        detail.contains("ResourceNotFoundException") && detail.contains(SECRET_ARN),
        "{detail}"
    );
}

#[test]
fn unknown_routes_are_answered_not_failed() {
    let (path, response) =
        invoke(json!({"resource": "/{proxy+}", "path": "/nope", "httpMethod": "GET"}));
    assert!(path.ends_with("/response"), "{path}");
    assert_eq!(response["statusCode"], 404);
}
