"""The one way a route is declared, and everything every request goes through.

``route(...)`` registers a Chalice view and an ``Operation`` that names its guard
(a permission, ``PUBLIC`` or ``AUTHENTICATED``), its body, query and answer models.
The operations feed ``/openapi.json``; ``check_every_route_guarded`` refuses to start
an app with a route that was declared any other way.

Per request, in this order: size limit (413), path parameters (400), token (401),
permission (403), query (400), ``If-Match`` (400), content type (415), body (400),
idempotency, the handler, then the answer (``ETag``) or a problem+json error.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from chalice.app import Blueprint, Chalice, CORSConfig, Response
from pydantic import BaseModel, ValidationError

from chalicelib.api.idempotency import run_once
from chalicelib.api.problems import problem, problem_from
from chalicelib.config import get_config
from chalicelib.domain.directory import ROLE_NAME
from chalicelib.domain.errors import (
    DomainError,
    FieldError,
    Forbidden,
    InvalidInput,
    PayloadTooLarge,
    Unauthenticated,
    UnsupportedMediaType,
)
from chalicelib.domain.ids import ID_PATTERN
from chalicelib.domain.permissions import Permission
from chalicelib.domain.principal import Principal
from chalicelib.logs import bind_log_context, log_context
from chalicelib.services.context import Ctx

log = logging.getLogger("helpdesk.api")


@dataclass(frozen=True)
class RouteAccess:
    """A guard that names no permission: anyone (``PUBLIC``), or anyone signed in
    (``AUTHENTICATED``)."""

    name: str


PUBLIC = RouteAccess("public")
AUTHENTICATED = RouteAccess("authenticated")
Guard = Permission | tuple[Permission, ...] | RouteAccess


# Path parameters that are not ids, by name (each means the same in every route): a role
# name; an e-mail address we receive at, which may arrive percent-encoded (``%40``: chalice
# passes path parameters as sent), so here it is only bounded to visible ASCII without
# ``/`` and its handler decodes and checks it before any read; a calendar
# feed's ``<tenant>.<secret>.ics``, whose address is its secret: its exact form is checked
# by the service before any read and any forgery is the same 404 as a revoked feed, so
# here it is only bounded. Any other parameter is an id (``ID_PATTERN``) unless its route
# says otherwise (``route(path_patterns=)``).
PATH_PATTERNS: dict[str, str] = {
    "name": ROLE_NAME,
    "address": r"^[!-.0-~]{3,400}$",
    "feed": r"^[^\x00-\x1f\x7f]{1,300}$",
}


@dataclass
class Operation:
    method: str
    path: str
    guard: Guard
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None
    status: int = 200
    idempotent: bool = False
    if_match: bool = False
    errors: tuple[int, ...] = ()
    view: Callable[..., Any] | None = None
    # The body may be left out entirely (e.g. an approval without a comment).
    body_optional: bool = False
    # Where the view is registered: gives the Lambda context of the running request.
    blueprint: Blueprint | None = None
    # Each path parameter's pattern, where it is not PATH_PATTERNS' or an id's.
    path_patterns: dict[str, str] = field(default_factory=dict)

    def path_pattern(self, name: str) -> str:
        return self.path_patterns.get(name) or PATH_PATTERNS.get(name, ID_PATTERN)

    @property
    def public(self) -> bool:
        return self.guard is PUBLIC

    def problem_statuses(self) -> list[int]:
        codes = {400, 413, 415, 503} | set(self.errors)
        if not self.public:
            codes |= {401, 403, 404}
        if self.if_match:
            codes |= {409, 412}
        if self.idempotent:
            codes |= {409}
        return sorted(codes)


OPERATIONS: list[Operation] = []


@dataclass
class Call:
    """What a handler receives."""

    # The signed-in caller's context; None on public routes (read it as ``ctx``).
    caller: Ctx | None
    params: dict[str, str]
    query: Any
    body: Any
    headers: dict[str, str]
    request_id: str
    # The client's address as API Gateway saw it (requestContext.identity.sourceIp), never
    # X-Forwarded-For, which the client writes.
    source_ip: str = ""

    @property
    def ctx(self) -> Ctx:
        """The caller's context, on every route that is not public."""
        assert self.caller is not None, "public routes have no caller"
        return self.caller


@dataclass
class Reply:
    body: Any
    status: int | None = None
    version: int | None = None  # becomes the ETag
    headers: dict[str, str] = field(default_factory=dict)


