"""X-Ray (signing name `xray`): sampling rules, groups and their tags.

moto 5.2.5 emulates trace segments and summaries only; Terraform's `aws_xray_sampling_rule`
and `aws_xray_group` (modules/observability, R3.3) got 404 for every call. The rules and
groups live on moto's own `XRayBackend` (one per account and region), so a moto reset
forgets them. Behaviour follows the X-Ray API reference: every account has the `Default`
rule (priority 10000, 1 request/s and 5 %), which can be updated but not deleted; names
are unique per region; unknown names and ARNs are `InvalidRequestException`.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.xray.models import XRayBackend, xray_backends
from moto.xray.responses import XRayResponse

from . import Call, operation

DEFAULT_RULE = "Default"
RULE_FIELDS = ("ResourceARN", "Priority", "FixedRate", "ReservoirSize", "ServiceName", "ServiceType", "Host",
               "HTTPMethod", "URLPath", "Version", "Attributes")  # fmt: skip


class InvalidRequestException(ServiceException):
    code = "InvalidRequestException"


def _state(backend: XRayBackend) -> dict[str, Any]:
    """Our objects on moto's backend: rules by name, groups by name, tags by ARN."""
    state = getattr(backend, "_opsdeck", None)
    if state is None:
        now = time.time()
        default = {
            "RuleName": DEFAULT_RULE,
            "RuleARN": f"arn:aws:xray:{backend.region_name}:{backend.account_id}:sampling-rule/{DEFAULT_RULE}",
            "ResourceARN": "*", "Priority": 10000, "FixedRate": 0.05, "ReservoirSize": 1, "ServiceName": "*",
            "ServiceType": "*", "Host": "*", "HTTPMethod": "*", "URLPath": "*", "Version": 1, "Attributes": {},
        }  # fmt: skip
        state = {"rules": {DEFAULT_RULE: {"rule": default, "created": now, "modified": now}}, "groups": {}, "tags": {}}
        backend._opsdeck = state
    return state


def _backend(call: Call) -> XRayBackend:
    return call.backend(xray_backends)


def _with_action(call: Call, name: str) -> None:
    # XRayResponse names the action after the URL path ("/Groups" for GetGroups); the
    # serializer needs the operation's name.
    call.response._get_action = lambda: name  # type: ignore[method-assign]


def _record(entry: dict[str, Any]) -> dict[str, Any]:
    return {"SamplingRule": dict(entry["rule"]), "CreatedAt": entry["created"], "ModifiedAt": entry["modified"]}


def _find_rule(state: dict[str, Any], name: str | None, arn: str | None) -> dict[str, Any]:
    for entry in state["rules"].values():
        if (name and entry["rule"]["RuleName"] == name) or (arn and entry["rule"]["RuleARN"] == arn):
            return entry
    raise InvalidRequestException("Sampling rule does not exist")


def _tag(state: dict[str, Any], arn: str, tags: list[dict[str, str]] | None) -> None:
    current = state["tags"].setdefault(arn, {})
    for tag in tags or []:
        current[tag["Key"]] = tag["Value"]


def _known_arn(state: dict[str, Any], arn: str) -> bool:
    return any(e["rule"]["RuleARN"] == arn for e in state["rules"].values()) or any(
        g["GroupARN"] == arn for g in state["groups"].values()
    )


@operation("xray", "CreateSamplingRule", XRayResponse)
def create_sampling_rule(call: Call) -> ActionResult:
    backend = _backend(call)
    state = _state(backend)
    rule = dict(call.param("SamplingRule") or {})
    name = rule.get("RuleName")
    if not name:
        raise InvalidRequestException("RuleName is required")
    if name in state["rules"]:
        raise InvalidRequestException(f"Sampling rule {name} already exists")
    missing = [f for f in RULE_FIELDS if f != "Attributes" and f not in rule]
    if missing:
        raise InvalidRequestException(f"Missing required fields: {', '.join(missing)}")
    if rule.get("Version") != 1:
        raise InvalidRequestException("Version must be 1")
    rule.setdefault("Attributes", {})
    rule["RuleARN"] = f"arn:aws:xray:{call.region}:{call.account_id}:sampling-rule/{name}"
    now = time.time()
    entry = {"rule": rule, "created": now, "modified": now}
    state["rules"][name] = entry
    _tag(state, rule["RuleARN"], call.param("Tags"))
    return ActionResult({"SamplingRuleRecord": _record(entry)})


@operation("xray", "GetSamplingRules", XRayResponse)
def get_sampling_rules(call: Call) -> ActionResult:
    state = _state(_backend(call))
    records = [_record(e) for e in sorted(state["rules"].values(), key=lambda e: e["rule"]["Priority"])]
    return ActionResult({"SamplingRuleRecords": records})


