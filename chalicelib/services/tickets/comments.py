"""Comments on a ticket, from the API and from mail, and reading a ticket's comments and
history. A comment is an append: when another change wins the race, it is re-applied."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.domain import tickets
from chalicelib.domain.errors import (
    BusinessRuleViolation,
    ErrorList,
    FieldError,
    Forbidden,
    InvalidInput,
)
from chalicelib.domain.permissions import Permission
from chalicelib.services import billing_usage
from chalicelib.services.context import Ctx
from chalicelib.services.tickets.access import TicketAccess, access_ticket, require_comment
from chalicelib.services.tickets.patching import Change, status_updates
from chalicelib.services.tickets.shared import (
    next_version,
    repo,
    retry_on_race,
    save,
    ticket_event,
)
from chalicelib.store.dynamo import Item, Page, UnitOfWork
from chalicelib.store.tickets import require


def new_comment(ctx: Ctx, ticket_id: str, body: str, internal: bool, hours: float | None,
                attachment_ids: list[str] | None = None, via: str = "api") -> Item:
    """A comment by the caller, now, as stored."""
    return tickets.Comment(id=ctx.new_id(), ticket_id=ticket_id, body=body, internal=internal,
                           author_id=ctx.principal.user_id,
                           author_name=ctx.principal.record.get("name"),
                           author_kind="staff" if ctx.principal.is_staff else "contact",
                           via=via,  # type: ignore[arg-type]
                           hours=hours, attachment_ids=attachment_ids or [],
                           created_at=ctx.stamp).model_dump(mode="json")


def _check_comment_rights(ctx: Ctx, access: TicketAccess, body: tickets.CommentCreate) -> None:
    errors = ErrorList()
    if not access.staff:
        require_comment(access)
        if body.internal:
            errors.add(("body", "internal"), "only staff write internal comments")
        if body.hours is not None:
            errors.add(("body", "hours"), "only staff record time")
    elif body.internal and not ctx.principal.can(Permission.TICKETS_COMMENT_INTERNAL):
        raise Forbidden("Internal comments need the permission tickets.comment_internal.")
    errors.raise_if_any()
    if access.ticket.status == "closed" and not access.staff:
        raise BusinessRuleViolation("The ticket is closed; open a new ticket instead.")


def _comment_effects(ctx: Ctx, access: TicketAccess, internal: bool) -> Change:
    """A public staff answer is the first response and opens a new ticket; a customer's
    answer to a ticket waiting on them puts the ball back with support."""
    current, updates, events = access.ticket, {}, []
    target: tickets.Status | None = None
    if access.staff and not internal:
        if current.first_response_at is None:
            updates["first_response_at"] = ctx.stamp
        if current.status == "new":
            target = "open"
    if not access.staff and current.status == "waiting_on_customer":
        target = "open"
    if target:
        updates["status"] = target
        events.append(ticket_event(ctx, "status_changed", {"from": current.status,
                                                           "to": target}))
    return updates, events


def add_comment(ctx: Ctx, ticket_id: str, body: tickets.CommentCreate) -> tickets.Comment:
    text = tickets.plain_text(body.body)
    if not text:
        raise InvalidInput("The comment is empty once markup is removed.",
                           [FieldError(("body", "body"), "no text left")])

    def attempt() -> tickets.Comment:
        access = access_ticket(ctx, ticket_id, consistent=True)
        current = access.ticket
        _check_comment_rights(ctx, access, body)
        _check_attachments(ctx, current.id, body.attachment_ids, access.staff)
        comment = new_comment(ctx, current.id, text, body.internal, body.hours,
                              body.attachment_ids)
        updates, events = _comment_effects(ctx, access, body.internal)
        updates["comment_count"] = current.comment_count + 1
        if body.hours:
            updates["total_hours"] = round(current.total_hours + body.hours, 2)
        events.insert(0, ticket_event(ctx, "commented", {
            "comment_id": comment["id"], "internal": body.internal, "hours": body.hours},
            internal=body.internal))
        updated = next_version(current, ctx, **updates)

        def extra(uow: UnitOfWork) -> None:
            repo().add_comment(uow, ctx.tenant, current.id, comment)
            billing_usage.on_comment(uow, ctx, updated, body.hours)  # issue 19

        save(ctx, current, updated, events, extra=extra)
        return tickets.Comment.model_validate(comment)

    return retry_on_race(attempt)


def comment_from_mail(ctx: Ctx, ticket_id: str, text: str, email: tickets.CommentEmail,
                      attachments: list[Item], reopen: bool,
                      extra: Callable[[UnitOfWork], None], source_key: str,
                      comment_id: str | None = None) -> tickets.Comment:
    """A public comment that came by mail from someone who takes part in the ticket
    (``services/inbound_mail`` decided that). Its attachments, already in S3, and the
    mail's guards (``extra``) join the comment's transaction. A closed ticket reopens
    when ``reopen`` says so; otherwise a closed ticket refuses it. ``comment_id``: the id
    chosen beforehand (a held comment's confirmation records it in the same write)."""

    def attempt() -> tickets.Comment:
        current = tickets.Ticket.model_validate(
            require(repo().get_ticket(ctx.tenant, ticket_id, consistent=True), "ticket"))
        access = TicketAccess(current, "staff" if ctx.principal.is_staff else "comment")
        comment = {**new_comment(ctx, current.id, text, False, None,
                                 [a["id"] for a in attachments], via="email"),
                   "email": email.model_dump(mode="json"), "source_key": source_key}
        if comment_id is not None:
            comment["id"] = comment_id
        if current.status == "closed":
            if not reopen:
                raise BusinessRuleViolation("The ticket is closed.")
            updates = status_updates(ctx, current, "open", None)
            events = [ticket_event(ctx, "status_changed", {"from": "closed", "to": "open",
                                                           "reason": "reply_by_email"})]
        else:
            updates, events = _comment_effects(ctx, access, False)
        updates["comment_count"] = current.comment_count + 1
        events.insert(0, ticket_event(ctx, "commented", {
            "comment_id": comment["id"], "internal": False, "hours": None, "via": "email"}))
        events += [ticket_event(ctx, "attachment_added", {
            "attachment_id": a["id"], "filename": a["filename"], "size": a["size"],
            "content_type": a["content_type"]}) for a in attachments]
        updated = next_version(current, ctx, **updates)

        def writes(uow: UnitOfWork) -> None:
            repo().add_comment(uow, ctx.tenant, current.id, comment)
            for attachment in attachments:
                repo().put_attachment(uow, ctx.tenant, attachment, expected_state=None)
            extra(uow)

        save(ctx, current, updated, events, extra=writes)
        return tickets.Comment.model_validate(comment)

    return retry_on_race(attempt)


def _check_attachments(ctx: Ctx, ticket_id: str, ids: list[str], staff: bool) -> None:
    if not ids:
        return
    found = {a["id"]: a for a in repo().get_attachments(ctx.tenant, ticket_id, ids)}
    errors = ErrorList()
    for index, attachment_id in enumerate(ids):
        attachment = found.get(attachment_id)
        if attachment is None or (attachment.get("internal") and not staff):
            errors.add(("body", "attachment_ids", index), "no such attachment on this ticket")
    errors.raise_if_any()


def list_comments(ctx: Ctx, ticket_id: str, limit: int, start: dict[str, Any] | None) -> Page:
    access = access_ticket(ctx, ticket_id)
    return repo().list_comments(ctx.tenant, ticket_id, not access.staff, limit, start)


def list_events(ctx: Ctx, ticket_id: str, limit: int, start: dict[str, Any] | None) -> Page:
    access = access_ticket(ctx, ticket_id)
    return repo().list_events(ctx.tenant, ticket_id, not access.staff, limit, start)
