"""Resource Groups Tagging API GetResources with ResourceARNList: one page, as AWS answers."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, REGION


def alarm_arn(name: str) -> str:
    return f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"


def make_alarms(cw, count: int, tags: int) -> list[str]:
    names = [f"set-k{i:03d}" for i in range(count)]
    for name in names:
        cw.put_metric_alarm(
            AlarmName=name, Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum", Period=60,
            EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
            Tags=[{"Key": f"t{j}", "Value": name} for j in range(tags)],
        )  # fmt: skip
    return names


def test_get_resources_by_arn_list_answers_100_alarms_in_one_page(emulator):
    cw = emulator.client("cloudwatch", "query")
    tagging = emulator.client("resourcegroupstaggingapi")
    names = make_alarms(cw, 100, tags=3)  # moto alone stops a page at 50 resources or 100 tags

    answer = tagging.get_resources(ResourceARNList=[alarm_arn(n) for n in names])
    assert answer.get("PaginationToken", "") == ""
    found = {m["ResourceARN"]: {t["Key"]: t["Value"] for t in m["Tags"]} for m in answer["ResourceTagMappingList"]}
    assert len(found) == 100
    assert found[alarm_arn("set-k042")] == {"t0": "set-k042", "t1": "set-k042", "t2": "set-k042"}


def test_get_resources_by_arn_list_refuses_paging_and_more_than_100_arns(emulator):
    tagging = emulator.client("resourcegroupstaggingapi")
    with pytest.raises(ClientError) as paged:
        tagging.get_resources(ResourceARNList=[alarm_arn("a")], ResourcesPerPage=10)
    assert paged.value.response["Error"]["Code"] == "InvalidParameterException"
    with pytest.raises(ClientError) as many:
        tagging.get_resources(ResourceARNList=[alarm_arn(f"a{i}") for i in range(101)])
    assert many.value.response["Error"]["Code"] == "InvalidParameterException"


def test_get_resources_without_arn_list_is_still_moto(emulator):
    cw = emulator.client("cloudwatch", "query")
    tagging = emulator.client("resourcegroupstaggingapi")
    make_alarms(cw, 3, tags=1)
    answer = tagging.get_resources(ResourceTypeFilters=["cloudwatch:alarm"], ResourcesPerPage=2)
    assert len(answer["ResourceTagMappingList"]) == 2 and answer["PaginationToken"]
    # Untagged alarms are not returned (moto's behaviour, and AWS's for never-tagged ones).
    assert tagging.get_resources(ResourceARNList=[alarm_arn("missing")])["ResourceTagMappingList"] == []
