//! `modules/compute/examples/complete` applied to the emulator (issue 8: R1.2, R3.3-a/b,
//! R3.4, R4.1, R6.2-a, R6.3-d, P1, P2).
//!
//! Release v1 is applied and read back through the AWS SDK (functions, live aliases, the
//! REST API stage, the state machine); v2 is released, then v1 again: the rollback is an
//! apply of the previous version, and the live aliases must run v1's artifacts again.
//! Every apply must be followed by an empty plan; the destroy must leave nothing.
//!
//! Issue 16 on the same applies: the routes live under /api behind a Cognito authorizer
//! (health open), the stage carries the module's web ACL (which requires CloudFront's
//! secret header), roles are named by prefix, and the account's logging role comes from
//! modules/apigateway-account.

mod common;
mod release;

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use release::{health_zip, Sdk};
use terratest::emulator::DEFAULT_REGION;
use terratest::{copy_folder_to_temp, paths, Emulator, Options, Terraform};

const EXAMPLE: &str = "modules/compute/examples/complete";

fn terraform(dir: &Path, emulator: &Emulator, zip: &Path, app_version: &str) -> Terraform {
    Terraform::new(
        Options::new(dir)
            .cli_config(common::cli_config())
            .envs(emulator.env())
            // Sensitive in the example: plans show "(sensitive value)", never the value.
            .env("TF_VAR_api_origin_verify_secret", origin_secret())
            .var("region", DEFAULT_REGION)
            .var("lambda_zip", zip.display().to_string())
            .var("app_version", app_version),
    )
}

