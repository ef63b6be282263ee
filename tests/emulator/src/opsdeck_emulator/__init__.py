"""opsdeck's AWS emulator: moto server plus a small compatibility layer for moto's gaps."""

import os
from pathlib import Path

#: Where `start`/`stop`/`status`/`reset` keep the pid, endpoint and server log by default.
DEFAULT_STATE_DIR = (
    Path(os.environ.get("OPSDECK_CACHE_DIR") or Path.home() / ".cache" / "opsdeck") / "emulator"
)
