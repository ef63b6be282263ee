"""Step Functions: ValidateStateMachineDefinition and ListStateMachineVersions (missing in moto)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/states"
GOOD = {
    "StartAt": "Work",
    "States": {
        "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}


def test_a_valid_definition_is_ok(emulator):
    result = emulator.client("stepfunctions").validate_state_machine_definition(definition=json.dumps(GOOD), type="STANDARD")
    assert result["result"] == "OK"
    assert result["diagnostics"] == []
    assert result["truncated"] is False


def test_a_missing_transition_target_fails_with_its_location(emulator):
    broken = {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Nowhere"}}}
    result = emulator.client("stepfunctions").validate_state_machine_definition(definition=json.dumps(broken))
    assert result["result"] == "FAIL"
    codes = {(d["code"], d["location"]) for d in result["diagnostics"]}
    assert ("MISSING_TRANSITION_TARGET", "/States/Work/Next") in codes
    assert ("NO_TERMINAL_STATE", "/") in codes
    assert all(d["severity"] == "ERROR" for d in result["diagnostics"])


def test_invalid_json_and_unknown_state_types_fail(emulator):
    sfn = emulator.client("stepfunctions")
    assert sfn.validate_state_machine_definition(definition="{not json")["diagnostics"][0]["code"] == "INVALID_JSON_DESCRIPTION"
    odd = {"StartAt": "A", "States": {"A": {"Type": "Teleport", "End": True}}}
    result = sfn.validate_state_machine_definition(definition=json.dumps(odd))
    assert result["result"] == "FAIL"
    assert result["diagnostics"][0]["location"] == "/States/A/Type"


def test_nested_branches_are_checked_and_results_truncated(emulator):
    parallel = {
        "StartAt": "P",
        "States": {"P": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "Y"}}},
        ]}},
    }  # fmt: skip
    result = emulator.client("stepfunctions").validate_state_machine_definition(definition=json.dumps(parallel), maxResults=1)
    assert result["result"] == "FAIL"
    assert len(result["diagnostics"]) == 1 and result["truncated"] is True
    assert result["diagnostics"][0]["location"].startswith("/States/P/Branches[0]")


def test_versions_are_listed_newest_first_and_paged(emulator):
    sfn = emulator.client("stepfunctions")
    arn = sfn.create_state_machine(name="wf", definition=json.dumps(GOOD), roleArn=ROLE, publish=True)["stateMachineArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps({**GOOD, "Comment": "v2"}), publish=True)
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps({**GOOD, "Comment": "draft"}))  # not published

    versions = sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in versions] == [f"{arn}:2", f"{arn}:1"]
    assert all("creationDate" in v for v in versions)
    # each listed version is readable through moto's own DescribeStateMachine
    assert json.loads(sfn.describe_state_machine(stateMachineArn=f"{arn}:2")["definition"])["Comment"] == "v2"

    first = sfn.list_state_machine_versions(stateMachineArn=arn, maxResults=1)
    assert [v["stateMachineVersionArn"] for v in first["stateMachineVersions"]] == [f"{arn}:2"]
    second = sfn.list_state_machine_versions(stateMachineArn=arn, maxResults=1, nextToken=first["nextToken"])
    assert [v["stateMachineVersionArn"] for v in second["stateMachineVersions"]] == [f"{arn}:1"]
    assert "nextToken" not in second


def test_an_unpublished_machine_has_no_versions_and_a_missing_one_is_an_error(emulator):
    sfn = emulator.client("stepfunctions")
    arn = sfn.create_state_machine(name="plain", definition=json.dumps(GOOD), roleArn=ROLE)["stateMachineArn"]
    assert sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"] == []
    with pytest.raises(ClientError) as error:
        sfn.list_state_machine_versions(stateMachineArn=arn.replace(":plain", ":gone"))
    assert error.value.response["Error"]["Code"] == "StateMachineDoesNotExist"