/// A secret for this run (64 hex characters), the same for every apply of the run.
fn origin_secret() -> String {
    use sha2::{Digest, Sha256};
    static SECRET: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SECRET
        .get_or_init(|| {
            let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
            Sha256::digest(seed.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        })
        .clone()
}

/// The example's outputs the assertions need.
struct Compute {
    functions: HashMap<String, String>,
    versions: HashMap<String, String>,
    log_groups: HashMap<String, String>,
    subnets: Vec<String>,
    security_group: String,
    kms_key_arn: String,
    rest_api_id: String,
    stage: String,
    access_log_group: String,
    state_machine_arn: String,
    state_machine_log_group: String,
    authorizer_id: String,
    user_pool_arn: String,
    web_acl_arn: String,
    account_role_arn: String,
}

impl Compute {
    fn read(tf: &Terraform) -> Self {
        Self {
            functions: tf.output("function_names"),
            versions: tf.output("function_versions"),
            log_groups: tf.output("function_log_group_names"),
            subnets: tf.output("subnet_ids"),
            security_group: tf.output("lambda_security_group_id"),
            kms_key_arn: tf.output("kms_key_arn"),
            rest_api_id: tf.output("rest_api_id"),
            stage: tf.output("api_stage_name"),
            access_log_group: tf.output("api_access_log_group_name"),
            state_machine_arn: tf.output("state_machine_arn"),
            state_machine_log_group: tf.output("state_machine_log_group_name"),
            authorizer_id: tf.output("api_authorizer_id"),
            user_pool_arn: tf.output("user_pool_arn"),
            web_acl_arn: tf.output("web_acl_arn"),
            account_role_arn: tf.output("apigateway_account_role_arn"),
        }
    }
}

#[test]
fn the_compute_example_releases_rolls_back_and_destroys_clean() {
    let started = Instant::now();
    let zip = health_zip();
    let emulator = Emulator::start().unwrap();
    let sdk = Sdk::new(&emulator);
    let copy = copy_folder_to_temp(&paths::repo_root(), EXAMPLE).unwrap();

    let v1 = terraform(&copy.path, &emulator, &zip, "v1");
    v1.init();
    let destroy = v1.destroy_on_drop();
    v1.apply_and_idempotent();
    let compute = Compute::read(&v1);
    assert_functions(&sdk, &compute);
    assert_live_aliases(&sdk, &compute, "v1");
    assert_api(&sdk, &compute, "v1");
    assert_state_machine(&sdk, &compute);
    eprintln!(
        "compute: v1 applied and checked after {:?}",
        started.elapsed()
    );

    // Release v2: new versions published, the aliases follow.
    let v2 = terraform(&copy.path, &emulator, &zip, "v2");
    v2.apply_and_idempotent();
    let released = Compute::read(&v2);
    for (key, version) in &released.versions {
        assert!(
            version.parse::<u32>().unwrap() > compute.versions[key].parse::<u32>().unwrap(),
            "{key}: release v2 must publish a new version ({} -> {version})",
            compute.versions[key]
        );
    }
    assert_live_aliases(&sdk, &released, "v2");
    assert_api(&sdk, &released, "v2");

    // Rollback (P2): an apply of the previous version; v1's artifacts are live again.
    let back = terraform(&copy.path, &emulator, &zip, "v1");
    back.apply_and_idempotent();
    let rolled_back = Compute::read(&back);
    assert_live_aliases(&sdk, &rolled_back, "v1");
    assert_api(&sdk, &rolled_back, "v1");
    assert_eq!(
        rolled_back.rest_api_id, compute.rest_api_id,
        "a rollback must not replace the API"
    );
    assert_eq!(
        rolled_back.state_machine_arn, compute.state_machine_arn,
        "a rollback must not replace the state machine"
    );
    eprintln!(
        "compute: v2 released and rolled back after {:?}",
        started.elapsed()
    );

    destroy.destroy_now().unwrap();
    assert_nothing_left(&sdk);
    eprintln!(
        "compute example: apply, release, rollback, destroy in {:?}",
        started.elapsed()
    );
}

fn assert_functions(sdk: &Sdk, compute: &Compute) {
    let lambda = aws_sdk_lambda::Client::new(&sdk.config);
    let expected_timeouts = [("api", 30), ("worker", 900)];
    for (key, timeout) in expected_timeouts {
        let name = &compute.functions[key];
        let function = sdk
            .run(lambda.get_function().function_name(name).send())
            .unwrap();
        let config = function.configuration().unwrap();
        assert_eq!(config.memory_size(), Some(512), "{name}: memory (R1.2-a)");
        assert_eq!(config.timeout(), Some(timeout), "{name}: timeout (R1.2-b)");
        assert_eq!(
            config
                .tracing_config()
                .and_then(|t| t.mode())
                .map(|m| m.as_str()),
            Some("Active"),
            "{name}: X-Ray (R1.2-d)"
        );
        let vpc = config.vpc_config().unwrap();
        let mut subnets = vpc.subnet_ids().to_vec();
        subnets.sort();
        let mut expected = compute.subnets.clone();
        expected.sort();
        assert_eq!(subnets, expected, "{name}: private subnets (R1.2-e)");
        assert_eq!(
            vpc.security_group_ids(),
            std::slice::from_ref(&compute.security_group),
            "{name}: Lambda security group"
        );
        let logging = config.logging_config().unwrap();
        assert_eq!(
            logging.log_format().map(|f| f.as_str()),
            Some("JSON"),
            "{name}: JSON logs (R3.4-c)"
        );
        assert_eq!(
            logging.log_group(),
            Some(compute.log_groups[key].as_str()),
            "{name}: its own log group"
        );
        assert_eq!(
            logging.application_log_level().map(|l| l.as_str()),
            Some(if key == "api" { "INFO" } else { "WARN" })
        );
        assert_eq!(logging.system_log_level().map(|l| l.as_str()), Some("WARN"));
        assert_eq!(
            config.runtime().map(|r| r.as_str()),
            Some("provided.al2023")
        );
        let role = config.role().unwrap_or_default();
        assert!(
            role.contains(&format!(":role/{name}-")) && !role.ends_with(&format!("{name}-lambda")),
            "{name}: the role is named by prefix with a unique suffix (IAM names are global): {role}"
        );
        let concurrency = sdk
            .run(lambda.get_function_concurrency().function_name(name).send())
            .unwrap();
        assert_eq!(
            concurrency.reserved_concurrent_executions(),
            None,
            "{name}: no reserved concurrency (R1.2-f)"
        );
        let secrets = config
            .environment()
            .and_then(|e| e.variables())
            .and_then(|v| v.get("SECRET_ARNS"))
            .cloned()
            .unwrap_or_default();
        assert!(
            secrets.contains(":secret:opsdeck-example/jwt-signing-secret"),
            "{name}: SECRET_ARNS names the secret: {secrets:?}"
        );
    }
}

/// Each live alias points at the version this release published, and that version runs
/// the release's artifact and knows its version.
fn assert_live_aliases(sdk: &Sdk, compute: &Compute, app_version: &str) {
    let lambda = aws_sdk_lambda::Client::new(&sdk.config);
    for (key, name) in &compute.functions {
        let alias = sdk
            .run(lambda.get_alias().function_name(name).name("live").send())
            .unwrap();
        assert_eq!(
            alias.function_version(),
            Some(compute.versions[key].as_str()),
            "{name}: live alias version"
        );
        assert_eq!(
            alias.description(),
            Some(format!("Release {app_version}").as_str())
        );
        let live = sdk
            .run(
                lambda
                    .get_function()
                    .function_name(name)
                    .qualifier("live")
                    .send(),
            )
            .unwrap();
        let config = live.configuration().unwrap();
        assert_eq!(config.version(), Some(compute.versions[key].as_str()));
        let env = config
            .environment()
            .and_then(|e| e.variables())
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            env.get("APP_VERSION").map(String::as_str),
            Some(app_version),
            "{name}: live runs {app_version}"
        );
        let location = live.code().and_then(|c| c.location()).unwrap_or_default();
        assert!(
            location.ends_with(&format!("/opsdeck-example/{app_version}/{key}.zip")),
            "{name}: live code must come from the {app_version} artifact, got {location}"
        );
    }
}

