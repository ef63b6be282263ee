//! The checks: what a plan says about each requirement ID. A check passes or fails only on
//! values the plan holds; a value known only after apply, or a requirement about behaviour at
//! run time, makes it "not decidable from a plan", with the reason.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Evidence, Finding, Status};
use crate::plan::{Attr, Plan, Resource};
use crate::pricing::Estimate;

/// The largest detection time P4 accepts, in seconds ("within 5 minutes of the fault").
pub const P4_LIMIT_SECONDS: f64 = 300.0;

fn ev(r: &Resource, attribute: &str, value: impl Into<String>, ok: bool) -> Evidence {
    Evidence {
        address: r.address.clone(),
        attribute: attribute.into(),
        value: value.into(),
        ok,
    }
}

/// Pass when every evidence is ok, fail when one is not; `none` when there is nothing to check.
fn verdict(evidence: &[Evidence], none: Status) -> Status {
    if evidence.is_empty() {
        none
    } else if evidence.iter().all(|e| e.ok) {
        Status::Pass
    } else {
        Status::Fail
    }
}

/// A check over every resource of some types: one evidence line each.
fn each(
    plan: &Plan,
    kinds: &[&str],
    attribute: &str,
    ok: impl Fn(&Resource, Attr<'_>) -> bool,
) -> Vec<Evidence> {
    kinds
        .iter()
        .flat_map(|k| plan.of(k))
        .map(|r| {
            let a = r.attr(attribute);
            ev(r, attribute, a.show(), ok(r, a))
        })
        .collect()
}

/// Strings anywhere in a JSON value (policy documents, dashboard bodies, child alarms).
fn json_text(value: Attr<'_>) -> String {
    match value {
        Attr::Known(Value::String(s)) => s.clone(),
        Attr::Known(v) => v.to_string(),
        _ => String::new(),
    }
}

/// One finding: status, a one-sentence summary, the evidence.
fn finding(status: Status, summary: impl Into<String>, evidence: Vec<Evidence>) -> Finding {
    Finding {
        id: "",
        title: "",
        status,
        summary: summary.into(),
        evidence,
    }
}

fn summary_of(status: Status, pass: &str, fail: &str, none: &str) -> String {
    match status {
        Status::Pass => pass.into(),
        Status::Fail => fail.into(),
        Status::NotDecidable => none.into(),
    }
}

/// Every check, by requirement ID. IDs without an entry are reported as not decidable from a
/// plan with the generic reason of their group.
pub fn evaluate(plan: &Plan, estimate: &Estimate) -> BTreeMap<&'static str, Finding> {
    let mut out: BTreeMap<&'static str, Finding> = BTreeMap::new();
    database(plan, &mut out);
    functions(plan, &mut out);
    edge(plan, &mut out);
    secrets(plan, &mut out);
    network(plan, &mut out);
    monitoring(plan, &mut out);
    security(plan, &mut out);
    cost(plan, estimate, &mut out);
    compliance(plan, &mut out);
    properties(plan, estimate, &mut out);
    out
}

// ------------------------------------------------------------------------------------ R1.1

fn database(plan: &Plan, out: &mut BTreeMap<&'static str, Finding>) {
    let clusters: Vec<&Resource> = plan.of("aws_rds_cluster").collect();
    if clusters.is_empty() {
        for id in ["R1.1-a", "R1.1-b", "R1.1-c", "R1.1-d", "R1.1-e", "R1.1-f"] {
            out.insert(
                id,
                finding(Status::Fail, "the plan has no aws_rds_cluster", vec![]),
            );
        }
        return;
    }
    let instances: Vec<&Resource> = plan.of("aws_rds_cluster_instance").collect();
    let mut e = each(plan, &["aws_rds_cluster"], "engine", |_, a| {
        a.as_str().is_some_and(|s| s.starts_with("aurora"))
    });
    e.extend(instances.iter().map(|i| {
        let a = i.attr("instance_class");
        ev(
            i,
            "instance_class",
            a.show(),
            a.as_str() == Some("db.serverless"),
        )
    }));
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R1.1-a",
        finding(
            s,
            summary_of(
                s,
                "Aurora with Serverless v2 (db.serverless) instances",
                "not Aurora Serverless v2",
                "",
            ),
            e.clone(),
        ),
    );
    out.insert("R7.1-a", finding(s, "same evidence as R1.1-a", e));

    let mut e = Vec::new();
    for c in &clusters {
        let min = c.attr("serverlessv2_scaling_configuration.0.min_capacity");
        let max = c.attr("serverlessv2_scaling_configuration.0.max_capacity");
        e.push(ev(
            c,
            "serverlessv2_scaling_configuration.0.min_capacity",
            min.show(),
            min.as_f64() == Some(0.5),
        ));
        e.push(ev(
            c,
            "serverlessv2_scaling_configuration.0.max_capacity",
            max.show(),
            max.as_f64() == Some(2.0),
        ));
    }
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R1.1-b",
        finding(
            s,
            summary_of(
                s,
                "0.5 to 2.0 ACU",
                "the ACU range differs from 0.5-2.0",
                "",
            ),
            e,
        ),
    );

    let zones: BTreeSet<&str> = instances
        .iter()
        .filter_map(|i| i.attr("availability_zone").as_str())
        .collect();
    let unknown_zones = instances
        .iter()
        .any(|i| i.attr("availability_zone") == Attr::Unknown);
    let e: Vec<Evidence> = instances
        .iter()
        .map(|i| {
            ev(
                i,
                "availability_zone",
                i.attr("availability_zone").show(),
                true,
            )
        })
        .collect();
    let s = if zones.len() >= 2 {
        Status::Pass
    } else if unknown_zones && instances.len() >= 2 {
        Status::NotDecidable
    } else {
        Status::Fail
    };
    let text = format!(
        "{} instance(s) in {} known zone(s)",
        instances.len(),
        zones.len()
    );
    out.insert("R1.1-c", finding(s, text.clone(), e.clone()));
    out.insert("R6.3-b", finding(s, format!("database: {text}"), e.clone()));
    out.insert(
        "R6.3-c",
        finding(
            s,
            format!("Aurora promotes a reader in another zone when the writer fails: {text}"),
            e,
        ),
    );

    let e = each(
        plan,
        &["aws_rds_cluster"],
        "backup_retention_period",
        |_, a| a.as_f64().is_some_and(|d| d >= 7.0),
    );
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R1.1-d",
        finding(
            s,
            summary_of(
                s,
                "automated backups kept 7 days or more",
                "backup retention under 7 days",
                "",
            ),
            e,
        ),
    );

    let e = each(plan, &["aws_rds_cluster"], "storage_encrypted", |_, a| {
        a.as_bool() == Some(true)
    });
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R1.1-e",
        finding(
            s,
            summary_of(s, "storage encrypted with KMS", "storage not encrypted", ""),
            e.clone(),
        ),
    );
    out.insert("R4.4-a", finding(s, "same evidence as R1.1-e", e));

    let e = each(
        plan,
        &["aws_rds_cluster"],
        "manage_master_user_password",
        |_, a| a.as_bool() == Some(true),
    );
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R1.1-f",
        finding(
            s,
            summary_of(
                s,
                "the master password is an RDS-managed Secrets Manager secret",
                "the master password is not in Secrets Manager",
                "",
            ),
            e.clone(),
        ),
    );
    out.insert("R1.4-a", finding(s, "same evidence as R1.1-f", e.clone()));
    out.insert(
        "R1.4-d",
        finding(
            s,
            summary_of(
                s,
                "RDS rotates its managed master secret automatically (every 7 days unless changed)",
                "no managed, rotating master secret",
                "",
            ),
            e,
        ),
    );
}

// ------------------------------------------------------------------------------------ R1.2

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Api,
    Task,
    Helper,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Api => "API function",
            Kind::Task => "Step Functions task",
            Kind::Helper => "helper",
        }
    }
}

/// A function named in a state machine's definition is a task; one an API Gateway integration
/// or permission names is an API function; any other is a helper. While an integration's URI is
/// known only after apply, an unnamed function counts as an API function (the stricter rule).
fn kind_of(plan: &Plan, f: &Resource) -> Kind {
    let name = f.attr("function_name").as_str().unwrap_or_default();
    if name.is_empty() {
        return Kind::Api;
    }
    let named = |text: &str| {
        text.contains(&format!("function:{name}:"))
            || text.contains(&format!("function:{name}/"))
            || text.ends_with(&format!("function:{name}"))
            || text.contains(&format!("function:{name}\""))
    };
    if plan
        .of("aws_sfn_state_machine")
        .any(|m| named(&json_text(m.attr("definition"))))
    {
        return Kind::Task;
    }
    let mut unknown = false;
    for i in plan.of("aws_api_gateway_integration") {
        match i.attr("uri") {
            Attr::Known(Value::String(u)) if named(u) => return Kind::Api,
            Attr::Unknown => unknown = true,
            _ => {}
        }
    }
    let permitted = plan.of("aws_lambda_permission").any(|p| {
        p.attr("principal").as_str() == Some("apigateway.amazonaws.com")
            && p.attr("function_name").as_str() == Some(name)
    });
    if permitted || unknown {
        Kind::Api
    } else {
        Kind::Helper
    }
}

