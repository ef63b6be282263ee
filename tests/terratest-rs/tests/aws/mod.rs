//! AWS SDK clients on an emulator, for the module suites that read back through the
//! SDK what terraform built (`tests/network.rs`, `tests/database.rs`, `tests/cost_budget.rs`).
#![allow(dead_code)]

use std::future::Future;

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use terratest::emulator::{ACCESS_KEY_ID, DEFAULT_REGION, SECRET_ACCESS_KEY};
use terratest::Emulator;

/// One test's view of the emulator through the SDK: a runtime and a shared configuration
/// (endpoint, test credentials, region; nothing from the developer's AWS config wins).
pub struct Aws {
    rt: tokio::runtime::Runtime,
    config: aws_types::SdkConfig,
}

impl Aws {
    pub fn new(emulator: &Emulator) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let credentials =
            Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None, None, "emulator");
        let config = rt.block_on(
            aws_config::defaults(BehaviorVersion::latest())
                .endpoint_url(emulator.endpoint())
                .region(Region::new(DEFAULT_REGION))
                .credentials_provider(credentials)
                .load(),
        );
        Self { rt, config }
    }

    /// Runs one SDK call (or any future) to completion.
    pub fn run<F: Future>(&self, future: F) -> F::Output {
        self.rt.block_on(future)
    }

    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.config)
    }

    pub fn rds(&self) -> aws_sdk_rds::Client {
        aws_sdk_rds::Client::new(&self.config)
    }

    pub fn secretsmanager(&self) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::new(&self.config)
    }

    pub fn kms(&self) -> aws_sdk_kms::Client {
        aws_sdk_kms::Client::new(&self.config)
    }

    /// AWS Budgets, signed for us-east-1 (the emulator's region here), as AWS wants.
    pub fn budgets(&self) -> aws_sdk_budgets::Client {
        aws_sdk_budgets::Client::new(&self.config)
    }

    /// `name=values` filter of the EC2 Describe operations.
    pub fn ec2_filter(name: &str, values: &[&str]) -> aws_sdk_ec2::types::Filter {
        aws_sdk_ec2::types::Filter::builder()
            .name(name)
            .set_values(Some(values.iter().map(|v| (*v).to_owned()).collect()))
            .build()
    }

    /// What a destroy must leave behind: nothing but moto's default VPC, no NAT gateway
    /// that is not deleted, no Elastic IP, no DB cluster, instance or cluster snapshot
    /// (automated ones included), no secret (also none scheduled for deletion), and KMS
    /// keys of our own only in `PendingDeletion` (AWS keeps a deleted key 7-30 days). Returns what
    /// is left, empty when clean.
    pub fn leftovers(&self) -> Vec<String> {
        let mut left = Vec::new();
        let ec2 = self.ec2();
        for vpc in self.run(ec2.describe_vpcs().send()).unwrap().vpcs() {
            if vpc.is_default() != Some(true) {
                left.push(format!("VPC {:?}", vpc.vpc_id()));
            }
        }
        for nat in self
            .run(ec2.describe_nat_gateways().send())
            .unwrap()
            .nat_gateways()
        {
            let state = nat
                .state()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default();
            if state != "deleted" && state != "deleting" {
                left.push(format!("NAT gateway {:?} ({state})", nat.nat_gateway_id()));
            }
        }
        for address in self
            .run(ec2.describe_addresses().send())
            .unwrap()
            .addresses()
        {
            left.push(format!("Elastic IP {:?}", address.public_ip()));
        }
        let rds = self.rds();
        for cluster in self
            .run(rds.describe_db_clusters().send())
            .unwrap()
            .db_clusters()
        {
            left.push(format!("DB cluster {:?}", cluster.db_cluster_identifier()));
        }
        for instance in self
            .run(rds.describe_db_instances().send())
            .unwrap()
            .db_instances()
        {
            left.push(format!(
                "DB instance {:?}",
                instance.db_instance_identifier()
            ));
        }
        for snapshot in self
            .run(rds.describe_db_cluster_snapshots().send())
            .unwrap()
            .db_cluster_snapshots()
        {
            left.push(format!(
                "DB cluster snapshot {:?} ({:?})",
                snapshot.db_cluster_snapshot_identifier(),
                snapshot.snapshot_type()
            ));
        }
        let secrets = self
            .run(
                self.secretsmanager()
                    .list_secrets()
                    .include_planned_deletion(true)
                    .send(),
            )
            .unwrap();
        for secret in secrets.secret_list() {
            left.push(format!("secret {:?}", secret.name()));
        }
        let kms = self.kms();
        for key in self.run(kms.list_keys().send()).unwrap().keys() {
            let id = key.key_id().unwrap_or_default();
            let described = self.run(kms.describe_key().key_id(id).send()).unwrap();
            let metadata = described.key_metadata();
            // AWS-managed keys (aws/rds ...) belong to the account, not to the stack.
            let customer = metadata
                .and_then(|m| m.key_manager())
                .map(|m| m.as_str() == "CUSTOMER")
                .unwrap_or(true);
            let state = metadata
                .and_then(|m| m.key_state())
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default();
            if customer && state != "PendingDeletion" {
                left.push(format!("KMS key {id} ({state})"));
            }
        }
        left
    }
}
