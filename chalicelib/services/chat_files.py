"""Files in a chat (issue 18, item 3), as on tickets: either party announces one (the
tenant's types and sizes, at most ``MAX_FILES`` a chat) and uploads it straight to S3 with
a presigned POST; a message carries uploaded ones (``attachment_ids``); either party, and
staff of the tenant, fetch a short-lived address. When the chat ends, the files its
messages carried are copied beside the ticket its transcript goes to and written as that
ticket's attachments in the end's transaction.

A file id is looked up in the session's own partition only: another chat's or another
tenant's id is "no file of this chat", never that file.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain import chat as rules
from chalicelib.domain.errors import Conflict, ErrorList, InvalidInput, NotFound
from chalicelib.domain.tickets import Attachment
from chalicelib.services import files
from chalicelib.services.context import Ctx
from chalicelib.store import chat as store
from chalicelib.store import files as stored_files
from chalicelib.store.dynamo import Item, UnitOfWork


class TooManyFiles(Conflict):
    """The chat has its ``MAX_FILES`` files (or ended) as the file was announced."""


def announce(ctx: Ctx, party_user_id: str | None, party_name: str, side: rules.Side,
             session: rules.Session, body: rules.ChatFileCreate) -> dict[str, Any]:
    """The file's record (pending) and its presigned POST; ``ctx`` is the tenant's system
    context (a visitor has no principal), the party is who uploads."""
    from chalicelib.services.directory import get_settings

    errors = ErrorList()
    files.check_file(get_settings(ctx), body.content_type, body.size, errors)
    if session.file_count >= rules.MAX_FILES:
        errors.add(("body",), f"a chat has at most {rules.MAX_FILES} files")
    errors.raise_if_any()
    record = files.announce(ctx, f"chat/{session.id}", body.filename, body.content_type,
                            body.size, session_id=session.id, side=side)
    record |= {"uploaded_by": party_user_id, "uploaded_by_name": party_name}
    uow = UnitOfWork()
    store.add_file(uow, ctx.tenant, record, rules.MAX_FILES, TooManyFiles)
    uow.commit()
    return files.upload(record, ctx.now)


def link(tenant: str, session_id: str, file_id: str, now: datetime) -> dict[str, Any]:
    """A short-lived address of the chat's file (the caller checked the party); the first
    one checks that the upload arrived whole and marks the file uploaded."""
    record = store.get_file(tenant, session_id, file_id)
    if record is None:
        raise NotFound("No such file in this chat.")
    return files.link_confirming(
        record, lambda uow: store.mark_file_uploaded(uow, tenant, session_id, file_id), now)


def for_message(tenant: str, session_id: str, file_ids: list[str]
                ) -> tuple[list[rules.MessageFile], list[str]]:
    """The files a message carries, and those to mark uploaded in its transaction. Each id
    must be this chat's and uploaded whole (checked in S3 when not yet confirmed); else
    InvalidInput naming each one that is not. One Query reads all the chat's files."""
    wanted = list(dict.fromkeys(file_ids))
    if not wanted:
        return [], []
    stored = {f["id"]: f for f in store.session_files(tenant, session_id, rules.MAX_FILES)}
    errors = ErrorList()
    carried: list[rules.MessageFile] = []
    unconfirmed: list[str] = []
    for index, file_id in enumerate(wanted):
        where = ("body", "attachment_ids", index)
        found = stored.get(file_id)
        if found is None:
            errors.add(where, f"{file_id} is no file of this chat")
            continue
        if found.get("state") != "uploaded":
            try:
                files.confirm_upload(found["key"], found["size"])
            except Conflict as problem:
                errors.add(where, f"{found['filename']} ({file_id}): {problem.detail}")
                continue
            unconfirmed.append(file_id)
        carried.append(rules.MessageFile.model_validate(found))
    if errors.errors:
        raise InvalidInput("Not sent: " + "; ".join(e.msg for e in errors.errors),
                           errors.errors)
    return carried, unconfirmed


def mark_uploaded(uow: UnitOfWork, tenant: str, session_id: str, file_ids: list[str]) -> None:
    for file_id in file_ids:
        store.mark_file_uploaded(uow, tenant, session_id, file_id)


def to_ticket(tenant: str, session_id: str, messages: list[rules.Message], ticket_id: str,
              visitor_email: str) -> list[Item]:
    """Copies the files the messages carried beside the ticket (``object_key``) and returns
    their attachment records (state uploaded) for the end's transaction. A copy left by a
    transaction that then fails is an unreferenced object, nothing more."""
    from chalicelib.services.tickets.attachments import object_key

    carried = rules.message_files(messages)
    if not carried:
        return []
    stored = {f["id"]: f for f in store.session_files(tenant, session_id, rules.MAX_FILES)}
    attachments: list[Item] = []
    for file_id in carried:
        found = stored.get(file_id)
        if found is None:
            continue
        key = object_key(tenant, ticket_id, file_id, found["filename"])
        stored_files.copy(found["key"], key)
        attachment = Attachment(
            id=file_id, ticket_id=ticket_id, filename=found["filename"],
            content_type=found["content_type"], size=int(found["size"]), state="uploaded",
            uploaded_by=found.get("uploaded_by") or f"email:{visitor_email}",
            uploaded_by_name=found.get("uploaded_by_name"), created_at=found["created_at"])
        attachments.append({**attachment.model_dump(mode="json"), "key": key})
    return attachments


# DynamoDB's limit on the writes of one transaction (``UnitOfWork.commit`` refuses more).
MAX_TRANSACTION_WRITES = 100


def write_attachments(uow: UnitOfWork, ctx: Ctx, ticket_id: str,
                      attachments: list[Item]) -> None:
    """The ticket's attachment records (in ``uow``: the end's transaction) and their
    history, as a ticket's upload writes. A new ticket's subject index may take up to 60
    writes; with 20 files the history would pass the transaction's limit, so the history
    events that do not fit follow right after the commit (the records never wait)."""
    from chalicelib.services.tickets.shared import repo as tickets
    from chalicelib.services.tickets.shared import ticket_event

    for attachment in attachments:
        tickets().put_attachment(uow, ctx.tenant, attachment, expected_state=None)
    events = [ticket_event(ctx, "attachment_added", {
        "attachment_id": a["id"], "filename": a["filename"], "size": a["size"],
        "content_type": a["content_type"]}) for a in attachments]
    room = max(0, MAX_TRANSACTION_WRITES - len(uow.ops))
    for event in events[:room]:
        tickets().add_event(uow, ctx.tenant, ticket_id, event)
    if events[room:]:
        uow.after_commit(lambda: _add_events(ctx.tenant, ticket_id, events[room:]))


def _add_events(tenant: str, ticket_id: str, events: list[Item]) -> None:
    from chalicelib.services.tickets.shared import repo as tickets

    uow = UnitOfWork()
    for event in events:
        tickets().add_event(uow, tenant, ticket_id, event)
    uow.commit()