fn functions(plan: &Plan, out: &mut BTreeMap<&'static str, Finding>) {
    let fns: Vec<&Resource> = plan.of("aws_lambda_function").collect();
    if fns.is_empty() {
        for id in [
            "R1.2-a", "R1.2-b", "R1.2-d", "R1.2-e", "R1.2-f", "R3.3-a", "R3.4-c",
        ] {
            out.insert(
                id,
                finding(Status::Fail, "the plan has no aws_lambda_function", vec![]),
            );
        }
        return;
    }
    // R1.2-a/b/e are about the application's functions: those API Gateway invokes and those a
    // state machine runs. Helpers (the Slack notifier) are listed but not bound by them.
    let kinds: Vec<(&Resource, Kind)> = fns.iter().map(|f| (*f, kind_of(plan, f))).collect();
    let e: Vec<Evidence> = kinds
        .iter()
        .map(|(f, kind)| {
            let a = f.attr("memory_size");
            let ok = *kind == Kind::Helper || a.as_f64().is_some_and(|m| m >= 512.0);
            ev(
                f,
                "memory_size",
                format!("{} ({})", a.show(), kind.label()),
                ok,
            )
        })
        .collect();
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R1.2-a",
        finding(
            s,
            summary_of(
                s,
                "every application function has 512 MB or more",
                "an application function has less than 512 MB",
                "",
            ),
            e,
        ),
    );

    let e: Vec<Evidence> = kinds
        .iter()
        .map(|(f, kind)| {
            let t = f.attr("timeout");
            let ok = match kind {
                Kind::Task => t.as_f64() == Some(900.0),
                Kind::Api => t.as_f64().is_some_and(|t| t <= 30.0),
                Kind::Helper => true,
            };
            let expected = match kind {
                Kind::Task => "Step Functions task: 900",
                Kind::Api => "API function: at most 30",
                Kind::Helper => "helper: not bound",
            };
            ev(f, "timeout", format!("{} ({expected})", t.show()), ok)
        })
        .collect();
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R1.2-b",
        finding(
            s,
            summary_of(
                s,
                "API functions at most 30 s, Step Functions tasks 900 s",
                "a function's timeout does not fit its kind",
                "",
            ),
            e,
        ),
    );

    let e = each(
        plan,
        &["aws_lambda_function"],
        "tracing_config.0.mode",
        |_, a| a.as_str() == Some("Active"),
    );
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R1.2-d",
        finding(
            s,
            summary_of(
                s,
                "active X-Ray tracing on every function",
                "a function without active tracing",
                "",
            ),
            e.clone(),
        ),
    );
    out.insert("R3.3-a", finding(s, "same evidence as R1.2-d", e));

    let e: Vec<Evidence> = kinds
        .iter()
        .map(|(f, kind)| {
            let a = f.attr("vpc_config.0.subnet_ids");
            let inside = match a {
                Attr::Known(Value::Array(s)) => !s.is_empty(),
                Attr::Unknown => true,
                _ => false,
            };
            let value = match (inside, kind) {
                (true, _) => format!("{} ({})", a.show(), kind.label()),
                (false, Kind::Helper) => "outside the VPC (helper: needs no database)".into(),
                (false, _) => format!("outside the VPC ({})", kind.label()),
            };
            ev(
                f,
                "vpc_config.0.subnet_ids",
                value,
                inside || *kind == Kind::Helper,
            )
        })
        .collect();
    let s = verdict(&e, Status::Fail);
    let text = summary_of(
        s,
        "every application function runs in the VPC's private subnets",
        "an application function runs outside the VPC",
        "",
    );
    out.insert("R1.2-e", finding(s, text, e));

    let e = each(
        plan,
        &["aws_lambda_function"],
        "reserved_concurrent_executions",
        |_, a| matches!(a, Attr::Absent) || a.as_f64() == Some(-1.0),
    );
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R1.2-f",
        finding(
            s,
            summary_of(
                s,
                "no function reserves concurrency",
                "a function reserves concurrency",
                "",
            ),
            e.clone(),
        ),
    );
    out.insert("R7.1-b", finding(s, "same evidence as R1.2-f", e));

    let e = each(
        plan,
        &["aws_lambda_function"],
        "logging_config.0.log_format",
        |_, a| a.as_str() == Some("JSON"),
    );
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R3.4-c",
        finding(
            s,
            summary_of(
                s,
                "every function logs JSON",
                "a function logs plain text",
                "",
            ),
            e,
        ),
    );

    let e = each(
        plan,
        &["aws_lambda_function"],
        "logging_config.0.log_group",
        |_, a| !matches!(a, Attr::Absent),
    );
    let mut e2 = e.clone();
    e2.extend(each(
        plan,
        &["aws_api_gateway_stage"],
        "access_log_settings.0.destination_arn",
        |_, a| !matches!(a, Attr::Absent),
    ));
    let s = verdict(&e2, Status::Fail);
    out.insert(
        "R3.4-a",
        finding(
            s,
            summary_of(
                s,
                "functions and API stages log to CloudWatch Logs",
                "a function or stage without a log destination",
                "",
            ),
            e2.clone(),
        ),
    );
    out.insert("P5", finding(if s == Status::Pass { Status::NotDecidable } else { Status::Fail }, "every request passes a logging API stage and logging functions; whether each request is logged is seen at run time", e2));
}

// ------------------------------------------------------------------------------------ R1.3

