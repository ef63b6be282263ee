"""CloudWatch composite alarms (PutCompositeAlarm added) and our DescribeAlarms/DeleteAlarms."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, REGION

TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:alarms"
PROTOCOLS = ["json", "query"]  # boto3's default for CloudWatch is JSON; Go SDK / Terraform use Query


def put_metric_alarm(cw, name: str, actions: list[str] | None = None) -> None:
    cw.put_metric_alarm(
        AlarmName=name, Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum", Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold", AlarmActions=actions or [],
    )  # fmt: skip


def describe_composite(cw, name: str) -> dict:
    """What hashicorp/aws's aws_cloudwatch_composite_alarm reads back."""
    answer = cw.describe_alarms(AlarmNames=[name], AlarmTypes=["CompositeAlarm"])
    assert answer["MetricAlarms"] == []
    assert len(answer["CompositeAlarms"]) == 1, answer
    return answer["CompositeAlarms"][0]


def error_code(info: pytest.ExceptionInfo) -> str:
    return info.value.response["Error"]["Code"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_put_composite_alarm_creates_a_readable_composite(emulator, protocol):
    cw = emulator.client("cloudwatch", protocol)
    put_metric_alarm(cw, "child-a")
    put_metric_alarm(cw, "child-b")
    put_metric_alarm(cw, "maintenance")

    cw.put_composite_alarm(
        AlarmName="set-composite",
        AlarmRule='ALARM("child-a") OR ALARM(child-b)',
        AlarmDescription="any child",
        ActionsEnabled=False,
        AlarmActions=[TOPIC],
        OKActions=[TOPIC + "-ok"],
        InsufficientDataActions=[TOPIC + "-insufficient"],
        Tags=[{"Key": "team", "Value": "ops"}, {"Key": "set", "Value": "api"}],
        ActionsSuppressor="maintenance",
        ActionsSuppressorWaitPeriod=120,
        ActionsSuppressorExtensionPeriod=300,
    )

    alarm = describe_composite(cw, "set-composite")
    assert alarm["AlarmArn"] == f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:set-composite"
    assert alarm["AlarmRule"] == 'ALARM("child-a") OR ALARM(child-b)'
    assert alarm["AlarmDescription"] == "any child"
    assert alarm["ActionsEnabled"] is False
    assert alarm["AlarmActions"] == [TOPIC]
    assert alarm["OKActions"] == [TOPIC + "-ok"]
    assert alarm["InsufficientDataActions"] == [TOPIC + "-insufficient"]
    assert alarm["ActionsSuppressor"] == "maintenance"
    assert alarm["ActionsSuppressorWaitPeriod"] == 120
    assert alarm["ActionsSuppressorExtensionPeriod"] == 300
    assert alarm["StateValue"] == "INSUFFICIENT_DATA"  # AWS: the state of a new composite alarm
    assert "AlarmConfigurationUpdatedTimestamp" in alarm

    tags = cw.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("set", "api"), ("team", "ops")]


