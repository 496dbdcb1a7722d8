"""Ticket types, templates, tickets, comments, attachments, resolution, approval and
history, exactly as in the Tickets part of the API contract."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from chalice.app import Blueprint
from pydantic import BaseModel, Field, StringConstraints, field_validator

from chalicelib.api.paging import ListQuery, Paging
from chalicelib.api.routing import PUBLIC, Call, Reply, route
from chalicelib.api.schemas import DownloadLink, PageOf
from chalicelib.domain import tickets
from chalicelib.domain.models import Id, Model, utc_iso
from chalicelib.domain.permissions import Permission
from chalicelib.services import rate_limits
from chalicelib.services import tickets as svc
from chalicelib.services.context import Ctx
from chalicelib.services.paging import Page

bp = Blueprint(__name__)

# Staff read with tickets.view; contacts read what their organisation lets them see.
READ = (Permission.TICKETS_VIEW, Permission.TICKETS_CREATE, Permission.TICKETS_VIEW_ORGANIZATION)


# A service's page of one ticket's children: (ctx, ticket id, limit, start) -> Page.
ListChildren = Callable[[Ctx, str, int, dict[str, Any] | None], Page]


def _child_page(call: Call, name: str, list_children: ListChildren, model: type[BaseModel],
                contact_view: Callable[[Any], BaseModel] | None = None) -> dict[str, object]:
    """A page of the ticket's comments, events or attachments (each read as ``model``; a
    contact sees them through ``contact_view``, where given)."""
    ticket_id = call.params["id"]
    paging = Paging.of(call, name, ticket_id)
    page = list_children(call.ctx, ticket_id, paging.limit, paging.start)
    shown = [model.model_validate(i) for i in page.items]
    if contact_view is not None and not call.ctx.principal.is_staff:
        shown = [contact_view(i) for i in shown]
    return paging.answer(shown, page.last_key)


def _shown(call: Call, ticket: tickets.Ticket) -> tickets.Ticket | tickets.ContactTicket:
    """Staff get the whole ticket; a contact gets the contact's shape (issue 14, item 7)."""
    if call.ctx.principal.is_staff:
        return ticket
    return tickets.contact_ticket(ticket, call.ctx.principal.user_id)


# The answer of a route that returns a ticket: one of the two shapes, by who asks.
TICKET_SHAPES = (tickets.Ticket, tickets.ContactTicket)


# --- ticket types ---------------------------------------------------------------------


class TicketTypes(Model):
    items: list[tickets.TicketType]


@route(bp, "GET", "/ticket-types", guard=(*READ, Permission.TICKET_TYPES_MANAGE), tag="tickets",
       response=TicketTypes, summary="The tenant's ticket types (inactive ones for admins)")
def list_ticket_types(call: Call) -> TicketTypes:
    return TicketTypes(items=svc.list_types(call.ctx))


@route(bp, "POST", "/ticket-types", guard=Permission.TICKET_TYPES_MANAGE, tag="tickets",
       body=tickets.TicketTypeBody, response=tickets.TicketType, status=201, idempotent=True,
       summary="Add a ticket type")
def create_ticket_type(call: Call) -> tickets.TicketType:
    return svc.create_type(call.ctx, call.body)


@route(bp, "GET", "/ticket-types/{id}", guard=(*READ, Permission.TICKET_TYPES_MANAGE),
       tag="tickets", response=tickets.TicketType, summary="One ticket type")
def get_ticket_type(call: Call) -> tickets.TicketType:
    return svc.get_type(call.ctx, call.params["id"])


@route(bp, "PATCH", "/ticket-types/{id}", guard=Permission.TICKET_TYPES_MANAGE, tag="tickets",
       body=tickets.TicketTypePatch, response=tickets.TicketType, if_match=True,
       summary="Change a ticket type (active=false retires it)")
def patch_ticket_type(call: Call) -> tickets.TicketType:
    return svc.patch_type(call.ctx, call.params["id"], call.body)


# --- templates ------------------------------------------------------------------------


class Templates(Model):
    items: list[tickets.Template]


class TemplateQuery(Model):
    model_config = {"extra": "forbid"}

    direction: tickets.Direction | None = Field(
        default=None, description="outbound: the templates of cases from the firm")


