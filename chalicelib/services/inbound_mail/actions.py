"""Doing what ``mail/decide.py`` decided of one message for one tenant: open a ticket,
comment (or reopen), hold a participant's unproven reply for staff, quarantine, refuse,
mark a bounced address undeliverable, or only record the message.

Every outcome claims the Message-ID in its own transaction, so a message seen twice is
processed once; a comment also claims its text for ten minutes (a CC copy with a new id
posts once) and counts against the sender's hourly allowance on the ticket (mail loops).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.config import get_config
from chalicelib.domain.directory import Contact, Organization, TenantSettings, name_key
from chalicelib.domain.errors import BusinessRuleViolation, Conflict
from chalicelib.domain.principal import Principal
from chalicelib.domain.tickets import (
    MAX_BODY,
    Attachment,
    CommentEmail,
    Ticket,
    TicketType,
    content_type_allowed,
    safe_filename,
)
from chalicelib.mail.decide import Decision
from chalicelib.mail.parse import Attachment as MailAttachment
from chalicelib.mail.parse import ParsedMail
from chalicelib.mail.quotes import split_reply, strip_reply, tidy
from chalicelib.services.context import Ctx
from chalicelib.services.directory import repo as directory
from chalicelib.services.directory import system_principal
from chalicelib.services.inbound_mail.routing import Who, bounced, repo
from chalicelib.services.tickets import (
    NewTicket,
    Origin,
    comment_from_mail,
    object_key,
    open_ticket,
)
from chalicelib.services.tickets import repo as ticket_repo
from chalicelib.services.writes import history_event
from chalicelib.store import files as stored_files
from chalicelib.store.dynamo import Item, UnitOfWork
from chalicelib.store.mail import SeenBefore

SAME_BODY_SECONDS = 10 * 60
UNAUTHENTICATED = "unauthenticated"  # the shared allowance's key (no address looks so)
MAX_ATTACHMENTS = 20
UNVERIFIED_ORG = "unverified-senders"
_PREFIXES = re.compile(r"^\s*((re|sv|vs|vl|aw|fw|fwd|vb|wg|antw)\s*:\s*)+", re.IGNORECASE)


@dataclass
class Outcome:
    """What became of one message for one tenant (logged, returned to tests and the bench)."""

    action: str
    reason: str
    tenant: str | None = None
    ticket_id: str | None = None
    comment_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Job:
    """One message for one tenant, with what routing found and what the rule decided."""

    tenant: str
    settings: TenantSettings
    key: str
    raw: bytes
    mail: ParsedMail
    source_key: str | None
    now: datetime
    who: Who
    ticket: Ticket | None
    decision: Decision
    authenticated: bool = False

    @property
    def stamp(self) -> str:
        return self.now.strftime("%Y-%m-%dT%H:%M:%SZ")

    def record(self, uow: UnitOfWork, outcome: str, ticket_id: str | None = None) -> None:
        repo().record_received(uow, self.tenant, self.key, {
            "outcome": outcome, "ticket_id": ticket_id, "at": self.stamp,
            "sender": self.mail.sender.email, "source_key": self.source_key})


def record_only(job: Job, outcome: str) -> None:
    uow = UnitOfWork()
    job.record(uow, outcome)
    with contextlib.suppress(SeenBefore):
        uow.commit()


def _bounce(job: Job) -> Outcome:
    assert job.mail.bounce is not None
    marked = []
    uow = UnitOfWork()
    job.record(uow, "bounce")
    if job.mail.bounce.permanent:
        for address in bounced(job.tenant, job.raw, job.mail, job.now):
            if _mark_undeliverable(uow, job.tenant, address):
                marked.append(address)
    uow.commit()
    return Outcome("bounce", job.decision.reason, job.tenant, extra={"undeliverable": marked})


def _mark_undeliverable(uow: UnitOfWork, tenant: str, address: str) -> bool:
    entry = repo().who_is(tenant, address)
    if entry is None:
        return False
    if entry.get("user_id"):
        directory().mark_undeliverable(uow, tenant, str(entry["user_id"]))
    repo().mark_undeliverable(uow, tenant, address, entry)
    return True


def _ignore(job: Job) -> Outcome:
    record_only(job, job.decision.action)
    return Outcome(job.decision.action, job.decision.reason, job.tenant)


def _quarantine(job: Job) -> Outcome:
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


def _hold(job: Job) -> Outcome:
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


def _refuse(job: Job) -> Outcome:
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


def _send_refusal(job: Job, user: Item) -> None:
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


def _ctx(job: Job) -> Ctx:
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


def comment(job: Job, confirmed: Callable[[UnitOfWork], None] | None = None,
            comment_id: str | None = None) -> Outcome:
    """``confirmed``: staff confirm a held comment; its writes replace the mail's guards
    (the message was claimed and counted when it was held)."""
    assert job.ticket is not None
    ctx = _ctx(job)
    reply = split_reply(job.mail.text)
    text = mail_text(reply.text)
    ticket_id = job.ticket.id
    if confirmed is None:
        _precheck(job, ticket_id, text)
    stored, refused = _store_attachments(job, ctx, ticket_id)
    source = _store_source(job, ticket_id)
    email = CommentEmail(message_id=job.mail.message_id, sender=job.mail.sender.email,
                         subject=job.mail.subject[:300], has_source=True,
                         refused_attachments=refused,
                         signature=mail_text(reply.signature)[:MAX_SIGNATURE])

    def guards(uow: UnitOfWork) -> None:
        if confirmed is not None:
            confirmed(uow)
            return
        job.record(uow, "comment", ticket_id)
        _guard(uow, job, ticket_id, text)

    body = text or _files_only([a["filename"] for a in stored])
    try:
        posted = comment_from_mail(ctx, ticket_id, body, email, stored,
                                   reopen=job.decision.action == "reopen",
                                   extra=guards, source_key=source, comment_id=comment_id)
    except BusinessRuleViolation:
        # Closed meanwhile (between reading and writing): the queue retries, and the rule
        # decides again on what the ticket is then.
        raise Conflict("The ticket changed while the mail was handled; retry.") from None
    return Outcome(job.decision.action, job.decision.reason, job.tenant, ticket_id, posted.id,
                   extra={"attachments": [a["filename"] for a in stored], "refused": refused})


def _fingerprint(job: Job, ticket_id: str, text: str) -> str:
    """Sender, ticket, text and files: a CC copy has them all alike; two mails that only
    bring different screenshots do not."""
    files = sorted(hashlib.sha256(a.data).hexdigest() for a in job.mail.attachments)
    return "\0".join([job.mail.sender.email, ticket_id, " ".join(text.split()).lower(),
                       *files])


def _allowance(job: Job, ticket_id: str) -> tuple[str, int]:
    """Whose hourly allowance a message uses, and its size: the sender's, except that new
    tickets from senders whose From is not proven share one per tenant (anyone can write
    a new address in From for every mail)."""
    if ticket_id == "new" and not job.authenticated:
        return UNAUTHENTICATED, job.settings.email.max_unauthenticated_tickets_per_hour
    return job.mail.sender.email, job.settings.email.max_messages_per_hour


def _precheck(job: Job, ticket_id: str, text: str) -> None:
    sender, limit = _allowance(job, ticket_id)
    repo().check_guards(job.tenant, _fingerprint(job, ticket_id, text), int(job.now.timestamp()),
                        SAME_BODY_SECONDS, ticket_id, sender, job.now.strftime("%Y%m%d%H"),
                        limit)


def _files_only(names: list[str]) -> str:
    """The text of a mail that said nothing but brought files: their names."""
    return "📎 " + ", ".join(names) if names else "…"


def _guard(uow: UnitOfWork, job: Job, ticket_id: str, text: str) -> None:
    epoch = int(job.now.timestamp())
    repo().guard_same_body(uow, job.tenant, _fingerprint(job, ticket_id, text), epoch,
                           SAME_BODY_SECONDS)
    sender, limit = _allowance(job, ticket_id)
    repo().count_message(uow, job.tenant, ticket_id, sender, job.now.strftime("%Y%m%d%H"),
                         limit, epoch)


def _reply_text(mail: ParsedMail) -> str:
    return mail_text(strip_reply(mail.text))


MAX_SIGNATURE = 2000  # a sign-off longer than this is a letterhead; its start is kept
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def mail_text(text: str) -> str:
    """What is stored of a mail's text. It is text already (the parser turned any HTML
    into text), so it is not run through the markup stripper: ``<anna@example.se>`` in a
    mail is an address, not a tag. Every renderer escapes it. Longer than a comment may be,
    it is cut; the whole original stays with the ticket."""
    cleaned = _CONTROL.sub("", text).strip()
    if len(cleaned) > MAX_BODY:
        cleaned = cleaned[:MAX_BODY - 2].rstrip() + "\n…"
    return cleaned


def _new_ticket(job: Job) -> Outcome:
    ctx = _ctx(job)
    ticket_type = _mail_type(ctx, job.settings)
    if ticket_type is None:
        return _quarantine_as(job, "the tenant has no active ticket type for mail")
    origin, requester_email = _origin(job, ctx)
    forwarded = job.decision.reason == "forwarded conversation"
    # The sign-off is left out of the description as out of a comment; the whole original
    # message stays with the ticket (its source).
    text = mail_text(strip_reply(job.mail.text) if not forwarded else tidy(job.mail.text))
    subject = mail_text(_PREFIXES.sub("", job.mail.subject)) or (
        text.splitlines()[0][:120] if text else "") or _files_only(
        [a.filename for a in job.mail.attachments])
    ticket_id = ctx.new_id()
    _precheck(job, "new", f"{subject}\0{text}")
    stored, refused = _store_attachments(job, ctx, ticket_id, forwarded=forwarded)

    def writes(uow: UnitOfWork, ticket: Ticket) -> None:
        job.record(uow, "new_ticket", ticket.id)
        _guard(uow, job, "new", f"{subject}\0{text}")
        for attachment in stored:
            ticket_repo().put_attachment(uow, ctx.tenant, attachment, expected_state=None)
            ticket_repo().add_event(uow, ctx.tenant, ticket.id, history_event(
                ctx, "attachment_added", {"attachment_id": attachment["id"],
                                          "filename": attachment["filename"],
                                          "size": attachment["size"],
                                          "content_type": attachment["content_type"]}))

    new = NewTicket(
        origin=origin, ticket_type=ticket_type, subject=subject[:200],
        description=text, requester_email=requester_email,
        related_ticket_id=job.decision.related_ticket_id, ticket_id=ticket_id,
        event_data={"via": "email", "reason": job.decision.reason,
                    "related_ticket_id": job.decision.related_ticket_id,
                    "message_id": job.mail.message_id})
    _store_source(job, ticket_id)
    ticket = open_ticket(ctx, new, extra=writes)
    return Outcome("new_ticket", job.decision.reason, job.tenant, ticket.id,
                   extra={"number": ticket.number, "unverified": job.decision.unverified,
                          "related_ticket_id": job.decision.related_ticket_id,
                          "attachments": [a["filename"] for a in stored], "refused": refused})


def _quarantine_as(job: Job, reason: str) -> Outcome:
    job.decision = Decision("quarantine", reason)
    return _quarantine(job)


def _mail_type(ctx: Ctx, settings: TenantSettings) -> TicketType | None:
    types = [TicketType.model_validate(i) for i in ticket_repo().list_types(ctx.tenant)]
    active = [x for x in types if x.active]
    chosen = [x for x in active if x.id == settings.email.ticket_type_id]
    standard = [x for x in active if x.kind == "standard"]
    candidates = chosen or standard or active
    return candidates[0] if candidates else None


def _origin(job: Job, ctx: Ctx) -> tuple[Origin, str | None]:
    sender = job.mail.sender
    if job.who.kind == "contact" and job.who.user is not None:
        user = job.who.user
        return Origin(user["organization_id"], user["id"], user.get("name"), "email"), None
    organization_id = _unverified_contact(job)
    return Origin(organization_id, None, sender.name or sender.email, "email"), sender.email


def _unverified_contact(job: Job) -> str:
    """The tenant's "unverified senders" organisation, holding a contact per address."""
    people, tenant = directory(), job.tenant
    if people.get_organization(tenant, UNVERIFIED_ORG) is None:
        org = Organization(id=UNVERIFIED_ORG, tenant=tenant, name="Unverified senders",
                           kind="private_person", created_at=job.stamp, updated_at=job.stamp)
        uow = UnitOfWork()
        people.put_organization(uow, org.model_dump(mode="json"), name_key(org.name), None)
        with contextlib.suppress(Conflict):  # made by a concurrent mail
            uow.commit()
    if job.who.kind == "unverified":
        return UNVERIFIED_ORG
    contact_id = Ctx(system_principal(tenant), job.now).new_id()
    contact = Contact(id=contact_id, organization_id=UNVERIFIED_ORG,
                      name=job.mail.sender.name or job.mail.sender.email,
                      email=job.mail.sender.email, language=job.settings.default_language,
                      created_at=job.stamp)
    uow = UnitOfWork()
    people.put_child(uow, tenant, "contact",
                     {**contact.model_dump(mode="json"), "verified": False}, expected=None)
    repo().put_address(uow, tenant, job.mail.sender.email, {
        "kind": "unverified", "contact_id": contact_id, "organization_id": UNVERIFIED_ORG},
        error=Conflict)
    with contextlib.suppress(Conflict):  # the same address twice at once: the first stays
        uow.commit()
    return UNVERIFIED_ORG


