"""RDS manual cluster snapshots: "creating" until moto's state manager moves them to
"available" (extensions/rds_snapshots.py)."""

from __future__ import annotations

import time

import pytest

MODEL = "rds::dbclustersnapshot"


def cluster(rds, name: str = "db") -> None:
    rds.create_db_cluster(
        DBClusterIdentifier=name, Engine="aurora-postgresql", EngineVersion="16.6",
        MasterUsername="admin_user", MasterUserPassword="not-a-secret-1",
        ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 2},
    )  # fmt: skip


def describe(rds, snapshot: str) -> dict:
    [s] = rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=snapshot)["DBClusterSnapshots"]
    return s


@pytest.fixture
def transition(emulator):
    """Sets the snapshot transition for one test and restores moto's default after it."""

    def set_transition(value: dict) -> None:
        emulator.api("POST", "/moto-api/state-manager/set-transition", {"model_name": MODEL, "transition": value})

    yield set_transition
    emulator.api("POST", "/moto-api/state-manager/unset-transition", {"model_name": MODEL})


def test_by_default_a_snapshot_is_available_at_once_as_in_moto(emulator):
    rds = emulator.client("rds")
    cluster(rds)
    rds.create_db_cluster_snapshot(DBClusterIdentifier="db", DBClusterSnapshotIdentifier="s1")
    snapshot = describe(rds, "s1")
    assert snapshot["Status"] == "available"
    assert snapshot["PercentProgress"] == 100


def test_a_timed_transition_shows_creating_then_available(emulator, transition):
    transition({"progression": "time", "seconds": 1})
    rds = emulator.client("rds")
    cluster(rds)
    created = rds.create_db_cluster_snapshot(
        DBClusterIdentifier="db", DBClusterSnapshotIdentifier="s1",
        Tags=[{"Key": "opsdeck:version", "Value": "v1"}],
    )["DBClusterSnapshot"]  # fmt: skip
    assert created["Status"] == "creating"
    assert created["PercentProgress"] == 0
    assert describe(rds, "s1")["Status"] == "creating"
    deadline = time.monotonic() + 10
    while describe(rds, "s1")["Status"] != "available":
        assert time.monotonic() < deadline, "the snapshot never became available"
        time.sleep(0.2)
    snapshot = describe(rds, "s1")
    assert snapshot["PercentProgress"] == 100
    assert {"Key": "opsdeck:version", "Value": "v1"} in snapshot["TagList"]


def test_a_manual_transition_with_many_reads_never_completes(emulator, transition):
    transition({"progression": "manual", "times": 1_000_000})
    rds = emulator.client("rds")
    cluster(rds)
    rds.create_db_cluster_snapshot(DBClusterIdentifier="db", DBClusterSnapshotIdentifier="stuck")
    for _ in range(5):
        assert describe(rds, "stuck")["Status"] == "creating"
    listed = rds.describe_db_cluster_snapshots(DBClusterIdentifier="db", SnapshotType="manual")["DBClusterSnapshots"]
    assert [(s["DBClusterSnapshotIdentifier"], s["Status"]) for s in listed] == [("stuck", "creating")]


def test_a_manual_transition_completes_after_the_given_reads(emulator, transition):
    transition({"progression": "manual", "times": 3})
    rds = emulator.client("rds")
    cluster(rds)
    rds.create_db_cluster_snapshot(DBClusterIdentifier="db", DBClusterSnapshotIdentifier="s3")
    states = [describe(rds, "s3")["Status"] for _ in range(4)]
    assert states[0] == "creating"
    assert states[-1] == "available"
