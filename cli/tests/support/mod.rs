//! Local stand-ins on loopback for the pipeline tests: a tiny HTTP/1.1 server (thread per
//! connection, keep-alive) that answers with what a test's handler returns and records
//! every request; on top of it the application (the API a deploy verifies), GitHub's
//! Releases API and Slack's incoming webhook.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn json(status: u16, value: Value) -> Self {
        Self {
            status,
            body: value.to_string(),
            delay: Duration::ZERO,
        }
    }

    pub fn text(status: u16, body: &str) -> Self {
        Self {
            status,
            body: body.to_owned(),
            delay: Duration::ZERO,
        }
    }

    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// A server on 127.0.0.1; it stops accepting when dropped.
pub struct Server {
    pub url: String,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl Server {
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Handler = Arc::new(handler);
        {
            let requests = requests.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let handler = handler.clone();
                    let requests = requests.clone();
                    std::thread::spawn(move || serve(stream, &handler, &requests));
                }
            });
        }
        Self {
            url: format!("http://127.0.0.1:{port}"),
            requests,
            stop,
            port,
        }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    pub fn clear(&self) {
        self.requests.lock().unwrap().clear();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(stream: TcpStream, handler: &Handler, requests: &Mutex<Vec<Request>>) {
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
            return;
        };
        let (method, path) = (method.to_owned(), path.to_owned());
        let mut headers = Vec::new();
        let mut length = 0usize;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
                headers.push((k.trim().to_owned(), v.trim().to_owned()));
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let request = Request {
            method,
            path,
            headers,
            body,
        };
        let reply = handler(&request);
        requests.lock().unwrap().push(request);
        if !reply.delay.is_zero() {
            std::thread::sleep(reply.delay);
        }
        let text = format!(
            "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{}",
            reply.status,
            reply.body.len(),
            reply.body
        );
        if writer.write_all(text.as_bytes()).is_err() {
            return;
        }
    }
}

/// How the application answers for one version.
#[derive(Clone, Debug, Default)]
pub struct Behaviour {
    /// Status of /api/health (200 when unset).
    pub health_status: Option<u16>,
    /// Added to every answer.
    pub delay: Duration,
    /// Spread added on top of `delay`: request n waits `delay + (n mod 20) / 19 * jitter`,
    /// so latencies are spread evenly and the percentiles differ.
    pub jitter: Duration,
}

/// The application: which version is live is whatever `live` says (the test keeps it in
/// step with the Lambda function's APP_VERSION); each version behaves as configured.
pub struct App {
    pub server: Server,
    pub live: Arc<Mutex<String>>,
    pub behaviours: Arc<Mutex<HashMap<String, Behaviour>>>,
}

impl App {
    pub fn start() -> Self {
        let live = Arc::new(Mutex::new(String::from("none")));
        let behaviours: Arc<Mutex<HashMap<String, Behaviour>>> = Arc::default();
        let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let server = {
            let live = live.clone();
            let behaviours = behaviours.clone();
            Server::start(move |r| {
                let n = counter.fetch_add(1, Ordering::SeqCst) % 20;
                let version = live.lock().unwrap().clone();
                let b = behaviours
                    .lock()
                    .unwrap()
                    .get(&version)
                    .cloned()
                    .unwrap_or_default();
                let reply = match r.path.as_str() {
                    "/api/health" => {
                        let status = b.health_status.unwrap_or(200);
                        Reply::json(
                            status,
                            json!({"status": if status == 200 { "ok" } else { "fail" }, "app_version": version,
                                   "failed": if status == 200 { json!([]) } else { json!(["database_connect"]) }}),
                        )
                    }
                    "/api/items" => Reply::json(200, json!({"items": [], "version": version})),
                    _ => Reply::json(404, json!({"message": "no route"})),
                };
                reply.after(b.delay + b.jitter.mul_f64(n as f64 / 19.0))
            })
        };
        Self {
            server,
            live,
            behaviours,
        }
    }

