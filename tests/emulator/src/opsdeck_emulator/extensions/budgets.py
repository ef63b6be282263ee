"""AWS Budgets (signing name `budgets`): budget updates, notifications, subscribers and tags.

moto 5.2.5 emulates budgets and their notifications only in part:
  - UpdateBudget, DescribeSubscribersForNotification, CreateSubscriber, DeleteSubscriber,
    TagResource, UntagResource and ListTagsForResource are missing;
  - CreateBudget ignores ResourceTags;
  - DescribeNotificationsForBudget fails with a KeyError (HTTP 500) for a budget that does not
    exist;
  - CreateNotification adds the same notification again and again;
  - DeleteNotification compares the whole notification as given (so an omitted ThresholdType
    or a NotificationState makes it miss a stored one) and succeeds silently when nothing
    matched.

What we add, on moto's own BudgetsBackend (a moto reset clears all of it):
  CreateBudget                        moto's, plus ResourceTags stored for the budget
  UpdateBudget                        NewBudget replaces the definition; notifications, their
                                      subscribers and the tags stay; LastUpdatedTime renewed
  DeleteBudget                        moto's, and the budget's tags go with it
  DescribeNotificationsForBudget      NotFoundException for a missing budget, else moto's
  CreateNotification                  DuplicateRecordException for an existing notification
  DeleteNotification                  NotFoundException for a missing notification
  DescribeSubscribersForNotification  the notification's subscribers (MaxResults/NextToken)
  CreateSubscriber, DeleteSubscriber  one subscriber of one notification
  TagResource, UntagResource,
  ListTagsForResource                 tags of `arn:<partition>:budgets::<account>:budget/<name>`

A notification is identified, as AWS does, by NotificationType, ComparisonOperator, Threshold
(compared as a number) and ThresholdType (PERCENTAGE when omitted); NotificationState is not
part of its identity. A subscriber is identified by SubscriptionType and Address.

moto keeps budgets per request `AccountId` inside the backend of the caller's account and
partition; we follow it, and take the account of a tagging call from its ARN.
"""

from __future__ import annotations

import json
import re
from copy import deepcopy
from typing import Any

from moto.budgets.exceptions import DuplicateRecordException, NotFoundException
from moto.budgets.models import Budget, BudgetsBackend, Notification, budgets_backends
from moto.budgets.responses import BudgetsResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult

from . import Call, operation

DEFAULT_THRESHOLD_TYPE = "PERCENTAGE"
_BUDGET_ARN = re.compile(r"^arn:([^:]+):budgets::(\d{12}):budget/(.+)$")

NotificationKey = tuple[str, str, float, str]
Tags = dict[str, str]


def _invalid(message: str) -> JsonRESTError:
    return JsonRESTError("InvalidParameterException", message)


def _required(call: Call, name: str) -> Any:
    value = call.param(name)
    if value is None or value == "":
        raise _invalid(f"{name} is required.")
    return value


def _backend(call: Call) -> BudgetsBackend:
    return call.backend(budgets_backends, global_service=True)


def _account_budgets(call: Call) -> dict[str, Budget]:
    return _backend(call).budgets[str(_required(call, "AccountId"))]


def _budget_definition(call: Call, member: str) -> dict[str, Any]:
    """The Budget structure of a create or update, with the members AWS's model requires."""
    value = _required(call, member)
    if not isinstance(value, dict):
        raise _invalid(f"{member} must be a budget.")
    for required in ("BudgetName", "TimeUnit", "BudgetType"):
        if not value.get(required):
            raise _invalid(f"{member}.{required} is required.")
    return value


def _budget(call: Call, action: str) -> Budget:
    name = str(_required(call, "BudgetName"))
    budget = _account_budgets(call).get(name)
    if budget is None:
        raise NotFoundException(f"Unable to {action}: {name} - the budget doesn't exist.")
    return budget


def _tag_store(backend: BudgetsBackend) -> dict[tuple[str, str], Tags]:
    """Tags per (account, budget name), on moto's backend object (so a moto reset clears them)."""
    store: dict[tuple[str, str], Tags] = backend.__dict__.setdefault("opsdeck_budget_tags", {})
    return store


# --- notifications and subscribers ------------------------------------------------------------