@route(bp, "GET", "/templates", guard=(*READ, Permission.TEMPLATES_MANAGE), tag="tickets",
       query=TemplateQuery, response=Templates,
       summary="Ready-made and the tenant's own ticket templates (?direction=outbound: for "
               "cases from the firm)")
def list_templates(call: Call) -> Templates:
    query: TemplateQuery = call.query
    return Templates(items=svc.list_templates(call.ctx, query.direction))


@route(bp, "POST", "/templates", guard=Permission.TEMPLATES_MANAGE, tag="tickets",
       body=tickets.TemplateBody, response=tickets.Template, status=201, idempotent=True,
       summary="Add a template")
def create_template(call: Call) -> tickets.Template:
    return svc.create_template(call.ctx, call.body)


@route(bp, "PATCH", "/templates/{id}", guard=Permission.TEMPLATES_MANAGE, tag="tickets",
       body=tickets.TemplatePatch, response=tickets.Template, if_match=True,
       summary="Change a template")
def patch_template(call: Call) -> tickets.Template:
    return svc.patch_template(call.ctx, call.params["id"], call.body)


# --- tickets --------------------------------------------------------------------------


@route(bp, "POST", "/tickets", guard=Permission.TICKETS_CREATE, tag="tickets",
       body=tickets.TicketCreate, response=TICKET_SHAPES, status=201, idempotent=True,
       errors=(422,),
       summary="Open a ticket (a contact for their organisation, staff for any); staff send "
               "a case to a connected client with direction outbound and recipients")
def create_ticket(call: Call) -> tickets.Ticket | tickets.ContactTicket:
    return _shown(call, svc.create_ticket(call.ctx, call.body))


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
    direction: tickets.Direction | None = Field(
        default=None, description="outbound: cases from the firm (staff: the firm's queue; a "
                                  "contact: those addressed to them); a contact's list "
                                  "without it holds what their organisation asked")

    @field_validator("updated_after")
    @classmethod
    def _as_utc(cls, value: str | None) -> str | None:
        """The instant in the API's one format (UTC, whole seconds)."""
        if value is None:
            return None
        return utc_iso(datetime.fromisoformat(value))


@route(bp, "GET", "/tickets", guard=READ, tag="tickets", query=TicketListQuery,
       response=(PageOf(tickets.TicketSummary), PageOf(tickets.ContactTicketSummary),
                 PageOf(tickets.CaseSummary), PageOf(tickets.ContactCaseSummary)),
       summary="Tickets, newest activity first; status=active is every status but closed; "
               "direction=outbound: cases from the firm, with their due date and recipients")
def list_tickets(call: Call) -> dict[str, object]:
    query: TicketListQuery = call.query
    filters = svc.TicketFilters(status=query.status, ticket_type_id=query.type,
                                assignee=query.assignee, organization_id=query.organization_id,
                                requester=query.requester, q=query.q,
                                updated_after=query.updated_after, direction=query.direction)
    paging = Paging.of(call, "tickets", filters)
    items, following = svc.list_tickets(call.ctx, filters, paging.limit, paging.positions)
    shown: list[BaseModel] = list(items)
    if not call.ctx.principal.is_staff:
        shown = [tickets.contact_summary(i) for i in items]
    return paging.answer(shown, following)


@route(bp, "GET", "/tickets/{id}", guard=READ, tag="tickets",
       response=(tickets.TicketView, tickets.ContactTicketView),
       summary="One ticket (a contact gets the contact's shape) and what the caller may do "
               "with it now: can_comment, can_approve, can_edit, can_assign, can_mark_done")
def get_ticket(call: Call) -> tickets.TicketView | tickets.ContactTicketView:
    access = svc.access_ticket(call.ctx, call.params["id"])
    may = svc.abilities(call.ctx, access).model_dump()
    if call.ctx.principal.is_staff:
        return tickets.TicketView.model_validate(access.ticket.model_dump() | may)
    shown = tickets.contact_ticket(access.ticket, call.ctx.principal.user_id)
    return tickets.ContactTicketView.model_validate(shown.model_dump() | may)


@route(bp, "PATCH", "/tickets/{id}", guard=(Permission.TICKETS_EDIT, Permission.TICKETS_ASSIGN),
       tag="tickets", body=tickets.TicketPatch, response=TICKET_SHAPES, if_match=True,
       errors=(422,), summary="Staff: change status, assignee, priority, type or watchers")
