//! `modules/network/examples/complete` applied to the emulator (issue 7: R1.5, R4.3, P7).
//!
//! The example is applied in the default "single" NAT mode, switched to "per_az", and
//! destroyed; after each step the AWS SDK reads back what exists. Every apply must be
//! followed by an empty plan, and the destroy must leave nothing behind.

mod aws;
mod common;

use std::collections::BTreeSet;
use std::time::Instant;

use aws::Aws;
use aws_sdk_ec2::types::SecurityGroupRule;
use terratest::emulator::DEFAULT_REGION;
use terratest::{copy_folder_to_temp, paths, Emulator, Options, Terraform};

const EXAMPLE: &str = "modules/network/examples/complete";
/// The module's default engine port (`database_port`), which the example keeps.
const DATABASE_PORT: i32 = 5432;

/// The example's outputs that the assertions need.
struct Network {
    vpc_id: String,
    zones: Vec<String>,
    public_subnets: Vec<String>,
    private_subnets: Vec<String>,
    nat_gateways: Vec<String>,
    lambda_sg: String,
    database_sg: String,
}

impl Network {
    fn read(tf: &Terraform) -> Self {
        Self {
            vpc_id: tf.output("vpc_id"),
            zones: tf.output("availability_zones"),
            public_subnets: tf.output("public_subnet_ids"),
            private_subnets: tf.output("private_subnet_ids"),
            nat_gateways: tf.output("nat_gateway_ids"),
            lambda_sg: tf.output("lambda_security_group_id"),
            database_sg: tf.output("database_security_group_id"),
        }
    }
}

#[test]
fn the_network_example_applies_switches_nat_mode_and_destroys_clean() {
    let started = Instant::now();
    let emulator = Emulator::start().unwrap();
    let aws = Aws::new(&emulator);
    let copy = copy_folder_to_temp(&paths::repo_root(), EXAMPLE).unwrap();
    let options = |mode: &str| {
        Options::new(&copy.path)
            .cli_config(common::cli_config())
            .envs(emulator.env())
            .var("region", DEFAULT_REGION)
            .var("nat_gateway_mode", mode)
    };

    let single = Terraform::new(options("single"));
    single.init();
    let destroy = single.destroy_on_drop();
    single.apply_and_idempotent();
    let network = Network::read(&single);
    assert_vpc_and_subnets(&aws, &network);
    assert_security_groups(&aws, &network);
    assert_nat_gateways(&aws, &network, 1);

    // The same state, now one NAT gateway per zone: only routes move, the rest stays.
    let per_az = Terraform::new(options("per_az"));
    per_az.apply_and_idempotent();
    let switched = Network::read(&per_az);
    assert_eq!(
        switched.vpc_id, network.vpc_id,
        "switching NAT mode must not replace the VPC"
    );
    assert_eq!(
        switched.private_subnets, network.private_subnets,
        "switching NAT mode must not replace subnets"
    );
    assert_nat_gateways(&aws, &switched, 2);

    destroy.destroy_now().unwrap();
    let left = aws.leftovers();
    assert!(left.is_empty(), "destroy left: {left:#?}");
    eprintln!(
        "network example: apply, switch, destroy in {:?}",
        started.elapsed()
    );
}

/// 10.0.0.0/16, a public /24 and a private /20 in each of two distinct zones (README, Layout).
fn assert_vpc_and_subnets(aws: &Aws, network: &Network) {
    let ec2 = aws.ec2();
    let vpcs = aws
        .run(ec2.describe_vpcs().vpc_ids(&network.vpc_id).send())
        .unwrap();
    assert_eq!(vpcs.vpcs()[0].cidr_block(), Some("10.0.0.0/16"));

    assert_eq!(network.zones.len(), 2, "{:?}", network.zones);
    assert_eq!(
        network.zones.iter().collect::<BTreeSet<_>>().len(),
        2,
        "zones must be distinct: {:?}",
        network.zones
    );
    let expected = [
        (&network.public_subnets, ["10.0.0.0/24", "10.0.1.0/24"]),
        (&network.private_subnets, ["10.0.16.0/20", "10.0.32.0/20"]),
    ];
    for (ids, cidrs) in expected {
        assert_eq!(ids.len(), 2, "{ids:?}");
        for (i, id) in ids.iter().enumerate() {
            let subnets = aws
                .run(ec2.describe_subnets().subnet_ids(id).send())
                .unwrap();
            let subnet = &subnets.subnets()[0];
            assert_eq!(subnet.vpc_id(), Some(network.vpc_id.as_str()));
            assert_eq!(subnet.cidr_block(), Some(cidrs[i]), "subnet {id}");
            assert_eq!(
                subnet.availability_zone(),
                Some(network.zones[i].as_str()),
                "subnet {id} is in zone {i}"
            );
            assert_eq!(
                subnet.map_public_ip_on_launch(),
                Some(false),
                "subnet {id}: no public IPs on launch"
            );
        }
    }
}

fn rules(aws: &Aws, group_id: &str) -> Vec<SecurityGroupRule> {
    let ec2 = aws.ec2();
    let answer = aws
        .run(
            ec2.describe_security_group_rules()
                .filters(Aws::ec2_filter("group-id", &[group_id]))
                .send(),
        )
        .unwrap();
    answer.security_group_rules().to_vec()
}

