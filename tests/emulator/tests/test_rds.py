"""RDS: no ScalingConfigurationInfo on Serverless v2 clusters, Performance Insights stored on
instances (CreateDBInstance/ModifyDBInstance wrapped), DeleteAutomatedBackups honoured
(DeleteDBCluster wrapped)."""

from __future__ import annotations

from conftest import ACCOUNT, REGION


def serverless_v2_cluster(rds, name: str = "db") -> dict:
    return rds.create_db_cluster(
        DBClusterIdentifier=name, Engine="aurora-postgresql", EngineVersion="16.6",
        MasterUsername="admin_user", MasterUserPassword="not-a-secret-1",
        ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 2},
        BackupRetentionPeriod=7, StorageEncrypted=True,
    )["DBCluster"]  # fmt: skip


def serverless_instance(rds, name: str, cluster: str = "db", **extra) -> dict:
    return rds.create_db_instance(
        DBInstanceIdentifier=name, DBClusterIdentifier=cluster, Engine="aurora-postgresql",
        DBInstanceClass="db.serverless", **extra,
    )["DBInstance"]  # fmt: skip


def describe_instance(rds, name: str) -> dict:
    return rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]


def test_a_serverless_v2_cluster_has_no_scaling_configuration_info(emulator):
    rds = emulator.client("rds")
    created = serverless_v2_cluster(rds)
    assert "ScalingConfigurationInfo" not in created

    [described] = rds.describe_db_clusters(DBClusterIdentifier="db")["DBClusters"]
    assert "ScalingConfigurationInfo" not in described
    assert described["EngineMode"] == "provisioned"
    assert described["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 2.0}

    modified = rds.modify_db_cluster(DBClusterIdentifier="db", BackupRetentionPeriod=8)["DBCluster"]
    assert "ScalingConfigurationInfo" not in modified


def test_a_serverless_v1_cluster_still_reports_its_scaling_configuration(emulator):
    rds = emulator.client("rds")
    rds.create_db_cluster(
        DBClusterIdentifier="v1", Engine="aurora-mysql", EngineVersion="5.7.mysql_aurora.2.07.2",
        EngineMode="serverless", MasterUsername="admin_user", MasterUserPassword="not-a-secret-1",
        ScalingConfiguration={"MinCapacity": 2, "MaxCapacity": 8, "AutoPause": False},
    )  # fmt: skip
    [cluster] = rds.describe_db_clusters(DBClusterIdentifier="v1")["DBClusters"]
    assert cluster["ScalingConfigurationInfo"]["MinCapacity"] == 2
    assert cluster["ScalingConfigurationInfo"]["MaxCapacity"] == 8
    assert cluster["ScalingConfigurationInfo"]["AutoPause"] is False


def test_performance_insights_settings_are_stored_on_create(emulator):
    rds = emulator.client("rds")
    key = emulator.client("kms").create_key(Description="database")["KeyMetadata"]
    serverless_v2_cluster(rds)

    # The key given by ID: AWS reports it as an ARN.
    created = serverless_instance(
        rds, "writer", EnablePerformanceInsights=True, PerformanceInsightsKMSKeyId=key["KeyId"],
        PerformanceInsightsRetentionPeriod=31,
    )  # fmt: skip
    assert created["PerformanceInsightsEnabled"] is True
    writer = describe_instance(rds, "writer")
    assert writer["PerformanceInsightsEnabled"] is True
    assert writer["PerformanceInsightsKMSKeyId"] == key["Arn"]
    assert writer["PerformanceInsightsRetentionPeriod"] == 31

    serverless_instance(rds, "reader")
    reader = describe_instance(rds, "reader")
    assert reader.get("PerformanceInsightsEnabled", False) is False
    assert "PerformanceInsightsKMSKeyId" not in reader
    assert "PerformanceInsightsRetentionPeriod" not in reader


def test_performance_insights_follow_modify_with_aws_defaults(emulator):
    rds = emulator.client("rds")
    serverless_v2_cluster(rds)
    serverless_instance(rds, "reader")

    # Turned on without key or retention: the account's aws/rds key, 7 days.
    rds.modify_db_instance(DBInstanceIdentifier="reader", EnablePerformanceInsights=True, ApplyImmediately=True)
    reader = describe_instance(rds, "reader")
    assert reader["PerformanceInsightsEnabled"] is True
    assert reader["PerformanceInsightsRetentionPeriod"] == 7
    rds_key = emulator.client("kms").describe_key(KeyId="alias/aws/rds")["KeyMetadata"]["Arn"]
    assert reader["PerformanceInsightsKMSKeyId"] == rds_key
    assert rds_key.startswith(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/")

    # A modify that does not mention Performance Insights leaves it as it is.
    rds.modify_db_instance(DBInstanceIdentifier="reader", PromotionTier=2, ApplyImmediately=True)
    assert describe_instance(rds, "reader")["PerformanceInsightsRetentionPeriod"] == 7

    rds.modify_db_instance(DBInstanceIdentifier="reader", EnablePerformanceInsights=False, ApplyImmediately=True)
    reader = describe_instance(rds, "reader")
    assert reader.get("PerformanceInsightsEnabled", False) is False
    assert "PerformanceInsightsKMSKeyId" not in reader


def automated_snapshots(rds) -> list[str]:
    snapshots = rds.describe_db_cluster_snapshots(SnapshotType="automated")["DBClusterSnapshots"]
    return [s["DBClusterSnapshotIdentifier"] for s in snapshots]


def test_deleting_a_cluster_removes_its_automated_backups_by_default(emulator):
    rds = emulator.client("rds")
    serverless_v2_cluster(rds, "gone")
    serverless_v2_cluster(rds, "stays")
    assert len(automated_snapshots(rds)) == 2

    rds.delete_db_cluster(DBClusterIdentifier="gone", SkipFinalSnapshot=True, DeleteAutomatedBackups=True)
    assert [s for s in automated_snapshots(rds) if "gone" in s] == []
    assert [s for s in automated_snapshots(rds) if "stays" in s] != []  # another cluster's are kept

    # DeleteAutomatedBackups omitted: AWS's default is to remove them too.
    rds.delete_db_cluster(DBClusterIdentifier="stays", SkipFinalSnapshot=True)
    assert automated_snapshots(rds) == []


def test_automated_backups_are_kept_when_asked_and_final_snapshots_always(emulator):
    rds = emulator.client("rds")
    serverless_v2_cluster(rds, "kept")
    rds.delete_db_cluster(
        DBClusterIdentifier="kept", FinalDBSnapshotIdentifier="kept-final", DeleteAutomatedBackups=False,
    )  # fmt: skip
    assert [s for s in automated_snapshots(rds) if "kept" in s] != []
    manual = rds.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    assert [s["DBClusterSnapshotIdentifier"] for s in manual] == ["kept-final"]
