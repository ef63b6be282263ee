//! `modules/edge/examples/complete` applied to the emulator (issue 8: R1.3, R4.1-b,
//! R4.4-b/e, R8.1-b/c, P1, P2).
//!
//! Release v1 is served through origin access control and read back through the AWS SDK
//! (private bucket, distribution, cache and security headers policies, access logs); v2
//! is released and rolled back (the origin path follows app_version) onto the seed's
//! origin access identity. Every apply must be followed by an empty plan; the
//! destroy must leave nothing.
//!
//! Issues 13 and 16 on the same applies: the distribution serves an alias with a
//! certificate of the emulator's ACM (the module refuses to build without one by default)
//! at TLSv1.2_2021, the API under /api/* (second origin over HTTPS/TLS 1.2, CachingDisabled
//! and AllViewerExceptHostHeader, the secret origin header), the CSP lets the page call its
//! own origin, and old versions of log objects are kept 90 days.

mod common;
mod release;

use std::path::Path;
use std::time::Instant;

use release::Sdk;
use terratest::emulator::DEFAULT_REGION;
use terratest::{copy_folder_to_temp, paths, Emulator, Options, Terraform};

const EXAMPLE: &str = "modules/edge/examples/complete";
const ALIAS: &str = "www.opsdeck-example.test";
/// CloudFront on the emulator does not call its origins: any execute-api host will do.
const API_DOMAIN: &str = "a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com";
const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
const ALL_VIEWER_EXCEPT_HOST: &str = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

struct Run<'a> {
    emulator: &'a Emulator,
    certificate_arn: &'a str,
    secret: &'a str,
}

fn terraform(dir: &Path, run: &Run, app_version: &str, origin_access: &str) -> Terraform {
    Terraform::new(
        Options::new(dir)
            .cli_config(common::cli_config())
            .envs(run.emulator.env())
            // Sensitive in the example: plans show "(sensitive value)", never the value.
            .env("TF_VAR_api_origin_verify_secret", run.secret)
            .var("region", DEFAULT_REGION)
            .var("app_version", app_version)
            .var("origin_access", origin_access)
            .var("aliases", [ALIAS])
            .var("acm_certificate_arn", run.certificate_arn)
            .var(
                "api_origin",
                serde_json::json!({ "domain_name": API_DOMAIN, "origin_path": "/live" }),
            ),
    )
}

/// A certificate for the alias from the emulator's ACM in us-east-1, where CloudFront
/// reads certificates: the test certificate a production guard asks for.
fn certificate(sdk: &Sdk) -> String {
    let acm = aws_sdk_acm::Client::from_conf(
        aws_sdk_acm::config::Builder::from(&sdk.config)
            .region(aws_config::Region::new("us-east-1"))
            .build(),
    );
    let requested = sdk
        .run(
            acm.request_certificate()
                .domain_name(ALIAS)
                .validation_method(aws_sdk_acm::types::ValidationMethod::Dns)
                .send(),
        )
        .unwrap();
    requested.certificate_arn().unwrap().to_owned()
}

