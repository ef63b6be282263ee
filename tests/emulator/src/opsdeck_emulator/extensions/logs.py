"""CloudWatch Logs (signing name `logs`): Logs Insights saved queries (query definitions).

moto 5.2.5 has no PutQueryDefinition, DescribeQueryDefinitions or DeleteQueryDefinition
(500, NotImplementedError), which Terraform's `aws_cloudwatch_query_definition`
(modules/observability, R3.4-d) calls. The definitions live on moto's own `LogsBackend` of
the account and region, so a moto reset forgets them. As AWS does: PutQueryDefinition
without an id creates a definition and returns its new id, with an id it replaces that
definition (ResourceNotFoundException when there is none); names need not be unique;
DescribeQueryDefinitions filters by name prefix and pages by maxResults (1-1000,
default 1000) and nextToken.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.logs.models import LogsBackend, logs_backends
from moto.logs.responses import LogsResponse

from . import Call, operation


class ResourceNotFoundException(ServiceException):
    code = "ResourceNotFoundException"


class InvalidParameterException(ServiceException):
    code = "InvalidParameterException"


def _definitions(backend: LogsBackend) -> dict[str, dict[str, Any]]:
    found = getattr(backend, "_opsdeck_query_definitions", None)
    if found is None:
        found = {}
        backend._opsdeck_query_definitions = found
    return found


@operation("logs", "PutQueryDefinition", LogsResponse)
def put_query_definition(call: Call) -> ActionResult:
    definitions = _definitions(call.backend(logs_backends))
    name = call.param("name")
    query = call.param("queryString")
    if not name or len(name) > 255:
        raise InvalidParameterException("name must be 1-255 characters")
    if not query or len(query) > 10000:
        raise InvalidParameterException("queryString must be 1-10000 characters")
    definition_id = call.param("queryDefinitionId")
    if definition_id is not None and definition_id not in definitions:
        raise ResourceNotFoundException(f"Query definition {definition_id} does not exist")
    definition_id = definition_id or str(uuid.uuid4())
    definitions[definition_id] = {
        "queryLanguage": call.param("queryLanguage") or "CWLI",
        "queryDefinitionId": definition_id,
        "name": name,
        "queryString": query,
        "lastModified": int(time.time() * 1000),
        "logGroupNames": list(call.param("logGroupNames") or []),
    }
    return ActionResult({"queryDefinitionId": definition_id})


@operation("logs", "DescribeQueryDefinitions", LogsResponse)
def describe_query_definitions(call: Call) -> ActionResult:
    definitions = _definitions(call.backend(logs_backends))
    prefix = call.param("queryDefinitionNamePrefix") or ""
    language = call.param("queryLanguage")
    max_results = int(call.param("maxResults") or 1000)
    if not 1 <= max_results <= 1000:
        raise InvalidParameterException("maxResults must be from 1 to 1000")
    matching = [
        d for d in sorted(definitions.values(), key=lambda d: (d["name"], d["queryDefinitionId"]))
        if d["name"].startswith(prefix) and (language is None or d["queryLanguage"] == language)
    ]  # fmt: skip
    start = int(call.param("nextToken") or 0)
    page = matching[start : start + max_results]
    result: dict[str, Any] = {"queryDefinitions": [dict(d) for d in page]}
    if start + max_results < len(matching):
        result["nextToken"] = str(start + max_results)
    return ActionResult(result)


@operation("logs", "DeleteQueryDefinition", LogsResponse)
def delete_query_definition(call: Call) -> ActionResult:
    definitions = _definitions(call.backend(logs_backends))
    definition_id = call.param("queryDefinitionId")
    if definitions.pop(definition_id, None) is None:
        raise ResourceNotFoundException(f"Query definition {definition_id} does not exist")
    return ActionResult({"success": True})
