"""EC2 security group rules that reference another group keep their description
(DescribeSecurityGroupRules and ModifySecurityGroupRules wrapped)."""

from __future__ import annotations


def two_groups(ec2) -> tuple[str, str]:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    lambda_sg = ec2.create_security_group(GroupName="lambda", Description="lambda", VpcId=vpc)["GroupId"]
    database_sg = ec2.create_security_group(GroupName="database", Description="database", VpcId=vpc)["GroupId"]
    return lambda_sg, database_sg


def rules_of(ec2, group_id: str, egress: bool) -> list[dict]:
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group_id]}])
    return [r for r in rules["SecurityGroupRules"] if r["IsEgress"] is egress]


def test_a_rule_referencing_a_group_is_described_with_its_description(emulator):
    ec2 = emulator.client("ec2")
    lambda_sg, database_sg = two_groups(ec2)

    # As hashicorp/aws's aws_vpc_security_group_ingress_rule sends it: one pair per call.
    ingress = ec2.authorize_security_group_ingress(
        GroupId=database_sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                        "UserIdGroupPairs": [{"GroupId": lambda_sg, "Description": "engine port from lambda"}]}],
    )["SecurityGroupRules"][0]  # fmt: skip
    egress = ec2.authorize_security_group_egress(
        GroupId=lambda_sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                        "UserIdGroupPairs": [{"GroupId": database_sg, "Description": "engine port to database"}]}],
    )["SecurityGroupRules"][0]  # fmt: skip
    # A CIDR rule, which moto already described correctly, must stay as it was.
    ec2.authorize_security_group_egress(
        GroupId=lambda_sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                        "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "https out"}]}],
    )  # fmt: skip

    by_id = ec2.describe_security_group_rules(SecurityGroupRuleIds=[ingress["SecurityGroupRuleId"]])
    [rule] = by_id["SecurityGroupRules"]
    assert rule["Description"] == "engine port from lambda"
    assert rule["ReferencedGroupInfo"]["GroupId"] == lambda_sg
    assert "CidrIpv4" not in rule

    [rule] = [r for r in rules_of(ec2, lambda_sg, egress=True) if r["SecurityGroupRuleId"] == egress["SecurityGroupRuleId"]]
    assert rule["Description"] == "engine port to database"
    https = [r for r in rules_of(ec2, lambda_sg, egress=True) if r.get("CidrIpv4") == "0.0.0.0/0" and r["FromPort"] == 443]
    assert [r["Description"] for r in https] == ["https out"]


def test_a_new_description_of_a_group_rule_reaches_both_describe_operations(emulator):
    ec2 = emulator.client("ec2")
    lambda_sg, database_sg = two_groups(ec2)
    rule_id = ec2.authorize_security_group_ingress(
        GroupId=database_sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                        "UserIdGroupPairs": [{"GroupId": lambda_sg, "Description": "old"}]}],
    )["SecurityGroupRules"][0]["SecurityGroupRuleId"]  # fmt: skip

    # What the provider sends when only the description of such a rule changes.
    ec2.modify_security_group_rules(
        GroupId=database_sg,
        SecurityGroupRules=[{"SecurityGroupRuleId": rule_id, "SecurityGroupRule": {
            "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
            "ReferencedGroupId": lambda_sg, "Description": "new"}}],
    )  # fmt: skip

    [rule] = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule_id])["SecurityGroupRules"]
    assert rule["Description"] == "new"
    [group] = ec2.describe_security_groups(GroupIds=[database_sg])["SecurityGroups"]
    [permission] = group["IpPermissions"]
    assert permission["UserIdGroupPairs"][0]["GroupId"] == lambda_sg
    assert permission["UserIdGroupPairs"][0]["Description"] == "new"
