"""Errors as HTTP answers: a ``DomainError`` becomes its status and an RFC 9457
``application/problem+json`` body. Used by the request pipeline (``routing``) and by the
idempotency layer, which keeps an error answer like any other."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Response

from chalicelib.domain.errors import (
    BusinessRuleViolation,
    Conflict,
    DependencyUnavailable,
    DomainError,
    FieldError,
    Forbidden,
    Gone,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    RateLimited,
    TooManyRequests,
    Unauthenticated,
    UnsupportedMediaType,
)

STATUS_OF: dict[type[DomainError], int] = {
    InvalidInput: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PreconditionFailed: 412,
    PayloadTooLarge: 413,
    Gone: 410,
    UnsupportedMediaType: 415,
    BusinessRuleViolation: 422,
    RateLimited: 429,
    DependencyUnavailable: 503,
}


def problem(status: int, title: str, detail: str, errors: list[FieldError] | None = None,
            extra: dict[str, Any] | None = None) -> Response:
    body: dict[str, Any] = {
        "type": f"https://helpdesk.dev/problems/{status}",
        "title": title,
        "status": status,
        "detail": detail,
        "errors": [{"loc": list(fe.loc), "msg": fe.msg, "type": fe.type} for fe in errors or []],
    }
    body.update(extra or {})
    headers: dict[str, str | list[str]] = {
        "Content-Type": "application/problem+json", "Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="helpdesk"'
    return Response(body=json.dumps(body), status_code=status, headers=headers)


def problem_from(exc: DomainError) -> Response:
    status = next(code for cls, code in STATUS_OF.items() if isinstance(exc, cls))
    response = problem(status, exc.title, exc.detail, exc.errors, getattr(exc, "extra", None))
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response