fn edge(plan: &Plan, out: &mut BTreeMap<&'static str, Finding>) {
    let dists: Vec<&Resource> = plan.of("aws_cloudfront_distribution").collect();
    if dists.is_empty() {
        for id in [
            "R1.3-a", "R1.3-b", "R1.3-c", "R1.3-d", "R1.3-e", "R1.3-f", "R4.1-b", "R7.1-d",
        ] {
            out.insert(
                id,
                finding(
                    Status::Fail,
                    "the plan has no aws_cloudfront_distribution",
                    vec![],
                ),
            );
        }
        return;
    }
    let e = each(
        plan,
        &["aws_s3_bucket_public_access_block"],
        "restrict_public_buckets",
        |r, _| {
            [
                "block_public_acls",
                "block_public_policy",
                "ignore_public_acls",
                "restrict_public_buckets",
            ]
            .iter()
            .all(|k| r.attr(k).as_bool() == Some(true))
        },
    );
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R1.3-a",
        finding(
            s,
            summary_of(
                s,
                "every bucket blocks public access (all four settings)",
                "a bucket allows public access",
                "no public access block",
            ),
            e,
        ),
    );

    let mut e = Vec::new();
    for d in &dists {
        let origins = d
            .attr("origin")
            .known()
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (i, o) in origins.iter().enumerate() {
            let s3 = o
                .get("domain_name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.contains(".s3."));
            if !s3 {
                continue;
            }
            let oac = o
                .get("origin_access_control_id")
                .and_then(Value::as_str)
                .is_some_and(|v| !v.is_empty());
            let oai = o
                .pointer("/s3_origin_config/0/origin_access_identity")
                .and_then(Value::as_str)
                .is_some_and(|v| !v.is_empty());
            e.push(ev(
                d,
                &format!("origin.{i}"),
                if oac {
                    "origin access control"
                } else if oai {
                    "origin access identity"
                } else {
                    "none"
                },
                oac || oai,
            ));
        }
    }
    let s = verdict(&e, Status::NotDecidable);
    let text = summary_of(
        s,
        "S3 origins are read through an origin access control or identity",
        "an S3 origin without origin access",
        "no S3 origin with a known domain in the plan",
    );
    out.insert("R1.3-b", finding(s, text.clone(), e.clone()));
    out.insert("R4.1-b", finding(s, text, e));

    let mut e = Vec::new();
    for d in &dists {
        for path in ["default_cache_behavior", "ordered_cache_behavior"] {
            for (i, b) in d
                .attr(path)
                .known()
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let p = b
                    .get("viewer_protocol_policy")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                e.push(ev(
                    d,
                    &format!("{path}.{i}.viewer_protocol_policy"),
                    p,
                    p == "redirect-to-https" || p == "https-only",
                ));
            }
        }
        let tls = d.attr("viewer_certificate.0.minimum_protocol_version");
        let default_cert = d
            .attr("viewer_certificate.0.cloudfront_default_certificate")
            .as_bool()
            == Some(true);
        e.push(ev(
            d,
            "viewer_certificate.0.minimum_protocol_version",
            if default_cert {
                "CloudFront default certificate (TLS 1.0 allowed)".into()
            } else {
                tls.show()
            },
            !default_cert && tls.as_str().is_some_and(|v| v >= "TLSv1.2"),
        ));
    }
    let s = verdict(&e, Status::Fail);
    let text = summary_of(
        s,
        "viewers are sent to HTTPS, TLS 1.2 or newer",
        "HTTP allowed or TLS older than 1.2",
        "",
    );
    out.insert("R1.3-c", finding(s, text.clone(), e.clone()));
    out.insert("R4.4-e", finding(s, text, e));

    let e = each(
        plan,
        &["aws_cloudfront_cache_policy"],
        "default_ttl",
        |_, a| a.as_f64() == Some(3600.0),
    );
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R1.3-d",
        finding(
            s,
            summary_of(
                s,
                "cache policy default TTL 1 hour",
                "cache policy TTL is not 1 hour",
                "no cache policy",
            ),
            e.clone(),
        ),
    );
    out.insert("R7.1-d", finding(s, "same evidence as R1.3-d", e));

    let mut e = Vec::new();
    for d in &dists {
        let codes: BTreeSet<i64> = d
            .attr("custom_error_response")
            .known()
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("error_code").and_then(Value::as_i64))
            .collect();
        for code in [404, 500] {
            e.push(ev(
                d,
                "custom_error_response.error_code",
                code.to_string(),
                codes.contains(&code),
            ));
        }
    }
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R1.3-e",
        finding(
            s,
            summary_of(
                s,
                "error pages for 404 and 500",
                "an error page is missing",
                "",
            ),
            e,
        ),
    );

    let e = each(
        plan,
        &["aws_cloudfront_distribution"],
        "default_cache_behavior.0.response_headers_policy_id",
        |_, a| !matches!(a, Attr::Absent) && a.as_str() != Some(""),
    );
    let mut e2 = e;
    e2.extend(each(
        plan,
        &["aws_cloudfront_response_headers_policy"],
        "security_headers_config",
        |_, a| {
            a.known()
                .and_then(Value::as_array)
                .is_some_and(|s| !s.is_empty())
        },
    ));
    let s = verdict(&e2, Status::Fail);
    out.insert(
        "R1.3-f",
        finding(
            s,
            summary_of(
                s,
                "a response headers policy with security headers",
                "no security headers policy",
                "",
            ),
            e2,
        ),
    );
}

// ------------------------------------------------------------------------------------ R1.4

fn secrets(plan: &Plan, out: &mut BTreeMap<&'static str, Finding>) {
    let named = |pattern: &str| -> Vec<Evidence> {
        plan.of("aws_secretsmanager_secret")
            .filter(|s| {
                s.attr("name")
                    .as_str()
                    .is_some_and(|n| n.to_lowercase().contains(pattern))
                    || s.address.to_lowercase().contains(pattern)
            })
            .map(|s| ev(s, "name", s.attr("name").show(), true))
            .collect()
    };
    let e = named("jwt");
    let s = if e.is_empty() {
        Status::Fail
    } else {
        Status::Pass
    };
    out.insert(
        "R1.4-b",
        finding(
            s,
            summary_of(
                s,
                "a JWT signing secret",
                "no secret for the JWT signing key",
                "",
            ),
            e,
        ),
    );
    let e = named("bedrock");
    let s = if e.is_empty() {
        Status::NotDecidable
    } else {
        Status::Pass
    };
    out.insert(
        "R1.4-c",
        finding(
            s,
            summary_of(
                s,
                "a Bedrock API key secret",
                "",
                "no Bedrock secret: needed only when the application calls Bedrock",
            ),
            e,
        ),
    );

    let policies = policy_texts(plan);
    let e: Vec<Evidence> = policies
        .iter()
        .filter(|(_, _, t)| t.contains("secretsmanager:GetSecretValue"))
        .map(|(r, attr, t)| {
            let wildcard = statements(t).iter().any(|st| {
                st.actions
                    .iter()
                    .any(|a| a == "secretsmanager:GetSecretValue" || a == "secretsmanager:*")
                    && st.resources.iter().any(|r| r == "*")
            });
            ev(
                r,
                attr,
                if wildcard {
                    "GetSecretValue on \"*\""
                } else {
                    "GetSecretValue on named secrets"
                },
                !wildcard,
            )
        })
        .collect();
    let s = if e.is_empty() {
        Status::Fail
    } else {
        Status::Pass
    };
    out.insert(
        "R1.4-e",
        finding(
            s,
            summary_of(
                s,
                "a role policy lets functions read their secrets",
                "no policy grants secretsmanager:GetSecretValue",
                "",
            ),
            e.clone(),
        ),
    );
    out.insert("R1.2-c", finding(s, summary_of(s, "functions are granted secretsmanager:GetSecretValue (they read secrets at run time, none in their environment)", "no function may read Secrets Manager", ""), e.clone()));
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R4.1-c",
        finding(
            s,
            summary_of(
                s,
                "secret reads are limited to named secrets",
                "a policy reads every secret (Resource \"*\")",
                "",
            ),
            e,
        ),
    );
}

struct Statement {
    effect: String,
    actions: Vec<String>,
    resources: Vec<String>,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn statements(policy: &str) -> Vec<Statement> {
    let Ok(doc) = serde_json::from_str::<Value>(policy) else {
        return Vec::new();
    };
    let list = match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(v @ Value::Object(_)) => vec![v.clone()],
        _ => Vec::new(),
    };
    list.iter()
        .map(|s| Statement {
            effect: s
                .get("Effect")
                .and_then(Value::as_str)
                .unwrap_or("Allow")
                .to_owned(),
            actions: strings(s.get("Action")),
            resources: strings(s.get("Resource")),
        })
        .collect()
}

/// Inline role policies and managed policies of the plan, as JSON text.
fn policy_texts(plan: &Plan) -> Vec<(&Resource, &'static str, String)> {
    let mut out = Vec::new();
    for kind in ["aws_iam_role_policy", "aws_iam_policy"] {
        for r in plan.of(kind) {
            let t = json_text(r.attr("policy"));
            if !t.is_empty() {
                out.push((r, "policy", t));
            }
        }
    }
    out
}

// ------------------------------------------------------------------------------------ R1.5