fn assert_api(sdk: &Sdk, compute: &Compute, app_version: &str) {
    let api = aws_sdk_apigateway::Client::new(&sdk.config);
    let stage = sdk
        .run(
            api.get_stage()
                .rest_api_id(&compute.rest_api_id)
                .stage_name(&compute.stage)
                .send(),
        )
        .unwrap();
    assert!(
        stage.tracing_enabled(),
        "the stage must have X-Ray on (R3.3-b)"
    );
    let access = stage.access_log_settings().unwrap();
    assert!(
        access
            .destination_arn()
            .unwrap_or_default()
            .ends_with(&format!(":log-group:{}", compute.access_log_group)),
        "access logs must go to {}: {:?}",
        compute.access_log_group,
        access.destination_arn()
    );
    let format: serde_json::Value = serde_json::from_str(access.format().unwrap()).unwrap();
    assert_eq!(
        format["requestId"], "$context.requestId",
        "access logs must be JSON lines"
    );
    assert_eq!(
        stage
            .variables()
            .and_then(|v| v.get("app_version"))
            .map(String::as_str),
        Some(app_version)
    );
    let settings = stage
        .method_settings()
        .and_then(|m| m.get("*/*"))
        .expect("method settings for */*");
    assert_eq!(
        settings.throttling_rate_limit(),
        100.0,
        "100 req/s (R6.2-a)"
    );
    assert_eq!(settings.throttling_burst_limit(), 200);
    assert_eq!(settings.logging_level(), Some("ERROR"), "execution logging");
    assert!(settings.metrics_enabled() && !settings.data_trace_enabled());

    let resources = sdk
        .run(api.get_resources().rest_api_id(&compute.rest_api_id).send())
        .unwrap();
    let health = resources
        .items()
        .iter()
        .find(|r| r.path() == Some("/api/health"))
        .expect("a /api/health resource (R6.3-d), under the base path");
    let integration = sdk
        .run(
            api.get_integration()
                .rest_api_id(&compute.rest_api_id)
                .resource_id(health.id().unwrap())
                .http_method("GET")
                .send(),
        )
        .unwrap();
    assert_eq!(integration.r#type().map(|t| t.as_str()), Some("AWS_PROXY"));
    assert!(
        integration.uri().unwrap_or_default().ends_with(&format!(
            "function:{}:live/invocations",
            compute.functions["api"]
        )),
        "the health route must call the live alias: {:?}",
        integration.uri()
    );

    // Issue 16: every route but the health check needs a token of the user pool.
    let authorizer = sdk
        .run(
            api.get_authorizer()
                .rest_api_id(&compute.rest_api_id)
                .authorizer_id(&compute.authorizer_id)
                .send(),
        )
        .unwrap();
    assert_eq!(
        authorizer.r#type().map(|t| t.as_str()),
        Some("COGNITO_USER_POOLS")
    );
    assert_eq!(
        authorizer.provider_arns(),
        std::slice::from_ref(&compute.user_pool_arn),
        "the authorizer accepts the example's user pool"
    );
    let mut methods: Vec<(String, String, Option<String>)> = Vec::new();
    for resource in resources.items() {
        let path = resource.path().unwrap_or_default();
        if !path.starts_with("/api") {
            continue;
        }
        for (verb, _) in resource.resource_methods().cloned().unwrap_or_default() {
            let method = sdk
                .run(
                    api.get_method()
                        .rest_api_id(&compute.rest_api_id)
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
    let cognito = Some(compute.authorizer_id.clone());
    assert_eq!(
        methods,
        [
            (
                "ANY /api".to_owned(),
                "COGNITO_USER_POOLS".to_owned(),
                cognito.clone()
            ),
            (
                "ANY /api/{proxy+}".to_owned(),
                "COGNITO_USER_POOLS".to_owned(),
                cognito
            ),
            ("GET /api/health".to_owned(), "NONE".to_owned(), None),
        ],
        "routes under /api, all but the health check behind the authorizer"
    );
    assert!(
        !resources
            .items()
            .iter()
            .any(|r| r.path() == Some("/health")),
        "no route outside the base path"
    );
    assert_eq!(
        stage.web_acl_arn(),
        Some(compute.web_acl_arn.as_str()),
        "the module's web ACL guards the stage"
    );
    let account = sdk.run(api.get_account().send()).unwrap();
    assert_eq!(
        account.cloudwatch_role_arn(),
        Some(compute.account_role_arn.as_str()),
        "the account logs through modules/apigateway-account's role"
    );
}

fn assert_state_machine(sdk: &Sdk, compute: &Compute) {
    let sfn = aws_sdk_sfn::Client::new(&sdk.config);
    let machine = sdk
        .run(
            sfn.describe_state_machine()
                .state_machine_arn(&compute.state_machine_arn)
                .send(),
        )
        .unwrap();
    assert_eq!(machine.r#type().as_str(), "STANDARD");
    assert!(
        machine.tracing_configuration().is_some_and(|t| t.enabled()),
        "X-Ray on the state machine"
    );
    let logging = machine.logging_configuration().unwrap();
    assert_eq!(
        logging.level().map(|l| l.as_str()),
        Some("ALL"),
        "all events logged"
    );
    assert!(logging.include_execution_data());
    let destination = logging
        .destinations()
        .first()
        .and_then(|d| d.cloud_watch_logs_log_group())
        .and_then(|g| g.log_group_arn())
        .unwrap_or_default();
    assert!(
        destination.contains(&format!(":log-group:{}", compute.state_machine_log_group)),
        "log destination {destination}"
    );
    let encryption = machine.encryption_configuration().unwrap();
    assert_eq!(encryption.r#type().as_str(), "CUSTOMER_MANAGED_KMS_KEY");
    assert_eq!(encryption.kms_key_id(), Some(compute.kms_key_arn.as_str()));
    let definition: serde_json::Value = serde_json::from_str(machine.definition()).unwrap();
    assert_eq!(
        definition["States"]["worker"]["Parameters"]["FunctionName"]
            .as_str()
            .unwrap_or_default(),
        format!(
            "arn:aws:lambda:{DEFAULT_REGION}:123456789012:function:{}:live",
            compute.functions["worker"]
        )
    );
    let versions = sdk
        .run(
            sfn.list_state_machine_versions()
                .state_machine_arn(&compute.state_machine_arn)
                .send(),
        )
        .unwrap();
    assert!(
        !versions.state_machine_versions().is_empty(),
        "the state machine must publish versions"
    );
}

fn assert_nothing_left(sdk: &Sdk) {
    let lambda = aws_sdk_lambda::Client::new(&sdk.config);
    let functions = sdk.run(lambda.list_functions().send()).unwrap();
    assert!(
        functions.functions().is_empty(),
        "functions left: {:?}",
        functions.functions()
    );
    let api = aws_sdk_apigateway::Client::new(&sdk.config);
    let apis = sdk.run(api.get_rest_apis().send()).unwrap();
    assert!(
        apis.items().is_empty(),
        "REST APIs left: {:?}",
        apis.items()
    );
    let sfn = aws_sdk_sfn::Client::new(&sdk.config);
    let machines = sdk.run(sfn.list_state_machines().send()).unwrap();
    assert!(
        machines.state_machines().is_empty(),
        "state machines left: {:?}",
        machines.state_machines()
    );
}
