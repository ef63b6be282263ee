"""Cost Anomaly Detection monitors and subscriptions (missing in moto): what
aws_ce_anomaly_monitor and aws_ce_anomaly_subscription call."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

TAGGED = {"Tags": {"Key": "Environment", "Values": ["prod"], "MatchOptions": ["EQUALS"]}}
TOPIC = "arn:aws:sns:ap-northeast-1:123456789012:cost-anomalies"
THRESHOLD = {"Dimensions": {"Key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE", "MatchOptions": ["GREATER_THAN_OR_EQUAL"], "Values": ["10"]}}


def test_a_custom_monitor_and_its_sns_subscription(emulator):
    ce = emulator.client("ce")
    monitor = ce.create_anomaly_monitor(
        AnomalyMonitor={"MonitorName": "opsdeck-prod-costs", "MonitorType": "CUSTOM", "MonitorSpecification": TAGGED},
        ResourceTags=[{"Key": "Project", "Value": "opsdeck"}],
    )["MonitorArn"]
    assert monitor.startswith("arn:aws:ce::123456789012:anomalymonitor/")
    read = ce.get_anomaly_monitors(MonitorArnList=[monitor])["AnomalyMonitors"][0]
    assert (read["MonitorName"], read["MonitorType"], read["MonitorSpecification"]) == ("opsdeck-prod-costs", "CUSTOM", TAGGED)
    assert ce.list_tags_for_resource(ResourceArn=monitor)["ResourceTags"] == [{"Key": "Project", "Value": "opsdeck"}]

    subscription = ce.create_anomaly_subscription(AnomalySubscription={
        "SubscriptionName": "opsdeck-prod-cost-anomalies", "MonitorArnList": [monitor], "Frequency": "IMMEDIATE",
        "Subscribers": [{"Type": "SNS", "Address": TOPIC}], "ThresholdExpression": THRESHOLD,
    })["SubscriptionArn"]  # fmt: skip
    read = ce.get_anomaly_subscriptions(SubscriptionArnList=[subscription])["AnomalySubscriptions"][0]
    assert read["MonitorArnList"] == [monitor] and read["Frequency"] == "IMMEDIATE"
    assert read["Subscribers"] == [{"Type": "SNS", "Address": TOPIC, "Status": "CONFIRMED"}]
    assert read["ThresholdExpression"] == THRESHOLD and read["AccountId"] == "123456789012"
    assert [s["SubscriptionArn"] for s in ce.get_anomaly_subscriptions(MonitorArn=monitor)["AnomalySubscriptions"]] == [subscription]

    with pytest.raises(ClientError) as in_use:
        ce.delete_anomaly_monitor(MonitorArn=monitor)
    assert in_use.value.response["Error"]["Code"] == "ValidationException"

    ce.update_anomaly_subscription(SubscriptionArn=subscription, ThresholdExpression={
        "Dimensions": {"Key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE", "MatchOptions": ["GREATER_THAN_OR_EQUAL"], "Values": ["20"]}})  # fmt: skip
    read = ce.get_anomaly_subscriptions(SubscriptionArnList=[subscription])["AnomalySubscriptions"][0]
    assert read["ThresholdExpression"]["Dimensions"]["Values"] == ["20"] and read["Frequency"] == "IMMEDIATE"

    ce.delete_anomaly_subscription(SubscriptionArn=subscription)
    ce.delete_anomaly_monitor(MonitorArn=monitor)
    for call, code in [(lambda: ce.get_anomaly_monitors(MonitorArnList=[monitor]), "UnknownMonitorException"),
                       (lambda: ce.get_anomaly_subscriptions(SubscriptionArnList=[subscription]), "UnknownSubscriptionException")]:  # fmt: skip
        with pytest.raises(ClientError) as gone:
            call()
        assert gone.value.response["Error"]["Code"] == code


def test_monitor_and_subscription_rules(emulator):
    ce = emulator.client("ce")
    with pytest.raises(ClientError) as no_dimension:
        ce.create_anomaly_monitor(AnomalyMonitor={"MonitorName": "m", "MonitorType": "DIMENSIONAL"})
    assert no_dimension.value.response["Error"]["Code"] == "ValidationException"
    monitor = ce.create_anomaly_monitor(
        AnomalyMonitor={"MonitorName": "m", "MonitorType": "DIMENSIONAL", "MonitorDimension": "SERVICE"})["MonitorArn"]
    with pytest.raises(ClientError) as daily_sns:
        ce.create_anomaly_subscription(AnomalySubscription={
            "SubscriptionName": "s", "MonitorArnList": [monitor], "Frequency": "DAILY",
            "Subscribers": [{"Type": "SNS", "Address": TOPIC}], "ThresholdExpression": THRESHOLD})  # fmt: skip
    assert daily_sns.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as unknown_monitor:
        ce.create_anomaly_subscription(AnomalySubscription={
            "SubscriptionName": "s", "MonitorArnList": [monitor + "x"], "Frequency": "IMMEDIATE",
            "Subscribers": [{"Type": "SNS", "Address": TOPIC}], "ThresholdExpression": THRESHOLD})  # fmt: skip
    assert unknown_monitor.value.response["Error"]["Code"] == "UnknownMonitorException"
    ce.update_anomaly_monitor(MonitorArn=monitor, MonitorName="renamed")
    assert ce.get_anomaly_monitors()["AnomalyMonitors"][0]["MonitorName"] == "renamed"
    assert json.dumps(ce.get_anomaly_monitors()["AnomalyMonitors"][0]["MonitorDimension"]) == '"SERVICE"'
