"""Registry of operations we add to (or fix in) moto, implemented on moto's own backends.

An operation is a function taking a `Call` and returning a moto `ActionResult`:

    @operation("monitoring", "PutCompositeAlarm", CloudWatchResponse)
    def put_composite_alarm(call: Call) -> ActionResult:
        backend = call.backend(cloudwatch_backends)   # this request's account and region
        ...

The key is (SigV4 signing name, operation name). `response_class` is moto's response class for
the service: it parses the request for the protocol used (Query, JSON ...) with botocore's model,
works out account (from the access key, as moto does) and region (SigV4 scope), and serializes
our result or our moto `ServiceException` exactly as moto would serialize its own.
An entry here takes precedence over moto's handler for the same operation.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.request import Request
from moto.core.responses import ActionResult, BaseResponse
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# Modules whose import registers operations (some also fix a moto model), imported when the
# server starts: a model fix must be in place before any service builds the backend it fixes
# (Lambda builds IAM's, for one). Add new ones here, or to LAZY_MODULES.
MODULES = [
    "apigateway", "awslambda", "budgets", "ce_anomalies", "cloudfront", "cloudwatch",
    "costexplorer", "iam", "logs", "rds", "rds_snapshots", "s3", "secretsmanager",
    "tagging", "wafv2",
]  # fmt: skip

# Modules that only add operations of one service (no model fix) and are slow to import (moto's
# EC2 models take about a second of CPU, X-Ray's and Step Functions' a fifth each), by SigV4
# signing name: imported at the first call to that service. Most test emulators never see EC2,
# and a test run starts about a hundred of them.
LAZY_MODULES = {"ec2": ["ec2"], "states": ["stepfunctions"], "xray": ["xray"]}
_loaded_services: set[str] = set()
_load_lock = threading.Lock()


class Call:
    """One request to an added operation, seen through moto's own request parsing."""

    def __init__(self, response: BaseResponse) -> None:
        self.response = response

    @property
    def account_id(self) -> str:
        return str(self.response.current_account)

    @property
    def region(self) -> str:
        return str(self.response.region)

    def param(self, name: str, default: Any = None) -> Any:
        return self.response._get_param(name, default)

    def backend(self, backends: Any, global_service: bool = False) -> Any:
        """This request's backend from a moto BackendDict, e.g. `cloudwatch_backends`.
        Global services (IAM, Budgets, CloudFront ...) are keyed by partition, as in moto."""
        return backends[self.account_id][self.response.partition if global_service else self.region]


Handler = Callable[[Call], ActionResult]


@dataclass(frozen=True)
class Operation:
    service: str
    name: str
    response_class: type[BaseResponse]
    handler: Handler

    def dispatch(self, environ: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        request = _ServerRequest(environ)
        response = self.response_class()
        response.setup_class(request)
        try:
            result = self.handler(Call(response))
        except ServiceException as error:
            result = ActionResult(error)
        except HTTPException as error:  # moto's older-style errors
            return int(error.code or 500), dict(error.get_headers() or []), error.description
        status, headers, body = response.serialized(result)
        headers, body = response._enrich_response(dict(headers), body)
        headers.pop("status", None)
        return int(status), headers, body


class _ServerRequest(Request):
    from_wsgi_server = True  # lets werkzeug supply the Date header, as for moto's own requests


_REGISTRY: dict[tuple[str, str], Operation] = {}


def operation(service: str, name: str, response_class: type[BaseResponse]) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        key = (service, name)
        if key in _REGISTRY:
            raise ValueError(f"operation {service}:{name} registered twice")
        _REGISTRY[key] = Operation(service, name, response_class, handler)
        return handler

    return register


def lookup(service: str, name: str) -> Operation | None:
    _load_service(service)
    return _REGISTRY.get((service, name))


def _load_service(service: str) -> None:
    if service not in LAZY_MODULES or service in _loaded_services:
        return
    with _load_lock:
        if service not in _loaded_services:
            for module in LAZY_MODULES[service]:
                importlib.import_module(f"{__name__}.{module}")
            _loaded_services.add(service)


def registered() -> list[str]:
    """The added operations loaded so far (see `pending_services`)."""
    return sorted(f"{s}:{n}" for s, n in _REGISTRY)


def pending_services() -> list[str]:
    """Services whose added operations load at their first call and have not been called yet."""
    return sorted(set(LAZY_MODULES) - _loaded_services)


# Endpoints an extension adds to the layer's own API (/_opsdeck/<resource>), for data that AWS
# offers no call to write (e.g. the costs Cost Explorer reports). A handler takes the JSON body
# (None when empty) and returns (HTTP status, JSON payload).
ApiHandler = Callable[[Any], tuple[int, Any]]
_API_ROUTES: dict[tuple[str, str], ApiHandler] = {}


def api_route(method: str, resource: str) -> Callable[[ApiHandler], ApiHandler]:
    def register(handler: ApiHandler) -> ApiHandler:
        key = (method, resource)
        if key in _API_ROUTES:
            raise ValueError(f"API route {method} /_opsdeck/{resource} registered twice")
        _API_ROUTES[key] = handler
        return handler

    return register


def lookup_api(method: str, resource: str) -> ApiHandler | None:
    return _API_ROUTES.get((method, resource))


def load_eager() -> None:
    """What the server imports at start: every module of MODULES."""
    for module in MODULES:
        importlib.import_module(f"{__name__}.{module}")


def load_all() -> None:
    """Every module, the lazy ones too."""
    load_eager()
    for service in LAZY_MODULES:
        _load_service(service)