@cache
def _cors() -> CORSConfig:
    return CORSConfig(
        allow_origin=get_config().portal_origin,
        allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key"],
        expose_headers=["ETag", "Idempotent-Replayed", "Retry-After"],
        max_age=600,
    )


def route(
    bp: Blueprint,
    method: str,
    path: str,
    *,
    guard: Guard,
    summary: str,
    tag: str,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: Any = None,
    status: int = 200,
    idempotent: bool = False,
    if_match: bool = False,
    errors: tuple[int, ...] = (),
    body_optional: bool = False,
    path_patterns: dict[str, str] | None = None,
) -> Callable[[Callable[[Call], Any]], Callable[[Call], Any]]:
    def register(handler: Callable[[Call], Any]) -> Callable[[Call], Any]:
        op = Operation(method, path, guard, summary, tag, body, query, response, status,
                       idempotent, if_match, errors, body_optional=body_optional,
                       path_patterns=dict(path_patterns or {}))

        def view(**params: str) -> Response:
            return dispatch(op, handler, bp.current_request, params)

        view.__name__ = handler.__name__
        view.__doc__ = handler.__doc__
        op.view = view
        op.blueprint = bp
        OPERATIONS.append(op)
        bp.route(path, methods=[method], content_types=["*/*"], cors=_cors())(view)
        return handler

    return register


def check_every_route_guarded(app: Chalice) -> None:
    """Refuses to start when a route was not declared through ``route`` (no guard)."""
    declared = {(op.method, op.path) for op in OPERATIONS}
    for path, methods in app.routes.items():
        for method in methods:
            if (method, path) not in declared:
                raise RuntimeError(f"{method} {path} has no explicit permission; use route()")


# --- the request pipeline -------------------------------------------------------------


def _validation_errors(exc: ValidationError, where: str) -> list[FieldError]:
    found = []
    for err in exc.errors(include_url=False):
        if err["type"] == "json_invalid":
            found.append(FieldError((where,), f"malformed JSON: {err['msg']}", "json_invalid"))
        else:
            found.append(FieldError((where, *err["loc"]), err["msg"], err["type"]))
    return found


def _headers(request: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in (request.headers or {}).items()}


def _source_ip(request: Any) -> str:
    context = getattr(request, "context", None) or {}
    return str((context.get("identity") or {}).get("sourceIp") or "")


def _authenticate(headers: dict[str, str]) -> Principal:
    from chalicelib.identity.verifier import verifier
    from chalicelib.services.directory import load_principal

    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("A bearer token is required.")
    return load_principal(verifier().verify(token.strip()))


def _authorise(guard: Guard, principal: Principal) -> None:
    if isinstance(guard, RouteAccess):
        return
    wanted = guard if isinstance(guard, tuple) else (guard,)
    if not any(principal.can(p) for p in wanted):
        names = " or ".join(p.value for p in wanted)
        raise Forbidden(f"This needs the permission {names}.")


def _check_path(op: Operation, params: dict[str, str]) -> None:
    """Every path parameter matches its pattern before anything is read with it."""
    errors = [FieldError(("path", name), f"not a valid {name}", "pattern_mismatch")
              for name, value in params.items()
              if not isinstance(value, str) or not re.fullmatch(op.path_pattern(name), value)]
    if errors:
        raise InvalidInput("The path has invalid parameters.", errors)


def _parse_query(op: Operation, request: Any) -> Any:
    model = op.query
    if model is None:
        return None
    raw = dict(request.query_params or {})
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput("The query has invalid parameters.",
                             _validation_errors(exc, "query")) from None


IF_MATCH_PATTERN = r'^(\*|(W/)?"?[0-9]{1,12}"?)$'


def _parse_if_match(op: Operation, headers: dict[str, str]) -> int | None:
    value = headers.get("if-match")
    if not op.if_match or value is None or value.strip() == "*":
        return None
    tag = value.strip().removeprefix("W/").strip('"')
    if not re.fullmatch(IF_MATCH_PATTERN, value.strip()):
        raise InvalidInput("If-Match must be an ETag this API sent.",
                             [FieldError(("header", "If-Match"), "not a known ETag")])
    return int(tag)