@operation("xray", "UpdateSamplingRule", XRayResponse)
def update_sampling_rule(call: Call) -> ActionResult:
    state = _state(_backend(call))
    update = call.param("SamplingRuleUpdate") or {}
    entry = _find_rule(state, update.get("RuleName"), update.get("RuleARN"))
    for field in RULE_FIELDS:
        if field in update and field != "Version":
            entry["rule"][field] = update[field]
    entry["modified"] = time.time()
    return ActionResult({"SamplingRuleRecord": _record(entry)})


@operation("xray", "DeleteSamplingRule", XRayResponse)
def delete_sampling_rule(call: Call) -> ActionResult:
    state = _state(_backend(call))
    entry = _find_rule(state, call.param("RuleName"), call.param("RuleARN"))
    if entry["rule"]["RuleName"] == DEFAULT_RULE:
        raise InvalidRequestException("Cannot delete the default sampling rule")
    del state["rules"][entry["rule"]["RuleName"]]
    state["tags"].pop(entry["rule"]["RuleARN"], None)
    return ActionResult({"SamplingRuleRecord": _record(entry)})


def _find_group(state: dict[str, Any], name: str | None, arn: str | None) -> dict[str, Any]:
    for group in state["groups"].values():
        if (name and group["GroupName"] == name) or (arn and group["GroupARN"] == arn):
            return group
    raise InvalidRequestException("Group not found")


def _insights(value: dict[str, Any] | None) -> dict[str, bool]:
    value = value or {}
    return {
        "InsightsEnabled": bool(value.get("InsightsEnabled", False)),
        "NotificationsEnabled": bool(value.get("NotificationsEnabled", False)),
    }


@operation("xray", "CreateGroup", XRayResponse)
def create_group(call: Call) -> ActionResult:
    state = _state(_backend(call))
    name = call.param("GroupName")
    if not name:
        raise InvalidRequestException("GroupName is required")
    if name in state["groups"]:
        raise InvalidRequestException("Group already exists")
    insights = _insights(call.param("InsightsConfiguration"))
    if insights["NotificationsEnabled"] and not insights["InsightsEnabled"]:
        raise InvalidRequestException("Notifications can only be enabled when insights are enabled")
    group = {
        "GroupName": name,
        "GroupARN": f"arn:aws:xray:{call.region}:{call.account_id}:group/{name}/{uuid.uuid4().hex[:26].upper()}",
        "FilterExpression": call.param("FilterExpression") or "",
        "InsightsConfiguration": insights,
    }
    state["groups"][name] = group
    _tag(state, group["GroupARN"], call.param("Tags"))
    return ActionResult({"Group": dict(group)})


@operation("xray", "GetGroup", XRayResponse)
def get_group(call: Call) -> ActionResult:
    state = _state(_backend(call))
    return ActionResult({"Group": dict(_find_group(state, call.param("GroupName"), call.param("GroupARN")))})


@operation("xray", "GetGroups", XRayResponse)
def get_groups(call: Call) -> ActionResult:
    _with_action(call, "GetGroups")
    state = _state(_backend(call))
    return ActionResult({"Groups": [dict(g) for g in state["groups"].values()]})


@operation("xray", "UpdateGroup", XRayResponse)
def update_group(call: Call) -> ActionResult:
    state = _state(_backend(call))
    group = _find_group(state, call.param("GroupName"), call.param("GroupARN"))
    if call.param("FilterExpression") is not None:
        group["FilterExpression"] = call.param("FilterExpression")
    if call.param("InsightsConfiguration") is not None:
        group["InsightsConfiguration"] = _insights(call.param("InsightsConfiguration"))
    return ActionResult({"Group": dict(group)})


@operation("xray", "DeleteGroup", XRayResponse)
def delete_group(call: Call) -> ActionResult:
    state = _state(_backend(call))
    group = _find_group(state, call.param("GroupName"), call.param("GroupARN"))
    del state["groups"][group["GroupName"]]
    state["tags"].pop(group["GroupARN"], None)
    return ActionResult({})


@operation("xray", "TagResource", XRayResponse)
def tag_resource(call: Call) -> ActionResult:
    state = _state(_backend(call))
    arn = call.param("ResourceARN")
    if not _known_arn(state, arn):
        raise ServiceException("ResourceNotFoundException", f"Resource {arn} not found")
    _tag(state, arn, call.param("Tags"))
    return ActionResult({})


@operation("xray", "UntagResource", XRayResponse)
def untag_resource(call: Call) -> ActionResult:
    state = _state(_backend(call))
    arn = call.param("ResourceARN")
    for key in call.param("TagKeys") or []:
        state["tags"].get(arn, {}).pop(key, None)
    return ActionResult({})


@operation("xray", "ListTagsForResource", XRayResponse)
def list_tags_for_resource(call: Call) -> ActionResult:
    state = _state(_backend(call))
    arn = call.param("ResourceARN")
    if not _known_arn(state, arn):
        raise ServiceException("ResourceNotFoundException", f"Resource {arn} not found")
    return ActionResult({"Tags": [{"Key": k, "Value": v} for k, v in sorted(state["tags"].get(arn, {}).items())]})
