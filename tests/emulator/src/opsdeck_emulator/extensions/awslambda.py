"""Lambda (signing name `lambda`): the function's LoggingConfig is kept and read back, and
AddPermission refuses a statement id the policy already has (see the end of this file).

moto 5.2.5 drops `LoggingConfig` from CreateFunction and UpdateFunctionConfiguration and never
returns it, so Terraform's `aws_lambda_function.logging_config` (JSON format, log group, log
levels) showed a change on every plan. AWS always returns it, with the defaults
{"LogFormat": "Text", "LogGroup": "/aws/lambda/<name>"} when none was given, and returns the log
levels only for the JSON format.

This is a fix of moto's model rather than an added operation: every read (GetFunction,
GetFunctionConfiguration, ListFunctions, ListVersionsByFunction, PublishVersion, the responses of
CreateFunction and UpdateFunctionConfiguration) renders `LambdaFunction.get_configuration()`, and
published versions are copies of the function, so keeping the setting on the model object fixes
all of them at once.
"""

from __future__ import annotations

import json
from typing import Any

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import LambdaFunction
from moto.awslambda.policy import Policy

_LEVEL_KEYS = ("ApplicationLogLevel", "SystemLogLevel")


def logging_config(function_name: str, given: dict[str, Any] | None, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """The LoggingConfig AWS stores: `given` merged over `previous` (an update changes only the
    fields it names), with AWS's defaults; log levels apply to the JSON format only."""
    config: dict[str, Any] = dict(previous or {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{function_name}"})
    config.update({k: v for k, v in (given or {}).items() if v is not None})
    if config.get("LogFormat") == "JSON":
        config.setdefault("ApplicationLogLevel", "INFO")
        config.setdefault("SystemLogLevel", "INFO")
    else:
        for key in _LEVEL_KEYS:
            config.pop(key, None)
    return config


_original_init = LambdaFunction.__init__
_original_get_configuration = LambdaFunction.get_configuration
_original_update_configuration = LambdaFunction.update_configuration


def _init(self: LambdaFunction, account_id: str, spec: dict[str, Any], region: str, version: str | int = 1) -> None:
    _original_init(self, account_id, spec, region, version)
    self.opsdeck_logging_config = logging_config(self.function_name, spec.get("LoggingConfig"))


def _get_configuration(self: LambdaFunction, on_create: bool = False) -> dict[str, Any]:
    config = _original_get_configuration(self, on_create=on_create)
    stored = getattr(self, "opsdeck_logging_config", None)
    config["LoggingConfig"] = dict(stored or logging_config(self.function_name, None))
    return config


def _update_configuration(self: LambdaFunction, config_updates: dict[str, Any]) -> dict[str, Any]:
    if "LoggingConfig" in config_updates:
        self.opsdeck_logging_config = logging_config(
            self.function_name, config_updates["LoggingConfig"], getattr(self, "opsdeck_logging_config", None)
        )
    return _original_update_configuration(self, config_updates)


LambdaFunction.__init__ = _init  # type: ignore[method-assign]
LambdaFunction.get_configuration = _get_configuration  # type: ignore[method-assign]
LambdaFunction.update_configuration = _update_configuration  # type: ignore[method-assign]


# AddPermission with a statement id the function's policy already has: AWS refuses it with
# ResourceConflictException (HTTP 409, "The statement id (ID) provided already exists. Please
# provide a new statement id, or remove the existing statement."); moto 5.2.5 appended a second
# statement with the same Sid, so one RemovePermission left the other behind, and a client that
# relies on the conflict to make AddPermission idempotent (opsdeck_slack_alarm_topic) piled up
# statements.
class StatementIdConflict(LambdaClientError):
    code = 409

    def __init__(self, sid: str) -> None:
        super().__init__(
            "ResourceConflictException",
            f"The statement id ({sid}) provided already exists. Please provide a new statement id, "
            "or remove the existing statement.",
        )


_original_add_statement = Policy.add_statement


def _add_statement(self: Policy, raw: str, qualifier: str | None = None) -> tuple[Any, str]:
    sid = json.loads(raw).get("StatementId")
    if sid and any(s.get("Sid") == sid for s in self.statements):
        raise StatementIdConflict(sid)
    return _original_add_statement(self, raw, qualifier)


Policy.add_statement = _add_statement  # type: ignore[method-assign]
