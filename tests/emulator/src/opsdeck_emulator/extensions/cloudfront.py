"""CloudFront (signing name `cloudfront`): origin access identities, cache policies, response
headers policies, and the origin's access settings read back.

moto 5.2.5 has no origin access identity, cache policy or response headers policy operations
(Terraform's `aws_cloudfront_origin_access_identity`, `aws_cloudfront_cache_policy` and
`aws_cloudfront_response_headers_policy` got 404s), and its distribution origins drop
`OriginAccessControlId` and `S3OriginConfig`, so an origin's access control or identity never
read back and every plan wanted to change the distribution.

The three kinds of object live on moto's CloudFront backend (so a moto reset clears them), with
AWS's rules: an ETag per version that updates and deletes must quote in If-Match
(InvalidIfMatchVersion when missing, PreconditionFailed when stale), unique names (or caller
references for identities), and no deletion while a distribution uses the object (...InUse).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.cloudfront import models as cf_models
from moto.cloudfront.exceptions import CloudFrontException
from moto.cloudfront.models import CloudFrontBackend, cloudfront_backends
from moto.cloudfront.responses import CloudFrontResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow

from . import Call, operation

API_ROOT = "https://cloudfront.amazonaws.com/2020-05-31"


def _error(code: str, message: str) -> CloudFrontException:
    return CloudFrontException(code, message)


def _new_id() -> str:
    return cf_models.random_id()


def _etag() -> str:
    return cf_models.random_id()


@dataclass
class _Stored:
    id: str
    config: dict[str, Any]
    etag: str = field(default_factory=_etag)
    last_modified: datetime = field(default_factory=utcnow)

    def replace(self, config: dict[str, Any]) -> None:
        self.config = config
        self.etag = _etag()
        self.last_modified = utcnow()


def _store(backend: CloudFrontBackend, kind: str) -> dict[str, _Stored]:
    """Our objects of one kind on moto's backend object (cleared with it by a moto reset)."""
    stores: dict[str, dict[str, _Stored]] = backend.__dict__.setdefault("opsdeck_stores", {})
    return stores.setdefault(kind, {})


def _check_if_match(call: Call, stored: _Stored) -> None:
    if_match = call.param("IfMatch")
    if not if_match:
        raise _error("InvalidIfMatchVersion", "The If-Match version is missing or not valid for the resource.")
    if if_match != stored.etag:
        raise _error("PreconditionFailed", "The precondition given in one or more of the request header fields evaluated to false.")


def _behaviors(backend: CloudFrontBackend) -> list[Any]:
    found = []
    for dist in backend.distributions.values():
        config = dist.distribution_config
        found.append(config.DefaultCacheBehavior)
        found += list((config.CacheBehaviors or {}).get("Items") or [])
    return found


################################################################################
# Distributions: origins keep OriginAccessControlId and S3OriginConfig, and behaviours and the
# viewer certificate read back as AWS renders them
################################################################################

_original_origin_init = cf_models.Origin.__init__


def _origin_init(self: Any, origin: dict[str, Any]) -> None:
    _original_origin_init(self, origin)
    # AWS returns both members on every origin: an empty id without access control, and an
    # S3OriginConfig with an empty identity for S3 origins without one.
    self.origin_access_control_id = origin.get("OriginAccessControlId") or ""
    if "S3OriginConfig" in origin:
        self.s3_origin_config = {"OriginAccessIdentity": origin["S3OriginConfig"].get("OriginAccessIdentity") or ""}


cf_models.Origin.__init__ = _origin_init  # type: ignore[method-assign]

_original_behaviour_init = cf_models.DefaultCacheBehaviour.__init__
_original_certificate_init = cf_models.ViewerCertificate.__init__


def _behaviour_init(self: Any, config: dict[str, Any]) -> None:
    _original_behaviour_init(self, config)
    # A behaviour with a cache policy has no legacy ForwardedValues; moto rendered an empty one,
    # which Terraform read as a forwarded_values block the configuration does not have.
    if "ForwardedValues" not in config:
        self.forwarded_values = None


