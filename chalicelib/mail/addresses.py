"""Addresses and ids that say where a mail belongs. Pure: the secret and domain are passed in.

- ``<tenant>@<inbound domain>``: the tenant's support address on our domain.
- ``reply+<tenant>.<number>.<mac>@<inbound domain>``: a ticket's reply address. The MAC
  (HMAC-SHA256 with the server's secret, base32) makes it unguessable and unforgeable; it
  is lower-case because some mail servers lower-case local parts. RFC 5321 allows 64
  characters before the ``@``, so the MAC gets what the tenant and number leave (at
  least 10 characters, 50 bits).
- ``<ticket-<ticket id>@<mail domain>>``: the root every notification about a ticket
  refers to in ``References``, so mail clients thread them and replies find the ticket.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

LOCAL_PART_MAX = 64
MAC_MIN = 10
MAC_MAX = 20
_SUBJECT_NUMBER = re.compile(r"\[\s*(T-\d{1,9})\s*\]", re.IGNORECASE)
_REPLY = re.compile(r"^reply\+([a-z][a-z0-9-]{1,39})\.(\d{1,9})\.([a-z2-7]{10,20})$")
_TENANT = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
# Local parts of the mail domain that are never a tenant's support address.
RESERVED_LOCAL_PARTS = frozenset({"noreply", "no-reply", "reply", "postmaster", "abuse",
                                  "mailer-daemon", "bounce", "bounces", "admin", "root"})
_ROOT = re.compile(r"^ticket-([0-9A-Za-z]{26})@(.+)$")
_SES_DOMAIN = re.compile(r"(^|\.)amazonses\.com$")


def _mac(secret: str, tenant: str, number: str, length: int) -> str:
    digest = hmac.new(secret.encode(), f"reply\0{tenant}\0{number}".encode(),
                      hashlib.sha256).digest()
    return base64.b32encode(digest).decode().rstrip("=").lower()[:length]


def reply_address(secret: str, tenant: str, ticket_number: str, domain: str) -> str:
    """The ticket's own reply address, e.g. ``reply+demo.1001.k3j5…@support.example``."""
    number = ticket_number.removeprefix("T-")
    stem = f"reply+{tenant}.{number}."
    length = min(MAC_MAX, max(MAC_MIN, LOCAL_PART_MAX - len(stem)))
    return f"{stem}{_mac(secret, tenant, number, length)}@{domain}"


def read_reply_address(secret: str, address: str, domain: str) -> tuple[str, str] | None:
    """(tenant, "T-<number>") when ``address`` is a genuine reply address of ``domain``."""
    local, _, host = address.lower().rpartition("@")
    if host != domain.lower():
        return None
    match = _REPLY.match(local)
    if not match:
        return None
    tenant, number, mac = match.groups()
    expected = _mac(secret, tenant, number, len(mac))
    if not hmac.compare_digest(mac, expected):
        return None
    return tenant, f"T-{number}"


def tenant_address(tenant: str, domain: str) -> str:
    return f"{tenant}@{domain}"


def tenant_of_address(address: str, domain: str) -> str | None:
    """``demo@<inbound domain>`` -> ``demo``; anything else -> None."""
    local, _, host = address.lower().rpartition("@")
    if host != domain.lower() or not _TENANT.match(local) or local in RESERVED_LOCAL_PARTS:
        return None
    return local


def subject_number(subject: str) -> str | None:
    """``"SV: Fakturan [T-1001]"`` -> ``"T-1001"``."""
    match = _SUBJECT_NUMBER.search(subject)
    return match.group(1).upper() if match else None


def message_key(message_id: str) -> str:
    """The form a Message-ID is stored and looked up in.

    SES replaces the Message-ID of what it sends with ``<id@<region>.amazonses.com>``
    (``email.amazonses.com`` in us-east-1): the id SES returns is that local part, and
    replies may quote it under either domain, so SES ids are keyed by the local part.
    """
    value = message_id.strip().strip("<>").strip()
    local, _, host = value.rpartition("@")
    if local and _SES_DOMAIN.search(host.lower()):
        return f"ses:{local.lower()}"
    return value.lower()


def ses_key(ses_message_id: str) -> str:
    return f"ses:{ses_message_id.lower()}"


def thread_root(ticket_id: str, domain: str) -> str:
    """The id (without angle brackets) all mail about one ticket refers to."""
    return f"ticket-{ticket_id}@{domain}"


def ticket_of_root(message_id: str, domain: str) -> str | None:
    match = _ROOT.match(message_id.strip().strip("<>"))
    if not match or match.group(2).lower() != domain.lower():
        return None
    return match.group(1).upper()