def _parse_body(op: Operation, headers: dict[str, str], raw: bytes) -> Any:
    if op.body is None or (op.body_optional and not raw.strip()):
        return None
    content_type = headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise UnsupportedMediaType(f"Send application/json, not {content_type or 'nothing'}.")
    if not raw.strip():
        raise InvalidInput("A JSON body is required.", [FieldError(("body",), "missing")])
    try:
        return op.body.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        raise InvalidInput("The body has invalid fields.",
                             _validation_errors(exc, "body")) from None


def _to_json(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    return value


def _answer(op: Operation, result: Any) -> Response:
    reply = result if isinstance(result, Reply) else Reply(result)
    status = reply.status or op.status
    headers: dict[str, str | list[str]] = {
        "Content-Type": "application/json", "Cache-Control": "no-store", **reply.headers}
    version = reply.version
    if version is None and isinstance(reply.body, BaseModel):
        version = getattr(reply.body, "version", None)
    if version is not None:
        headers["ETag"] = f'"{version}"'
    if isinstance(reply.body, bytes) and str(headers["Content-Type"]).startswith("text/"):
        # A text document of its own type (e.g. text/calendar), named by the handler's
        # headers; sent as text, as API Gateway passes it without binary media types.
        return Response(body=reply.body.decode("utf-8"), status_code=status, headers=headers)
    if isinstance(reply.body, bytes):
        # A binary document (application/pdf: one of the app's binary types, app.py), sent
        # base64-encoded to API Gateway, which decodes it for an Accept that names it.
        return Response(body=reply.body, status_code=status, headers=headers)
    body = None if status == 204 else json.dumps(_to_json(reply.body))
    return Response(body=body, status_code=status, headers=headers)


def _run(op: Operation, handler: Callable[[Call], Any], request: Any, params: dict[str, str],
         request_id: str) -> Response:
    cfg = get_config()
    raw: bytes = request.raw_body or b""
    if len(raw) > cfg.max_body_bytes:
        raise PayloadTooLarge(f"The body is larger than {cfg.max_body_bytes} bytes.")
    _check_path(op, params)
    headers = _headers(request)
    ctx = None
    if not op.public:
        principal = _authenticate(headers)
        bind_log_context(tenant=principal.tenant, user_id=principal.user_id)
        _authorise(op.guard, principal)
        ctx = Ctx(principal=principal, now=datetime.now(UTC),
                  if_match=_parse_if_match(op, headers))
    call = Call(ctx, params, _parse_query(op, request), _parse_body(op, headers, raw), headers,
                request_id, _source_ip(request))
    key = headers.get("idempotency-key")
    if op.idempotent and key is not None and ctx is not None:
        return run_once(f"{op.method} {op.path}", ctx, key, params, raw,
                        lambda: _answer(op, handler(call)), lambda_context=_lambda_context(op))
    return _answer(op, handler(call))


def _lambda_context(op: Operation) -> Any:
    """The running Lambda's context (its remaining time), when there is one."""
    try:
        return op.blueprint.lambda_context if op.blueprint is not None else None
    except RuntimeError:  # a blueprint not registered with an app
        return None


def dispatch(op: Operation, handler: Callable[[Call], Any], request: Any,
             params: dict[str, str]) -> Response:
    started = time.perf_counter()
    context = getattr(request, "context", None) or {}
    request_id = str(context.get("requestId") or uuid.uuid4())
    # Every line logged while the request runs carries its id (and, once the token is
    # verified, its tenant and user), wherever in the services it is logged.
    with log_context(request_id=request_id):
        try:
            response = _run(op, handler, request, params, request_id)
        except DomainError as exc:
            response = problem_from(exc)
        except Exception as exc:  # the one place that turns a fault into a 5xx
            response = _fault(exc, request_id)
        log.info("request", extra={
            "method": op.method, "route": op.path, "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 1)})
    return response


def _fault(exc: Exception, request_id: str) -> Response:
    from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

    if isinstance(exc, ParamValidationError):
        # Input that AWS's own limits refuse is still the caller's bad input.
        return problem(400, "Invalid input", str(exc).replace("\n", " "))
    ours = isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in {
        "ValidationException", "SerializationException"}
    if isinstance(exc, BotoCoreError | ClientError | OSError) and not ours:
        log.error("dependency failed", extra={"error": repr(exc)})
        return problem(503, "Service unavailable",
                       "A service we depend on did not answer; try again shortly.")
    log.exception("unhandled error")
    return problem(500, "Internal error", f"Something went wrong (request {request_id}).")
