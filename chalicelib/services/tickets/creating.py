"""Creating a ticket: whose it is (a contact's own, or named by staff), its checked
fields and watchers, and ``open_ticket``, the one write of a new ticket that the API and
inbound mail share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain import tickets
from chalicelib.domain.directory import Priority
from chalicelib.domain.errors import ErrorList, FieldError, Forbidden, InvalidInput
from chalicelib.domain.outbound import CLIENT_CASE_TYPE
from chalicelib.services.context import Ctx
from chalicelib.services.directory import get_settings
from chalicelib.services.directory import repo as directory
from chalicelib.services.report_counting import count_change
from chalicelib.services.tickets.catalog import active_type
from chalicelib.services.tickets.shared import record, repo, sla_dues, ticket_event
from chalicelib.services.writes import with_next_number
from chalicelib.store import client_cases as client_cases_store
from chalicelib.store.dynamo import UnitOfWork
from chalicelib.store.tickets import TICKET_COUNTER


@dataclass(frozen=True)
class Origin:
    organization_id: str
    requester_id: str | None
    requester_name: str | None
    channel: tickets.Channel


def _origin(ctx: Ctx, body: tickets.TicketCreate) -> Origin:
    """Whose ticket it is: a contact's own, for their organisation through the portal; or,
    from staff, the named organisation (and optionally one of its portal users)."""
    return _staff_origin(ctx, body) if ctx.principal.is_staff else _contact_origin(ctx, body)


def _contact_origin(ctx: Ctx, body: tickets.TicketCreate) -> Origin:
    p, errors = ctx.principal, ErrorList()
    if body.organization_id and body.organization_id != p.organization_id:
        errors.add(("body", "organization_id"),
                   "a contact opens tickets for their own organisation only")
    if body.requester_id and body.requester_id != p.user_id:
        errors.add(("body", "requester_id"), "a contact is the requester of their tickets")
    if body.channel not in (None, "portal"):
        errors.add(("body", "channel"), "a contact's tickets come through the portal")
    errors.raise_if_any()
    if p.organization_id is None:
        raise Forbidden("Your user belongs to no organisation.")
    return Origin(p.organization_id, p.user_id, p.record.get("name"), "portal")


def _staff_origin(ctx: Ctx, body: tickets.TicketCreate) -> Origin:
    errors = ErrorList()
    if not body.organization_id:
        errors.add(("body", "organization_id"), "staff name the customer's organisation")
    if body.channel not in (None, "phone", "staff"):
        errors.add(("body", "channel"), "staff open tickets by phone or staff")
    errors.raise_if_any()
    assert body.organization_id
    if directory().get_organization(ctx.tenant, body.organization_id) is None:
        raise InvalidInput("No such organisation.",
                           [FieldError(("body", "organization_id"), "no such organization")])
    requester_name = None
    if body.requester_id:
        user = directory().get_user(ctx.tenant, body.requester_id)
        if (user is None or user.get("kind") != "contact"
                or user.get("organization_id") != body.organization_id):
            raise InvalidInput("The requester must be a portal user of the organisation.",
                               [FieldError(("body", "requester_id"), "no such contact user")])
        requester_name = user.get("name")
    return Origin(body.organization_id, body.requester_id, requester_name,
                   body.channel or "staff")


def check_watchers(ctx: Ctx, organization_id: str, watchers: list[str],
                   loc: tuple[str, ...]) -> list[str]:
    """Watchers are active staff, or portal users of the ticket's organisation."""
    wanted = list(dict.fromkeys(watchers))
    if not wanted:
        return []
    found = directory().get_users(ctx.tenant, wanted)
    errors = ErrorList()
    for index, user_id in enumerate(wanted):
        user = found.get(user_id)
        ok = user is not None and user.get("active", True) and (
            user.get("kind") == "staff" or user.get("organization_id") == organization_id)
        if not ok:
            errors.add((*loc, index), "no such user, or not of this organisation")
    errors.raise_if_any()
    return wanted


