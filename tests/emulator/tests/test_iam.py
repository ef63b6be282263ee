"""AWS-managed IAM policies exist, as in every real account (server.py loads moto's copy)."""

from __future__ import annotations

import json

MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"


def test_an_aws_managed_policy_exists_and_can_be_attached(emulator):
    iam = emulator.client("iam")
    policy = iam.get_policy(PolicyArn=MONITORING_POLICY)["Policy"]
    assert policy["PolicyName"] == "AmazonRDSEnhancedMonitoringRole"

    iam.create_role(
        RoleName="rds-monitoring",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "monitoring.rds.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
    )  # fmt: skip
    iam.attach_role_policy(RoleName="rds-monitoring", PolicyArn=MONITORING_POLICY)
    attached = iam.list_attached_role_policies(RoleName="rds-monitoring")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [MONITORING_POLICY]


def test_managed_policies_survive_a_reset(emulator):
    # Every test starts with a reset; a reset rebuilds the IAM backend, which must load them again.
    emulator.api("POST", "/_opsdeck/reset")
    assert emulator.client("iam").get_policy(PolicyArn=MONITORING_POLICY)["Policy"]["Arn"] == MONITORING_POLICY
