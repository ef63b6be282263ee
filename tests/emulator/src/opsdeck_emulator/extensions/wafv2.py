"""WAFv2 (signing name `wafv2`): web ACL associations with API Gateway stages, as AWS checks them.

moto 5.2.5 accepts any resource ARN in AssociateWebACL (a stage that does not exist, a stage of
another region, a CloudFront distribution, a web ACL of scope CLOUDFRONT on a regional stage),
keeps a resource associated with two web ACLs when it is associated again (GetWebACLForResource
then answers the first), and deletes a web ACL that resources still use. modules/compute
associates its regional web ACL with the API stage (aws_wafv2_web_acl_association), so a wrong
association must fail on the emulator as it fails on AWS.

  AssociateWebACL     the web ACL must exist (WAFNonexistentItemException) and be REGIONAL, a
                      CloudFront distribution is refused (CloudFront takes its web ACL through
                      the distribution's WebACLId), an API Gateway stage must exist in the web
                      ACL's region (WAFNonexistentItemException / WAFInvalidParameterException);
                      a resource has one web ACL: a new association replaces the old one; the
                      stage's webAclArn follows.
  DisassociateWebACL  moto's, and the stage's webAclArn cleared (as moto does).
  DeleteWebACL        refused while a resource is associated (WAFAssociatedItemException).
"""

from __future__ import annotations

import re
from typing import Any

from moto.apigateway.models import apigateway_backends
from moto.core.responses import ActionResult
from moto.wafv2.exceptions import WAFNonexistentItemException, WAFv2ClientError
from moto.wafv2.models import wafv2_backends
from moto.wafv2.responses import WAFV2Response

from . import Call, operation

STAGE_ARN = re.compile(r"^arn:aws[a-z-]*:apigateway:(?P<region>[a-z0-9-]+)::/restapis/(?P<api>[^/]+)/stages/(?P<stage>[^/]+)$")
CLOUDFRONT_ARN = re.compile(r"^arn:aws[a-z-]*:cloudfront::\d{12}:distribution/")


class WAFInvalidParameterException(WAFv2ClientError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__("WAFInvalidParameterException", f"Error reason: {reason}, field: {field}, parameter: ResourceArn")


class WAFAssociatedItemException(WAFv2ClientError):
    def __init__(self) -> None:
        super().__init__(
            "WAFAssociatedItemException",
            "AWS WAF couldn’t perform the operation because your resource is being used by another resource or it’s associated with another resource.",
        )


def _stage(call: Call, resource_arn: str) -> Any | None:
    """The API Gateway stage an ARN names (None for other resource types); errors as AWS's."""
    match = STAGE_ARN.match(resource_arn)
    if not match:
        return None
    if match["region"] != call.region:
        raise WAFInvalidParameterException("RESOURCE_ARN", "The resource is in another region than the web ACL")
    apis = apigateway_backends[call.account_id][match["region"]].apis
    api = apis.get(match["api"])
    stage = api.stages.get(match["stage"]) if api is not None else None
    if stage is None:
        raise WAFNonexistentItemException()
    return stage


@operation("wafv2", "AssociateWebACL", WAFV2Response)
def associate_web_acl(call: Call) -> ActionResult:
    backend: Any = call.backend(wafv2_backends)
    acl_arn = call.param("WebACLArn")
    resource_arn = call.param("ResourceArn")
    if CLOUDFRONT_ARN.match(resource_arn or ""):
        raise WAFInvalidParameterException(
            "RESOURCE_ARN", "A CloudFront distribution takes its web ACL in its configuration (WebACLId), not through AssociateWebACL"
        )
    # CLOUDFRONT-scope web ACLs (".../global/webacl/...") live apart from the regional ones.
    if ":global/webacl/" in (acl_arn or ""):
        raise WAFInvalidParameterException("SCOPE_VALUE", "A web ACL of scope CLOUDFRONT cannot be associated with a regional resource")
    acl = backend.wacls.get(acl_arn)
    if acl is None:
        raise WAFNonexistentItemException()
    stage = _stage(call, resource_arn)
    for other in backend.wacls.values():  # one web ACL per resource: the new one replaces it
        if resource_arn in other.associated_resources:
            other.associated_resources.remove(resource_arn)
    acl.associated_resources.append(resource_arn)
    if stage is not None:
        stage.web_acl_arn = acl_arn
    return ActionResult({})


@operation("wafv2", "DisassociateWebACL", WAFV2Response)
def disassociate_web_acl(call: Call) -> ActionResult:
    backend: Any = call.backend(wafv2_backends)
    resource_arn = call.param("ResourceArn")
    backend.disassociate_web_acl(resource_arn)
    try:
        stage = _stage(call, resource_arn)
    except (WAFNonexistentItemException, WAFInvalidParameterException):
        stage = None  # AWS answers a disassociation of a gone resource with success too
    if stage is not None:
        stage.web_acl_arn = None
    return ActionResult({})


@operation("wafv2", "DeleteWebACL", WAFV2Response)
def delete_web_acl(call: Call) -> ActionResult:
    backend: Any = call.backend(wafv2_backends)
    for acl in backend.wacls.values():
        if acl.name == call.param("Name") and acl.id == call.param("Id") and acl.associated_resources:
            raise WAFAssociatedItemException()
    backend.delete_web_acl(call.param("Name"), call.param("Scope"), call.param("Id"), call.param("LockToken"))
    return ActionResult({})