# --- files ---------------------------------------------------------------------------------


def _store_attachments(job: Job, ctx: Ctx, ticket_id: str,
                       forwarded: bool = False) -> tuple[list[Item], list[str]]:
    """Puts the mail's files beside the ticket (state "uploaded"); the items are returned
    for the caller's transaction. Types the tenant does not accept are named, not kept."""
    parts: list[MailAttachment] = list(job.mail.attachments)
    if forwarded and not any(a.content_type == "message/rfc822" for a in parts):
        # An inline forward: the whole message is the forwarded conversation.
        parts.append(MailAttachment("forwarded-message.eml", "message/rfc822", job.raw, False,
                                    None))
    stored: list[Item] = []
    refused: list[str] = []
    for part in parts:
        if len(stored) >= MAX_ATTACHMENTS or not content_type_allowed(
                part.content_type, [*job.settings.attachment_types, "message/rfc822"]):
            refused.append(part.filename)
            continue
        attachment_id = ctx.new_id()
        filename = safe_filename(part.filename)
        key = object_key(job.tenant, ticket_id, attachment_id, filename)
        stored_files.write(key, part.data, part.content_type)
        stored.append({**Attachment(
            id=attachment_id, ticket_id=ticket_id, filename=filename,
            content_type=part.content_type, size=len(part.data), internal=False,
            uploaded_by=ctx.principal.user_id,
            uploaded_by_name=ctx.principal.record.get("name"),
            created_at=job.stamp).model_dump(mode="json"), "key": key, "state": "uploaded",
            "inline": part.inline})
    return stored, refused


def _store_source(job: Job, ticket_id: str) -> str:
    """The whole original message, kept with the ticket (the inbound bucket expires)."""
    key = stored_files.mail_source_key(
        job.tenant, ticket_id, hashlib.sha256(job.key.encode()).hexdigest()[:32])
    stored_files.write(key, job.raw, "message/rfc822")
    return key


ACTIONS: dict[str, Callable[[Job], Outcome]] = {
    "bounce": _bounce, "ignore": _ignore, "drop": _ignore, "quarantine": _quarantine,
    "refuse": _refuse, "comment": comment, "reopen": comment, "new_ticket": _new_ticket,
    "hold": _hold,
}
