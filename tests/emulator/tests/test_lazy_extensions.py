"""The added operations of EC2, Step Functions and X-Ray load at the first call to their service,
not at start (moto's EC2 models alone take about a second of CPU, and a test run starts about a
hundred emulators). Checked in a fresh interpreter, where nothing has imported them yet."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_emulator

SRC = Path(__file__).resolve().parents[1] / "src"

PROGRAM = """
import sys
from opsdeck_emulator.server import build_app
from opsdeck_emulator import extensions

build_app()
lazy = ["opsdeck_emulator.extensions.ec2", "opsdeck_emulator.extensions.stepfunctions",
        "opsdeck_emulator.extensions.xray"]
print("at start:", [m for m in lazy if m in sys.modules], extensions.pending_services())
print("monitoring op:", extensions.lookup("monitoring", "PutCompositeAlarm") is not None)
print("after monitoring:", [m for m in lazy if m in sys.modules])
print("ec2 op:", extensions.lookup("ec2", "DescribeSecurityGroupRules") is not None)
print("after ec2:", [m for m in lazy if m in sys.modules], extensions.pending_services())
"""


def test_lazy_modules_load_at_their_services_first_call() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=SRC, capture_output=True, text=True, timeout=60, check=True
    ).stdout.splitlines()
    assert out == [
        "at start: [] ['ec2', 'states', 'xray']",
        "monitoring op: True",
        "after monitoring: []",
        "ec2 op: True",
        "after ec2: ['opsdeck_emulator.extensions.ec2'] ['states', 'xray']",
    ]
