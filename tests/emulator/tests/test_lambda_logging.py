"""Lambda: LoggingConfig is stored and read back (moto dropped it)."""

from __future__ import annotations

import io
import json
import zipfile


def _function(emulator, name, **extra):
    iam = emulator.client("iam")
    role = iam.create_role(
        RoleName=f"{name}-role",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
    )["Role"]["Arn"]  # fmt: skip
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("bootstrap", "#!/bin/sh\n")
    return emulator.client("lambda").create_function(
        FunctionName=name, Runtime="provided.al2023", Role=role, Handler="bootstrap",
        Code={"ZipFile": package.getvalue()}, **extra,
    )  # fmt: skip


def test_json_logging_config_is_returned_by_every_read(emulator):
    wanted = {"LogFormat": "JSON", "LogGroup": "/aws/lambda/custom", "ApplicationLogLevel": "WARN", "SystemLogLevel": "DEBUG"}
    created = _function(emulator, "api", LoggingConfig=wanted, Publish=True)
    assert created["LoggingConfig"] == wanted
    lambda_ = emulator.client("lambda")
    assert lambda_.get_function(FunctionName="api")["Configuration"]["LoggingConfig"] == wanted
    assert lambda_.get_function_configuration(FunctionName="api")["LoggingConfig"] == wanted
    assert lambda_.list_functions()["Functions"][0]["LoggingConfig"] == wanted
    # the published version is a copy of the function and keeps it
    assert lambda_.get_function_configuration(FunctionName="api", Qualifier="1")["LoggingConfig"] == wanted


def test_defaults_are_aws_defaults(emulator):
    created = _function(emulator, "plain")
    assert created["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/plain"}
    json_defaults = _function(emulator, "json", LoggingConfig={"LogFormat": "JSON"})
    assert json_defaults["LoggingConfig"] == {
        "LogFormat": "JSON", "LogGroup": "/aws/lambda/json", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO",
    }  # fmt: skip


def test_an_update_changes_only_the_fields_it_names(emulator):
    _function(emulator, "worker", LoggingConfig={"LogFormat": "JSON", "LogGroup": "/custom/worker", "ApplicationLogLevel": "INFO"})
    lambda_ = emulator.client("lambda")
    lambda_.update_function_configuration(FunctionName="worker", LoggingConfig={"ApplicationLogLevel": "ERROR"})
    config = lambda_.get_function_configuration(FunctionName="worker")["LoggingConfig"]
    assert config == {"LogFormat": "JSON", "LogGroup": "/custom/worker", "ApplicationLogLevel": "ERROR", "SystemLogLevel": "INFO"}
    # back to text: log levels only exist for JSON
    lambda_.update_function_configuration(FunctionName="worker", LoggingConfig={"LogFormat": "Text"})
    assert lambda_.get_function_configuration(FunctionName="worker")["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/custom/worker"}
