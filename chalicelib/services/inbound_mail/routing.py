"""Who and what a received message is about: the decision's inputs, read, never written.

**Which tenant** (exactly one): the envelope recipient SES writes into its ``Received``
header (``To``/``Cc`` only when it names none): a ticket's reply address
``reply+<tenant>.<n>.<mac>@<domain>``, the tenant's address ``<tenant>@<domain>``, or one
of the tenant's own support addresses it has verified (``settings.email.addresses``,
routed by ``store/mail``). **Which ticket**: the reply address, then a Message-ID in
``In-Reply-To``/``References`` that we sent (ours or the one SES gave it) or received,
then ``[T-1001]`` in the subject. **Who wrote**: the sender's address in the tenant's
address book (a user, or an unverified contact made from earlier mail); a participant is
staff, the requester, a watcher, or a contact whose organisation lets its contacts
comment on each other's (of a case from the firm, only its recipients). ``facts`` gathers
all of it for ``mail/decide.py``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.parser import BytesHeaderParser
from typing import Any

from chalicelib.config import get_config
from chalicelib.domain.directory import TenantSettings
from chalicelib.domain.principal import Principal
from chalicelib.domain.tickets import Ticket
from chalicelib.mail import addresses, bounces
from chalicelib.mail.authentication import authenticated_for
from chalicelib.mail.decide import Facts, Sender
from chalicelib.mail.parse import ParsedMail
from chalicelib.services.directory import mail_addresses, principal_of
from chalicelib.services.directory import repo as directory
from chalicelib.services.tickets import repo as ticket_repo
from chalicelib.store import sent_mail
from chalicelib.store.dynamo import Item
from chalicelib.store.mail import MAX_THREAD_IDS, MailRepository

MAX_RECIPIENTS = 20
# SES's clause ``for <x>;``. Possessive runs that exclude the character after them never
# backtrack, so a hostile header costs time in proportion to its length, and only the
# first RECEIVED_MAX_CHARS characters of the header are read at all.
_FOR = re.compile(r"\bfor\s++<?+([^\s<>;@]++@[^\s<>;@]++)>?+\s*+;", re.IGNORECASE)
RECEIVED_MAX_CHARS = 2048
_REPLY_ANYWHERE = re.compile(rb"reply\+[a-z0-9.-]+@[a-z0-9.-]+", re.IGNORECASE)


def repo() -> MailRepository:
    return mail_addresses()


def inbound_domain() -> str:
    return get_config().mail_domain


# --- which tenant -------------------------------------------------------------------------


def envelope_recipients(raw: bytes) -> list[str]:
    """The address SES received the message for: the ``for <x>;`` clause of the topmost
    ``Received`` header, the one SES prepends (every header below it is the sender's to
    write, forged ``Received`` headers included). Empty when it names none."""
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    received = headers.get("Received")
    if received is None:
        return []
    match = _FOR.search(" ".join(str(received)[:RECEIVED_MAX_CHARS].split()))
    return [match.group(1).lower()] if match else []


def _recipients(raw: bytes, mail: ParsedMail) -> list[str]:
    """The envelope recipient, or ``To``/``Cc`` when the envelope names nobody."""
    return envelope_recipients(raw) or [
        a.email.lower() for a in (*mail.to, *mail.cc) if a.email]


def tenants(raw: bytes, mail: ParsedMail,
            domain: str) -> dict[str, tuple[str | None, TenantSettings]]:
    """The one tenant the mail is for -> (the ticket number its reply address names, or
    None; its settings). Empty when it is for none of them.

    The envelope recipient decides (issue 14, item 3): a mail is never handled for a
    tenant whose address is only in ``To``/``Cc``, beside another's. ``To``/``Cc`` count
    only when the envelope names nobody, and then only our own addresses and verified
    ones (``store/mail`` routes nothing else). A bounce comes back to our sending address:
    it belongs to the tenant whose reply address the failed mail carried."""
    candidates = _recipients(raw, mail)
    # A bound on the lookups: a message with hundreds of Cc addresses costs no more.
    for address in candidates[:MAX_RECIPIENTS]:
        target = _target(address, domain)
        if target is None and mail.bounce is not None and _is_our_sender(address):
            target = _returned_reply_target(raw, domain)
        if target is not None:
            tenant, number = target
            settings = settings_of(tenant)
            return {tenant: (number, settings)} if settings is not None else {}
    return {}


def _target(address: str, domain: str) -> tuple[str, str | None] | None:
    """(tenant, ticket number or None) of one of our addresses or a verified route."""
    reply = addresses.read_reply_address(get_config().secret, address, domain)
    if reply:
        return reply
    tenant = addresses.tenant_of_address(address, domain) or (
        repo().route(address) if address.rpartition("@")[2] != domain else None)
    return (tenant, None) if tenant else None


def _is_our_sender(address: str) -> bool:
    return address.lower() == get_config().mail_from.lower()


def _returned_reply_target(raw: bytes, domain: str) -> tuple[str, str | None] | None:
    """The first genuine reply address in a bounce (the failed mail's ``Reply-To``)."""
    secret = get_config().secret
    for found in _REPLY_ANYWHERE.findall(raw)[:5]:
        reply = addresses.read_reply_address(secret, found.decode().lower(), domain)
        if reply:
            return reply[0], None
    return None


def settings_of(tenant: str) -> TenantSettings | None:
    item = directory().get_settings(tenant)
    return TenantSettings.model_validate(item) if item else None


# --- who wrote ----------------------------------------------------------------------------


@dataclass
class Who:
    """The sender as the tenant's address book knows it."""

    kind: Sender
    principal: Principal | None = None
    user: Item | None = None
    contact: Item | None = None


def message_key(mail: ParsedMail, raw: bytes) -> str:
    """What claims the message (processed once): its Message-ID, else its hash."""
    if mail.message_id:
        return addresses.message_key(mail.message_id)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def who(tenant: str, address: str) -> Who:
    if not address:
        return Who("unknown")
    entry = repo().who_is(tenant, address)
    if entry is None:
        return Who("unknown")
    if entry.get("user_id"):
        user = directory().get_user(tenant, entry["user_id"])
        if user is None or not user.get("active", True):
            return Who("unknown")
        kind: Sender = "staff" if user.get("kind") == "staff" else "contact"
        return Who(kind, principal_of(tenant, user), user)
    return Who("unverified", contact=entry)


# --- which ticket -------------------------------------------------------------------------


def _thread(tenant: str, reply_number: str | None,
            mail: ParsedMail) -> tuple[Ticket | None, Any]:
    tickets = ticket_repo()
    if reply_number:
        ticket = _by_number(tenant, reply_number)
        if ticket:
            return ticket, "reply_address"
    domain = inbound_domain()
    # In-Reply-To last: it is the newest. A long References chain is cut to its newest ids.
    ids = list(dict.fromkeys([*mail.references, *mail.in_reply_to]))[-MAX_THREAD_IDS:]
    for message_id in reversed(ids):
        ticket_id = addresses.ticket_of_root(message_id, domain)
        if ticket_id:
            item = tickets.get_ticket(tenant, ticket_id)
            if item:
                return Ticket.model_validate(item), "message_id"
    known = repo().tickets_of_messages(tenant, [addresses.message_key(i) for i in ids])
    for message_id in reversed(ids):
        ticket_id = known.get(addresses.message_key(message_id))
        item = tickets.get_ticket(tenant, ticket_id) if ticket_id else None
        if item:
            return Ticket.model_validate(item), "message_id"
    number = addresses.subject_number(mail.subject)
    if number:
        ticket = _by_number(tenant, number)
        if ticket:
            return ticket, "subject"
    return None, None


def _through_own_reply_address(tenant: str, ticket: Ticket, raw: bytes,
                               mail: ParsedMail) -> bool:
    """Whether the mail was sent to the reply address of ``ticket`` we gave its From
    address: proof its writer received our mail to that address (issue 14)."""
    secret, domain = get_config().secret, inbound_domain()
    return any(
        addresses.read_reply_address(secret, address, domain) == (tenant, ticket.number)
        and addresses.reply_address_is_for(secret, address, domain, mail.sender.email)
        for address in _recipients(raw, mail)[:MAX_RECIPIENTS])


def _by_number(tenant: str, number: str) -> Ticket | None:
    ticket_id = ticket_repo().ticket_id_by_number(tenant, int(number.removeprefix("T-")))
    item = ticket_repo().get_ticket(tenant, ticket_id) if ticket_id else None
    return Ticket.model_validate(item) if item else None


def _participates(tenant: str, ticket: Ticket, sender: Who, address: str) -> bool:
    if sender.kind == "staff":
        return True
    if sender.kind == "unverified":
        return bool(ticket.requester_email) and ticket.requester_email == address.lower()
    if sender.kind != "contact" or sender.user is None:
        return False
    user_id = sender.user["id"]
    if ticket.requester_id == user_id or user_id in ticket.watchers:
        return True
    if sender.user.get("organization_id") != ticket.organization_id:
        return False
    if ticket.direction == "outbound":
        # A case from the firm is its recipients' whatever the organisation's visibility
        # (issue 19; services/tickets/access.case_level); its contact admin uses the portal.
        return user_id in ticket.recipient_user_ids
    org = directory().get_organization(tenant, ticket.organization_id)
    return org is not None and org.get("ticket_visibility") == "organization_comment"


# --- bounces ------------------------------------------------------------------------------


def bounced(tenant: str, raw: bytes, mail: ParsedMail, now: datetime) -> list[str]:
    """The addresses a bounce may mark (issue 14, item 2): it came back to our sending
    address or to one of this tenant's reply addresses, and the mail it returns has a
    Message-ID this tenant recorded as sent to an address the report lists as failed.
    Only that address, and at most MAX_IDS lookups (one GetItem each)."""
    if mail.bounce is None or not _came_back_to_us(raw, mail, tenant):
        return []
    failed = {a.lower() for a in mail.bounce.recipients[:10]}
    found: list[str] = []
    for message_id in bounces.returned_message_ids(raw, mail.text):
        record = sent_mail.recipient_of(tenant, addresses.message_key(message_id),
                                        int(now.timestamp()))
        if record and record["recipient"] in failed and record["recipient"] not in found:
            found.append(str(record["recipient"]))
    return found


def _came_back_to_us(raw: bytes, mail: ParsedMail, tenant: str) -> bool:
    envelope = envelope_recipients(raw)
    to = envelope[0] if envelope else (mail.to[0].email.lower() if mail.to else "")
    if _is_our_sender(to):
        return True
    reply = addresses.read_reply_address(get_config().secret, to, inbound_domain())
    return reply is not None and reply[0] == tenant


# --- the facts of one message for one tenant ----------------------------------------------


def _time(stamp: str | None) -> datetime | None:
    return datetime.fromisoformat(stamp) if stamp else None


def _too_large(mail: ParsedMail, settings: TenantSettings) -> bool:
    return mail.size > settings.email.max_message_bytes or any(
        len(a.data) > settings.attachment_max_bytes for a in mail.attachments)


@dataclass
class Routed:
    """What the rule is told, and what the actions need of what was looked up for it."""

    facts: Facts
    sender: Who
    ticket: Ticket | None
    authenticated: bool


def route(tenant: str, settings: TenantSettings, reply_number: str | None, raw: bytes,
          mail: ParsedMail, now: datetime) -> Routed:
    sender = who(tenant, mail.sender.email)
    ticket, found_by = _thread(tenant, reply_number, mail)
    authenticated = authenticated_for(mail.authentication, mail.sender.email)
    facts = Facts(
        is_bounce=mail.bounce is not None,
        automatic=mail.auto_submitted,
        failed_verdicts=tuple(mail.verdicts.failed()),
        too_large=_too_large(mail, settings),
        forwarded=mail.forwarded,
        sender=sender.kind,
        ticket_id=ticket.id if ticket else None,
        found_by=found_by,
        ticket_closed_at=_time(ticket.closed_at) if ticket and ticket.status == "closed"
        else None,
        participant=ticket is not None and _participates(tenant, ticket, sender,
                                                         mail.sender.email),
        bounce_scanned=mail.verdicts.spam == "PASS" and mail.verdicts.virus == "PASS",
        bounce_of_ours=bool(bounced(tenant, raw, mail, now)),
        authenticated=authenticated,
        own_reply_address=ticket is not None and found_by == "reply_address"
        and _through_own_reply_address(tenant, ticket, raw, mail),
    )
    return Routed(facts, sender, ticket, authenticated)
