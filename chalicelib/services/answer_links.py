"""One-click answers from an e-mail: signed, single-use tokens bound to a ticket and a
contact ("Tested OK", "Not OK", and the satisfaction question after closing).

A token is ``<payload>.<signature>``: the payload is base64url JSON (the portal shows the
ticket number from it), the signature an HMAC with the server's secret. It carries the
tenant, ticket, contact, purpose, the moment it belongs to (the resolution or the
closing it answers), an expiry and a random id. Its single use is a conditional item
written in the answer's own transaction. The link opens a portal page that POSTs the
answer: no GET changes anything, because mail scanners follow every link.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote

from chalicelib import signing
from chalicelib.config import get_config
from chalicelib.domain.errors import FieldError, InvalidInput

SCOPE = "ticket-answer"
Purpose = Literal["answer", "rate"]


@dataclass(frozen=True)
class AnswerToken:
    tenant: str
    ticket_id: str
    number: str
    user_id: str
    purpose: Purpose
    moment: str  # resolved_at for "answer", closed_at for "rate"
    expires: int  # epoch seconds
    token_id: str

    def expired(self, now: datetime) -> bool:
        return signing.expired(self.expires, now)


def issue(tenant: str, ticket_id: str, number: str, user_id: str, purpose: Purpose,
          moment: str, expires: datetime) -> str:
    payload = json.dumps({"v": 1, "t": tenant, "k": ticket_id, "n": number, "u": user_id,
                          "p": purpose, "m": moment, "e": int(expires.timestamp()),
                          "j": secrets.token_urlsafe(12)},
                         separators=(",", ":"), sort_keys=True).encode()
    return signing.seal(get_config().secret, SCOPE, payload)


def _altered() -> InvalidInput:
    return InvalidInput("The link is not valid: it was altered or cut short.",
                        [FieldError(("body", "token"), "invalid or altered token")])


def read(token: str) -> AnswerToken:
    """The token's content once its signature holds; 400 naming ``token`` otherwise."""
    try:
        data: dict[str, Any] = json.loads(signing.unseal(get_config().secret, SCOPE, token))
        return AnswerToken(tenant=data["t"], ticket_id=data["k"], number=data["n"],
                           user_id=data["u"], purpose=data["p"], moment=data["m"],
                           expires=int(data["e"]), token_id=data["j"])
    except (signing.BadSignature, ValueError, KeyError, TypeError, UnicodeError):
        raise _altered() from None


def link(token: str, action: str, **extra: str) -> str:
    """The portal page that asks for (or confirms) the answer and POSTs it."""
    base = get_config().portal_url.rstrip("/")
    more = "".join(f"&{k}={quote(v)}" for k, v in extra.items())
    return f"{base}/#/answer?token={quote(token)}&action={action}{more}"


def expires_at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
