"""AWS calls are answered one at a time (moto's backends have no locks of their own), and an
injected delay does not hold up the other calls. In process: the middleware in front of a
stand-in app that records how many calls it serves at once."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from opsdeck_emulator.middleware import OpsdeckMiddleware

pytestmark = pytest.mark.no_emulator


class CountingApp:
    """A WSGI app that answers lazily (its body is a generator, as a WSGI app may be) and
    records the most calls it was inside at once."""

    def __init__(self, work_seconds: float) -> None:
        self.work_seconds = work_seconds
        self._lock = threading.Lock()
        self._inside = 0
        self.most_at_once = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0")])
        return self._body()

    def _body(self) -> Iterator[bytes]:
        with self._lock:
            self._inside += 1
            self.most_at_once = max(self.most_at_once, self._inside)
        time.sleep(self.work_seconds)
        with self._lock:
            self._inside -= 1
        yield b"{}"


def dynamodb_call(operation: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/x-amz-json-1.0",
        "CONTENT_LENGTH": "2",
        "HTTP_X_AMZ_TARGET": f"DynamoDB_20120810.{operation}",
        "HTTP_AUTHORIZATION": (
            "AWS4-HMAC-SHA256 Credential=AKIDSERIAL/20261202/us-east-1/dynamodb/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=0"
        ),
        "wsgi.input": io.BytesIO(b"{}"),
    }


def call(app: OpsdeckMiddleware, operation: str) -> tuple[str, bytes, float]:
    started = time.monotonic()
    status: list[str] = []
    body = b"".join(app(dynamodb_call(operation), lambda s, _headers: status.append(s)))
    return status[0], body, time.monotonic() - started


def test_concurrent_aws_calls_reach_moto_one_at_a_time() -> None:
    moto = CountingApp(work_seconds=0.05)
    app = OpsdeckMiddleware(moto)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: call(app, "ListTables"), range(16)))
    assert [(status, body) for status, body, _ in answers] == [("200 OK", b"{}")] * 16
    assert moto.most_at_once == 1
    assert app.requests.snapshot()["by_operation"] == {"dynamodb:ListTables": 16}


def test_an_injected_delay_does_not_hold_up_other_calls() -> None:
    moto = CountingApp(work_seconds=0.0)
    app = OpsdeckMiddleware(moto)
    app.faults.add({"service": "dynamodb", "operation": "DescribeTable", "delay_ms": 1500})
    with ThreadPoolExecutor(max_workers=2) as pool:
        slow = pool.submit(call, app, "DescribeTable")
        time.sleep(0.2)  # the slow call is asleep in its delay now
        _, _, quick_seconds = call(app, "ListTables")
        _, _, slow_seconds = slow.result()
    assert slow_seconds >= 1.5
    assert quick_seconds < 1.0
