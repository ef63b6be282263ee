"""Fault injection: /_opsdeck/faults."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, NO_RETRIES, http


def add_fault(emulator, **spec):
    return emulator.api("POST", "/_opsdeck/faults", spec)["fault"]


def make_child(cw):
    cw.put_metric_alarm(
        AlarmName="child", Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum", Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
    )  # fmt: skip


@pytest.mark.parametrize("protocol", ["query", "json"])
def test_error_fault_fails_the_next_n_calls_then_stops(emulator, protocol):
    cw = emulator.client("cloudwatch", protocol)
    make_child(cw)
    add_fault(emulator, service="monitoring", operation="PutCompositeAlarm", count=2,
              error_code="Throttling", http_status=400, message="Rate exceeded")  # fmt: skip

    for remaining in (1, 0):
        with pytest.raises(ClientError) as error:
            cw.put_composite_alarm(AlarmName="c", AlarmRule="ALARM(child)")
        assert error.value.response["Error"]["Code"] == "Throttling"
        assert error.value.response["Error"]["Message"] == "Rate exceeded"
        assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        pending = emulator.api("GET", "/_opsdeck/faults")["faults"]
        assert [f["count"] for f in pending] == ([remaining] if remaining else [])

    cw.put_composite_alarm(AlarmName="c", AlarmRule="ALARM(child)")  # the fault is spent
    assert cw.describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"][0]["AlarmName"] == "c"
    assert "fault #" in emulator.server_log() and "monitoring:PutCompositeAlarm" in emulator.server_log()


def test_fault_only_hits_its_service_and_operation(emulator):
    cw = emulator.client("cloudwatch", "query")
    sts = emulator.client("sts")
    add_fault(emulator, service="sts", operation="*", error_code="ExpiredToken", http_status=403, count=1)

    cw.describe_alarms()  # other service: untouched
    with pytest.raises(ClientError) as error:
        sts.get_caller_identity()
    assert error.value.response["Error"]["Code"] == "ExpiredToken"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert sts.get_caller_identity()["Account"]


def test_json_protocol_fault(emulator):
    dynamodb = emulator.client("dynamodb")
    add_fault(emulator, operation="ListTables", error_code="ProvisionedThroughputExceededException",
              http_status=400, message="slow down")  # fmt: skip
    with pytest.raises(ClientError) as error:
        dynamodb.list_tables()
    assert error.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert error.value.response["Error"]["Message"] == "slow down"
    assert error.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == (
        "ProvisionedThroughputExceededException"
    )
    assert dynamodb.list_tables()["TableNames"] == []


@pytest.mark.parametrize(
    ("service", "operation", "call"),
    [
        ("lambda", "ListFunctions", lambda c: c.list_functions()),  # rest-json
        ("s3", "ListBuckets", lambda c: c.list_buckets()),  # rest-xml
        ("ec2", "DescribeVpcs", lambda c: c.describe_vpcs()),  # ec2 query dialect
    ],
)
def test_fault_on_other_protocols(emulator, service, operation, call):
    client = emulator.client(service)
    add_fault(emulator, service=service, operation=operation, error_code="ServiceUnavailable", http_status=503)
    with pytest.raises(ClientError) as error:
        call(client)
    assert error.value.response["Error"]["Code"] == "ServiceUnavailable"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    call(client)


def test_delay_fault_slows_calls_then_passes_them_through(emulator):
    cw = emulator.client("cloudwatch", "query")
    add_fault(emulator, service="monitoring", operation="DescribeAlarms", delay_ms=600, count=1)

    started = time.monotonic()
    assert cw.describe_alarms()["MetricAlarms"] == []
    assert time.monotonic() - started >= 0.6

    started = time.monotonic()
    cw.describe_alarms()
    assert time.monotonic() - started < 0.6


def test_fault_api_validates_lists_and_clears(emulator):
    bad = [
        {"service": "monitoring"},  # no operation
        {"operation": "X", "error_code": "E", "colour": "red"},  # unknown field
        {"operation": "X"},  # neither error nor delay
        {"operation": "X", "error_code": "E", "count": 0},
        {"operation": "X", "error_code": "E", "http_status": 200},
        [1, 2],
    ]
    for spec in bad:
        status, body = http(emulator.endpoint, "POST", "/_opsdeck/faults", spec)
        assert status == 400 and body["error"], spec
    assert http(emulator.endpoint, "POST", "/_opsdeck/faults", b"{not json")[0] == 400

    add_fault(emulator, operation="A", error_code="E", count=3)
    add_fault(emulator, service="sts", operation="B", delay_ms=10)
    listed = emulator.api("GET", "/_opsdeck/faults")["faults"]
    assert [(f["service"], f["operation"], f["count"]) for f in listed] == [(None, "A", 3), ("sts", "B", 1)]
    emulator.api("DELETE", "/_opsdeck/faults")
    assert emulator.api("GET", "/_opsdeck/faults") == {"faults": []}
    assert http(emulator.endpoint, "PUT", "/_opsdeck/faults")[0] == 405
    assert http(emulator.endpoint, "GET", "/_opsdeck/nope")[0] == 404


def test_fault_with_a_nonstandard_status(emulator):
    sts = emulator.client("sts")
    add_fault(emulator, service="sts", operation="GetCallerIdentity", error_code="Odd", http_status=599)
    with pytest.raises(ClientError) as error:
        sts.get_caller_identity()
    assert error.value.response["Error"]["Code"] == "Odd"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 599


def test_after_fault_lets_the_call_take_effect_then_answers_with_the_error(emulator):
    """A response lost after the write happened: the topic exists although the caller got a 500."""
    sns = emulator.client("sns")
    add_fault(emulator, service="sns", operation="CreateTopic", error_code="InternalFailure", http_status=500,
              after=True)  # fmt: skip
    with pytest.raises(ClientError) as error:
        sns.create_topic(Name="written-anyway")
    assert error.value.response["Error"]["Code"] == "InternalFailure"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    topics = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    assert topics == [f"arn:aws:sns:us-east-1:{ACCOUNT}:written-anyway"]
    # The same fault without `after` leaves nothing behind.
    add_fault(emulator, service="sns", operation="CreateTopic", error_code="InternalFailure", http_status=500)
    with pytest.raises(ClientError):
        sns.create_topic(Name="never-written")
    assert len(sns.list_topics()["Topics"]) == 1


def test_after_fault_on_a_json_write(emulator):
    dynamodb = emulator.client("dynamodb")
    dynamodb.create_table(
        TableName="t", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
    )  # fmt: skip
    add_fault(emulator, operation="PutItem", error_code="InternalServerError", http_status=500, after=True)
    with pytest.raises(ClientError):
        dynamodb.put_item(TableName="t", Item={"pk": {"S": "a"}})
    assert dynamodb.get_item(TableName="t", Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}


def test_skip_fails_the_nth_matching_call(emulator):
    sts = emulator.client("sts")
    add_fault(emulator, operation="*", error_code="AccessDenied", http_status=403, skip=2)
    sts.get_caller_identity()
    sts.get_caller_identity()
    with pytest.raises(ClientError) as error:
        sts.get_caller_identity()
    assert error.value.response["Error"]["Code"] == "AccessDenied"
    sts.get_caller_identity()
    assert emulator.api("GET", "/_opsdeck/faults") == {"faults": []}


def test_access_key_scopes_faults_and_the_request_log(emulator):
    import boto3

    def client(key):
        return boto3.client("sts", endpoint_url=emulator.endpoint, region_name="us-east-1",
                            aws_access_key_id=key, aws_secret_access_key="x", config=NO_RETRIES)  # fmt: skip

    mine, theirs = client("AKIDCASEONE"), client("AKIDCASETWO")
    add_fault(emulator, operation="*", error_code="AccessDenied", http_status=403, access_key="AKIDCASEONE")
    theirs.get_caller_identity()  # another key: untouched, the fault waits
    with pytest.raises(ClientError):
        mine.get_caller_identity()
    mine.get_caller_identity()
    assert emulator.api("GET", "/_opsdeck/requests?access_key=AKIDCASEONE")["by_operation"] == {
        "sts:GetCallerIdentity": 2
    }
    assert emulator.api("GET", "/_opsdeck/requests?access_key=AKIDCASETWO")["total"] == 1
    assert emulator.api("GET", "/_opsdeck/requests")["total"] == 3
    # Clearing the faults of one key leaves the others'.
    add_fault(emulator, operation="*", error_code="E", access_key="AKIDCASEONE")
    add_fault(emulator, operation="*", error_code="E", access_key="AKIDCASETWO")
    assert emulator.api("DELETE", "/_opsdeck/faults?access_key=AKIDCASEONE")["cleared"] == 1
    assert [f["access_key"] for f in emulator.api("GET", "/_opsdeck/faults")["faults"]] == ["AKIDCASETWO"]


def test_new_fault_fields_are_validated(emulator):
    for spec in [
        {"operation": "X", "error_code": "E", "skip": -1},
        {"operation": "X", "error_code": "E", "after": "yes"},
        {"operation": "X", "delay_ms": 5, "after": True},  # after needs an error to answer with
        {"operation": "X", "error_code": "E", "access_key": ""},
    ]:
        status, body = http(emulator.endpoint, "POST", "/_opsdeck/faults", spec)
        assert status == 400 and body["error"], spec
