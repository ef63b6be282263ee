//! `envs/prod` end to end on the emulator (issue 13: R3.1, R3.2, R3.4-d/e, R4.2, R7.2, P1,
//! P3, P4, and the R1 modules inside the composition).
//!
//! One apply, checked many ways, because it is the largest suite of the test command:
//! the stand-ins (state bucket, artifact bucket with the release's zips, a certificate),
//! `terraform init` on the real S3 backend with its lock file on the emulator's S3, the
//! apply, an empty second plan (P1); the alarms, dashboard, metric filters, saved queries,
//! deploy record and state read back through the AWS SDK; drift made behind Terraform's
//! back (a child alarm and its composite deleted, the dashboard body changed, a metric
//! filter removed) shown in the plan and repaired by one apply; then the test-only
//! variable lifts deletion protection and the destroy must leave nothing.
//!
//! Issue 16 on the same apply: every route but the health check behind the TOKEN
//! authorizer (lambdas/authorizer, through its live alias), the stage's web ACL with the
//! rule that refuses requests without CloudFront's secret origin header, the distribution
//! serving the API under /api/* with that header, and the account's API Gateway role.

mod common;

use std::collections::BTreeSet;
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use serde_json::{json, Value as Json};
use terratest::emulator::{ACCESS_KEY_ID, SECRET_ACCESS_KEY};
use terratest::plan::PlanExit;
use terratest::{copy_folder_to_temp, paths, Emulator, Options, Terraform};

const REGION: &str = "ap-northeast-1";
const NAME: &str = "opsdeck-prod";
const STATE_BUCKET: &str = "opsdeck-terraform-state";
const ARTIFACT_BUCKET: &str = "opsdeck-artifacts";
const STATE_KEY: &str = "opsdeck/prod/terraform.tfstate";
const STAGE: &str = "live";

/// The origin secret of this run: drawn per run (never a constant in the repository),
/// passed through the environment and compared, never printed.
fn origin_secret() -> &'static str {
    static SECRET: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SECRET.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        format!("test-origin-{nanos:032x}-{:08x}", std::process::id())
    })
}

/// Metric alarms (name, threshold, description) and composites (name, alarm actions).
type Alarms = (Vec<(String, f64, String)>, Vec<(String, Vec<String>)>);

/// SDK clients on the emulator, in a region.
struct Aws {
    rt: tokio::runtime::Runtime,
    config: aws_types::SdkConfig,
    us_east_1: aws_types::SdkConfig,
}

impl Aws {
    fn new(emulator: &Emulator) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let load = |region: &'static str| {
            rt.block_on(
                aws_config::defaults(BehaviorVersion::latest())
                    .endpoint_url(emulator.endpoint())
                    .region(Region::new(region))
                    .credentials_provider(Credentials::new(
                        ACCESS_KEY_ID,
                        SECRET_ACCESS_KEY,
                        None,
                        None,
                        "emulator",
                    ))
                    .retry_config(aws_config::retry::RetryConfig::disabled())
                    .load(),
            )
        };
        let config = load(REGION);
        let us_east_1 = load("us-east-1");
        Self {
            rt,
            config,
            us_east_1,
        }
    }

    fn run<F: Future>(&self, future: F) -> F::Output {
        self.rt.block_on(future)
    }

    fn cloudwatch(&self, us_east_1: bool) -> aws_sdk_cloudwatch::Client {
        aws_sdk_cloudwatch::Client::new(if us_east_1 {
            &self.us_east_1
        } else {
            &self.config
        })
    }

    fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.config)
    }

    /// Every metric alarm (name -> threshold) and composite (name -> actions) of a region.
    fn alarms(&self, us_east_1: bool) -> Alarms {
        let cw = self.cloudwatch(us_east_1);
        let mut metrics = Vec::new();
        let mut composites = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .run(
                    cw.describe_alarms()
                        .alarm_types(aws_sdk_cloudwatch::types::AlarmType::MetricAlarm)
                        .alarm_types(aws_sdk_cloudwatch::types::AlarmType::CompositeAlarm)
                        .set_next_token(token)
                        .max_records(100)
                        .send(),
                )
                .unwrap();
            for a in page.metric_alarms() {
                metrics.push((
                    a.alarm_name().unwrap_or_default().to_owned(),
                    a.threshold().unwrap_or(f64::NAN),
                    a.alarm_description().unwrap_or_default().to_owned(),
                ));
            }
            for c in page.composite_alarms() {
                composites.push((
                    c.alarm_name().unwrap_or_default().to_owned(),
                    c.alarm_actions().to_vec(),
                ));
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        (metrics, composites)
    }

    fn dashboard_body(&self) -> Option<String> {
        self.run(
            self.cloudwatch(false)
                .get_dashboard()
                .dashboard_name(NAME)
                .send(),
        )
        .ok()
        .and_then(|d| d.dashboard_body().map(str::to_owned))
    }

    fn metric_filters(&self, log_group: &str) -> BTreeSet<String> {
        self.run(
            self.logs()
                .describe_metric_filters()
                .log_group_name(log_group)
                .send(),
        )
        .unwrap()
        .metric_filters()
        .iter()
        .filter_map(|f| f.filter_name().map(str::to_owned))
        .collect()
    }
}

