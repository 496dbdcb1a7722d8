"""Files on a ticket: presigned uploads, the list, downloads (the first one confirms the
upload arrived whole), and the original mail a comment came from."""

from __future__ import annotations

from typing import Any

from chalicelib.domain import tickets
from chalicelib.domain.errors import BusinessRuleViolation, ErrorList, Forbidden, NotFound
from chalicelib.services import files
from chalicelib.services.context import Ctx
from chalicelib.services.directory import get_settings
from chalicelib.services.tickets.access import access_ticket, require_comment
from chalicelib.services.tickets.shared import repo, ticket_event
from chalicelib.store.dynamo import Page, UnitOfWork


def object_key(tenant: str, ticket_id: str, attachment_id: str, filename: str) -> str:
    """Where a ticket's file lies in the files bucket."""
    return f"t/{tenant}/tickets/{ticket_id}/{attachment_id}/{tickets.key_filename(filename)}"


def create_attachment(ctx: Ctx, ticket_id: str, body: tickets.AttachmentCreate
                      ) -> dict[str, Any]:
    access = access_ticket(ctx, ticket_id)
    errors = ErrorList()
    if not access.staff:
        require_comment(access)
        if body.internal:
            errors.add(("body", "internal"), "only staff add internal attachments")
        if access.ticket.status == "closed":
            raise BusinessRuleViolation("The ticket is closed; open a new ticket instead.")
    files.check_file(get_settings(ctx), body.content_type, body.size, errors)
    errors.raise_if_any()
    attachment_id = ctx.new_id()
    filename = tickets.safe_filename(body.filename)
    key = object_key(ctx.tenant, ticket_id, attachment_id, filename)
    attachment = {**tickets.Attachment(
        id=attachment_id, ticket_id=ticket_id, filename=filename,
        content_type=body.content_type, size=body.size, internal=body.internal,
        uploaded_by=ctx.principal.user_id, uploaded_by_name=ctx.principal.record.get("name"),
        created_at=ctx.stamp).model_dump(mode="json"), "key": key}
    upload = files.presigned_upload(key, body.content_type, body.size, ctx.now)
    uow = UnitOfWork()
    repo().put_attachment(uow, ctx.tenant, attachment, expected_state=None)
    repo().add_event(uow, ctx.tenant, ticket_id, ticket_event(ctx, "attachment_added", {
        "attachment_id": attachment_id, "filename": filename, "size": body.size,
        "content_type": body.content_type}, internal=body.internal))
    uow.commit()
    return {**{k: v for k, v in attachment.items() if k != "key"}, **upload}


def list_attachments(ctx: Ctx, ticket_id: str, limit: int, start: dict[str, Any] | None) -> Page:
    access = access_ticket(ctx, ticket_id)
    return repo().list_attachments(ctx.tenant, ticket_id, not access.staff, limit, start)


def download_attachment(ctx: Ctx, ticket_id: str, attachment_id: str) -> dict[str, Any]:
    """A short-lived download address. The first download checks that the upload arrived
    whole (size as declared) and marks the attachment uploaded."""
    access = access_ticket(ctx, ticket_id)
    item = repo().get_attachment(ctx.tenant, ticket_id, attachment_id)
    if item is None or (item.get("internal") and not access.staff):
        raise NotFound("No such attachment.")
    return files.link_confirming(
        item, lambda uow: repo().put_attachment(uow, ctx.tenant, {**item, "state": "uploaded"},
                                                expected_state="pending"), ctx.now)


def comment_source(ctx: Ctx, ticket_id: str, comment_id: str) -> dict[str, Any]:
    """Staff: the whole original mail a comment came from, as received."""
    access = access_ticket(ctx, ticket_id)
    if not access.staff:
        raise Forbidden("Only staff read the original mail.")
    item = repo().get_comment(ctx.tenant, ticket_id, comment_id)
    if item is None or not item.get("source_key"):
        raise NotFound("No such comment from mail.")
    return files.download_link(item["source_key"], f"{access.ticket.number}-{comment_id}.eml",
                               "message/rfc822", ctx.now)
