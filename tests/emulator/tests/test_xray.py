"""X-Ray sampling rules, groups and tags (missing in moto): what aws_xray_sampling_rule and
aws_xray_group call."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

RULE = {
    "RuleName": "opsdeck-prod", "ResourceARN": "*", "Priority": 1000, "FixedRate": 0.05, "ReservoirSize": 1,
    "ServiceName": "opsdeck-prod/live", "ServiceType": "*", "Host": "*", "HTTPMethod": "*", "URLPath": "*", "Version": 1,
}  # fmt: skip


def test_a_sampling_rule_is_created_listed_updated_and_deleted(emulator):
    xray = emulator.client("xray")
    created = xray.create_sampling_rule(SamplingRule=RULE, Tags=[{"Key": "Environment", "Value": "prod"}])
    arn = created["SamplingRuleRecord"]["SamplingRule"]["RuleARN"]
    assert arn == "arn:aws:xray:us-east-1:123456789012:sampling-rule/opsdeck-prod"
    rules = {r["SamplingRule"]["RuleName"]: r["SamplingRule"] for r in xray.get_sampling_rules()["SamplingRuleRecords"]}
    assert set(rules) == {"Default", "opsdeck-prod"}, "every account has the Default rule"
    assert rules["opsdeck-prod"]["FixedRate"] == 0.05 and rules["opsdeck-prod"]["ServiceName"] == "opsdeck-prod/live"
    assert xray.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "Environment", "Value": "prod"}]

    updated = xray.update_sampling_rule(SamplingRuleUpdate={"RuleName": "opsdeck-prod", "FixedRate": 0.1})
    assert updated["SamplingRuleRecord"]["SamplingRule"]["FixedRate"] == 0.1
    assert updated["SamplingRuleRecord"]["SamplingRule"]["ReservoirSize"] == 1, "an update changes only what it names"

    xray.delete_sampling_rule(RuleARN=arn)
    names = [r["SamplingRule"]["RuleName"] for r in xray.get_sampling_rules()["SamplingRuleRecords"]]
    assert names == ["Default"]


def test_sampling_rule_errors(emulator):
    xray = emulator.client("xray")
    xray.create_sampling_rule(SamplingRule=RULE)
    with pytest.raises(ClientError) as duplicate:
        xray.create_sampling_rule(SamplingRule=RULE)
    assert duplicate.value.response["Error"]["Code"] == "InvalidRequestException"
    with pytest.raises(ClientError) as missing:
        xray.delete_sampling_rule(RuleName="nope")
    assert missing.value.response["Error"]["Code"] == "InvalidRequestException"
    with pytest.raises(ClientError) as default:
        xray.delete_sampling_rule(RuleName="Default")
    assert default.value.response["Error"]["Code"] == "InvalidRequestException"


def test_a_group_with_insights_is_created_read_updated_and_deleted(emulator):
    xray = emulator.client("xray")
    group = xray.create_group(
        GroupName="opsdeck-prod-slow",
        FilterExpression='service("opsdeck-prod/live") { responsetime > 2 }',
        InsightsConfiguration={"InsightsEnabled": True, "NotificationsEnabled": True},
        Tags=[{"Key": "Project", "Value": "opsdeck"}],
    )["Group"]
    arn = group["GroupARN"]
    assert arn.startswith("arn:aws:xray:us-east-1:123456789012:group/opsdeck-prod-slow/")
    read = xray.get_group(GroupARN=arn)["Group"]
    assert read["FilterExpression"] == 'service("opsdeck-prod/live") { responsetime > 2 }'
    assert read["InsightsConfiguration"] == {"InsightsEnabled": True, "NotificationsEnabled": True}
    assert [g["GroupName"] for g in xray.get_groups()["Groups"]] == ["opsdeck-prod-slow"]
    assert xray.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "Project", "Value": "opsdeck"}]

    xray.update_group(GroupName="opsdeck-prod-slow", FilterExpression="responsetime > 3")
    assert xray.get_group(GroupName="opsdeck-prod-slow")["Group"]["FilterExpression"] == "responsetime > 3"
    xray.tag_resource(ResourceARN=arn, Tags=[{"Key": "Team", "Value": "ops"}])
    xray.untag_resource(ResourceARN=arn, TagKeys=["Project"])
    assert xray.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "Team", "Value": "ops"}]

    xray.delete_group(GroupARN=arn)
    with pytest.raises(ClientError) as gone:
        xray.get_group(GroupARN=arn)
    assert gone.value.response["Error"]["Code"] == "InvalidRequestException"


def test_notifications_need_insights_and_groups_are_per_region(emulator):
    xray = emulator.client("xray")
    with pytest.raises(ClientError) as refused:
        xray.create_group(GroupName="g", FilterExpression="fault = true",
                          InsightsConfiguration={"InsightsEnabled": False, "NotificationsEnabled": True})  # fmt: skip
    assert refused.value.response["Error"]["Code"] == "InvalidRequestException"
    xray.create_group(GroupName="g", FilterExpression="fault = true")
    assert emulator.client("xray", region="eu-west-1").get_groups()["Groups"] == []
