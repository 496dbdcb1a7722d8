"""Mail to support becomes a ticket, or a comment on the ticket it answers.

SES stores each received message in the inbound bucket; S3 tells the inbound queue, and
``jobs/inbound.py`` hands each stored object to ``receive_object``. From there:

1. **Which tenant** (exactly one): the envelope recipient SES writes into its ``Received``
   header (``To``/``Cc`` only when it names none): a ticket's reply address
   ``reply+<tenant>.<n>.<mac>@<domain>``, the tenant's address ``<tenant>@<domain>``, or
   one of the tenant's own support addresses it has verified (``settings.email.addresses``,
   routed by ``store/mail``).
2. **Which ticket**: the reply address, then a Message-ID in ``In-Reply-To``/``References``
   that we sent (ours or the one SES gave it) or received, then ``[T-1001]`` in the subject.
3. **Who wrote**: the sender's address in the tenant's address book (a user, or an
   unverified contact made from earlier mail); a participant is staff, the requester, a
   watcher, or a contact whose organisation lets its contacts comment on each other's.
   The address counts only when the mail is authenticated for it (``mail/authentication``)
   or came through the reply address we sent to it; otherwise a participant's reply is
   held for staff (``confirm_held``/``discard_held``) and staff mail is quarantined.
4. **What happens** is ``mail/decide.py``'s pure rule; this module does it. Every outcome
   claims the Message-ID in its own transaction, so a message seen twice is processed
   once; a comment also claims its text for ten minutes (a CC copy with a new id posts
   once) and counts against the sender's hourly allowance on the ticket (mail loops).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.parser import BytesHeaderParser
from typing import Any

from chalicelib.config import get_config
from chalicelib.domain import directory as d
from chalicelib.domain import tickets as t
from chalicelib.domain.errors import BusinessRuleViolation, Conflict, DomainError, NotFound
from chalicelib.domain.principal import Principal
from chalicelib.mail import addresses, bounces
from chalicelib.mail.authentication import authenticated_for
from chalicelib.mail.decide import Decision, Facts, Sender, decide
from chalicelib.mail.parse import Attachment, ParsedMail, parse
from chalicelib.mail.quotes import strip_reply
from chalicelib.services import tickets
from chalicelib.services.context import Ctx
from chalicelib.services.directory import mail_addresses, principal_of, system_principal
from chalicelib.services.directory import repo as directory
from chalicelib.services.writes import history_event
from chalicelib.store import sent_mail
from chalicelib.store.clients import client
from chalicelib.store.dynamo import Item, UnitOfWork
from chalicelib.store.mail import (
    MAX_THREAD_IDS,
    MailRepository,
    SameBodyLately,
    SeenBefore,
    TooManyMessages,
)
from chalicelib.store.tables import tenant_pk

log = logging.getLogger("helpdesk.mail")

SAME_BODY_SECONDS = 10 * 60
SETTLED_KEEP_SECONDS = 30 * 24 * 3600  # what staff decided of a held mail, for repeats
UNAUTHENTICATED = "unauthenticated"  # the shared allowance's key (no address looks so)
MAX_ATTACHMENTS = 20
MAX_RECIPIENTS = 20
UNVERIFIED_ORG = "unverified-senders"
# SES's clause ``for <x>;``. Possessive runs that exclude the character after them never
# backtrack, so a hostile header costs time in proportion to its length, and only the
# first RECEIVED_MAX_CHARS characters of the header are read at all.
_FOR = re.compile(r"\bfor\s++<?+([^\s<>;@]++@[^\s<>;@]++)>?+\s*+;", re.IGNORECASE)
RECEIVED_MAX_CHARS = 2048
_REPLY_ANYWHERE = re.compile(rb"reply\+[a-z0-9.-]+@[a-z0-9.-]+", re.IGNORECASE)
_PREFIXES = re.compile(r"^\s*((re|sv|vs|vl|aw|fw|fwd|vb|wg|antw)\s*:\s*)+", re.IGNORECASE)


def repo() -> MailRepository:
    return mail_addresses()


@dataclass
class Outcome:
    """What became of one message for one tenant (logged, returned to tests and the bench)."""

    action: str
    reason: str
    tenant: str | None = None
    ticket_id: str | None = None
    comment_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# --- entry points -------------------------------------------------------------------------


def receive_object(bucket: str, key: str, now: datetime | None = None) -> list[Outcome]:
    """One message SES stored in S3."""
    raw = client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    return receive(raw, source_key=key, now=now)


def receive(raw: bytes, source_key: str | None = None,
            now: datetime | None = None) -> list[Outcome]:
    now = now or datetime.now(UTC)
    mail = parse(raw)
    domain = inbound_domain()
    targets = _tenants(raw, mail, domain)
    if not targets:
        log.info("mail %s for none of our tenants", mail.message_id)
        return [Outcome("drop", "no tenant's address among the recipients")]
    outcomes = []
    for tenant, (reply_number, settings) in targets.items():
        outcome = _address_code_came_back(tenant, raw, now) or _receive_for(
            tenant, settings, reply_number, raw, mail, source_key, now)
        log.info("mail %s for %s: %s (%s)", mail.message_id, tenant, outcome.action,
                 outcome.reason)
        outcomes.append(outcome)
    return outcomes


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


def _tenants(raw: bytes, mail: ParsedMail,
             domain: str) -> dict[str, tuple[str | None, d.TenantSettings]]:
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
            settings = _settings(tenant)
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


def _settings(tenant: str) -> d.TenantSettings | None:
    item = directory().get_settings(tenant)
    return d.TenantSettings.model_validate(item) if item else None


def _address_code_came_back(tenant: str, raw: bytes, now: datetime) -> Outcome | None:
    """Our mail with the code for a claimed support address, forwarded from that address
    to this tenant's: the forward proves the address is the tenant's (issue 14, item 3).
    The code is bound to tenant and address, so it proves nothing for another tenant."""
    from chalicelib.services.directory import ADDRESS_CODE_HEADER, verify_email_address

    if ADDRESS_CODE_HEADER.lower().encode() not in raw[:65536].lower():
        return None
    value = BytesHeaderParser(policy=policy.compat32).parsebytes(raw).get(ADDRESS_CODE_HEADER)
    address, _, code = " ".join(str(value or "")[:400].split()).partition(" ")
    try:
        verify_email_address(Ctx(system_principal(tenant), now), address, code)
    except DomainError as exc:
        log.info("address code for %s came back to %s, refused: %s", address[:100], tenant,
                 exc.detail)
        return None
    return Outcome("address_verified", f"the code mailed to {address} came back", tenant)


# --- one tenant ---------------------------------------------------------------------------


@dataclass
class _Who:
    kind: Sender
    principal: Principal | None = None
    user: Item | None = None
    contact: Item | None = None


def _message_key(mail: ParsedMail, raw: bytes) -> str:
    if mail.message_id:
        return addresses.message_key(mail.message_id)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _receive_for(tenant: str, settings: d.TenantSettings, reply_number: str | None,
                 raw: bytes, mail: ParsedMail, source_key: str | None,
                 now: datetime) -> Outcome:
    key = _message_key(mail, raw)
    if repo().get_message(tenant, key) is not None:
        return Outcome("duplicate", "Message-ID seen before", tenant)
    who = _who(tenant, mail.sender.email)
    ticket, found_by = _thread(tenant, reply_number, mail)
    authenticated = authenticated_for(mail.authentication, mail.sender.email)
    facts = Facts(
        is_bounce=mail.bounce is not None,
        automatic=mail.auto_submitted,
        failed_verdicts=tuple(mail.verdicts.failed()),
        too_large=_too_large(mail, settings),
        forwarded=mail.forwarded,
        sender=who.kind,
        ticket_id=ticket.id if ticket else None,
        found_by=found_by,
        ticket_closed_at=_time(ticket.closed_at) if ticket and ticket.status == "closed"
        else None,
        participant=ticket is not None and _participates(tenant, ticket, who,
                                                         mail.sender.email),
        bounce_scanned=mail.verdicts.spam == "PASS" and mail.verdicts.virus == "PASS",
        bounce_of_ours=bool(_bounced(tenant, raw, mail, now)),
        authenticated=authenticated,
        own_reply_address=ticket is not None and found_by == "reply_address"
        and _through_own_reply_address(tenant, ticket, raw, mail),
    )
    decision = decide(facts, settings.email, now)
    job = _Job(tenant, settings, key, raw, mail, source_key, now, who, ticket, decision,
               authenticated)
    try:
        return _ACTIONS[decision.action](job)
    except SeenBefore:
        return Outcome("duplicate", "Message-ID seen before", tenant)
    except SameBodyLately:
        _record_only(job, "duplicate")
        return Outcome("duplicate", "same text from the same sender a moment ago", tenant,
                       job.ticket.id if job.ticket else None)
    except TooManyMessages:
        _record_only(job, "loop")
        return Outcome("loop", "over the hourly allowance for this ticket", tenant,
                       job.ticket.id if job.ticket else None)


def _time(stamp: str | None) -> datetime | None:
    return datetime.fromisoformat(stamp) if stamp else None


def _too_large(mail: ParsedMail, settings: d.TenantSettings) -> bool:
    return mail.size > settings.email.max_message_bytes or any(
        len(a.data) > settings.attachment_max_bytes for a in mail.attachments)


def _who(tenant: str, address: str) -> _Who:
    if not address:
        return _Who("unknown")
    entry = repo().who_is(tenant, address)
    if entry is None:
        return _Who("unknown")
    if entry.get("user_id"):
        user = directory().get_user(tenant, entry["user_id"])
        if user is None or not user.get("active", True):
            return _Who("unknown")
        kind: Sender = "staff" if user.get("kind") == "staff" else "contact"
        return _Who(kind, principal_of(tenant, user), user)
    return _Who("unverified", contact=entry)


def _thread(tenant: str, reply_number: str | None,
            mail: ParsedMail) -> tuple[t.Ticket | None, Any]:
    r = tickets.repo()
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
            item = r.get_ticket(tenant, ticket_id)
            if item:
                return t.Ticket.model_validate(item), "message_id"
    known = repo().tickets_of_messages(tenant, [addresses.message_key(i) for i in ids])
    for message_id in reversed(ids):
        ticket_id = known.get(addresses.message_key(message_id))
        item = r.get_ticket(tenant, ticket_id) if ticket_id else None
        if item:
            return t.Ticket.model_validate(item), "message_id"
    number = addresses.subject_number(mail.subject)
    if number:
        ticket = _by_number(tenant, number)
        if ticket:
            return ticket, "subject"
    return None, None


def _through_own_reply_address(tenant: str, ticket: t.Ticket, raw: bytes,
                               mail: ParsedMail) -> bool:
    """Whether the mail was sent to the reply address of ``ticket`` we gave its From
    address: proof its writer received our mail to that address (issue 14)."""
    secret, domain = get_config().secret, inbound_domain()
    return any(
        addresses.read_reply_address(secret, address, domain) == (tenant, ticket.number)
        and addresses.reply_address_is_for(secret, address, domain, mail.sender.email)
        for address in _recipients(raw, mail)[:MAX_RECIPIENTS])


def _by_number(tenant: str, number: str) -> t.Ticket | None:
    ticket_id = tickets.repo().ticket_id_by_number(tenant, int(number.removeprefix("T-")))
    item = tickets.repo().get_ticket(tenant, ticket_id) if ticket_id else None
    return t.Ticket.model_validate(item) if item else None


def _participates(tenant: str, ticket: t.Ticket, who: _Who, address: str) -> bool:
    if who.kind == "staff":
        return True
    if who.kind == "unverified":
        return bool(ticket.requester_email) and ticket.requester_email == address.lower()
    if who.kind != "contact" or who.user is None:
        return False
    user_id = who.user["id"]
    if ticket.requester_id == user_id or user_id in ticket.watchers:
        return True
    if who.user.get("organization_id") != ticket.organization_id:
        return False
    org = directory().get_organization(tenant, ticket.organization_id)
    return org is not None and org.get("ticket_visibility") == "organization_comment"


# --- doing what was decided ---------------------------------------------------------------


@dataclass
class _Job:
    tenant: str
    settings: d.TenantSettings
    key: str
    raw: bytes
    mail: ParsedMail
    source_key: str | None
    now: datetime
    who: _Who
    ticket: t.Ticket | None
    decision: Decision
    authenticated: bool = False

    @property
    def stamp(self) -> str:
        return self.now.strftime("%Y-%m-%dT%H:%M:%SZ")

    def record(self, uow: UnitOfWork, outcome: str, ticket_id: str | None = None) -> None:
        repo().record_received(uow, self.tenant, self.key, {
            "outcome": outcome, "ticket_id": ticket_id, "at": self.stamp,
            "sender": self.mail.sender.email, "source_key": self.source_key})


def _record_only(job: _Job, outcome: str) -> None:
    uow = UnitOfWork()
    job.record(uow, outcome)
    with contextlib.suppress(SeenBefore):
        uow.commit()


def _bounced(tenant: str, raw: bytes, mail: ParsedMail, now: datetime) -> list[str]:
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


def _bounce(job: _Job) -> Outcome:
    assert job.mail.bounce is not None
    marked = []
    uow = UnitOfWork()
    job.record(uow, "bounce")
    if job.mail.bounce.permanent:
        for address in _bounced(job.tenant, job.raw, job.mail, job.now):
            if _mark_undeliverable(uow, job.tenant, address):
                marked.append(address)
    uow.commit()
    return Outcome("bounce", job.decision.reason, job.tenant, extra={"undeliverable": marked})


def _mark_undeliverable(uow: UnitOfWork, tenant: str, address: str) -> bool:
    entry = repo().who_is(tenant, address)
    if entry is None:
        return False
    if entry.get("user_id"):
        uow.update(get_config().directory_table,
                   {"PK": tenant_pk(tenant), "SK": f"USER#{entry['user_id']}"},
                   "SET email_undeliverable = :t", condition="attribute_exists(PK)",
                   values={":t": True})
    repo().put_address(uow, tenant, address, {**_address_data(entry), "undeliverable": True})
    return True


def _address_data(entry: Item) -> Item:
    return {k: v for k, v in entry.items() if k not in ("PK", "SK", "email")}


def _ignore(job: _Job) -> Outcome:
    _record_only(job, job.decision.action)
    return Outcome(job.decision.action, job.decision.reason, job.tenant)


def _quarantine(job: _Job) -> Outcome:
    entry_id = Ctx(system_principal(job.tenant), job.now).new_id()
    uow = UnitOfWork()
    job.record(uow, "quarantine")
    repo().quarantine(uow, job.tenant, {
        "id": entry_id, "received_at": job.stamp, "sender": job.mail.sender.email,
        "sender_name": job.mail.sender.name, "subject": job.mail.subject[:300],
        "reason": job.decision.reason, "verdicts_failed": job.mail.verdicts.failed(),
        "ticket_id": job.ticket.id if job.ticket else None,
        "ticket_number": job.ticket.number if job.ticket else None,
        "message_id": job.mail.message_id, "source_key": job.source_key,
        "preview": job.mail.text[:500], "size": job.mail.size})
    uow.commit()
    return Outcome("quarantine", job.decision.reason, job.tenant,
                   job.ticket.id if job.ticket else None, extra={"id": entry_id})


def _hold(job: _Job) -> Outcome:
    """A participant's reply whose From is not proven: kept, with the whole message, as a
    held comment in the quarantine until staff confirm or discard it. Nothing is posted,
    nothing changes on the ticket, nobody is mailed."""
    assert job.ticket is not None
    ticket_id = job.ticket.id
    text = _reply_text(job.mail)
    _precheck(job, ticket_id, text)  # a flood of forged replies holds ten an hour, no more
    entry_id = Ctx(system_principal(job.tenant), job.now).new_id()
    held_source = _store_source(job, ticket_id)
    uow = UnitOfWork()
    job.record(uow, "held", ticket_id)
    _guard(uow, job, ticket_id, text)
    repo().quarantine(uow, job.tenant, {
        "id": entry_id, "kind": "held_comment", "state": "held", "received_at": job.stamp,
        "sender": job.mail.sender.email, "sender_name": job.mail.sender.name,
        "subject": job.mail.subject[:300], "reason": job.decision.reason,
        "verdicts_failed": [], "ticket_id": ticket_id, "ticket_number": job.ticket.number,
        "message_id": job.mail.message_id, "source_key": job.source_key,
        "held_source_key": held_source, "preview": text[:500], "size": job.mail.size})
    uow.commit()
    return Outcome("hold", job.decision.reason, job.tenant, ticket_id, extra={"id": entry_id})


def confirm_held(ctx: Ctx, entry_id: str) -> Item:
    """Staff confirm a held comment: it is posted as its sender's public comment, in one
    transaction with its history and the entry's new state. Confirming again answers the
    same; a discarded or quarantined (not held) entry cannot be confirmed."""
    tenant = ctx.tenant
    entry = _held_entry(tenant, entry_id)
    if entry.get("state") == "confirmed":
        return entry
    if entry.get("state") == "discarded":
        raise Conflict("The held comment was discarded.")
    if entry.get("kind") != "held_comment":
        raise BusinessRuleViolation("Only a held comment can be confirmed; this mail was "
                                    f"quarantined: {entry.get('reason')}.")
    settings = _settings(tenant)
    who = _who(tenant, str(entry["sender"]))
    item = tickets.repo().get_ticket(tenant, str(entry["ticket_id"]))
    if settings is None or item is None:
        raise NotFound("The ticket of the held comment is gone.")
    if who.kind not in ("contact", "unverified"):
        raise BusinessRuleViolation(f"{entry['sender']} is no longer a contact.")
    if item.get("status") == "closed":
        raise BusinessRuleViolation("The ticket was closed since; reopen it first, or "
                                    "discard the held comment.")
    raw = client("s3").get_object(Bucket=get_config().attachments_bucket,
                                  Key=str(entry["held_source_key"]))["Body"].read()
    mail = parse(raw)
    job = _Job(tenant, settings, _message_key(mail, raw), raw, mail, entry.get("source_key"),
               ctx.now, who, t.Ticket.model_validate(item),
               Decision("comment", "held comment confirmed by staff"))
    comment_id = ctx.new_id()
    settled = {**entry, "state": "confirmed", "comment_id": comment_id,
               "decided_by": ctx.principal.user_id, "decided_at": ctx.stamp}

    def confirmed(uow: UnitOfWork) -> None:
        repo().settle_quarantined(uow, tenant, settled, _settled_expiry(ctx))
        repo().mark_received(uow, tenant, job.key, "comment", job.ticket.id if job.ticket
                             else None)
        tickets.repo().add_event(uow, tenant, str(entry["ticket_id"]), history_event(
            ctx, "held_mail_confirmed", {"comment_id": comment_id, "sender": entry["sender"],
                                         "message_id": entry.get("message_id")}))

    try:
        _comment(job, confirmed=confirmed, comment_id=comment_id)
    except Conflict:
        again = _held_entry(tenant, entry_id)
        if again.get("state") == "confirmed":  # a concurrent confirmation won
            return again
        raise
    return settled


def discard_held(ctx: Ctx, entry_id: str) -> Item:
    """Staff discard a held or quarantined mail: it leaves the quarantine, and its kept
    copy is deleted. Discarding again answers the same."""
    entry = _held_entry(ctx.tenant, entry_id)
    if entry.get("state") == "discarded":
        return entry
    if entry.get("state") == "confirmed":
        raise Conflict("The held comment was confirmed; it is on the ticket.")
    settled = {**entry, "state": "discarded", "decided_by": ctx.principal.user_id,
               "decided_at": ctx.stamp, "preview": ""}
    uow = UnitOfWork()
    repo().settle_quarantined(uow, ctx.tenant, settled, _settled_expiry(ctx))
    uow.commit()
    if entry.get("held_source_key"):
        client("s3").delete_object(Bucket=get_config().attachments_bucket,
                                   Key=str(entry["held_source_key"]))
    return settled


def _held_entry(tenant: str, entry_id: str) -> Item:
    entry = repo().get_quarantined(tenant, entry_id)
    if entry is None:
        raise NotFound("No such mail in the quarantine.")
    return entry


def _settled_expiry(ctx: Ctx) -> int:
    return int(ctx.now.timestamp()) + SETTLED_KEEP_SECONDS


def _refuse(job: _Job) -> Outcome:
    uow = UnitOfWork()
    job.record(uow, "refused")
    uow.commit()
    notified = False
    # Only to a proven sender: a forged From must not make us mail the person it names.
    if job.who.kind in ("contact", "staff") and job.who.user is not None \
            and job.authenticated:
        _send_refusal(job, job.who.user)
        notified = True
    return Outcome("refused", job.decision.reason, job.tenant,
                   extra={"notified": notified})


def _send_refusal(job: _Job, user: Item) -> None:
    from chalicelib.notify.render import render
    from chalicelib.notify.senders import build_email, send_email

    language = user.get("language") or job.settings.default_language
    # The limit the mail went over: the whole message's, or an attachment's.
    limit = job.settings.email.max_message_bytes if job.mail.size > \
        job.settings.email.max_message_bytes else job.settings.attachment_max_bytes
    message = render("mail_refused", language, {
        "recipient_name": user.get("name", ""), "tenant_name": job.settings.name,
        "original_subject": job.mail.subject,
        "limit_mb": max(1, round(limit / (1024 * 1024))),
        "link": get_config().portal_url})
    send_email(build_email(user["email"], job.settings.name or "Helpdesk", message.subject,
                           message.text, message.html))


def _ctx(job: _Job) -> Ctx:
    if job.who.principal is not None:
        return Ctx(job.who.principal, job.now)
    # An unverified sender acts as a contact without rights; the history names the address.
    contact = job.who.contact or {}
    name = job.mail.sender.name or job.mail.sender.email
    return Ctx(Principal(tenant=job.tenant, user_id=f"email:{job.mail.sender.email}",
                         email=job.mail.sender.email, roles=(), permissions=frozenset(),
                         kind="contact", organization_id=contact.get("organization_id"),
                         language=job.settings.default_language,
                         record={"name": name}), job.now)


def _comment(job: _Job, confirmed: Callable[[UnitOfWork], None] | None = None,
             comment_id: str | None = None) -> Outcome:
    """``confirmed``: staff confirm a held comment; its writes replace the mail's guards
    (the message was claimed and counted when it was held)."""
    assert job.ticket is not None
    ctx = _ctx(job)
    text = _reply_text(job.mail)
    ticket_id = job.ticket.id
    if confirmed is None:
        _precheck(job, ticket_id, text)
    stored, refused = _store_attachments(job, ctx, ticket_id)
    source = _store_source(job, ticket_id)
    email = t.CommentEmail(message_id=job.mail.message_id, sender=job.mail.sender.email,
                           subject=job.mail.subject[:300], has_source=True,
                           refused_attachments=refused)

    def guards(uow: UnitOfWork) -> None:
        if confirmed is not None:
            confirmed(uow)
            return
        job.record(uow, "comment", ticket_id)
        _guard(uow, job, ticket_id, text)

    body = text or _files_only([a["filename"] for a in stored])
    try:
        comment = tickets.comment_from_mail(ctx, ticket_id, body, email, stored,
                                            reopen=job.decision.action == "reopen",
                                            extra=guards, source_key=source,
                                            comment_id=comment_id)
    except BusinessRuleViolation:
        # Closed meanwhile (between reading and writing): the queue retries, and the rule
        # decides again on what the ticket is then.
        raise Conflict("The ticket changed while the mail was handled; retry.") from None
    return Outcome(job.decision.action, job.decision.reason, job.tenant, ticket_id, comment.id,
                   extra={"attachments": [a["filename"] for a in stored], "refused": refused})


def _fingerprint(job: _Job, ticket_id: str, text: str) -> str:
    """Sender, ticket, text and files: a CC copy has them all alike; two mails that only
    bring different screenshots do not."""
    files = sorted(hashlib.sha256(a.data).hexdigest() for a in job.mail.attachments)
    return "\0".join([job.mail.sender.email, ticket_id, " ".join(text.split()).lower(),
                       *files])


def _allowance(job: _Job, ticket_id: str) -> tuple[str, int]:
    """Whose hourly allowance a message uses, and its size: the sender's, except that new
    tickets from senders whose From is not proven share one per tenant (anyone can write
    a new address in From for every mail)."""
    if ticket_id == "new" and not job.authenticated:
        return UNAUTHENTICATED, job.settings.email.max_unauthenticated_tickets_per_hour
    return job.mail.sender.email, job.settings.email.max_messages_per_hour


def _precheck(job: _Job, ticket_id: str, text: str) -> None:
    sender, limit = _allowance(job, ticket_id)
    repo().check_guards(job.tenant, _fingerprint(job, ticket_id, text), int(job.now.timestamp()),
                        SAME_BODY_SECONDS, ticket_id, sender, job.now.strftime("%Y%m%d%H"),
                        limit)


def _files_only(names: list[str]) -> str:
    """The text of a mail that said nothing but brought files: their names."""
    return "📎 " + ", ".join(names) if names else "…"


def _guard(uow: UnitOfWork, job: _Job, ticket_id: str, text: str) -> None:
    epoch = int(job.now.timestamp())
    repo().guard_same_body(uow, job.tenant, _fingerprint(job, ticket_id, text), epoch,
                           SAME_BODY_SECONDS)
    sender, limit = _allowance(job, ticket_id)
    repo().count_message(uow, job.tenant, ticket_id, sender, job.now.strftime("%Y%m%d%H"),
                         limit, epoch)


def _reply_text(mail: ParsedMail) -> str:
    return mail_text(strip_reply(mail.text))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def mail_text(text: str) -> str:
    """What is stored of a mail's text. It is text already (the parser turned any HTML
    into text), so it is not run through the markup stripper: ``<anna@example.se>`` in a
    mail is an address, not a tag. Every renderer escapes it. Longer than a comment may be,
    it is cut; the whole original stays with the ticket."""
    cleaned = _CONTROL.sub("", text).strip()
    if len(cleaned) > t.MAX_BODY:
        cleaned = cleaned[:t.MAX_BODY - 2].rstrip() + "\n…"
    return cleaned


def _new_ticket(job: _Job) -> Outcome:
    ctx = _ctx(job)
    ticket_type = _mail_type(ctx, job.settings)
    if ticket_type is None:
        return _quarantine_as(job, "the tenant has no active ticket type for mail")
    origin, requester_email = _origin(job, ctx)
    forwarded = job.decision.reason == "forwarded conversation"
    text = mail_text(strip_reply(job.mail.text) if not forwarded else job.mail.text)
    subject = mail_text(_PREFIXES.sub("", job.mail.subject)) or (
        text.splitlines()[0][:120] if text else "") or _files_only(
        [a.filename for a in job.mail.attachments])
    ticket_id = ctx.new_id()
    _precheck(job, "new", f"{subject}\0{text}")
    stored, refused = _store_attachments(job, ctx, ticket_id, forwarded=forwarded)

    def writes(uow: UnitOfWork, ticket: t.Ticket) -> None:
        job.record(uow, "new_ticket", ticket.id)
        _guard(uow, job, "new", f"{subject}\0{text}")
        for attachment in stored:
            tickets.repo().put_attachment(uow, ctx.tenant, attachment, expected_state=None)
            tickets.repo().add_event(uow, ctx.tenant, ticket.id, history_event(
                ctx, "attachment_added", {"attachment_id": attachment["id"],
                                          "filename": attachment["filename"],
                                          "size": attachment["size"],
                                          "content_type": attachment["content_type"]}))

    new = tickets.NewTicket(
        origin=origin, ticket_type=ticket_type, subject=subject[:200],
        description=text, requester_email=requester_email,
        related_ticket_id=job.decision.related_ticket_id, ticket_id=ticket_id,
        event_data={"via": "email", "reason": job.decision.reason,
                    "related_ticket_id": job.decision.related_ticket_id,
                    "message_id": job.mail.message_id})
    _store_source(job, ticket_id)
    ticket = tickets.open_ticket(ctx, new, extra=writes)
    return Outcome("new_ticket", job.decision.reason, job.tenant, ticket.id,
                   extra={"number": ticket.number, "unverified": job.decision.unverified,
                          "related_ticket_id": job.decision.related_ticket_id,
                          "attachments": [a["filename"] for a in stored], "refused": refused})


def _quarantine_as(job: _Job, reason: str) -> Outcome:
    job.decision = Decision("quarantine", reason)
    return _quarantine(job)


def _mail_type(ctx: Ctx, settings: d.TenantSettings) -> t.TicketType | None:
    types = [t.TicketType.model_validate(i) for i in tickets.repo().list_types(ctx.tenant)]
    active = [x for x in types if x.active]
    chosen = [x for x in active if x.id == settings.email.ticket_type_id]
    standard = [x for x in active if x.kind == "standard"]
    candidates = chosen or standard or active
    return candidates[0] if candidates else None


def _origin(job: _Job, ctx: Ctx) -> tuple[tickets.Origin, str | None]:
    sender = job.mail.sender
    if job.who.kind == "contact" and job.who.user is not None:
        user = job.who.user
        return tickets.Origin(user["organization_id"], user["id"], user.get("name"),
                              "email"), None
    organization_id = _unverified_contact(job)
    return tickets.Origin(organization_id, None, sender.name or sender.email, "email"), \
        sender.email


def _unverified_contact(job: _Job) -> str:
    """The tenant's "unverified senders" organisation, holding a contact per address."""
    r, tenant = directory(), job.tenant
    if r.get_organization(tenant, UNVERIFIED_ORG) is None:
        org = d.Organization(id=UNVERIFIED_ORG, tenant=tenant, name="Unverified senders",
                             kind="private_person", created_at=job.stamp, updated_at=job.stamp)
        uow = UnitOfWork()
        r.put_organization(uow, org.model_dump(mode="json"), d.name_key(org.name), None)
        with contextlib.suppress(Conflict):  # made by a concurrent mail
            uow.commit()
    if job.who.kind == "unverified":
        return UNVERIFIED_ORG
    contact_id = Ctx(system_principal(tenant), job.now).new_id()
    contact = d.Contact(id=contact_id, organization_id=UNVERIFIED_ORG,
                        name=job.mail.sender.name or job.mail.sender.email,
                        email=job.mail.sender.email, language=job.settings.default_language,
                        created_at=job.stamp)
    uow = UnitOfWork()
    r.put_child(uow, tenant, "contact", {**contact.model_dump(mode="json"), "verified": False},
                expected=None)
    repo().put_address(uow, tenant, job.mail.sender.email, {
        "kind": "unverified", "contact_id": contact_id, "organization_id": UNVERIFIED_ORG},
        error=Conflict)
    with contextlib.suppress(Conflict):  # the same address twice at once: the first stays
        uow.commit()
    return UNVERIFIED_ORG


