"""``Idempotency-Key`` on creating POSTs: the same key and body give the first answer
again and create nothing; the same key with another body is a 409.

"The same body" is the same JSON: the fingerprint is taken of the parsed body written
canonically (sorted keys, no whitespace), so a client that re-serialises its retry still
gets the first answer. A retry while the first request still runs is a 409; once that
request's Lambda is surely over (its remaining time, stored with the claim), the claim is
free for a retry again, so a crash does not block the key for a day.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from typing import Any

from chalice.app import Response

from chalicelib.api.problems import problem_from
from chalicelib.config import get_config
from chalicelib.domain.errors import Conflict, DomainError, FieldError, InvalidInput
from chalicelib.services.context import Ctx
from chalicelib.store.idempotency import IdempotencyStore, record_key

_KEPT_HEADERS = ("Content-Type", "ETag", "Location")
# Visible ASCII, as HTTP headers carry it (a UUID fits).
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]{1,200}$"
# How long a claim counts as running when the Lambda's remaining time is unknown (the
# local stack, tests): the local stack's function timeout.
DEFAULT_RUN_SECONDS = 30
# Clocks of two Lambdas may differ a little; a claim is taken over only after this too.
CLOCK_SLACK_SECONDS = 5


def _check_key(key: str) -> None:
    if not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key):
        raise InvalidInput(
            "Idempotency-Key must be 1 to 200 visible ASCII characters.",
            [FieldError(("header", "Idempotency-Key"), "invalid key")],
        )


def canonical_body(raw: bytes) -> str:
    """The body as canonical JSON (sorted keys, no whitespace); a body that is no JSON
    (none is accepted on an idempotent route, but be safe) as its text."""
    text = raw.decode("utf-8", "replace")
    if not text.strip():
        return ""
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    return json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint_of(params: dict[str, str], raw: bytes) -> str:
    return hashlib.sha256(
        json.dumps([sorted(params.items()), canonical_body(raw)]).encode()
    ).hexdigest()


def run_seconds(lambda_context: Any) -> int:
    """How long the request may still run: the Lambda's remaining time, or the default
    when there is no real Lambda (the local stack and tests)."""
    if get_config().is_local or lambda_context is None:
        return DEFAULT_RUN_SECONDS
    try:
        remaining = int(lambda_context.get_remaining_time_in_millis())
    except (AttributeError, TypeError, ValueError):
        return DEFAULT_RUN_SECONDS
    return max(1, math.ceil(remaining / 1000))


def run_once(route: str, ctx: Ctx, key: str, params: dict[str, str], raw: bytes,
             work: Callable[[], Response], lambda_context: Any = None) -> Response:
    """``work``'s answer to the first request with ``key`` on ``route`` (``"POST
    /tickets"``) of the caller; the kept answer to a retry of it."""
    _check_key(key)
    store = IdempotencyStore(get_config().idempotency_table)
    pk = record_key(ctx.tenant, ctx.principal.user_id, route, key)
    fingerprint = fingerprint_of(params, raw)
    now = int(ctx.now.timestamp())
    stored = store.claim(pk, fingerprint, now,
                         now + run_seconds(lambda_context) + CLOCK_SLACK_SECONDS)
    if stored is not None:
        if stored.fingerprint != fingerprint:
            raise Conflict("This Idempotency-Key was used with another request body.")
        if stored.state != "done":
            raise Conflict("A request with this Idempotency-Key is still running.")
        return Response(body=stored.body, status_code=stored.status,
                        headers={**stored.headers, "Idempotent-Replayed": "true"})
    try:
        response = work()
    except DomainError as exc:
        response = problem_from(exc)
    except Exception:
        store.release(pk)
        raise
    if response.status_code >= 500 or response.status_code == 429:
        # Not an answer to keep: a retry after Retry-After (or the fault) runs again.
        store.release(pk)
        return response
    headers = {k: v for k, v in response.headers.items() if k in _KEPT_HEADERS}
    store.complete(pk, response.status_code, response.body or "", headers)
    return response
