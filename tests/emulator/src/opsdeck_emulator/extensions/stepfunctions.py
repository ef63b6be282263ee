"""Step Functions (signing name `states`): definition validation and the version list.

moto 5.2.5 keeps state machine versions (`StateMachine.versions`, filled by `publish`) but has
neither of the two reads Terraform's `aws_sfn_state_machine` makes around them:
  ValidateStateMachineDefinition  called at plan and apply time on the definition; moto answered
                                  500 (NotImplementedError) and Terraform retried until it timed out.
  ListStateMachineVersions        called on read when `publish = true` to find the latest version.

The validation here is structural (JSON, StartAt, States, each state's Type, every Next/Default/
Choices target, a terminal state): the errors a definition built from Terraform values can have.
It does not evaluate JSONPath or intrinsic functions.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from moto.core.responses import ActionResult
from moto.stepfunctions.exceptions import InvalidToken, StateMachineDoesNotExist, ValidationException
from moto.stepfunctions.models import StepFunctionBackend, stepfunctions_backends
from moto.stepfunctions.responses import StepFunctionResponse

from . import Call, operation

STATE_TYPES = {"Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"}
TERMINAL_TYPES = {"Succeed", "Fail"}
MAX_DIAGNOSTICS = 100


def _diagnostic(code: str, message: str, location: str, severity: str = "ERROR") -> dict[str, str]:
    return {"severity": severity, "code": code, "message": message, "location": location}


def validate_definition(text: str) -> list[dict[str, str]]:
    """Diagnostics for an Amazon States Language document, empty when it is valid."""
    try:
        document = json.loads(text)
    except (TypeError, ValueError) as error:
        return [_diagnostic("INVALID_JSON_DESCRIPTION", f"Invalid JSON: {error}", "/")]
    if not isinstance(document, dict):
        return [_diagnostic("SCHEMA_VALIDATION_FAILED", "The definition must be a JSON object", "/")]
    return _validate_machine(document, "")


def _validate_machine(machine: dict[str, Any], path: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    states = machine.get("States")
    start = machine.get("StartAt")
    if not isinstance(states, dict) or not states:
        return [_diagnostic("SCHEMA_VALIDATION_FAILED", "These fields are required: [States]", f"{path}/States")]
    if not isinstance(start, str):
        found.append(_diagnostic("SCHEMA_VALIDATION_FAILED", "These fields are required: [StartAt]", f"{path}/StartAt"))
    elif start not in states:
        found.append(_diagnostic("MISSING_TRANSITION_TARGET", f"Missing 'Next' target: {start}", f"{path}/StartAt"))

    terminal = False
    for name, state in states.items():
        where = f"{path}/States/{name}"
        if not isinstance(state, dict):
            found.append(_diagnostic("SCHEMA_VALIDATION_FAILED", "A state must be a JSON object", where))
            continue
        kind = state.get("Type")
        if kind not in STATE_TYPES:
            found.append(_diagnostic("SCHEMA_VALIDATION_FAILED", f"The value for the field 'Type' must be one of {sorted(STATE_TYPES)}", f"{where}/Type"))
            continue
        if kind == "Task" and not isinstance(state.get("Resource"), str):
            found.append(_diagnostic("SCHEMA_VALIDATION_FAILED", "These fields are required: [Resource]", f"{where}/Resource"))
        targets: list[tuple[str, Any]] = []
        if kind == "Choice":
            choices = state.get("Choices")
            if not isinstance(choices, list) or not choices:
                found.append(_diagnostic("SCHEMA_VALIDATION_FAILED", "These fields are required: [Choices]", f"{where}/Choices"))
            else:
                targets += [(f"{where}/Choices[{i}]/Next", c.get("Next") if isinstance(c, dict) else None) for i, c in enumerate(choices)]
            if "Default" in state:
                targets.append((f"{where}/Default", state["Default"]))
        elif kind in TERMINAL_TYPES:
            terminal = True
        elif state.get("End") is True:
            terminal = True
            if "Next" in state:
                found.append(_diagnostic("SCHEMA_VALIDATION_FAILED", "A state cannot have both 'Next' and 'End'", where))
        elif "Next" in state:
            targets.append((f"{where}/Next", state["Next"]))
        else:
            found.append(_diagnostic("SCHEMA_VALIDATION_FAILED", "A state must have 'Next' or 'End': true", where))
        for i, catcher in enumerate(state.get("Catch") or []):
            targets.append((f"{where}/Catch[{i}]/Next", catcher.get("Next") if isinstance(catcher, dict) else None))
        for target_path, target in targets:
            if target not in states:
                found.append(_diagnostic("MISSING_TRANSITION_TARGET", f"Missing 'Next' target: {target}", target_path))
        for i, branch in enumerate(state.get("Branches") or []):
            if isinstance(branch, dict):
                found += _validate_machine(branch, f"{where}/Branches[{i}]")
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if kind == "Map" and isinstance(processor, dict):
            found += _validate_machine(processor, f"{where}/ItemProcessor")
    if not terminal:
        found.append(_diagnostic("NO_TERMINAL_STATE", "No terminal state: add 'End': true, a Succeed or a Fail state", f"{path}/States" if path else "/"))
    return found


@operation("states", "ValidateStateMachineDefinition", StepFunctionResponse)
def validate_state_machine_definition(call: Call) -> ActionResult:
    definition = call.param("definition")
    machine_type = call.param("type") or "STANDARD"
    severity = call.param("severity") or "ERROR"
    max_results = int(call.param("maxResults") or MAX_DIAGNOSTICS) or MAX_DIAGNOSTICS
    if not isinstance(definition, str) or not definition:
        raise ValidationException("1 validation error detected: Value null at 'definition' failed to satisfy constraint: Member must not be null")
    if machine_type not in ("STANDARD", "EXPRESS"):
        raise ValidationException(f"1 validation error detected: Value '{machine_type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]")
    diagnostics = validate_definition(definition)
    if severity == "ERROR":
        diagnostics = [d for d in diagnostics if d["severity"] == "ERROR"]
    has_error = any(d["severity"] == "ERROR" for d in diagnostics)
    return ActionResult({
        "result": "FAIL" if has_error else "OK",
        "diagnostics": diagnostics[:max_results],
        "truncated": len(diagnostics) > max_results,
    })  # fmt: skip


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"opsdeck-sfn-versions:{offset}".encode()).decode()


def _decode_token(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        prefix, _, offset = text.partition(":")
        if prefix != "opsdeck-sfn-versions":
            raise ValueError(prefix)
        return int(offset)
    except ValueError as error:
        raise InvalidToken("Invalid Token") from error


@operation("states", "ListStateMachineVersions", StepFunctionResponse)
def list_state_machine_versions(call: Call) -> ActionResult:
    backend: StepFunctionBackend = call.backend(stepfunctions_backends)
    arn = call.param("stateMachineArn")
    backend._validate_machine_arn(arn)  # InvalidArn, as moto's own reads answer
    machine = next((m for m in backend.state_machines if m.arn == arn), None)
    if machine is None:  # a version or alias ARN is not a state machine either
        raise StateMachineDoesNotExist(f"State Machine Does Not Exist: '{arn}'")
    max_results = int(call.param("maxResults") or 100) or 100
    offset = _decode_token(call.param("nextToken")) if call.param("nextToken") else 0
    # AWS lists the newest version first.
    versions = [machine.versions[n] for n in sorted(machine.versions, reverse=True)]
    page = versions[offset : offset + max_results]
    result: dict[str, Any] = {
        "stateMachineVersions": [{"stateMachineVersionArn": v.arn, "creationDate": v.creation_date} for v in page]
    }
    if offset + max_results < len(versions):
        result["nextToken"] = _encode_token(offset + max_results)
    return ActionResult(result)
