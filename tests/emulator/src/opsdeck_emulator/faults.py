"""Fault injection: make the next N matching calls fail with an AWS error, or slow them down.

A fault is a JSON object posted to /_opsdeck/faults:
  {"service": "monitoring", "operation": "PutCompositeAlarm", "count": 2,
   "error_code": "Throttling", "http_status": 400, "message": "Rate exceeded", "delay_ms": 0,
   "skip": 0, "after": false, "access_key": "AKIDCASE1"}
service: SigV4 signing name, omitted or "*" = any. operation: required, "*" = any.
count: how many matching calls it applies to (default 1); it disappears after that.
error_code: the AWS error code to answer with; omit it to only delay and then pass through.
skip: matching calls let through untouched before the fault applies (default 0): with
  operation "*" and an access key, `skip = i` fails a client's i-th call (0-based).
after: serve the call first (it takes effect in moto), then answer with the error instead of
  moto's answer: a response lost after the write happened, as a reset connection or a 5xx
  from a front end does it.
access_key: only calls signed with this access key id match (omitted = any), so that
  concurrent tests, each with its own key, share one emulator without meeting each other's
  faults.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import asdict, dataclass, replace
from typing import Any
from xml.sax.saxutils import escape

from .identify import CallInfo

_FIELDS = {
    "service", "operation", "count", "error_code", "http_status", "message", "delay_ms", "skip", "after", "access_key",
}  # fmt: skip
MAX_DELAY_MS = 300_000

# Services on the rest-xml protocol (everything else signed and RESTful is rest-json).
_REST_XML = {"s3", "cloudfront", "route53"}


class FaultSpecError(ValueError):
    """The posted fault is malformed; the message says how."""


@dataclass
class Fault:
    id: int
    service: str | None
    operation: str | None
    count: int
    error_code: str | None
    http_status: int
    message: str
    delay_ms: int
    skip: int = 0
    after: bool = False
    access_key: str | None = None

    def matches(self, call: CallInfo) -> bool:
        return (
            (self.service is None or self.service == call.service)
            and (self.operation is None or self.operation == call.operation)
            and (self.access_key is None or self.access_key == call.access_key)
        )


def _opt_str(spec: dict[str, Any], key: str) -> str | None:
    value = spec.get(key)
    if value is None or value == "*":
        return None
    if not isinstance(value, str) or not value:
        raise FaultSpecError(f"'{key}' must be a non-empty string")
    return value


def _int(spec: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FaultSpecError(f"'{key}' must be an integer in [{low}, {high}], got {value!r}")
    return value


def parse_fault(spec: Any, fault_id: int) -> Fault:
    if not isinstance(spec, dict):
        raise FaultSpecError("a fault must be a JSON object")
    unknown = set(spec) - _FIELDS
    if unknown:
        raise FaultSpecError(f"unknown field(s) {sorted(unknown)}; allowed: {sorted(_FIELDS)}")
    if "operation" not in spec:
        raise FaultSpecError("'operation' is required (use \"*\" for any operation)")
    error_code = _opt_str(spec, "error_code")
    delay_ms = _int(spec, "delay_ms", 0, 0, MAX_DELAY_MS)
    if error_code is None and delay_ms == 0:
        raise FaultSpecError("a fault needs an 'error_code', a 'delay_ms' > 0, or both")
    message = spec.get("message", error_code or "")
    if not isinstance(message, str):
        raise FaultSpecError("'message' must be a string")
    after = spec.get("after", False)
    if not isinstance(after, bool):
        raise FaultSpecError("'after' must be true or false")
    if after and error_code is None:
        raise FaultSpecError("'after' needs an 'error_code': the error that replaces the answer")
    return Fault(
        id=fault_id,
        service=_opt_str(spec, "service"),
        operation=_opt_str(spec, "operation"),
        count=_int(spec, "count", 1, 1, 1_000_000),
        error_code=error_code,
        http_status=_int(spec, "http_status", 400, 400, 599),
        message=message,
        delay_ms=delay_ms,
        skip=_int(spec, "skip", 0, 0, 1_000_000),
        after=after,
        access_key=_opt_str(spec, "access_key"),
    )


class FaultStore:
    """Thread-safe list of pending faults; the first matching one wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, spec: Any) -> Fault:
        with self._lock:
            fault = parse_fault(spec, self._next_id)
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def take(self, call: CallInfo) -> Fault | None:
        """Consume one use of the first fault matching `call`, if any. A fault that still has
        calls to skip lets this one through (and counts it), hiding the faults behind it."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(call):
                    if fault.skip > 0:
                        fault.skip -= 1
                        return None
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    return replace(fault)  # a snapshot: other threads may use the fault next
        return None

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def clear(self, access_key: str | None = None) -> int:
        """Drops every pending fault, or those of one access key; returns how many."""
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if access_key is not None and f.access_key != access_key]
            return before - len(self._faults)


def render_error(call: CallInfo, fault: Fault, content_type: str) -> tuple[int, dict[str, str], bytes]:
    """An AWS error response for `call`'s protocol, as SDKs parse it."""
    assert fault.error_code is not None
    code, message, status = fault.error_code, fault.message, fault.http_status
    request_id = str(uuid.uuid4())
    fault_type = "Sender" if status < 500 else "Receiver"
    headers = {"x-amzn-RequestId": request_id}

    if call.protocol == "query" or (call.protocol == "rest" and call.service in _REST_XML):
        if call.service == "ec2":
            xml = (
                f"<Response><Errors><Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
                f"</Error></Errors><RequestID>{request_id}</RequestID></Response>"
            )
        elif call.service == "s3":
            xml = (
                f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
                f"<RequestId>{request_id}</RequestId></Error>"
            )
            headers["x-amz-request-id"] = request_id
        else:
            xml = (
                f"<ErrorResponse><Error><Type>{fault_type}</Type><Code>{escape(code)}</Code>"
                f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
            )
        headers["Content-Type"] = "text/xml"
        return status, headers, f'<?xml version="1.0" encoding="UTF-8"?>\n{xml}'.encode()

    # json, rest-json (and rpc-v2-cbor, which moto cannot serve anyway: answered in JSON).
    if call.protocol == "json" and content_type.startswith("application/x-amz-json-"):
        headers["Content-Type"] = content_type.split(";")[0]
    else:
        headers["Content-Type"] = "application/json"
    headers["x-amzn-ErrorType"] = code
    # Services that are "awsQueryCompatible" (CloudWatch, SQS ...) carry the Query error code here.
    headers["x-amzn-query-error"] = f"{code};{fault_type}"
    return status, headers, json.dumps({"__type": code, "message": message}).encode()
