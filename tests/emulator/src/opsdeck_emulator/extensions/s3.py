"""S3 (signing name `s3`): bucket policies with conditions, and PutBucketLogging with a target bucket
whose policy has a "*" principal.

moto 5.2.5 enforces the statements of a bucket policy whose principal is "*" on object requests,
but ignores their conditions: the usual deny of non-TLS requests (Deny, Principal "*", Condition
Bool aws:SecureTransport = false) denied every object request, so Terraform could not read back the
objects it had just uploaded (HeadObject 403). Here a statement applies only when its conditions
hold. The emulator serves loopback HTTP in place of AWS's HTTPS endpoints, so aws:SecureTransport is
"true" for every request (what every real client of such a bucket sends); a statement with any
other condition key is not applied, since the emulator cannot tell whether it holds.

moto 5.2.5 checks that the target bucket lets the logging service write by reading its policy,
and assumes every statement's Principal is an object: a statement with `"Principal": "*"`, such as
the usual deny of non-TLS requests (aws:SecureTransport), made PutBucketLogging fail with 500, and
Terraform's `aws_s3_bucket_logging` retried until it timed out. It also accepted only a string
Service and a list Action. The check here reads the policy as IAM does: Principal "*" or an object,
Service, Action and Resource as a string or a list.

moto 5.2.5 also failed (500, AttributeError) to delete a key of a bucket whose versioning had been
suspended when the key's versions included a delete marker: removing the key disposes of every
version, and delete markers had no `dispose`. Terraform's destroy of a versioned bucket with
`force_destroy` meets exactly this (the versioning resource is destroyed first, which suspends
versioning; the objects destroyed before left delete markers). Delete markers hold no data, so
disposing of one does nothing.

moto 5.2.5 renders the S3 responses that go through its model serializer with a root element
named after the operation (`<GetBucketVersioningResponse>`); S3 names the root after the output
(`<VersioningConfiguration>`). The Go SDK (Terraform) and botocore ignore the root's name, but
strict clients such as the AWS SDK for Rust refuse the document. The roots are renamed to S3's.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.serialize import S3Serializer
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3.models import FakeBucket, FakeDeleteMarker
from moto.s3.utils import LOGGING_SERVICE_PRINCIPAL

# Condition keys the emulator can evaluate, with their value for every request.
KNOWN_CONDITION_VALUES = {"aws:securetransport": "true"}


def _condition_holds(operator: str, key: str, values: Any) -> bool:
    known = KNOWN_CONDITION_VALUES.get(key.lower())
    if known is None or operator not in ("Bool", "StringEquals", "StringEqualsIgnoreCase"):
        return False
    return known in [str(v).lower() for v in _as_list(values)]


def statement_applies(statement: dict[str, Any]) -> bool:
    """Whether every condition of the statement holds for an emulator request."""
    return all(
        _condition_holds(operator, key, values)
        for operator, keys in (statement.get("Condition") or {}).items()
        for key, values in keys.items()
    )


def bucket_permission(bucket: FakeBucket, action: str, resource: str) -> Any:
    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(bucket.policy.decode())
    document["Statement"] = [s for s in _as_list(document.get("Statement")) if statement_applies(s)]
    if not document["Statement"]:
        return PermissionResult.NEUTRAL
    return IAMPolicy(json.dumps(document)).is_action_permitted(action, resource)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def logging_allowed_by_policy(target_bucket: FakeBucket, target_prefix: str | None) -> bool:
    """Whether the target bucket's policy lets logging.s3.amazonaws.com put objects under the prefix."""
    if not target_bucket.policy:
        return False
    document = json.loads(target_bucket.policy.decode())
    bucket_arn = f"arn:{target_bucket.partition}:s3:::{target_bucket.name}"
    wanted = {f"{bucket_arn}/{target_prefix or ''}*", f"{bucket_arn}/*", bucket_arn}
    for statement in _as_list(document.get("Statement")):
        principal = statement.get("Principal")
        if not isinstance(principal, dict) or LOGGING_SERVICE_PRINCIPAL not in _as_list(principal.get("Service")):
            continue
        if statement.get("Effect") != "Allow":
            continue
        if not {"s3:PutObject", "s3:*", "*"} & set(_as_list(statement.get("Action"))):
            continue
        if wanted & set(_as_list(statement.get("Resource"))):
            return True
    return False


FakeBucket._log_permissions_enabled_policy = staticmethod(logging_allowed_by_policy)  # type: ignore[method-assign]
FakeBucket.get_permission = bucket_permission  # type: ignore[method-assign]


def _dispose_delete_marker(self: FakeDeleteMarker, garbage: bool = False) -> None:
    """A delete marker has no buffer to close (its `key` is disposed of as a version of its own)."""


if not hasattr(FakeDeleteMarker, "dispose"):
    FakeDeleteMarker.dispose = _dispose_delete_marker  # type: ignore[attr-defined]


# S3's root element per operation (the output structure's XML name in the S3 model), for the
# operations moto serializes through its model serializer.
S3_RESPONSE_ROOTS = {
    "GetBucketVersioning": "VersioningConfiguration",
    "GetBucketLogging": "BucketLoggingStatus",
    "GetBucketAcl": "AccessControlPolicy",
    "GetObjectAcl": "AccessControlPolicy",
    "GetBucketAccelerateConfiguration": "AccelerateConfiguration",
    "GetBucketNotificationConfiguration": "NotificationConfiguration",
    "GetObjectTagging": "Tagging",
    "ListObjects": "ListBucketResult",
    "ListObjectsV2": "ListBucketResult",
    "ListObjectVersions": "ListVersionsResult",
    "ListMultipartUploads": "ListMultipartUploadsResult",
    "ListParts": "ListPartsResult",
    "ListBucketInventoryConfigurations": "ListInventoryConfigurationsResult",
}

_original_serialize_body = S3Serializer._serialize_body


def _serialize_body(self: S3Serializer, body: Any) -> str:
    operation = self.operation_model.name
    generic = f"{operation}Response"
    root = S3_RESPONSE_ROOTS.get(operation)
    if root and isinstance(body, dict) and list(body) == [generic]:
        body = {root: body[generic]}
    return _original_serialize_body(self, body)


S3Serializer._serialize_body = _serialize_body  # type: ignore[method-assign]
