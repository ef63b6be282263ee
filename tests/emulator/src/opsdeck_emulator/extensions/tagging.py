"""Resource Groups Tagging API (signing name `tagging`): GetResources with ResourceARNList.

AWS answers GetResources with a ResourceARNList (at most 100 ARNs) in one response and refuses
the pagination parameters together with it. moto pages it anyway (50 resources, or fewer when
the resources carry many tags), so a client that reads the tags of 100 alarms in one call, as
AWS allows, would miss some. Other GetResources calls go to moto's own handler.
"""

from __future__ import annotations

from moto.core.responses import ActionResult
from moto.resourcegroupstaggingapi.exceptions import ResourceGroupsTaggingAPIError
from moto.resourcegroupstaggingapi.models import resourcegroupstaggingapi_backends
from moto.resourcegroupstaggingapi.responses import ResourceGroupsTaggingAPIResponse

from . import Call, operation

MAX_ARNS = 100


@operation("tagging", "GetResources", ResourceGroupsTaggingAPIResponse)
def get_resources(call: Call) -> ActionResult:
    arns = call.param("ResourceARNList") or []
    if not arns:
        return call.response.get_resources()
    paging = [p for p in ("PaginationToken", "ResourcesPerPage", "TagsPerPage") if call.param(p) is not None]
    if paging:
        raise ResourceGroupsTaggingAPIError(
            "InvalidParameterException",
            f"ResourceARNList cannot be combined with {', '.join(paging)}.",
        )
    if len(arns) > MAX_ARNS:
        raise ResourceGroupsTaggingAPIError(
            "InvalidParameterException", f"ResourceARNList takes at most {MAX_ARNS} ARNs; got {len(arns)}."
        )
    backend = call.backend(resourcegroupstaggingapi_backends)
    resources = backend._get_resources_generator(
        tag_filters=call.param("TagFilters") or [],
        resource_type_filters=call.param("ResourceTypeFilters") or [],
        resource_arn_list=arns,
    )
    return ActionResult(
        {
            "ResourceTagMappingList": [
                {"ResourceARN": r.arn, "Tags": [{"Key": k, "Value": v} for k, v in r.tags.items()]} for r in resources
            ],
            "PaginationToken": "",
        }
    )
