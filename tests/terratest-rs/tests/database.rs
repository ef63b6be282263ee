//! `modules/database/examples/complete` (which builds its network with modules/network)
//! applied to the emulator (issue 7: R1.1, R1.4, R4.4, R6.3, N1).
//!
//! Applied as a throw-away environment (no deletion protection, no final snapshot, automated
//! backups deleted, secrets deleted at once), read back through the AWS SDK, re-planned
//! (must be empty) and destroyed (must leave nothing but KMS keys pending deletion).

mod aws;
mod common;

use std::collections::BTreeSet;
use std::time::Instant;

use aws::Aws;
use aws_sdk_rds::types::{DbCluster, DbInstance, Filter};
use terratest::emulator::DEFAULT_REGION;
use terratest::{copy_folder_to_temp, paths, Emulator, Options, Terraform};

const EXAMPLE: &str = "modules/database/examples/complete";

/// The example's outputs that the assertions need.
struct Database {
    cluster_arn: String,
    instance_ids: Vec<String>,
    instance_zones: Vec<String>,
    master_secret_arn: String,
    jwt_secret_arn: String,
    vpc_id: String,
}

impl Database {
    fn read(tf: &Terraform) -> Self {
        Self {
            cluster_arn: tf.output("db_cluster_arn"),
            instance_ids: tf.output("db_instance_ids"),
            instance_zones: tf.output("db_instance_availability_zones"),
            master_secret_arn: tf.output("db_cluster_master_user_secret_arn"),
            jwt_secret_arn: tf.output("jwt_signing_secret_arn"),
            vpc_id: tf.output("vpc_id"),
        }
    }
}

#[test]
fn the_database_example_applies_with_seed_values_and_destroys_clean() {
    let started = Instant::now();
    let emulator = Emulator::start().unwrap();
    let aws = Aws::new(&emulator);
    let copy = copy_folder_to_temp(&paths::repo_root(), EXAMPLE).unwrap();
    let tf = Terraform::new(
        Options::new(&copy.path)
            .cli_config(common::cli_config())
            .envs(emulator.env())
            .var("region", DEFAULT_REGION)
            // A throw-away run: production defaults stay in the module (README, Deleting).
            .var("deletion_protection", false)
            .var("skip_final_snapshot", true)
            .var("delete_automated_backups", true)
            .var("secret_recovery_window_in_days", 0),
    );
    tf.init();
    let destroy = tf.destroy_on_drop();
    tf.apply_and_idempotent();
    let applied = started.elapsed();

    let db = Database::read(&tf);
    let cluster = describe_cluster(&aws, &db.cluster_arn);
    assert_cluster(&cluster);
    assert_instances(&aws, &db, &cluster);
    assert_only_lambda_reaches_the_database(&aws, &db, &cluster);
    assert_master_secret_rotates(&aws, &db, &cluster);
    assert_jwt_secret_is_generated_outside_state(&aws, &tf, &db);

    destroy.destroy_now().unwrap();
    let left = aws.leftovers();
    assert!(left.is_empty(), "destroy left: {left:#?}");
    eprintln!(
        "database example: apply + re-plan in {applied:?}, all in {:?}",
        started.elapsed()
    );
}

fn describe_cluster(aws: &Aws, arn: &str) -> DbCluster {
    let answer = aws
        .run(
            aws.rds()
                .describe_db_clusters()
                .db_cluster_identifier(arn)
                .send(),
        )
        .unwrap();
    assert_eq!(answer.db_clusters().len(), 1, "{answer:?}");
    answer.db_clusters()[0].clone()
}

