"""The e-mail channel's staff view: mail held back from tickets (the quarantine), and
the held comments staff confirm or discard (replies whose From is not proven)."""

from __future__ import annotations

import re

from chalice.app import Blueprint

from chalicelib.api.paging import ListQuery, Paging
from chalicelib.api.routing import Call, route
from chalicelib.api.schemas import PageOf
from chalicelib.domain.errors import FieldError, InvalidInput
from chalicelib.domain.models import Model
from chalicelib.domain.permissions import Permission

bp = Blueprint(__name__)
_ENTRY_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class QuarantinedMail(Model):
    id: str
    received_at: str
    sender: str
    sender_name: str = ""
    subject: str = ""
    reason: str
    verdicts_failed: list[str] = []
    ticket_id: str | None = None
    ticket_number: str | None = None
    message_id: str | None = None
    preview: str = ""
    size: int = 0
    # "quarantined": held back for its verdicts or sender; "held_comment": a participant's
    # reply whose From is not proven, posted only when staff confirm it.
    kind: str = "quarantined"
    # held_comment: held, then confirmed or discarded (those leave the list).
    state: str | None = None
    comment_id: str | None = None
    decided_by: str | None = None
    decided_at: str | None = None


@route(bp, "GET", "/mail/quarantine", guard=Permission.TICKETS_ASSIGN, tag="mail", query=ListQuery,
       response=PageOf(QuarantinedMail),
       summary="Mail held back, newest first: failed SES verdicts, or a stranger naming a "
               "ticket (where the tenant quarantines those)")
def list_quarantine(call: Call) -> dict[str, object]:
    from chalicelib.services.directory import mail_addresses

    paging = Paging.of(call, "mailq")
    items, last = mail_addresses().list_quarantine(call.ctx.tenant, paging.limit, paging.start)
    return paging.answer(items, last, QuarantinedMail)


@route(bp, "POST", "/mail/quarantine/{id}/confirm", guard=Permission.TICKETS_ASSIGN, tag="mail",
       response=QuarantinedMail, errors=(400, 404, 409, 422),
       summary="Post a held comment as its sender's public comment (again: the same answer)")
def confirm_held(call: Call) -> dict[str, object]:
    from chalicelib.services.inbound_mail import confirm_held

    entry = confirm_held(call.ctx, _entry_id(call))
    return QuarantinedMail.model_validate(entry).model_dump(mode="json")


@route(bp, "POST", "/mail/quarantine/{id}/discard", guard=Permission.TICKETS_ASSIGN, tag="mail",
       response=QuarantinedMail, errors=(400, 404, 409),
       summary="Drop a held or quarantined mail from the quarantine (again: the same answer)")
def discard_held(call: Call) -> dict[str, object]:
    from chalicelib.services.inbound_mail import discard_held

    entry = discard_held(call.ctx, _entry_id(call))
    return QuarantinedMail.model_validate(entry).model_dump(mode="json")


def _entry_id(call: Call) -> str:
    entry_id = call.params["id"]
    if not _ENTRY_ID.fullmatch(entry_id):
        raise InvalidInput("A quarantine id is letters, digits, - and _ (1-64).",
                           [FieldError(("path", "id"), "invalid id")])
    return entry_id
