//! The health endpoint: answers API Gateway REST proxy events (payload format 1.0).
//!
//! `GET /health` (and `HEAD`) answers 200 with the release it runs, so a deploy check or a
//! rollback check can tell which version is live; other paths answer 404 and other
//! methods on `/health` 405, both as JSON.

use serde_json::{json, Value};

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

/// The proxy response (statusCode, headers, body) for one proxy event.
pub fn respond(event: &Value, release: &Release) -> Value {
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
    let path = path.trim_end_matches('/');
    let (status, body, allow) = match (path, method) {
        ("/health", "GET" | "HEAD") => (
            200,
            json!({"status": "ok", "app_version": release.app_version, "function_version": release.function_version}),
            None,
        ),
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

    #[test]
    fn health_answers_ok_with_the_release() {
        let r = respond(&event("GET", "/health"), &release());
        assert_eq!(r["statusCode"], 200);
        assert_eq!(r["headers"]["content-type"], "application/json");
        assert_eq!(
            body(&r),
            json!({"status": "ok", "app_version": "v1.4.2", "function_version": "7"})
        );
    }

    #[test]
    fn trailing_slash_is_the_same_route() {
        assert_eq!(
            respond(&event("GET", "/health/"), &release())["statusCode"],
            200
        );
    }

    #[test]
    fn head_has_no_body() {
        let r = respond(&event("HEAD", "/health"), &release());
        assert_eq!(r["statusCode"], 200);
        assert_eq!(r["body"], "");
    }

    #[test]
    fn other_methods_are_refused_with_allow() {
        let r = respond(&event("POST", "/health"), &release());
        assert_eq!(r["statusCode"], 405);
        assert_eq!(r["headers"]["allow"], "GET, HEAD");
    }

    #[test]
    fn unknown_paths_are_404() {
        let r = respond(&event("GET", "/admin"), &release());
        assert_eq!(r["statusCode"], 404);
        assert_eq!(body(&r)["message"], "no route for /admin");
    }

    #[test]
    fn the_route_is_used_when_the_path_is_missing() {
        let r = respond(
            &json!({"resource": "/health", "httpMethod": "GET"}),
            &release(),
        );
        assert_eq!(r["statusCode"], 200);
    }
}
