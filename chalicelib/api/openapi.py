"""``/openapi.json``: OpenAPI 3.1 built from the declared operations and their models."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, JsonSchemaValue, models_json_schema

from chalicelib.api.idempotency import IDEMPOTENCY_KEY_PATTERN
from chalicelib.api.routing import IF_MATCH_PATTERN, OPERATIONS, Operation, RouteAccess
from chalicelib.api.schemas import PageOf, Problem

PROBLEM_TYPE = "application/problem+json"
STATUS_TEXT = {
    200: "OK", 201: "Created", 202: "Accepted", 204: "No content", 302: "Found",
    400: "Invalid input", 401: "Not signed in or bad token", 403: "Not permitted",
    404: "Unknown, or another tenant's, id", 409: "Conflicting state or version",
    410: "Gone", 412: "If-Match failed", 413: "Too large", 415: "Wrong content type",
    422: "Breaks a business rule", 429: "Rate limited", 503: "A dependency is unavailable",
}


# Each model of the document, as read (a body) or as written (an answer): its $ref.
SchemaRefs = dict[tuple[Any, JsonSchemaMode], JsonSchemaValue]


def _models() -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {
        (Problem, "serialization"): None}
    for op in OPERATIONS:
        if op.body is not None:
            wanted[(op.body, "validation")] = None
        for model in _response_models(op):
            wanted[(model, "serialization")] = None
    return list(wanted)


def _response_models(op: Operation) -> tuple[type[BaseModel], ...]:
    """The answer's model, or its shapes: a tuple of models means the answer is one of
    them, chosen by who asks (a ticket for staff or for a contact)."""
    shapes = op.response if isinstance(op.response, tuple) else (op.response,)
    shapes = tuple(m.model() if isinstance(m, PageOf) else m for m in shapes)
    return tuple(m for m in shapes if isinstance(m, type) and issubclass(m, BaseModel))


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def _guard_text(op: Operation) -> str:
    if isinstance(op.guard, RouteAccess):
        return op.guard.name
    names = op.guard if isinstance(op.guard, tuple) else (op.guard,)
    return " or ".join(p.value for p in names)


def _operation(op: Operation, refs: SchemaRefs) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True,
         "schema": {"type": "string", "pattern": op.path_pattern(name)}}
        for name in re.findall(r"{(\w+)}", op.path)
    ]
    if op.query is not None:
        params += _query_parameters(op.query)
    if op.if_match:
        params.append({"name": "If-Match", "in": "header", "required": False,
                       "schema": {"type": "string", "pattern": IF_MATCH_PATTERN},
                       "description": "The ETag last read"})
    if op.idempotent:
        params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                       "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN}})
    answer: dict[str, Any] = {"description": STATUS_TEXT.get(op.status, "OK")}
    models = _response_models(op)
    if len(models) == 1:
        answer["content"] = {"application/json": {"schema": refs[(models[0], "serialization")]}}
    elif models:
        # anyOf, not oneOf: an empty page is both a staff and a contact page.
        answer["content"] = {"application/json": {"schema": {
            "anyOf": [refs[(m, "serialization")] for m in models]}}}
    elif op.response is not None:
        # A schema of another media type (e.g. text/calendar) names it itself.
        media = op.response.get("contentMediaType", "application/json")
        answer["content"] = {media: {"schema": op.response}}
    responses: dict[str, Any] = {str(op.status): answer}
    for code in op.problem_statuses():
        responses[str(code)] = {
            "description": STATUS_TEXT.get(code, "Error"),
            "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        if code == 429:
            responses[str(code)]["headers"] = {"Retry-After": {
                "description": "Seconds until the limit's window ends (our own limits)",
                "schema": {"type": "integer", "minimum": 1}}}
    spec: dict[str, Any] = {
        # Unique across modules: tickets and contact orders both have list_events.
        "operationId": f"{op.tag}.{op.view.__name__}" if op.view else op.path,
        "summary": op.summary,
        "tags": [op.tag],
        "description": f"Permission: {_guard_text(op)}.",
        "parameters": params,
        "responses": responses,
    }
    if op.body is not None:
        spec["requestBody"] = {
            "required": not op.body_optional,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    spec["security"] = [] if op.guard is not None and op.public else [{"bearer": []}]
    return spec


@cache
def build_spec() -> dict[str, Any]:
    refs, defs = models_json_schema(_models(), ref_template="#/components/schemas/{model}")
    paths: dict[str, dict[str, Any]] = {}
    for op in sorted(OPERATIONS, key=lambda o: (o.path, o.method)):
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Helpdesk API",
            "version": "1.0.0",
            "description": "Multi-tenant customer service: tickets, e-mail, contact orders, "
            "networks and client cases. Errors are application/problem+json.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "bearerFormat": "JWT"}},
        },
    }