def test_put_composite_alarm_defaults(emulator):
    cw = emulator.client("cloudwatch", "query")
    put_metric_alarm(cw, "child")
    cw.put_composite_alarm(AlarmName="plain", AlarmRule="ALARM(child)")
    alarm = describe_composite(cw, "plain")
    assert alarm["ActionsEnabled"] is True
    assert alarm["AlarmActions"] == [] and alarm["OKActions"] == []
    assert "AlarmDescription" not in alarm and "ActionsSuppressor" not in alarm


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_put_composite_alarm_again_updates_in_place(emulator, protocol):
    cw = emulator.client("cloudwatch", protocol)
    put_metric_alarm(cw, "child-a")
    put_metric_alarm(cw, "child-b")
    cw.put_composite_alarm(
        AlarmName="c", AlarmRule="ALARM(child-a)", AlarmDescription="v1", AlarmActions=[TOPIC],
        Tags=[{"Key": "v", "Value": "1"}],
    )  # fmt: skip
    before = describe_composite(cw, "c")
    cw.set_alarm_state(AlarmName="c", StateValue="ALARM", StateReason="test")
    time.sleep(0.01)

    cw.put_composite_alarm(
        AlarmName="c", AlarmRule="ALARM(child-a) AND ALARM(child-b)", OKActions=[TOPIC],
        Tags=[{"Key": "v", "Value": "2"}],
    )  # fmt: skip

    after = describe_composite(cw, "c")
    assert after["AlarmArn"] == before["AlarmArn"]
    assert after["AlarmRule"] == "ALARM(child-a) AND ALARM(child-b)"
    assert "AlarmDescription" not in after  # the whole configuration is replaced
    assert after["AlarmActions"] == [] and after["OKActions"] == [TOPIC]
    assert after["StateValue"] == "ALARM"  # AWS: an update leaves the state unchanged
    assert after["AlarmConfigurationUpdatedTimestamp"] > before["AlarmConfigurationUpdatedTimestamp"]
    # AWS: Tags are applied on creation only; an update ignores them.
    assert cw.list_tags_for_resource(ResourceARN=after["AlarmArn"])["Tags"] == [{"Key": "v", "Value": "1"}]
    assert len(cw.describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]) == 1


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_delete_alarms_deletes_a_composite_and_its_tags(emulator, protocol):
    cw = emulator.client("cloudwatch", protocol)
    put_metric_alarm(cw, "child")
    cw.put_composite_alarm(AlarmName="c", AlarmRule="ALARM(child)", Tags=[{"Key": "k", "Value": "v"}])
    arn = describe_composite(cw, "c")["AlarmArn"]

    cw.delete_alarms(AlarmNames=["c"])
    assert cw.describe_alarms(AlarmNames=["c"], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"] == []
    assert [a["AlarmName"] for a in cw.describe_alarms()["MetricAlarms"]] == ["child"]

    # moto alone would hand the deleted alarm's tags to a new alarm of the same name.
    cw.put_composite_alarm(AlarmName="c", AlarmRule="ALARM(child)")
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == []


def test_put_composite_alarm_validates_like_aws(emulator):
    cw = emulator.client("cloudwatch", "query")
    put_metric_alarm(cw, "child")

    with pytest.raises(ClientError) as missing:
        cw.put_composite_alarm(AlarmName="c", AlarmRule='ALARM(child) OR ALARM("gone")')
    assert error_code(missing) == "ValidationError"
    assert "alarms [gone] in the alarm rule do not exist" in missing.value.response["Error"]["Message"]

    with pytest.raises(ClientError) as periods:
        cw.put_composite_alarm(AlarmName="c", AlarmRule="ALARM(child)", ActionsSuppressor="child")
    assert error_code(periods) == "ValidationError"

    with pytest.raises(ClientError) as metric:
        cw.put_composite_alarm(AlarmName="child", AlarmRule="ALARM(child)")
    assert error_code(metric) == "ValidationError"

    arn = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:child"
    cw.put_composite_alarm(AlarmName="by-arn", AlarmRule=f'ALARM("{arn}")')
    other_region = arn.replace(REGION, "eu-west-1")
    with pytest.raises(ClientError):  # composite alarms cannot reference other regions' alarms
        cw.put_composite_alarm(AlarmName="x", AlarmRule=f'ALARM("{other_region}")')
    assert cw.describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"][0]["AlarmName"] == "by-arn"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_describe_alarms_without_alarm_types_returns_metric_alarms_only(emulator, protocol):
    cw = emulator.client("cloudwatch", protocol)
    put_metric_alarm(cw, "child")
    cw.put_composite_alarm(AlarmName="composite", AlarmRule="ALARM(child)")

    default = cw.describe_alarms()
    assert [a["AlarmName"] for a in default["MetricAlarms"]] == ["child"]
    assert default["CompositeAlarms"] == []
    assert cw.describe_alarms(AlarmNames=["composite"])["CompositeAlarms"] == []

    both = cw.describe_alarms(AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    assert [a["AlarmName"] for a in both["MetricAlarms"]] == ["child"]
    assert [a["AlarmName"] for a in both["CompositeAlarms"]] == ["composite"]


def test_describe_alarms_filters_combine(emulator):
    cw = emulator.client("cloudwatch", "query")
    put_metric_alarm(cw, "api-errors", [TOPIC])
    put_metric_alarm(cw, "api-latency")
    put_metric_alarm(cw, "db-cpu", [TOPIC])
    cw.set_alarm_state(AlarmName="api-latency", StateValue="ALARM", StateReason="test")

    def names(**kwargs):
        return [a["AlarmName"] for a in cw.describe_alarms(**kwargs)["MetricAlarms"]]

    assert names(AlarmNamePrefix="api-") == ["api-errors", "api-latency"]
    assert names(AlarmNamePrefix="api-", StateValue="ALARM") == ["api-latency"]  # moto used only the first
    assert names(ActionPrefix=TOPIC) == ["api-errors", "db-cpu"]
    assert names(ActionPrefix=TOPIC, AlarmNamePrefix="db") == ["db-cpu"]
    assert names(AlarmNames=["db-cpu", "api-errors", "nope"]) == ["api-errors", "db-cpu"]
    with pytest.raises(ClientError) as both:
        cw.describe_alarms(AlarmNames=["db-cpu"], AlarmNamePrefix="db")
    assert error_code(both) == "InvalidParameterCombination"


def test_describe_alarms_children_and_parents(emulator):
    cw = emulator.client("cloudwatch", "query")
    for name in ("a", "b", "unrelated"):
        put_metric_alarm(cw, name)
    cw.put_composite_alarm(AlarmName="inner", AlarmRule="ALARM(a) AND NOT OK(b)")
    cw.put_composite_alarm(AlarmName="outer", AlarmRule='ALARM("inner") OR INSUFFICIENT_DATA(a)')

    children = cw.describe_alarms(ChildrenOfAlarmName="outer")
    assert [a["AlarmName"] for a in children["MetricAlarms"]] == ["a"]
    assert [a["AlarmName"] for a in children["CompositeAlarms"]] == ["inner"]

    parents = cw.describe_alarms(ParentsOfAlarmName="a")
    assert [a["AlarmName"] for a in parents["CompositeAlarms"]] == ["inner", "outer"]
    assert parents["MetricAlarms"] == []
    assert cw.describe_alarms(ParentsOfAlarmName="unrelated")["CompositeAlarms"] == []

    with pytest.raises(ClientError) as combined:
        cw.describe_alarms(ChildrenOfAlarmName="outer", StateValue="OK")
    assert error_code(combined) == "ValidationError"


def test_describe_alarms_paginates(emulator):
    cw = emulator.client("cloudwatch", "query")
    names = [f"alarm-{i:02d}" for i in range(55)]
    for name in names:
        put_metric_alarm(cw, name)

    first = cw.describe_alarms()
    assert len(first["MetricAlarms"]) == 50 and "NextToken" in first  # default page size
    pages = list(cw.get_paginator("describe_alarms").paginate(PaginationConfig={"PageSize": 20}))
    assert [len(p["MetricAlarms"]) for p in pages] == [20, 20, 15]
    assert [a["AlarmName"] for p in pages for a in p["MetricAlarms"]] == names

    with pytest.raises(ClientError) as bad:
        cw.describe_alarms(NextToken="%%%not-a-token")
    assert error_code(bad) == "InvalidNextToken"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_delete_alarms_refuses_a_child_that_a_composite_references(emulator, protocol):
    cw = emulator.client("cloudwatch", protocol)
    for name in ("a", "b", "free"):
        put_metric_alarm(cw, name)
    arn_b = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:b"
    cw.put_composite_alarm(AlarmName="c", AlarmRule=f'ALARM(a) OR ALARM("{arn_b}")')

    with pytest.raises(ClientError) as one:
        cw.delete_alarms(AlarmNames=["a", "free"])
    assert error_code(one) == "ValidationError"
    assert one.value.response["Error"]["Message"] == "Cannot delete a as there are composite alarm(s) depending on it."
    with pytest.raises(ClientError) as two:  # referenced by ARN counts too
        cw.delete_alarms(AlarmNames=["a", "b"])
    assert "Cannot delete a,b as there are composite alarm(s) depending on them." == two.value.response["Error"]["Message"]
    # A refused call deletes nothing.
    assert [a["AlarmName"] for a in cw.describe_alarms()["MetricAlarms"]] == ["a", "b", "free"]

    cw.delete_alarms(AlarmNames=["c"])  # the composite first ...
    cw.delete_alarms(AlarmNames=["a", "b", "free"])  # ... then its children
    assert cw.describe_alarms(AlarmTypes=["MetricAlarm", "CompositeAlarm"])["MetricAlarms"] == []


def test_delete_alarms_takes_one_composite_and_100_names_per_call(emulator):
    cw = emulator.client("cloudwatch", "query")
    put_metric_alarm(cw, "child")
    cw.put_composite_alarm(AlarmName="c1", AlarmRule="ALARM(child)")
    cw.put_composite_alarm(AlarmName="c2", AlarmRule="ALARM(child)")

    with pytest.raises(ClientError) as two:
        cw.delete_alarms(AlarmNames=["c1", "c2"])
    assert error_code(two) == "ValidationError"
    assert "at most one composite alarm" in two.value.response["Error"]["Message"]
    assert len(cw.describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]) == 2

    with pytest.raises(ClientError) as many:
        cw.delete_alarms(AlarmNames=[f"x{i}" for i in range(101)])
    assert error_code(many) == "ValidationError"
    with pytest.raises(ClientError) as described:
        cw.describe_alarms(AlarmNames=[f"x{i}" for i in range(101)])
    assert error_code(described) == "ValidationError"

    # One composite per call, with metric alarms that it alone references: allowed.
    cw.delete_alarms(AlarmNames=["c1"])
    cw.delete_alarms(AlarmNames=["c2", "child"])
    assert cw.describe_alarms(AlarmTypes=["MetricAlarm", "CompositeAlarm"])["CompositeAlarms"] == []
    cw.delete_alarms(AlarmNames=["never-existed"])  # unknown names are not an error
