"""Opaque, tamper-proof list cursors.

A cursor wraps DynamoDB's ``LastEvaluatedKey`` together with the list it belongs to
(tenant, list name, filters) and an HMAC over both (``chalicelib/signing.py``). A forged
or altered cursor, or one taken from another list or tenant, fails verification: the
caller answers 400.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.domain.errors import FieldError, InvalidInput
from chalicelib.signing import BadSignature, seal, unseal


def encode_cursor(secret: str, scope: str, last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return seal(secret, scope, json.dumps(last_key, sort_keys=True, separators=(",", ":")).encode())


def _invalid() -> InvalidInput:
    return InvalidInput(
        "The cursor is not valid for this list.",
        [FieldError(("query", "cursor"), "invalid or tampered cursor")],
    )


def decode_cursor(secret: str, scope: str, cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        key = json.loads(unseal(secret, scope, cursor))
    except (BadSignature, ValueError, UnicodeError):
        raise _invalid() from None
    if not isinstance(key, dict) or not all(isinstance(v, str) for v in key.values()):
        raise _invalid()
    return key
