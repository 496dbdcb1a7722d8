"""Signed tokens the server hands out and takes back: list cursors (``store/cursor.py``)
and one-click answer links (``services/answer_links.py``).

A token is ``<payload>.<signature>``, both base64url without padding. The signature is
the first 20 bytes of an HMAC-SHA256 with the server's secret over ``scope NUL payload``,
so a token signed for one scope (a list of one user of one tenant, a purpose) fails in
any other. Pure: the secret and the moment are arguments, nothing is read here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

# A shorter secret can be guessed; cursors and links would become forgeable.
MIN_SECRET_LENGTH = 32
SIGNATURE_BYTES = 20


class BadSignature(ValueError):
    """The token was altered, cut short, forged, or signed for another scope or secret."""


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: str, scope: str, payload: bytes) -> str:
    """The payload's signature in ``scope``, base64url."""
    if len(secret) < MIN_SECRET_LENGTH:
        # A missing or short HELPDESK_SECRET would make every token forgeable: refuse to run.
        raise RuntimeError(f"HELPDESK_SECRET must be set to at least {MIN_SECRET_LENGTH} "
                           "characters")
    mac = hmac.new(secret.encode(), scope.encode() + b"\0" + payload, hashlib.sha256)
    return b64(mac.digest()[:SIGNATURE_BYTES])


def seal(secret: str, scope: str, payload: bytes) -> str:
    """``payload`` as a token signed for ``scope``."""
    return f"{b64(payload)}.{sign(secret, scope, payload)}"


def unseal(secret: str, scope: str, token: str) -> bytes:
    """The payload of a token ``seal`` made for ``scope`` with ``secret``; ``BadSignature``
    for anything else."""
    try:
        encoded, signature = token.split(".", 1)
        payload = unb64(encoded)
        # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError).
        genuine = hmac.compare_digest(sign(secret, scope, payload).encode(), signature.encode())
    except (ValueError, UnicodeError):
        raise BadSignature from None
    if not genuine:
        raise BadSignature
    return payload


def expired(expires_at: int, now: datetime) -> bool:
    """Whether a token valid until ``expires_at`` (epoch seconds) has run out at ``now``."""
    return now.timestamp() >= expires_at