/// `(egress, protocol, from, to, peer)` where peer is a CIDR or `sg:<id>`.
fn summary(rule: &SecurityGroupRule) -> (bool, String, i32, i32, String) {
    let peer = match (
        rule.cidr_ipv4(),
        rule.referenced_group_info().and_then(|g| g.group_id()),
    ) {
        (Some(cidr), None) => cidr.to_owned(),
        (None, Some(group)) => format!("sg:{group}"),
        other => panic!(
            "rule {:?} has an unexpected peer {other:?}",
            rule.security_group_rule_id()
        ),
    };
    (
        rule.is_egress().unwrap_or_default(),
        rule.ip_protocol().unwrap_or_default().to_owned(),
        rule.from_port().unwrap_or(-1),
        rule.to_port().unwrap_or(-1),
        peer,
    )
}

/// The database group accepts only the Lambda group on the engine port and sends nothing;
/// the Lambda group accepts nothing and sends HTTPS out and the engine port to the database
/// only; the VPC's default group has no rules (README, Security groups).
fn assert_security_groups(aws: &Aws, network: &Network) {
    let database: BTreeSet<_> = rules(aws, &network.database_sg)
        .iter()
        .map(summary)
        .collect();
    let expected_database = BTreeSet::from([(
        false,
        "tcp".to_owned(),
        DATABASE_PORT,
        DATABASE_PORT,
        format!("sg:{}", network.lambda_sg),
    )]);
    assert_eq!(database, expected_database, "database group rules");

    let lambda: BTreeSet<_> = rules(aws, &network.lambda_sg).iter().map(summary).collect();
    let expected_lambda = BTreeSet::from([
        (true, "tcp".to_owned(), 443, 443, "0.0.0.0/0".to_owned()),
        (
            true,
            "tcp".to_owned(),
            DATABASE_PORT,
            DATABASE_PORT,
            format!("sg:{}", network.database_sg),
        ),
    ]);
    assert_eq!(lambda, expected_lambda, "Lambda group rules");

    // Every rule says why it exists (and the emulator must keep that for group references).
    for rule in rules(aws, &network.database_sg)
        .iter()
        .chain(rules(aws, &network.lambda_sg).iter())
    {
        assert!(
            !rule.description().unwrap_or_default().is_empty(),
            "rule without description: {rule:?}"
        );
    }

    let ec2 = aws.ec2();
    let defaults = aws
        .run(
            ec2.describe_security_groups()
                .filters(Aws::ec2_filter("vpc-id", &[&network.vpc_id]))
                .filters(Aws::ec2_filter("group-name", &["default"]))
                .send(),
        )
        .unwrap();
    let default_group = defaults.security_groups()[0].group_id().unwrap();
    assert_eq!(
        rules(aws, default_group).len(),
        0,
        "the default security group must have no rules"
    );
}

/// `count` available NAT gateways in distinct public subnets; each private subnet routes
/// 0.0.0.0/0 through one: "single" → all through the first zone's, "per_az" → its own zone's.
fn assert_nat_gateways(aws: &Aws, network: &Network, count: usize) {
    let ec2 = aws.ec2();
    let answer = aws
        .run(
            ec2.describe_nat_gateways()
                .filter(Aws::ec2_filter("vpc-id", &[&network.vpc_id]))
                .send(),
        )
        .unwrap();
    let available: Vec<_> = answer
        .nat_gateways()
        .iter()
        .filter(|n| n.state().map(|s| s.as_str()) == Some("available"))
        .collect();
    assert_eq!(
        available.len(),
        count,
        "available NAT gateways: {available:?}"
    );
    assert_eq!(
        network.nat_gateways.len(),
        count,
        "output nat_gateway_ids: {:?}",
        network.nat_gateways
    );

    let subnet_of = |nat_id: &str| -> String {
        let nat = available
            .iter()
            .find(|n| n.nat_gateway_id() == Some(nat_id))
            .unwrap_or_else(|| panic!("NAT gateway {nat_id} is not available"));
        nat.subnet_id().unwrap().to_owned()
    };
    let nat_subnets: BTreeSet<String> = network
        .nat_gateways
        .iter()
        .map(|id| subnet_of(id))
        .collect();
    assert_eq!(
        nat_subnets.len(),
        count,
        "one NAT gateway per public subnet"
    );
    assert!(
        nat_subnets
            .iter()
            .all(|s| network.public_subnets.contains(s)),
        "NAT gateways in public subnets: {nat_subnets:?}"
    );

    for (zone, private) in network.private_subnets.iter().enumerate() {
        let tables = aws
            .run(
                ec2.describe_route_tables()
                    .filters(Aws::ec2_filter("association.subnet-id", &[private]))
                    .send(),
            )
            .unwrap();
        assert_eq!(
            tables.route_tables().len(),
            1,
            "private subnet {private} has its own route table"
        );
        let default_route = tables.route_tables()[0]
            .routes()
            .iter()
            .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"));
        let nat_id = default_route
            .and_then(|r| r.nat_gateway_id())
            .unwrap_or_else(|| {
                panic!("private subnet {private} has no default route through a NAT gateway")
            });
        let expected_subnet = &network.public_subnets[if count == 1 { 0 } else { zone }];
        assert_eq!(
            &subnet_of(nat_id),
            expected_subnet,
            "private subnet {private} (zone {zone}) egresses through the wrong NAT gateway"
        );
    }
}
