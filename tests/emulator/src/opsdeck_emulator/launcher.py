"""start / stop / status / reset of a detached server whose state lives in one directory.

State directory files: pid, endpoint, server.log, lock (flock for concurrent CLI calls),
ready (written by the server once it listens; consumed by start).
A server counts as running only when its endpoint answers /_opsdeck/health with the pid on file,
so a stale pid file, a reused pid or a reused port are never mistaken for our server.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

START_TIMEOUT_S = 30.0
STOP_GRACE_S = 5.0
_SRC_DIR = Path(__file__).resolve().parent.parent
# Loopback only: never let an http_proxy variable route our own health checks elsewhere.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class EmulatorError(RuntimeError):
    """A failure to report to the user as is (no traceback)."""


class State:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.pid_file = directory / "pid"
        self.endpoint_file = directory / "endpoint"
        self.log_file = directory / "server.log"
        self.ready_file = directory / "ready"

    def read(self) -> tuple[int | None, str | None]:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            pid = None
        try:
            endpoint = self.endpoint_file.read_text().strip() or None
        except OSError:
            endpoint = None
        return pid, endpoint

    def write(self, pid: int, endpoint: str) -> None:
        for path, text in ((self.endpoint_file, endpoint), (self.pid_file, str(pid))):
            tmp = path.with_suffix(".tmp")
            tmp.write_text(text + "\n")
            tmp.replace(path)

    def clear(self) -> None:
        for path in (self.pid_file, self.endpoint_file, self.ready_file):
            path.unlink(missing_ok=True)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / "lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield


def request(endpoint: str, method: str, path: str, payload: Any = None, timeout: float = 10.0) -> Any:
    data = None if payload is None else json.dumps(payload).encode()
    req = urllib.request.Request(f"{endpoint}{path}", data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with _HTTP.open(req, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def health(endpoint: str, timeout: float = 2.0) -> dict[str, Any] | None:
    try:
        answer = request(endpoint, "GET", "/_opsdeck/health", timeout=timeout)
    except (OSError, ValueError):  # URLError, connection refused, timeouts, bad JSON
        return None
    return answer if isinstance(answer, dict) else None


def live_endpoint(state: State) -> str | None:
    pid, endpoint = state.read()
    if pid is None or endpoint is None:
        return None
    answer = health(endpoint)
    return endpoint if answer is not None and answer.get("pid") == pid else None


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"  # zombies count as gone
    except (OSError, IndexError):
        return False


def _is_our_server(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"opsdeck_emulator" in cmdline and b"serve" in cmdline


def _terminate(pid: int) -> None:
    """SIGTERM, then SIGKILL after STOP_GRACE_S. The server leads its own process group."""
    for sig, grace in ((signal.SIGTERM, STOP_GRACE_S), (signal.SIGKILL, STOP_GRACE_S)):
        with contextlib.suppress(ProcessLookupError):
            if os.getpgid(pid) == pid:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.05)
    raise EmulatorError(f"server pid {pid} survived SIGKILL")


def _log_tail(state: State, lines: int = 20) -> str:
    try:
        return "\n".join(state.log_file.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def start(state: State, port: int | None = None, timeout: float = START_TIMEOUT_S) -> str:
    with state.locked():
        endpoint = live_endpoint(state)
        if endpoint is not None:
            return endpoint
        pid, _ = state.read()
        if pid is not None and _alive(pid) and _is_our_server(pid):
            _terminate(pid)  # ours but not answering: replace it
        state.clear()

        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_SRC_DIR), env.get("PYTHONPATH")]))
        command = [sys.executable, "-m", "opsdeck_emulator", "serve", "--host", "127.0.0.1",
                   "--port", str(port or 0), "--ready-file", str(state.ready_file)]  # fmt: skip
        with open(state.log_file, "ab") as log:
            log.write(f"\n=== {time.strftime('%Y-%m-%dT%H:%M:%S')} start: {' '.join(command)}\n".encode())
            log.flush()
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=state.dir, env=env, start_new_session=True,
            )  # fmt: skip

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = process.poll()
            if code is not None:
                raise EmulatorError(
                    f"server exited with code {code} during startup; log {state.log_file}:\n{_log_tail(state)}"
                )
            if state.ready_file.exists():
                endpoint = state.ready_file.read_text().strip()
                answer = health(endpoint, timeout=1.0)
                if answer is not None and answer.get("pid") == process.pid:
                    state.write(process.pid, endpoint)
                    state.ready_file.unlink(missing_ok=True)
                    return endpoint
            time.sleep(0.05)
        _terminate(process.pid)
        process.wait(timeout=1)
        raise EmulatorError(
            f"server did not answer within {timeout:.0f} s; log {state.log_file}:\n{_log_tail(state)}"
        )


def stop(state: State) -> bool:
    """Stop the server if one runs; True when one was stopped."""
    with state.locked():
        pid, endpoint = state.read()
        stopped = False
        if pid is not None and _alive(pid):
            answer = health(endpoint, timeout=1.0) if endpoint else None
            if (answer is not None and answer.get("pid") == pid) or _is_our_server(pid):
                _terminate(pid)
                stopped = True
        state.clear()
        return stopped


def reset(state: State) -> str:
    endpoint = live_endpoint(state)
    if endpoint is None:
        raise EmulatorError(f"no emulator running for state dir {state.dir}")
    request(endpoint, "POST", "/_opsdeck/reset")
    return endpoint
