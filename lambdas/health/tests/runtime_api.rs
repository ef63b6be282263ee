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

fn invoke(event: Value) -> (String, Value) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || runtime_api(listener, event, tx));
    let _function = Running(
        Command::new(env!("CARGO_BIN_EXE_health"))
            .env_clear()
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
        json!({"status": "ok", "app_version": "v1.4.2", "function_version": "7"})
    );
}

#[test]
fn unknown_routes_are_answered_not_failed() {
    let (path, response) =
        invoke(json!({"resource": "/{proxy+}", "path": "/nope", "httpMethod": "GET"}));
    assert!(path.ends_with("/response"), "{path}");
    assert_eq!(response["statusCode"], 404);
}