fn network(plan: &Plan, out: &mut BTreeMap<&'static str, Finding>) {
    let e = each(plan, &["aws_vpc"], "cidr_block", |_, a| {
        a.as_str() == Some("10.0.0.0/16")
    });
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R1.5-a",
        finding(
            s,
            summary_of(
                s,
                "VPC 10.0.0.0/16",
                "the VPC's CIDR is not 10.0.0.0/16",
                "no VPC",
            ),
            e,
        ),
    );

    for (id, word) in [("R1.5-b", "public"), ("R1.5-c", "private")] {
        let subnets: Vec<&Resource> = plan
            .of("aws_subnet")
            .filter(|s| s.address.contains(word))
            .collect();
        let zones: BTreeSet<&str> = subnets
            .iter()
            .filter_map(|s| s.attr("availability_zone").as_str())
            .collect();
        let e: Vec<Evidence> = subnets
            .iter()
            .map(|s| {
                ev(
                    s,
                    "availability_zone",
                    s.attr("availability_zone").show(),
                    true,
                )
            })
            .collect();
        let s = if subnets.len() >= 2 && zones.len() >= 2 {
            Status::Pass
        } else {
            Status::Fail
        };
        out.insert(
            id,
            finding(
                s,
                format!(
                    "{} {word} subnet(s) in {} zone(s)",
                    subnets.len(),
                    zones.len()
                ),
                e,
            ),
        );
    }

    let nats: Vec<&Resource> = plan.of("aws_nat_gateway").collect();
    let e: Vec<Evidence> = nats
        .iter()
        .map(|n| ev(n, "subnet_id", n.attr("subnet_id").show(), nats.len() == 1))
        .collect();
    let s = if nats.len() == 1 {
        Status::Pass
    } else {
        Status::Fail
    };
    let text = format!("{} NAT gateway(s)", nats.len());
    out.insert("R1.5-d", finding(s, text.clone(), e.clone()));
    out.insert("R7.1-c", finding(s, text, e));

    let open = open_ingress(plan);
    let groups: Vec<&Resource> = plan.of("aws_security_group").collect();
    let mut e: Vec<Evidence> = groups
        .iter()
        .map(|g| ev(g, "name", g.attr("name").show(), true))
        .collect();
    e.extend(open.iter().cloned());
    let s = if groups.is_empty() {
        Status::Fail
    } else {
        verdict(&e, Status::Fail)
    };
    out.insert(
        "R1.5-e",
        finding(
            s,
            summary_of(
                s,
                "security groups without inbound rules open to the internet",
                "an inbound rule is open to 0.0.0.0/0",
                "no security groups",
            ),
            e.clone(),
        ),
    );
    out.insert("R4.3-d", finding(s, "same evidence as R1.5-e", e));

    let e = each(plan, &["aws_network_acl"], "vpc_id", |_, _| true);
    let s = if e.is_empty() {
        Status::NotDecidable
    } else {
        Status::Pass
    };
    out.insert(
        "R1.5-f",
        finding(
            s,
            summary_of(
                s,
                "network ACLs on the subnets",
                "",
                "no network ACLs (the requirement says as needed)",
            ),
            e,
        ),
    );

    for (id, word) in [("R4.3-a", "lambda"), ("R4.3-b", "database")] {
        let e: Vec<Evidence> = groups
            .iter()
            .filter(|g| {
                g.address.contains(word)
                    || g.attr("name").as_str().is_some_and(|n| n.contains(word))
            })
            .map(|g| ev(g, "name", g.attr("name").show(), true))
            .collect();
        let s = if e.is_empty() {
            Status::Fail
        } else {
            Status::Pass
        };
        out.insert(
            id,
            finding(
                s,
                summary_of(
                    s,
                    &format!("a security group for the {word}"),
                    &format!("no security group for the {word}"),
                    "",
                ),
                e,
            ),
        );
    }

    let e: Vec<Evidence> = plan
        .of("aws_vpc_security_group_ingress_rule")
        .map(|r| {
            let from = r.attr("from_port").as_f64();
            let to = r.attr("to_port").as_f64();
            let proto = r.attr("ip_protocol").as_str().unwrap_or("");
            ev(
                r,
                "from_port..to_port",
                format!(
                    "{proto} {}..{}",
                    r.attr("from_port").show(),
                    r.attr("to_port").show()
                ),
                proto != "-1" && from == to,
            )
        })
        .collect();
    let s = verdict(&e, Status::NotDecidable);
    out.insert(
        "R4.3-c",
        finding(
            s,
            summary_of(
                s,
                "every inbound rule opens one port",
                "an inbound rule opens a range or every protocol",
                "no standalone inbound rules",
            ),
            e,
        ),
    );

    let e: Vec<Evidence> = plan
        .of("aws_vpc_security_group_egress_rule")
        .map(|r| {
            let proto = r.attr("ip_protocol").as_str().unwrap_or("");
            let cidr = r.attr("cidr_ipv4").as_str().unwrap_or("");
            ev(
                r,
                "ip_protocol, cidr_ipv4",
                format!("{proto} {cidr}"),
                !(proto == "-1" && cidr == "0.0.0.0/0"),
            )
        })
        .collect();
    let s = verdict(&e, Status::NotDecidable);
    out.insert(
        "R4.3-e",
        finding(
            s,
            summary_of(
                s,
                "no egress rule allows everything to everywhere",
                "an egress rule allows all traffic to 0.0.0.0/0",
                "no standalone egress rules",
            ),
            e,
        ),
    );
}

fn open_ingress(plan: &Plan) -> Vec<Evidence> {
    let mut e: Vec<Evidence> = plan
        .of("aws_vpc_security_group_ingress_rule")
        .filter(|r| {
            r.attr("cidr_ipv4").as_str() == Some("0.0.0.0/0")
                || r.attr("cidr_ipv6").as_str() == Some("::/0")
        })
        .map(|r| ev(r, "cidr_ipv4", r.attr("cidr_ipv4").show(), false))
        .collect();
    for g in plan.of("aws_security_group") {
        for (i, rule) in g
            .attr("ingress")
            .known()
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if strings(rule.get("cidr_blocks"))
                .iter()
                .any(|c| c == "0.0.0.0/0")
            {
                e.push(ev(
                    g,
                    &format!("ingress.{i}.cidr_blocks"),
                    "0.0.0.0/0",
                    false,
                ));
            }
        }
    }
    e
}

// ------------------------------------------------------------------------------------ R3, P3, P4

/// One alarm of the plan, from an alarm set or a plain metric alarm.
struct Alarm<'a> {
    owner: &'a Resource,
    key: String,
    preset: Option<String>,
    threshold: Option<f64>,
    /// Dimension values the alarm watches (known ones only).
    dimensions: Vec<String>,
    /// The alarm's dimension is known only after apply.
    unknown_dimension: bool,
}

fn dimension_values(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            if let (Some(Value::String(_)), Some(Value::String(val))) =
                (map.get("Name"), map.get("Value"))
            {
                out.push(val.clone());
            }
            for (k, x) in map {
                if k == "dimensions" || k == "Dimensions" {
                    if let Value::Object(d) = x {
                        out.extend(d.values().filter_map(Value::as_str).map(str::to_owned));
                    }
                }
                dimension_values(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| dimension_values(x, out)),
        Value::String(s) if s.starts_with('{') => {
            if let Ok(inner) = serde_json::from_str::<Value>(s) {
                dimension_values(&inner, out);
            }
        }
        _ => {}
    }
}

fn alarms(plan: &Plan) -> Vec<Alarm<'_>> {
    let mut out = Vec::new();
    for set in plan.of("opsdeck_alarm_set") {
        let children = set
            .attr("child_alarms")
            .known()
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let unknown_set = set.attr("alarms") == Attr::Unknown;
        for (key, a) in set
            .attr("alarms")
            .known()
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let mut dims = Vec::new();
            if let Some(d) = a.get("dimension").and_then(Value::as_str) {
                dims.push(d.to_owned());
            }
            dimension_values(a, &mut dims);
            if let Some(child) = children.get(key) {
                dimension_values(child, &mut dims);
            }
            let unknown_dimension = set.attr(&format!("alarms.{key}.dimension")) == Attr::Unknown
                || set.attr(&format!("alarms.{key}")) == Attr::Unknown;
            out.push(Alarm {
                owner: set,
                key: key.clone(),
                preset: a.get("preset").and_then(Value::as_str).map(str::to_owned),
                threshold: a.get("threshold").and_then(Value::as_f64),
                dimensions: dims,
                unknown_dimension,
            });
        }
        if unknown_set {
            out.push(Alarm {
                owner: set,
                key: "*".into(),
                preset: None,
                threshold: None,
                dimensions: vec![],
                unknown_dimension: true,
            });
        }
    }
    for r in plan.of("aws_cloudwatch_metric_alarm") {
        let mut dims = Vec::new();
        dimension_values(&r.values, &mut dims);
        out.push(Alarm {
            owner: r,
            key: r.attr("alarm_name").as_str().unwrap_or_default().to_owned(),
            preset: None,
            threshold: r.attr("threshold").as_f64(),
            dimensions: dims,
            unknown_dimension: r.attr("dimensions") == Attr::Unknown
                || r.attr("metric_query") == Attr::Unknown,
        });
    }
    out
}

/// Preset default thresholds (provider/docs/resources/alarm_set.md), when the alarm sets none.
fn preset_threshold(preset: &str) -> Option<f64> {
    match preset {
        "lambda_error_rate" | "api_5xx_rate" => Some(5.0),
        "sfn_failure_rate" => Some(10.0),
        "cloudfront_5xx_rate" | "log_errors" | "lambda_throttles" | "db_connection_errors" => {
            Some(0.0)
        }
        _ => None,
    }
}

