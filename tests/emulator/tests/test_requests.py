"""Request log: /_opsdeck/requests counts AWS calls per service:operation."""

from __future__ import annotations

import contextlib
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import REGION


def test_requests_are_counted_per_operation_across_protocols(emulator):
    cw_query = emulator.client("cloudwatch", "query")
    cw_json = emulator.client("cloudwatch")
    dynamodb = emulator.client("dynamodb")
    lambda_ = emulator.client("lambda")

    for _ in range(3):
        cw_query.describe_alarms()
    cw_json.describe_alarms()
    dynamodb.list_tables()
    dynamodb.list_tables()
    lambda_.list_functions()
    emulator.api("GET", "/_opsdeck/faults")  # our API and moto's are not AWS calls

    assert emulator.api("GET", "/_opsdeck/requests") == {
        "total": 7,
        "by_operation": {
            "dynamodb:ListTables": 2,
            "lambda:ListFunctions": 1,
            "monitoring:DescribeAlarms": 4,
        },
        "signing_regions": {
            "dynamodb:ListTables": {REGION: 2},
            "lambda:ListFunctions": {REGION: 1},
            "monitoring:DescribeAlarms": {REGION: 4},
        },
    }

    emulator.api("DELETE", "/_opsdeck/requests")
    assert emulator.api("GET", "/_opsdeck/requests") == {"total": 0, "by_operation": {}, "signing_regions": {}}


def test_failed_and_faulted_calls_are_counted(emulator):
    sts = emulator.client("sts")
    emulator.api("POST", "/_opsdeck/faults", {"operation": "GetCallerIdentity", "error_code": "Throttling"})
    with pytest.raises(ClientError):
        sts.get_caller_identity()
    sts.get_caller_identity()
    assert emulator.api("GET", "/_opsdeck/requests")["by_operation"] == {"sts:GetCallerIdentity": 2}


def test_unsigned_unrouted_calls_fall_back_to_method_and_path(emulator):
    request = urllib.request.Request(f"{emulator.endpoint}/no/such/aws/path", method="GET")
    with contextlib.suppress(urllib.error.HTTPError):  # moto answers whatever it answers; we count it
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10).read()
    log = emulator.api("GET", "/_opsdeck/requests")
    assert log["by_operation"] == {"unknown:GET /no/such/aws/path": 1}
    assert log["signing_regions"] == {}  # unsigned: no region to count


def test_signing_regions_are_counted_per_operation(emulator):
    emulator.client("sqs").list_queues()
    emulator.client("sqs", region="eu-west-1").list_queues()
    emulator.client("sqs", region="eu-west-1").list_queues()
    emulator.client("sts", region="ap-southeast-2").get_caller_identity()
    assert emulator.api("GET", "/_opsdeck/requests")["signing_regions"] == {
        "sqs:ListQueues": {"eu-west-1": 2, REGION: 1},
        "sts:GetCallerIdentity": {"ap-southeast-2": 1},
    }