# --- files ---------------------------------------------------------------------------------


def _store_attachments(job: _Job, ctx: Ctx, ticket_id: str,
                       forwarded: bool = False) -> tuple[list[Item], list[str]]:
    """Puts the mail's files beside the ticket (state "uploaded"); the items are returned
    for the caller's transaction. Types the tenant does not accept are named, not kept."""
    parts: list[Attachment] = list(job.mail.attachments)
    if forwarded and not any(a.content_type == "message/rfc822" for a in parts):
        # An inline forward: the whole message is the forwarded conversation.
        parts.append(Attachment("forwarded-message.eml", "message/rfc822", job.raw, False, None))
    stored: list[Item] = []
    refused: list[str] = []
    s3 = client("s3")
    for part in parts:
        if len(stored) >= MAX_ATTACHMENTS or not t.content_type_allowed(
                part.content_type, [*job.settings.attachment_types, "message/rfc822"]):
            refused.append(part.filename)
            continue
        attachment_id = ctx.new_id()
        filename = t.safe_filename(part.filename)
        key = tickets.object_key(job.tenant, ticket_id, attachment_id, filename)
        s3.put_object(Bucket=get_config().attachments_bucket, Key=key, Body=part.data,
                      ContentType=part.content_type)
        stored.append({**t.Attachment(
            id=attachment_id, ticket_id=ticket_id, filename=filename,
            content_type=part.content_type, size=len(part.data), internal=False,
            uploaded_by=ctx.principal.user_id,
            uploaded_by_name=ctx.principal.record.get("name"),
            created_at=job.stamp).model_dump(mode="json"), "key": key, "state": "uploaded",
            "inline": part.inline})
    return stored, refused


def _source_key(tenant: str, ticket_id: str, name: str) -> str:
    return f"t/{tenant}/tickets/{ticket_id}/mail/{name}.eml"


def _store_source(job: _Job, ticket_id: str) -> str:
    """The whole original message, kept with the ticket (the inbound bucket expires)."""
    key = _source_key(job.tenant, ticket_id, hashlib.sha256(job.key.encode()).hexdigest()[:32])
    client("s3").put_object(Bucket=get_config().attachments_bucket, Key=key, Body=job.raw,
                            ContentType="message/rfc822")
    return key


_ACTIONS: dict[str, Callable[[_Job], Outcome]] = {
    "bounce": _bounce, "ignore": _ignore, "drop": _ignore, "quarantine": _quarantine,
    "refuse": _refuse, "comment": _comment, "reopen": _comment, "new_ticket": _new_ticket,
    "hold": _hold,
}