def patch_ticket(call: Call) -> tickets.Ticket | tickets.ContactTicket:
    return _shown(call, svc.patch_ticket(call.ctx, call.params["id"], call.body))


# --- comments and history -------------------------------------------------------------


@route(bp, "GET", "/tickets/{id}/comments", guard=READ, tag="tickets", query=ListQuery,
       response=(PageOf(tickets.Comment), PageOf(tickets.ContactComment)),
       summary="The thread, oldest first (internal ones for staff)")
def list_comments(call: Call) -> dict[str, object]:
    return _child_page(call, "comments", svc.list_comments, tickets.Comment,
                       tickets.contact_comment)


@route(bp, "POST", "/tickets/{id}/comments", guard=Permission.TICKETS_COMMENT, tag="tickets",
       body=tickets.CommentCreate, response=(tickets.Comment, tickets.ContactComment), status=201,
       idempotent=True, errors=(409, 422),
       summary="Comment (internal: staff only; hours: staff time)")
def add_comment(call: Call) -> tickets.Comment | tickets.ContactComment:
    comment = svc.add_comment(call.ctx, call.params["id"], call.body)
    return comment if call.ctx.principal.is_staff else tickets.contact_comment(comment)


@route(bp, "GET", "/tickets/{id}/events", guard=READ, tag="tickets", query=ListQuery,
       response=PageOf(tickets.Event), summary="The history, oldest first; never changed")
def list_events(call: Call) -> dict[str, object]:
    return _child_page(call, "events", svc.list_events, tickets.Event, tickets.contact_event)


# --- resolution and approval ----------------------------------------------------------


@route(bp, "POST", "/tickets/{id}/resolve", guard=Permission.TICKETS_RESOLVE, tag="tickets",
       body=tickets.ResolveBody, response=TICKET_SHAPES, idempotent=True, errors=(409, 422),
       summary="Staff: resolve with a resolution; the customer is asked to approve")
def resolve_ticket(call: Call) -> tickets.Ticket | tickets.ContactTicket:
    return _shown(call, svc.resolve(call.ctx, call.params["id"], call.body))


@route(bp, "POST", "/tickets/{id}/approve", guard=Permission.TICKETS_APPROVE, tag="tickets",
       body=tickets.ApproveBody, body_optional=True, response=TICKET_SHAPES, idempotent=True,
       errors=(409, 422), summary="The requester's side: tested OK, the ticket closes")
def approve_ticket(call: Call) -> tickets.Ticket | tickets.ContactTicket:
    return _shown(call, svc.approve(call.ctx, call.params["id"], call.body))


@route(bp, "POST", "/tickets/{id}/reject", guard=Permission.TICKETS_APPROVE, tag="tickets",
       body=tickets.RejectBody, response=TICKET_SHAPES, idempotent=True, errors=(409, 422),
       summary="The requester's side: not OK, with a reason; the ticket opens again")
def reject_ticket(call: Call) -> tickets.Ticket | tickets.ContactTicket:
    return _shown(call, svc.reject(call.ctx, call.params["id"], call.body))


@route(bp, "POST", "/tickets/{id}/done", guard=Permission.TICKETS_COMMENT, tag="tickets",
       response=TICKET_SHAPES, idempotent=True, errors=(409, 422),
       summary="A recipient of a case from the firm: done; it closes (closed_reason done) "
               "and the firm is told")
def mark_ticket_done(call: Call) -> tickets.Ticket | tickets.ContactTicket:
    return _shown(call, svc.mark_done(call.ctx, call.params["id"]))


@route(bp, "POST", "/tickets/{id}/pause-auto-approval", guard=Permission.TICKETS_RESOLVE,
       tag="tickets", body=tickets.PauseBody, response=TICKET_SHAPES, if_match=True,
       errors=(409, 422),
       summary="Staff: stop the approval reminder and auto-approval, with a reason")
def pause_auto_approval(call: Call) -> tickets.Ticket | tickets.ContactTicket:
    return _shown(call, svc.pause_auto_approval(call.ctx, call.params["id"], call.body))