def _notification_key(notification: Any) -> NotificationKey:
    if not isinstance(notification, dict):
        raise _invalid("Notification is required.")
    for member in ("NotificationType", "ComparisonOperator", "Threshold"):
        if notification.get(member) in (None, ""):
            raise _invalid(f"Notification.{member} is required.")
    try:
        threshold = float(notification["Threshold"])
    except (TypeError, ValueError):
        raise _invalid(f"Notification.Threshold must be a number, not {notification['Threshold']!r}.") from None
    return (
        str(notification["NotificationType"]),
        str(notification["ComparisonOperator"]),
        threshold,
        str(notification.get("ThresholdType") or DEFAULT_THRESHOLD_TYPE),
    )


def _describe_key(key: NotificationKey) -> str:
    kind, comparison, threshold, threshold_type = key
    return f"{kind} {comparison} {threshold:g} ({threshold_type})"


def _find_notification(budget: Budget, key: NotificationKey) -> Notification | None:
    return next((n for n in budget.notifications if _notification_key(n.details) == key), None)


def _notification(call: Call, action: str) -> tuple[Budget, Notification]:
    budget = _budget(call, action)
    key = _notification_key(call.param("Notification"))
    found = _find_notification(budget, key)
    if found is None:
        raise NotFoundException(f"Unable to {action}: notification {_describe_key(key)} doesn't exist.")
    return budget, found


