"""Work out which AWS service and operation an incoming HTTP request is for.

Protocols, in the order they are recognised:
  json         X-Amz-Target: <Prefix>.<Operation>          (DynamoDB, Secrets Manager, CloudWatch via boto3 ...)
  rpc-v2-cbor  POST /service/<Shape>/operation/<Operation>  (smithy RPC v2; moto cannot parse the body)
  query        Action=<Operation> in the form body or query string (CloudWatch, SNS, STS, IAM, EC2 ...)
  rest         anything else; operation resolved through moto's own botocore-model router when possible,
               else "METHOD /path"

The service is the SigV4 signing name from the credential scope (`monitoring`, `dynamodb`, ...),
and the region is the scope's signing region (None for unsigned calls).
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

log = logging.getLogger(__name__)

_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")
_CBOR_PATH = re.compile(r"^/service/[^/]+/operation/([^/]+)$")
_FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class CallInfo:
    service: str
    operation: str
    protocol: str  # "json" | "rpc-v2-cbor" | "query" | "rest"
    region: str | None = None  # SigV4 signing region of the credential scope; None when unsigned
    access_key: str | None = None  # access key id of the credential scope; None when unsigned

    @property
    def key(self) -> str:
        return f"{self.service}:{self.operation}"


def credential_scope(environ: dict[str, Any]) -> tuple[str, str, str] | None:
    """(access key id, region, service) of the SigV4 credential scope (Authorization header or
    presigned URL)."""
    presigned = _unquote_qs(environ).get("X-Amz-Credential")
    for source in (environ.get("HTTP_AUTHORIZATION", ""), f"Credential={presigned}" if presigned else ""):
        match = _SCOPE.search(source)
        if match:
            return match.group(1), match.group(2), match.group(3)
    return None


def signing_scope(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(region, service) of the SigV4 credential scope (Authorization header or presigned URL)."""
    scope = credential_scope(environ)
    return (scope[1], scope[2]) if scope else None


def signing_service(environ: dict[str, Any]) -> str | None:
    """The service of the SigV4 credential scope."""
    scope = signing_scope(environ)
    return scope[1] if scope else None


def identify(environ: dict[str, Any]) -> CallInfo:
    scope = credential_scope(environ)
    access_key, region, service = scope if scope else (None, None, None)
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "") or "/"

    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        prefix, _, operation = target.rpartition(".")
        return CallInfo(service or prefix or "unknown", operation, "json", region, access_key)

    cbor = _CBOR_PATH.match(path)
    if cbor and method == "POST" and "cbor" in environ.get("HTTP_SMITHY_PROTOCOL", ""):
        return CallInfo(service or "unknown", cbor.group(1), "rpc-v2-cbor", region, access_key)

    action = _unquote_qs(environ).get("Action") or _form_action(environ)
    if action:
        return CallInfo(service or "unknown", action, "query", region, access_key)

    operation = _rest_operation(service, environ) if service else None
    return CallInfo(service or "unknown", operation or f"{method} {path}", "rest", region, access_key)


def _unquote_qs(environ: dict[str, Any]) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}


def _form_action(environ: dict[str, Any]) -> str | None:
    """Action from a form-encoded body; the body is buffered and put back for moto."""
    if not environ.get("CONTENT_TYPE", "").startswith(_FORM):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length <= 0:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    values = parse_qs(body.decode("utf-8", errors="replace")).get("Action")
    return values[0] if values else None


# SigV4 signing names whose botocore model name differs, where the path decides.
def _model_name(service: str, path: str) -> str:
    if service == "s3" and path.startswith("/v20180820/"):
        return "s3control"
    if service == "ses" and path.startswith("/v2/"):
        return "sesv2"
    if service == "apigateway" and path.startswith("/v2/"):
        return "apigatewayv2"
    return service


def _rest_operation(service: str, environ: dict[str, Any]) -> str | None:
    """Best effort: let moto's botocore-model router name the operation."""
    from moto.core.request import Request
    from moto.core.routing import get_service_router

    try:
        router = get_service_router(_model_name(service, environ.get("PATH_INFO", "")))
        operation, _ = router.match(Request(environ))
        return str(operation.name)
    except Exception as exc:  # unknown model, no route: fall back to METHOD /path
        log.debug("no REST operation for %s %s: %s", service, environ.get("PATH_INFO"), exc)
        return None
