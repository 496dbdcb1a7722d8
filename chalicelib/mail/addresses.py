"""Addresses and ids that say where a mail belongs. Pure: the secret and domain are passed in.

- ``<tenant>@<inbound domain>``: the tenant's support address on our domain.
- ``reply+<tenant>.<number>.<ticket mac>.<recipient mac>@<inbound domain>``: a ticket's
  reply address as one recipient got it. The MACs (HMAC-SHA256 with the server's secret,
  base32, lower-case because some mail servers lower-case local parts) make it
  unforgeable: the first binds tenant and ticket (6 characters: it only routes, and the
  subject names the ticket anyway), the second also the recipient's address, so only who
  received our mail holds the address that vouches for them (issue 14). RFC 5321 allows
  64 characters before the ``@``; the recipient MAC gets what the rest leaves, 10 to 16
  characters (50 to 80 bits, tried one mail at a time).
- ``reply+<tenant>.<number>.<mac>@<inbound domain>``: the shared reply address sent
  before (one per ticket). Still read: it finds its ticket, but vouches for nobody.
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
_RECIPIENT_REPLY = re.compile(
    r"^reply\+([a-z][a-z0-9-]{1,39})\.(\d{1,9})\.([a-z2-7]{6})\.([a-z2-7]{10,16})$")
TICKET_MAC = 6
RECIPIENT_MAC_MAX = 16
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


def _keyed(secret: str, text: str, length: int) -> str:
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().rstrip("=").lower()[:length]


def _ticket_mac(secret: str, tenant: str, number: str) -> str:
    return _keyed(secret, f"reply-ticket\0{tenant}\0{number}", TICKET_MAC)


def _recipient_mac(secret: str, tenant: str, number: str, recipient: str,
                   length: int) -> str:
    return _keyed(secret, f"reply-to\0{tenant}\0{number}\0{recipient.strip().lower()}",
                  length)


def reply_address(secret: str, tenant: str, ticket_number: str, domain: str,
                  recipient: str) -> str:
    """The ticket's reply address for one recipient, e.g.
    ``reply+demo.1001.k3j5ab.q7…@support.example``."""
    number = ticket_number.removeprefix("T-")
    stem = f"reply+{tenant}.{number}.{_ticket_mac(secret, tenant, number)}."
    length = min(RECIPIENT_MAC_MAX, max(MAC_MIN, LOCAL_PART_MAX - len(stem)))
    return f"{stem}{_recipient_mac(secret, tenant, number, recipient, length)}@{domain}"


def legacy_reply_address(secret: str, tenant: str, ticket_number: str, domain: str) -> str:
    """The shared reply address sent before per-recipient ones: read, never written."""
    number = ticket_number.removeprefix("T-")
    stem = f"reply+{tenant}.{number}."
    length = min(MAC_MAX, max(MAC_MIN, LOCAL_PART_MAX - len(stem)))
    return f"{stem}{_mac(secret, tenant, number, length)}@{domain}"


def read_reply_address(secret: str, address: str, domain: str) -> tuple[str, str] | None:
    """(tenant, "T-<number>") when ``address`` is a genuine reply address of ``domain``,
    per recipient or shared (whoever it was sent to)."""
    local, _, host = address.lower().rpartition("@")
    if host != domain.lower():
        return None
    match = _RECIPIENT_REPLY.match(local)
    if match:
        tenant, number, mac, _ = match.groups()
        expected = _ticket_mac(secret, tenant, number)
    else:
        match = _REPLY.match(local)
        if not match:
            return None
        tenant, number, mac = match.groups()
        expected = _mac(secret, tenant, number, len(mac))
    if not hmac.compare_digest(mac, expected):
        return None
    return tenant, f"T-{number}"


def reply_address_is_for(secret: str, address: str, domain: str, sender: str) -> bool:
    """Whether ``address`` is the reply address we gave ``sender`` (the MAC binds tenant,
    ticket and recipient): who writes through it received our mail. A shared (older)
    reply address, or another recipient's, is not."""
    if not sender or read_reply_address(secret, address, domain) is None:
        return False
    match = _RECIPIENT_REPLY.match(address.lower().rpartition("@")[0])
    if not match:
        return False
    tenant, number, _, mac = match.groups()
    return hmac.compare_digest(mac, _recipient_mac(secret, tenant, number, sender, len(mac)))


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