fn run_secret() -> String {
    use sha2::{Digest, Sha256};
    let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
    Sha256::digest(seed.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

struct Edge {
    bucket: String,
    log_bucket: String,
    distribution_id: String,
    distribution_arn: String,
    oac_id: Option<String>,
    oai_id: Option<String>,
    cache_policy_id: String,
    headers_policy_id: String,
}

impl Edge {
    fn read(tf: &Terraform) -> Self {
        Self {
            bucket: tf.output("bucket_id"),
            log_bucket: tf.output("log_bucket_id"),
            distribution_id: tf.output("distribution_id"),
            distribution_arn: tf.output("distribution_arn"),
            // A null output is absent from `terraform output`, hence the map.
            oac_id: optional_output(tf, "origin_access_control_id"),
            oai_id: optional_output(tf, "origin_access_identity_id"),
            cache_policy_id: tf.output("cache_policy_id"),
            headers_policy_id: tf.output("response_headers_policy_id"),
        }
    }
}

fn optional_output(tf: &Terraform, name: &str) -> Option<String> {
    tf.try_outputs()
        .unwrap()
        .get(name)
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

fn s3(sdk: &Sdk) -> aws_sdk_s3::Client {
    // The emulator serves buckets by path, not by virtual host.
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk.config)
            .force_path_style(true)
            .build(),
    )
}

#[test]
fn the_edge_example_serves_releases_rolls_back_and_destroys_clean() {
    let started = Instant::now();
    let emulator = Emulator::start().unwrap();
    let sdk = Sdk::new(&emulator);
    let copy = copy_folder_to_temp(&paths::repo_root(), EXAMPLE).unwrap();
    let certificate_arn = certificate(&sdk);
    let secret = run_secret();
    let run = Run {
        emulator: &emulator,
        certificate_arn: &certificate_arn,
        secret: &secret,
    };

    let v1 = terraform(&copy.path, &run, "v1", "oac");
    v1.init();
    let destroy = v1.destroy_on_drop();
    v1.apply_and_idempotent();
    let edge = Edge::read(&v1);
    assert_frontend_bucket(&sdk, &edge);
    assert_log_bucket(&sdk, &edge);
    assert_distribution(&sdk, &edge, "/v1");
    assert_certificate_and_api(&sdk, &edge, &run);
    assert_policies(&sdk, &edge);
    eprintln!("edge: v1 applied and checked after {:?}", started.elapsed());

    // Release v2, then roll back (P2): the origin path follows app_version, nothing is
    // replaced. The rollback also switches to the seed's origin access identity (legacy),
    // in the same apply: three applies instead of four, for the checks issue 16 added.
    let v2 = terraform(&copy.path, &run, "v2", "oac");
    v2.apply_and_idempotent();
    assert_distribution(&sdk, &Edge::read(&v2), "/v2");
    let back = terraform(&copy.path, &run, "v1", "oai");
    back.apply_and_idempotent();
    let rolled_back = Edge::read(&back);
    assert!(rolled_back.oac_id.is_none() && rolled_back.oai_id.is_some());
    assert_distribution(&sdk, &rolled_back, "/v1");
    assert_eq!(
        rolled_back.distribution_id, edge.distribution_id,
        "a rollback must not replace the distribution"
    );
    eprintln!(
        "edge: v2, rollback with OAI checked after {:?}",
        started.elapsed()
    );

    destroy.destroy_now().unwrap();
    assert_nothing_left(&sdk);
    eprintln!(
        "edge example: apply, release, rollback, OAI, destroy in {:?}",
        started.elapsed()
    );
}

fn assert_frontend_bucket(sdk: &Sdk, edge: &Edge) {
    let s3 = s3(sdk);
    let block = sdk
        .run(s3.get_public_access_block().bucket(&edge.bucket).send())
        .unwrap();
    let block = block.public_access_block_configuration().unwrap();
    assert_eq!(
        (
            block.block_public_acls(),
            block.ignore_public_acls(),
            block.block_public_policy(),
            block.restrict_public_buckets()
        ),
        (Some(true), Some(true), Some(true), Some(true)),
        "the frontend bucket must block public access (R1.3-a)"
    );
    let encryption = sdk
        .run(s3.get_bucket_encryption().bucket(&edge.bucket).send())
        .unwrap();
    let rule = &encryption
        .server_side_encryption_configuration()
        .unwrap()
        .rules()[0];
    assert_eq!(
        rule.apply_server_side_encryption_by_default()
            .map(|d| d.sse_algorithm().as_str()),
        Some("AES256"),
        "SSE-S3 (R4.4-b)"
    );
    let versioning = sdk
        .run(s3.get_bucket_versioning().bucket(&edge.bucket).send())
        .unwrap();
    assert_eq!(versioning.status().map(|s| s.as_str()), Some("Enabled"));
    let ownership = sdk
        .run(
            s3.get_bucket_ownership_controls()
                .bucket(&edge.bucket)
                .send(),
        )
        .unwrap();
    assert_eq!(
        ownership.ownership_controls().unwrap().rules()[0]
            .object_ownership()
            .as_str(),
        "BucketOwnerEnforced"
    );

    let policy = sdk
        .run(s3.get_bucket_policy().bucket(&edge.bucket).send())
        .unwrap();
    let policy: serde_json::Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    let statements = policy["Statement"].as_array().unwrap();
    assert!(
        statements
            .iter()
            .any(|s| s["Effect"] == "Deny"
                && s["Condition"]["Bool"]["aws:SecureTransport"] == "false"),
        "TLS-only bucket policy (R4.4-e): {policy}"
    );
    let readers: Vec<&serde_json::Value> = statements
        .iter()
        .filter(|s| s["Effect"] == "Allow")
        .collect();
    assert_eq!(readers.len(), 1, "exactly one reader: {policy}");
    assert_eq!(readers[0]["Action"], "s3:GetObject");
    assert_eq!(
        readers[0]["Principal"]["Service"],
        "cloudfront.amazonaws.com"
    );
    assert_eq!(
        readers[0]["Condition"]["StringEquals"]["AWS:SourceArn"],
        edge.distribution_arn.as_str(),
        "only this distribution reads (R1.3-b)"
    );

    let logging = sdk
        .run(s3.get_bucket_logging().bucket(&edge.bucket).send())
        .unwrap();
    let enabled = logging.logging_enabled().unwrap();
    assert_eq!(
        (enabled.target_bucket(), enabled.target_prefix()),
        (edge.log_bucket.as_str(), "s3/"),
        "S3 access logs (R8.1-b)"
    );
}

fn assert_log_bucket(sdk: &Sdk, edge: &Edge) {
    let s3 = s3(sdk);
    let lifecycle = sdk
        .run(
            s3.get_bucket_lifecycle_configuration()
                .bucket(&edge.log_bucket)
                .send(),
        )
        .unwrap();
    let days: Vec<(Option<i32>, Option<i32>)> = lifecycle
        .rules()
        .iter()
        .map(|r| {
            (
                r.expiration().and_then(|e| e.days()),
                r.noncurrent_version_expiration()
                    .and_then(|e| e.noncurrent_days()),
            )
        })
        .collect();
    assert_eq!(
        days,
        [(Some(365), Some(90))],
        "access logs expire after a year (R8.1-c); a deleted or overwritten one stays recoverable 90 days"
    );
    let block = sdk
        .run(s3.get_public_access_block().bucket(&edge.log_bucket).send())
        .unwrap();
    assert_eq!(
        block
            .public_access_block_configuration()
            .and_then(|b| b.restrict_public_buckets()),
        Some(true)
    );
    let encryption = sdk
        .run(s3.get_bucket_encryption().bucket(&edge.log_bucket).send())
        .unwrap();
    let rule = &encryption
        .server_side_encryption_configuration()
        .unwrap()
        .rules()[0];
    assert_eq!(
        rule.apply_server_side_encryption_by_default()
            .map(|d| d.sse_algorithm().as_str()),
        Some("AES256")
    );
}

fn assert_distribution(sdk: &Sdk, edge: &Edge, origin_path: &str) {
    let cloudfront = aws_sdk_cloudfront::Client::new(&sdk.config);
    let got = sdk
        .run(
            cloudfront
                .get_distribution()
                .id(&edge.distribution_id)
                .send(),
        )
        .unwrap();
    let config = got.distribution().unwrap().distribution_config().unwrap();
    let origins = config.origins().unwrap().items();
    assert_eq!(origins.len(), 2, "the site's bucket and the API");
    let origin = origins
        .iter()
        .find(|o| o.id() != "api")
        .expect("the S3 origin");
    assert_eq!(
        origin.origin_path(),
        Some(origin_path),
        "the origin path is the release"
    );
    assert!(
        origin
            .domain_name()
            .starts_with(&format!("{}.s3.", edge.bucket)),
        "origin {}",
        origin.domain_name()
    );
    match (&edge.oac_id, &edge.oai_id) {
        (Some(oac), None) => {
            assert_eq!(
                origin.origin_access_control_id(),
                Some(oac.as_str()),
                "origin access control (R4.1-b)"
            );
            let control = sdk
                .run(cloudfront.get_origin_access_control().id(oac).send())
                .unwrap();
            let control = control
                .origin_access_control()
                .unwrap()
                .origin_access_control_config()
                .unwrap();
            assert_eq!(control.signing_behavior().as_str(), "always");
            assert_eq!(control.signing_protocol().as_str(), "sigv4");
        }
        (None, Some(oai)) => {
            assert_eq!(
                origin.origin_access_control_id().unwrap_or_default(),
                "",
                "no access control with an identity"
            );
            assert_eq!(
                origin
                    .s3_origin_config()
                    .map(|c| c.origin_access_identity()),
                Some(format!("origin-access-identity/cloudfront/{oai}").as_str()),
                "origin access identity (the seed's OAI)"
            );
            let identity = sdk
                .run(
                    cloudfront
                        .get_cloud_front_origin_access_identity()
                        .id(oai)
                        .send(),
                )
                .unwrap();
            assert!(identity.e_tag().is_some());
        }
        other => panic!("exactly one of OAC and OAI expected, got {other:?}"),
    }
    let behavior = config.default_cache_behavior().unwrap();
    assert_eq!(
        behavior.viewer_protocol_policy().as_str(),
        "https-only",
        "HTTPS only (R1.3-c)"
    );
    assert_eq!(
        behavior.cache_policy_id(),
        Some(edge.cache_policy_id.as_str())
    );
    assert_eq!(
        behavior.response_headers_policy_id(),
        Some(edge.headers_policy_id.as_str())
    );
    assert_eq!(behavior.compress(), Some(true));
    assert_eq!(config.default_root_object(), Some("index.html"));
    let mut errors: Vec<(i32, String, String)> = config
        .custom_error_responses()
        .unwrap()
        .items()
        .iter()
        .map(|e| {
            (
                e.error_code(),
                e.response_code().unwrap_or_default().to_owned(),
                e.response_page_path().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    errors.sort();
    assert_eq!(
        errors,
        [
            (403, "404".into(), "/404.html".into()),
            (404, "404".into(), "/404.html".into()),
            (500, "500".into(), "/500.html".into())
        ],
        "error pages (R1.3-e)"
    );
    let logging = config.logging().unwrap();
    assert!(logging.enabled(), "access logs (R8.1-b)");
    assert!(
        logging
            .bucket()
            .starts_with(&format!("{}.s3", edge.log_bucket)),
        "log bucket {}",
        logging.bucket()
    );
    assert_eq!(logging.prefix(), "cloudfront/");
}

/// The alias's certificate at TLSv1.2_2021, and the API under /api/* (issues 13 and 16).
fn assert_certificate_and_api(sdk: &Sdk, edge: &Edge, run: &Run) {
    let cloudfront = aws_sdk_cloudfront::Client::new(&sdk.config);
    let got = sdk
        .run(
            cloudfront
                .get_distribution()
                .id(&edge.distribution_id)
                .send(),
        )
        .unwrap();
    let config = got.distribution().unwrap().distribution_config().unwrap();
    assert_eq!(
        config.aliases().map(|a| a.items().to_vec()),
        Some(vec![ALIAS.to_owned()])
    );
    let certificate = config.viewer_certificate().unwrap();
    assert_eq!(certificate.acm_certificate_arn(), Some(run.certificate_arn));
    assert_eq!(
        certificate.minimum_protocol_version().map(|v| v.as_str()),
        Some("TLSv1.2_2021"),
        "viewers held to TLS 1.2 (R4.4-e)"
    );
    assert_eq!(
        certificate.ssl_support_method().map(|m| m.as_str()),
        Some("sni-only")
    );
    assert_ne!(certificate.cloud_front_default_certificate(), Some(true));

    let api = config
        .origins()
        .unwrap()
        .items()
        .iter()
        .find(|o| o.id() == "api")
        .expect("the API origin");
    assert_eq!(api.domain_name(), API_DOMAIN);
    assert_eq!(
        api.origin_path(),
        Some("/live"),
        "/api/x reaches /live/api/x of the stage"
    );
    let custom = api.custom_origin_config().expect("a custom origin");
    assert_eq!(custom.origin_protocol_policy().as_str(), "https-only");
    assert_eq!(
        custom.origin_ssl_protocols().map(|p| p
            .items()
            .iter()
            .map(|i| i.as_str().to_owned())
            .collect::<Vec<_>>()),
        Some(vec!["TLSv1.2".to_owned()])
    );
    let headers: Vec<(&str, bool)> = api
        .custom_headers()
        .map(|h| {
            h.items()
                .iter()
                .map(|i| (i.header_name(), i.header_value() == run.secret))
                .collect()
        })
        .unwrap_or_default();
    // Compared, never printed: the value is a secret.
    assert_eq!(
        headers,
        [("x-origin-verify", true)],
        "CloudFront must send the secret header the stage requires"
    );

    let behaviors = config
        .cache_behaviors()
        .map(|b| b.items().to_vec())
        .unwrap_or_default();
    assert_eq!(behaviors.len(), 1, "one behaviour: the API");
    let behavior = &behaviors[0];
    assert_eq!(behavior.path_pattern(), "/api/*");
    assert_eq!(behavior.target_origin_id(), "api");
    assert_eq!(behavior.cache_policy_id(), Some(CACHING_DISABLED));
    assert_eq!(
        behavior.origin_request_policy_id(),
        Some(ALL_VIEWER_EXCEPT_HOST)
    );
    assert_eq!(behavior.viewer_protocol_policy().as_str(), "https-only");
    let mut methods: Vec<String> = behavior
        .allowed_methods()
        .map(|m| m.items().iter().map(|i| i.as_str().to_owned()).collect())
        .unwrap_or_default();
    methods.sort();
    assert_eq!(
        methods,
        ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
    );
}

fn assert_policies(sdk: &Sdk, edge: &Edge) {
    let cloudfront = aws_sdk_cloudfront::Client::new(&sdk.config);
    let cache = sdk
        .run(
            cloudfront
                .get_cache_policy()
                .id(&edge.cache_policy_id)
                .send(),
        )
        .unwrap();
    let cache = cache.cache_policy().unwrap().cache_policy_config().unwrap();
    assert_eq!(cache.default_ttl(), Some(3600), "one hour (R1.3-d)");
    let keys = cache
        .parameters_in_cache_key_and_forwarded_to_origin()
        .unwrap();
    assert!(
        keys.enable_accept_encoding_gzip() && keys.enable_accept_encoding_brotli().unwrap_or(false),
        "compression"
    );

    let headers = sdk
        .run(
            cloudfront
                .get_response_headers_policy()
                .id(&edge.headers_policy_id)
                .send(),
        )
        .unwrap();
    let security = headers
        .response_headers_policy()
        .and_then(|p| p.response_headers_policy_config())
        .and_then(|c| c.security_headers_config())
        .expect("security headers (R1.3-f)");
    let hsts = security.strict_transport_security().unwrap();
    assert_eq!(hsts.access_control_max_age_sec(), 63_072_000);
    assert!(hsts.include_subdomains().unwrap_or(false) && hsts.r#override());
    assert!(
        security
            .content_security_policy()
            .unwrap()
            .content_security_policy()
            .starts_with("default-src 'self'; connect-src 'self';"),
        "the page may call its own origin, where the API is"
    );
    assert!(security
        .content_type_options()
        .is_some_and(|o| o.r#override()));
    assert_eq!(
        security.frame_options().unwrap().frame_option().as_str(),
        "DENY"
    );
    assert_eq!(
        security
            .referrer_policy()
            .unwrap()
            .referrer_policy()
            .as_str(),
        "strict-origin-when-cross-origin"
    );
}

fn assert_nothing_left(sdk: &Sdk) {
    let cloudfront = aws_sdk_cloudfront::Client::new(&sdk.config);
    let distributions = sdk.run(cloudfront.list_distributions().send()).unwrap();
    let left = distributions
        .distribution_list()
        .map(|l| l.items().len())
        .unwrap_or(0);
    assert_eq!(left, 0, "distributions left");
    let policies = sdk
        .run(
            cloudfront
                .list_cache_policies()
                .r#type(aws_sdk_cloudfront::types::CachePolicyType::Custom)
                .send(),
        )
        .unwrap();
    assert_eq!(
        policies
            .cache_policy_list()
            .map(|l| l.items().len())
            .unwrap_or(0),
        0,
        "cache policies left"
    );
    let buckets = sdk.run(s3(sdk).list_buckets().send()).unwrap();
    assert!(
        buckets.buckets().is_empty(),
        "buckets left: {:?}",
        buckets.buckets()
    );
}
