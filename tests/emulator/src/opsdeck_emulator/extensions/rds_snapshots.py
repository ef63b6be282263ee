"""RDS manual cluster snapshots with a lifecycle: "creating", then "available".

moto creates a DB cluster snapshot "available" at once (PercentProgress 100), so a client
that waits for a snapshot (`opsdeck deploy`'s backup step, `opsdeck backup create`) never
meets the state AWS shows for minutes, and a snapshot that never becomes available cannot
be tested at all.

Manual cluster snapshots (CreateDBClusterSnapshot, CopyDBClusterSnapshot) now start in
"creating" (PercentProgress 0) and move to "available" (100) through moto's own state
manager, under the model name `rds::dbclustersnapshot`:

    POST /moto-api/state-manager/set-transition
      {"model_name": "rds::dbclustersnapshot", "transition": {"progression": "time", "seconds": 2}}

- default ("immediate"): available on the first read, as moto had it, so nothing that
  relied on moto's behaviour changes;
- {"progression": "time", "seconds": N}: available N seconds after creation;
- {"progression": "manual", "times": N}: available after N reads of its status (each
  Describe that returns it counts); a huge N is a snapshot that never becomes available.

`POST /moto-api/state-manager/unset-transition {"model_name": "rds::dbclustersnapshot"}`
restores the default. Automated snapshots (moto's `rds:` ones) are not affected.
"""

from __future__ import annotations

from typing import Any

from moto.moto_api import state_manager
from moto.moto_api._internal.managed_state_model import ManagedState
from moto.rds.models import DBClusterSnapshot

MODEL_NAME = "rds::dbclustersnapshot"

state_manager.register_default_transition(MODEL_NAME, transition={"progression": "immediate"})


class _Lifecycle(ManagedState):
    def __init__(self) -> None:
        super().__init__(MODEL_NAME, [("creating", "available")])


def _current(snapshot: DBClusterSnapshot, read: bool) -> str | None:
    lifecycle: _Lifecycle | None = snapshot.__dict__.get("_opsdeck_lifecycle")
    if lifecycle is None:
        return snapshot.__dict__.get("_opsdeck_status", "available")
    if read:
        lifecycle.advance()  # a read of the status counts, for the "manual" progression
    return lifecycle.status


def _get_status(snapshot: DBClusterSnapshot) -> str | None:
    return _current(snapshot, read=True)


def _set_status(snapshot: DBClusterSnapshot, value: str) -> None:
    # moto's constructor sets "available"; a manual snapshot starts "creating" instead.
    fresh = "_opsdeck_lifecycle" not in snapshot.__dict__ and "_opsdeck_status" not in snapshot.__dict__
    if value == "available" and fresh and snapshot.__dict__.get("snapshot_type", "manual") == "manual":
        snapshot.__dict__["_opsdeck_lifecycle"] = _Lifecycle()
        return
    snapshot.__dict__.pop("_opsdeck_lifecycle", None)
    snapshot.__dict__["_opsdeck_status"] = value


def _get_progress(snapshot: DBClusterSnapshot) -> int:
    return 100 if _current(snapshot, read=False) == "available" else 0


def _set_progress(snapshot: DBClusterSnapshot, value: Any) -> None:
    # Derived from the status; moto's constructor writes 100, which is ignored.
    pass


DBClusterSnapshot.status = property(_get_status, _set_status)  # type: ignore[assignment]
DBClusterSnapshot.percent_progress = property(_get_progress, _set_progress)  # type: ignore[assignment]
