"""Cost Explorer (signing name `ce`): Cost Anomaly Detection monitors and subscriptions.

moto 5.2.5 emulates cost categories and GetCostAndUsage only; Terraform's
`aws_ce_anomaly_monitor` and `aws_ce_anomaly_subscription` (modules/observability,
R7.2-c) failed with 500. Monitors and subscriptions live on moto's own
`CostExplorerBackend` (global: one per account and partition), and their tags in its
tagger, so moto's ListTagsForResource, TagResource and UntagResource see them. As AWS
does: a DIMENSIONAL monitor needs MonitorDimension, a CUSTOM one MonitorSpecification;
SNS subscribers need IMMEDIATE frequency and email ones DAILY or WEEKLY; a subscription
names existing monitors; a monitor that a subscription uses cannot be deleted; unknown
ARNs are UnknownMonitorException or UnknownSubscriptionException.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from moto.ce.models import CostExplorerBackend, ce_backends
from moto.ce.responses import CostExplorerResponse
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult

from . import Call, operation


class ValidationException(ServiceException):
    code = "ValidationException"


class UnknownMonitorException(ServiceException):
    code = "UnknownMonitorException"


class UnknownSubscriptionException(ServiceException):
    code = "UnknownSubscriptionException"


def _backend(call: Call) -> CostExplorerBackend:
    return call.backend(ce_backends, global_service=True)


def _state(backend: CostExplorerBackend) -> dict[str, dict[str, Any]]:
    state = getattr(backend, "_opsdeck_anomalies", None)
    if state is None:
        state = {"monitors": {}, "subscriptions": {}}
        backend._opsdeck_anomalies = state
    return state


def _today() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime())


def _monitor(state: dict[str, Any], arn: str) -> dict[str, Any]:
    monitor = state["monitors"].get(arn)
    if monitor is None:
        raise UnknownMonitorException(f"No anomaly monitor with ARN {arn}")
    return monitor


def _subscription(state: dict[str, Any], arn: str) -> dict[str, Any]:
    subscription = state["subscriptions"].get(arn)
    if subscription is None:
        raise UnknownSubscriptionException(f"No anomaly subscription with ARN {arn}")
    return subscription


def _page(items: list[dict[str, Any]], call: Call, token_field: str, list_field: str) -> ActionResult:
    start = int(call.param("NextPageToken") or 0)
    size = int(call.param("MaxResults") or 100)
    result: dict[str, Any] = {list_field: [dict(i) for i in items[start : start + size]]}
    if start + size < len(items):
        result[token_field] = str(start + size)
    return ActionResult(result)


@operation("ce", "CreateAnomalyMonitor", CostExplorerResponse)
def create_anomaly_monitor(call: Call) -> ActionResult:
    backend = _backend(call)
    state = _state(backend)
    spec = call.param("AnomalyMonitor") or {}
    kind = spec.get("MonitorType")
    if not spec.get("MonitorName"):
        raise ValidationException("MonitorName is required")
    if kind == "DIMENSIONAL" and spec.get("MonitorDimension") is None:
        raise ValidationException("A DIMENSIONAL monitor needs MonitorDimension")
    if kind == "CUSTOM" and spec.get("MonitorSpecification") is None:
        raise ValidationException("A CUSTOM monitor needs MonitorSpecification")
    if kind not in ("DIMENSIONAL", "CUSTOM"):
        raise ValidationException("MonitorType must be DIMENSIONAL or CUSTOM")
    arn = f"arn:{call.response.partition}:ce::{call.account_id}:anomalymonitor/{uuid.uuid4()}"
    monitor = {
        "MonitorArn": arn,
        "MonitorName": spec["MonitorName"],
        "CreationDate": _today(),
        "LastUpdatedDate": _today(),
        "MonitorType": kind,
        "DimensionalValueCount": 0,
    }
    for field in ("MonitorDimension", "MonitorSpecification"):
        if spec.get(field) is not None:
            monitor[field] = spec[field]
    state["monitors"][arn] = monitor
    if call.param("ResourceTags"):
        backend.tag_resource(arn, call.param("ResourceTags"))
    return ActionResult({"MonitorArn": arn})


@operation("ce", "GetAnomalyMonitors", CostExplorerResponse)
def get_anomaly_monitors(call: Call) -> ActionResult:
    state = _state(_backend(call))
    arns = call.param("MonitorArnList") or []
    monitors = [_monitor(state, a) for a in arns] if arns else list(state["monitors"].values())
    return _page(monitors, call, "NextPageToken", "AnomalyMonitors")


@operation("ce", "UpdateAnomalyMonitor", CostExplorerResponse)
def update_anomaly_monitor(call: Call) -> ActionResult:
    monitor = _monitor(_state(_backend(call)), call.param("MonitorArn"))
    if call.param("MonitorName"):
        monitor["MonitorName"] = call.param("MonitorName")
    monitor["LastUpdatedDate"] = _today()
    return ActionResult({"MonitorArn": monitor["MonitorArn"]})


@operation("ce", "DeleteAnomalyMonitor", CostExplorerResponse)
def delete_anomaly_monitor(call: Call) -> ActionResult:
    backend = _backend(call)
    state = _state(backend)
    arn = call.param("MonitorArn")
    _monitor(state, arn)
    users = [s["SubscriptionName"] for s in state["subscriptions"].values() if arn in s["MonitorArnList"]]
    if users:
        raise ValidationException(f"The monitor is used by the subscriptions {', '.join(users)}")
    del state["monitors"][arn]
    backend.tagger.delete_all_tags_for_resource(arn)
    return ActionResult({})


def _check_subscription(state: dict[str, Any], subscription: dict[str, Any]) -> None:
    for arn in subscription.get("MonitorArnList") or []:
        _monitor(state, arn)
    frequency = subscription.get("Frequency")
    if frequency not in ("DAILY", "IMMEDIATE", "WEEKLY"):
        raise ValidationException("Frequency must be DAILY, IMMEDIATE or WEEKLY")
    for subscriber in subscription.get("Subscribers") or []:
        if subscriber.get("Type") == "SNS" and frequency != "IMMEDIATE":
            raise ValidationException("SNS subscribers need IMMEDIATE frequency")
        if subscriber.get("Type") == "EMAIL" and frequency == "IMMEDIATE":
            raise ValidationException("EMAIL subscribers need DAILY or WEEKLY frequency")
    if subscription.get("Threshold") is None and subscription.get("ThresholdExpression") is None:
        raise ValidationException("Threshold or ThresholdExpression is required")


@operation("ce", "CreateAnomalySubscription", CostExplorerResponse)
def create_anomaly_subscription(call: Call) -> ActionResult:
    backend = _backend(call)
    state = _state(backend)
    spec = dict(call.param("AnomalySubscription") or {})
    if not spec.get("SubscriptionName"):
        raise ValidationException("SubscriptionName is required")
    _check_subscription(state, spec)
    arn = f"arn:{call.response.partition}:ce::{call.account_id}:anomalysubscription/{uuid.uuid4()}"
    spec["SubscriptionArn"] = arn
    spec["AccountId"] = call.account_id
    spec["Subscribers"] = [{**s, "Status": s.get("Status", "CONFIRMED")} for s in spec.get("Subscribers") or []]
    state["subscriptions"][arn] = spec
    if call.param("ResourceTags"):
        backend.tag_resource(arn, call.param("ResourceTags"))
    return ActionResult({"SubscriptionArn": arn})


@operation("ce", "GetAnomalySubscriptions", CostExplorerResponse)
def get_anomaly_subscriptions(call: Call) -> ActionResult:
    state = _state(_backend(call))
    arns = call.param("SubscriptionArnList") or []
    found = [_subscription(state, a) for a in arns] if arns else list(state["subscriptions"].values())
    monitor = call.param("MonitorArn")
    if monitor:
        found = [s for s in found if monitor in s["MonitorArnList"]]
    return _page(found, call, "NextPageToken", "AnomalySubscriptions")


@operation("ce", "UpdateAnomalySubscription", CostExplorerResponse)
def update_anomaly_subscription(call: Call) -> ActionResult:
    state = _state(_backend(call))
    subscription = _subscription(state, call.param("SubscriptionArn"))
    updated = dict(subscription)
    for field in ("Threshold", "Frequency", "MonitorArnList", "SubscriptionName", "ThresholdExpression"):
        if call.param(field) is not None:
            updated[field] = call.param(field)
    if call.param("Subscribers") is not None:
        updated["Subscribers"] = [{**s, "Status": s.get("Status", "CONFIRMED")} for s in call.param("Subscribers")]
    _check_subscription(state, updated)
    subscription.clear()
    subscription.update(updated)
    return ActionResult({"SubscriptionArn": subscription["SubscriptionArn"]})


@operation("ce", "DeleteAnomalySubscription", CostExplorerResponse)
def delete_anomaly_subscription(call: Call) -> ActionResult:
    backend = _backend(call)
    state = _state(backend)
    arn = call.param("SubscriptionArn")
    _subscription(state, arn)
    del state["subscriptions"][arn]
    backend.tagger.delete_all_tags_for_resource(arn)
    return ActionResult({})
