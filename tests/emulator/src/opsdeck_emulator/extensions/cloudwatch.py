"""CloudWatch (signing name `monitoring`): composite alarms on moto's own alarm store.

moto 5.2.5 has no PutCompositeAlarm, but its `Alarm` model has a `rule` attribute and its
DescribeAlarms serializer already renders alarms with a rule as CompositeAlarms (attributes are
picked by name, so the suppressor fields we set on the Alarm object are rendered too). So:
  PutCompositeAlarm  creates/updates an `Alarm` with `rule` in `CloudWatchBackend.alarms`.
  DescribeAlarms     replaces moto's: moto ignores AlarmTypes (AWS returns only metric alarms
                     when it is omitted), applies only the first of its filters, ignores
                     Children/ParentsOfAlarmName and does not paginate.
  DeleteAlarms       wraps moto's: moto leaves the deleted alarm's tags behind, so a re-created
                     alarm of the same name would get them back; and moto deletes anything, where
                     AWS refuses more than 100 names or more than one composite per call, and
                     refuses to delete an alarm that a composite alarm still references.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from moto.cloudwatch.exceptions import CloudWatchException, InvalidParameterCombination, ValidationError
from moto.cloudwatch.models import Alarm, CloudWatchBackend, cloudwatch_backends
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow

from . import Call, operation

MAX_RULE_LENGTH = 10240
MAX_NAME_LENGTH = 255
DEFAULT_MAX_RECORDS = 50  # AWS pages DescribeAlarms; 100 is the most one page may hold
MAX_RECORDS = 100
MAX_NAMES = 100  # AlarmNames of DescribeAlarms and DeleteAlarms: at most 100 members
_TOKEN_PREFIX = b"opsdeck-alarms:"

# ALARM("name"), OK(name), INSUFFICIENT_DATA("arn:aws:cloudwatch:...:alarm:name")
_REFERENCE = re.compile(r'\b(?:ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*(?:"([^"]*)"|([^()"\s]+))\s*\)')


class InvalidNextToken(CloudWatchException):
    code = "InvalidNextToken"


def rule_references(rule: str) -> list[str]:
    """The alarm names or ARNs that an AlarmRule references, in order, without duplicates."""
    refs = [quoted or bare for quoted, bare in _REFERENCE.findall(rule)]
    return list(dict.fromkeys(refs))


def _resolve(backend: CloudWatchBackend, ref: str) -> Alarm | None:
    """An alarm of this account and region by name or ARN (ARNs of other regions do not resolve)."""
    if ref.startswith("arn:"):
        return next((a for a in backend.alarms.values() if a.alarm_arn == ref), None)
    return backend.alarms.get(ref)


def _is_composite(alarm: Alarm) -> bool:
    return alarm.rule is not None


@operation("monitoring", "PutCompositeAlarm", CloudWatchResponse)
def put_composite_alarm(call: Call) -> ActionResult:
    backend: CloudWatchBackend = call.backend(cloudwatch_backends)
    name = call.param("AlarmName")
    rule = call.param("AlarmRule")
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ValidationError(f"AlarmName must be 1 to {MAX_NAME_LENGTH} characters long.")
    if not rule or len(rule) > MAX_RULE_LENGTH:
        raise ValidationError(f"AlarmRule must be 1 to {MAX_RULE_LENGTH} characters long.")

    missing = [ref for ref in rule_references(rule) if _resolve(backend, ref) is None]
    if missing:
        raise ValidationError(
            f"Could not save the composite alarm as alarms [{', '.join(missing)}] in the alarm rule do not exist"
        )

    suppressor = call.param("ActionsSuppressor")
    wait_period = call.param("ActionsSuppressorWaitPeriod")
    extension_period = call.param("ActionsSuppressorExtensionPeriod")
    if suppressor is not None:
        if _resolve(backend, suppressor) is None:
            raise ValidationError(f"ActionsSuppressor {suppressor} does not exist.")
        if wait_period is None or extension_period is None:
            raise ValidationError(
                "ActionsSuppressorWaitPeriod and ActionsSuppressorExtensionPeriod are required "
                "when ActionsSuppressor is specified."
            )

    config = {
        "description": call.param("AlarmDescription"),
        "alarm_actions": call.param("AlarmActions", []),
        "ok_actions": call.param("OKActions", []),
        "insufficient_data_actions": call.param("InsufficientDataActions", []),
        "actions_enabled": call.param("ActionsEnabled", True),
    }
    alarm = backend.alarms.get(name)
    if alarm is None:
        alarm = backend.put_metric_alarm(
            name=name,
            namespace=None,  # type: ignore[arg-type]
            metric_name=None,  # type: ignore[arg-type]
            comparison_operator=None,  # type: ignore[arg-type]
            evaluation_periods=None,  # type: ignore[arg-type]
            period=None,  # type: ignore[arg-type]
            threshold=None,  # type: ignore[arg-type]
            statistic=None,  # type: ignore[arg-type]
            dimensions=[],
            rule=rule,
            tags=call.param("Tags", []),  # AWS applies Tags on creation only
            **config,
        )
        # AWS: "When this operation creates an alarm, the alarm state is immediately set to
        # INSUFFICIENT_DATA."
        alarm.state_value = "INSUFFICIENT_DATA"
    elif not _is_composite(alarm):
        raise ValidationError(f"Alarm {name} already exists and is a metric alarm, not a composite alarm.")
    else:
        # AWS: on update the state is left unchanged and the configuration is replaced as a whole.
        for attribute, value in config.items():
            setattr(alarm, attribute, value)
        alarm.rule = rule
        alarm.configuration_updated_timestamp = utcnow()

    alarm.actions_suppressor = suppressor
    alarm.actions_suppressor_wait_period = wait_period
    alarm.actions_suppressor_extension_period = extension_period
    alarm.action_configuration = call.param("ActionConfiguration")
    return EmptyResult()


@operation("monitoring", "DescribeAlarms", CloudWatchResponse)
def describe_alarms(call: Call) -> ActionResult:
    backend: CloudWatchBackend = call.backend(cloudwatch_backends)
    names = call.param("AlarmNames") or []
    prefix = call.param("AlarmNamePrefix")
    action_prefix = call.param("ActionPrefix")
    state = call.param("StateValue")
    types = call.param("AlarmTypes") or ["MetricAlarm"]
    children_of = call.param("ChildrenOfAlarmName")
    parents_of = call.param("ParentsOfAlarmName")
    max_records = call.param("MaxRecords") or DEFAULT_MAX_RECORDS
    if not 1 <= int(max_records) <= MAX_RECORDS:
        raise ValidationError(f"MaxRecords must be between 1 and {MAX_RECORDS}.")

    if len(names) > MAX_NAMES:
        raise ValidationError(_too_many_names(names))
    if names and prefix:
        raise InvalidParameterCombination("AlarmNames and AlarmNamePrefix cannot be used together.")
    if children_of or parents_of:
        others = [names, prefix, action_prefix, state, call.param("AlarmTypes"), children_of and parents_of]
        if any(others):
            raise ValidationError(
                "ChildrenOfAlarmName and ParentsOfAlarmName cannot be combined with other parameters "
                "except MaxRecords and NextToken."
            )

    alarms = sorted(backend.alarms.values(), key=lambda a: a.name)
    if children_of:
        parent = backend.alarms.get(children_of)
        refs = rule_references(parent.rule) if parent is not None and parent.rule else []
        children = {id(a) for a in (_resolve(backend, r) for r in refs) if a is not None}
        selected = [a for a in alarms if id(a) in children]
    elif parents_of:
        child = backend.alarms.get(parents_of)
        targets = {parents_of} | ({child.alarm_arn} if child is not None else set())
        selected = [a for a in alarms if a.rule and targets & set(rule_references(a.rule))]
    else:
        selected = [
            a
            for a in alarms
            if ("CompositeAlarm" if _is_composite(a) else "MetricAlarm") in types
            and (not names or a.name in names)
            and (not prefix or a.name.startswith(prefix))
            and (not action_prefix or any(act.startswith(action_prefix) for act in a.alarm_actions))
            and (not state or a.state_value == state)
        ]

    start = 0
    token = call.param("NextToken")
    if token:
        start_name = _decode_token(token)
        start = next((i for i, a in enumerate(selected) if a.name >= start_name), len(selected))
    page = selected[start : start + int(max_records)]
    rest = selected[start + int(max_records) :]

    result: dict[str, Any] = {
        "MetricAlarms": [a for a in page if not _is_composite(a)],
        "CompositeAlarms": [a for a in page if _is_composite(a)],
    }
    if rest:
        result["NextToken"] = base64.urlsafe_b64encode(_TOKEN_PREFIX + rest[0].name.encode()).decode()
    return ActionResult(result)


def _decode_token(token: str) -> str:
    """NextToken = base64(prefix + name of the first alarm of the next page)."""
    try:
        raw = base64.urlsafe_b64decode(token.encode())
        if raw.startswith(_TOKEN_PREFIX):
            return raw[len(_TOKEN_PREFIX) :].decode()
    except (binascii.Error, UnicodeError, ValueError):
        pass
    raise InvalidNextToken(f"Invalid NextToken: {token}")


def _too_many_names(names: list[str]) -> str:
    # The wording of AWS's model-constraint errors.
    return (
        "1 validation error detected: Value at 'alarmNames' failed to satisfy constraint: "
        f"Member must have length less than or equal to {MAX_NAMES} (got {len(names)})"
    )


@operation("monitoring", "DeleteAlarms", CloudWatchResponse)
def delete_alarms(call: Call) -> ActionResult:
    backend: CloudWatchBackend = call.backend(cloudwatch_backends)
    names = call.param("AlarmNames") or []
    if len(names) > MAX_NAMES:
        raise ValidationError(_too_many_names(names))
    # Validated as a whole first: AWS deletes nothing when the call is refused.
    existing = [backend.alarms[n] for n in dict.fromkeys(names) if n in backend.alarms]
    composites = [a.name for a in existing if _is_composite(a)]
    if len(composites) > 1:
        # AWS documents the rule ("no more than one composite alarm"); its exact wording is
        # not confirmed, the code ValidationError is its usual one for refused parameters.
        raise ValidationError(
            f"You can delete at most one composite alarm per DeleteAlarms call; this call names {len(composites)}: "
            + ", ".join(composites)
        )
    deleting = {a.name for a in existing}
    blocked = []
    for alarm in existing:
        targets = {alarm.name, alarm.alarm_arn}
        parents = [
            p for p in backend.alarms.values()
            if p.rule and p.name not in deleting and targets & set(rule_references(p.rule))
        ]  # fmt: skip
        if parents:
            blocked.append(alarm.name)
    if blocked:
        # AWS's wording, as its ValidationError reads in the wild.
        raise ValidationError(
            f"Cannot delete {','.join(blocked)} as there are composite alarm(s) depending on "
            + ("them." if len(blocked) > 1 else "it.")
        )
    for name in names:
        alarm = backend.alarms.get(name)
        if alarm is not None:
            backend.tagger.delete_all_tags_for_resource(alarm.alarm_arn)
    backend.delete_alarms(names)
    return EmptyResult()
