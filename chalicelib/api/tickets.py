"""Ticket types, templates, tickets, comments, attachments, resolution, approval and
history, exactly as in the Tickets part of the API contract."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from chalice import Blueprint
from pydantic import BaseModel, Field, StringConstraints, field_validator

from chalicelib.api.routing import PUBLIC, Call, ListQuery, Reply, route
from chalicelib.api.schemas import ItemsPage
from chalicelib.config import get_config
from chalicelib.domain import tickets as t
from chalicelib.domain.models import Id, utc_iso
from chalicelib.domain.permissions import Permission as P
from chalicelib.services import rate_limits
from chalicelib.services import tickets as svc
from chalicelib.store.cursor import decode_cursor, encode_cursor
from chalicelib.store.dynamo import Page

bp = Blueprint(__name__)

# Staff read with tickets.view; contacts read what their organisation lets them see.
READ = (P.TICKETS_VIEW, P.TICKETS_CREATE, P.TICKETS_VIEW_ORGANIZATION)


def _scope(call: Call, *parts: object) -> str:
    return "|".join([call.c.tenant, call.c.principal.user_id, *map(str, parts)])


def _child_page(call: Call, name: str, page: Page, model: type[BaseModel],
                contact_view: Callable[[Any], BaseModel] | None = None) -> dict[str, object]:
    scope = _scope(call, name, call.params["id"])
    shown = [model.model_validate(i) for i in page.items]
    if contact_view is not None and not call.c.principal.is_staff:
        shown = [contact_view(i) for i in shown]
    return {"items": [i.model_dump(mode="json") for i in shown],
            "next_cursor": encode_cursor(get_config().secret, scope, page.last_key)}


def _shown(call: Call, ticket: t.Ticket) -> t.Ticket | t.ContactTicket:
    """Staff get the whole ticket; a contact gets the contact's shape (issue 14, item 7)."""
    if call.c.principal.is_staff:
        return ticket
    return t.contact_ticket(ticket, call.c.principal.user_id)


# The answer of a route that returns a ticket: one of the two shapes, by who asks.
TICKET_SHAPES = (t.Ticket, t.ContactTicket)


def _start(call: Call, name: str) -> dict[str, str] | None:
    return decode_cursor(get_config().secret, _scope(call, name, call.params["id"]),
                         call.query.cursor)


# --- ticket types ---------------------------------------------------------------------


class TicketTypes(BaseModel):
    items: list[t.TicketType]


@route(bp, "GET", "/ticket-types", guard=(*READ, P.TICKET_TYPES_MANAGE), tag="tickets",
       response=TicketTypes, summary="The tenant's ticket types (inactive ones for admins)")
def list_ticket_types(call: Call) -> TicketTypes:
    return TicketTypes(items=svc.list_types(call.c))


@route(bp, "POST", "/ticket-types", guard=P.TICKET_TYPES_MANAGE, tag="tickets",
       body=t.TicketTypeBody, response=t.TicketType, status=201, idempotent=True,
       summary="Add a ticket type")
def create_ticket_type(call: Call) -> t.TicketType:
    return svc.create_type(call.c, call.body)


@route(bp, "GET", "/ticket-types/{id}", guard=(*READ, P.TICKET_TYPES_MANAGE), tag="tickets",
       response=t.TicketType, summary="One ticket type")
def get_ticket_type(call: Call) -> t.TicketType:
    return svc.get_type(call.c, call.params["id"])


@route(bp, "PATCH", "/ticket-types/{id}", guard=P.TICKET_TYPES_MANAGE, tag="tickets",
       body=t.TicketTypePatch, response=t.TicketType, if_match=True,
       summary="Change a ticket type (active=false retires it)")
def patch_ticket_type(call: Call) -> t.TicketType:
    return svc.patch_type(call.c, call.params["id"], call.body)


# --- templates ------------------------------------------------------------------------


class Templates(BaseModel):
    items: list[t.Template]


@route(bp, "GET", "/templates", guard=(*READ, P.TEMPLATES_MANAGE), tag="tickets",
       response=Templates, summary="Ready-made and the tenant's own ticket templates")
