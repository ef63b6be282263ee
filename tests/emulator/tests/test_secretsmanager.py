"""CancelRotateSecret on a managed secret (RDS's master secret), which uses no rotation Lambda."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def managed_master_secret(emulator) -> str:
    """The secret RDS creates for a cluster with ManageMasterUserPassword."""
    rds = emulator.client("rds")
    cluster = rds.create_db_cluster(
        DBClusterIdentifier="db", Engine="aurora-postgresql", EngineVersion="16.6",
        MasterUsername="admin_user", ManageMasterUserPassword=True,
    )["DBCluster"]  # fmt: skip
    return cluster["MasterUserSecret"]["SecretArn"]


def test_rotation_of_a_managed_secret_can_be_turned_off(emulator):
    sm = emulator.client("secretsmanager")
    arn = managed_master_secret(emulator)
    assert sm.describe_secret(SecretId=arn)["OwningService"] == "rds"

    # aws_secretsmanager_secret_rotation without rotation_lambda_arn: managed rotation.
    sm.rotate_secret(SecretId=arn, RotationRules={"AutomaticallyAfterDays": 7}, RotateImmediately=False)
    assert sm.describe_secret(SecretId=arn)["RotationEnabled"] is True

    # What destroying that resource calls.
    answer = sm.cancel_rotate_secret(SecretId=arn)
    assert answer["ARN"] == arn
    assert answer["Name"].startswith("rds!cluster-")
    assert sm.describe_secret(SecretId=arn)["RotationEnabled"] is False


def test_an_unmanaged_secret_without_a_rotation_lambda_is_still_refused(emulator):
    sm = emulator.client("secretsmanager")
    sm.create_secret(Name="plain", SecretString="x")
    with pytest.raises(ClientError) as error:
        sm.cancel_rotate_secret(SecretId="plain")
    assert error.value.response["Error"]["Code"] == "InvalidRequestException"


def test_a_missing_secret_is_still_not_found(emulator):
    sm = emulator.client("secretsmanager")
    with pytest.raises(ClientError) as error:
        sm.cancel_rotate_secret(SecretId="rds!cluster-missing")
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
