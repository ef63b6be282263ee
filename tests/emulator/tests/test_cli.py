"""The `emulator` CLI: start/stop/status/reset/serve."""

from __future__ import annotations

import os
import socket
import time

import pytest

from conftest import cli, http


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_start_is_idempotent(emulator):
    pid = (emulator.state_dir / "pid").read_text().strip()
    again = cli("start", "--state-dir", emulator.state_dir)
    assert again.stdout == f"{emulator.endpoint}\n"  # only the endpoint on stdout
    assert (emulator.state_dir / "pid").read_text().strip() == pid
    assert (emulator.state_dir / "endpoint").read_text().strip() == emulator.endpoint
    assert emulator.endpoint.startswith("http://127.0.0.1:")


def test_status_exit_codes(emulator, tmp_path):
    live = cli("status", "--state-dir", emulator.state_dir)
    assert live.returncode == 0 and live.stdout.strip() == emulator.endpoint

    nothing = cli("status", "--state-dir", tmp_path, check=False)
    assert nothing.returncode == 1 and nothing.stdout == "" and "not running" in nothing.stderr

    # A stale pid file (a dead or foreign pid) does not count as a live server.
    (tmp_path / "pid").write_text(f"{os.getpid()}\n")
    (tmp_path / "endpoint").write_text(f"{emulator.endpoint}\n")
    assert cli("status", "--state-dir", tmp_path, check=False).returncode == 1


@pytest.mark.no_emulator
def test_start_on_a_given_port_then_stop_is_idempotent(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    started = time.monotonic()
    endpoint = cli("start", "--state-dir", tmp_path, "--port", port).stdout.strip()
    assert time.monotonic() - started < 30
    assert endpoint == f"http://127.0.0.1:{port}"
    pid = int((tmp_path / "pid").read_text())
    assert http(endpoint, "GET", "/_opsdeck/health")[1]["pid"] == pid

    stopped = cli("stop", "--state-dir", tmp_path)
    assert stopped.returncode == 0
    assert not pid_alive(pid)
    assert not (tmp_path / "pid").exists() and not (tmp_path / "endpoint").exists()
    assert cli("status", "--state-dir", tmp_path, check=False).returncode == 1

    again = cli("stop", "--state-dir", tmp_path)
    assert again.returncode == 0 and "nothing running" in again.stderr


@pytest.mark.no_emulator
def test_start_fails_clearly_when_the_server_cannot_start(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("start", "--state-dir", tmp_path, "--port", port, check=False)
    assert result.returncode != 0 and result.stdout == ""
    assert str(tmp_path / "server.log") in result.stderr
    assert "Address already in use" in (tmp_path / "server.log").read_text()
    assert not (tmp_path / "pid").exists()


def test_reset_clears_resources_faults_and_request_log(emulator):
    sqs = emulator.client("sqs")
    sqs.create_queue(QueueName="q")
    emulator.api("POST", "/_opsdeck/faults", {"operation": "Nothing", "error_code": "E"})
    assert sqs.list_queues()["QueueUrls"]

    cli("reset", "--state-dir", emulator.state_dir)

    assert "QueueUrls" not in sqs.list_queues()
    assert emulator.api("GET", "/_opsdeck/faults") == {"faults": []}
    assert emulator.api("GET", "/_opsdeck/requests")["by_operation"] == {"sqs:ListQueues": 1}


@pytest.mark.no_emulator
def test_reset_without_a_server_fails(tmp_path):
    result = cli("reset", "--state-dir", tmp_path, check=False)
    assert result.returncode == 1 and "no emulator running" in result.stderr


@pytest.mark.no_emulator
@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "example.com"])
def test_serve_refuses_non_loopback_hosts(host):
    result = cli("serve", "--host", host, "--port", "0", check=False, timeout=30)
    assert result.returncode == 2
    assert "refusing host" in result.stderr


@pytest.mark.no_emulator
def test_venv_prints_the_venv_python():
    result = cli("venv")
    python = result.stdout.strip()
    assert python.endswith("/emulator-venv/bin/python") and os.access(python, os.X_OK)
    assert result.stderr == ""  # nothing to do: quiet
