"""CloudWatch Logs query definitions (missing in moto): what aws_cloudwatch_query_definition calls."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def test_a_query_definition_is_saved_found_by_prefix_replaced_and_deleted(emulator):
    logs = emulator.client("logs")
    first = logs.put_query_definition(
        name="opsdeck-prod/slowest-requests",
        logGroupNames=["/aws/lambda/opsdeck-prod-api"],
        queryString='filter type = "platform.report" | sort record.metrics.durationMs desc',
    )["queryDefinitionId"]
    logs.put_query_definition(name="other/query", queryString="fields @message")
    found = logs.describe_query_definitions(queryDefinitionNamePrefix="opsdeck-prod/")["queryDefinitions"]
    assert [d["queryDefinitionId"] for d in found] == [first]
    assert found[0]["logGroupNames"] == ["/aws/lambda/opsdeck-prod-api"]
    assert found[0]["queryString"].startswith('filter type = "platform.report"')

    same = logs.put_query_definition(queryDefinitionId=first, name="opsdeck-prod/slowest-requests", queryString="fields @duration")
    assert same["queryDefinitionId"] == first
    found = logs.describe_query_definitions(queryDefinitionNamePrefix="opsdeck-prod/")["queryDefinitions"]
    assert found[0]["queryString"] == "fields @duration" and found[0]["logGroupNames"] == []

    assert logs.delete_query_definition(queryDefinitionId=first)["success"] is True
    assert logs.describe_query_definitions(queryDefinitionNamePrefix="opsdeck-prod/")["queryDefinitions"] == []
    with pytest.raises(ClientError) as missing:
        logs.delete_query_definition(queryDefinitionId=first)
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_unknown_ids_are_refused_and_results_are_paged(emulator):
    logs = emulator.client("logs")
    with pytest.raises(ClientError) as unknown:
        logs.put_query_definition(queryDefinitionId="no-such-id", name="q", queryString="fields @message")
    assert unknown.value.response["Error"]["Code"] == "ResourceNotFoundException"
    for i in range(3):
        logs.put_query_definition(name=f"q{i}", queryString="fields @message")
    page = logs.describe_query_definitions(maxResults=2)
    assert len(page["queryDefinitions"]) == 2
    rest = logs.describe_query_definitions(maxResults=2, nextToken=page["nextToken"])
    assert [d["name"] for d in rest["queryDefinitions"]] == ["q2"] and "nextToken" not in rest