fn monitoring(plan: &Plan, out: &mut BTreeMap<&'static str, Finding>) {
    // R3.1: the dashboard's widgets, from its body.
    let bodies: Vec<(&Resource, String)> = plan
        .of("aws_cloudwatch_dashboard")
        .map(|d| (d, json_text(d.attr("dashboard_body"))))
        .collect();
    let widgets: [(&str, &[&str], &str); 6] = [
        ("R3.1-a", &["AWS/ApiGateway", "Latency"], "API latency"),
        ("R3.1-b", &["AWS/Lambda", "Duration"], "Lambda duration"),
        ("R3.1-c", &["DatabaseConnections"], "database connections"),
        ("R3.1-d", &["5XXError", "Errors"], "error rates"),
        (
            "R3.1-e",
            &["AWS/CloudFront", "Requests"],
            "CloudFront requests",
        ),
        (
            "R3.1-f",
            &["AWS/States", "ExecutionsFailed"],
            "Step Functions executions",
        ),
    ];
    for (id, needles, what) in widgets {
        let e: Vec<Evidence> = bodies
            .iter()
            .map(|(d, body)| {
                let unknown = d.attr("dashboard_body") == Attr::Unknown;
                let found = needles.iter().all(|n| body.contains(n));
                ev(
                    d,
                    "dashboard_body",
                    if unknown {
                        "(known after apply)".into()
                    } else if found {
                        format!("has {}", needles.join(" "))
                    } else {
                        format!("lacks {}", needles.join(" "))
                    },
                    found,
                )
            })
            .collect();
        let unknown = bodies
            .iter()
            .any(|(d, _)| d.attr("dashboard_body") == Attr::Unknown);
        let s = if e.iter().any(|x| x.ok) {
            Status::Pass
        } else if unknown {
            Status::NotDecidable
        } else {
            Status::Fail
        };
        out.insert(
            id,
            finding(
                s,
                format!(
                    "a dashboard widget for {what}: {}",
                    if s == Status::Pass {
                        "present"
                    } else if s == Status::Fail {
                        "missing"
                    } else {
                        "body known after apply"
                    }
                ),
                e,
            ),
        );
    }

    // R3.2: thresholds by preset.
    let all = alarms(plan);
    let rule: [(&str, &str, f64, &str); 5] = [
        ("R3.2-a", "api_5xx_rate", 5.0, "API 5xx rate > 5 %"),
        (
            "R3.2-b",
            "lambda_error_rate",
            5.0,
            "Lambda error rate > 5 % per function",
        ),
        ("R3.2-c", "log_errors", 0.0, "any database connection error"),
        ("R3.2-d", "cloudfront_5xx_rate", 0.0, "any CloudFront 5xx"),
        (
            "R3.2-e",
            "sfn_failure_rate",
            10.0,
            "Step Functions failure rate > 10 %",
        ),
    ];
    for (id, preset, limit, what) in rule {
        let e: Vec<Evidence> = all
            .iter()
            .filter(|a| {
                a.preset.as_deref() == Some(preset)
                    // The provider's own preset for R3.2-c (issue 13) counts as well.
                    || id == "R3.2-c" && a.preset.as_deref() == Some("db_connection_errors")
            })
            .filter(|a| {
                id != "R3.2-c"
                    || a.preset.as_deref() == Some("db_connection_errors")
                    || a.dimensions
                        .iter()
                        .any(|d| d.to_lowercase().contains("connection"))
                    || a.key.to_lowercase().contains("conn")
            })
            .map(|a| {
                let t = a.threshold.or_else(|| preset_threshold(preset));
                Evidence {
                    address: a.owner.address.clone(),
                    attribute: format!("alarms[\"{}\"].threshold", a.key),
                    value: t.map_or("(default)".into(), |t| t.to_string()),
                    ok: t.is_some_and(|t| t <= limit),
                }
            })
            .collect();
        let s = verdict(&e, Status::Fail);
        out.insert(
            id,
            finding(
                s,
                format!(
                    "{what}: {}",
                    match s {
                        Status::Pass => "alarmed",
                        Status::Fail if e.is_empty() => "no such alarm",
                        _ => "threshold too high",
                    }
                ),
                e,
            ),
        );
    }

    // R3.2-f: every set notifies a Slack alarm topic.
    let topics: Vec<&Resource> = plan.of("opsdeck_slack_alarm_topic").collect();
    let topic_arns: Vec<&str> = topics
        .iter()
        .filter_map(|t| t.attr("arn").as_str())
        .collect();
    let e: Vec<Evidence> = plan
        .of("opsdeck_alarm_set")
        .map(|s| {
            let actions = s.attr("alarm_actions");
            let ok = match actions {
                Attr::Known(Value::Array(a)) => {
                    !a.is_empty()
                        && (topic_arns.is_empty() && !topics.is_empty()
                            || a.iter()
                                .filter_map(Value::as_str)
                                .any(|x| topic_arns.contains(&x)))
                }
                Attr::Unknown => !topics.is_empty(),
                _ => false,
            };
            ev(s, "alarm_actions", actions.show(), ok)
        })
        .collect();
    let s = if topics.is_empty() {
        Status::Fail
    } else {
        verdict(&e, Status::Fail)
    };
    out.insert(
        "R3.2-f",
        finding(
            s,
            summary_of(
                s,
                "every alarm set notifies an opsdeck_slack_alarm_topic (SNS to the Slack notifier)",
                "an alarm set does not notify a Slack topic",
                "",
            ),
            e,
        ),
    );

    // R3.3: API Gateway tracing; the trace map and latency analysis follow from tracing.
    let e = each(
        plan,
        &["aws_api_gateway_stage"],
        "xray_tracing_enabled",
        |_, a| a.as_bool() == Some(true),
    );
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R3.3-b",
        finding(
            s,
            summary_of(
                s,
                "X-Ray tracing on every API stage",
                "an API stage without X-Ray",
                "no API stage",
            ),
            e.clone(),
        ),
    );
    let lambda = out.get("R3.3-a").map(|f| f.status).unwrap_or(Status::Fail);
    let both = if s == Status::Pass && lambda == Status::Pass {
        Status::Pass
    } else {
        Status::Fail
    };
    out.insert(
        "R3.3-c",
        finding(
            both,
            "the X-Ray trace map is built from the traces of R3.3-a and R3.3-b",
            e.clone(),
        ),
    );
    out.insert(
        "R3.3-d",
        finding(
            both,
            "X-Ray latency analysis reads the traces of R3.3-a and R3.3-b",
            e,
        ),
    );
    // One group that tracks faults or errors is enough; the others (latency) do not break it.
    let e = each(plan, &["aws_xray_group"], "filter_expression", |_, _| true);
    let tracks = |x: &Evidence| x.value.contains("fault") || x.value.contains("error");
    let s = if e.iter().any(tracks) {
        Status::Pass
    } else {
        Status::Fail
    };
    let e: Vec<Evidence> = e
        .into_iter()
        .map(|mut x| {
            x.ok = s == Status::Pass || tracks(&x);
            x
        })
        .collect();
    out.insert(
        "R3.3-e",
        finding(
            s,
            summary_of(
                s,
                "an X-Ray group tracks faults and errors",
                "no X-Ray group for faults or errors",
                "",
            ),
            e,
        ),
    );

    // R3.4.
    let e: Vec<Evidence> = plan
        .of("aws_cloudwatch_log_group")
        .filter(|g| {
            !g.attr("name")
                .as_str()
                .is_some_and(|n| n.to_lowercase().contains("cloudtrail"))
        })
        .map(|g| {
            let a = g.attr("retention_in_days");
            ev(g, "retention_in_days", a.show(), a.as_f64() == Some(30.0))
        })
        .collect();
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R3.4-b",
        finding(
            s,
            summary_of(
                s,
                "application log groups keep 30 days",
                "a log group does not keep 30 days",
                "no log groups",
            ),
            e,
        ),
    );
    let e = each(
        plan,
        &["aws_cloudwatch_query_definition"],
        "name",
        |_, _| true,
    );
    let s = if e.is_empty() {
        Status::Fail
    } else {
        Status::Pass
    };
    out.insert(
        "R3.4-d",
        finding(
            s,
            summary_of(
                s,
                "saved Logs Insights queries",
                "no saved Logs Insights query",
                "",
            ),
            e,
        ),
    );
    let e = each(
        plan,
        &["aws_cloudwatch_log_metric_filter"],
        "pattern",
        |_, a| {
            a.as_str()
                .is_some_and(|p| p.to_uppercase().contains("ERROR"))
        },
    );
    let s = if e.iter().any(|x| x.ok) {
        Status::Pass
    } else {
        Status::Fail
    };
    out.insert(
        "R3.4-e",
        finding(
            s,
            summary_of(
                s,
                "metric filters count ERROR lines",
                "no metric filter extracts errors",
                "",
            ),
            e,
        ),
    );

    coverage(plan, &all, out);
    timeliness(plan, out);
}

