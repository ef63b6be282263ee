"""S3: bucket policy conditions (moto enforced conditional statements unconditionally) and
PutBucketLogging with a "*" principal in the target bucket's policy (moto failed with 500)."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest
from botocore.exceptions import ClientError


def _tls_only(bucket: str, extra: list | None = None) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}, *(extra or [])]})  # fmt: skip


def test_a_tls_only_policy_lets_requests_through(emulator):
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="site")
    s3.put_bucket_policy(Bucket="site", Policy=_tls_only("site"))
    s3.put_object(Bucket="site", Key="v1/index.html", Body=b"<p>hi</p>")
    assert s3.head_object(Bucket="site", Key="v1/index.html")["ContentLength"] == 9
    assert s3.get_object(Bucket="site", Key="v1/index.html")["Body"].read() == b"<p>hi</p>"


def test_an_unconditional_deny_still_denies(emulator):
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="locked")
    s3.put_object(Bucket="locked", Key="k", Body=b"x")
    s3.put_bucket_policy(Bucket="locked", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::locked/*"}]}))  # fmt: skip
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket="locked", Key="k")
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_logging_to_a_bucket_whose_policy_has_a_star_principal(emulator):
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="logs")
    s3.create_bucket(Bucket="site")
    allow_logging = {
        "Sid": "S3ServerAccessLogs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject", "Resource": "arn:aws:s3:::logs/s3/*",
    }  # fmt: skip
    s3.put_bucket_policy(Bucket="logs", Policy=_tls_only("logs", [allow_logging]))
    s3.put_bucket_logging(Bucket="site", BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "logs", "TargetPrefix": "s3/"}})
    assert s3.get_bucket_logging(Bucket="site")["LoggingEnabled"] == {"TargetBucket": "logs", "TargetPrefix": "s3/"}


def test_logging_without_permission_is_still_refused(emulator):
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="logs")
    s3.create_bucket(Bucket="site")
    s3.put_bucket_policy(Bucket="logs", Policy=_tls_only("logs"))
    with pytest.raises(ClientError) as error:
        s3.put_bucket_logging(Bucket="site", BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "logs", "TargetPrefix": "s3/"}})
    assert error.value.response["Error"]["Code"] == "InvalidTargetBucketForLogging"


def test_a_suspended_bucket_with_delete_markers_can_be_emptied(emulator):
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="releases")
    s3.put_bucket_versioning(Bucket="releases", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="releases", Key="v1/index.html", Body=b"v1")
    s3.delete_object(Bucket="releases", Key="v1/index.html")  # leaves a delete marker
    s3.put_bucket_versioning(Bucket="releases", VersioningConfiguration={"Status": "Suspended"})
    listed = s3.list_object_versions(Bucket="releases")
    to_delete = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in listed.get("Versions", []) + listed.get("DeleteMarkers", [])]
    assert len(to_delete) == 2
    result = s3.delete_objects(Bucket="releases", Delete={"Objects": to_delete})
    assert not result.get("Errors"), result.get("Errors")
    after = s3.list_object_versions(Bucket="releases")
    assert not after.get("Versions") and not after.get("DeleteMarkers")
    s3.delete_bucket(Bucket="releases")


def test_response_roots_are_named_as_s3_names_them(emulator):
    """Strict XML clients (the AWS SDK for Rust) check the root element's name."""
    s3 = emulator.client("s3")
    roots: dict[str, str] = {}

    def capture(http_response, model, **_):
        if http_response.content:
            roots[model.name] = ElementTree.fromstring(http_response.content).tag.split("}")[-1]

    s3.meta.events.register("after-call.s3", capture)
    s3.create_bucket(Bucket="roots")
    s3.put_bucket_versioning(Bucket="roots", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="roots", Key="k", Body=b"x", Tagging="a=b")
    s3.get_bucket_versioning(Bucket="roots")
    s3.get_bucket_logging(Bucket="roots")
    s3.get_bucket_acl(Bucket="roots")
    s3.list_objects_v2(Bucket="roots")
    s3.list_object_versions(Bucket="roots")
    s3.get_object_tagging(Bucket="roots", Key="k")
    assert roots["GetBucketVersioning"] == "VersioningConfiguration"
    assert roots["GetBucketLogging"] == "BucketLoggingStatus"
    assert roots["GetBucketAcl"] == "AccessControlPolicy"
    assert roots["ListObjectsV2"] == "ListBucketResult"
    assert roots["ListObjectVersions"] == "ListVersionsResult"
    assert roots["GetObjectTagging"] == "Tagging"