    pub fn behave(&self, version: &str, b: Behaviour) {
        self.behaviours
            .lock()
            .unwrap()
            .insert(version.to_owned(), b);
    }
}

/// GitHub's Releases API: releases kept in memory; `failing` answers 500 to everything.
pub struct GitHub {
    pub server: Server,
    pub failing: Arc<AtomicBool>,
    pub releases: Arc<Mutex<Vec<Value>>>,
}

impl GitHub {
    pub fn start() -> Self {
        let failing = Arc::new(AtomicBool::new(false));
        let releases: Arc<Mutex<Vec<Value>>> = Arc::default();
        let server = {
            let failing = failing.clone();
            let releases = releases.clone();
            Server::start(move |r| {
                if failing.load(Ordering::SeqCst) {
                    return Reply::json(500, json!({"message": "Server Error"}));
                }
                if r.header("authorization") != Some("Bearer test-token") {
                    return Reply::json(401, json!({"message": "Bad credentials"}));
                }
                let mut all = releases.lock().unwrap();
                let prefix = "/repos/acme/shop/releases";
                if r.method == "GET" {
                    if let Some(tag) = r.path.strip_prefix(&format!("{prefix}/tags/")) {
                        return match all.iter().find(|x| x["tag_name"] == tag) {
                            Some(x) => Reply::json(200, x.clone()),
                            None => Reply::json(404, json!({"message": "Not Found"})),
                        };
                    }
                }
                if r.method == "POST" && r.path == prefix {
                    let req = r.json();
                    let id = all.len() as u64 + 1;
                    let tag = req["tag_name"].as_str().unwrap_or_default().to_owned();
                    let release = json!({"id": id, "tag_name": tag, "name": req["name"], "body": req["body"],
                        "target_commitish": req["target_commitish"],
                        "html_url": format!("https://github.example/acme/shop/releases/tag/{tag}")});
                    all.push(release.clone());
                    return Reply::json(201, release);
                }
                if r.method == "PATCH" {
                    if let Some(id) = r
                        .path
                        .strip_prefix(&format!("{prefix}/"))
                        .and_then(|i| i.parse::<u64>().ok())
                    {
                        if let Some(x) = all.iter_mut().find(|x| x["id"] == id) {
                            let req = r.json();
                            x["body"] = req["body"].clone();
                            x["name"] = req["name"].clone();
                            return Reply::json(200, x.clone());
                        }
                    }
                }
                Reply::json(404, json!({"message": "Not Found"}))
            })
        };
        Self {
            server,
            failing,
            releases,
        }
    }

    pub fn release(&self, tag: &str) -> Option<Value> {
        self.releases
            .lock()
            .unwrap()
            .iter()
            .find(|r| r["tag_name"] == tag)
            .cloned()
    }
}

/// Slack's incoming webhook: `down` answers 500.
pub struct Slack {
    pub server: Server,
    pub down: Arc<AtomicBool>,
}

impl Slack {
    pub fn start() -> Self {
        let down = Arc::new(AtomicBool::new(false));
        let server = {
            let down = down.clone();
            Server::start(move |_| {
                if down.load(Ordering::SeqCst) {
                    Reply::text(500, "internal_error")
                } else {
                    Reply::text(200, "ok")
                }
            })
        };
        Self { server, down }
    }

    /// The loopback receiver's webhook URL, in the shape of a Slack incoming webhook
    /// (`/services/<team>/<bot>/<token>`) so the CLI's URL check accepts it; the ids are
    /// dummies on purpose, nothing leaves 127.0.0.1.
    pub fn webhook(&self) -> String {
        format!("{}/services/T000/B000/XXXX", self.server.url)
    }

    /// The notification texts of the messages received, in order.
    pub fn texts(&self) -> Vec<String> {
        self.server
            .requests()
            .iter()
            .map(|r| r.json()["text"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}