fn coverage(plan: &Plan, all: &[Alarm<'_>], out: &mut BTreeMap<&'static str, Finding>) {
    // What must be watched, with the attribute that alarms name it by.
    let targets: [(&str, &str, &str); 5] = [
        ("aws_lambda_function", "function_name", "function"),
        ("aws_api_gateway_rest_api", "name", "REST API"),
        ("aws_sfn_state_machine", "arn", "state machine"),
        ("aws_cloudfront_distribution", "id", "distribution"),
        ("aws_rds_cluster", "cluster_identifier", "database cluster"),
    ];
    let mut e = Vec::new();
    let mut undecided = 0;
    for (kind, attr, what) in targets {
        for r in plan.of(kind) {
            match r.attr(attr) {
                Attr::Known(Value::String(id)) => {
                    let by: Vec<String> = all
                        .iter()
                        .filter(|a| a.dimensions.iter().any(|d| d == id))
                        .map(|a| format!("{}[\"{}\"]", a.owner.address, a.key))
                        .collect();
                    e.push(Evidence {
                        address: r.address.clone(),
                        attribute: attr.into(),
                        value: if by.is_empty() {
                            format!("{what} {id:?}: no alarm")
                        } else {
                            format!("{what} {id:?}: {}", by.join(", "))
                        },
                        ok: !by.is_empty(),
                    });
                }
                _ => {
                    undecided += 1;
                    let candidates = all.iter().filter(|a| a.unknown_dimension).count();
                    e.push(Evidence { address: r.address.clone(), attribute: attr.into(), value: format!("{what}: {attr} known after apply ({candidates} alarm(s) with a dimension known after apply)"), ok: true });
                }
            }
        }
    }
    let failed = e.iter().any(|x| !x.ok);
    let s = if failed {
        Status::Fail
    } else if undecided > 0 {
        Status::NotDecidable
    } else if e.is_empty() {
        Status::Fail
    } else {
        Status::Pass
    };
    let text = match s {
        Status::Pass => format!("all {} functions, APIs, state machines, distributions and clusters have alarms", e.len()),
        Status::Fail => format!("{} of {} watched resources have no alarm", e.iter().filter(|x| !x.ok).count(), e.len()),
        Status::NotDecidable => format!("{undecided} resource id(s) are known only after apply: run the report on a plan of the applied stack"),
    };
    out.insert("P3", finding(s, text, e));
}

fn timeliness(plan: &Plan, out: &mut BTreeMap<&'static str, Finding>) {
    let mut e = Vec::new();
    let mut unknown = false;
    for set in plan.of("opsdeck_alarm_set") {
        let limit = set.attr("max_detection_seconds").as_f64().unwrap_or(300.0);
        match set.attr("detection_seconds") {
            Attr::Known(Value::Object(map)) => {
                let worst = map
                    .iter()
                    .filter_map(|(k, v)| v.as_f64().map(|s| (k.clone(), s)))
                    .max_by(|a, b| a.1.total_cmp(&b.1));
                let detail = map
                    .iter()
                    .map(|(k, v)| format!("{k} {v} s"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let ok = worst.as_ref().is_none_or(|(_, s)| *s <= P4_LIMIT_SECONDS)
                    && limit <= P4_LIMIT_SECONDS;
                e.push(ev(
                    set,
                    "detection_seconds",
                    format!(
                        "worst {} s ({detail}); max_detection_seconds {limit}",
                        worst.map_or(0.0, |w| w.1)
                    ),
                    ok,
                ));
            }
            _ => {
                unknown = true;
                e.push(ev(set, "max_detection_seconds", format!("{limit} (detection_seconds known after apply; the provider refuses at plan time any alarm slower than this)"), limit <= P4_LIMIT_SECONDS));
            }
        }
    }
    for a in plan.of("aws_cloudwatch_metric_alarm") {
        let period = a
            .attr("period")
            .as_f64()
            .or_else(|| a.attr("metric_query.0.metric.0.period").as_f64())
            .unwrap_or(60.0);
        let points = a
            .attr("datapoints_to_alarm")
            .as_f64()
            .or_else(|| a.attr("evaluation_periods").as_f64())
            .unwrap_or(1.0);
        // Same bound as the provider's: period x datapoints + 60 s publication delay.
        let worst = period * points + 60.0;
        e.push(ev(
            a,
            "period x datapoints_to_alarm + 60",
            format!("{worst} s"),
            worst <= P4_LIMIT_SECONDS,
        ));
    }
    let s = if e.is_empty() || e.iter().any(|x| !x.ok) {
        Status::Fail
    } else {
        Status::Pass
    };
    let text = match s {
        Status::Pass if unknown => format!(
            "every alarm can fire within {P4_LIMIT_SECONDS} s of a lasting fault (some detection times are known after apply; the provider refuses slower alarms at plan time)"
        ),
        Status::Pass => {
            format!("every alarm can fire within {P4_LIMIT_SECONDS} s of a lasting fault")
        }
        Status::Fail if e.is_empty() => "no alarms".into(),
        _ => "an alarm can take longer than 300 s to fire".into(),
    };
    out.insert("P4", finding(s, text, e));
}

// ------------------------------------------------------------------------------------ R4

fn security(plan: &Plan, out: &mut BTreeMap<&'static str, Finding>) {
    let policies = policy_texts(plan);
    let mut e = Vec::new();
    for (r, attr, t) in &policies {
        let sts = statements(t);
        let broad = sts.iter().any(|s| {
            s.effect == "Allow"
                && s.actions.iter().any(|a| a == "*" || a.ends_with(":*"))
                && s.resources.iter().any(|x| x == "*")
        });
        e.push(ev(
            r,
            attr,
            if broad {
                "allows service:* on \"*\""
            } else {
                "named actions"
            },
            !broad,
        ));
    }
    let s = verdict(&e, Status::NotDecidable);
    out.insert(
        "R4.1-a",
        finding(
            s,
            summary_of(
                s,
                "no role policy allows a whole service on every resource",
                "a policy allows a whole service on every resource",
                "no inline policies with known documents",
            ),
            e,
        ),
    );

    for (id, action, managed, what) in [
        (
            "R4.1-d",
            "logs:PutLogEvents",
            "AWSLambdaBasicExecutionRole",
            "CloudWatch Logs writes",
        ),
        (
            "R4.1-e",
            "xray:PutTraceSegments",
            "AWSXRayDaemonWriteAccess",
            "X-Ray writes",
        ),
    ] {
        let mut e: Vec<Evidence> = policies
            .iter()
            .filter(|(_, _, t)| t.contains(action))
            .map(|(r, a, _)| ev(r, a, action, true))
            .collect();
        e.extend(
            plan.of("aws_iam_role_policy_attachment")
                .filter(|r| {
                    r.attr("policy_arn")
                        .as_str()
                        .is_some_and(|p| p.contains(managed))
                })
                .map(|r| ev(r, "policy_arn", r.attr("policy_arn").show(), true)),
        );
        let s = if e.is_empty() {
            Status::Fail
        } else {
            Status::Pass
        };
        out.insert(
            id,
            finding(
                s,
                summary_of(
                    s,
                    &format!("{what} are allowed"),
                    &format!("no policy allows {what}"),
                    "",
                ),
                e,
            ),
        );
    }

    // R4.2 / R8.2-a: the trail.
    let trails: Vec<&Resource> = plan.of("aws_cloudtrail").collect();
    let trail_checks: [TrailCheck; 4] = [
        (
            "R4.2-a",
            "enable_logging",
            |a| a.as_bool() != Some(false),
            "the trail logs",
        ),
        (
            "R4.2-b",
            "is_multi_region_trail",
            |a| a.as_bool() == Some(true),
            "multi-region",
        ),
        (
            "R4.2-c",
            "s3_bucket_name",
            |a| !matches!(a, Attr::Absent),
            "delivers to S3",
        ),
        (
            "R4.2-d",
            "enable_log_file_validation",
            |a| a.as_bool() == Some(true),
            "log file validation on",
        ),
    ];
    for (id, attr, ok, what) in trail_checks {
        let e = each(plan, &["aws_cloudtrail"], attr, |_, a| ok(a));
        let s = if trails.is_empty() {
            Status::Fail
        } else {
            verdict(&e, Status::Fail)
        };
        out.insert(
            id,
            finding(
                s,
                if trails.is_empty() {
                    "the plan has no aws_cloudtrail".into()
                } else {
                    format!("{what}: {}", if s == Status::Pass { "yes" } else { "no" })
                },
                e,
            ),
        );
    }
    let mut e = Vec::new();
    for t in &trails {
        let basic = t
            .attr("event_selector")
            .known()
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let advanced = t
            .attr("advanced_event_selector")
            .known()
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mgmt = basic.is_empty() && advanced.is_empty()
            || basic.iter().any(|s| {
                s.get("include_management_events").and_then(Value::as_bool) != Some(false)
            })
            || advanced
                .iter()
                .any(|s| s.to_string().contains("Management"));
        let data = basic.iter().any(|s| {
            s.get("data_resource")
                .and_then(Value::as_array)
                .is_some_and(|d| !d.is_empty())
        }) || advanced.iter().any(|s| s.to_string().contains("\"Data\""));
        e.push(ev(
            t,
            "event_selector / advanced_event_selector",
            format!(
                "management events {}, data events {}",
                if mgmt { "on" } else { "off" },
                if data { "on" } else { "off" }
            ),
            mgmt && data,
        ));
    }
    let s = if trails.is_empty() {
        Status::Fail
    } else {
        verdict(&e, Status::Fail)
    };
    out.insert(
        "R4.2-e",
        finding(
            s,
            summary_of(
                s,
                "management and data events recorded",
                "management or data events missing",
                "",
            ),
            e.clone(),
        ),
    );
    let mut a = each(
        plan,
        &["aws_cloudtrail"],
        "is_multi_region_trail",
        |_, a| a.as_bool() == Some(true),
    );
    a.extend(each(
        plan,
        &["aws_cloudtrail"],
        "include_global_service_events",
        |_, a| a.as_bool() != Some(false),
    ));
    a.extend(e.into_iter().map(|mut x| {
        x.ok = x.value.starts_with("management events on");
        x
    }));
    let s = if trails.is_empty() {
        Status::Fail
    } else {
        verdict(&a, Status::Fail)
    };
    out.insert("R8.2-a", finding(s, summary_of(s, "one multi-region trail with global service and management events records every API call", "the trail misses regions, global services or management events", ""), a));

    // R4.4.
    let e = bucket_encryption(plan);
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R4.4-b",
        finding(
            s,
            summary_of(
                s,
                "every bucket has default encryption (SSE-S3 or SSE-KMS)",
                "a bucket without default encryption",
                "no buckets",
            ),
            e,
        ),
    );
    let e = each(
        plan,
        &["aws_secretsmanager_secret"],
        "kms_key_id",
        |_, a| !matches!(a, Attr::Absent),
    );
    let s = verdict(&e, Status::Pass);
    out.insert("R4.4-c", finding(s, summary_of(s, "secrets use customer managed KMS keys (the RDS-managed secret uses the database key)", "a secret uses the default aws/secretsmanager key", ""), e));
    let e = each(plan, &["aws_cloudwatch_log_group"], "kms_key_id", |_, a| {
        !matches!(a, Attr::Absent)
    });
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R4.4-d",
        finding(
            s,
            summary_of(
                s,
                "every log group is encrypted with a KMS key",
                "a log group without a KMS key",
                "no log groups",
            ),
            e,
        ),
    );
}

/// A trail setting: requirement ID, attribute, test of its value, what it means.
type TrailCheck = (
    &'static str,
    &'static str,
    fn(Attr<'_>) -> bool,
    &'static str,
);

fn bucket_encryption(plan: &Plan) -> Vec<Evidence> {
    let configured: BTreeSet<String> = plan
        .of("aws_s3_bucket_server_side_encryption_configuration")
        .filter_map(|c| {
            c.attr("bucket")
                .as_str()
                .map(str::to_owned)
                .or_else(|| Some(c.module().to_owned() + "#"))
        })
        .collect();
    plan.of("aws_s3_bucket")
        .map(|b| {
            let name = b.attr("bucket").as_str().map(str::to_owned);
            let ok = name.as_ref().is_some_and(|n| configured.contains(n))
                || configured.contains(&(b.module().to_owned() + "#"));
            ev(
                b,
                "server_side_encryption_configuration",
                if ok { "configured" } else { "none" },
                ok,
            )
        })
        .collect()
}

// ------------------------------------------------------------------------------------ R7, P9

fn cost(plan: &Plan, estimate: &Estimate, out: &mut BTreeMap<&'static str, Finding>) {
    let budgets: Vec<&Resource> = plan.of("opsdeck_cost_budget").collect();
    let mut e: Vec<Evidence> = budgets
        .iter()
        .map(|b| {
            ev(
                b,
                "limit_usd",
                b.attr("limit_usd").show(),
                b.attr("limit_usd").as_f64() == Some(100.0),
            )
        })
        .collect();
    e.extend(budgets.iter().map(|b| {
        ev(
            b,
            "topic_arn",
            b.attr("topic_arn").show(),
            !matches!(b.attr("topic_arn"), Attr::Absent),
        )
    }));
    let s = if budgets.is_empty() {
        Status::Fail
    } else {
        verdict(&e, Status::Fail)
    };
    out.insert(
        "R7.2-b",
        finding(
            s,
            summary_of(
                s,
                "a USD 100 monthly budget alerting the alarm topic",
                "the budget is not USD 100 or alerts nobody",
                "no budget",
            ),
            e,
        ),
    );

    let mut e = each(plan, &["aws_ce_anomaly_monitor"], "monitor_type", |_, _| {
        true
    });
    e.extend(each(
        plan,
        &["aws_ce_anomaly_subscription"],
        "frequency",
        |_, _| true,
    ));
    let s = if plan.count("aws_ce_anomaly_monitor") > 0
        && plan.count("aws_ce_anomaly_subscription") > 0
    {
        Status::Pass
    } else {
        Status::Fail
    };
    out.insert(
        "R7.2-c",
        finding(
            s,
            summary_of(
                s,
                "Cost Anomaly Detection monitor and subscription",
                "no anomaly monitor with a subscription",
                "",
            ),
            e,
        ),
    );

    let taggable: Vec<&Resource> = plan
        .resources
        .iter()
        .filter(|r| r.mode == "managed" && r.values.get("tags_all").is_some())
        .collect();
    let missing: Vec<&&Resource> = taggable
        .iter()
        .filter(|r| {
            !matches!(
                r.attr("tags_all.Environment"),
                Attr::Known(_) | Attr::Unknown
            ) && r.attr("tags_all") != Attr::Unknown
        })
        .collect();
    let e: Vec<Evidence> = missing
        .iter()
        .map(|r| ev(r, "tags_all.Environment", "(not set)", false))
        .collect();
    let s = if taggable.is_empty() {
        Status::NotDecidable
    } else if e.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    out.insert("R7.2-d", finding(s, match s { Status::Pass => format!("all {} taggable resources carry the Environment cost allocation tag (activate it in Billing once)", taggable.len()), Status::Fail => format!("{} of {} taggable resources lack the Environment tag", e.len(), taggable.len()), Status::NotDecidable => "no taggable resources".into() }, e));

    let largest = estimate.largest(3);
    let e: Vec<Evidence> = largest
        .iter()
        .map(|l| Evidence {
            address: l
                .resources
                .first()
                .cloned()
                .unwrap_or_else(|| "(usage assumption)".into()),
            attribute: l.item.clone(),
            value: format!("USD {:.2}", l.monthly_usd),
            ok: estimate.total_usd <= estimate.budget_usd,
        })
        .collect();
    let s = if estimate.total_usd <= estimate.budget_usd {
        Status::Pass
    } else {
        Status::Fail
    };
    out.insert("P9", finding(s, format!(
        "estimated USD {:.2} a month (USD {:.2} fixed) against a budget of USD {:.2} ({}); prices of {} checked {}",
        estimate.total_usd, estimate.fixed_usd, estimate.budget_usd, estimate.budget_source, estimate.table, estimate.table_checked
    ), e));
}

// ------------------------------------------------------------------------------------ R8

fn compliance(plan: &Plan, out: &mut BTreeMap<&'static str, Finding>) {
    let mut e = each(plan, &["aws_rds_cluster"], "storage_encrypted", |_, a| {
        a.as_bool() == Some(true)
    });
    e.extend(bucket_encryption(plan));
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R8.1-a",
        finding(
            s,
            summary_of(
                s,
                "the stores of personal data (database, buckets) are encrypted",
                "a data store is not encrypted",
                "",
            ),
            e,
        ),
    );

    let mut e = each(
        plan,
        &["aws_api_gateway_stage"],
        "access_log_settings.0.destination_arn",
        |_, a| !matches!(a, Attr::Absent),
    );
    e.extend(each(
        plan,
        &["aws_cloudfront_distribution"],
        "logging_config.0.bucket",
        |_, a| !matches!(a, Attr::Absent),
    ));
    e.extend(each(
        plan,
        &["aws_s3_bucket_logging"],
        "target_bucket",
        |_, a| !matches!(a, Attr::Absent),
    ));
    let s = verdict(&e, Status::Fail);
    out.insert(
        "R8.1-b",
        finding(
            s,
            summary_of(
                s,
                "API, CloudFront and bucket access logs are recorded",
                "an access log is missing",
                "no access logs",
            ),
            e.clone(),
        ),
    );
    let mut kept = e;
    kept.extend(each(
        plan,
        &["aws_s3_bucket_lifecycle_configuration"],
        "rule",
        |_, a| {
            a.known()
                .and_then(Value::as_array)
                .is_some_and(|r| !r.is_empty())
        },
    ));
    let s = verdict(&kept, Status::Fail);
    out.insert(
        "R8.2-b",
        finding(
            s,
            summary_of(
                s,
                "access logs are recorded and kept under lifecycle rules",
                "access logs are not recorded or not kept",
                "",
            ),
            kept,
        ),
    );

    let mut e = each(
        plan,
        &["aws_cloudwatch_log_group"],
        "retention_in_days",
        |_, a| a.as_f64().is_some_and(|d| d > 0.0),
    );
    e.extend(each(
        plan,
        &["aws_rds_cluster"],
        "backup_retention_period",
        |_, a| a.as_f64().is_some_and(|d| d > 0.0),
    ));
    let buckets_with_rules: BTreeSet<&str> = plan
        .of("aws_s3_bucket_lifecycle_configuration")
        .map(|l| l.module())
        .collect();
    e.extend(plan.of("aws_s3_bucket").map(|b| {
        ev(
            b,
            "lifecycle rules in its module",
            if buckets_with_rules.contains(b.module()) {
                "yes"
            } else {
                "none"
            },
            buckets_with_rules.contains(b.module()),
        )
    }));
    let s = verdict(&e, Status::Fail);
    out.insert("R8.1-c", finding(s, summary_of(s, "every log group, backup and bucket has a retention period (docs/data-protection.md lists them)", "a store keeps data without a retention period", ""), e));

    let e = each(plan, &["opsdeck_deploy_record"], "version", |_, _| true);
    let s = if e.is_empty() {
        Status::NotDecidable
    } else {
        Status::Pass
    };
    let text = summary_of(s, "every apply writes an opsdeck_deploy_record (version, deployer, time, result) to the append-only history; the trail records every API call", "", "no opsdeck_deploy_record in the plan: the history is written by the pipeline");
    out.insert("R8.2-c", finding(s, text, e.clone()));
    for id in ["R2.4-a", "R2.4-b", "R2.4-c", "R2.4-d"] {
        out.insert(id, finding(s, summary_of(s, "the opsdeck_deploy_record of this apply holds it (time, version, deployer, result)", "", "the history is written at deploy time, not planned"), e.clone()));
    }
}

// ------------------------------------------------------------------------------------ P6, P7, P10

fn properties(plan: &Plan, estimate: &Estimate, out: &mut BTreeMap<&'static str, Finding>) {
    let _ = estimate;
    // P6: secrets, log groups, buckets, topics, tables, queues, the database.
    let mut e = Vec::new();
    e.extend(
        each(
            plan,
            &["aws_secretsmanager_secret"],
            "kms_key_id",
            |_, _| true,
        )
        .into_iter()
        .map(|mut x| {
            if x.value == "(not set)" {
                x.value = "aws/secretsmanager (AWS managed key)".into();
            }
            x
        }),
    );
    e.extend(each(
        plan,
        &["aws_cloudwatch_log_group"],
        "kms_key_id",
        |_, a| !matches!(a, Attr::Absent),
    ));
    e.extend(bucket_encryption(plan));
    e.extend(each(
        plan,
        &["aws_sns_topic"],
        "kms_master_key_id",
        |_, a| !matches!(a, Attr::Absent),
    ));
    e.extend(
        each(
            plan,
            &["opsdeck_slack_alarm_topic"],
            "kms_key_arn",
            |_, _| true,
        )
        .into_iter()
        .map(|mut x| {
            if x.value == "(known after apply)" {
                x.value = "key created by the resource".into();
            }
            x
        }),
    );
    e.extend(
        each(
            plan,
            &["aws_dynamodb_table"],
            "server_side_encryption.0.enabled",
            |_, _| true,
        )
        .into_iter()
        .map(|mut x| {
            if x.value != "true" {
                x.value = format!("{} (AWS owned key: encrypted at rest)", x.value);
            }
            x
        }),
    );
    e.extend(each(
        plan,
        &["aws_sqs_queue"],
        "kms_master_key_id",
        |r, a| {
            !matches!(a, Attr::Absent) || r.attr("sqs_managed_sse_enabled").as_bool() != Some(false)
        },
    ));
    e.extend(each(
        plan,
        &["aws_rds_cluster"],
        "storage_encrypted",
        |_, a| a.as_bool() == Some(true),
    ));
    let s = verdict(&e, Status::Fail);
    let failing = e.iter().filter(|x| !x.ok).count();
    out.insert("P6", finding(s, if s == Status::Pass { format!("all {} secrets, log groups, buckets, topics, tables, queues and clusters are encrypted", e.len()) } else { format!("{failing} of {} stores are not encrypted with KMS or SSE", e.len()) }, e));

    // P7: zones and single points of failure.
    let mut e = Vec::new();
    let private_zones: BTreeSet<&str> = plan
        .of("aws_subnet")
        .filter(|s| s.address.contains("private"))
        .filter_map(|s| s.attr("availability_zone").as_str())
        .collect();
    let zones = private_zones.len().max(1);
    for f in plan.of("aws_lambda_function") {
        if let Some(s) = f
            .attr("vpc_config.0.subnet_ids")
            .known()
            .and_then(Value::as_array)
        {
            e.push(ev(
                f,
                "vpc_config.0.subnet_ids",
                format!("{} subnets", s.len()),
                s.len() >= 2,
            ));
        }
    }
    if let Some(c) = out.get("R1.1-c") {
        e.extend(c.evidence.iter().cloned().map(|mut x| {
            x.ok = c.status != Status::Fail;
            x
        }));
    }
    let nats: Vec<&Resource> = plan.of("aws_nat_gateway").collect();
    let single_nat = !nats.is_empty() && nats.len() < zones;
    for n in &nats {
        e.push(ev(n, "subnet_id", format!("single point of failure: {} NAT gateway(s) for {zones} zone(s); a zone outage cuts the other zone's egress (Slack, AWS APIs without endpoints)", nats.len()), !single_nat));
    }
    let s = verdict(&e, Status::Fail);
    out.insert("P7", finding(s, if single_nat { format!("Multi-AZ compute and database, but {} NAT gateway(s) for {zones} zones is a single point of failure (docs/architecture.md; removing it costs USD 48.91 a month per extra gateway)", nats.len()) } else { summary_of(s, "every tier spans two or more zones and no single point of failure is planned", "a tier runs in one zone", "") }, e));

    // P10: all of R8.
    let r8: Vec<&Finding> = [
        "R8.1-a", "R8.1-b", "R8.1-c", "R8.1-d", "R8.2-a", "R8.2-b", "R8.2-c", "R8.2-d",
    ]
    .iter()
    .filter_map(|id| out.get(id))
    .collect();
    let s = if r8.iter().any(|f| f.status == Status::Fail) {
        Status::Fail
    } else {
        Status::NotDecidable
    };
    out.insert(
        "P10",
        finding(
            s,
            if s == Status::Fail {
                "an R8 requirement fails".to_owned()
            } else {
                "R8.1-d and R8.2-d are not decidable from a plan (documentation, the stored report)"
                    .into()
            },
            vec![],
        ),
    );
}

/// The reason for IDs without a plan check, by group.
pub fn default_reason(id: &str) -> &'static str {
    match id {
        _ if id.starts_with("R2.") => "the pipeline (.github/workflows, `opsdeck deploy|verify|rollback`) decides it, not the infrastructure",
        _ if id.starts_with("R5.") => "documentation: docs/runbooks/ (checked by the docs test)",
        _ if id.starts_with("R6.") || id == "P8" || id == "N3" || id == "N4" => "a run-time property: measured by `opsdeck verify` and the dashboards",
        "R7.1-e" => "unused resources are seen in Cost Explorer (`opsdeck cost`), not in a plan",
        "R7.2-a" => "Cost Explorer is an account setting: `opsdeck cost` shows the daily cost (and says when Cost Explorer is not enabled)",
        "R8.1-d" => "a procedure: docs/data-protection.md",
        "R8.2-d" => "this report, stored with each release, is the audit report",
        "P1" => "idempotence is shown by an empty second plan after apply (terratest suite of envs/prod)",
        "P2" => "shown by `opsdeck rollback` and its verify step at run time",
        "N1" => "a run-time property; the restore drill of docs/runbooks/operations.md measures RTO and RPO",
        "N2" => "covered by R4.4-e, P6 and R4.1-a above",
        "N5" => "the repository itself (Terraform, workflows, docs)",
        _ => "not decidable from a plan",
    }
}
