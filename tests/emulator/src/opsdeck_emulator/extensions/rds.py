"""RDS: Aurora Serverless v2 clusters, Performance Insights and automated backups.

  DBCluster.ScalingConfigurationInfo  moto renders it for every cluster (all members null when
      the cluster has no Serverless v1 configuration). AWS returns it only for
      EngineMode "serverless" (v1); a Serverless v2 cluster is "provisioned" with a
      ServerlessV2ScalingConfiguration. hashicorp/aws's aws_rds_cluster turned moto's empty
      element into a `scaling_configuration` block with defaults, so every re-plan wanted to
      change it. Fixed on moto's model (the property), so that every operation returning a
      cluster (Create, Modify, Describe, Delete, Failover ...) agrees.
  CreateDBInstance, ModifyDBInstance  wrap moto's: moto drops EnablePerformanceInsights,
      PerformanceInsightsKMSKeyId and PerformanceInsightsRetentionPeriod on create (and keeps
      only the last two, under names it never renders as PerformanceInsightsEnabled, on
      modify), so every re-plan wanted to turn Performance Insights on again. We store them on
      moto's instance as AWS reports them: the key as an ARN (the account's aws/rds key when
      none is given) and retention 7 days unless given.
  DeleteDBCluster  wraps moto's: moto ignores DeleteAutomatedBackups and leaves the cluster's
      automated snapshot behind. AWS removes a cluster's automated backups with it unless
      DeleteAutomatedBackups is false (API reference: "The default is to remove automated
      backups immediately after the DB cluster is deleted").
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.rds.models import DBCluster, DBInstance, rds_backends
from moto.rds.responses import RDSResponse

from . import Call, operation

DEFAULT_PERFORMANCE_INSIGHTS_RETENTION_DAYS = 7  # AWS's default, the free tier
DEFAULT_RDS_KEY_ALIAS = "alias/aws/rds"  # the AWS managed key RDS uses when given no key


# moto's own property, still used for Serverless v1 clusters.
_MOTO_SCALING_CONFIGURATION_INFO = DBCluster.scaling_configuration_info.fget  # type: ignore[attr-defined]


def _scaling_configuration_info(cluster: DBCluster) -> dict[str, Any] | None:
    if cluster.engine_mode != "serverless":
        return None  # the serializer then leaves ScalingConfigurationInfo out, as AWS does
    return _MOTO_SCALING_CONFIGURATION_INFO(cluster)


DBCluster.scaling_configuration_info = property(_scaling_configuration_info)  # type: ignore[method-assign,assignment]


def _as_bool(value: Any) -> bool | None:
    """A boolean request parameter: moto's parser gives a bool, a raw query string gives text."""
    if value is None or isinstance(value, bool):
        return value
    return str(value).lower() == "true"


def _key_arn(call: Call, key_id: str) -> str:
    """AWS reports the Performance Insights key as an ARN, whatever form the request used."""
    kms = call.backend(rds_backends).kms
    try:
        return str(kms.describe_key(key_id).arn)
    except (KeyError, AttributeError):
        # No such key (KeyError) or alias (moto's alias lookup gives None, hence the
        # AttributeError): keep what was asked rather than invent an error (README, Known limits).
        return key_id


def _performance_insights_request(call: Call) -> dict[str, Any]:
    # Read before moto's handler runs: it hands its parameter dict to the backend, which may
    # change it.
    return {
        "enabled": _as_bool(call.param("EnablePerformanceInsights")),
        "kms_key_id": call.param("PerformanceInsightsKMSKeyId"),
        "retention": call.param("PerformanceInsightsRetentionPeriod"),
    }


def _apply_performance_insights(call: Call, instance: DBInstance, request: dict[str, Any]) -> None:
    if request["enabled"] is not None:
        instance.performance_insights_enabled = request["enabled"]
    if not getattr(instance, "performance_insights_enabled", False):
        # AWS reports no key and no retention for an instance without Performance Insights.
        instance.performance_insights_kms_key_id = None
        instance.performance_insights_retention_period = None
        return
    key = request["kms_key_id"] or getattr(instance, "performance_insights_kms_key_id", None)
    instance.performance_insights_kms_key_id = _key_arn(call, key or DEFAULT_RDS_KEY_ALIAS)
    retention = request["retention"] or getattr(instance, "performance_insights_retention_period", None)
    instance.performance_insights_retention_period = int(retention or DEFAULT_PERFORMANCE_INSIGHTS_RETENTION_DAYS)


@operation("rds", "CreateDBInstance", RDSResponse)
def create_db_instance(call: Call) -> ActionResult:
    request = _performance_insights_request(call)
    result = call.response.create_db_instance()
    _apply_performance_insights(call, result.result["DBInstance"], request)  # type: ignore[index]
    return result


@operation("rds", "ModifyDBInstance", RDSResponse)
def modify_db_instance(call: Call) -> ActionResult:
    request = _performance_insights_request(call)
    result = call.response.modify_db_instance()
    _apply_performance_insights(call, result.result["DBInstance"], request)  # type: ignore[index]
    return result


@operation("rds", "DeleteDBCluster", RDSResponse)
def delete_db_cluster(call: Call) -> ActionResult:
    cluster_id = call.param("DBClusterIdentifier")
    delete_backups = _as_bool(call.param("DeleteAutomatedBackups"))
    result = call.response.delete_db_cluster()  # moto's errors (not found, protected ...) stand
    if delete_backups is not False:
        backend: Any = call.backend(rds_backends)
        cluster_arn = result.result["DBCluster"].db_cluster_arn  # type: ignore[index]
        automated = [
            snapshot_id
            for snapshot_id, snapshot in backend.cluster_snapshots.items()
            if snapshot.snapshot_type == "automated" and snapshot.cluster.db_cluster_arn == cluster_arn
        ]
        for snapshot_id in automated:
            backend.delete_db_cluster_snapshot(snapshot_id)
    return result