/// Aurora PostgreSQL Serverless v2, 0.5-2.0 ACU, backups 7 days, encrypted with the
/// customer key, IAM authentication, no Serverless v1 leftovers (README, first table).
fn assert_cluster(cluster: &DbCluster) {
    assert_eq!(cluster.engine(), Some("aurora-postgresql"));
    assert_eq!(
        cluster.engine_mode(),
        Some("provisioned"),
        "Serverless v2 clusters are provisioned"
    );
    let scaling = cluster
        .serverless_v2_scaling_configuration()
        .expect("Serverless v2 scaling configuration");
    assert_eq!(
        (scaling.min_capacity(), scaling.max_capacity()),
        (Some(0.5), Some(2.0))
    );
    assert!(
        cluster.scaling_configuration_info().is_none(),
        "a Serverless v1 configuration on a v2 cluster: {cluster:?}"
    );
    assert_eq!(cluster.backup_retention_period(), Some(7));
    assert_eq!(cluster.storage_encrypted(), Some(true));
    let key = cluster.kms_key_id().unwrap_or_default();
    assert!(
        key.contains(":key/"),
        "storage must use the module's customer key, not {key:?}"
    );
    assert_eq!(cluster.iam_database_authentication_enabled(), Some(true));
    assert_eq!(
        cluster.deletion_protection(),
        Some(false),
        "the test turned deletion protection off"
    );
}

/// A writer and a reader, Serverless v2, in two different zones, with Performance Insights
/// on the database key.
fn assert_instances(aws: &Aws, db: &Database, cluster: &DbCluster) {
    let members = cluster.db_cluster_members();
    assert_eq!(members.len(), 2, "{members:?}");
    let writers: Vec<_> = members
        .iter()
        .filter(|m| m.is_cluster_writer() == Some(true))
        .map(|m| m.db_instance_identifier().unwrap_or_default())
        .collect();
    assert_eq!(
        writers,
        [db.instance_ids[0].as_str()],
        "the first instance is the writer"
    );

    let filter = Filter::builder()
        .name("db-cluster-id")
        .values(cluster.db_cluster_identifier().unwrap())
        .build();
    let answer = aws
        .run(aws.rds().describe_db_instances().filters(filter).send())
        .unwrap();
    let instances: Vec<&DbInstance> = answer.db_instances().iter().collect();
    let ids: BTreeSet<_> = instances
        .iter()
        .filter_map(|i| i.db_instance_identifier())
        .collect();
    assert_eq!(
        ids,
        db.instance_ids.iter().map(String::as_str).collect(),
        "instances of the cluster"
    );
    let zones: BTreeSet<_> = instances
        .iter()
        .filter_map(|i| i.availability_zone())
        .collect();
    assert_eq!(
        zones.len(),
        2,
        "instances must be in two different zones: {zones:?}"
    );
    assert_eq!(
        zones,
        db.instance_zones.iter().map(String::as_str).collect(),
        "zones as the example reports them"
    );
    for instance in instances {
        let id = instance.db_instance_identifier().unwrap_or_default();
        assert_eq!(instance.db_instance_class(), Some("db.serverless"), "{id}");
        assert_eq!(instance.publicly_accessible(), Some(false), "{id}");
        assert_eq!(instance.performance_insights_enabled(), Some(true), "{id}");
        assert_eq!(
            instance.performance_insights_kms_key_id(),
            cluster.kms_key_id(),
            "{id}: Performance Insights on the database key"
        );
        assert_eq!(
            instance.performance_insights_retention_period(),
            Some(7),
            "{id}"
        );
    }
}