def list_templates(call: Call) -> Templates:
    return Templates(items=svc.list_templates(call.c))


@route(bp, "POST", "/templates", guard=P.TEMPLATES_MANAGE, tag="tickets", body=t.TemplateBody,
       response=t.Template, status=201, idempotent=True, summary="Add a template")
def create_template(call: Call) -> t.Template:
    return svc.create_template(call.c, call.body)


@route(bp, "PATCH", "/templates/{id}", guard=P.TEMPLATES_MANAGE, tag="tickets",
       body=t.TemplatePatch, response=t.Template, if_match=True, summary="Change a template")
def patch_template(call: Call) -> t.Template:
    return svc.patch_template(call.c, call.params["id"], call.body)


# --- tickets --------------------------------------------------------------------------


@route(bp, "POST", "/tickets", guard=P.TICKETS_CREATE, tag="tickets", body=t.TicketCreate,
       response=TICKET_SHAPES, status=201, idempotent=True,
       summary="Open a ticket (a contact for their organisation, staff for any)")
def create_ticket(call: Call) -> t.Ticket | t.ContactTicket:
    return _shown(call, svc.create_ticket(call.c, call.body))


ISO_INSTANT = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
               r"(Z|[+-][0-9]{2}:[0-9]{2})$")

StatusFilter = Literal["new", "open", "waiting_on_customer", "waiting_on_third_party",
                       "resolved", "closed", "active"]


class TicketListQuery(ListQuery):
    status: StatusFilter | None = None
    type: Id | None = None
    assignee: Id | None = Field(default=None, description="a user id, me, or none")
    organization_id: Id | None = None
    requester: Id | None = Field(default=None, description="a user id, or me")
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    updated_after: Annotated[str, StringConstraints(pattern=ISO_INSTANT)] | None = Field(
        default=None, description="an ISO 8601 instant with its offset, e.g. 2026-11-22T09:30:00Z")

    @field_validator("updated_after")
    @classmethod
    def _as_utc(cls, value: str | None) -> str | None:
        """The instant in the API's one format (UTC, whole seconds)."""
        if value is None:
            return None
        return utc_iso(datetime.fromisoformat(value.replace("Z", "+00:00")))


@route(bp, "GET", "/tickets", guard=READ, tag="tickets", query=TicketListQuery,
       response=(ItemsPage[t.TicketSummary], ItemsPage[t.ContactTicketSummary]),
       summary="Tickets, newest activity first; status=active is every status but closed")
def list_tickets(call: Call) -> dict[str, object]:
    q: TicketListQuery = call.query
    filters = svc.TicketFilters(status=q.status, ticket_type_id=q.type, assignee=q.assignee,
                                organization_id=q.organization_id, requester=q.requester,
                                q=q.q, updated_after=q.updated_after)
    scope = _scope(call, "tickets", filters)
    secret = get_config().secret
    positions = decode_cursor(secret, scope, q.cursor) or {}
    items, following = svc.list_tickets(call.c, filters, q.limit, positions)
    shown: list[BaseModel] = list(items)
    if not call.c.principal.is_staff:
        shown = [t.contact_summary(i) for i in items]
    return {"items": [i.model_dump(mode="json") for i in shown],
            "next_cursor": encode_cursor(secret, scope, following)}


@route(bp, "GET", "/tickets/{id}", guard=READ, tag="tickets", response=TICKET_SHAPES,
       summary="One ticket (a contact gets the contact's shape)")
def get_ticket(call: Call) -> t.Ticket | t.ContactTicket:
    return _shown(call, svc.get_ticket(call.c, call.params["id"]))


@route(bp, "PATCH", "/tickets/{id}", guard=(P.TICKETS_EDIT, P.TICKETS_ASSIGN), tag="tickets",
       body=t.TicketPatch, response=TICKET_SHAPES, if_match=True, errors=(422,),
       summary="Staff: change status, assignee, priority, type or watchers")
def patch_ticket(call: Call) -> t.Ticket | t.ContactTicket:
    return _shown(call, svc.patch_ticket(call.c, call.params["id"], call.body))