/// Options of envs/prod on the emulator's S3 backend, without variables.
fn prod_options(dir: &Path, emulator: &Emulator) -> Options {
    Options::new(dir)
        .cli_config(common::cli_config())
        .envs(emulator.env())
        // The S3 backend on the emulator's S3 (xtask up writes the same as a file).
        .env("AWS_ENDPOINT_URL_S3", emulator.endpoint())
        .backend_config("bucket", STATE_BUCKET)
        .backend_config("region", REGION)
        .backend_config("use_path_style", "true")
        .backend_config("skip_credentials_validation", "true")
        .backend_config("skip_requesting_account_id", "true")
        .backend_config("skip_metadata_api_check", "true")
        .backend_config("skip_region_validation", "true")
}

fn terraform(dir: &Path, emulator: &Emulator, vars: &Json, extra: &[(&str, Json)]) -> Terraform {
    let mut options = prod_options(dir, emulator)
        // Sensitive: through the environment, so it is in no command line or log.
        .env("TF_VAR_api_origin_verify_secret", origin_secret());
    for (k, v) in vars.as_object().unwrap() {
        options = options.var(k.as_str(), v.clone());
    }
    for (k, v) in extra {
        options = options.var(*k, v.clone());
    }
    Terraform::new(options)
}

/// The production guard: without api_origin_verify_secret (and without the test-only
/// test_allow_destroy) the plan is refused with a sentence that names the input. A plan of
/// the guard alone, without refresh: seconds, and it changes nothing.
fn assert_origin_secret_guard(dir: &Path, emulator: &Emulator, vars: &Json) {
    let tf = Terraform::new(prod_options(dir, emulator));
    let mut args: Vec<String> = [
        "plan",
        "-input=false",
        "-no-color",
        "-refresh=false",
        "-target=terraform_data.production_guards",
    ]
    .map(String::from)
    .to_vec();
    for (k, v) in vars.as_object().unwrap() {
        let value = match v {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        args.extend(["-var".to_owned(), format!("{k}={value}")]);
    }
    let out = tf.try_run_raw(&args).unwrap();
    let text = format!("{}{}", out.stdout, out.stderr)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert_ne!(
        out.code, 0,
        "a plan without the origin secret must be refused"
    );
    assert!(
        text.contains("api_origin_verify_secret is not set")
            && text.contains("openssl rand -hex 32"),
        "the guard names the input and the fix: {text}"
    );
}

/// A zip with a `bootstrap` stand-in: the emulator stores functions, it never runs them.
fn stub_zip(dir: &Path) -> PathBuf {
    let path = dir.join("function.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    zip.start_file(
        "bootstrap",
        zip::write::SimpleFileOptions::default().unix_permissions(0o755),
    )
    .unwrap();
    zip.write_all(b"#!/bin/sh\nexit 1\n").unwrap();
    zip.finish().unwrap();
    path
}

#[test]
fn envs_prod_applies_plans_empty_repairs_drift_and_destroys_clean() {
    let started = Instant::now();
    let lap = |what: &str| eprintln!("envs/prod: {what} after {:.0?}", started.elapsed());
    let emulator = Emulator::start().unwrap();
    let aws = Aws::new(&emulator);
    let copy = copy_folder_to_temp(&paths::repo_root(), "envs/prod").unwrap();
    let zip = stub_zip(copy.dir.path());

    // What the account and the pipeline provide before the first apply.
    let stand_ins = Terraform::new(
        Options::new(copy.dir.path().join("xtask/emulator-stand-ins"))
            .cli_config(common::cli_config())
            .envs(emulator.env())
            .var("released_versions", json!(["v1"]))
            .var("lambda_zip", zip.display().to_string()),
    );
    stand_ins.init();
    stand_ins.apply();
    let certificate: String = stand_ins.output("certificate_arn");
    lap("stand-ins applied");

    let vars = json!({
        "app_version": "v1",
        "artifacts": { "bucket": ARTIFACT_BUCKET, "prefix": NAME },
        "slack_notifier_zip": zip.display().to_string(),
        "domain": { "aliases": ["app.opsdeck.test"], "acm_certificate_arn": certificate },
        "break_glass_role_arn": "arn:aws:iam::123456789012:role/break-glass",
        "release_url_prefix": "https://github.com/acme/opsdeck/releases/tag/",
        "max_retries": 2,
    });
    let tf = terraform(&copy.path, &emulator, &vars, &[]);
    tf.init();
    // A plan of the guard alone: before the apply, so it fails fast if the guard is gone.
    assert_origin_secret_guard(&copy.path, &emulator, &vars);
    // P1: the second plan of the same version is empty.
    tf.apply_and_idempotent();
    lap("applied, second plan empty");

    assert_state_in_s3_without_a_lock(&emulator);
    assert_opsdeck_output(&tf);
    assert_alarms(&aws, &tf);
    assert_dashboard_and_logs(&aws, &tf);
    assert_r1_inside_the_composition(&aws);
    assert_api_behind_authorizer_and_cloudfront(&aws, &tf);
    lap("read back");

    // Drift behind Terraform's back.
    let cw = aws.cloudwatch(false);
    // CloudWatch refuses to delete a child that a composite references: the composite first.
    aws.run(cw.delete_alarms().alarm_names(format!("{NAME}-app")).send())
        .unwrap();
    aws.run(
        cw.delete_alarms()
            .alarm_names(format!("{NAME}-app-api_5xx"))
            .send(),
    )
    .unwrap();
    aws.run(
        cw.put_dashboard()
            .dashboard_name(NAME)
            .dashboard_body(r#"{"widgets":[]}"#)
            .send(),
    )
    .unwrap();
    let api_log_group = format!("/aws/lambda/{NAME}-api");
    aws.run(
        aws.logs()
            .delete_metric_filter()
            .log_group_name(&api_log_group)
            .filter_name(format!("{NAME}-api-errors"))
            .send(),
    )
    .unwrap();

    let plan = tf.plan();
    assert_eq!(plan.exit, PlanExit::Changes, "drift must show in the plan");
    let alarm_set = plan
        .plan
        .change("module.observability.opsdeck_alarm_set.app[0]")
        .expect("the alarm set must be planned");
    assert_eq!(alarm_set.action(), "update");
    let children = |side: &Json| -> BTreeSet<String> {
        side["child_alarms"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert!(!children(&alarm_set.change.before).contains("api_5xx"));
    assert!(children(&alarm_set.change.after).contains("api_5xx"));
    assert!(alarm_set.change.before["composite_alarm"].is_null());
    let dashboard = plan
        .plan
        .change("module.observability.aws_cloudwatch_dashboard.this")
        .expect("the dashboard must be planned");
    assert_eq!(dashboard.action(), "update");
    let filter = plan
        .plan
        .change(r#"module.observability.aws_cloudwatch_log_metric_filter.errors["api"]"#)
        .expect("the removed metric filter must be planned");
    assert_eq!(filter.action(), "create");
    let others: Vec<String> = plan
        .plan
        .pending_changes()
        .into_iter()
        .filter(|c| {
            !c.contains("opsdeck_alarm_set.app")
                && !c.contains("aws_cloudwatch_dashboard.this")
                && !c.contains("aws_cloudwatch_log_metric_filter.errors")
        })
        .collect();
    assert!(
        others.is_empty(),
        "only the drifted resources change: {others:?}"
    );

    // One apply repairs all of it, read back through the SDK.
    tf.apply();
    let (metrics, composites) = aws.alarms(false);
    assert!(metrics
        .iter()
        .any(|(n, t, _)| n == &format!("{NAME}-app-api_5xx") && *t == 5.0));
    assert!(composites.iter().any(|(n, _)| n == &format!("{NAME}-app")));
    let body: Json = serde_json::from_str(&aws.dashboard_body().unwrap()).unwrap();
    assert_eq!(body["widgets"].as_array().map(Vec::len), Some(7));
    assert!(aws
        .metric_filters(&api_log_group)
        .contains(&format!("{NAME}-api-errors")));
    lap("drift planned and repaired");

    // Destroy: only the test-only variable lifts deletion protection.
    let unprotected = terraform(
        &copy.path,
        &emulator,
        &vars,
        &[("test_allow_destroy", json!(true))],
    );
    unprotected.apply();
    unprotected.destroy();
    let left = leftovers(&aws);
    assert!(left.is_empty(), "destroy left: {left:#?}");
    lap("destroyed, nothing left");
}

/// The state is in the bucket, and no lock file is left behind after the apply.
fn assert_state_in_s3_without_a_lock(emulator: &Emulator) {
    let aws = Aws::new(emulator);
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&aws.config)
            .force_path_style(true)
            .build(),
    );
    let keys: Vec<String> = aws
        .run(s3.list_objects_v2().bucket(STATE_BUCKET).send())
        .unwrap()
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect();
    assert_eq!(
        keys,
        vec![STATE_KEY.to_owned()],
        "the state, and no .tflock left"
    );
    let state = aws
        .run(s3.get_object().bucket(STATE_BUCKET).key(STATE_KEY).send())
        .unwrap();
    let bytes = aws.run(state.body.collect()).unwrap().into_bytes();
    let state: Json = serde_json::from_slice(&bytes).unwrap();
    assert!(state["resources"].as_array().unwrap().len() > 100);
    // Secrets never in the state (P6): no webhook value, only the secret's ARN.
    assert!(!String::from_utf8_lossy(&bytes).contains("hooks.slack.com"));
}

/// The contract of the release pipeline (issue 15).
fn assert_opsdeck_output(tf: &Terraform) {
    let o: Json = tf.output("opsdeck");
    for key in [
        "region",
        "service",
        "environment",
        "history_table_name",
        "artifact_bucket",
        "artifact_prefix",
        "db_cluster_identifier",
        "site_url",
        "api_url",
        "health_url",
        "slack_webhook_secret_arn",
        "dashboard_url",
    ] {
        assert!(
            o[key].as_str().is_some_and(|v| !v.is_empty()),
            "opsdeck.{key}: {o}"
        );
    }
    assert_eq!(o["region"], REGION);
    assert_eq!(o["site_url"], "https://app.opsdeck.test");
    // Issue 16: the API and its health check through CloudFront, on the site's domain.
    assert_eq!(o["api_url"], "https://app.opsdeck.test/api");
    assert_eq!(o["health_url"], "https://app.opsdeck.test/api/health");
    assert_eq!(
        o["alarm_sets"],
        json!([{ "name": "opsdeck-prod-app", "region": REGION }, { "name": "opsdeck-prod-edge", "region": "us-east-1" }])
    );
}

/// R3.2: every threshold by value, each set's composite to the Slack topic of its region,
/// the runbook on every child.
fn assert_alarms(aws: &Aws, tf: &Terraform) {
    let topics: Json = tf.output("alarm_topic_arns");
    let (metrics, composites) = aws.alarms(false);
    let threshold = |key: &str| {
        metrics
            .iter()
            .find(|(n, _, _)| n == &format!("{NAME}-app-{key}"))
            .map(|(_, t, _)| *t)
            .unwrap_or_else(|| panic!("no alarm {NAME}-app-{key} in {metrics:?}"))
    };
    assert_eq!(threshold("api_5xx"), 5.0, "R3.2-a");
    assert_eq!(threshold("lambda-api"), 5.0, "R3.2-b");
    assert_eq!(threshold("lambda-worker"), 5.0, "R3.2-b");
    assert_eq!(threshold("db_connection_errors"), 0.0, "R3.2-c");
    assert_eq!(threshold("sfn-workflow"), 10.0, "R3.2-e");
    assert_eq!(threshold("aurora_capacity"), 2.0);
    assert!(
        metrics
            .iter()
            .all(|(_, _, d)| d.contains("runbook=https://")),
        "every alarm carries its runbook"
    );
    assert_eq!(
        composites,
        vec![(
            format!("{NAME}-app"),
            vec![topics[REGION].as_str().unwrap().to_owned()]
        )],
        "R3.2-f: one composite to the region's Slack topic"
    );
    let (edge, edge_composites) = aws.alarms(true);
    assert_eq!(
        edge.iter()
            .map(|(n, t, _)| (n.as_str(), *t))
            .collect::<Vec<_>>(),
        vec![("opsdeck-prod-edge-cloudfront_5xx", 0.0)],
        "R3.2-d: any CloudFront 5xx, in us-east-1"
    );
    assert_eq!(
        edge_composites,
        vec![(
            format!("{NAME}-edge"),
            vec![topics["us-east-1"].as_str().unwrap().to_owned()]
        )]
    );
}

/// R3.1, R3.4-d/e: the dashboard's six metric widgets, the error filters on each
/// function's log group, the saved queries.
fn assert_dashboard_and_logs(aws: &Aws, tf: &Terraform) {
    let body: Json = serde_json::from_str(&aws.dashboard_body().expect("no dashboard")).unwrap();
    let titles: BTreeSet<&str> = body["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["type"] == "metric")
        .filter_map(|w| w["properties"]["title"].as_str())
        .collect();
    assert_eq!(titles.len(), 6, "six R3.1 widgets: {titles:?}");
    let dashboard_url: String = tf.output("dashboard_url");
    assert!(dashboard_url.ends_with(&format!("#dashboards/dashboard/{NAME}")));
    for function in ["api", "worker"] {
        let filters = aws.metric_filters(&format!("/aws/lambda/{NAME}-{function}"));
        assert!(
            filters.contains(&format!("{NAME}-{function}-errors"))
                && filters.contains(&format!("{NAME}-{function}-db-connection-errors")),
            "{function}: {filters:?}"
        );
    }
    let queries: BTreeSet<String> = aws
        .run(
            aws.logs()
                .describe_query_definitions()
                .query_definition_name_prefix(format!("{NAME}/"))
                .send(),
        )
        .unwrap()
        .query_definitions()
        .iter()
        .filter_map(|q| q.name().map(str::to_owned))
        .collect();
    assert_eq!(
        queries,
        [
            "cold-starts",
            "errors-by-function",
            "request-by-id",
            "slowest-requests"
        ]
        .iter()
        .map(|q| format!("{NAME}/{q}"))
        .collect()
    );
    // The release is recorded, after everything else.
    let ddb = aws_sdk_dynamodb::Client::new(&aws.config);
    let table: String = tf.output("history_table_name");
    let items = aws
        .run(
            ddb.query()
                .table_name(&table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(
                    ":pk",
                    aws_sdk_dynamodb::types::AttributeValue::S("opsdeck#prod".into()),
                )
                .send(),
        )
        .unwrap();
    assert_eq!(items.count(), 1, "one deploy record for v1");
}

/// The R1 settings of the modules, as the composition applied them.
fn assert_r1_inside_the_composition(aws: &Aws) {
    let rds = aws_sdk_rds::Client::new(&aws.config);
    let clusters = aws.run(rds.describe_db_clusters().send()).unwrap();
    let cluster = &clusters.db_clusters()[0];
    let scaling = cluster.serverless_v2_scaling_configuration().unwrap();
    assert_eq!(
        (scaling.min_capacity(), scaling.max_capacity()),
        (Some(0.5), Some(2.0)),
        "R1.1-a/b"
    );
    assert_eq!(cluster.backup_retention_period(), Some(7), "R1.1-d");
    assert_eq!(cluster.storage_encrypted(), Some(true), "R1.1-e");
    assert_eq!(
        cluster.deletion_protection(),
        Some(true),
        "production guard"
    );
    assert!(cluster.master_user_secret().is_some(), "R1.1-f");
    let instances = aws.run(rds.describe_db_instances().send()).unwrap();
    let zones: BTreeSet<&str> = instances
        .db_instances()
        .iter()
        .filter_map(|i| i.availability_zone())
        .collect();
    assert_eq!(zones.len(), 2, "R1.1-c: Multi-AZ");

    let lambda = aws_sdk_lambda::Client::new(&aws.config);
    for (function, timeout) in [("api", 30), ("worker", 900)] {
        let f = aws
            .run(
                lambda
                    .get_function()
                    .function_name(format!("{NAME}-{function}"))
                    .send(),
            )
            .unwrap();
        let c = f.configuration().unwrap();
        assert_eq!(c.memory_size(), Some(512), "R1.2-a");
        assert_eq!(c.timeout(), Some(timeout), "R1.2-b");
        assert_eq!(
            c.tracing_config()
                .and_then(|t| t.mode())
                .map(|m| m.as_str()),
            Some("Active"),
            "R1.2-d"
        );
        assert_eq!(c.vpc_config().unwrap().subnet_ids().len(), 2, "R1.2-e");
    }

    let ec2 = aws_sdk_ec2::Client::new(&aws.config);
    let vpcs = aws.run(ec2.describe_vpcs().send()).unwrap();
    assert!(
        vpcs.vpcs()
            .iter()
            .any(|v| v.cidr_block() == Some("10.0.0.0/16")),
        "R1.5-a"
    );
    let nats = aws.run(ec2.describe_nat_gateways().send()).unwrap();
    assert_eq!(nats.nat_gateways().len(), 1, "R1.5-d: one NAT gateway");

    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&aws.config)
            .force_path_style(true)
            .build(),
    );
    let block = aws
        .run(
            s3.get_public_access_block()
                .bucket(format!("{NAME}-frontend-123456789012"))
                .send(),
        )
        .unwrap();
    let block = block.public_access_block_configuration().unwrap();
    assert!(
        block.block_public_acls() == Some(true) && block.restrict_public_buckets() == Some(true),
        "R1.3-a"
    );
}

/// Issue 16, read back from the emulator: every route but the health check needs the
/// TOKEN authorizer of the authorizer function's live alias; the stage's web ACL blocks
/// requests without CloudFront's header; CloudFront sends that header to the execute-api
/// origin it serves under /api/*; the account logs through the role envs/prod manages.
fn assert_api_behind_authorizer_and_cloudfront(aws: &Aws, tf: &Terraform) {
    let api = aws_sdk_apigateway::Client::new(&aws.config);
    let apis = aws.run(api.get_rest_apis().send()).unwrap();
    let rest_api = apis
        .items()
        .iter()
        .find(|a| a.name() == Some(NAME))
        .expect("the REST API");
    let api_id = rest_api.id().unwrap().to_owned();

    // The authorizer: TOKEN, through the live alias of the authorizer function.
    let authorizer_id: String = tf.output("api_authorizer_id");
    let authorizer = aws
        .run(
            api.get_authorizer()
                .rest_api_id(&api_id)
                .authorizer_id(&authorizer_id)
                .send(),
        )
        .unwrap();
    assert_eq!(authorizer.r#type().map(|t| t.as_str()), Some("TOKEN"));
    let uri = authorizer.authorizer_uri().unwrap_or_default();
    assert!(
        uri.ends_with(&format!(
            "/functions/arn:aws:lambda:{REGION}:123456789012:function:{NAME}-authorizer:live/invocations"
        )),
        "the authorizer must call the live alias of {NAME}-authorizer: {uri}"
    );
    assert_eq!(
        authorizer.identity_source(),
        Some("method.request.header.Authorization")
    );
    assert_eq!(
        authorizer.identity_validation_expression(),
        Some("^Bearer [-0-9A-Za-z._~+/]+=*$")
    );

    // Every method, by route: all but the health check behind that authorizer.
    let resources = aws
        .run(api.get_resources().rest_api_id(&api_id).limit(500).send())
        .unwrap();
    let mut methods: Vec<(String, String, Option<String>)> = Vec::new();
    for resource in resources.items() {
        let path = resource.path().unwrap_or_default();
        for (verb, _) in resource.resource_methods().cloned().unwrap_or_default() {
            let method = aws
                .run(
                    api.get_method()
                        .rest_api_id(&api_id)
                        .resource_id(resource.id().unwrap())
                        .http_method(&verb)
                        .send(),
                )
                .unwrap();
            methods.push((
                format!("{verb} {path}"),
                method.authorization_type().unwrap_or_default().to_owned(),
                method.authorizer_id().map(str::to_owned),
            ));
        }
    }
    methods.sort();
    let custom = || ("CUSTOM".to_owned(), Some(authorizer_id.clone()));
    let expected: Vec<(String, String, Option<String>)> = vec![
        ("ANY /api".into(), custom().0, custom().1),
        ("ANY /api/{proxy+}".into(), custom().0, custom().1),
        ("GET /api/health".into(), "NONE".into(), None),
    ];
    assert_eq!(
        methods, expected,
        "every method but the health check behind the authorizer"
    );

    // The authorizer function reads the JWT key's secret by ARN (never the key).
    let lambda = aws_sdk_lambda::Client::new(&aws.config);
    let function = aws
        .run(
            lambda
                .get_function_configuration()
                .function_name(format!("{NAME}-authorizer"))
                .send(),
        )
        .unwrap();
    let secret_arn = function
        .environment()
        .and_then(|e| e.variables())
        .and_then(|v| v.get("JWT_SECRET_ARN"))
        .cloned()
        .unwrap_or_default();
    assert!(
        secret_arn.starts_with(&format!(
            "arn:aws:secretsmanager:{REGION}:123456789012:secret:{NAME}/jwt-signing-secret"
        )),
        "JWT_SECRET_ARN: {secret_arn}"
    );
    assert_eq!(function.timeout(), Some(10), "an authorizer's timeout");

    // The stage's web ACL: associated, with the rule that blocks requests without the header.
    let stage = aws
        .run(
            api.get_stage()
                .rest_api_id(&api_id)
                .stage_name(STAGE)
                .send(),
        )
        .unwrap();
    let web_acl_arn: String = tf.output("api_web_acl_arn");
    assert_eq!(stage.web_acl_arn(), Some(web_acl_arn.as_str()));
    let waf = aws_sdk_wafv2::Client::new(&aws.config);
    // arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>
    let mut parts = web_acl_arn.rsplit('/');
    let (id, name) = (parts.next().unwrap(), parts.next().unwrap());
    let acl = aws
        .run(
            waf.get_web_acl()
                .scope(aws_sdk_wafv2::types::Scope::Regional)
                .name(name)
                .id(id)
                .send(),
        )
        .unwrap();
    let acl = acl.web_acl().expect("the web ACL");
    assert!(
        acl.default_action().is_some_and(|a| a.allow().is_some()),
        "managed rules and the header rule block; the rest is allowed"
    );
    let header_rules: Vec<(String, i32)> = acl
        .rules()
        .iter()
        .filter(|rule| rule.action().is_some_and(|a| a.block().is_some()))
        .filter(|rule| {
            let inner = rule
                .statement()
                .and_then(|s| s.not_statement())
                .and_then(|n| n.statement())
                .and_then(|s| s.byte_match_statement());
            inner.is_some_and(|m| {
                m.field_to_match()
                    .and_then(|f| f.single_header())
                    .is_some_and(|h| h.name() == "x-origin-verify")
                    && m.positional_constraint().as_str() == "EXACTLY"
                    // Compared, never printed.
                    && m.search_string().as_ref() == origin_secret().as_bytes()
            })
        })
        .map(|rule| (rule.name().to_owned(), rule.priority()))
        .collect();
    assert_eq!(
        header_rules.len(),
        1,
        "one rule blocks requests without CloudFront's header: {:?}",
        acl.rules().iter().map(|r| r.name()).collect::<Vec<_>>()
    );
    let health_allowed_first = acl.rules().iter().any(|rule| {
        rule.action().is_some_and(|a| a.allow().is_some())
            && rule.priority() < header_rules[0].1
            && rule
                .statement()
                .and_then(|s| s.byte_match_statement())
                .is_some_and(|m| {
                    m.search_string().as_ref() == format!("/{STAGE}/api/health").as_bytes()
                })
    });
    assert!(
        health_allowed_first,
        "the health route is allowed before the header rule (deploy checks on the execute-api URL)"
    );

    // CloudFront: /api/* to the execute-api origin, with the secret header.
    let cloudfront = aws_sdk_cloudfront::Client::new(&aws.config);
    let list = aws.run(cloudfront.list_distributions().send()).unwrap();
    let distribution_id = list
        .distribution_list()
        .and_then(|l| l.items().first())
        .map(|d| d.id().to_owned())
        .expect("the distribution");
    let config = aws
        .run(
            cloudfront
                .get_distribution_config()
                .id(&distribution_id)
                .send(),
        )
        .unwrap();
    let config = config.distribution_config().unwrap();
    let execute_api_url: String = tf.output("api_execute_api_url");
    let execute_api_host = execute_api_url
        .trim_start_matches("https://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let origin = config
        .origins()
        .unwrap()
        .items()
        .iter()
        .find(|o| o.domain_name() == execute_api_host)
        .unwrap_or_else(|| panic!("no origin for {execute_api_host}"));
    assert_eq!(origin.origin_path(), Some("/live"));
    let headers: Vec<(&str, bool)> = origin
        .custom_headers()
        .map(|h| {
            h.items()
                .iter()
                .map(|i| (i.header_name(), i.header_value() == origin_secret()))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        headers,
        [("x-origin-verify", true)],
        "CloudFront must send the secret header the stage requires"
    );
    let api_behaviours: Vec<&str> = config
        .cache_behaviors()
        .map(|b| b.items())
        .unwrap_or_default()
        .iter()
        .filter(|b| b.path_pattern() == "/api/*")
        .map(|b| b.target_origin_id())
        .collect();
    assert_eq!(
        api_behaviours,
        [origin.id()],
        "/api/* goes to the API origin"
    );

    // The account's API Gateway logging role (modules/apigateway-account).
    let role: String = tf.output("apigateway_account_role_arn");
    assert!(
        role.starts_with("arn:aws:iam::123456789012:role/"),
        "{role}"
    );
    let account = aws.run(api.get_account().send()).unwrap();
    assert_eq!(account.cloudwatch_role_arn(), Some(role.as_str()));
}

/// What a destroy must leave: nothing of envs/prod in either region. KMS keys only pending
/// deletion (AWS keeps them 7-30 days); the stand-ins' two buckets.
fn leftovers(aws: &Aws) -> Vec<String> {
    let mut left = Vec::new();
    for us_east_1 in [false, true] {
        let (metrics, composites) = aws.alarms(us_east_1);
        left.extend(metrics.into_iter().map(|(n, _, _)| format!("alarm {n}")));
        left.extend(
            composites
                .into_iter()
                .map(|(n, _)| format!("composite {n}")),
        );
        let config = if us_east_1 {
            &aws.us_east_1
        } else {
            &aws.config
        };
        let sns = aws_sdk_sns::Client::new(config);
        for t in aws.run(sns.list_topics().send()).unwrap().topics() {
            left.push(format!("topic {:?}", t.topic_arn()));
        }
        let lambda = aws_sdk_lambda::Client::new(config);
        for f in aws.run(lambda.list_functions().send()).unwrap().functions() {
            left.push(format!("function {:?}", f.function_name()));
        }
        let kms = aws_sdk_kms::Client::new(config);
        for k in aws.run(kms.list_keys().send()).unwrap().keys() {
            let key = aws
                .run(
                    kms.describe_key()
                        .key_id(k.key_id().unwrap_or_default())
                        .send(),
                )
                .unwrap();
            let meta = key.key_metadata().unwrap();
            let state = meta.key_state().map(|s| s.as_str()).unwrap_or_default();
            let aliases_of_key = aws
                .run(kms.list_aliases().key_id(meta.key_id()).send())
                .map(|a| {
                    a.aliases()
                        .iter()
                        .filter_map(|a| a.alias_name().map(str::to_owned))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            // moto creates the account's aws/dynamodb (aws/...) keys as customer keys; in
            // AWS the alias/aws/ prefix is reserved to AWS-managed keys, which belong to
            // the account, not to the stack.
            let aws_managed = aliases_of_key.iter().any(|a| a.starts_with("alias/aws/"));
            if meta.key_manager().map(|m| m.as_str()) == Some("CUSTOMER")
                && !aws_managed
                && state != "PendingDeletion"
            {
                let aliases = &aliases_of_key;
                left.push(format!(
                    "KMS key {:?} ({state}) in {}: {:?} {aliases:?}",
                    meta.key_id(),
                    if us_east_1 { "us-east-1" } else { REGION },
                    meta.description()
                ));
            }
        }
        let secrets = aws_sdk_secretsmanager::Client::new(config);
        for s in aws
            .run(secrets.list_secrets().include_planned_deletion(true).send())
            .unwrap()
            .secret_list()
        {
            left.push(format!("secret {:?}", s.name()));
        }
    }
    let ec2 = aws_sdk_ec2::Client::new(&aws.config);
    for vpc in aws.run(ec2.describe_vpcs().send()).unwrap().vpcs() {
        if vpc.is_default() != Some(true) {
            left.push(format!("VPC {:?}", vpc.vpc_id()));
        }
    }
    let rds = aws_sdk_rds::Client::new(&aws.config);
    for c in aws
        .run(rds.describe_db_clusters().send())
        .unwrap()
        .db_clusters()
    {
        left.push(format!("DB cluster {:?}", c.db_cluster_identifier()));
    }
    for s in aws
        .run(rds.describe_db_cluster_snapshots().send())
        .unwrap()
        .db_cluster_snapshots()
    {
        left.push(format!(
            "DB cluster snapshot {:?}",
            s.db_cluster_snapshot_identifier()
        ));
    }
    let ddb = aws_sdk_dynamodb::Client::new(&aws.config);
    for t in aws.run(ddb.list_tables().send()).unwrap().table_names() {
        left.push(format!("table {t}"));
    }
    let logs = aws.logs();
    for g in aws
        .run(logs.describe_log_groups().send())
        .unwrap()
        .log_groups()
    {
        left.push(format!("log group {:?}", g.log_group_name()));
    }
    let queries = aws.run(logs.describe_query_definitions().send()).unwrap();
    for q in queries.query_definitions() {
        left.push(format!("query {:?}", q.name()));
    }
    let dashboards = aws
        .run(aws.cloudwatch(false).list_dashboards().send())
        .unwrap();
    for d in dashboards.dashboard_entries() {
        left.push(format!("dashboard {:?}", d.dashboard_name()));
    }
    let s3 = aws_sdk_s3::Client::new(&aws.config);
    for b in aws.run(s3.list_buckets().send()).unwrap().buckets() {
        let name = b.name().unwrap_or_default();
        if name != STATE_BUCKET && name != ARTIFACT_BUCKET {
            left.push(format!("bucket {name}"));
        }
    }
    let waf = aws_sdk_wafv2::Client::new(&aws.config);
    let acls = aws
        .run(
            waf.list_web_acls()
                .scope(aws_sdk_wafv2::types::Scope::Regional)
                .send(),
        )
        .unwrap();
    for acl in acls.web_acls() {
        left.push(format!("web ACL {:?}", acl.name()));
    }
    let cloudfront = aws_sdk_cloudfront::Client::new(&aws.config);
    let distributions = aws.run(cloudfront.list_distributions().send()).unwrap();
    if let Some(list) = distributions.distribution_list() {
        for d in list.items() {
            left.push(format!("distribution {}", d.id()));
        }
    }
    left
}