/// The cluster sits behind the network's database group, which accepts the Lambda group on
/// the cluster's port and nothing else, in the example's VPC.
fn assert_only_lambda_reaches_the_database(aws: &Aws, db: &Database, cluster: &DbCluster) {
    let groups: Vec<_> = cluster
        .vpc_security_groups()
        .iter()
        .filter_map(|g| g.vpc_security_group_id())
        .collect();
    assert_eq!(groups.len(), 1, "{groups:?}");
    let ec2 = aws.ec2();
    let described = aws
        .run(ec2.describe_security_groups().group_ids(groups[0]).send())
        .unwrap();
    assert_eq!(
        described.security_groups()[0].vpc_id(),
        Some(db.vpc_id.as_str())
    );

    let in_vpc = aws
        .run(
            ec2.describe_security_groups()
                .filters(Aws::ec2_filter("vpc-id", &[&db.vpc_id]))
                .send(),
        )
        .unwrap();
    let lambda: Vec<_> = in_vpc
        .security_groups()
        .iter()
        .filter(|g| g.group_name().unwrap_or_default().ends_with("-lambda"))
        .collect();
    assert_eq!(
        lambda.len(),
        1,
        "one Lambda group (<name>-lambda) in the VPC: {lambda:?}"
    );
    let lambda_sg = lambda[0].group_id().unwrap();

    let rules = aws
        .run(
            ec2.describe_security_group_rules()
                .filters(Aws::ec2_filter("group-id", &[groups[0]]))
                .send(),
        )
        .unwrap();
    let ingress: Vec<_> = rules
        .security_group_rules()
        .iter()
        .filter(|r| r.is_egress() == Some(false))
        .collect();
    assert_eq!(ingress.len(), 1, "{ingress:?}");
    let rule = ingress[0];
    assert_eq!(rule.ip_protocol(), Some("tcp"));
    assert_eq!(
        (rule.from_port(), rule.to_port()),
        (cluster.port(), cluster.port()),
        "the engine port only"
    );
    assert_eq!(
        rule.referenced_group_info().and_then(|g| g.group_id()),
        Some(lambda_sg),
        "from the Lambda group only"
    );
    assert_eq!(rule.cidr_ipv4(), None);
}

/// RDS manages the master password in Secrets Manager, on the database key, and rotates it
/// every 7 days (README, Secrets).
fn assert_master_secret_rotates(aws: &Aws, db: &Database, cluster: &DbCluster) {
    let master = cluster
        .master_user_secret()
        .expect("a managed master user secret");
    assert_eq!(master.secret_arn(), Some(db.master_secret_arn.as_str()));
    let secret = aws
        .run(
            aws.secretsmanager()
                .describe_secret()
                .secret_id(&db.master_secret_arn)
                .send(),
        )
        .unwrap();
    assert_eq!(secret.owning_service(), Some("rds"));
    assert_eq!(
        secret.rotation_enabled(),
        Some(true),
        "master secret rotation"
    );
    assert_eq!(
        secret
            .rotation_rules()
            .and_then(|r| r.automatically_after_days()),
        Some(7)
    );
    let kms = aws
        .run(
            aws.kms()
                .describe_key()
                .key_id(secret.kms_key_id().unwrap_or_default())
                .send(),
        )
        .unwrap();
    assert_eq!(
        kms.key_metadata().map(|m| m.arn()),
        Some(cluster.kms_key_id()),
        "master secret on the database key"
    );
}

/// The JWT signing secret holds a 64-character value drawn by Secrets Manager, encrypted with
/// the secrets key (not the database key), and the value is in no Terraform state.
fn assert_jwt_secret_is_generated_outside_state(aws: &Aws, tf: &Terraform, db: &Database) {
    let sm = aws.secretsmanager();
    let value = aws
        .run(sm.get_secret_value().secret_id(&db.jwt_secret_arn).send())
        .unwrap();
    let value = value.secret_string().unwrap_or_default().to_owned();
    assert_eq!(value.len(), 64, "JWT signing secret length");
    assert!(
        value.chars().all(|c| c.is_ascii_alphanumeric()),
        "letters and digits only"
    );
    let state = tf.try_state_pull().unwrap();
    assert!(
        !state.contains(&value),
        "the JWT signing secret's value leaked into the state"
    );

    let described = aws
        .run(sm.describe_secret().secret_id(&db.jwt_secret_arn).send())
        .unwrap();
    let key = aws
        .run(
            aws.kms()
                .describe_key()
                .key_id(described.kms_key_id().unwrap_or_default())
                .send(),
        )
        .unwrap();
    let key = key.key_metadata().expect("key metadata");
    assert_eq!(
        key.key_manager().map(|m| m.as_str()),
        Some("CUSTOMER"),
        "a customer key of the module"
    );
    let cluster_key = describe_cluster(aws, &db.cluster_arn)
        .kms_key_id()
        .unwrap_or_default()
        .to_owned();
    assert_ne!(
        key.arn().unwrap_or_default(),
        cluster_key,
        "application secrets have their own key"
    );
}