# --- comments and history -------------------------------------------------------------


@route(bp, "GET", "/tickets/{id}/comments", guard=READ, tag="tickets", query=ListQuery,
       response=(ItemsPage[t.Comment], ItemsPage[t.ContactComment]),
       summary="The thread, oldest first (internal ones for staff)")
def list_comments(call: Call) -> dict[str, object]:
    page = svc.list_comments(call.c, call.params["id"], call.query.limit,
                             _start(call, "comments"))
    return _child_page(call, "comments", page, t.Comment, t.contact_comment)


@route(bp, "POST", "/tickets/{id}/comments", guard=P.TICKETS_COMMENT, tag="tickets",
       body=t.CommentCreate, response=(t.Comment, t.ContactComment), status=201,
       idempotent=True, errors=(409, 422),
       summary="Comment (internal: staff only; hours: staff time)")
def add_comment(call: Call) -> t.Comment | t.ContactComment:
    comment = svc.add_comment(call.c, call.params["id"], call.body)
    return comment if call.c.principal.is_staff else t.contact_comment(comment)


@route(bp, "GET", "/tickets/{id}/events", guard=READ, tag="tickets", query=ListQuery,
       response=ItemsPage[t.Event], summary="The history, oldest first; never changed")
def list_events(call: Call) -> dict[str, object]:
    page = svc.list_events(call.c, call.params["id"], call.query.limit, _start(call, "events"))
    return _child_page(call, "events", page, t.Event, t.contact_event)


# --- resolution and approval ----------------------------------------------------------


@route(bp, "POST", "/tickets/{id}/resolve", guard=P.TICKETS_RESOLVE, tag="tickets",
       body=t.ResolveBody, response=TICKET_SHAPES, idempotent=True, errors=(409, 422),
       summary="Staff: resolve with a resolution; the customer is asked to approve")
def resolve_ticket(call: Call) -> t.Ticket | t.ContactTicket:
    return _shown(call, svc.resolve(call.c, call.params["id"], call.body))


@route(bp, "POST", "/tickets/{id}/approve", guard=P.TICKETS_APPROVE, tag="tickets",
       body=t.ApproveBody, body_optional=True, response=TICKET_SHAPES, idempotent=True,
       errors=(409, 422), summary="The requester's side: tested OK, the ticket closes")
def approve_ticket(call: Call) -> t.Ticket | t.ContactTicket:
    return _shown(call, svc.approve(call.c, call.params["id"], call.body))


@route(bp, "POST", "/tickets/{id}/reject", guard=P.TICKETS_APPROVE, tag="tickets",
       body=t.RejectBody, response=TICKET_SHAPES, idempotent=True, errors=(409, 422),
       summary="The requester's side: not OK, with a reason; the ticket opens again")
def reject_ticket(call: Call) -> t.Ticket | t.ContactTicket:
    return _shown(call, svc.reject(call.c, call.params["id"], call.body))


@route(bp, "POST", "/tickets/{id}/pause-auto-approval", guard=P.TICKETS_RESOLVE,
       tag="tickets", body=t.PauseBody, response=TICKET_SHAPES, if_match=True, errors=(409, 422),
       summary="Staff: stop the approval reminder and auto-approval, with a reason")
def pause_auto_approval(call: Call) -> t.Ticket | t.ContactTicket:
    from chalicelib.services.tickets import approval as ticket_lifecycle

    return _shown(call, ticket_lifecycle.pause_auto_approval(call.c, call.params["id"], call.body))


@route(bp, "POST", "/tickets/{id}/resume-auto-approval", guard=P.TICKETS_RESOLVE,
       tag="tickets", response=TICKET_SHAPES, if_match=True, errors=(409, 422),
       summary="Staff: let the approval timer run again")
def resume_auto_approval(call: Call) -> t.Ticket | t.ContactTicket:
    from chalicelib.services.tickets import approval as ticket_lifecycle

    return _shown(call, ticket_lifecycle.resume_auto_approval(call.c, call.params["id"]))


