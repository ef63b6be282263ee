"""Secrets Manager: turning off rotation of a managed secret.

A secret that another service manages (RDS's `rds!cluster-...` master secret when the cluster
has `ManageMasterUserPassword`, marked by its `aws:secretsmanager:owningService` tag) rotates
with *managed rotation*: the owning service rotates it, no Lambda function is involved (AWS
Secrets Manager User Guide, "Managed rotation for AWS Secrets Manager secrets"). Its schedule is
set with RotateSecret without RotationLambdaARN (moto accepts that) and turned off with
CancelRotateSecret. moto refuses CancelRotateSecret on any secret without a rotation Lambda, so
destroying hashicorp/aws's aws_secretsmanager_secret_rotation on such a secret failed.

  CancelRotateSecret  wraps moto's: on a managed secret without a Lambda it turns rotation off
                      (as moto does for a secret with a Lambda); every other case, including
                      moto's errors for missing, deleted and replica secrets and for unmanaged
                      secrets without a Lambda, is moto's.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.responses import ActionResult
from moto.secretsmanager.models import FakeSecret, secretsmanager_backends
from moto.secretsmanager.responses import SecretsManagerResponse

from . import Call, operation


@operation("secretsmanager", "CancelRotateSecret", SecretsManagerResponse)
def cancel_rotate_secret(call: Call) -> ActionResult:
    backend: Any = call.backend(secretsmanager_backends)
    secret_id = call.param("SecretId")
    secret = backend.secrets.get(secret_id) if secret_id else None  # by name, ARN or partial ARN
    managed = (
        isinstance(secret, FakeSecret)  # not a ReplicaSecret: moto's error for those stands
        and not secret.is_deleted()
        and secret.owning_service is not None
        and not secret.rotation_lambda_arn
    )
    if managed:
        secret.rotation_enabled = False
        return ActionResult(json.loads(secret.to_short_dict()))
    # moto's own handler answers with a JSON string; errors are raised as ServiceExceptions.
    return ActionResult(json.loads(call.response.cancel_rotate_secret()))