def _certificate_init(self: Any, config: dict[str, Any]) -> None:
    _original_certificate_init(self, config)
    # CloudFront's default certificate has no SSL support method; moto made it "sni-only".
    if not config.get("SSLSupportMethod") and not (config.get("ACMCertificateArn") or config.get("IAMCertificateId")):
        self.ssl_support_method = None
    # Terraform omits CloudFrontDefaultCertificate when it is false, and moto took a missing
    # one for true: a distribution with its own certificate read back as using CloudFront's
    # default one. Missing now means "no certificate of its own given".
    default = config.get("CloudFrontDefaultCertificate")
    if default is None:
        self.cloud_front_default_certificate = not (config.get("ACMCertificateArn") or config.get("IAMCertificateId"))
    else:
        self.cloud_front_default_certificate = default is True or str(default).lower() == "true"
    # AWS names the certificate's source and repeats its ARN (or IAM id) in Certificate.
    if config.get("ACMCertificateArn"):
        self.certificate_source = "acm"
        self.certificate = config["ACMCertificateArn"]
    elif config.get("IAMCertificateId"):
        self.certificate_source = "iam"
        self.certificate = config["IAMCertificateId"]


cf_models.DefaultCacheBehaviour.__init__ = _behaviour_init  # type: ignore[method-assign]
cf_models.ViewerCertificate.__init__ = _certificate_init  # type: ignore[method-assign]


################################################################################
# Origin access identities (legacy; origin access control is moto's own)
################################################################################


def _identity(stored: _Stored) -> dict[str, Any]:
    return {
        "Id": stored.id,
        # A stable stand-in for the canonical user AWS creates for the identity.
        "S3CanonicalUserId": hashlib.sha384(stored.id.encode()).hexdigest()[:96],
        "CloudFrontOriginAccessIdentityConfig": stored.config,
    }


def _get_identity(call: Call) -> tuple[CloudFrontBackend, _Stored]:
    backend = call.backend(cloudfront_backends, global_service=True)
    stored = _store(backend, "identities").get(call.param("Id"))
    if stored is None:
        raise _error("NoSuchCloudFrontOriginAccessIdentity", "The specified origin access identity does not exist.")
    return backend, stored


def _identity_config(call: Call) -> dict[str, Any]:
    config = call.param("CloudFrontOriginAccessIdentityConfig") or {}
    if not config.get("CallerReference"):
        raise _error("InvalidArgument", "CallerReference is required.")
    return {"CallerReference": config["CallerReference"], "Comment": config.get("Comment") or ""}


@operation("cloudfront", "CreateCloudFrontOriginAccessIdentity", CloudFrontResponse)
def create_origin_access_identity(call: Call) -> ActionResult:
    backend = call.backend(cloudfront_backends, global_service=True)
    config = _identity_config(call)
    identities = _store(backend, "identities")
    same_reference = next((s for s in identities.values() if s.config["CallerReference"] == config["CallerReference"]), None)
    if same_reference is not None:
        if same_reference.config != config:
            raise _error(
                "CloudFrontOriginAccessIdentityAlreadyExists",
                "If the CallerReference is a value you already sent in a previous request to create an identity but the content of the CloudFrontOriginAccessIdentityConfig is different from the original request, CloudFront returns a CloudFrontOriginAccessIdentityAlreadyExists error.",
            )
        stored = same_reference  # AWS answers a repeated request with the existing identity
    else:
        stored = _Stored(_new_id(), config)
        identities[stored.id] = stored
    return ActionResult({
        "CloudFrontOriginAccessIdentity": _identity(stored),
        "Location": f"{API_ROOT}/origin-access-identity/cloudfront/{stored.id}",
        "ETag": stored.etag,
    })  # fmt: skip


@operation("cloudfront", "GetCloudFrontOriginAccessIdentity", CloudFrontResponse)
def get_origin_access_identity(call: Call) -> ActionResult:
    _, stored = _get_identity(call)
    return ActionResult({"CloudFrontOriginAccessIdentity": _identity(stored), "ETag": stored.etag})


@operation("cloudfront", "GetCloudFrontOriginAccessIdentityConfig", CloudFrontResponse)
def get_origin_access_identity_config(call: Call) -> ActionResult:
    _, stored = _get_identity(call)
    return ActionResult({"CloudFrontOriginAccessIdentityConfig": stored.config, "ETag": stored.etag})


