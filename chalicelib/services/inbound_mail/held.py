"""Staff decide on a held comment (a participant's reply whose From was not proven) or a
quarantined mail: confirm posts it as its sender's comment, discard drops it and its kept
copy. What was decided is kept a while, so asking again answers the same."""

from __future__ import annotations

from chalicelib.domain.errors import BusinessRuleViolation, Conflict, NotFound
from chalicelib.domain.tickets import Ticket
from chalicelib.mail.decide import Decision
from chalicelib.mail.parse import parse
from chalicelib.services.context import Ctx
from chalicelib.services.inbound_mail.actions import Job, comment
from chalicelib.services.inbound_mail.routing import message_key, repo, settings_of, who
from chalicelib.services.tickets import repo as ticket_repo
from chalicelib.services.writes import history_event
from chalicelib.store import files as stored_files
from chalicelib.store.dynamo import Item, UnitOfWork

SETTLED_KEEP_SECONDS = 30 * 24 * 3600  # what staff decided of a held mail, for repeats


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
    settings = settings_of(tenant)
    sender = who(tenant, str(entry["sender"]))
    item = ticket_repo().get_ticket(tenant, str(entry["ticket_id"]))
    if settings is None or item is None:
        raise NotFound("The ticket of the held comment is gone.")
    if sender.kind not in ("contact", "unverified"):
        raise BusinessRuleViolation(f"{entry['sender']} is no longer a contact.")
    if item.get("status") == "closed":
        raise BusinessRuleViolation("The ticket was closed since; reopen it first, or "
                                    "discard the held comment.")
    raw = stored_files.read(str(entry["held_source_key"]))
    mail = parse(raw)
    job = Job(tenant, settings, message_key(mail, raw), raw, mail, entry.get("source_key"),
              ctx.now, sender, Ticket.model_validate(item),
              Decision("comment", "held comment confirmed by staff"))
    comment_id = ctx.new_id()
    settled = {**entry, "state": "confirmed", "comment_id": comment_id,
               "decided_by": ctx.principal.user_id, "decided_at": ctx.stamp}

    def confirmed(uow: UnitOfWork) -> None:
        repo().settle_quarantined(uow, tenant, settled, _settled_expiry(ctx))
        repo().mark_received(uow, tenant, job.key, "comment", job.ticket.id if job.ticket
                             else None)
        ticket_repo().add_event(uow, tenant, str(entry["ticket_id"]), history_event(
            ctx, "held_mail_confirmed", {"comment_id": comment_id, "sender": entry["sender"],
                                         "message_id": entry.get("message_id")}))

    try:
        comment(job, confirmed=confirmed, comment_id=comment_id)
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
        stored_files.delete(str(entry["held_source_key"]))
    return settled


def _held_entry(tenant: str, entry_id: str) -> Item:
    entry = repo().get_quarantined(tenant, entry_id)
    if entry is None:
        raise NotFound("No such mail in the quarantine.")
    return entry


def _settled_expiry(ctx: Ctx) -> int:
    return int(ctx.now.timestamp()) + SETTLED_KEEP_SECONDS
