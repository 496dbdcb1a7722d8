"""What a bounce says about the mail it returns (issue 14, item 2). Pure.

A bounce is believed only when it names a mail we sent: the Message-ID of the returned
message, read from the attached original (``message/rfc822``) or its headers
(``text/rfc822-headers``), else from a ``Message-ID:`` line the report quotes in its text
(Exchange and many others list the original's headers as prose).
"""

from __future__ import annotations

import email
import re
from email import policy
from email.message import Message

MAX_IDS = 3
MAX_PARTS = 20
_TEXT_CHARS = 64 * 1024  # the quoted headers come early; the rest is never read
_QUOTED_ID = re.compile(r"^[ \t>]*+message-id[ \t]*+:[ \t]*+(<[^<>\s]{1,250}+>)",
                        re.IGNORECASE | re.MULTILINE)


def returned_message_ids(raw: bytes, text: str) -> list[str]:
    """Up to MAX_IDS Message-IDs (with their angle brackets) of the returned mail."""
    found: list[str] = []
    try:
        report = email.message_from_bytes(raw, policy=policy.compat32)
        parts = list(report.walk())[:MAX_PARTS]
    except Exception:  # an unreadable report names nothing
        parts = []
    for part in parts:
        found += _attached_ids(part)
    found += _QUOTED_ID.findall(text[:_TEXT_CHARS])
    return list(dict.fromkeys(i.strip() for i in found))[:MAX_IDS]


def _attached_ids(part: Message) -> list[str]:
    kind = part.get_content_type()
    if kind == "message/rfc822":
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        value = inner.get("Message-ID") if isinstance(inner, Message) else None
        return [str(value)] if value else []
    if kind == "text/rfc822-headers":
        body = part.get_payload(decode=True)
        headers = email.message_from_bytes(body[:_TEXT_CHARS] if isinstance(body, bytes)
                                           else b"", policy=policy.compat32)
        value = headers.get("Message-ID")
        return [str(value)] if value else []
    return []