@operation("cloudfront", "UpdateCloudFrontOriginAccessIdentity", CloudFrontResponse)
def update_origin_access_identity(call: Call) -> ActionResult:
    _, stored = _get_identity(call)
    _check_if_match(call, stored)
    config = _identity_config(call)
    if config["CallerReference"] != stored.config["CallerReference"]:
        raise _error("IllegalUpdate", "The update contains modifications that are not allowed: CallerReference cannot change.")
    stored.replace(config)
    return ActionResult({"CloudFrontOriginAccessIdentity": _identity(stored), "ETag": stored.etag})


@operation("cloudfront", "DeleteCloudFrontOriginAccessIdentity", CloudFrontResponse)
def delete_origin_access_identity(call: Call) -> ActionResult:
    backend, stored = _get_identity(call)
    _check_if_match(call, stored)
    path = f"origin-access-identity/cloudfront/{stored.id}"
    for dist in backend.distributions.values():
        for origin in dist.distribution_config.Origins["Items"]:
            if origin.s3_access_identity == path:
                raise _error("CloudFrontOriginAccessIdentityInUse", "The Origin Access Identity specified is already in use.")
    del _store(backend, "identities")[stored.id]
    return EmptyResult()


@operation("cloudfront", "ListCloudFrontOriginAccessIdentities", CloudFrontResponse)
def list_origin_access_identities(call: Call) -> ActionResult:
    backend = call.backend(cloudfront_backends, global_service=True)
    items = [
        {"Id": s.id, "S3CanonicalUserId": _identity(s)["S3CanonicalUserId"], "Comment": s.config["Comment"]}
        for s in _store(backend, "identities").values()
    ]
    page, next_marker = _page(items, call)
    result: dict[str, Any] = {
        "Marker": call.param("Marker") or "",
        "MaxItems": _max_items(call),
        "IsTruncated": next_marker is not None,
        "Quantity": len(page),
        "Items": page,
    }
    if next_marker is not None:
        result["NextMarker"] = next_marker
    return ActionResult({"CloudFrontOriginAccessIdentityList": result})


def _max_items(call: Call) -> int:
    try:
        return max(1, min(int(call.param("MaxItems") or 100), 1000))
    except ValueError:
        return 100


def _page(items: list[dict[str, Any]], call: Call, id_of: Any = lambda item: item["Id"]) -> tuple[list[dict[str, Any]], str | None]:
    """Markers are item ids: a page starts after the marker's item."""
    marker = call.param("Marker")
    ids = [id_of(i) for i in items]
    start = (ids.index(marker) + 1 if marker in ids else len(items)) if marker else 0
    size = _max_items(call)
    page = items[start : start + size]
    next_marker = id_of(page[-1]) if page and start + size < len(items) else None
    return page, next_marker


################################################################################
# Cache policies and response headers policies (same life cycle, different names)
################################################################################


@dataclass(frozen=True)
class _PolicyKind:
    store: str  # key in our stores
    shape: str  # "CachePolicy" / "ResponseHeadersPolicy"
    path: str  # URL path segment for Location
    no_such: str
    already_exists: str
    in_use: str
    behavior_attr: str  # attribute of moto's cache behaviours naming the policy

    @property
    def config_shape(self) -> str:
        return f"{self.shape}Config"


CACHE = _PolicyKind("cache_policies", "CachePolicy", "cache-policy", "NoSuchCachePolicy", "CachePolicyAlreadyExists", "CachePolicyInUse", "cache_policy_id")
HEADERS = _PolicyKind(
    "response_headers_policies", "ResponseHeadersPolicy", "response-headers-policy",
    "NoSuchResponseHeadersPolicy", "ResponseHeadersPolicyAlreadyExists", "ResponseHeadersPolicyInUse",
    "response_headers_policy_id",
)  # fmt: skip


def _policy(kind: _PolicyKind, stored: _Stored) -> dict[str, Any]:
    return {"Id": stored.id, "LastModifiedTime": stored.last_modified, kind.config_shape: stored.config}


def _policy_config(kind: _PolicyKind, call: Call) -> dict[str, Any]:
    config = call.param(kind.config_shape) or {}
    if not config.get("Name"):
        raise _error("InvalidArgument", f"{kind.config_shape}.Name is required.")
    if kind is CACHE:
        ttl = (config.get("MinTTL"), config.get("DefaultTTL"), config.get("MaxTTL"))
        min_ttl, default_ttl, max_ttl = (int(t) if t is not None else None for t in ttl)
        if min_ttl is None:
            raise _error("InvalidArgument", "CachePolicyConfig.MinTTL is required.")
        default_ttl = 86400 if default_ttl is None else default_ttl
        max_ttl = 31536000 if max_ttl is None else max_ttl
        if not min_ttl <= default_ttl <= max_ttl:
            raise _error("InvalidArgument", "The TTLs must satisfy MinTTL <= DefaultTTL <= MaxTTL.")
        config = {**config, "MinTTL": min_ttl, "DefaultTTL": default_ttl, "MaxTTL": max_ttl}
    return config


