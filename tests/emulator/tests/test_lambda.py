"""Lambda management calls work without Docker (moto's docker-less Lambda backend)."""

from __future__ import annotations

import io
import json
import zipfile


def test_lambda_create_get_list_without_docker(emulator):
    iam = emulator.client("iam")
    role = iam.create_role(
        RoleName="fn",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
    )["Role"]["Arn"]  # fmt: skip
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("bootstrap", "#!/bin/sh\n")

    lambda_ = emulator.client("lambda")
    created = lambda_.create_function(
        FunctionName="notifier", Runtime="provided.al2023", Role=role, Handler="bootstrap",
        Code={"ZipFile": package.getvalue()}, Architectures=["arm64"], Tags={"app": "opsdeck"},
    )  # fmt: skip
    assert created["FunctionName"] == "notifier"

    fetched = lambda_.get_function(FunctionName="notifier")
    assert fetched["Configuration"]["Runtime"] == "provided.al2023"
    assert fetched["Configuration"]["Architectures"] == ["arm64"]
    assert fetched["Tags"] == {"app": "opsdeck"}
    assert [f["FunctionName"] for f in lambda_.list_functions()["Functions"]] == ["notifier"]
    assert lambda_.invoke(FunctionName="notifier")["StatusCode"] == 200  # canned, no container


def test_add_permission_refuses_a_statement_id_that_exists(emulator):
    import pytest
    from botocore.exceptions import ClientError

    iam = emulator.client("iam")
    role = iam.create_role(
        RoleName="fn2",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
    )["Role"]["Arn"]  # fmt: skip
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("bootstrap", "#!/bin/sh\n")
    lambda_ = emulator.client("lambda")
    lambda_.create_function(
        FunctionName="notifier2", Runtime="provided.al2023", Role=role, Handler="bootstrap",
        Code={"ZipFile": package.getvalue()},
    )  # fmt: skip
    grant = dict(FunctionName="notifier2", StatementId="sns-alarms", Action="lambda:InvokeFunction",
                 Principal="sns.amazonaws.com", SourceArn="arn:aws:sns:us-east-1:123456789012:alarms")  # fmt: skip
    lambda_.add_permission(**grant)
    with pytest.raises(ClientError) as error:
        lambda_.add_permission(**grant)
    assert error.value.response["Error"]["Code"] == "ResourceConflictException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    statements = json.loads(lambda_.get_policy(FunctionName="notifier2")["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["sns-alarms"]
    lambda_.remove_permission(FunctionName="notifier2", StatementId="sns-alarms")
    with pytest.raises(ClientError):  # no policy left at all
        lambda_.get_policy(FunctionName="notifier2")