def create_ticket(ctx: Ctx, body: tickets.TicketCreate) -> tickets.Ticket:
    if body.direction == "outbound":
        from chalicelib.services.tickets.outbound import create_case

        return create_case(ctx, body)
    errors = ErrorList()
    for name in ("recipients", "period", "due_date", "reminder_days"):
        if getattr(body, name):
            errors.add(("body", name), 'only for a case from the firm (direction "outbound")')
    template = None
    if body.template_id:
        item = repo().get_template(ctx.tenant, body.template_id)
        if item is None or not item.get("active", True) or item.get("direction") == "outbound":
            errors.add(("body", "template_id"), "no such template")
        else:
            template = tickets.Template.model_validate(item)
    # A template's texts in the language of whoever creates the ticket.
    texts = template.text(ctx.principal.language) if template else None
    subject = body.subject or (texts.subject.strip() if texts else None)
    type_id = body.ticket_type_id or (template.ticket_type_id if template else None)
    description = body.description if body.description is not None else (
        texts.body if texts else "")
    # Every problem of the request is named at once (a blank subject and a missing type
    # together), each check adding to ``errors`` rather than stopping at the first.
    clean_subject = tickets.plain_text(subject) if subject else ""
    if not subject:
        errors.add(("body", "subject"), "required (or a template that has one)")
    elif not clean_subject:
        errors.add(("body", "subject"), "no text left once markup is removed")
    ticket_type = None
    if not type_id:
        errors.add(("body", "ticket_type_id"), "required (or a template that has one)")
    elif type_id == CLIENT_CASE_TYPE and not ctx.principal.is_staff:
        errors.add(("body", "ticket_type_id"), "no such ticket type")
    else:
        ticket_type = errors.collect(lambda: active_type(ctx, type_id, ("body", "ticket_type_id")))
    fields = errors.collect(lambda: tickets.validate_fields(ticket_type, body.fields)
                            ) if ticket_type else None
    origin = errors.collect(lambda: _origin(ctx, body))
    watchers = errors.collect(lambda: check_watchers(
        ctx, origin.organization_id, body.watchers, ("body", "watchers"))) if origin else None
    errors.raise_if_any()
    assert ticket_type and origin and fields is not None and watchers is not None
    return open_ticket(ctx, NewTicket(
        origin=origin, ticket_type=ticket_type, subject=clean_subject,
        description=tickets.plain_text(description), priority=body.priority, fields=fields,
        watchers=watchers, template_id=template.id if template else None))


@dataclass(frozen=True)
class NewTicket:
    """A checked request for a new ticket, from the API or from mail."""

    origin: Origin
    ticket_type: tickets.TicketType
    subject: str
    description: str
    priority: Priority | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    watchers: list[str] = field(default_factory=list)
    template_id: str | None = None
    # Set by mail: the unverified sender, and the ticket this one is about.
    requester_email: str | None = None
    related_ticket_id: str | None = None
    event_data: dict[str, Any] = field(default_factory=dict)
    # Given when files were stored under the ticket's key before it exists.
    ticket_id: str | None = None
    # A case from the firm (services/tickets/outbound.py): its own fields (direction,
    # recipients, due date, reminders); it starts waiting on the client, without SLA.
    case: dict[str, Any] = field(default_factory=dict)


def open_ticket(ctx: Ctx, new: NewTicket,
                extra: Callable[[UnitOfWork, tickets.Ticket], None] | None = None
                ) -> tickets.Ticket:
    """Numbers and writes a new ticket, its ``created`` event, timers and outbox record;
    ``extra`` adds its own writes (a comment's attachments, a mail's id) to the same
    transaction."""
    settings = get_settings(ctx)
    priority = new.priority or new.ticket_type.default_priority
    target = settings.sla_targets[priority]
    ticket_id = new.ticket_id or ctx.new_id()
    origin = new.origin
    # The firm's own case waits on the client from the start; no SLA runs on it.
    status: tickets.Status = "waiting_on_customer" if new.case else "new"
    dues = {} if new.case else sla_dues(settings, ctx.now, target, ctx.now)

    def build(uow: UnitOfWork, number: int) -> tickets.Ticket:
        r = repo()
        ticket = tickets.Ticket(
            id=ticket_id, number=tickets.ticket_number(number), subject=new.subject,
            description=new.description, status=status, priority=priority,
            ticket_type_id=new.ticket_type.id, organization_id=origin.organization_id,
            requester_id=origin.requester_id, requester_name=origin.requester_name,
            requester_email=new.requester_email, related_ticket_id=new.related_ticket_id,
            channel=origin.channel, billable=new.ticket_type.billable, created_at=ctx.stamp,
            updated_at=ctx.stamp, created_by=ctx.principal.user_id, fields=new.fields,
            watchers=new.watchers, template_id=new.template_id, **dues, **new.case,
        )
        item = ticket.model_dump(mode="json")
        r.record_number(uow, ctx.tenant, number, ticket_id)
        r.put_ticket(uow, ctx.tenant, item, expected=None, activity=ticket_id)
        record(uow, ctx, ticket, [ticket_event(ctx, "created", {
            "number": ticket.number, "subject": ticket.subject, "channel": ticket.channel,
            "ticket_type_id": ticket.ticket_type_id, "priority": ticket.priority,
            "organization_id": ticket.organization_id, **new.event_data})], {})
        r.index_subject(uow, ctx.tenant, item, tickets.search_terms(ticket.subject))
        count_change(uow, ctx.tenant, settings, None, ticket, ctx.stamp)
        # The organisation's last activity (client cases' checklist: "looks inactive").
        client_cases_store.touch(uow, ctx.tenant, ticket.organization_id, ctx.stamp)
        if extra:
            extra(uow, ticket)
        return ticket

    return with_next_number(ctx, repo().table, TICKET_COUNTER, tickets.FIRST_NUMBER, build)