def _name_taken(kind: _PolicyKind, backend: CloudFrontBackend, name: str, other_than: str | None = None) -> bool:
    return any(s.config.get("Name") == name and s.id != other_than for s in _store(backend, kind.store).values())


def _get_policy(kind: _PolicyKind, call: Call) -> tuple[CloudFrontBackend, _Stored]:
    backend = call.backend(cloudfront_backends, global_service=True)
    stored = _store(backend, kind.store).get(call.param("Id"))
    if stored is None:
        raise _error(kind.no_such, f"The {kind.shape[0].lower() + kind.shape[1:]} does not exist.")
    return backend, stored


def _register_policy_operations(kind: _PolicyKind, plural: str) -> None:
    @operation("cloudfront", f"Create{kind.shape}", CloudFrontResponse)
    def create(call: Call) -> ActionResult:
        backend = call.backend(cloudfront_backends, global_service=True)
        config = _policy_config(kind, call)
        if _name_taken(kind, backend, config["Name"]):
            raise _error(kind.already_exists, f"A {kind.shape} with this name already exists.")
        stored = _Stored(_new_id(), config)
        _store(backend, kind.store)[stored.id] = stored
        return ActionResult({kind.shape: _policy(kind, stored), "Location": f"{API_ROOT}/{kind.path}/{stored.id}", "ETag": stored.etag})

    @operation("cloudfront", f"Get{kind.shape}", CloudFrontResponse)
    def get(call: Call) -> ActionResult:
        _, stored = _get_policy(kind, call)
        return ActionResult({kind.shape: _policy(kind, stored), "ETag": stored.etag})

    @operation("cloudfront", f"Get{kind.shape}Config", CloudFrontResponse)
    def get_config(call: Call) -> ActionResult:
        _, stored = _get_policy(kind, call)
        return ActionResult({kind.config_shape: stored.config, "ETag": stored.etag})

    @operation("cloudfront", f"Update{kind.shape}", CloudFrontResponse)
    def update(call: Call) -> ActionResult:
        backend, stored = _get_policy(kind, call)
        _check_if_match(call, stored)
        config = _policy_config(kind, call)
        if _name_taken(kind, backend, config["Name"], other_than=stored.id):
            raise _error(kind.already_exists, f"A {kind.shape} with this name already exists.")
        stored.replace(config)
        return ActionResult({kind.shape: _policy(kind, stored), "ETag": stored.etag})

    @operation("cloudfront", f"Delete{kind.shape}", CloudFrontResponse)
    def delete(call: Call) -> ActionResult:
        backend, stored = _get_policy(kind, call)
        _check_if_match(call, stored)
        if any(getattr(b, kind.behavior_attr, None) == stored.id for b in _behaviors(backend)):
            raise _error(kind.in_use, f"Cannot delete the {kind.shape}: a distribution uses it.")
        del _store(backend, kind.store)[stored.id]
        return EmptyResult()

    @operation("cloudfront", f"List{plural}", CloudFrontResponse)
    def list_(call: Call) -> ActionResult:
        backend = call.backend(cloudfront_backends, global_service=True)
        wanted = call.param("Type")
        # Only custom policies are stored here; AWS's managed ones are not emulated.
        items = [] if wanted == "managed" else [{"Type": "custom", kind.shape: _policy(kind, s)} for s in _store(backend, kind.store).values()]
        page, next_marker = _page(items, call, lambda item: item[kind.shape]["Id"])
        result: dict[str, Any] = {"MaxItems": _max_items(call), "Quantity": len(page), "Items": page}
        if next_marker is not None:
            result["NextMarker"] = next_marker
        return ActionResult({f"{kind.shape}List": result})


_register_policy_operations(CACHE, "CachePolicies")
_register_policy_operations(HEADERS, "ResponseHeadersPolicies")
