"""Opaque, tamper-proof list cursors.

A cursor wraps DynamoDB's ``LastEvaluatedKey`` together with the list it belongs to
(tenant, list name, filters) and an HMAC over both. A forged or altered cursor, or one
taken from another list or tenant, fails verification: the caller answers 400.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from chalicelib.domain.errors import FieldError, InvalidInput


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: str, scope: str, payload: bytes) -> str:
    if len(secret) < 32:
        # A missing or short HELPDESK_SECRET would make cursors forgeable: refuse to run.
        raise RuntimeError("HELPDESK_SECRET must be set to at least 32 characters")
    mac = hmac.new(secret.encode(), scope.encode() + b"\0" + payload, hashlib.sha256)
    return b64(mac.digest()[:20])


def encode_cursor(secret: str, scope: str, last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    payload = json.dumps(last_key, sort_keys=True, separators=(",", ":")).encode()
    return f"{b64(payload)}.{sign(secret, scope, payload)}"


def _invalid() -> InvalidInput:
    return InvalidInput(
        "The cursor is not valid for this list.",
        [FieldError(("query", "cursor"), "invalid or tampered cursor")],
    )


def decode_cursor(secret: str, scope: str, cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        encoded, signature = cursor.split(".", 1)
        payload = unb64(encoded)
        expected = sign(secret, scope, payload)
        # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError, 500).
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise _invalid()
        key = json.loads(payload)
    except (ValueError, UnicodeError):
        raise _invalid() from None
    if not isinstance(key, dict) or not all(isinstance(v, str) for v in key.values()):
        raise _invalid()
    return key
