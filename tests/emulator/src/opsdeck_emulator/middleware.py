"""WSGI middleware in front of moto: request log, fault injection, added operations.

Our own API lives under /_opsdeck/ (JSON in, JSON out):
  GET    /_opsdeck/health    {"status": "ok", "pid": N, "moto_version": "...", "operations": [...],
                              "pending_services": [...]}  operations load at a service's first call
  GET    /_opsdeck/requests  {"total": N, "by_operation": {"monitoring:DescribeAlarms": 3, ...},
                              "signing_regions": {"monitoring:DescribeAlarms": {"us-east-1": 3}, ...}}
                             signing_regions counts the SigV4 signing region of each call per
                             operation; unsigned calls have none and are left out of it.
                             ?access_key=K: only the calls signed with access key id K
  DELETE /_opsdeck/requests  clear the request log
  GET    /_opsdeck/faults    {"faults": [...pending faults...]}
  POST   /_opsdeck/faults    add a fault (see faults.py); 201 {"fault": {...}}
  DELETE /_opsdeck/faults    clear all faults (?access_key=K: only the faults of that key)
  POST   /_opsdeck/reset     moto's reset (same as POST /moto-api/reset) + clear faults and request log
  *      /_opsdeck/<other>   endpoints that extensions add (`extensions.api_route`), e.g. PUT ce/data
/moto-api/* goes to moto untouched and uncounted; everything else is an AWS call.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from functools import partial
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from . import extensions
from .faults import Fault, FaultSpecError, FaultStore, render_error
from .identify import CallInfo, identify

log = logging.getLogger("opsdeck_emulator")

API_PREFIX = "/_opsdeck/"
_UNCOUNTED_PREFIXES = ("/moto-api", "/favicon.ico", "/latest/meta-data/", "/latest/api/")

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
_INTERNAL_ERROR = Fault(
    id=0, service=None, operation=None, count=1, error_code="InternalFailure", http_status=500,
    message="opsdeck emulator: added operation failed; see server log", delay_ms=0,
)  # fmt: skip


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (access key or None, service:Operation) -> calls; (access key, service:Operation) -> region -> calls
        self._counts: Counter[tuple[str | None, str]] = Counter()
        self._regions: defaultdict[tuple[str | None, str], Counter[str]] = defaultdict(Counter)

    def record(self, call: CallInfo) -> None:
        with self._lock:
            self._counts[(call.access_key, call.key)] += 1
            if call.region:
                self._regions[(call.access_key, call.key)][call.region] += 1

    def snapshot(self, access_key: str | None = None) -> dict[str, Any]:
        """Counts of every call, or of the calls signed with `access_key` only."""
        counts: Counter[str] = Counter()
        regions: defaultdict[str, Counter[str]] = defaultdict(Counter)
        with self._lock:
            for (key_id, key), n in self._counts.items():
                if access_key is None or key_id == access_key:
                    counts[key] += n
            for (key_id, key), by_region in self._regions.items():
                if access_key is None or key_id == access_key:
                    regions[key].update(by_region)
        return {
            "total": sum(counts.values()),
            "by_operation": dict(sorted(counts.items())),
            "signing_regions": {k: dict(sorted(r.items())) for k, r in sorted(regions.items())},
        }

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()
            self._regions.clear()


def _respond(start_response: StartResponse, status: int, headers: dict[str, str], body: Any) -> Iterable[bytes]:
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = {k: str(v) for k, v in headers.items() if k.lower() != "content-length"}
    headers["Content-Length"] = str(len(body))
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:  # e.g. an injected 599
        reason = "Error"
    start_response(f"{status} {reason}", list(headers.items()))
    return [body]


def _json(start_response: StartResponse, status: int, payload: Any) -> Iterable[bytes]:
    return _respond(start_response, status, {"Content-Type": "application/json"}, json.dumps(payload))


class OpsdeckMiddleware:
    def __init__(self, moto_app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self.moto_app = moto_app
        self.faults = FaultStore()
        self.requests = RequestLog()
        # One AWS call at a time: moto's backends are plain dicts and lists without locks, and
        # the server answers each connection on its own thread. The AWS provider sends up to ten
        # calls at once; two of them on one backend have been seen to lose a security group's
        # default egress rule (InvalidPermission.NotFound on its revoke). AWS applies each call
        # atomically, so serialising them is the faithful model; the GIL left little parallelism
        # to lose. An injected delay is slept outside the lock: a slow answer does not hold up
        # other calls on AWS either.
        self._serve_lock = threading.Lock()
        extensions.load_eager()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(API_PREFIX):
            return self._api(environ, start_response)
        if path.startswith(_UNCOUNTED_PREFIXES):
            return self._serialised(self.moto_app, environ, start_response)

        call = identify(environ)
        self.requests.record(call)
        if call.protocol == "rpc-v2-cbor":
            log.warning("%s arrived in Smithy RPC v2 CBOR, which moto cannot parse: use an SDK "
                        "version that speaks Query or JSON for this service", call.key)  # fmt: skip

        fault = self.faults.take(call)
        if fault is not None:
            log.warning(
                "fault #%d applied to %s (%s): error_code=%s http_status=%d delay_ms=%d after=%s, %d use(s) left",
                fault.id, call.key, call.protocol, fault.error_code, fault.http_status, fault.delay_ms, fault.after,
                fault.count,
            )  # fmt: skip
            if fault.delay_ms:
                time.sleep(fault.delay_ms / 1000)
            if fault.error_code and fault.after:
                # The call takes effect; its answer is lost and replaced by the error.
                self._serialised(partial(self._serve, call), environ, lambda *_args, **_kwargs: None)
                return _respond(start_response, *render_error(call, fault, environ.get("CONTENT_TYPE", "")))
            if fault.error_code:
                return _respond(start_response, *render_error(call, fault, environ.get("CONTENT_TYPE", "")))
        started = time.monotonic()
        statuses: list[str] = []

        def recording_start_response(status: str, headers: Any, *args: Any) -> Any:
            statuses.append(status)
            return start_response(status, headers, *args)

        answer = self._serialised(partial(self._serve, call), environ, recording_start_response)
        # One line per AWS call with its operation (werkzeug's own line shows only "POST /"), and
        # the SDK's attempt number and invocation id: a retry of a call that took effect shows
        # as two lines with one invocation id.
        log.info(
            "call %s -> %s in %d ms (access key %s, %s, invocation %s)",
            call.key, statuses[0].split(" ", 1)[0] if statuses else "?", (time.monotonic() - started) * 1000,
            call.access_key, environ.get("HTTP_AMZ_SDK_REQUEST", "attempt=?").split(";")[0],
            environ.get("HTTP_AMZ_SDK_INVOCATION_ID", "-"),
        )  # fmt: skip
        return answer

    def _serialised(self, app: WsgiApp, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        """`app`'s whole answer, computed under the serve lock. A WSGI app may work lazily while
        its body is read, so the body is read to the end before the lock is let go."""
        with self._serve_lock:
            body = app(environ, start_response)
            try:
                return list(body)
            finally:
                if hasattr(body, "close"):
                    body.close()

    def _serve(self, call: CallInfo, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """The call's answer from our added operations, else from moto."""
        added = extensions.lookup(call.service, call.operation)
        if added is not None:
            try:
                return _respond(start_response, *added.dispatch(environ))
            except Exception:
                log.exception("added operation %s failed", call.key)
                return _respond(start_response, *render_error(call, _INTERNAL_ERROR, environ.get("CONTENT_TYPE", "")))
        return self.moto_app(environ, start_response)

    def _api(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        resource = environ.get("PATH_INFO", "")[len(API_PREFIX) :].rstrip("/")
        route = (method, resource)

        if route == ("GET", "health"):
            import moto

            return _json(start_response, 200, {
                "status": "ok", "pid": os.getpid(), "moto_version": moto.__version__,
                "operations": extensions.registered(), "pending_services": extensions.pending_services(),
            })  # fmt: skip
        if route == ("GET", "requests"):
            access_key = parse_qs(environ.get("QUERY_STRING", "")).get("access_key", [None])[0]
            return _json(start_response, 200, self.requests.snapshot(access_key))
        if route == ("DELETE", "requests"):
            self.requests.clear()
            return _json(start_response, 200, {"status": "ok"})
        if route == ("GET", "faults"):
            return _json(start_response, 200, {"faults": self.faults.list()})
        if route == ("DELETE", "faults"):
            access_key = parse_qs(environ.get("QUERY_STRING", "")).get("access_key", [None])[0]
            dropped = self.faults.clear(access_key)
            log.info("faults cleared (%s): %d", access_key or "all", dropped)
            return _json(start_response, 200, {"status": "ok", "cleared": dropped})
        if route == ("POST", "faults"):
            return self._add_fault(environ, start_response)
        if route == ("POST", "reset"):
            from moto.moto_api._internal.models import moto_api_backend

            with self._serve_lock:
                moto_api_backend.reset()
            self.faults.clear()
            self.requests.clear()
            log.info("reset: moto backends, faults and request log cleared")
            return _json(start_response, 200, {"status": "ok"})

        added = extensions.lookup_api(method, resource)
        if added is not None:
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = json.loads(environ["wsgi.input"].read(length) or b"null")
            except ValueError as error:
                return _json(start_response, 400, {"error": f"the body is not JSON: {error}"})
            with self._serve_lock:  # added endpoints work on moto's backends too
                answer = added(body)
            return _json(start_response, *answer)

        known = {"health", "requests", "faults", "reset"}
        status = 405 if resource in known else 404
        return _json(start_response, status, {"error": f"no such endpoint: {method} {API_PREFIX}{resource}"})

    def _add_fault(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            spec = json.loads(environ["wsgi.input"].read(length) or b"null")
            fault = self.faults.add(spec)
        except (ValueError, FaultSpecError) as error:  # JSONDecodeError is a ValueError
            return _json(start_response, 400, {"error": str(error)})
        log.info("fault #%d added: %s", fault.id, spec)
        return _json(start_response, 201, {"fault": fault.__dict__})