def _subscriber(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not value.get("SubscriptionType") or not value.get("Address"):
        raise _invalid("A subscriber needs a SubscriptionType and an Address.")
    return {"SubscriptionType": str(value["SubscriptionType"]), "Address": str(value["Address"])}


def _subscribers(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise _invalid("Subscribers needs at least one subscriber.")
    return [_subscriber(s) for s in value]


def _same_subscriber(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (a.get("SubscriptionType"), a.get("Address")) == (b.get("SubscriptionType"), b.get("Address"))


# --- tags -------------------------------------------------------------------------------------


def _tags(value: Any) -> Tags:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise _invalid("ResourceTags must be a list of tags.")
    tags: Tags = {}
    for tag in value:
        if not isinstance(tag, dict) or not tag.get("Key") or tag.get("Value") is None:
            raise _invalid("Every tag in ResourceTags needs a Key and a Value.")
        tags[str(tag["Key"])] = str(tag["Value"])
    return tags


def _tagged_budget(call: Call) -> Tags:
    """The (mutable) tags of the budget that ResourceARN names."""
    arn = str(_required(call, "ResourceARN"))
    match = _BUDGET_ARN.match(arn)
    if match is None:
        raise _invalid(f"{arn} is not a budget ARN (arn:<partition>:budgets::<account>:budget/<name>).")
    partition, account, name = match.groups()
    backend = _backend(call)
    if partition != call.response.partition or name not in backend.budgets.get(account, {}):
        raise NotFoundException(f"Unable to find resource {arn} - the budget doesn't exist.")
    return _tag_store(backend).setdefault((account, name), {})


def _render_tags(tags: Tags) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


# --- operations -------------------------------------------------------------------------------


@operation("budgets", "CreateBudget", BudgetsResponse)
def create_budget(call: Call) -> ActionResult:
    account = str(_required(call, "AccountId"))
    budget = _budget_definition(call, "Budget")
    tags = _tags(call.param("ResourceTags"))
    notifications = call.param("NotificationsWithSubscribers") or []
    for entry in notifications:  # checked before anything is created
        if not isinstance(entry, dict):
            raise _invalid("NotificationsWithSubscribers takes a Notification and Subscribers per entry.")
        _notification_key(entry.get("Notification"))
        _subscribers(entry.get("Subscribers"))
    backend = _backend(call)
    backend.create_budget(account_id=account, budget=budget, notifications=notifications)
    _tag_store(backend)[(account, str(budget["BudgetName"]))] = tags
    return ActionResult({})


@operation("budgets", "UpdateBudget", BudgetsResponse)
def update_budget(call: Call) -> ActionResult:
    new = _budget_definition(call, "NewBudget")
    name = str(new["BudgetName"])
    budgets = _account_budgets(call)
    old = budgets.get(name)
    if old is None:
        raise NotFoundException(f"Unable to update budget: {name} - the budget doesn't exist.")
    new = deepcopy(new)
    new.pop("CalculatedSpend", None)  # AWS: calculated spend cannot be changed
    if "TimePeriod" not in new:
        new["TimePeriod"] = deepcopy(old.budget["TimePeriod"])
    replacement = Budget(new, notifications=[])  # moto's checks (a limit is required), new LastUpdatedTime
    replacement.notifications = old.notifications
    budgets[name] = replacement
    return ActionResult({})


@operation("budgets", "DeleteBudget", BudgetsResponse)
def delete_budget(call: Call) -> ActionResult:
    account = str(_required(call, "AccountId"))
    name = str(_required(call, "BudgetName"))
    backend = _backend(call)
    backend.delete_budget(account_id=account, budget_name=name)
    _tag_store(backend).pop((account, name), None)
    return ActionResult({})


@operation("budgets", "DescribeNotificationsForBudget", BudgetsResponse)
def describe_notifications_for_budget(call: Call) -> ActionResult:
    _budget(call, "describe notifications")
    return ActionResult(json.loads(call.response.describe_notifications_for_budget()))


@operation("budgets", "CreateNotification", BudgetsResponse)
def create_notification(call: Call) -> ActionResult:
    budget = _budget(call, "create notification")
    notification = call.param("Notification")
    key = _notification_key(notification)
    subscribers = _subscribers(call.param("Subscribers"))
    if _find_notification(budget, key) is not None:
        raise DuplicateRecordException(record_type="notification", record_name=_describe_key(key))
    budget.add_notification(details=notification, subscribers=subscribers)  # type: ignore[arg-type]
    return ActionResult({})


@operation("budgets", "DeleteNotification", BudgetsResponse)
def delete_notification(call: Call) -> ActionResult:
    budget, notification = _notification(call, "delete notification")
    budget.notifications = [n for n in budget.notifications if n is not notification]
    return ActionResult({})


@operation("budgets", "DescribeSubscribersForNotification", BudgetsResponse)
def describe_subscribers_for_notification(call: Call) -> ActionResult:
    _, notification = _notification(call, "describe subscribers")
    subscribers: list[dict[str, Any]] = list(notification.subscribers)
    start = 0
    token = call.param("NextToken")
    if token:
        if not str(token).isdigit() or int(token) > len(subscribers):
            raise JsonRESTError("InvalidNextTokenException", f"Invalid NextToken: {token}")
        start = int(token)
    limit = call.param("MaxResults")
    end = len(subscribers) if not limit else min(len(subscribers), start + int(limit))
    result: dict[str, Any] = {"Subscribers": deepcopy(subscribers[start:end])}
    if end < len(subscribers):
        result["NextToken"] = str(end)
    return ActionResult(result)


@operation("budgets", "CreateSubscriber", BudgetsResponse)
def create_subscriber(call: Call) -> ActionResult:
    _, notification = _notification(call, "create subscriber")
    subscriber = _subscriber(call.param("Subscriber"))
    if any(_same_subscriber(s, subscriber) for s in notification.subscribers):
        raise DuplicateRecordException(
            record_type="subscriber", record_name=f"{subscriber['SubscriptionType']} {subscriber['Address']}"
        )
    notification.subscribers = [*notification.subscribers, subscriber]  # type: ignore[assignment]
    return ActionResult({})


@operation("budgets", "DeleteSubscriber", BudgetsResponse)
def delete_subscriber(call: Call) -> ActionResult:
    _, notification = _notification(call, "delete subscriber")
    subscriber = _subscriber(call.param("Subscriber"))
    remaining = [s for s in notification.subscribers if not _same_subscriber(s, subscriber)]
    if len(remaining) == len(notification.subscribers):
        raise NotFoundException(
            f"Unable to delete subscriber: {subscriber['SubscriptionType']} {subscriber['Address']} doesn't exist."
        )
    notification.subscribers = remaining  # type: ignore[assignment]
    return ActionResult({})


@operation("budgets", "TagResource", BudgetsResponse)
def tag_resource(call: Call) -> ActionResult:
    new = _tags(_required(call, "ResourceTags"))
    tags = _tagged_budget(call)
    tags.update(new)
    return ActionResult({})


@operation("budgets", "UntagResource", BudgetsResponse)
def untag_resource(call: Call) -> ActionResult:
    keys = call.param("ResourceTagKeys")
    if not isinstance(keys, list):
        raise _invalid("ResourceTagKeys is required.")
    tags = _tagged_budget(call)
    for key in keys:
        tags.pop(str(key), None)
    return ActionResult({})


@operation("budgets", "ListTagsForResource", BudgetsResponse)
def list_tags_for_resource(call: Call) -> ActionResult:
    tags = _tagged_budget(call)
    return ActionResult({"ResourceTags": _render_tags(tags)})