class AnswerResult(BaseModel):
    ticket_id: str
    number: str
    status: t.Status
    answer: Literal["approve", "reject", "rate"]


@route(bp, "POST", "/ticket-answers", guard=PUBLIC, tag="tickets", body=t.TicketAnswer,
       response=AnswerResult, errors=(403, 409, 410, 422),
       summary="Public: a one-click answer from an e-mail link (signed, single-use token)")
def answer_ticket(call: Call) -> dict[str, object]:
    from chalicelib.services.tickets import approval as ticket_lifecycle

    return ticket_lifecycle.answer(call.body, datetime.now(UTC))


Month = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


class SatisfactionQuery(BaseModel):
    model_config = {"extra": "forbid"}

    from_month: Month = Field(alias="from")
    to_month: Month | None = Field(default=None, alias="to")


class SatisfactionRow(BaseModel):
    id: str
    name: str | None = None
    good: int
    bad: int


class SatisfactionReport(BaseModel):
    from_month: str
    to_month: str
    by_agent: list[SatisfactionRow]
    by_type: list[SatisfactionRow]


@route(bp, "GET", "/reports/satisfaction", guard=P.TICKETS_VIEW, tag="tickets",
       query=SatisfactionQuery, response=SatisfactionReport,
       summary="Customers' good/bad answers per agent and per ticket type, by month")
def satisfaction_report(call: Call) -> dict[str, object]:
    from chalicelib.services.tickets import approval as ticket_lifecycle

    q = call.query
    return ticket_lifecycle.satisfaction_report(call.c, q.from_month, q.to_month or q.from_month)


# --- attachments ----------------------------------------------------------------------


class AttachmentUpload(t.Attachment):
    upload_url: str
    upload_fields: dict[str, str]
    upload_expires_at: str


class DownloadLink(BaseModel):
    url: str
    expires_at: str


@route(bp, "POST", "/tickets/{id}/attachments", guard=(P.TICKETS_COMMENT, P.TICKETS_CREATE),
       tag="tickets", body=t.AttachmentCreate, response=AttachmentUpload, status=201,
       idempotent=True, errors=(422, 429),
       summary="Announce a file: answers a presigned S3 POST to upload it with")
def create_attachment(call: Call) -> dict[str, object]:
    rate_limits.attachment_announcement(call.c.tenant, call.c.principal.user_id, call.source_ip)
    return svc.create_attachment(call.c, call.params["id"], call.body)


@route(bp, "GET", "/tickets/{id}/attachments", guard=READ, tag="tickets", query=ListQuery,
       response=ItemsPage[t.Attachment], summary="The ticket's files")
def list_attachments(call: Call) -> dict[str, object]:
    page = svc.list_attachments(call.c, call.params["id"], call.query.limit,
                                _start(call, "attachments"))
    return _child_page(call, "attachments", page, t.Attachment)


@route(bp, "GET", "/tickets/{id}/attachments/{aid}", guard=READ, tag="tickets",
       response=DownloadLink, status=302, errors=(409,),
       summary="302 to a short-lived download address (also given in the body)")
def download_attachment(call: Call) -> Reply:
    link = svc.download_attachment(call.c, call.params["id"], call.params["aid"])
    return Reply(link, headers={"Location": link["url"]})


@route(bp, "GET", "/tickets/{id}/attachments/{aid}/link", guard=READ, tag="tickets",
       response=DownloadLink, errors=(409,),
       summary="The short-lived download address as JSON, for the portal (a browser with a "
               "bearer token cannot read a redirect's target)")
def attachment_link(call: Call) -> dict[str, object]:
    return dict(svc.download_attachment(call.c, call.params["id"], call.params["aid"]))


@route(bp, "GET", "/tickets/{id}/comments/{cid}/source", guard=P.TICKETS_VIEW, tag="tickets",
       response=DownloadLink, status=302,
       summary="Staff: 302 to the original mail (message/rfc822) a comment came from")
def comment_source(call: Call) -> Reply:
    link = svc.comment_source(call.c, call.params["id"], call.params["cid"])
    return Reply(link, headers={"Location": link["url"]})