@route(bp, "POST", "/tickets/{id}/resume-auto-approval", guard=Permission.TICKETS_RESOLVE,
       tag="tickets", response=TICKET_SHAPES, if_match=True, errors=(409, 422),
       summary="Staff: let the approval timer run again")
def resume_auto_approval(call: Call) -> tickets.Ticket | tickets.ContactTicket:
    return _shown(call, svc.resume_auto_approval(call.ctx, call.params["id"]))


class AnswerResult(Model):
    ticket_id: str
    number: str
    status: tickets.Status
    answer: Literal["approve", "reject", "rate"]


@route(bp, "POST", "/ticket-answers", guard=PUBLIC, tag="tickets", body=tickets.TicketAnswer,
       response=AnswerResult, errors=(403, 409, 410, 422),
       summary="Public: a one-click answer from an e-mail link (signed, single-use token)")
def answer_ticket(call: Call) -> dict[str, object]:
    return svc.answer(call.body, datetime.now(UTC))


Month = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


class SatisfactionQuery(Model):
    model_config = {"extra": "forbid"}

    from_month: Month = Field(alias="from")
    to_month: Month | None = Field(default=None, alias="to")


class SatisfactionRow(Model):
    id: str
    name: str | None = None
    good: int
    bad: int


class SatisfactionReport(Model):
    from_month: str
    to_month: str
    by_agent: list[SatisfactionRow]
    by_type: list[SatisfactionRow]


@route(bp, "GET", "/reports/satisfaction", guard=Permission.TICKETS_VIEW, tag="tickets",
       query=SatisfactionQuery, response=SatisfactionReport,
       summary="Customers' good/bad answers per agent and per ticket type, by month")
def satisfaction_report(call: Call) -> dict[str, object]:
    query: SatisfactionQuery = call.query
    return svc.satisfaction_report(call.ctx, query.from_month,
                                   query.to_month or query.from_month)


# --- attachments ----------------------------------------------------------------------


class AttachmentUpload(tickets.Attachment):
    upload_url: str
    upload_fields: dict[str, str]
    upload_expires_at: str


@route(bp, "POST", "/tickets/{id}/attachments",
       guard=(Permission.TICKETS_COMMENT, Permission.TICKETS_CREATE), tag="tickets",
       body=tickets.AttachmentCreate, response=AttachmentUpload, status=201, idempotent=True,
       errors=(422, 429), summary="Announce a file: answers a presigned S3 POST to upload it with")
def create_attachment(call: Call) -> dict[str, object]:
    rate_limits.attachment_announcement(call.ctx.tenant, call.ctx.principal.user_id, call.source_ip)
    return svc.create_attachment(call.ctx, call.params["id"], call.body)


@route(bp, "GET", "/tickets/{id}/attachments", guard=READ, tag="tickets", query=ListQuery,
       response=PageOf(tickets.Attachment), summary="The ticket's files")
def list_attachments(call: Call) -> dict[str, object]:
    return _child_page(call, "attachments", svc.list_attachments, tickets.Attachment)


@route(bp, "GET", "/tickets/{id}/attachments/{aid}", guard=READ, tag="tickets",
       response=DownloadLink, status=302, errors=(409,),
       summary="302 to a short-lived download address (also given in the body)")
def download_attachment(call: Call) -> Reply:
    link = svc.download_attachment(call.ctx, call.params["id"], call.params["aid"])
    return Reply(link, headers={"Location": link["url"]})


@route(bp, "GET", "/tickets/{id}/attachments/{aid}/link", guard=READ, tag="tickets",
       response=DownloadLink, errors=(409,),
       summary="The short-lived download address as JSON, for the portal (a browser with a "
               "bearer token cannot read a redirect's target)")
def attachment_link(call: Call) -> dict[str, object]:
    return dict(svc.download_attachment(call.ctx, call.params["id"], call.params["aid"]))


@route(bp, "GET", "/tickets/{id}/comments/{cid}/source", guard=Permission.TICKETS_VIEW,
       tag="tickets", response=DownloadLink, status=302,
       summary="Staff: 302 to the original mail (message/rfc822) a comment came from")
def comment_source(call: Call) -> Reply:
    link = svc.comment_source(call.ctx, call.params["id"], call.params["cid"])
    return Reply(link, headers={"Location": link["url"]})
