"""``Idempotency-Key`` on creating POSTs: the same key and body give the first answer
again and create nothing; the same key with another body is a 409."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from chalice import Response

from chalicelib.config import get_config
from chalicelib.domain import errors as e
from chalicelib.services.context import Ctx
from chalicelib.store.idempotency import IdempotencyStore

if TYPE_CHECKING:
    from chalicelib.api.routing import Operation

_KEPT_HEADERS = ("Content-Type", "ETag", "Location")
# Visible ASCII, as HTTP headers carry it (a UUID fits).
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]{1,200}$"


def _check_key(key: str) -> None:
    if not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key):
        raise e.InvalidInput(
            "Idempotency-Key must be 1 to 200 visible ASCII characters.",
            [e.FieldError(("header", "Idempotency-Key"), "invalid key")],
        )


def run_once(op: Operation, ctx: Ctx, key: str, params: dict[str, str], raw: bytes,
             work: Callable[[], Response]) -> Response:
    _check_key(key)
    store = IdempotencyStore(get_config().idempotency_table)
    pk = f"T#{ctx.tenant}#U#{ctx.principal.user_id}#{op.method} {op.path}#{key}"
    fingerprint = hashlib.sha256(
        json.dumps([sorted(params.items()), raw.decode("utf-8", "replace")]).encode()
    ).hexdigest()
    stored = store.claim(pk, fingerprint, int(ctx.now.timestamp()))
    if stored is not None:
        if stored.fingerprint != fingerprint:
            raise e.Conflict("This Idempotency-Key was used with another request body.")
        if stored.state != "done":
            raise e.Conflict("A request with this Idempotency-Key is still running.")
        return Response(body=stored.body, status_code=stored.status,
                        headers={**stored.headers, "Idempotent-Replayed": "true"})
    try:
        response = work()
    except e.DomainError as exc:
        from chalicelib.api.routing import _problem_from

        response = _problem_from(exc)
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
